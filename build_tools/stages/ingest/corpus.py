"""The *ingest* stage over the whole catalog: every source through the content-addressed
cache of :mod:`build_tools.cache`, the misses ingested (on every core, where it pays)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from build_tools import cache, parallel
from build_tools.errors import Problem, Report
from build_tools.idlock import IdLock, lock_path, mark_if_up_to_date
from build_tools.model import Annotations, Document, Outlet, Source
from build_tools.stages.ingest import ingest


def _ingest_one(
    src: Source, root: Path, outlet: Outlet | None, verify: bool = True, on_lock: Callable | None = None
) -> tuple[Document | None, list[Problem]]:
    """Ingest one source with a report of its own (runs in a worker process too)."""
    own = Report()
    doc = ingest(src, root=root, outlet=outlet, report=own, verify=verify, on_lock=on_lock)
    return doc, own.problems


def ingest_key(src: Source, root: Path, outlet: Outlet | None) -> str | None:
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
    name = ingest_key(src, root, outlet)
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
    keys: dict[str, str] | None = None,
) -> dict[str, Document]:
    """Ingest every source, in catalog order, problems in that order too.

    Cached results are used where the key matches; the rest are ingested — in ``jobs``
    forked workers where it pays (:func:`build_tools.parallel.map_forked`; 7.2 → 4.0 s for
    1,000 sources on two idle cores) — and stored, each with its lock file's "up to date"
    where it is (:func:`~build_tools.idlock.mark_if_up_to_date`). ``keys``, if given, gets
    each document's ingest key (source id → key), which names the document in the later
    stages' keys.
    """
    say = progress or (lambda _msg: None)
    store = cache.Cache(root, "ingest") if use_cache and verify else None  # a corrected copy: never cached
    locks = cache.Cache(root, "locks") if store is not None else None
    sources = list(ann.sources.values())
    results: list[tuple[Document | None, list[Problem]] | None] = [None] * len(sources)
    names: list[str | None] = [None] * len(sources)
    todo: list[int] = []
    with cache.loading():  # the documents' blocks are many small records (see cache.loading)
        for i, src in enumerate(sources):
            if store is not None:
                names[i] = ingest_key(src, root, ann.outlets.get(src.outlet))
                hit = store.get(names[i]) if names[i] else None
                if isinstance(hit, tuple):
                    results[i] = hit
                    continue
            todo.append(i)

    def one(i: int) -> tuple[Document | None, list[Problem]]:  # in a worker, perhaps: it stores what it made
        key = names[i]

        def seen(doc: Document, lock: IdLock | None) -> None:
            if locks is not None and key and lock is not None:
                mark_if_up_to_date(root, doc, lock, key, locks)

        result = _ingest_one(sources[i], root, ann.outlets.get(sources[i].outlet), verify, seen)
        if store is not None and key:
            store.put(key, result)
        return result

    def said(n: int) -> None:
        say(f"ingested {n}/{len(todo)} sources")

    for i, result in zip(todo, parallel.map_forked(one, todo, jobs=jobs or 1, progress=said), strict=True):
        results[i] = result
    docs: dict[str, Document] = {}
    for i, src in enumerate(sources):
        result = results[i]
        assert result is not None
        doc, problems = result
        report.problems.extend(problems)
        if doc is not None:
            docs[src.id] = doc
            if keys is not None and (key := names[i]):
                keys[src.id] = key
    if store is not None:
        say(f"ingest cache: {store.hits} reused, {len(todo)} ingested ({store.rebuilt} damaged entries rebuilt)")
    return docs
