"""The *consistency* stage: checks over the whole corpus once every source is anchored.

The catalog against the texts (title, byline, date), glossary entries no text mentions,
and every ``source:ID#anchor`` link in a body against the anchors that page will have.
It is the gate of :data:`build_tools.pipeline.STAGES`: nothing is written after an error.
"""

from __future__ import annotations

from build_tools import paths
from build_tools.errors import Report
from build_tools.model import Annotations, BlockKind, Document
from build_tools.schema import did_you_mean
from build_tools.stages.anchor import Anchoring
from build_tools.stages.ingest.rules import parse_dateline
from build_tools.textnorm import norm


def check_consistency(ann: Annotations, docs: dict[str, Document], anchoring: Anchoring, report: Report) -> None:
    """Warn where the catalog and the text disagree on title, byline or date, and about
    glossary entries that no source mentions (their page would list no mention)."""
    mentioned = set(anchoring.mentions.entries())
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
        passages.setdefault(n.selector.source, set()).add(paths.note_anchor(n.id))
    for x in ann.crossrefs:
        for i, p in enumerate(x.passages):
            passages.setdefault(p.source, set()).add(paths.crossref_anchor(x.id, i))
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
