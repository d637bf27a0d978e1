"""Anchor stage: find where each quote sits in its source, and every glossary mention.

A quote is matched like a W3C Web Annotation TextQuoteSelector, on normalised text
(see :mod:`.textnorm`), across inline formatting and across adjacent blocks:

* exactly one place (after the prefix/suffix filter) → ``exact``;
* several places → ``ambiguous``: an error listing each with its context and the
  shortest prefix or suffix that singles it out;
* no exact match → the closest passage by :func:`rapidfuzz.fuzz.partial_ratio_alignment`.
  At or above :data:`FUZZY_THRESHOLD` it anchors as ``fuzzy`` with a warning showing the
  drift as a diff; below it is ``missing``: an error naming the closest passage.

Nothing is placed silently somewhere else: a quote that cannot be placed is an error.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from .errors import Report
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

FUZZY_THRESHOLD = 90.0
"""Minimum similarity (0–100, rapidfuzz ``partial_ratio``) for a quote to anchor with a warning."""
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
    sm = difflib.SequenceMatcher(None, expected, found, autojunk=False)
    for op, a0, a1, b0, b1 in sm.get_opcodes():
        if op == "equal":
            out.append(expected[a0:a1])
        if op in ("delete", "replace"):
            out.append(f"[-{expected[a0:a1]}-]")
        if op in ("insert", "replace"):
            out.append(f"{{+{found[b0:b1]}+}}")
    return "".join(out)


def _word_start(text: str, i: int) -> int:
    while i > 0 and text[i - 1].isalnum():
        i -= 1
    return i


def _word_end(text: str, i: int) -> int:
    while i < len(text) and text[i].isalnum():
        i += 1
    return i


def shortest_context(text: str, spans: list[tuple[int, int]], which: int) -> tuple[str, str]:
    """The shortest prefix and suffix (whole words) that single out ``spans[which]``.

    Either may be empty if no amount of context on that side tells the places apart.
    """
    start, end = spans[which]
    others = [s for i, s in enumerate(spans) if i != which]
    prefix = suffix = ""
    for k in range(1, start + 1):
        mine = text[start - k : start]
        if all(text[max(0, s - k) : s] != mine for s, _ in others):
            a = _word_start(text, start - k)
            prefix = text[a:start]
            break
    for k in range(1, len(text) - end + 1):
        mine = text[end : end + k]
        if all(text[e : e + k] != mine for _, e in others):
            b = _word_end(text, end + k)
            suffix = text[end:b]
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
            p, x = shortest_context(text, chosen, i)
            cands.append(
                Candidate(index.position(s), index.position(e, end=True), text[s:e], index.context(s, e), 100.0, p, x)
            )
        details = []
        for c in cands[:MAX_CANDIDATES]:
            fix = (
                f'prefix: "{c.prefix}"'
                if c.prefix and (not c.suffix or len(c.prefix) <= len(c.suffix))
                else (f'suffix: "{c.suffix}"' if c.suffix else "(no prefix or suffix tells it apart)")
            )
            details.append(f"{c.start.block}: {c.context}  → {fix}")
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
    if spans:  # the quote occurs, but not with this prefix/suffix
        cands = tuple(
            Candidate(index.position(s), index.position(e, end=True), text[s:e], index.context(s, e), 100.0)
            for s, e in spans
        )
        given = " and ".join(
            f'{name} "{value}"' for name, value in (("prefix", selector.prefix), ("suffix", selector.suffix)) if value
        )
        report.error(
            selector.origin,
            f"quote {_quote_repr(selector.quote)} occurs {len(spans)} time{'s' * (len(spans) > 1)} in {where}, "
            f"but never with {given}",
            details=[f"{c.start.block}: {c.context}" for c in cands[:MAX_CANDIDATES]],
            hint="correct the prefix/suffix to the text just before/after the quote, or remove it",
            code="quote-context-mismatch",
        )
        return Anchor(**base, status=Status.MISSING, candidates=cands, similarity=100.0)
    return _fuzzy(selector, index, q, base, report)


def _fuzzy(selector: Selector, index: DocIndex, q: str, base: dict, report: Report) -> Anchor:
    text = index.text
    where = f"source '{selector.source}'"
    if not q or not text:
        report.error(selector.origin, f"quote is empty or {where} has no text", code="quote-missing")
        return Anchor(**base, status=Status.MISSING, similarity=0.0)
    al = fuzz.partial_ratio_alignment(q, text)
    s, e = al.dest_start, al.dest_end
    # Widen to whole words so the diff shows the source's wording, not a clipped window.
    if s > 0 and text[s - 1].isalnum() and text[s].isalnum():
        s = _word_start(text, s)
    if e < len(text) and text[e - 1].isalnum() and text[e].isalnum():
        e = _word_end(text, e)
    while s < e and text[s] == " ":  # a window starting or ending at a block join
        s += 1
    while e > s and text[e - 1] == " ":
        e -= 1
    found = text[s:e]
    score = round(fuzz.ratio(q, found), 1)
    score = max(score, round(al.score, 1)) if len(found) == len(q) else score
    cand = Candidate(index.position(s), index.position(e, end=True), found, index.context(s, e), score)
    diff = f"diff:   {char_diff(q, found)}"
    if score >= FUZZY_THRESHOLD:
        report.warning(
            selector.origin,
            f"quote {_quote_repr(selector.quote)} matched approximately ({score:.0f}% similar) in "
            f"{cand.start.block} of {where}",
            details=[f"source: {_quote_repr(found, 200)}", diff],
            hint="copy the passage exactly from the source to silence this warning",
            code="quote-fuzzy",
        )
        return Anchor(
            **base,
            status=Status.FUZZY,
            start=cand.start,
            end=cand.end,
            text=index.original(cand.start, cand.end),
            similarity=score,
            candidates=(cand,),
        )
    report.error(
        selector.origin,
        f"quote {_quote_repr(selector.quote)} not found in {where}; closest passage ({score:.0f}% similar) "
        f"in {cand.start.block}: {_quote_repr(found)}",
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
    names = NameIndex.build(ann.glossary.values())
    mentions = [m for sid, doc in docs.items() for m in find_mentions(doc, indexes[sid], names)]
    return Anchoring(tuple(anchors), tuple(mentions))
