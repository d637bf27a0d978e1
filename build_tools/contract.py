"""The ``anchors --json`` contract: one object per anchored passage, stable and documented.

The format is described in ``docs/contract.md``; tests pin it. Offsets are in the
block's plain text (what the reader sees, without Markdown syntax), counted in Unicode
code points, end exclusive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from build_tools.model import Anchor, Candidate

if TYPE_CHECKING:
    from build_tools.pipeline import Corpus

CONTRACT_VERSION = 1


def _candidate(c: Candidate) -> dict[str, object]:
    out: dict[str, object] = {
        "block": c.start.block,
        "start": c.start.offset,
        "end_block": c.end.block,
        "end": c.end.offset,
        "text": c.text,
        "similarity": c.similarity,
    }
    if c.prefix:
        out["prefix"] = c.prefix
    if c.suffix:
        out["suffix"] = c.suffix
    return out


def anchor_object(a: Anchor) -> dict[str, object]:
    """One anchor as its JSON object."""
    obj: dict[str, object] = {
        "annotation": a.annotation,
        "kind": a.kind,
        "source": a.source,
        "block": a.start.block if a.start else None,
        "start": a.start.offset if a.start else None,
        "end_block": a.end.block if a.end else None,
        "end": a.end.offset if a.end else None,
        "text": a.text,
        "status": str(a.status),
        "similarity": a.similarity,
    }
    if a.kind == "crossref":
        obj["passage"] = a.passage
    if a.candidates and a.status != "exact":
        obj["candidates"] = [_candidate(c) for c in a.candidates]
    return obj


def anchors_json(corpus: Corpus) -> list[dict[str, object]]:
    """Notes and cross-reference passages (placed or not), then glossary mentions."""
    return [anchor_object(a) for a in (*corpus.anchoring.anchors, *corpus.anchoring.mentions)]
