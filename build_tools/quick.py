"""The run record, and the quick run it allows when only notes changed.

A ``preprocess`` run that ends without a problem leaves a record (:class:`Record`, in
``.cache/run/``, signed as the cache entries are, under a name that includes the code version)
of what it read and what it left in ``docs/``:

- every file under ``annotations/`` and ``sources/`` as it was when the run began (size,
  times, inode: :func:`scan`), and the site URL;
- the order the annotation files were loaded in, and the ids a body may link to;
- for each notes file, the source it annotates and its notes' ids, in order; for
  each source, the notes and cross-references files that point into it;
- the cross-reference passages placed in each source (an entry in ``.cache/run/`` per
  anchoring of a source), and on which page of a glossary entry each source's mentions begin;
- every generated file under ``docs/`` as the run left it.

The next ``preprocess`` compares the project with the record, by the files' sizes, times and
inodes only. If nothing changed, nothing is read. If the only files that changed are notes
files whose notes keep their ids and their order — a note's body, citations, kind, tags or
quote edited, the usual edit — then nothing but the pages of the texts those notes are on can
change: every id that other files link to is the same, every note is still placed on its text
(its quote is placed again, and any problem, a fuzzy match included, runs every stage), so the
counts of the index pages are as they were, and no other page shows a note or its passage
(:mod:`build_tools.stages.render.keys` lists what each page shows). So the quick run
(:func:`quick_run`) loads the catalog, the outlets, the glossary and the annotation files of
those texts alone, checks them as the full pipeline does (parsing, schema, bodies and their
links, citations, the quotes placed again), and renders and writes those pages.

Anything else goes through the whole pipeline, which reports as it always does: a change
to any other file, a new or deleted file, a note added, removed, renamed or moved to another
place in its file, any problem at all, a link to an anchor of another page, a generated file
not as the record says, a different site URL, a record that is missing, damaged or from other
code. The record is deleted when a full run
begins, and written again only if it ends without a problem: a record always describes the
last run that finished. A file changed within ``RACY_NS`` of a scan (its times might not show a
second edit in the same clock tick) counts as changed, unless it is a notes file whose bytes
are still those the run read.

``check`` asks the same record (:func:`quick_check`): after an edit to notes alone it checks
those files, without rendering, and knows the rest would find no problem.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from build_tools import cache, paths
from build_tools.errors import Report
from build_tools.model import Anchor, Annotations, Document, Note
from build_tools.stages.anchor import Anchoring, anchor_all
from build_tools.stages.citations import check_citations
from build_tools.stages.consistency import check_fragments
from build_tools.stages.ingest.corpus import ingest_all
from build_tools.stages.load import entry_name, load_some, schemas_digest
from build_tools.stages.render import source_page_text
from build_tools.stages.render.context import SiteContext
from build_tools.stages.write import RACY_NS, WriteStats, write_page

if TYPE_CHECKING:
    from build_tools.pipeline import RunState

SCANNED = ("annotations", "sources")
"""The folders under the project root whose files the record names (every input of a run
but ``mkdocs.yml``, whose site URL it names instead)."""
_STAGE = "run"

Stat = tuple[int, int, int, int]
"""A file's size, modification and change times (ns) and inode."""


def _stat(st: os.stat_result) -> Stat:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@dataclass(slots=True)
class Scan:
    """Every file under :data:`SCANNED`, and when the scan began."""

    began: int
    files: dict[str, Stat]

    def racy(self) -> frozenset[str]:
        """Files changed so shortly before the scan that a later change might not change their
        times (as :data:`~build_tools.stages.write.RACY_NS` says): never taken as unchanged."""
        return frozenset(rel for rel, st in self.files.items() if max(st[1], st[2]) >= self.began - RACY_NS)


def scan(root: Path) -> Scan:
    """Stat every file under :data:`SCANNED` (not following links to folders)."""
    began = time.time_ns()
    files: dict[str, Stat] = {}
    base = str(root) + os.sep
    for top in SCANNED:
        for folder, _dirs, names in os.walk(base + top):
            rel = folder[len(base) :].replace(os.sep, "/")
            for name in names:
                try:
                    files[f"{rel}/{name}"] = _stat(os.stat(os.path.join(folder, name)))
                except OSError:
                    continue
    return Scan(began, files)


@dataclass(slots=True)
class Record:
    """What the last run read and left (see the module docstring)."""

    inputs: dict[str, Stat]
    racy: frozenset[str]
    site_url: str
    files: dict[str, list[str]]
    """Kind → the annotation files, in the order they were loaded."""
    linkable: dict[str, frozenset[str]]
    links: str
    names: dict[str, str]
    """Notes file → the name of its annotation cache entry, which names the bytes the run read
    (:func:`~build_tools.stages.load.entry_name`): a file in :attr:`racy` with the same name
    now is unchanged."""
    notes: dict[str, tuple[str, str]]
    """Notes file → the source its notes are on, and :func:`identity` of its notes."""
    into: dict[str, tuple[str, ...]]
    """Source id → the notes and cross-references files with a note or passage on it."""
    anchor_names: dict[str, str]
    """Source id → the name of its anchor cache entry, which determines every anchor placed in
    it; the cross-reference passages placed in it are in ``.cache/run/`` under
    :func:`_passages_name` of that name."""
    moved: dict[tuple[str, str], int]
    generated: dict[str, Stat | str]
    """Every generated file under ``docs/``: its stat, or the SHA-256 of its bytes when it
    was written too recently for its times to tell a later change."""


def identity(notes: Iterable[Note]) -> str:
    """What may not change in a notes file for a quick run: each note's id and the text it
    annotates, in order."""
    return cache.digest(repr([(n.id, n.selector.source) for n in notes]))


def _name() -> str:
    return cache.key("run-record")


def _passages_name(anchor_name: str) -> str:
    return cache.key("xref-passages", anchor_name)


def read_record(root: Path) -> Record | None:
    value = cache.Cache(root, _STAGE).get(_name())
    return value if isinstance(value, Record) else None


def forget(root: Path) -> None:
    """Delete the record: the run that begins may change what it describes."""
    cache.Cache(root, _STAGE).discard(_name())


def _store(root: Path, record: Record) -> None:
    cache.Cache(root, _STAGE).put(_name(), record)


def _same_bytes(root: Path, rec: Record, rel: str, schemas: str) -> bool:
    """Whether a notes file whose times cannot tell holds the bytes the last run read
    (``schemas``: :func:`~build_tools.stages.load.schemas_digest`, part of the name)."""
    name = rec.names.get(rel)
    if name is None:
        return False
    try:
        raw = (root / rel).read_bytes()
    except OSError:
        return False
    return entry_name("notes", rel, raw, schemas) == name


def _generated(
    rels: Iterable[str], stat_of: Callable[[str], os.stat_result | None], text: Callable[[str], str | None]
) -> dict[str, Stat | str] | None:
    """The record of generated files ``rels`` as the write left them (``stat_of(rel)``);
    ``None`` if one is missing, or too recent to go by its times and its text (``text(rel)``)
    is not known."""
    now = time.time_ns()
    out: dict[str, Stat | str] = {}
    for rel in rels:
        st = stat_of(rel)
        if st is None:
            return None
        if max(st.st_mtime_ns, st.st_ctime_ns) < now - RACY_NS:
            out[rel] = _stat(st)
            continue
        known = text(rel)
        if known is None:
            return None
        out[rel] = hashlib.sha256(known.encode("utf-8")).hexdigest()
    return out


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _generated_intact(root: Path, generated: dict[str, Stat | str]) -> bool:
    """Every generated file is as the record says, and there is no other."""
    docs = root / "docs"
    base = str(docs) + os.sep
    seen = 0
    for folder in paths.GENERATED_DIRS:
        for where, _dirs, names in os.walk(docs / folder):
            rel_folder = where[len(base) :].replace(os.sep, "/")
            for name in names:
                rel = f"{rel_folder}/{name}"
                want = generated.get(rel)
                if want is None:
                    return False
                seen += 1
                try:
                    st = os.stat(base + rel)
                except OSError:
                    return False
                if isinstance(want, str):
                    try:
                        with open(base + rel, "rb") as fh:
                            if hashlib.sha256(fh.read()).hexdigest() != want:
                                return False
                    except OSError:
                        return False
                elif _stat(st) != want:
                    return False
    return seen == len(generated)


# --------------------------------------------------------------------------- after a full run


def record(state: RunState, site_url: str, tables: dict) -> None:
    """Store the record of a full ``preprocess`` run that ended without a problem, if it can
    describe it (every source file among the scanned ones, every generated file known)."""
    with cache.loading():  # tens of thousands of tuples: no collection walks the run's records meanwhile
        _record(state, site_url, tables)


def _record(state: RunState, site_url: str, tables: dict) -> None:
    root, ann, pages, seen = state.root, state.ann, state.pages, state.scan
    if (
        seen is None
        or ann is None
        or state.written is None
        or not state.keys
        or state.report.problems
        or not tables.get("complete")
    ):
        return
    ctx = getattr(pages, "context", None)
    if not isinstance(ctx, SiteContext):
        return
    for src in ann.sources.values():
        if src.file not in seen.files or (src.page and src.page not in seen.files):
            return  # a text outside sources/ (a change there would not be seen)
    by_file: dict[str, list[Note]] = defaultdict(list)
    for n in ann.notes:
        by_file[n.origin.path].append(n)
    notes: dict[str, tuple[str, str]] = {}
    into: dict[str, list[str]] = defaultdict(list)
    for rel, found in by_file.items():
        on = {n.selector.source for n in found}
        if len(on) == 1:
            notes[rel] = (next(iter(on)), identity(found))
        for sid in on:
            into[sid].append(rel)
    for x in ann.crossrefs:
        for sid in dict.fromkeys(p.source for p in x.passages):
            if x.origin.path not in into[sid]:
                into[sid].append(x.origin.path)
    if not all(rel.split("/", 1)[0] in paths.GENERATED_DIRS for rel in pages):
        return
    generated = _generated(pages, state.written.stats.get, pages.text_if_read)  # type: ignore[attr-defined]
    if generated is None:
        return
    anchor_names = dict(state.anchoring.entry_names) if state.anchoring is not None else {}
    if set(anchor_names) != set(state.docs):
        return
    store = cache.Cache(root, _STAGE)
    for sid, name in anchor_names.items():  # stored once for each anchoring of a source
        passages = _passages_name(name)
        if not store.has(passages):
            store.put(passages, [a for _x, a in ctx.xrefs_by_source.get(sid, [])])
    _store(
        root,
        Record(
            inputs=seen.files,
            racy=seen.racy(),
            site_url=site_url,
            files=tables["files"],
            linkable=tables["linkable"],
            links=tables["links"],
            names=tables["names"],
            notes=notes,
            into={sid: tuple(rels) for sid, rels in into.items()},
            anchor_names=anchor_names,
            moved=dict(getattr(pages, "moved", {})),
            generated=generated,
        ),
    )


# --------------------------------------------------------------------------- the quick run


def quick_run(state: RunState, site_url: str) -> bool:
    """Do what a full ``preprocess`` run would, if the record shows it can be done from the
    changed notes files alone (see the module docstring); ``False`` (nothing written) if not."""
    t0 = time.perf_counter()
    root, now = state.root, state.scan
    assert now is not None
    rec = read_record(root)
    if rec is None or rec.site_url != site_url:
        return False
    changed = _changed_notes(root, rec, now)
    if changed is None or not _generated_intact(root, rec.generated):
        return False
    if not changed:
        if rec.racy != now.racy():  # the files it had to read again are old enough now to go by their times
            _store(root, dataclasses.replace(rec, inputs=now.files, racy=now.racy()))
        state.say(f"nothing changed since the last run: docs/ is up to date ({time.perf_counter() - t0:.2f} s)")
        return True
    texts = sorted({rec.notes[rel][0] for rel in changed})
    checked = _checked(root, rec, texts, changed)
    if checked is None:
        return False
    made = _rendered(root, rec, checked, site_url)
    if made is None:
        return False
    forget(root)  # from here on docs/ changes: a run that stops midway leaves no record
    shown = made.pages
    written = 0
    for rel, text in shown.items():
        data = text.encode("utf-8")
        try:
            with open(root / "docs" / rel, "rb") as fh:
                same = fh.read() == data
        except OSError:
            same = False
        if not same:
            write_page(root, rel, data, done=f"{written} of {len(shown)} pages were written before it")
            written += 1
    state.written = WriteStats(written, len(shown) - written, 0)
    generated = _generated(shown, lambda rel: _stat_or_none(root / "docs" / rel), shown.get)
    if generated is not None:
        store = cache.Cache(root, _STAGE)
        for sid, name in checked.anchoring.entry_names.items():
            if not store.has(_passages_name(name)):
                store.put(_passages_name(name), made.passages[sid])
        _store(
            root,
            dataclasses.replace(
                rec,
                inputs=now.files,
                racy=now.racy(),
                anchor_names={**rec.anchor_names, **checked.anchoring.entry_names},
                names={**rec.names, **checked.names},
                generated={**rec.generated, **generated},
            ),
        )
    which = ", ".join(changed) if len(changed) <= 3 else f"{len(changed)} files"
    state.say(
        f"quick run: only notes changed since the last run ({which}), their ids as they were; "
        f"checked them and rendered the {'page' if len(shown) == 1 else 'pages'} they are on"
    )
    state.say(
        f"wrote {written} pages under docs/ ({len(shown) - written} unchanged, 0 removed) "
        f"in {time.perf_counter() - t0:.2f} s"
    )
    return True


@dataclass(slots=True)
class _Shown:
    """What a quick run made: the texts' pages, by path, and the cross-reference passages
    placed in each text (for the record, as :func:`record` stores them)."""

    pages: dict[str, str]
    passages: dict[str, list[Anchor]]


def quick_check(root: Path, say: Callable[[str], None]) -> bool:
    """What ``check`` needs to know: ``True`` if, by the record, it would find no problem — the
    last ``preprocess`` found none, and since then only notes files changed, their notes with
    the same ids, and those files check out as a full run checks them. ``False``
    (check everything) otherwise. Nothing is written but cache entries; the record stays as it
    is (the next ``preprocess`` still renders the pages)."""
    t0 = time.perf_counter()
    rec = read_record(root)
    changed = _changed_notes(root, rec, scan(root)) if rec is not None else None
    if rec is None or changed is None:
        return False
    if changed:
        if _checked(root, rec, sorted({rec.notes[rel][0] for rel in changed}), changed) is None:
            return False
        which = ", ".join(changed) if len(changed) <= 3 else f"{len(changed)} files"
        say(f"quick check: only notes changed since the last preprocess ({which}), their ids as they were")
    else:
        say("quick check: nothing changed since the last preprocess")
    seconds = time.perf_counter() - t0
    say(f"checked against the record of the last preprocess, which found no problem, in {seconds:.2f} s")
    return True


def _changed_notes(root: Path, rec: Record, now: Scan) -> list[str] | None:
    """The files changed since the record, if they are all notes files it names; else ``None``."""
    changed = sorted(rel for rel in now.files.keys() | rec.inputs.keys() if now.files.get(rel) != rec.inputs.get(rel))
    racy = rec.racy & now.files.keys() - set(changed)
    if racy:
        schemas = schemas_digest(root)
        changed += sorted(rel for rel in racy if not _same_bytes(root, rec, rel, schemas))
    if any(rel not in rec.notes or rel not in now.files for rel in changed):
        return None
    return changed


@dataclass(slots=True)
class _Checked:
    """The texts a quick run renders, loaded, ingested and anchored without a problem."""

    ann: Annotations
    docs: dict[str, Document]
    anchoring: Anchoring
    keys: dict[str, str]
    """Each text's ingest key."""
    names: dict[str, str]
    """The notes files read, by the names of their annotation cache entries."""


def _checked(root: Path, rec: Record, texts: list[str], changed: list[str]) -> _Checked | None:
    """Load and check what the texts ``texts`` show, as the full pipeline would; ``None`` if
    anything is not as a quick run needs (or there is any problem)."""
    report = Report()
    wanted: set[str] = set()
    for sid in texts:
        wanted.update(rec.into.get(sid, ()))
    names: dict[str, str] = {}
    ann = load_some(root, report, files=rec.files, wanted=wanted, linkable=rec.linkable, links=rec.links, names=names)
    if ann is None or report.problems:
        return None
    by_file: dict[str, list[Note]] = defaultdict(list)
    for n in ann.notes:
        by_file[n.origin.path].append(n)
    for rel in changed:
        if identity(by_file.get(rel, ())) != rec.notes[rel][1]:
            return None  # a note added, removed, renamed or moved
    fragments = tuple(f for f in ann.fragments if f.origin.path in changed)
    if any(f.scheme != "source" or f.target not in texts for f in fragments):
        return None  # a link to an anchor of another page: checked against the whole corpus
    ann = dataclasses.replace(ann, fragments=fragments)
    sources = ann.sources
    check_citations(ann, root, report)
    keys: dict[str, str] = {}
    docs = ingest_all(
        dataclasses.replace(ann, sources={sid: sources[sid] for sid in texts if sid in sources}),
        root=root,
        report=report,
        use_cache=True,
        keys=keys,
    )
    if report.problems or set(docs) != set(texts):
        return None
    anchoring = anchor_all(ann, docs, report, store=cache.Cache(root, "anchor"), keys=keys)
    check_fragments(ann, docs, report)
    if report.problems or set(anchoring.entry_names) != set(texts):
        return None
    return _Checked(ann, docs, anchoring, keys, names)


def _rendered(root: Path, rec: Record, checked: _Checked, site_url: str) -> _Shown | None:
    """The pages of the texts ``checked`` holds, as a full run renders them; ``None`` if the
    record does not hold what they show of the other texts."""
    ann, anchoring, keys, texts = checked.ann, checked.anchoring, checked.keys, sorted(checked.docs)
    ctx = SiteContext.build(ann, checked.docs, anchoring)
    store = cache.Cache(root, _STAGE)
    placed: dict[str, list[Anchor]] = defaultdict(list)  # the passages placed just now, and in the other texts
    for xref_id, found in ctx.xref_anchors.items():
        placed[xref_id].extend(found)
    others = {p.source for text in texts for x, _a in ctx.xrefs_by_source.get(text, []) for p in x.passages}
    for sid in sorted(others - set(texts)):  # unchanged since the last run: as it placed them
        name = rec.anchor_names.get(sid)
        found = store.get(_passages_name(name)) if name else None
        if not isinstance(found, list):
            return None
        for a in found:
            placed[a.annotation].append(a)
    passages = {xref_id: sorted(found, key=lambda a: a.passage) for xref_id, found in placed.items()}
    ctx = dataclasses.replace(ctx, xref_anchors=passages)
    render = cache.Cache(root, "render")
    shown = {}
    for sid in texts:
        path = paths.source_page(sid)
        if path not in rec.generated:
            return None
        shown[path] = source_page_text(
            ann.sources[sid], ctx, site_url=site_url, store=render, doc_keys=keys, moved=rec.moved
        )
    placed_in = {sid: [a for _x, a in ctx.xrefs_by_source.get(sid, [])] for sid in texts}
    return _Shown(shown, placed_in)
