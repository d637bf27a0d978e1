"""The *search* stage: Pagefind indexes the built site, before it is swapped in.

Each built page is marked up for Pagefind here (what is indexed, the filters by outlet,
kind and year, the variant spellings of glossary names) and the bundle is written to
``site/pagefind/`` (in shards on a large site, :func:`run_pagefind`, merged in the browser by
``docs/assets/search/pagefind.js``); the reader's browser fetches only the index chunks a query needs.
``make serve`` reuses the last bundle (:func:`serve_search_index`).
"""

from __future__ import annotations

import datetime
import html
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from build_tools.errors import BuildFailed, Origin, Report
from build_tools.model import Annotations

PAGEFIND_DIR = "pagefind"
"""The search bundle's folder in the built site."""


SEARCH_EXCLUDE = (
    ".xref-grid", ".headerlink", ".md-source-file", "details.cite",
    ".permalink", ".xref-marker", ".footnote-ref", ".footnote-backref",
)  # fmt: skip
"""Text not indexed: cross-reference cards (the texts' passages, indexed on the texts' own
pages), the "Cite this text" box (three copies of the title, author and address), and the
marks around the text, which made snippets read "said6", "⇄ 3", "¶", "↩": permalinks,
cross-reference markers, note numbers and the notes' back links."""


SPELLINGS_ID = "pagefind-spellings"
"""The id of the hidden list of spellings at the end of a page; search (overrides/partials/
pagefind.html) counts hits in it for the page itself, not for the note or paragraph before it."""


IGNORED_SECTIONS = re.compile(r'<h2\b[^>]*\bid="(?:crossrefs|mentions)"')
"""Sections, up to the next ``<h2`` or the end of the article, wrapped in
``data-pagefind-ignore`` (Pagefind's selectors have no sibling combinator): a source's
list of the other outlets' passages, a glossary entry's list of mentions."""


def _ignore_sections(page: str) -> str:
    for found in list(IGNORED_SECTIONS.finditer(page))[::-1]:  # from the end: earlier offsets stay valid
        start = found.start()
        stop = page.find("<h2", found.end())
        end = page.find("</article>", start)
        stop = end if stop < 0 or (0 <= end < stop) else stop
        if stop < 0:
            continue
        page = page[:start] + "<div data-pagefind-ignore>" + page[start:stop] + "</div>" + page[stop:]
    return page


_ARTICLE = re.compile(r'<article class="md-content__inner md-typeset"')


def _day(value: object) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _search_marks(rel: str, ann: Annotations, *, heading: str = "") -> str | None:
    """The hidden Pagefind filters and metadata for one built page, or ``None`` for a
    page that is not indexed (indexes, home, about): sources, glossary entries and
    cross-references are, once each."""
    parts = rel.split("/")
    if len(parts) != 3 or parts[2] != "index.html":
        return None
    folder, ident = parts[0], parts[1]
    filters: list[tuple[str, str]] = []
    meta: list[tuple[str, str]] = []
    if folder == "sources" and ident in ann.sources:
        src = ann.sources[ident]
        outlet = ann.outlets.get(src.outlet)
        name = outlet.name if outlet else src.outlet
        day = _day(src.date)
        when = f"{day.day} {day:%B %Y}" if day else "date unknown"
        filters = [("kind", "text"), ("outlet", name), ("year", str(day.year) if day else "unknown")]
        if any(n.selector.source == ident for n in ann.notes):
            filters.append(("kind", "note"))
        meta = [("title", f"{name}, {when}: {heading or src.title or ident}")]
    elif folder == "glossary" and ident in ann.glossary:
        entry = ann.glossary[ident]
        filters = [("kind", "glossary")]
        meta = [("title", f"Glossary: {entry.name}")]
    elif folder == "crossrefs":
        xref = next((x for x in ann.crossrefs if x.id == ident), None)
        if xref is None:
            return None
        filters = [("kind", "cross-reference")]
        for sel in xref.passages:
            src = ann.sources.get(sel.source)
            if src is not None:
                outlet = ann.outlets.get(src.outlet)
                filters.append(("outlet", outlet.name if outlet else src.outlet))
                day = _day(src.date)
                filters.append(("year", str(day.year) if day else "unknown"))
        meta = [("title", f"Cross-reference: {xref.title}")]
    else:
        return None
    spans = [f'<span data-pagefind-filter="{k}">{html.escape(v)}</span>' for k, v in dict.fromkeys(filters)]
    spans += [f'<span data-pagefind-meta="{k}">{html.escape(v)}</span>' for k, v in meta]
    return f"<div hidden data-pagefind-ignore>{''.join(spans)}</div>"


class _Variants:
    """Every spelling of the glossary entries a page names, as hidden indexed text
    (Pagefind has no synonyms): a page that says "Zelenskyy" is found by "Zelensky",
    one that says "Wang Wengbin" by "Wang Wenbin"."""

    def __init__(self, ann: Annotations) -> None:
        self.names: dict[str, tuple[str, ...]] = {}
        for entry in ann.glossary.values():
            for name in entry.names:
                self.names[name] = tuple(dict.fromkeys((*self.names.get(name, ()), *entry.names)))
        by_length = sorted(self.names, key=len, reverse=True)
        self.pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, by_length)) + r")(?!\w)") if by_length else None
        )

    def block(self, page_text: str) -> str:
        if self.pattern is None:
            return ""
        found = dict.fromkeys(n for m in self.pattern.findall(page_text) for n in self.names[m])
        return f'<div hidden id="{SPELLINGS_ID}">{html.escape(" · ".join(found))}</div>' if found else ""


_TAGS = re.compile(r"<[^>]+>")
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


PAGES_PER_SHARD = 2000
"""At most this many pages in one Pagefind index. Pagefind's search core (1.5) does work that
grows with the square of the pages a query matches (for each matching page it scans every
matching page's word entries, and it counts the filter values of the results with a linear
lookup per filter entry): on the 10,000-source site (60,088 pages, "Wang Wenbin" in 20,000 of
them) one search took longer than a minute. Split into shards that the UI merges
(``mergeIndex``), the work is the sum of the shards' squares; at 2,000 pages a shard answers
in tens of milliseconds. A site of up to 2,000 indexed pages is one index, as before."""

SHARDS_FILE = "pagefind-shards.json"
"""The list of the other shards' folders, under the bundle, that the UI merges: ``[]`` for one index."""

UNUSED_UI = (
    "pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
    "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-highlight.js",
)  # fmt: skip
"""Pagefind's own UIs, which it writes into every bundle and shard (417 KB each). The site
uses its own search box (``docs/assets/search/ui.js``) on Pagefind's API (``pagefind.js``,
its worker and WebAssembly), so :func:`run_pagefind` deletes them: nothing can load them."""


def pagefind_command(site_dir: Path, output: Path | None = None) -> list[str]:
    """The Pagefind command line that indexes the (marked) pages under ``site_dir`` into
    ``output`` (default ``site_dir/pagefind/``)."""
    where = ["--output-path", str(output)] if output else ["--output-subdir", PAGEFIND_DIR]
    return [
        sys.executable, "-m", "pagefind", "--site", str(site_dir), *where,
        "--exclude-selectors", ", ".join(SEARCH_EXCLUDE), "--force-language", "en", "--quiet",
    ]  # fmt: skip


def run_pagefind(site_dir: Path, pages: list[Path]) -> subprocess.CompletedProcess[str]:
    """Index ``pages`` (marked pages of ``site_dir``) into ``site_dir/pagefind/``: one index
    for up to :data:`PAGES_PER_SHARD` pages, else shards of as many, the pages dealt to them in
    turn (so a query's matches spread evenly), each indexed from a folder of hard links to its
    pages (same relative paths, so the same addresses); the first shard is the bundle itself,
    the others ``pagefind/shard-N/``, listed in :data:`SHARDS_FILE`. Also used by
    ``benchmarks/synth_search_site.py``. Returns the first failed Pagefind run, or the last."""
    bundle = site_dir / PAGEFIND_DIR
    count = max(1, -(-len(pages) // PAGES_PER_SHARD))
    if count == 1:
        proc = subprocess.run(pagefind_command(site_dir), capture_output=True, text=True)
        shards: list[str] = []
    else:
        staging = site_dir / ".search-shards"
        shutil.rmtree(staging, ignore_errors=True)
        shards = [f"shard-{n}/" for n in range(1, count)]
        try:
            for n in range(count):
                folder = staging / str(n)
                for page in pages[n::count]:
                    link = folder / page.relative_to(site_dir)
                    link.parent.mkdir(parents=True, exist_ok=True)
                    os.link(page, link)
                out = bundle if n == 0 else bundle / shards[n - 1]
                proc = subprocess.run(pagefind_command(folder, out), capture_output=True, text=True)
                shutil.rmtree(folder)
                if proc.returncode != 0:
                    return proc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    if proc.returncode == 0 and bundle.is_dir():
        (bundle / SHARDS_FILE).write_text(json.dumps(shards), encoding="utf-8")
        for folder in (bundle, *(bundle / shard for shard in shards)):
            for name in UNUSED_UI:
                (folder / name).unlink(missing_ok=True)
    return proc


def index_search(site_dir: Path, ann: Annotations, *, progress: Callable[[str], None] | None = None) -> None:
    """Index the built site with Pagefind into ``site_dir/pagefind/``.

    Each indexed page gets ``data-pagefind-body`` and a hidden block of filters (kind,
    outlet, year) and a title naming outlet and date; everything else is left out of
    the index (:func:`run_pagefind`: in shards on a large site). Raises :class:`BuildFailed`
    if Pagefind fails.
    """
    say = progress or (lambda _msg: None)
    shutil.rmtree(site_dir / PAGEFIND_DIR, ignore_errors=True)  # a copy from docs/ (serve) is stale
    marked: list[Path] = []
    variants = _Variants(ann)
    for path in sorted(site_dir.glob("*/*/index.html")):
        rel = path.relative_to(site_dir).as_posix()
        if _search_marks(rel, ann) is None:
            continue
        page = path.read_text(encoding="utf-8")
        h1 = _H1.search(page)
        heading = " ".join(html.unescape(_TAGS.sub("", h1.group(1))).replace("¶", "").split()) if h1 else ""
        marks = _search_marks(rel, ann, heading=heading) or ""
        m = _ARTICLE.search(page)
        if m is None:
            continue
        end = page.index(">", m.end()) + 1
        stop = page.find("</article>", end)
        spellings = variants.block(html.unescape(_TAGS.sub(" ", page[end:stop])))
        page = _ignore_sections(page[: m.end()] + " data-pagefind-body" + page[m.end() : end] + marks + page[end:])
        stop = page.find("</article>", end)  # after the ignored sections: the spellings are indexed
        path.write_text(page[:stop] + spellings + page[stop:], "utf-8")
        marked.append(path)
    proc = run_pagefind(site_dir, marked)
    if proc.returncode != 0 or not (site_dir / PAGEFIND_DIR / "pagefind.js").exists():
        report = Report()
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
        report.error(
            Origin("mkdocs.yml"),
            "pagefind could not index the site",
            details=lines[-40:],
            hint="check that pagefind[bin] from requirements.txt is installed: pip install -r requirements.txt",
            code="pagefind",
        )
        raise BuildFailed(report)
    shards = -(-len(marked) // PAGES_PER_SHARD)
    say(f"indexed {len(marked)} pages for search into {PAGEFIND_DIR}/" + (f" ({shards} shards)" if shards > 1 else ""))


def serve_search_index(root: Path) -> str:
    """Let ``mkdocs serve`` serve the search index of the last ``build``: copy
    ``site/pagefind/`` to ``docs/pagefind/`` (git-ignored). Returns what was done, to print."""
    built = root / "site" / PAGEFIND_DIR
    served = root / "docs" / PAGEFIND_DIR
    if not (built / "pagefind-entry.json").exists():
        return "search: no index yet (run `make site` once; the preview then searches that build)"
    shutil.rmtree(served, ignore_errors=True)
    shutil.copytree(built, served)
    return "search: serving the index of the last `make site` (run it again to index new text)"
