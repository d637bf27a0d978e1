"""Orchestration: the order of the stages, written down once, and writing the output.

    annotations → ingest → anchor → consistency → render → write → mkdocs

Every stage before *write* only reads and reports into one :class:`~build_tools.errors.Report`.
Nothing is written unless the whole corpus loaded, anchored and rendered without an
error. ``build`` then goes through :mod:`build_tools.publish`: MkDocs builds from a staging
copy of ``docs/`` into a new folder, and the generated ``docs/`` folders and ``site/`` are
swapped in only if ``mkdocs build --strict`` succeeded, so a failed build changes nothing.
"""

from __future__ import annotations

import datetime
import html
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import cache, site
from .anchor import Anchoring, anchor_all
from .annotations import load_annotations
from .citations import check_citations
from .errors import BuildFailed, Origin, Problem, Report, UserError
from .idlock import lock_path
from .ingest import ingest
from .ingest.rules import parse_dateline
from .model import Annotations, BlockKind, Document, Outlet, Source
from .render import render_site
from .schema import did_you_mean
from .textnorm import norm

STAGES = ("annotations", "ingest", "anchor", "consistency", "render", "write", "mkdocs")
"""The pipeline, in order."""

DEFAULT_SITE_URL = "http://127.0.0.1:8000/"


@dataclass(slots=True)
class Corpus:
    """Everything known after the read-only stages."""

    ann: Annotations
    docs: dict[str, Document]
    anchoring: Anchoring
    report: Report
    timings: dict[str, float] = field(default_factory=dict)


def _timed(timings: dict[str, float], name: str, fn: Callable[[], object]) -> object:
    t0 = time.perf_counter()
    result = fn()
    timings[name] = time.perf_counter() - t0
    return result


def check_consistency(ann: Annotations, docs: dict[str, Document], anchoring: Anchoring, report: Report) -> None:
    """Warn where the catalog and the text disagree on title, byline or date, and about
    glossary entries that no source mentions (their page would list no mention)."""
    mentioned = {m.annotation for m in anchoring.mentions}
    # Only on an otherwise clean load: a source that failed to load hides its mentions.
    for entry in ann.glossary.values() if not report.errors else ():
        if entry.id not in mentioned:
            report.warning(
                entry.origin,
                f"glossary entry '{entry.id}' is not mentioned in any source (looked for: "
                + ", ".join(repr(n) for n in entry.names)
                + ")",
                hint="add the form the sources use to `aliases:` (names match whole words, case-sensitively)",
                code="glossary-unmentioned",
            )
    for sid, doc in docs.items():
        src = ann.sources[sid]
        pairs = [
            (BlockKind.TITLE, src.title, "title", lambda t: norm(t)),
            (BlockKind.BYLINE, src.byline, "byline", lambda t: norm(t).removeprefix("By ")),
        ]
        for kind, value, name, fold in pairs:
            block = doc.front(kind)
            if block is not None and value and fold(block.text) != fold(value):
                report.warning(
                    src.origin,
                    f"catalog {name} {value!r} differs from the text's {name} {block.text!r} (line {block.lines[0]})",
                    hint=f"make `{name}:` in annotations/sources.yml match the text, or mark it under `inferred:`",
                    code="catalog-mismatch",
                )
        dateline = doc.front(BlockKind.DATELINE)
        if dateline is not None and src.date and parse_dateline(dateline.text) != src.date:
            report.warning(
                src.origin,
                f"catalog date {src.date} differs from the text's dateline {dateline.text!r} "
                f"(line {dateline.lines[0]})",
                hint="make `date:` match the text, or explain the difference under `inferred:`",
                code="catalog-mismatch",
            )


PAGE_ANCHORS = {
    "source": frozenset({"title", "notes", "crossrefs", "footnotes", "about-this-text"}),
    "glossary": frozenset({"mentions"}),
    "crossref": frozenset(),
}
"""Section anchors every page of a kind has (besides its blocks, passages and notes)."""


def check_fragments(ann: Annotations, docs: dict[str, Document], report: Report) -> None:
    """Every ``source:ID#anchor`` link in a body must name a block, passage or section of that page."""
    if not ann.fragments:
        return
    passages: dict[str, set[str]] = {}  # source → note and cross-reference anchors, gathered once
    for n in ann.notes:
        passages.setdefault(n.selector.source, set()).add(site.note_anchor(n.id))
    for x in ann.crossrefs:
        for i, p in enumerate(x.passages):
            passages.setdefault(p.source, set()).add(site.crossref_anchor(x.id, i))
    for frag in ann.fragments:
        known = set(PAGE_ANCHORS[frag.scheme])
        if frag.scheme == "source":
            doc = docs.get(frag.target)
            if doc is None:
                continue  # the source did not load: reported where it is
            known |= {b.id for b in doc.blocks}
            known |= passages.get(frag.target, set())
        elif frag.scheme == "glossary":
            known |= {f"in-{sid}" for sid in docs}
        if frag.anchor not in known:
            blocks = sorted(known, key=lambda a: (not a.startswith("p-"), len(a), a))
            report.error(
                frag.origin,
                f"link to {frag.scheme}:{frag.target}#{frag.anchor}: that page has no '#{frag.anchor}'"
                + did_you_mean(frag.anchor, known),
                hint=f"use a block id shown by `python -m build_tools blocks {frag.target}`"
                if frag.scheme == "source"
                else "link to the page without an anchor",
                details=[f"anchors there: {', '.join(blocks[:12])}{' …' if len(blocks) > 12 else ''}"],
                code="body-dangling-anchor",
            )


POOL_MIN = 64
"""Sources to ingest (cache misses) from which a process pool pays for its start-up."""


def _ingest_one(
    src: Source, root: Path, outlet: Outlet | None, verify: bool = True
) -> tuple[Document | None, list[Problem]]:
    """Ingest one source with a report of its own (runs in a worker process too)."""
    own = Report()
    doc = ingest(src, root=root, outlet=outlet, report=own, verify=verify)
    return doc, own.problems


def _ingest_key(src: Source, root: Path, outlet: Outlet | None) -> str | None:
    """The cache key of one source's ingest, or ``None`` if its file cannot be read
    (then ingest reports that, uncached)."""
    try:
        raw = (root / src.file).read_bytes()
    except OSError:
        return None
    try:  # ingest gives blocks their published ids from the source's lock file (build_tools.idlock)
        lock = lock_path(root, src.id).read_bytes()
    except OSError:
        lock = b"(no lock file)"
    return cache.key("ingest", raw, repr(src), repr(outlet), lock)


def ingest_cached(
    src: Source, *, root: Path, outlet: Outlet | None
) -> tuple[Document | None, tuple[Problem, ...] | list[Problem]]:
    """One source's ingest (document and problems), from ``.cache/`` when its inputs are unchanged."""
    store = cache.Cache(root, "ingest")
    name = _ingest_key(src, root, outlet)
    hit = store.get(name) if name else None
    if isinstance(hit, tuple):
        return hit
    result = _ingest_one(src, root, outlet)
    if name:
        store.put(name, result)
    return result


def ingest_all(
    ann: Annotations,
    *,
    root: Path,
    report: Report,
    progress: Callable[[str], None] | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
    verify: bool = True,
) -> dict[str, Document]:
    """Ingest every source, in catalog order, problems in that order too.

    Cached results are used where the key matches; the rest are ingested — in a pool of
    ``jobs`` processes when ``jobs`` > 1 and there are at least :data:`POOL_MIN` of
    them — and stored. The pool is off by default: on the shared 2-core machine it was
    measured at 0.8–1.2× the serial time (see docs/scaling.md).
    """
    say = progress or (lambda _msg: None)
    store = cache.Cache(root, "ingest") if use_cache and verify else None  # a corrected copy: never cached
    sources = list(ann.sources.values())
    results: list[tuple[Document | None, list[Problem]] | None] = [None] * len(sources)
    keys: list[str | None] = [None] * len(sources)
    todo: list[int] = []
    for i, src in enumerate(sources):
        if store is not None:
            keys[i] = _ingest_key(src, root, ann.outlets.get(src.outlet))
            hit = store.get(keys[i]) if keys[i] else None
            if isinstance(hit, tuple):
                results[i] = hit
                continue
        todo.append(i)
    workers = min(jobs or 1, len(todo))
    if workers > 1 and len(todo) >= POOL_MIN:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            chunk = max(1, len(todo) // (workers * 8))
            srcs = [sources[i] for i in todo]
            outlets = [ann.outlets.get(src.outlet) for src in srcs]
            done = pool.map(_ingest_one, srcs, [root] * len(srcs), outlets, [verify] * len(srcs), chunksize=chunk)
            for n, (i, result) in enumerate(zip(todo, done, strict=True), 1):
                results[i] = result
                if n % 100 == 0:
                    say(f"ingested {n}/{len(todo)} sources")
    else:
        for n, i in enumerate(todo, 1):
            results[i] = _ingest_one(sources[i], root, ann.outlets.get(sources[i].outlet), verify)
            if n % 100 == 0:
                say(f"ingested {n}/{len(todo)} sources")
    docs: dict[str, Document] = {}
    fresh = set(todo)
    for i, src in enumerate(sources):
        result = results[i]
        assert result is not None
        doc, problems = result
        report.problems.extend(problems)
        if doc is not None:
            docs[src.id] = doc
        if store is not None and i in fresh and keys[i]:
            store.put(keys[i], result)
    if store is not None:
        say(f"ingest cache: {store.hits} reused, {len(todo)} ingested ({store.rebuilt} damaged entries rebuilt)")
    return docs


def load_corpus(
    root: Path,
    *,
    progress: Callable[[str], None] | None = None,
    use_cache: bool = True,
    verify_sources: bool = True,
) -> Corpus:
    """Run the read-only stages; every problem goes into the returned report.

    With ``use_cache`` each source's ingest comes from ``.cache/`` when none of its
    inputs changed (see :mod:`.cache`); the result and the problems are the same.
    With ``verify_sources`` false, a source whose sha256 no longer matches is still read (the
    drift report compares a corrected copy with the old one); it is reported either way.
    """
    say = progress or (lambda _msg: None)
    report = Report()
    timings: dict[str, float] = {}
    ann = _timed(timings, "annotations", lambda: load_annotations(root, report))
    assert isinstance(ann, Annotations)
    check_citations(ann, root, report)
    say(
        f"loaded {len(ann.sources)} sources, {len(ann.notes)} notes, {len(ann.crossrefs)} cross-references, "
        f"{len(ann.glossary)} glossary entries"
    )

    def do_ingest() -> dict[str, Document]:
        return ingest_all(ann, root=root, report=report, progress=say, use_cache=use_cache, verify=verify_sources)

    docs = _timed(timings, "ingest", do_ingest)
    assert isinstance(docs, dict)
    say(f"ingested {len(docs)} sources into {sum(len(d.blocks) for d in docs.values())} blocks")
    anchoring = _timed(timings, "anchor", lambda: anchor_all(ann, docs, report))
    assert isinstance(anchoring, Anchoring)
    placed = len(anchoring.placed())
    say(f"anchored {placed} of {len(anchoring.anchors)} passages; found {len(anchoring.mentions)} glossary mentions")
    _timed(
        timings,
        "consistency",
        lambda: (check_consistency(ann, docs, anchoring, report), check_fragments(ann, docs, report)),
    )
    return Corpus(ann, docs, anchoring, report, timings)


def read_site_url(root: Path) -> str:
    """``site_url`` from ``mkdocs.yml``, resolving ``!ENV [NAME, default]`` as MkDocs does."""

    class _Loader(yaml.SafeLoader):
        pass

    def env(loader: yaml.SafeLoader, node: yaml.Node) -> object:
        if isinstance(node, yaml.ScalarNode):
            return os.environ.get(loader.construct_scalar(node))
        names = loader.construct_sequence(node)  # type: ignore[arg-type]
        *keys, default = names
        return next((os.environ[k] for k in keys if k in os.environ), default)

    _Loader.add_constructor("!ENV", env)
    _Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    try:
        config = yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader) or {}
    except (OSError, yaml.YAMLError):
        return DEFAULT_SITE_URL
    return str(config.get("site_url") or DEFAULT_SITE_URL)


def preprocess(
    root: Path, *, strict: bool = False, progress: Callable[[str], None] | None = None
) -> tuple[dict[str, str], Corpus]:
    """Load, check, anchor and render everything in memory.

    Raises :class:`BuildFailed` (carrying every problem) if there is any error, or any
    warning when ``strict``; nothing is written either way.
    """
    corpus = load_corpus(root, progress=progress)
    if corpus.report.failed(strict=strict):
        raise BuildFailed(corpus.report)
    t0 = time.perf_counter()
    pages = render_site(corpus.ann, corpus.docs, corpus.anchoring, site_url=read_site_url(root))
    corpus.timings["render"] = time.perf_counter() - t0
    return pages, corpus


@dataclass(frozen=True, slots=True)
class WriteStats:
    """What :func:`write_pages` did."""

    written: int
    unchanged: int
    removed: int


def write_pages(root: Path, pages: dict[str, str]) -> WriteStats:
    """Write generated files under ``docs/``: only those whose content changed (so a live
    preview reloads only what changed), and delete generated files no longer produced."""
    docs = root / "docs"
    written = unchanged = removed = 0
    for rel, content in pages.items():
        path = docs / rel
        data = content.encode("utf-8")
        if path.exists() and path.read_bytes() == data:
            unchanged += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # two writers never share one
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise UserError(
                f"cannot write {path.relative_to(root)}: {exc.strerror or exc}; "
                f"{written} of {len(pages)} pages under docs/ were updated before it, the rest are as they were"
            ) from None
        written += 1
    wanted = {docs / rel for rel in pages}
    for folder in site.GENERATED_DIRS:
        base = docs / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*"), reverse=True):
            if path.is_file() and path not in wanted:
                path.unlink()
                removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return WriteStats(written, unchanged, removed)


def mkdocs_env() -> dict[str, str]:
    """The environment MkDocs runs in (Material's MkDocs 2.0 banner silenced)."""
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


# --------------------------------------------------------------------------- search

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


def index_search(site_dir: Path, ann: Annotations, *, progress: Callable[[str], None] | None = None) -> None:
    """Index the built site with Pagefind into ``site_dir/pagefind/``.

    Each indexed page gets ``data-pagefind-body`` and a hidden block of filters (kind,
    outlet, year) and a title naming outlet and date; everything else is left out of
    the index. Raises :class:`BuildFailed` if Pagefind fails.
    """
    say = progress or (lambda _msg: None)
    shutil.rmtree(site_dir / PAGEFIND_DIR, ignore_errors=True)  # a copy from docs/ (serve) is stale
    marked = 0
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
        marked += 1
    cmd = [
        sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-subdir", PAGEFIND_DIR,
        "--exclude-selectors", ", ".join(SEARCH_EXCLUDE), "--force-language", "en", "--quiet",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not (site_dir / PAGEFIND_DIR / "pagefind-ui.js").exists():
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
    say(f"indexed {marked} pages for search into {PAGEFIND_DIR}/")


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
