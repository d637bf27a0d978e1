/* Reader behaviour: progressive enhancement over plain Markdown output.
 *
 * Without JavaScript every feature still has a plain form: notes are footnotes listed
 * under "Notes", a cross-reference marker links to its passage's endnote under "How the
 * other outlets told this" (which lists the other accounts), ¶ marks are anchors. Nothing
 * here writes page text as HTML: panels clone rendered nodes or use textContent. This script adds, on every page Material for MkDocs shows (it subscribes
 * to Material's document$, so it also runs after instant navigation):
 *
 *  - the annotation layer: "Show: All / Notes only / Plain text" above a text, or the L
 *    key; remembered in localStorage on every page (data-reader-layer on <html>);
 *  - sidenotes: on wide screens (≥ 1200 px) each note is shown whole in the margin beside
 *    its marker ("more" past 8 lines; fewer only for a note that would push the next one
 *    off its marker; pointing at a note shows it whole), and each cross-reference
 *    marker ("⇄ 3") lists the other accounts; the margin is reserved by CSS, so placing
 *    them shifts nothing;
 *  - popovers: on narrower screens a tap, click or Enter on a marker opens its note, or the
 *    list of the other accounts (cloned from the passage's endnote: outlet, date, passage,
 *    "Go to the passage", "Compare side by side"), in a popover that fits the screen (Esc,
 *    the close button or a tap elsewhere closes it). Material's footnote tooltips on hover
 *    stay on mouse screens (Esc dismisses them); on touch screens they are off, since after
 *    × they came back in the popover's place;
 *  - ¶ links: clicking (or Enter on) a ¶ copies the paragraph's full URL, puts it in the
 *    address bar and highlights the paragraph; the "Cite this text" block follows the
 *    paragraph named in the address;
 *  - the target of the address (a paragraph, a passage) is highlighted, also after
 *    instant navigation and Back;
 *  - print: cross-reference markers carry the number of their endnote (X1, X2, ...);
 *  - accessible names the Markdown leaves out to stay small: "Link to paragraph 7" for a ¶,
 *    "Go to the passage: WSWS, 12 February 2024" for an account's link.
 */
(function () {
  "use strict";

  var WIDE = window.matchMedia("(min-width: 1200px)");
  var GAP = 10; /* px between two sidenotes stacked on each other */
  var DENSITY_LINES = [8, 4, 2, 1]; /* lines a sidenote shows before "more", by density */
  var SLACK = 16; /* px a note may push the next one below its marker before it is cut shorter */
  var BLOCK_ID = /^(?:p|q|c|h|fn)-\d+$/;
  var MARKERS = "a.footnote-ref, a.xref-marker";
  var html = document.documentElement;
  var supportsPopover = typeof HTMLElement.prototype.showPopover === "function";
  var open = null; /* { marker, pop } of the open popover */
  var sequence = 0;
  var observer = null;
  var observedWidth = -1;

  function article() {
    return document.querySelector("article.md-content__inner");
  }

  function make(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  /* ------------------------------------------------------------------ markers */

  function isXref(marker) {
    return marker.classList.contains("xref-marker");
  }

  function outletClass(el) {
    for (var i = 0; i < el.classList.length; i++)
      if (el.classList[i].indexOf("outlet-") === 0 && el.classList[i] !== "outlet-badge") return el.classList[i];
    return "";
  }

  /* The footnote (li) a note marker points to. */
  function footnoteOf(marker) {
    var id = decodeURIComponent(marker.hash.slice(1));
    return id ? document.getElementById(id) : null;
  }

  function noteName(marker) {
    var li = footnoteOf(marker);
    var correction = li && li.id.indexOf("fn:c-") === 0;
    return (correction ? "Correction " : "Note ") + marker.textContent.trim();
  }

  /* The endnotes (li under "How the other outlets told this") a cross-reference marker
     leads to: its href names the first, data-more the others (passages ending together). */
  function xrefEndnotes(marker) {
    var ids = [decodeURIComponent(marker.hash.slice(1))].concat((marker.dataset.more || "").split(" "));
    var out = [];
    ids.forEach(function (id) {
      var title = id ? document.getElementById(id) : null;
      var li = title && title.closest("li");
      if (li && out.indexOf(li) < 0) out.push(li);
    });
    return out;
  }

  function xrefEndnote(marker) {
    return xrefEndnotes(marker)[0] || null;
  }

  /* A copy of already-rendered nodes, without ids (no duplicate ids on the page). */
  function cleanClone(node) {
    var clone = node.cloneNode(true);
    if (clone.nodeType !== 1) return clone;
    clone.removeAttribute("id");
    clone.querySelectorAll("[id]").forEach(function (el) {
      el.removeAttribute("id");
    });
    return clone;
  }

  /* In the margin, an account is one link: outlet, date and the start of its passage. */
  function briefAccount(item) {
    var go = item.querySelector("a.xref-go");
    var line = make("li", "reader-account");
    var link = make("a", "xref-go reader-account__link");
    link.href = go.href;
    /* Its name is what it shows, after a hidden "Go to the passage:" (a name that left out
       the visible passage failed axe's label-content-name-mismatch once notes showed it). */
    link.append(make("span", "reader-hidden", "Go to the passage: "));
    var badge = item.querySelector(".outlet-badge");
    if (badge) link.append(make("span", badge.className, badge.textContent));
    var parts = accountParts(item);
    link.append(" ", make("span", "reader-account__date", parts.when || "this text"), " ");
    link.append(make("span", "reader-account__quote", parts.quote));
    line.append(link);
    return line;
  }

  /* The other accounts of one endnote: its list without the "This text" line. */
  function accounts(li, brief) {
    var frag = document.createDocumentFragment();
    var title = li.querySelector(":scope > .xref-endnote-title");
    if (title) frag.append(cleanClone(title));
    Array.prototype.forEach.call(li.children, function (child) {
      if (child === title) return;
      if (child.tagName === "UL") {
        var list = cleanClone(child);
        list.className = "reader-accounts";
        var own = list.firstElementChild;
        if (own && !own.querySelector("a.xref-go")) own.remove(); /* "This text: …" */
        if (brief)
          Array.prototype.slice.call(list.children).forEach(function (item) {
            /* "and N more accounts" has no link of its own: it stays as it is */
            if (item.querySelector("a.xref-go")) item.replaceWith(briefAccount(item));
          });
        frag.append(list);
      } else if (!brief) {
        frag.append(cleanClone(child));
      }
    });
    return frag;
  }

  /* What a sidenote or a popover shows for a marker. */
  function content(marker, brief) {
    var frag = document.createDocumentFragment();
    if (isXref(marker)) {
      xrefEndnotes(marker).forEach(function (li) {
        var part = make("div", "reader-xref");
        part.append(accounts(li, brief));
        frag.append(part);
      });
      return frag;
    }
    var fn = footnoteOf(marker);
    var number = make("span", "reader-note__number", marker.textContent.trim());
    number.setAttribute("aria-hidden", "true");
    if (!fn) {
      frag.append(number);
      return frag;
    }
    var children = fn.children;
    for (var k = 0; k < children.length; k++) {
      var clone = children[k].cloneNode(true);
      clone.querySelectorAll(".footnote-backref").forEach(function (el) {
        el.remove();
      });
      clone.querySelectorAll("[id]").forEach(function (el) {
        el.removeAttribute("id");
      });
      clone.removeAttribute("id");
      if (k === 0 && clone.tagName === "P") clone.prepend(number, " ");
      else if (k === 0) frag.append(number); /* a note that opens with a list or a quotation */
      frag.append(clone);
    }
    return frag;
  }

  function markerName(marker) {
    return isXref(marker) ? marker.getAttribute("aria-label") || marker.textContent.trim() : noteName(marker);
  }

  /* What a block id names, for its ¶: p-7 → "paragraph 7", fn-2-3 → "footnote 2-3". */
  var BLOCK_KINDS = { p: "paragraph", q: "quotation", c: "caption", fn: "footnote" };

  /* An account's line, "<badge> 12 February 2024: “passage” Go to the passage →", read
     back: the date (or "This text, elsewhere") and the passage. */
  function accountParts(item) {
    var text = "";
    item.childNodes.forEach(function (n) {
      if (n.nodeType === 3) text += n.nodeValue;
    });
    var at = text.indexOf(": ");
    return { when: at >= 0 ? text.slice(0, at).trim() : "", quote: (at >= 0 ? text.slice(at + 2) : text).trim() };
  }

  /* The outlet and date of an account ("WSWS, 12 February 2024"), or "this text" for
     another passage of this page. */
  function accountName(item) {
    var badge = item.querySelector(".outlet-badge");
    if (!badge) return "this text";
    var when = accountParts(item).when;
    return badge.textContent.trim() + (when ? ", " + when : "");
  }

  /* Names the page leaves to this script, since on a long text they were a tenth of its
     Markdown: a ¶ is "Link to paragraph 7", an account's link "Go to the passage: WSWS,
     12 February 2024". Without JavaScript the ¶ and the account's line name them. */
  function nameLinks(art) {
    art.querySelectorAll("a.permalink:not([aria-label])").forEach(function (a) {
      var id = decodeURIComponent(a.hash.slice(1));
      var dash = id.indexOf("-");
      var kind = BLOCK_KINDS[id.slice(0, dash)];
      if (kind) a.setAttribute("aria-label", "Link to " + kind + " " + id.slice(dash + 1));
    });
    art.querySelectorAll("a.xref-go:not([aria-label])").forEach(function (a) {
      var item = a.closest("li");
      if (item) a.setAttribute("aria-label", "Go to the passage: " + accountName(item));
    });
  }

  /* Accessible names, once per page. */
  function prepareMarkers(art) {
    art.querySelectorAll("a.footnote-ref").forEach(function (a) {
      if (!a.hasAttribute("aria-label")) a.setAttribute("aria-label", noteName(a));
      if (!footnoteOf(a)) return;
      if (footnoteOf(a).id.indexOf("fn:c-") === 0) {
        a.classList.add("is-correction");
        var sup = a.closest("sup");
        if (sup) sup.classList.add("is-correction");
      }
    });
    art.querySelectorAll("a.xref-marker").forEach(function (a) {
      a.setAttribute("aria-haspopup", "dialog");
    });
  }

  /* ------------------------------------------------------------------ sidenotes */

  function buildSidenotes(art) {
    art.querySelectorAll(MARKERS).forEach(function (marker) {
      if (marker._sidenote || marker.closest(".sidenote, .reader-popover")) return;
      var xref = isXref(marker);
      var block = marker;
      while (block.parentElement && block.parentElement !== art) block = block.parentElement;
      if (block.parentElement !== art) return;
      var sn = make("div", "sidenote " + (xref ? "sidenote--xref" : "sidenote--note"));
      if (marker.classList.contains("is-correction")) sn.classList.add("sidenote--correction");
      sn.setAttribute("role", "note");
      sn.tabIndex = -1;
      sn.setAttribute("aria-label", xref ? "How other outlets told this: " + markerName(marker) : markerName(marker));
      var body = make("div", "reader-note__body");
      if (xref) {
        var number = make("span", "reader-note__number reader-note__number--xref", marker.textContent.trim());
        number.setAttribute("aria-hidden", "true");
        body.append(number);
      }
      body.append(content(marker, true));
      sn.append(body);
      sn._marker = marker;
      marker._sidenote = sn;
      var after = block;
      while (after.nextElementSibling && after.nextElementSibling.classList.contains("sidenote")) after = after.nextElementSibling;
      after.after(sn);
    });
  }

  /* A sidenote longer than ``lines`` lines shows its first lines and a "more" button. */
  function clampLong(sn, lines) {
    var body = sn.querySelector(".reader-note__body");
    if (!body) return;
    var more = sn.querySelector(":scope > .reader-more");
    sn.classList.remove("is-long");
    var line = parseFloat(getComputedStyle(body).lineHeight) || 16;
    var long = body.scrollHeight > line * (lines + 1);
    sn.classList.toggle("is-long", long);
    if (!long) {
      if (more) more.remove();
      return;
    }
    if (more) return;
    more = make("button", "reader-more", "more");
    more.type = "button";
    syncMore(sn, more);
    more.addEventListener("click", function () {
      activateSidenote(sn.classList.contains("is-active") ? null : sn, false);
    });
    sn.append(more);
  }

  /* Show ``sn`` at ``density`` (0: whole up to 8 lines; more: fewer lines and words). */
  function setDensity(sn, density) {
    sn.dataset.snDensity = String(density);
    clampLong(sn, DENSITY_LINES[density]);
  }

  /* Stack the sidenotes: each level with its marker, or just below the one above it.
     Each note is whole unless it would push the next note more than SLACK below
     that note's marker; only then is it cut to fewer lines, step by step, as far as it
     must (with ``keep``, each keeps the length it has: a note opened in full pushes
     the ones below). Returns how far each had to be pushed down (its drift), and the
     bottom of the last. */
  function stack(items, keep) {
    var bottom = -Infinity;
    var drifts = [];
    items.forEach(function (item, i) {
      var top = Math.max(item.want, bottom + GAP);
      item.sn.style.top = top + "px";
      item.sn.classList.toggle("is-pushed", top > item.want + 0.5);
      var next = items[i + 1];
      var room = next ? next.want + SLACK - GAP - top : Infinity;
      var density = keep ? Number(item.sn.dataset.snDensity || 0) : 0;
      for (;;) {
        if (!keep) setDensity(item.sn, density);
        if (keep || density >= DENSITY_LINES.length - 1 || item.sn.offsetHeight <= room) break;
        density += 1;
      }
      drifts.push(top - item.want);
      bottom = top + item.sn.offsetHeight;
    });
    return { drifts: drifts, bottom: bottom };
  }

  var lastDrifts = [];

  /* Place the sidenotes, whole where the margin has room (a long one with "more"). The
     margin is reserved by CSS before this runs, so placing them moves nothing in the
     text (no layout shift). */
  function layout(keep) {
    var art = article();
    var notes = art ? Array.prototype.slice.call(art.querySelectorAll(":scope > .sidenote")) : [];
    var on = WIDE.matches && notes.length > 0;
    html.classList.toggle("reader-sidenotes", on);
    if (!art) return;
    art.style.minHeight = "";
    lastDrifts = [];
    if (!on) return;
    var origin = art.getBoundingClientRect().top;
    var items = notes
      .filter(function (sn) {
        return sn._marker && sn._marker.isConnected && sn.offsetParent !== null;
      })
      .map(function (sn) {
        return { sn: sn, want: sn._marker.getBoundingClientRect().top - origin };
      })
      .sort(function (a, b) {
        return a.want - b.want;
      });
    var result = stack(items, keep === true);
    lastDrifts = result.drifts;
    if (result.bottom > art.offsetHeight) art.style.minHeight = Math.ceil(result.bottom) + "px";
  }

  function scheduleLayout() {
    window.requestAnimationFrame(function () {
      layout();
    });
  }

  function watchSize(art) {
    if (observer) observer.disconnect();
    observedWidth = -1;
    if (!("ResizeObserver" in window)) return;
    observer = new ResizeObserver(function (entries) {
      var width = entries[0].contentRect.width;
      if (width !== observedWidth) {
        observedWidth = width;
        scheduleLayout();
      }
    });
    observer.observe(art);
  }

  /* A long note's button says what it will do: "more" shows all of it, "less" its first lines. */
  function syncMore(sn, more) {
    if (!more) return;
    var open = sn.classList.contains("is-active");
    var name = sn.getAttribute("aria-label") || "this note";
    more.textContent = open ? "less" : "more";
    more.setAttribute("aria-expanded", open ? "true" : "false");
    more.setAttribute("aria-label", open ? "less: the first lines of " + name : "more: all of " + name);
  }

  /* An active sidenote is highlighted and shown in full (a long note is otherwise cut short). */
  function activateSidenote(sn, focus) {
    document.querySelectorAll(".sidenote.is-active").forEach(function (el) {
      if (el !== sn) {
        el.classList.remove("is-active");
        syncMore(el, el.querySelector(":scope > .reader-more"));
      }
    });
    if (sn) {
      sn.classList.add("is-active");
      syncMore(sn, sn.querySelector(":scope > .reader-more"));
      if (focus) sn.focus({ preventScroll: true });
    }
    layout(true);
  }

  /* ------------------------------------------------------------------ popovers */

  function placePopover(pop, marker) {
    var margin = 8;
    var vw = html.clientWidth;
    var vh = window.innerHeight;
    var r = marker.getBoundingClientRect();
    pop.style.maxHeight = "";
    pop.style.width = Math.min(vw - 2 * margin, 24 * parseFloat(getComputedStyle(html).fontSize)) + "px";
    var w = pop.offsetWidth;
    var h = pop.offsetHeight;
    var left = Math.min(Math.max(margin, r.left + r.width / 2 - w / 2), vw - margin - w);
    var below = vh - r.bottom - margin - 6;
    var above = r.top - margin - 6;
    var top;
    if (h <= below) top = r.bottom + 6;
    else if (h <= above) top = r.top - 6 - h;
    else if (below >= above) {
      pop.style.maxHeight = Math.max(below, 80) + "px";
      top = r.bottom + 6;
    } else {
      pop.style.maxHeight = above + "px";
      top = margin;
    }
    top = Math.min(Math.max(margin, top), Math.max(margin, vh - margin - pop.offsetHeight));
    /* In the top layer an absolutely positioned box is placed on the page, not the viewport. */
    pop.style.left = left + window.scrollX + "px";
    pop.style.top = top + window.scrollY + "px";
  }

  function closePopover(restoreFocus, hiding) {
    if (!open) return;
    var state = open;
    open = null;
    var hadFocus = state.pop.contains(document.activeElement);
    state.marker.setAttribute("aria-expanded", "false");
    state.marker.removeAttribute("aria-controls");
    html.classList.remove("reader-popover-open");
    if (!hiding && state.pop.isConnected && state.pop.matches(":popover-open")) state.pop.hidePopover();
    window.setTimeout(function () {
      state.pop.remove();
    }, 0);
    if ((restoreFocus || hadFocus) && state.marker.isConnected) {
      state.marker.focus({ preventScroll: true });
      /* Focus back on the marker would bring Material's focus tooltip up in the popover's
         place, with no close button, over the next markers: keep it down until the reader
         points or focuses elsewhere. */
      html.classList.add("reader-tips-dismissed");
    }
  }

  function openPopover(marker) {
    closePopover(false);
    var pop = make("div", "reader-popover " + (isXref(marker) ? "reader-popover--xref " + outletClass(marker) : "reader-popover--note"));
    pop.id = "reader-popover-" + ++sequence;
    pop.setAttribute("popover", "auto");
    pop.setAttribute("role", "dialog");
    pop.setAttribute("aria-label", markerName(marker));
    var body = make("div", "reader-popover__body");
    body.append(content(marker));
    var close = make("button", "reader-popover__close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", function () {
      closePopover(true);
    });
    pop.append(body, close);
    var host = marker.parentElement && marker.parentElement.tagName === "SUP" ? marker.parentElement : marker;
    host.after(pop);
    open = { marker: marker, pop: pop };
    /* Light dismiss (Esc, a tap elsewhere) closes the popover without us: follow it. */
    pop.addEventListener("beforetoggle", function (ev) {
      if (ev.newState === "closed" && open && open.pop === pop) closePopover(false, true);
    });
    try {
      pop.showPopover({ source: marker });
    } catch (_) {
      pop.showPopover();
    }
    marker.setAttribute("aria-expanded", "true");
    marker.setAttribute("aria-controls", pop.id);
    html.classList.add("reader-popover-open");
    placePopover(pop, marker);
  }

  /* ------------------------------------------------------------------ targets, ¶, citation */

  function targetElement() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id ? document.getElementById(id) : null;
    return el && el.closest("article") ? el : null;
  }

  /* The block (paragraph, quotation, caption, heading, footnote) the address points into. */
  function targetBlock() {
    for (var el = targetElement(); el && el.tagName !== "ARTICLE"; el = el.parentElement)
      if (el.id && BLOCK_ID.test(el.id)) return el;
    return null;
  }

  function highlightTarget() {
    document.querySelectorAll("article .is-target").forEach(function (el) {
      el.classList.remove("is-target");
    });
    var el = targetElement();
    if (el) el.classList.add("is-target");
    updateCite();
  }

  function citeBox() {
    var box = document.querySelector("article details.cite");
    if (box) return box;
    var all = document.querySelectorAll("article details");
    for (var i = 0; i < all.length; i++) {
      var summary = all[i].querySelector("summary");
      if (summary && /^Cite this/.test(summary.textContent.trim())) return all[i];
    }
    return null;
  }

  function escapeRe(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function textNodes(root) {
    var out = [];
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) out.push(walker.currentNode);
    return out;
  }

  /* Rewrite the page address in the citations to name the paragraph in the address bar. */
  function updateCite() {
    var box = citeBox();
    if (!box) return;
    if (box.dataset.base === undefined) {
      var canonical = document.querySelector('link[rel="canonical"]');
      var text = box.textContent;
      var base = canonical && text.indexOf(canonical.href) >= 0 ? canonical.href : "";
      if (!base) {
        var m = /https?:\/\/[^\s#`]+\/sources\/[^\s#/`]+\//.exec(text);
        base = m ? m[0] : "";
      }
      box.dataset.base = base;
      var example = Array.prototype.find.call(box.querySelectorAll(":scope > p code"), function (c) {
        return c.textContent.indexOf(base) === 0;
      });
      if (example) box.dataset.example = example.textContent;
    }
    var baseUrl = box.dataset.base;
    if (!baseUrl) return;
    var block = targetBlock();
    var link = block ? baseUrl + "#" + block.id : baseUrl;
    var pattern = new RegExp(escapeRe(baseUrl) + "(?:#[\\w:.-]+)?", "g");
    box.querySelectorAll("pre code").forEach(function (code) {
      textNodes(code).forEach(function (node) {
        var next = node.nodeValue.replace(pattern, link);
        if (next !== node.nodeValue) node.nodeValue = next;
      });
    });
    box.querySelectorAll(":scope > p code").forEach(function (code) {
      if (code.textContent.indexOf(baseUrl) === 0) code.textContent = block ? link : box.dataset.example || link;
    });
    box.dataset.paragraph = block ? block.id : "";
  }

  var toastTimer = 0;
  function toast(message) {
    var el = document.querySelector(".reader-toast");
    if (!el) {
      el = make("div", "reader-toast");
      el.setAttribute("role", "status");
      document.body.append(el);
    }
    el.textContent = message;
    el.classList.add("is-shown");
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(function () {
      el.classList.remove("is-shown");
    }, 2500);
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext)
      return navigator.clipboard.writeText(text).then(
        function () {
          return true;
        },
        function () {
          return legacyCopy(text);
        }
      );
    return Promise.resolve(legacyCopy(text));
  }

  function legacyCopy(text) {
    var area = make("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (_) {
      ok = false;
    }
    area.remove();
    return ok;
  }

  function usePermalink(a) {
    var url = new URL(a.getAttribute("href"), location.href);
    history.replaceState(history.state, "", url.href);
    highlightTarget();
    var label = a.getAttribute("aria-label") || "Link";
    var focused = document.activeElement === a;
    copy(url.href).then(function (ok) {
      toast(ok ? label + " copied to the clipboard" : "Copy this link: " + url.href);
      if (focused) a.focus({ preventScroll: true });
    });
  }

  /* ------------------------------------------------------------------ print */

  /* Number the cross-reference endnotes (X1, X2 …) and give each marker the number of
     the endnote it leads to (print shows it after the marker). */
  function numberXrefs(art) {
    var heading = art.querySelector("#crossrefs");
    if (!heading) return;
    var list = heading.nextElementSibling;
    while (list && list.tagName !== "OL") {
      if (/^H[1-6]$/.test(list.tagName)) return;
      list = list.nextElementSibling;
    }
    if (!list) return;
    list.classList.add("reader-xref-endnotes");
    Array.prototype.forEach.call(list.children, function (li, i) {
      li.dataset.endnote = "X" + (i + 1);
    });
    art.querySelectorAll("a.xref-marker").forEach(function (a) {
      var li = xrefEndnote(a);
      if (li && li.dataset.endnote) a.dataset.endnote = li.dataset.endnote;
    });
  }

  /* Cards of a cross-reference page take their outlet's colour. */
  function colourCards(art) {
    art.querySelectorAll(".xref-grid > ul > li").forEach(function (li) {
      var badge = li.querySelector(".outlet-badge");
      var cls = badge && outletClass(badge);
      if (cls) li.classList.add("reader-card", cls);
    });
  }

  /* ------------------------------------------------------------------ annotation layer */

  /* What the reader sees of the annotations: everything, the notes only, or the plain
     text. Chosen with the control above a text (or the L key), remembered on every page. */
  var LAYERS = [
    { id: "all", label: "All", name: "Notes and cross-references" },
    { id: "notes", label: "Notes only", name: "Notes only" },
    { id: "plain", label: "Plain text", name: "Plain text, no annotations" },
  ];
  var LAYER_KEY = "reader-layer";

  function storedLayer() {
    try {
      var v = window.localStorage.getItem(LAYER_KEY);
      for (var i = 0; i < LAYERS.length; i++) if (LAYERS[i].id === v) return v;
    } catch (_) {
      /* storage may be off: the default holds */
    }
    return "all";
  }

  function setLayer(id, announce) {
    html.dataset.readerLayer = id;
    try {
      window.localStorage.setItem(LAYER_KEY, id);
    } catch (_) {
      /* not remembered, still applied */
    }
    document.querySelectorAll(".reader-layer button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.layer === id));
    });
    if (open && !open.marker.getClientRects().length) closePopover(false);
    activateSidenote(null, false);
    if (announce)
      LAYERS.forEach(function (l) {
        if (l.id === id) toast("Annotations: " + l.name.toLowerCase());
      });
  }

  function cycleLayer() {
    var current = html.dataset.readerLayer || "all";
    var i = LAYERS.findIndex(function (l) {
      return l.id === current;
    });
    setLayer(LAYERS[(i + 1) % LAYERS.length].id, true);
  }

  function buildLayerControl(art) {
    var meta = art.querySelector(":scope > .source-meta");
    if (!meta || art.querySelector(".reader-layer")) return;
    var group = make("div", "reader-layer");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Annotations shown (key: L)");
    group.append(make("span", "reader-layer__label", "Show:"));
    var current = html.dataset.readerLayer || "all";
    LAYERS.forEach(function (l) {
      var b = make("button", "reader-layer__option", l.label);
      b.type = "button";
      b.dataset.layer = l.id;
      b.setAttribute("aria-pressed", String(l.id === current));
      b.setAttribute("aria-keyshortcuts", "L");
      b.title = l.name + " (L cycles)";
      b.addEventListener("click", function () {
        setLayer(l.id, false);
      });
      group.append(b);
    });
    meta.after(group);
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "l" && ev.key !== "L") return;
    if (ev.metaKey || ev.ctrlKey || ev.altKey || ev.defaultPrevented) return;
    var t = ev.target;
    if (t instanceof Element && t.closest("input, textarea, select, [contenteditable], .md-search")) return;
    if (!document.querySelector("article .reader-layer")) return;
    ev.preventDefault();
    cycleLayer();
  });

  html.dataset.readerLayer = storedLayer();

  /* ------------------------------------------------------------------ wiring */

  /* Names for two of Material's widgets that have none (axe: aria-dialog-name, aria-progressbar-name). */
  function nameMaterialWidgets() {
    var search = document.querySelector(".md-search[role=dialog]");
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Search");
    var progress = document.querySelector(".md-progress[role=progressbar]");
    if (progress && !progress.hasAttribute("aria-label")) progress.setAttribute("aria-label", "Loading the page");
  }

  /* After following a link to a passage of another page, that passage is in view (below
     the sticky header) even when the reader came from far down a long page. */
  var followed = "";
  function revealFollowed() {
    if (!followed || followed !== location.href) {
      followed = "";
      return;
    }
    followed = "";
    var el = targetElement();
    if (!el) return;
    var header = document.querySelector(".md-header");
    var top = header ? header.getBoundingClientRect().bottom : 0;
    var r = el.getBoundingClientRect();
    if (r.top < top || r.top > window.innerHeight - 40) el.scrollIntoView({ block: "start" });
  }

  function init() {
    open = null;
    nameMaterialWidgets();
    html.classList.remove("reader-popover-open", "reader-tips-dismissed");
    var art = article();
    if (!art) return;
    if (!art.dataset.reader) {
      art.dataset.reader = "on";
      nameLinks(art);
      prepareMarkers(art);
      numberXrefs(art);
      colourCards(art);
      buildLayerControl(art);
      buildSidenotes(art);
    }
    highlightTarget();
    layout(false);
    watchSize(art);
    revealFollowed();
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(scheduleLayout);
  }

  /* Markers and ¶: capture phase, before Material's instant navigation sees the click. */
  document.addEventListener(
    "click",
    function (ev) {
      if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      var target = ev.target instanceof Element ? ev.target : null;
      if (!target || !target.closest("article")) return;
      var permalink = target.closest("a.permalink");
      if (permalink) {
        ev.preventDefault();
        ev.stopPropagation();
        usePermalink(permalink);
        return;
      }
      var link = target.closest("a[href]");
      if (link && link.hash && link.pathname !== location.pathname) followed = link.href;
      var sidenote = target.closest(".sidenote");
      if (sidenote) {
        if (!target.closest("a, button")) activateSidenote(sidenote.classList.contains("is-active") ? null : sidenote, false);
        return;
      }
      var marker = target.closest(MARKERS);
      if (!marker || marker.closest(".reader-popover")) return;
      if (html.classList.contains("reader-sidenotes") && marker._sidenote) {
        ev.preventDefault();
        ev.stopPropagation();
        activateSidenote(marker._sidenote, true);
        return;
      }
      if (!supportsPopover) return;
      ev.preventDefault();
      ev.stopPropagation();
      if (open && open.marker === marker) closePopover(true);
      else openPopover(marker);
    },
    true
  );

  document.addEventListener(
    "keydown",
    function (ev) {
      if (ev.key !== "Escape") return;
      var active = document.activeElement;
      var sn = active && active.closest && active.closest(".sidenote");
      if (open) {
        ev.preventDefault();
        closePopover(true);
      } else if (sn && sn._marker) {
        sn._marker.focus();
        activateSidenote(null, false);
      }
      /* Material's hover/focus tooltips cannot be dismissed on their own (WCAG 1.4.13). */
      html.classList.add("reader-tips-dismissed");
    },
    true
  );

  /* Keyboard focus inside a cut-short sidenote shows all of it (no focus on hidden links). */
  document.addEventListener("focusin", function (ev) {
    var sn = ev.target instanceof Element ? ev.target.closest(".sidenote") : null;
    if (ev.target instanceof Element && ev.target.matches(".reader-more")) return; /* it toggles on click */
    if (sn && !sn.classList.contains("is-active")) activateSidenote(sn, false);
  });

  function undismiss() {
    html.classList.remove("reader-tips-dismissed");
  }
  /* Only focus moving on, or a real mouse pointing at another link, brings tooltips back: a
     tap (its pointerdown and emulated mouseover) must not raise the tooltip of the focused
     marker just before its click lands, or the click lands in that tooltip. */
  document.addEventListener("focusin", undismiss);
  document.addEventListener("pointerover", function (ev) {
    if (ev.pointerType !== "mouse" || !html.classList.contains("reader-tips-dismissed")) return;
    var link = ev.target instanceof Element ? ev.target.closest("a, [title]") : null;
    if (link && link !== document.activeElement) undismiss();
  });

  /* Hovering a marker, or its sidenote, lights the sidenote up and shows a cut-short one
     whole, drawn over the notes below it: they stay where they are (nothing shifts). */
  document.addEventListener("mouseover", function (ev) {
    var el = ev.target instanceof Element ? ev.target : null;
    var marker = el ? el.closest(MARKERS) : null;
    var sn = marker ? marker._sidenote : el && el.closest(".sidenote");
    document.querySelectorAll(".sidenote.is-hover").forEach(function (other) {
      if (other !== sn) other.classList.remove("is-hover");
    });
    if (sn) sn.classList.add("is-hover");
  });

  window.addEventListener("hashchange", highlightTarget);
  window.addEventListener("popstate", function () {
    window.setTimeout(highlightTarget, 0);
  });
  window.addEventListener("resize", function () {
    if (open) placePopover(open.pop, open.marker);
    scheduleLayout();
  });
  WIDE.addEventListener("change", function () {
    closePopover(false);
    layout(false);
  });
  window.addEventListener("load", scheduleLayout);

  /* A small API for tests and for other scripts: rebuild and re-place the sidenotes. */
  window.reader = {
    layout: function () {
      layout(false);
    },
    refresh: function () {
      var art = article();
      if (art) buildSidenotes(art);
      layout(false);
    },
  };

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () {
      init();
    });
    if (window.location$ && typeof window.location$.subscribe === "function")
      window.location$.subscribe(function () {
        window.setTimeout(highlightTarget, 0);
      });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
