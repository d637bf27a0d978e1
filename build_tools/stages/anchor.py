"""Anchor stage: find where each quote sits in its source, and every glossary mention.

A quote is matched like a W3C Web Annotation TextQuoteSelector, on normalised text
(see :mod:`.textnorm`), across inline formatting and across adjacent blocks:

* exactly one place (after the prefix/suffix filter) → ``exact``;
* several places → ``ambiguous``: an error listing each with its context and the
  shortest prefix or suffix (whole words, shown as YAML scalars) that singles it out;
* otherwise :func:`.matcher.match` scores candidate places on quote, prefix and suffix
  together (exact occurrences whose context changed, and approximate ones, never
  spilling into a block the quote does not reach). A place it is sure of anchors as
  ``fuzzy`` with a warning and a diff; several about equally good places are
  ``ambiguous``; a similar passage whose context no longer reads, or one below
  :data:`.placement.FUZZY_THRESHOLD`, is ``missing``: an error naming the closest passage.

Nothing is placed silently somewhere else: a quote that cannot be placed surely is an
error. The placing and its messages are :mod:`.placement`'s, shared with the contributor
commands, the drift report and the imports. The work per quote is bounded (seeds,
:data:`.placement.MAX_CONTEXT`, :data:`.matcher.MAX_CANDIDATES`), and at most
:data:`MAX_PER_BLOCK` passages may start in one block.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from build_tools.errors import Origin, Report
from build_tools.matcher import WordIndex
from build_tools.model import Anchor, Annotations, BlockKind, Document, GlossaryEntry, Position, Selector, Status
from build_tools.placement import place, problem
from build_tools.textnorm import Normalized, norm, normalize

CONTEXT = 30
"""Characters of context shown either side of a candidate in messages."""


@dataclass(frozen=True, slots=True)
class DocIndex:
    """A document's normalised text, blocks joined by one space, with offset maps."""

    doc: Document
    text: str
    starts: tuple[int, ...]
    """Offset in :attr:`text` where each block begins."""
    norms: tuple[Normalized, ...]
    _cache: dict[str, WordIndex] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, doc: Document) -> DocIndex:
        """Index ``doc``; linear in its length."""
        norms = tuple(normalize(b.text) for b in doc.blocks)
        starts: list[int] = []
        pos = 0
        for n in norms:
            starts.append(pos)
            pos += len(n.text) + 1
        return cls(doc, " ".join(n.text for n in norms), tuple(starts), norms)

    def words(self) -> WordIndex:
        """The word index the approximate matcher uses (built on first use)."""
        w = self._cache.get("words")
        if w is None:
            w = self._cache["words"] = WordIndex.build(self.text, self.starts)
        return w

    def _block_at(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def position(self, offset: int, *, end: bool = False) -> Position:
        """Map an offset of :attr:`text` to a block id and an offset in its plain text."""
        i = self._block_at(offset - 1 if end and offset > 0 else offset)
        local = offset - self.starts[i]
        n = self.norms[i]
        local = max(0, min(local, len(n.text)))
        if end:
            original = n.ends[local - 1] if local > 0 else (n.starts[0] if len(n.text) else 0)
        else:
            original = n.starts[local] if local < len(n.text) else len(self.doc.blocks[i].text)
        return Position(self.doc.blocks[i].id, original)

    def original(self, start: Position, end: Position) -> str:
        """The source's own text between two positions (blocks joined by a space)."""
        ids = [b.id for b in self.doc.blocks]
        i, j = ids.index(start.block), ids.index(end.block)
        if i == j:
            return self.doc.blocks[i].text[start.offset : end.offset]
        parts = [self.doc.blocks[i].text[start.offset :]]
        parts += [b.text for b in self.doc.blocks[i + 1 : j]]
        parts.append(self.doc.blocks[j].text[: end.offset])
        return " ".join(parts)

    def block_id(self, offset: int) -> str:
        """The id of the block that holds ``offset``."""
        return self.doc.blocks[self._block_at(offset)].id

    def context(self, start: int, end: int) -> str:
        """The match in « » with :data:`CONTEXT` characters either side."""
        a = max(0, start - CONTEXT)
        b = min(len(self.text), end + CONTEXT)
        left = ("…" if a > 0 else "") + self.text[a:start]
        right = self.text[end:b] + ("…" if b < len(self.text) else "")
        return f"{left}«{self.text[start:end]}»{right}"


def anchor_selector(
    selector: Selector, index: DocIndex, *, annotation: str, kind: str, passage: int, report: Report
) -> Anchor:
    """Place one quote in its source (:func:`.placement.place`); problems are recorded in ``report``."""
    found = place(index, selector.quote, selector.prefix, selector.suffix)
    p = problem(found, selector.origin)
    if p is not None:
        report.problems.append(p)
    return Anchor(
        annotation=annotation,
        kind=kind,
        source=selector.source,
        selector=selector,
        status=found.status,
        start=found.start,
        end=found.end,
        text=found.text,
        similarity=found.similarity,
        candidates=found.candidates,
        passage=passage,
        placement=found,
    )


# --------------------------------------------------------------------------- glossary

_WORD = re.compile(r"\w+")
LINKED_KINDS = frozenset({BlockKind.PARAGRAPH, BlockKind.QUOTATION, BlockKind.CAPTION, BlockKind.FOOTNOTE})
"""Blocks in which glossary mentions are linked (all blocks are searched)."""


@dataclass(frozen=True, slots=True)
class NameIndex:
    """Every glossary name and alias, indexed by its first word for a linear scan."""

    by_first_word: dict[str, tuple[tuple[str, int, str], ...]]
    """first word → (normalised name, offset of that word in the name, entry id), longest first."""

    @classmethod
    def build(cls, entries: Iterable[GlossaryEntry]) -> NameIndex:
        """Index the names of ``entries``."""
        table: dict[str, list[tuple[str, int, str]]] = {}
        for entry in entries:
            for name in entry.names:
                n = norm(name)
                m = _WORD.search(n)
                if m:
                    table.setdefault(m.group(), []).append((n, m.start(), entry.id))
        return cls({k: tuple(sorted(v, key=lambda t: -len(t[0]))) for k, v in table.items()})

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, entry id) of every mention in normalised ``text``."""
        out: list[tuple[int, int, str]] = []
        taken = 0
        for m in _WORD.finditer(text):
            options = self.by_first_word.get(m.group())
            if not options or m.start() < taken:
                continue
            for name, lead, entry_id in options:
                s = m.start() - lead
                e = s + len(name)
                if s < taken or s < 0 or not text.startswith(name, s):
                    continue
                if (s > 0 and text[s - 1].isalnum()) or (e < len(text) and text[e].isalnum()):
                    continue
                out.append((s, e, entry_id))
                taken = e
                break
        return out


def find_mentions(doc: Document, index: DocIndex, names: NameIndex) -> list[Anchor]:
    """Every glossary mention in ``doc``, one anchor each, in reading order."""
    out: list[Anchor] = []
    for i, block in enumerate(doc.blocks):
        n = index.norms[i]
        for s, e, entry_id in names.find(n.text):
            a, b = n.original_span(s, e)
            out.append(
                Anchor(
                    annotation=entry_id,
                    kind="glossary",
                    source=doc.source_id,
                    selector=None,
                    status=Status.EXACT,
                    start=Position(block.id, a),
                    end=Position(block.id, b),
                    text=block.text[a:b],
                )
            )
    return out


# --------------------------------------------------------------------------- the stage


@dataclass(frozen=True, slots=True)
class Anchoring:
    """Result of the anchor stage for the whole corpus."""

    anchors: tuple[Anchor, ...]
    """One per note and per cross-reference passage, placed or not."""
    mentions: tuple[Anchor, ...]
    """One per glossary mention found in a source."""

    def placed(self) -> tuple[Anchor, ...]:
        """Anchors that have a position (exact or fuzzy)."""
        return tuple(a for a in self.anchors if a.placed)


def anchor_all(ann: Annotations, docs: dict[str, Document], report: Report) -> Anchoring:
    """Anchor every note and cross-reference passage, and find every glossary mention.

    Each source is indexed once; the cost is linear in the size of the sources plus the
    number of quotes (fuzzy searches, which only run for quotes that do not match, cost
    more).
    """
    indexes = {sid: DocIndex.build(doc) for sid, doc in docs.items()}
    anchors: list[Anchor] = []
    for note in ann.notes:
        idx = indexes.get(note.selector.source)
        if idx is not None:
            anchors.append(
                anchor_selector(note.selector, idx, annotation=note.id, kind="note", passage=0, report=report)
            )
    for xref in ann.crossrefs:
        for i, sel in enumerate(xref.passages):
            idx = indexes.get(sel.source)
            if idx is not None:
                anchors.append(anchor_selector(sel, idx, annotation=xref.id, kind="crossref", passage=i, report=report))
    check_block_load(anchors, report)
    names = NameIndex.build(ann.glossary.values())
    mentions = [m for sid, doc in docs.items() for m in find_mentions(doc, indexes[sid], names)]
    return Anchoring(tuple(anchors), tuple(mentions))


MAX_PER_BLOCK = 100
"""Most notes and cross-reference passages that may start in one block (the pages and
MkDocs slow down with every overlapping marker; 10,000 on one paragraph took 499 s)."""


def check_block_load(anchors: list[Anchor], report: Report) -> None:
    """One error per block in which more than :data:`MAX_PER_BLOCK` passages start,
    located at the first passage over the limit (in reading order of the files)."""
    per_block: dict[tuple[str, str], list[Anchor]] = {}
    for a in anchors:
        if a.placed and a.start is not None:
            per_block.setdefault((a.source, a.start.block), []).append(a)
    for (source, block), placed in per_block.items():
        if len(placed) <= MAX_PER_BLOCK:
            continue
        first = placed[MAX_PER_BLOCK]
        report.error(
            first.selector.origin if first.selector else Origin(""),
            f"{len(placed)} notes and cross-reference passages start in block {block} of source '{source}'; "
            f"at most {MAX_PER_BLOCK} may (this is number {MAX_PER_BLOCK + 1})",
            hint="merge notes on the same passage into one, or anchor them to other passages",
            code="too-many-annotations",
        )
