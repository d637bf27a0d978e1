"""Orchestration: the order of the stages, written down once, and writing the output.

    annotations → ingest → anchor → consistency → render → write → mkdocs

Every stage before *write* only reads and reports into one :class:`~build_tools.errors.Report`.
Nothing is written unless the whole corpus loaded, anchored and rendered without an
error. ``build`` then goes through :mod:`build_tools.publish`: MkDocs builds from a staging
copy of ``docs/`` into a new folder, and the generated ``docs/`` folders and ``site/`` are
swapped in only if ``mkdocs build --strict`` succeeded, so a failed build changes nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import site
from .anchor import Anchoring, anchor_all
from .annotations import load_annotations
from .errors import BuildFailed, Report, UserError
from .ingest import ingest
from .ingest.rules import parse_dateline
from .model import Annotations, BlockKind, Document
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
    for frag in ann.fragments:
        known = set(PAGE_ANCHORS[frag.scheme])
        if frag.scheme == "source":
            doc = docs.get(frag.target)
            if doc is None:
                continue  # the source did not load: reported where it is
            known |= {b.id for b in doc.blocks}
            known |= {site.note_anchor(n.id) for n in ann.notes if n.selector.source == frag.target}
            known |= {
                site.crossref_anchor(x.id, i)
                for x in ann.crossrefs
                for i, p in enumerate(x.passages)
                if p.source == frag.target
            }
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


def load_corpus(root: Path, *, progress: Callable[[str], None] | None = None, verify_sources: bool = True) -> Corpus:
    """Run the read-only stages; every problem goes into the returned report.

    With ``verify_sources`` false, a source whose sha256 no longer matches is still read (the
    drift report compares a corrected copy with the old one); it is reported either way.
    """
    say = progress or (lambda _msg: None)
    report = Report()
    timings: dict[str, float] = {}
    ann = _timed(timings, "annotations", lambda: load_annotations(root, report))
    assert isinstance(ann, Annotations)
    say(
        f"loaded {len(ann.sources)} sources, {len(ann.notes)} notes, {len(ann.crossrefs)} cross-references, "
        f"{len(ann.glossary)} glossary entries"
    )

    def do_ingest() -> dict[str, Document]:
        docs: dict[str, Document] = {}
        for n, src in enumerate(ann.sources.values(), start=1):
            doc = ingest(src, root=root, outlet=ann.outlets.get(src.outlet), report=report, verify=verify_sources)
            if doc is not None:
                docs[src.id] = doc
            if n % 100 == 0:
                say(f"ingested {n}/{len(ann.sources)} sources")
        return docs

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
