"""Orchestration: the order of the stages, written down once (:data:`STAGES`), and the one runner.

    annotations → citations → ingest → anchor → consistency → render → write
        → mkdocs → search → publish (a site build only) → locks

Every command runs a prefix of that list through :func:`run_stages`, which times each
stage and prints its progress line. Every stage up to *consistency* only reads and reports
into one :class:`~build_tools.errors.Report`; nothing after it runs unless the corpus loaded,
anchored and checked without an error. ``build`` writes through :mod:`build_tools.stages.publish`:
MkDocs builds from a staging copy of ``docs/`` into a new folder, and the generated ``docs/``
folders and ``site/`` are swapped in only if ``mkdocs build --strict`` and the search index
succeeded, so a failed build changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from build_tools import cache, parallel, quick
from build_tools.errors import BuildFailed, Report
from build_tools.idlock import mark_up_to_date, write_locks
from build_tools.model import Annotations, Document
from build_tools.stages import publish
from build_tools.stages.anchor import Anchoring, anchor_all, rekey_entries
from build_tools.stages.citations import check_citations
from build_tools.stages.consistency import check_consistency, check_fragments
from build_tools.stages.ingest.corpus import ingest_all, ingest_key
from build_tools.stages.load import load_annotations
from build_tools.stages.render import rekey_pages, render_site
from build_tools.stages.search import index_search
from build_tools.stages.write import Manifest, WriteStats, read_manifest, rename_in_manifest, write_pages

DEFAULT_SITE_URL = "http://127.0.0.1:8000/"


@dataclass(slots=True)
class Corpus:
    """Everything known after the read-only stages."""

    ann: Annotations
    docs: dict[str, Document]
    anchoring: Anchoring
    report: Report
    timings: dict[str, float] = field(default_factory=dict)


def load_corpus(
    root: Path,
    *,
    progress: Callable[[str], None] | None = None,
    use_cache: bool = True,
    verify_sources: bool = True,
) -> Corpus:
    """Run the read-only stages (``check``'s prefix of :data:`STAGES`); every problem goes
    into the returned report.

    With ``use_cache`` each source's ingest comes from ``.cache/`` when none of its
    inputs changed (see :mod:`.cache`); the result and the problems are the same.
    With ``verify_sources`` false, a source whose sha256 no longer matches is still read (the
    drift report compares a corrected copy with the old one); it is reported either way.
    """
    state = RunState(root, say=progress or _silent, use_cache=use_cache, verify_sources=verify_sources)
    return run_stages(state, until=CHECKED).corpus()


def read_site_url(root: Path) -> str:
    """``site_url`` from ``mkdocs.yml``, resolving ``!ENV [NAME, default]`` as MkDocs does."""

    class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
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
) -> tuple[Mapping[str, str], Corpus]:
    """Load, check, anchor and render everything in memory.

    Raises :class:`BuildFailed` (carrying every problem) if there is any error, or any
    warning when ``strict``; nothing is written either way.
    """
    state = run_stages(RunState(root, say=progress or _silent, strict=strict), until="render")
    return state.pages, state.corpus()


# --------------------------------------------------------------------------- the stages


def _silent(_msg: str) -> None:
    """Progress nobody asked for."""


@dataclass(slots=True)
class RunState:
    """What the stages share: the options of one run and what each stage produced.

    ``site_dir`` set makes the run a site build: the pages are written into a staging copy
    of ``docs/`` under the build lock (:mod:`.publish`), MkDocs and Pagefind build from it,
    and only then is everything swapped in. Without it, the pages are written to ``docs/``.
    """

    root: Path
    say: Callable[[str], None] = _silent
    strict: bool = False
    use_cache: bool = True
    verify_sources: bool = True
    jobs: int = field(default_factory=parallel.default_jobs)
    """Worker processes for the sources and pages to ingest, anchor and render anew (where it
    pays: :mod:`build_tools.parallel`)."""
    site_dir: Path | None = None
    quick: bool = True
    """Let a ``preprocess`` after an edit to notes alone take the quick run (:mod:`.quick`)."""
    show_problems: Callable[[Report], None] | None = None
    """Called with the report when a run goes past the checks with warnings only."""
    report: Report = field(default_factory=Report)
    ann: Annotations | None = None
    docs: dict[str, Document] = field(default_factory=dict)
    anchoring: Anchoring | None = None
    keys: dict[str, str] = field(default_factory=dict)
    """Each ingested source's ingest key (which determines its document) when caching, for the later caches."""
    pages: Mapping[str, str] = field(default_factory=dict)
    manifest: Manifest | None = None
    """What the last run's *write* stage left in ``docs/`` (read by the render stage, when it caches)."""
    written: WriteStats | None = None
    build: publish.Build | None = None
    exits: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage, in the order they ran: also the record of what ran (``quick`` alone
    for a quick run: :mod:`build_tools.quick`)."""
    scan: quick.Scan | None = None
    """The project's input files as this run began, for a ``preprocess`` that uses the cache."""
    tables: dict = field(default_factory=dict)
    """What the annotations stage leaves for the run record (see :func:`.load.load_annotations`)."""

    def corpus(self) -> Corpus:
        assert self.ann is not None and self.anchoring is not None, "the read-only stages have not run"
        return Corpus(self.ann, self.docs, self.anchoring, self.report, self.timings)

    def elapsed(self, after: str | None = None, until: str | None = None) -> float:
        """Seconds spent in the stages that ran after stage ``after`` up to stage ``until``."""
        order = {s.name: i for i, s in enumerate(STAGES)}
        lo = order[after] + 1 if after else 0
        hi = order[until] + 1 if until else len(order)
        return sum(t for name, t in self.timings.items() if lo <= order.get(name, lo) < hi)


def annotations_stage(state: RunState) -> None:
    state.ann = load_annotations(
        state.root, state.report, use_cache=state.use_cache, jobs=state.jobs, tables=state.tables
    )


def citations_stage(state: RunState) -> None:
    assert state.ann is not None
    check_citations(state.ann, state.root, state.report)


def ingest_stage(state: RunState) -> None:
    assert state.ann is not None
    keys: dict[str, str] = {}  # source id → ingest key, where the cache is used (see anchor_stage)
    state.docs = ingest_all(
        state.ann,
        root=state.root,
        report=state.report,
        progress=state.say,
        use_cache=state.use_cache,
        verify=state.verify_sources,
        jobs=state.jobs,
        keys=keys,
    )
    state.keys = keys


def anchor_stage(state: RunState) -> None:
    assert state.ann is not None
    ann = state.ann
    store, keys = None, None
    if state.keys:  # as for ingest (a corrected copy is never cached): the documents' ingest keys
        store, keys = cache.Cache(state.root, "anchor"), state.keys
    state.anchoring = anchor_all(ann, state.docs, state.report, store=store, keys=keys, jobs=state.jobs)


def consistency_stage(state: RunState) -> None:
    assert state.ann is not None and state.anchoring is not None
    check_consistency(state.ann, state.docs, state.anchoring, state.report)
    check_fragments(state.ann, state.docs, state.report)


def render_stage(state: RunState) -> None:
    assert state.ann is not None and state.anchoring is not None
    # Cached only where the ingest is (state.keys): a page's key names its document by its ingest key.
    store = cache.Cache(state.root, "render") if state.keys else None
    if store is not None and state.site_dir is None:  # pages written to docs/ as the last run did are not read
        state.manifest = read_manifest(state.root)
    state.pages = pages = render_site(
        state.ann,
        state.docs,
        state.anchoring,
        site_url=read_site_url(state.root),
        store=store,
        doc_keys=state.keys,
        index_store=cache.Cache(state.root, "render-index") if state.keys else None,
        last_groups=state.manifest.intact_groups(state.root) if state.manifest else None,
        jobs=state.jobs,
    )
    if store is not None:
        rendered = store.misses + store.rebuilt
        reused = store.hits + pages.deferred
        state.say(f"render cache: {reused} reused, {rendered} rendered ({store.rebuilt} damaged entries rebuilt)")


def write_stage(state: RunState) -> None:
    """Write the pages into ``docs/``, or for a site build into a staging copy of it,
    taking the build lock that the rest of the build holds."""
    if state.site_dir is None:
        state.written = write_pages(state.root, state.pages, before=state.manifest)
        return
    state.build = state.exits.enter_context(publish.open_build(state.root, state.site_dir, say=state.say))
    publish.stage_pages(state.build, state.pages)


def mkdocs_stage(state: RunState) -> None:
    assert state.build is not None
    publish.build_site(state.build)


def search_stage(state: RunState) -> None:
    assert state.build is not None and state.build.folder is not None and state.ann is not None
    index_search(state.build.folder, state.ann, progress=state.say)


def publish_stage(state: RunState) -> None:
    assert state.build is not None
    publish.put_in_place(state.build)


def locks_stage(state: RunState) -> None:
    """Record the block ids now published (annotations/ids/), once the pages are in place; then
    prune the cache (at most once a day: entries unused for a month)."""
    store = cache.Cache(state.root, "locks") if state.keys else None
    rekeyed = _rekey_ingest(state, write_locks(state.root, state.docs, store=store, keys=state.keys, jobs=state.jobs))
    if rekeyed:  # what was made from those documents, under their next keys: anchors, lock files,
        assert state.ann is not None and state.anchoring is not None and store is not None
        anchors = cache.Cache(state.root, "anchor")
        names = rekey_entries(state.ann, state.docs, store=anchors, keys=state.keys, new_keys=rekeyed)
        for sid, key in rekeyed.items():
            mark_up_to_date(state.root, sid, key, store)
        if state.pages:  # and pages, as the write manifest names them
            renamed = rekey_pages(
                state.ann,
                state.docs,
                state.anchoring,
                site_url=read_site_url(state.root),
                store=cache.Cache(state.root, "render"),
                doc_keys=state.keys,
                new_doc_keys=rekeyed,
                new_anchor_names=names,
            )
            if state.site_dir is None:
                rename_in_manifest(state.root, renamed)
    if state.keys:  # the run used the cache: entries it has not used for a month go
        removed = cache.prune(state.root)
        if removed:
            state.say(f"cache: removed {removed} entries unused for {cache.MAX_AGE_DAYS} days")


def _rekey_ingest(state: RunState, rewritten: list[str]) -> dict[str, str]:
    """A lock file just written is part of its source's ingest key, yet ingesting with it gives
    the same document: the lock records the ids that document has. So the entry is stored
    under the new key too, and the next run does not ingest it again (it did before, on every
    run after a new or changed text). Only an entry without problems: a problem may be about
    the old lock (an id it lost), and would not come again. Returns source id → new key of
    each entry stored again (its anchors, its lock file's "up to date" and its pages are then
    stored under their new keys too: :func:`~build_tools.stages.anchor.rekey_entries`,
    :func:`~build_tools.idlock.mark_up_to_date`, :func:`~build_tools.stages.render.rekey_pages`)."""
    assert state.ann is not None
    store = cache.Cache(state.root, "ingest")
    rekeyed: dict[str, str] = {}
    for sid in rewritten:
        old = state.keys.get(sid)
        hit = store.get(old) if old else None
        if not (isinstance(hit, tuple) and len(hit) == 2 and not hit[1] and hit[0] == state.docs.get(sid)):
            continue
        src = state.ann.sources[sid]
        new = ingest_key(src, state.root, state.ann.outlets.get(src.outlet))
        if new is not None and new != old:
            store.put(new, hit)
            rekeyed[sid] = new
    return rekeyed


def _loaded(state: RunState) -> str:
    ann = state.ann
    assert ann is not None
    return (
        f"loaded {len(ann.sources)} sources, {len(ann.notes)} notes, {len(ann.crossrefs)} cross-references, "
        f"{len(ann.glossary)} glossary entries"
    )


def _ingested(state: RunState) -> str:
    return f"ingested {len(state.docs)} sources into {sum(len(d.blocks) for d in state.docs.values())} blocks"


def _anchored(state: RunState) -> str:
    a = state.anchoring
    assert a is not None
    return f"anchored {len(a.placed())} of {len(a.anchors)} passages; found {len(a.mentions)} glossary mentions"


def _wrote(state: RunState) -> str | None:
    w = state.written
    if w is None:  # a site build: the pages went to the stage
        return None
    return (
        f"wrote {w.written} pages under docs/ ({w.unchanged} unchanged, {w.removed} removed) in {state.elapsed():.2f} s"
    )


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of the pipeline: what it is called (its key in the timings), what it does
    to the shared state, and the progress line it prints when done."""

    name: str
    run: Callable[[RunState], None]
    label: Callable[[RunState], str | None] | None = None
    gate: bool = False
    """Nothing after this stage runs if the report failed: everything is checked before anything is written."""
    site_only: bool = False
    """Only a site build (``RunState.site_dir``) runs it."""


STAGES: tuple[Stage, ...] = (
    Stage("annotations", annotations_stage, _loaded),
    Stage("citations", citations_stage),
    Stage("ingest", ingest_stage, _ingested),
    Stage("anchor", anchor_stage, _anchored),
    Stage("consistency", consistency_stage, gate=True),
    Stage("render", render_stage),
    Stage("write", write_stage, _wrote),
    Stage("mkdocs", mkdocs_stage, site_only=True),
    Stage("search", search_stage, site_only=True),
    Stage("publish", publish_stage, site_only=True),
    Stage("locks", locks_stage),
)
"""The pipeline, in order: what every command runs a prefix of.

``check`` runs it up to *consistency*, ``serve`` up to *write*, ``preprocess`` all of it
but the site stages, ``build`` all of it.
"""
CHECKED = "consistency"
"""The last read-only stage."""


def plan(until: str, *, site: bool = False) -> tuple[Stage, ...]:
    """The stages a run up to ``until`` executes, in order."""
    names = [s.name for s in STAGES]
    if until not in names:
        raise ValueError(f"no stage {until!r}; the stages are {', '.join(names)}")
    return tuple(s for s in STAGES[: names.index(until) + 1] if site or not s.site_only)


def run_stages(state: RunState, *, until: str) -> RunState:
    """Run the stages up to ``until``: each timed, its progress line printed.

    After a gate stage with more to run, a failed report raises :class:`BuildFailed`
    (nothing has been written); warnings alone go to ``state.show_problems``.
    """
    stages = plan(until, site=state.site_dir is not None)
    recorded = until == "locks" and state.site_dir is None and state.use_cache and state.verify_sources
    if recorded:  # a preprocess: perhaps only notes changed since the last one (build_tools.quick)
        site_url = read_site_url(state.root)
        state.scan = quick.scan(state.root)
        t0 = time.perf_counter()
        if state.quick and quick.quick_run(state, site_url):
            state.timings["quick"] = time.perf_counter() - t0
            return state
        quick.forget(state.root)
    with state.exits:
        for i, stage in enumerate(stages):
            t0 = time.perf_counter()
            stage.run(state)
            state.timings[stage.name] = time.perf_counter() - t0
            line = stage.label(state) if stage.label else None
            if line:
                state.say(line)
            if stage.gate and i + 1 < len(stages):
                if state.report.failed(strict=state.strict):
                    raise BuildFailed(state.report)
                if state.report.problems and state.show_problems is not None:
                    state.show_problems(state.report)
    if recorded:
        quick.record(state, site_url, state.tables)
    return state
