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
  :data:`FUZZY_THRESHOLD`, is ``missing``: an error naming the closest passage.

Nothing is placed silently somewhere else: a quote that cannot be placed surely is an
error. The work per quote is bounded (seeds, :data:`MAX_CONTEXT`, :data:`MAX_CANDIDATES`),
and at most :data:`MAX_PER_BLOCK` passages may start in one block.
"""

from __future__ import annotations

import bisect
import difflib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz.distance import Indel

from .errors import Origin, Report
from .matcher import QUOTE_MIN, Outcome, Place, WordIndex, match
from .model import (
    Anchor,
    Annotations,
    BlockKind,
    Candidate,
    Document,
    GlossaryEntry,
    Position,
    Selector,
    Status,
)
from .textnorm import Normalized, norm, normalize

FUZZY_THRESHOLD = QUOTE_MIN
"""Minimum similarity (0–100, rapidfuzz ``ratio``) for a quote to anchor with a warning."""
CONTEXT = 30
"""Characters of context shown either side of a candidate in messages."""
MAX_CANDIDATES = 12
"""Candidates listed in one message; the rest are counted."""


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


def char_diff(expected: str, found: str) -> str:
    """A one-line character diff: ``[-removed-]`` is in the quote only, ``{+added+}`` in the source only."""
    out: list[str] = []
    if len(expected) + len(found) > LONG_DIFF:  # difflib is quadratic; rapidfuzz is bit-parallel
        return _long_diff(expected, found)
    sm = difflib.SequenceMatcher(None, expected, found, autojunk=False)
    for op, a0, a1, b0, b1 in sm.get_opcodes():
        if op == "equal":
            out.append(expected[a0:a1])
        if op in ("delete", "replace"):
            out.append(f"[-{expected[a0:a1]}-]")
        if op in ("insert", "replace"):
            out.append(f"{{+{found[b0:b1]}+}}")
    return "".join(out)


LONG_DIFF = 2000
"""Above this many characters (both texts), :func:`char_diff` uses rapidfuzz's alignment."""


def _long_diff(expected: str, found: str) -> str:
    out: list[str] = []
    removed = added = ""

    def flush() -> None:
        out.append(f"[-{removed}-]" if removed else "")
        out.append(f"{{+{added}+}}" if added else "")

    for op in Indel.opcodes(expected, found):
        if op.tag == "equal":
            flush()
            removed = added = ""
            out.append(expected[op.src_start : op.src_end])
        else:
            removed += expected[op.src_start : op.src_end]
            added += found[op.dest_start : op.dest_end]
    flush()
    return "".join(out)


def _word_start(text: str, i: int) -> int:
    while i > 0 and text[i - 1].isalnum():
        i -= 1
    return i


def _word_end(text: str, i: int) -> int:
    while i < len(text) and text[i].isalnum():
        i += 1
    return i


MAX_CONTEXT = 200
"""Longest prefix or suffix (characters) tried to single out one occurrence of a quote."""


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def shortest_context(text: str, spans: list[tuple[int, int]], which: int) -> tuple[str, str]:
    """The shortest prefix and suffix (whole words) that single out ``spans[which]``.

    Each holds at least one whole word, so normalisation (which trims spaces) cannot
    empty it. Either may be empty if no context of up to :data:`MAX_CONTEXT`
    characters on that side tells the places apart. Linear in the number of spans.
    """
    start, end = spans[which]
    others = [s for i, s in enumerate(spans) if i != which]
    prefix = suffix = ""
    left = [s for s, _ in others]
    for k in range(1, min(start, MAX_CONTEXT) + 1):
        mine = text[start - k : start]
        left = [s for s in left if text[max(0, s - k) : s] == mine]
        if not left:
            a = _word_start(text, start - k)
            while a > 0 and not _has_word(text[a:start]):
                a -= 1
            prefix = text[_word_start(text, a) : start]
            prefix = prefix if _has_word(prefix) else ""
            break
    right = [e for _, e in others]
    for k in range(1, min(len(text) - end, MAX_CONTEXT) + 1):
        mine = text[end : end + k]
        right = [e for e in right if text[e : e + k] == mine]
        if not right:
            b = _word_end(text, end + k)
            while b < len(text) and not _has_word(text[end:b]):
                b += 1
            suffix = text[end : _word_end(text, b)]
            suffix = suffix if _has_word(suffix) else ""
            break
    return prefix, suffix


def _find_all(text: str, needle: str) -> list[int]:
    out = []
    i = text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def _quote_repr(quote: str, limit: int = 70) -> str:
    q = " ".join(quote.split())
    return '"' + (q if len(q) <= limit else q[: limit - 1] + "…") + '"'


def shown(text: str) -> str:
    """``text`` as a double-quoted YAML scalar, as messages show a prefix or suffix to paste."""
    return json.dumps(text, ensure_ascii=False)


def fix_hint(prefix: str, suffix: str) -> str:
    """``prefix: "…"`` or ``suffix: "…"`` (the shorter), as a message advises it."""
    if prefix and (not suffix or len(prefix) <= len(suffix)):
        return f"prefix: {shown(prefix)}"
    if suffix:
        return f"suffix: {shown(suffix)}"
    return "(no prefix or suffix tells it apart)"


def anchor_selector(
    selector: Selector, index: DocIndex, *, annotation: str, kind: str, passage: int, report: Report
) -> Anchor:
    """Place one quote in its source; problems are recorded in ``report``."""
    text = index.text
    q = norm(selector.quote)
    prefix = norm(selector.prefix)
    suffix = norm(selector.suffix)
    hits = _find_all(text, q) if q else []
    spans = [(h, h + len(q)) for h in hits]
    chosen = [
        (s, e)
        for s, e in spans
        if (not prefix or text[:s].rstrip().endswith(prefix.rstrip()))
        and (not suffix or text[e:].lstrip().startswith(suffix.lstrip()))
    ]
    base = dict(annotation=annotation, kind=kind, source=selector.source, selector=selector, passage=passage)
    where = f"source '{selector.source}'"
    if len(chosen) == 1:
        s, e = chosen[0]
        start, end = index.position(s), index.position(e, end=True)
        return Anchor(**base, status=Status.EXACT, start=start, end=end, text=index.original(start, end))
    if len(chosen) > 1:
        cands = []
        for i, (s, e) in enumerate(chosen):
            p, x = shortest_context(text, chosen, i) if i < MAX_CANDIDATES else ("", "")
            cands.append(
                Candidate(index.position(s), index.position(e, end=True), text[s:e], index.context(s, e), 100.0, p, x)
            )
        details = [f"{c.start.block}: {c.context}  → {fix_hint(c.prefix, c.suffix)}" for c in cands[:MAX_CANDIDATES]]
        if len(cands) > MAX_CANDIDATES:
            details.append(f"… and {len(cands) - MAX_CANDIDATES} more")
        qualifier = " with the given prefix/suffix" if (prefix or suffix) else ""
        report.error(
            selector.origin,
            f"quote {_quote_repr(selector.quote)} is ambiguous: it occurs {len(chosen)} times{qualifier} in {where}",
            details=details,
            hint="add the prefix or suffix shown for the place you mean, or quote a longer passage",
            code="quote-ambiguous",
        )
        return Anchor(**base, status=Status.AMBIGUOUS, candidates=tuple(cands), similarity=100.0)
    if not q or not text:
        report.error(selector.origin, f"quote is empty or {where} has no text", code="quote-missing")
        return Anchor(**base, status=Status.MISSING, similarity=0.0)
    outcome = match(index.words(), q, prefix, suffix, exact=hits)
    if outcome.sure:
        return _placed(selector, index, q, outcome.places[0], base, report)
    if spans:  # the quote occurs, but not with this prefix/suffix
        cands = tuple(
            Candidate(index.position(s), index.position(e, end=True), text[s:e], index.context(s, e), 100.0)
            for s, e in spans
        )
        given = " and ".join(
            f"{name} {shown(value)}"
            for name, value in (("prefix", selector.prefix), ("suffix", selector.suffix))
            if value
        )
        details = [f"{c.start.block}: {c.context}" for c in cands[:MAX_CANDIDATES]]
        if len(cands) > MAX_CANDIDATES:
            details.append(f"… and {len(cands) - MAX_CANDIDATES} more")
        report.error(
            selector.origin,
            f"quote {_quote_repr(selector.quote)} occurs {len(spans)} time{'s' * (len(spans) > 1)} in {where}, "
            f"but never with {given}",
            details=details,
            hint="correct the prefix/suffix to the text just before/after the quote, or remove it",
            code="quote-context-mismatch",
        )
        return Anchor(**base, status=Status.MISSING, candidates=cands, similarity=100.0)
    return _not_sure(selector, index, q, outcome, base, report)


def _below(score: float) -> int:
    """``score`` rounded for a message, but never up to :data:`FUZZY_THRESHOLD` (89.6 → 89)."""
    shown = round(score)
    return shown if shown < FUZZY_THRESHOLD else math.floor(score)


def _candidate(index: DocIndex, place: Place) -> Candidate:
    s, e = place.start, place.end
    return Candidate(
        index.position(s), index.position(e, end=True), index.text[s:e], index.context(s, e), round(place.quote, 1)
    )


def _context_detail(place: Place) -> list[str]:
    sides = [(n, x) for n, x in (("prefix", place.prefix), ("suffix", place.suffix)) if x is not None]
    if not sides or all(x >= 100 for _, x in sides):
        return []
    return ["context: " + ", ".join(f"{n} {x:.0f}% similar" for n, x in sides)]


def _placed(selector: Selector, index: DocIndex, q: str, place: Place, base: dict, report: Report) -> Anchor:
    """A sure approximate place: anchored ``fuzzy``, with a warning and a diff."""
    where = f"source '{selector.source}'"
    cand = _candidate(index, place)
    score = cand.similarity
    if place.quote >= 100:
        message = (
            f"quote {_quote_repr(selector.quote)} found in {cand.start.block} of {where}, "
            "but the text around it has changed"
        )
        details = [f"source: {cand.context}", *_context_detail(place)]
        hint = "update the prefix/suffix to the text now around the quote (`anchors --fix` can do it)"
    else:
        message = (
            f"quote {_quote_repr(selector.quote)} matched approximately ({score:.0f}% similar) in "
            f"{cand.start.block} of {where}"
        )
        details = [f"source: {_quote_repr(cand.text, 200)}", f"diff:   {char_diff(q, cand.text)}"]
        details += _context_detail(place)
        hint = "copy the passage exactly from the source to silence this warning"
    report.warning(selector.origin, message, details=details, hint=hint, code="quote-fuzzy")
    return Anchor(
        **base,
        status=Status.FUZZY,
        start=cand.start,
        end=cand.end,
        text=index.original(cand.start, cand.end),
        similarity=score,
        candidates=(cand,),
    )


def _not_sure(selector: Selector, index: DocIndex, q: str, outcome: Outcome, base: dict, report: Report) -> Anchor:
    """No exact occurrence and no sure approximate place: an error, nothing anchored."""
    where = f"source '{selector.source}'"
    best = outcome.best
    if best is None:
        report.error(
            selector.origin,
            f"quote {_quote_repr(selector.quote)} not found in {where}; no passage shares its words",
            hint="copy the passage exactly from the source",
            code="quote-missing",
        )
        return Anchor(**base, status=Status.MISSING, similarity=0.0)
    cand = _candidate(index, best)
    score = cand.similarity
    if outcome.rivals:
        cands = (cand, *(_candidate(index, p) for p in outcome.rivals))
        report.error(
            selector.origin,
            f"quote {_quote_repr(selector.quote)} matches approximately in {len(cands)} places about equally "
            f"well in {where}",
            details=[f"{c.start.block}: {c.context}  ({c.similarity:.0f}% similar)" for c in cands[:MAX_CANDIDATES]],
            hint="copy the passage you mean exactly from the source, with a prefix or suffix if it repeats",
            code="quote-ambiguous",
        )
        return Anchor(**base, status=Status.AMBIGUOUS, candidates=cands, similarity=score)
    diff = f"diff:   {char_diff(q, cand.text)}"
    if best.quote >= FUZZY_THRESHOLD:
        report.error(
            selector.origin,
            f"quote {_quote_repr(selector.quote)} matches approximately ({score:.0f}% similar) in "
            f"{cand.start.block} of {where}, but neither its prefix nor its suffix reads there",
            details=[f"source: {cand.context}", diff, *_context_detail(best)],
            hint="check that this is the passage you mean, then copy it and the text around it exactly",
            code="quote-missing",
        )
        return Anchor(**base, status=Status.MISSING, similarity=score, candidates=(cand,))
    report.error(
        selector.origin,
        f"quote {_quote_repr(selector.quote)} not found in {where}; closest passage ({_below(score)}% similar) "
        f"in {cand.start.block}: {_quote_repr(cand.text)}",
        details=[diff],
        hint=f"copy the passage exactly from the source (below {FUZZY_THRESHOLD:.0f}% similarity nothing is anchored)",
        code="quote-missing",
    )
    return Anchor(**base, status=Status.MISSING, similarity=score, candidates=(cand,))


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
