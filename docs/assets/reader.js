/* Reader behaviour: progressive enhancement over plain Markdown output.
 *
 * Without JavaScript every feature still has a plain form: notes are footnotes listed
 * under "Notes", cross-reference markers are links to the other outlet's passage, ¶ marks
 * are anchors. This script adds, on every page Material for MkDocs shows (it subscribes
 * to Material's document$, so it also runs after instant navigation):
 *
 *  - sidenotes: on wide screens (≥ 1200 px) each note and cross-reference is shown in the
 *    margin beside its marker, pushed down when it would overlap the one above;
 *  - popovers: on narrower screens a tap, click or Enter on a marker opens its note or
 *    cross-reference in a popover that fits the screen (Esc, the close button or a tap
 *    elsewhere closes it). Hover and focus keep using Material's own tooltips, which Esc
 *    now dismisses too;
 *  - ¶ links: clicking (or Enter on) a ¶ copies the paragraph's full URL, puts it in the
 *    address bar and highlights the paragraph; the "Cite this text" block follows the
 *    paragraph named in the address;
 *  - the target of the address (a paragraph, a passage) is highlighted, also after
 *    instant navigation and Back;
 *  - print: cross-reference markers carry the number of their endnote (X1, X2, ...).
 */
(function () {
  "use strict";

  var WIDE = window.matchMedia("(min-width: 1200px)");
  var GAP = 10; /* px between two sidenotes stacked on each other */
  var DENSEST = 3; /* the most compact sidenote style (see reader.css) */
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

  /* The cross-reference endnote (li under "How the other outlets told this") of a marker. */
  function xrefEndnote(marker) {
    return marker._endnote || null;
  }

  /* What a sidenote or a popover shows for a marker. */
  function content(marker) {
    var frag = document.createDocumentFragment();
    if (isXref(marker)) {
      var head = make("p", "reader-note__text");
      var label = make("span", "outlet-badge reader-note__label " + outletClass(marker), marker.textContent.trim());
      head.append(label, " ", marker.dataset.passage || "");
      frag.append(head);
      var links = make("p", "reader-note__links");
      var go = make("a", "reader-note__go", "Go to the passage →");
      go.href = marker.href;
      go.setAttribute("aria-label", "Go to the passage: " + (marker.getAttribute("aria-label") || ""));
      links.append(go);
      var li = xrefEndnote(marker);
      var page = li && li.querySelector("strong a[href]");
      if (page) {
        var compare = make("a", "reader-note__compare", "Compare side by side");
        compare.href = page.href;
        links.append(" · ", compare);
      }
      frag.append(links);
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

  /* Accessible names and stored tooltip texts, once per page. */
  function prepareMarkers(art) {
    art.querySelectorAll("a.footnote-ref").forEach(function (a) {
      if (!a.hasAttribute("aria-label")) a.setAttribute("aria-label", noteName(a));
      if (!footnoteOf(a)) return;
      if (footnoteOf(a).id.indexOf("fn:c-") === 0) a.classList.add("is-correction");
    });
    art.querySelectorAll("a.xref-marker").forEach(function (a) {
      /* Material's tooltip moves the title away while it shows; keep the passage. */
      if (!a.dataset.passage && a.title) a.dataset.passage = a.title;
    });
  }

  /* ------------------------------------------------------------------ sidenotes */

  /* The cross-reference marker right before this one (markers after one passage form a group). */
  function previousXref(marker) {
    var node = marker.previousSibling;
    while (node && node.nodeType === 3 && !node.nodeValue.trim()) node = node.previousSibling;
    return node && node.nodeType === 1 && node.matches("a.xref-marker") ? node : null;
  }

  /* The quoted passage of a cross-reference marker's tooltip ("How X told this (date): “…”"). */
  function quoteOf(marker) {
    var text = marker.dataset.passage || "";
    var at = text.indexOf(": “");
    return at >= 0 ? text.slice(at + 2) : text;
  }

  /* One line of a cross-reference sidenote: the outlet's badge and the start of its passage. */
  function xrefLine(marker) {
    var line = make("p", "reader-xref-line");
    var link = make("a", "reader-xref-link");
    link.href = marker.href;
    var badge = make("span", "outlet-badge " + outletClass(marker), marker.textContent.trim());
    var quote = make("span", "reader-xref-quote", quoteOf(marker));
    link.append(badge, " ", quote);
    link.title = marker.dataset.passage || "";
    line.append(link);
    return line;
  }

  function buildSidenotes(art) {
    art.querySelectorAll(MARKERS).forEach(function (marker) {
      if (marker._sidenote || marker.closest(".sidenote, .reader-popover")) return;
      var xref = isXref(marker);
      var previous = xref ? previousXref(marker) : null;
      if (previous && previous._sidenote) {
        previous._sidenote.append(xrefLine(marker));
        marker._sidenote = previous._sidenote;
        return;
      }
      var block = marker;
      while (block.parentElement && block.parentElement !== art) block = block.parentElement;
      if (block.parentElement !== art) return;
      var sn = make("div", "sidenote " + (xref ? "sidenote--xref" : "sidenote--note"));
      if (marker.classList.contains("is-correction")) sn.classList.add("sidenote--correction");
      sn.setAttribute("role", "note");
      sn.tabIndex = -1;
      if (xref) {
        sn.setAttribute("aria-label", "How other outlets told this");
        sn.append(xrefLine(marker));
      } else {
        sn.setAttribute("aria-label", markerName(marker));
        var body = make("div", "reader-note__body");
        body.append(content(marker));
        sn.append(body);
      }
      sn._marker = marker;
      marker._sidenote = sn;
      var after = block;
      while (after.nextElementSibling && after.nextElementSibling.classList.contains("sidenote")) after = after.nextElementSibling;
      after.after(sn);
    });
  }

  /* Stack the sidenotes: each level with its marker, or just below the one above it.
     Returns how far the furthest one had to be pushed down. */
  function stack(items) {
    items.forEach(function (item) {
      var body = item.sn.querySelector(".reader-note__body");
      if (body) item.sn.classList.toggle("is-clamped", body.scrollHeight > body.clientHeight + 1);
    });
    var bottom = -Infinity;
    var drift = 0;
    items.forEach(function (item) {
      var top = Math.max(item.want, bottom + GAP);
      item.sn.style.top = top + "px";
      item.sn.classList.toggle("is-pushed", top > item.want + 0.5);
      drift = Math.max(drift, top - item.want);
      bottom = top + item.sn.offsetHeight;
    });
    return { drift: drift, bottom: bottom };
  }

  /* Place the sidenotes. A densely annotated text gets more compact sidenotes (shorter
     note excerpts, then cross-references as badges only) so that none drifts far from
     its marker; the density is kept while a sidenote is opened or closed. */
  function layout(keepDensity) {
    var art = article();
    var notes = art ? Array.prototype.slice.call(art.querySelectorAll(":scope > .sidenote")) : [];
    var on = WIDE.matches && notes.length > 0;
    html.classList.toggle("reader-sidenotes", on);
    if (!art) return;
    art.style.minHeight = "";
    if (!on) return;
    var origin = art.getBoundingClientRect().top;
    var items = notes
      .filter(function (sn) {
        return sn._marker && sn._marker.isConnected;
      })
      .map(function (sn) {
        return { sn: sn, want: sn._marker.getBoundingClientRect().top - origin };
      })
      .sort(function (a, b) {
        return a.want - b.want;
      });
    var density = keepDensity === true ? Number(art.dataset.snDensity || 0) : 0;
    var limit = Math.max(160, window.innerHeight / 4);
    var result;
    for (;;) {
      art.dataset.snDensity = String(density);
      result = stack(items);
      if (keepDensity === true || result.drift <= limit || density >= DENSEST) break;
      density += 1;
    }
    if (result.bottom > art.offsetHeight) art.style.minHeight = Math.ceil(result.bottom) + "px";
  }

  function scheduleLayout() {
    window.requestAnimationFrame(function () {
      layout(false);
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

  /* An active sidenote is highlighted and shown in full (a long note is otherwise cut short). */
  function activateSidenote(sn, focus) {
    document.querySelectorAll(".sidenote.is-active").forEach(function (el) {
      if (el !== sn) el.classList.remove("is-active");
    });
    if (sn) {
      sn.classList.add("is-active");
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
    if ((restoreFocus || hadFocus) && state.marker.isConnected) state.marker.focus({ preventScroll: true });
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

  function hashOf(a) {
    return decodeURIComponent(new URL(a.href, location.href).hash.slice(1));
  }

  /* Number the cross-reference endnotes (X1, X2 …) and give each marker the endnote of the
     passage it follows. A passage's id is x-<cross-reference>-<n>; a marker links to another
     passage of the same cross-reference, and its endnote is the one whose "This text" is the
     nearest passage of that cross-reference before the marker. */
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
    var byXref = {};
    Array.prototype.forEach.call(list.children, function (li, i) {
      li.dataset.endnote = "X" + (i + 1);
      var here = li.querySelector("ul > li > a[href]");
      if (!here) return;
      var passage = hashOf(here);
      var xref = passage.replace(/-\d+$/, "");
      (byXref[xref] = byXref[xref] || []).push({ li: li, mark: document.getElementById(passage) });
    });
    art.querySelectorAll("a.xref-marker").forEach(function (a) {
      var candidates = byXref[hashOf(a).replace(/-\d+$/, "")];
      if (!candidates) return;
      var FOLLOWING = Node.DOCUMENT_POSITION_FOLLOWING;
      var pick = null;
      candidates.forEach(function (c) {
        if (!c.mark || !(c.mark.compareDocumentPosition(a) & FOLLOWING)) return; /* not before the marker */
        if (!pick || pick.mark.compareDocumentPosition(c.mark) & FOLLOWING) pick = c; /* nearer to it */
      });
      pick = pick || candidates[0];
      a._endnote = pick.li;
      a.dataset.endnote = pick.li.dataset.endnote;
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

  /* ------------------------------------------------------------------ wiring */

  /* Names for two of Material's widgets that have none (axe: aria-dialog-name, aria-progressbar-name). */
  function nameMaterialWidgets() {
    var search = document.querySelector(".md-search[role=dialog]");
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Search");
    var progress = document.querySelector(".md-progress[role=progressbar]");
    if (progress && !progress.hasAttribute("aria-label")) progress.setAttribute("aria-label", "Loading the page");
  }

  function init() {
    open = null;
    nameMaterialWidgets();
    html.classList.remove("reader-popover-open", "reader-tips-dismissed");
    var art = article();
    if (!art) return;
    if (!art.dataset.reader) {
      art.dataset.reader = "on";
      prepareMarkers(art);
      numberXrefs(art);
      colourCards(art);
      buildSidenotes(art);
    }
    highlightTarget();
    layout(false);
    watchSize(art);
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
      var sidenote = target.closest(".sidenote");
      if (sidenote) {
        if (!target.closest("a, button")) activateSidenote(sidenote.classList.contains("is-active") ? null : sidenote, false);
        return;
      }
      var marker = target.closest(MARKERS);
      if (!marker || marker.closest(".reader-popover")) return;
      if (html.classList.contains("reader-sidenotes") && marker._sidenote) {
        if (isXref(marker)) return; /* follow the link to the other outlet's passage */
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
    if (sn && !sn.classList.contains("is-active")) activateSidenote(sn, false);
  });

  function undismiss() {
    html.classList.remove("reader-tips-dismissed");
  }
  document.addEventListener("focusin", undismiss);
  document.addEventListener("pointerdown", undismiss);
  document.addEventListener("mouseover", function (ev) {
    if (!html.classList.contains("reader-tips-dismissed")) return;
    var link = ev.target instanceof Element ? ev.target.closest("a, [title]") : null;
    if (link && link !== document.activeElement) undismiss();
  });

  /* Hovering a marker lights up its sidenote. */
  document.addEventListener("mouseover", function (ev) {
    var marker = ev.target instanceof Element ? ev.target.closest(MARKERS) : null;
    document.querySelectorAll(".sidenote.is-hover").forEach(function (el) {
      if (!marker || el !== marker._sidenote) el.classList.remove("is-hover");
    });
    if (marker && marker._sidenote) marker._sidenote.classList.add("is-hover");
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
