// The site's search box (issue 11), on Pagefind's JavaScript API in place of Pagefind's
// default UI. overrides/partials/pagefind.html imports this module when a reader first
// opens search; until then nothing of the search is fetched.
//
// Why not Pagefind's own UIs: the default one is 134 KB of script and styles, about half of
// a first search's bytes, and fetches every filter file when it starts (at 60,000 pages
// those files slow each search several times over: docs/scaling.md). Its modular UI writes
// filter values into the page as HTML, and filter values here are outlet names from
// strangers' pull requests. This one is drawn from DOM nodes and text only: a title, an
// excerpt or a filter value never reaches the page as markup (the excerpts are built from
// Pagefind's plain words, with <mark> elements made here). The filters (kind, outlet, year)
// are fetched when the reader opens them.
//
// Where a hit lands (issue 9): Pagefind splits a page into sub-results on headings only, so
// a phrase found only in a note led to the "Notes" heading. Hits are split instead on the
// blocks a reader can be sent to: a note or correction (li#fn:…), a paragraph of the text
// (p#p-…, p#fn-…) and the headings below the title; hits in the title, the byline or the
// hidden spellings block count for the page itself.
//
// Through ./pagefind.js, which merges the shards of a large site's index.
import * as pagefind from "./pagefind.js";

const PAGE = 5; // results drawn at a time ("More results" draws the next ones)
const PLACES = 3; // places within one page listed under its result
const WORDS = 24; // words in an excerpt
const WAIT_MS = 150; // typing pause before a search runs (its index chunks are preloaded meanwhile)
const SPELLINGS = "pagefind-spellings";
const STOPS = /^[.,;:!?)\]’”]+$/;
const KEPT = "site-search"; // sessionStorage: the last query, for the box of a page loaded anew

// The query last searched in this browser tab, kept for the next page. Material's instant
// navigation keeps the header, and the box with its results, from page to page; a page
// loaded anew (a reload, a site built without instant navigation) starts a new box, and it
// starts with this query, so a reader who followed a result can go on to the next one
// either way. Where the browser allows no storage (a privacy setting) nothing is kept and
// the box starts empty.
function keptQuery() {
  try {
    return sessionStorage.getItem(KEPT) || "";
  } catch {
    return "";
  }
}

function keep(query) {
  try {
    if (query) sessionStorage.setItem(KEPT, query);
    else sessionStorage.removeItem(KEPT);
  } catch {
    // not kept
  }
}

// What went wrong, for a line that says so.
function reason(error) {
  return error && error.message ? error.message : String(error);
}

function make(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children); // strings become text nodes
  return node;
}

// A page of this site, or nothing: Pagefind's addresses are the site's own, but an address
// that is not http(s) on this origin is never made a link.
function href(url) {
  try {
    const u = new URL(url, location.href);
    return u.origin === location.origin && /^https?:$/.test(u.protocol) ? u.pathname + u.search + u.hash : null;
  } catch {
    return null;
  }
}

function target(a) {
  if (a.id === SPELLINGS) return true;
  if (/^h[2-6]$/i.test(a.element)) return /\w/.test(a.text || ""); // h1 is the page itself
  return (a.element === "li" && a.id.startsWith("fn:")) || (a.element === "p" && /^(p|fn)-[\d-]+$/.test(a.id));
}

// The places of one result, the one to land on first: {title, url, hits, from, to}.
function places(data) {
  const words = String(data.content || "").split(/\s+/);
  const page = { title: data.meta?.title || data.url, url: data.url, from: 0, hits: [] };
  const regions = [page];
  let notes = 0;
  const anchors = Array.isArray(data.anchors) ? data.anchors : [];
  for (const a of anchors.filter(target).sort((x, y) => x.location - y.location)) {
    const note = a.element === "li" ? (a.id.startsWith("fn:c-") ? "Correction " : "Note ") + ++notes : "";
    const title = note || (a.element === "p" ? "Paragraph " + a.id.replace(/^\D+/, "") : a.text);
    regions.push({ title, url: a.id === SPELLINGS ? "" : data.url + "#" + a.id, from: a.location, hits: [] });
  }
  regions.forEach((r, i) => (r.to = i + 1 < regions.length ? regions[i + 1].from : words.length));
  for (const at of Array.isArray(data.locations) ? data.locations : []) {
    (regions.findLast((r) => r.from <= at) || page).hits.push(at);
  }
  const own = regions.filter((r) => r.url && r !== page && r.hits.length);
  const spelt = regions.find((r) => !r.url && r.hits.length);
  // The page itself leads where its top (title, byline) matches, or only its list of spellings does.
  let first = page;
  if (!page.hits.length && own.length) first = own.reduce((x, y) => (y.hits.length > x.hits.length ? y : x));
  else if (!page.hits.length && spelt) Object.assign(page, { hits: spelt.hits, from: spelt.from, to: spelt.to });
  return { words, places: [first, ...own.filter((r) => r !== first)] };
}

// An excerpt of `length` words of one place, its hits marked: text nodes and <mark>s.
function excerpt(words, place, length) {
  const { hits, from, to } = place;
  const at = hits.length ? hits[0] : from;
  const start = Math.max(from, Math.min(at - Math.floor(length / 3), to - length));
  const marked = new Set(hits);
  const p = make("p", { class: "site-search__excerpt" });
  let text = "";
  for (let i = start; i < Math.min(to, start + length); i++) {
    const word = words[i];
    if (!word) continue;
    // a stop left on its own where a marker was taken out ("Sunday ⇄ 2." → "Sunday .") joins its word
    const gap = text || p.childNodes.length ? (STOPS.test(word) ? "" : " ") : "";
    if (marked.has(i) && !text && p.lastChild?.nodeName === "MARK") {
      p.lastChild.append(gap + word); // "Wang Wenbin" is one mark
    } else if (marked.has(i)) {
      p.append(text + gap, make("mark", {}, word));
      text = "";
    } else text += gap + word;
  }
  if (text) p.append(text);
  return p;
}

function link(text, url, className) {
  const to = href(url);
  return to ? make("a", { class: className, href: to }, text) : make("span", { class: className }, text);
}

function drawResult(data) {
  const { words, places: [lead, ...others] } = places(data);
  const item = make(
    "li",
    { class: "site-search__result" },
    make("p", { class: "site-search__title" }, link(data.meta?.title || data.url, lead.url, "site-search__link")),
  );
  // a result that lands on a note or a paragraph says which
  if (lead.url !== data.url) item.firstChild.append(make("span", { class: "site-search__where" }, lead.title));
  item.append(excerpt(words, lead, WORDS));
  if (others.length) {
    const list = make("ul", { class: "site-search__places" });
    // the places with the most hits, in the page's order (as Pagefind's default UI picks them)
    const top = new Set([...others].sort((x, y) => y.hits.length - x.hits.length).slice(0, PLACES));
    for (const place of others.filter((r) => top.has(r))) {
      list.append(make("li", {}, link(place.title, place.url, "site-search__link site-search__place"), excerpt(words, place, WORDS)));
    }
    if (others.length > PLACES) {
      const rest = others.length - PLACES;
      list.append(make("li", { class: "site-search__rest" }, `and ${rest} more place${rest === 1 ? "" : "s"} on this page`));
    }
    item.append(list);
  }
  return item;
}

const NAMES = { kind: "Kind", outlet: "Outlet", year: "Year" };

export function mount(root) {
  const input = make("input", {
    class: "site-search__input",
    type: "search",
    id: "site-search-input",
    placeholder: "Search the texts, notes and glossary",
    autocomplete: "off",
    autocapitalize: "none",
    spellcheck: "false",
    enterkeyhint: "search",
  });
  const form = make(
    "form",
    { class: "site-search__form", role: "search" },
    make("label", { class: "site-search__label", for: "site-search-input" }, "Search this site"),
    input,
  );
  const filterBox = make("div", { class: "site-search__filter-box" });
  const filterLabel = make("summary", {}, "Filters");
  const filters = make("details", { class: "site-search__filters" }, filterLabel, filterBox);
  const message = make("p", { class: "site-search__message", role: "status" });
  const list = make("ol", { class: "site-search__results", "aria-label": "Results" });
  const more = make("button", { class: "site-search__more", type: "button", hidden: "" }, "More results");
  root.replaceChildren(form, filters, message, list, more);

  let run = 0; // the latest search; an older one's answer is dropped
  let term = "";
  let answer = null;
  let shown = 0;
  const chosen = {}; // filter name → values chosen (any of them)
  const counts = new Map(); // "name\0value" → its count's <span>
  let filtersLoaded = null;

  function options() {
    const f = {};
    for (const [name, values] of Object.entries(chosen)) if (values.length) f[name] = { any: values };
    return { filters: f };
  }

  async function drawMore(id, focus) {
    if (!answer || id !== run) return;
    const batch = answer.results.slice(shown, shown + PAGE);
    const at = shown; // where this batch starts in the list
    shown += batch.length;
    more.hidden = shown >= answer.results.length;
    const slots = batch.map(() => list.appendChild(make("li", { class: "site-search__result site-search__result--loading", "aria-busy": "true" }, "…")));
    await Promise.all(
      batch.map(async (result, i) => {
        let data;
        try {
          data = await result.data();
        } catch (error) {
          slots[i].className = "site-search__result";
          slots[i].removeAttribute("aria-busy");
          slots[i].textContent = `This result could not be loaded: ${reason(error)}`;
          return;
        }
        if (id === run) slots[i].replaceWith(drawResult(data));
      }),
    );
    // after "More results", the keyboard goes on from the first result it drew
    const first = focus && id === run ? list.children[at]?.querySelector("a") : null;
    if (first) first.focus();
  }

  // The counts of the results found (the totals before any search; a filter the answer
  // does not count keeps the numbers it had).
  function recount(found) {
    for (const [key, span] of counts) {
      const [name, value] = key.split("\0");
      if (found && found[name]) span.textContent = `(${found[name][value] ?? 0})`;
    }
  }

  async function search(now) {
    const id = ++run;
    term = input.value.trim();
    keep(term);
    if (!term) {
      answer = null;
      list.replaceChildren();
      more.hidden = true;
      message.textContent = "";
      return;
    }
    pagefind.preload(term, options()).catch(() => {});
    if (!now) {
      await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
      if (id !== run) return;
    }
    message.textContent = `Searching for “${term}”…`;
    let found;
    try {
      found = await pagefind.search(term, options());
    } catch (error) {
      if (id === run) message.textContent = `The search failed: ${reason(error)}`;
      return;
    }
    if (id !== run || !found) return;
    answer = found;
    shown = 0;
    list.replaceChildren();
    const n = found.results.length;
    message.textContent = n ? `${n} result${n === 1 ? "" : "s"} for “${term}”` : `No results for “${term}”`;
    if (filtersLoaded) recount(found.filters);
    await drawMore(id);
  }

  async function loadFilters() {
    const all = await pagefind.filters();
    for (const name of Object.keys(all).sort()) {
      const values = Object.entries(all[name]);
      // years newest first, "unknown" last; other values in alphabetical order
      const year = (v) => (/^\d+$/.test(v) ? -Number(v) : Infinity);
      values.sort(name === "year" ? (a, b) => year(a[0]) - year(b[0]) : (a, b) => a[0].localeCompare(b[0]));
      const group = make("fieldset", { class: "site-search__filter" }, make("legend", {}, NAMES[name] || name));
      for (const [value, count] of values) {
        const box = make("input", { type: "checkbox", name: "filter-" + name, value });
        box.addEventListener("change", () => {
          const set = new Set(chosen[name] || []);
          if (box.checked) set.add(value);
          else set.delete(value);
          chosen[name] = [...set];
          const n = Object.values(chosen).reduce((sum, v) => sum + v.length, 0);
          filterLabel.textContent = n ? `Filters (${n} chosen)` : "Filters";
          search(true);
        });
        const span = make("span", { class: "site-search__count" }, `(${count})`);
        counts.set(name + "\0" + value, span);
        group.append(make("label", {}, box, " " + value + " ", span));
      }
      filterBox.append(group);
    }
    // the results shown are counted again, now that the filters are loaded (not drawn again)
    const id = run;
    const again = answer ? await pagefind.search(term, options()) : null;
    if (again && id === run) recount(again.filters);
  }

  input.addEventListener("input", () => search(false));
  // Escape closes the search (a search field would only empty itself first)
  input.addEventListener("keydown", (ev) => {
    const dialog = input.closest("dialog");
    if (ev.key === "Escape" && dialog && dialog.open) {
      ev.preventDefault();
      dialog.close();
    }
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    search(true);
  });
  more.addEventListener("click", () => drawMore(run, true));
  filters.addEventListener("toggle", () => {
    if (filters.open && !filtersLoaded) {
      filtersLoaded = loadFilters().catch((error) => {
        filterBox.textContent = `The filters could not be loaded: ${reason(error)}`;
      });
    }
  });
  pagefind.init().catch(() => {}); // the entry file and the WebAssembly core, while the reader types
  const last = keptQuery();
  if (last) {
    input.value = last;
    search(true);
  }
  return input;
}
