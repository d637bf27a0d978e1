"""Quote placement: one search, one result, one message formatter for every caller.

``check`` (the anchor stage), ``note add`` / ``crossref add``, the drift report,
``anchors --fix`` and ``import --w3c`` / ``--hypothesis`` all place a quote with
:func:`place`: the exact search (:func:`exact_spans`, a W3C TextQuoteSelector's
prefix/suffix filter on normalised text), then :func:`.matcher.match` when that does not
single out one place. The :class:`QuotePlacement` it returns says what was found —
``exact``, ``fuzzy``, ``ambiguous`` or ``missing``, and :class:`Why` — with the place,
the candidates (each with the shortest prefix or suffix that singles it out), the score
and the diff.

The words come from one formatter, parameterised by who asks (:class:`Asker`), so
advice names only what that asker can change: ``check`` an annotation file's
``prefix:``/``suffix:``, ``note add`` its ``--occurrence N``, a ``--from-file`` row its
``occurrence`` field, ``crossref add`` its ``SOURCE#N:"quote"`` passage syntax
(:func:`.contrib.add.parse_passage`), an import the TextQuoteSelector it read, and the
drift report only where a passage was and is. :func:`problem` gives ``check``'s
:class:`.errors.Problem`; :func:`refusal` a contributor command's or an import's
error text; :func:`drift_details` the drift report's lines.
"""

from __future__ import annotations

import difflib
import enum
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz.distance import Indel

from build_tools.errors import Origin, Problem, Severity
from build_tools.matcher import QUOTE_MIN, Outcome, Place, match
from build_tools.model import Candidate, Position, Status
from build_tools.textnorm import norm

if TYPE_CHECKING:
    from build_tools.stages.anchor import DocIndex

FUZZY_THRESHOLD = QUOTE_MIN
"""Minimum similarity (0–100, rapidfuzz ``ratio``) for a quote to anchor with a warning."""
MAX_CANDIDATES = 12
"""Candidates listed in one message; the rest are counted."""
MAX_CONTEXT = 200
"""Longest prefix or suffix (characters) tried to single out one occurrence of a quote."""
LONG_DIFF = 2000
"""Above this many characters (both texts), :func:`char_diff` uses rapidfuzz's alignment."""


# --------------------------------------------------------------------------- the exact search


def find_all(text: str, needle: str) -> list[int]:
    """Every offset where ``needle`` starts in ``text``, overlapping ones included."""
    out = []
    i = text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def exact_spans(text: str, quote: str, prefix: str = "", suffix: str = "") -> tuple[list[int], list[tuple[int, int]]]:
    """(every offset of normalised ``quote``, the spans whose text before/after reads ``prefix``/``suffix``).

    The filter is a W3C TextQuoteSelector's, on normalised text (spaces between the
    context and the quote do not count).
    """
    hits = find_all(text, quote) if quote else []
    chosen = [
        (s, s + len(quote))
        for s in hits
        if (not prefix or text[:s].rstrip().endswith(prefix.rstrip()))
        and (not suffix or text[s + len(quote) :].lstrip().startswith(suffix.lstrip()))
    ]
    return hits, chosen


def word_start(text: str, i: int) -> int:
    """The start of the word holding ``text[i]`` (``i`` itself if it starts none)."""
    while i > 0 and text[i - 1].isalnum():
        i -= 1
    return i


def word_end(text: str, i: int) -> int:
    """The end of the word holding ``text[i]`` (``i`` itself if it is in none)."""
    while i < len(text) and text[i].isalnum():
        i += 1
    return i


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
            a = word_start(text, start - k)
            while a > 0 and not _has_word(text[a:start]):
                a -= 1
            prefix = text[word_start(text, a) : start]
            prefix = prefix if _has_word(prefix) else ""
            break
    right = [e for _, e in others]
    for k in range(1, min(len(text) - end, MAX_CONTEXT) + 1):
        mine = text[end : end + k]
        right = [e for e in right if text[e : e + k] == mine]
        if not right:
            b = word_end(text, end + k)
            while b < len(text) and not _has_word(text[end:b]):
                b += 1
            suffix = text[end : word_end(text, b)]
            suffix = suffix if _has_word(suffix) else ""
            break
    return prefix, suffix


def shorter_side(prefix: str, suffix: str) -> tuple[str, str]:
    """Of a prefix and a suffix that each single a place out, keep the shorter (the prefix on a tie)."""
    if prefix and (not suffix or len(prefix) <= len(suffix)):
        return prefix, ""
    return "", suffix


# --------------------------------------------------------------------------- diffs


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


# --------------------------------------------------------------------------- the result


class Why(enum.StrEnum):
    """Which case of its status a placement is: each has its own message."""

    EXACT = "exact"
    """Exactly one place after the prefix/suffix filter."""
    REPEATED = "repeated"
    """Several exact places after the filter (ambiguous)."""
    EMPTY = "empty"
    """The quote is empty or the source has no text (missing)."""
    CONTEXT_CHANGED = "context-changed"
    """The quote is there exactly, the text around it changed; the matcher is sure (fuzzy)."""
    APPROXIMATE = "approximate"
    """The quote is there approximately; the matcher is sure (fuzzy)."""
    CONTEXT_MISMATCH = "context-mismatch"
    """The quote occurs, but never with the given prefix/suffix (missing)."""
    NO_WORDS = "no-words"
    """No passage shares the quote's words (missing)."""
    RIVALS = "rivals"
    """Several places match approximately about equally well (ambiguous)."""
    CONTEXT_LOST = "context-lost"
    """A similar passage, but neither its prefix nor its suffix reads there (missing)."""
    BELOW = "below"
    """The closest passage is below :data:`FUZZY_THRESHOLD` (missing)."""


@dataclass(frozen=True, slots=True)
class QuotePlacement:
    """Where one quote is in one source, or why it cannot be placed surely."""

    status: Status
    why: Why
    source: str
    given: tuple[str, str, str]
    """The quote, prefix and suffix as written (for messages)."""
    quote: str
    """The normalised quote."""
    spans: tuple[tuple[int, int], ...] = ()
    """Offsets in the normalised text: the place (exact, fuzzy), the exact places
    (repeated), or the exact places that lack the context (context-mismatch)."""
    start: Position | None = None
    end: Position | None = None
    text: str = ""
    """The source's own text at the place (exact, fuzzy)."""
    similarity: float = 100.0
    candidates: tuple[Candidate, ...] = ()
    """Places it could mean, best first; repeated ones carry their shortest prefix/suffix."""
    best: Place | None = None
    """The matcher's best place (fuzzy, and not sure)."""
    diff: str = ""
    """Character diff of the quote against the matcher's best place (fuzzy, context-lost, below)."""

    @property
    def placed(self) -> bool:
        """True if the quote has a position (exact or fuzzy)."""
        return self.status in (Status.EXACT, Status.FUZZY)


def _candidate(index: DocIndex, s: int, e: int, similarity: float, prefix: str = "", suffix: str = "") -> Candidate:
    return Candidate(
        index.position(s), index.position(e, end=True), index.text[s:e], index.context(s, e), similarity, prefix, suffix
    )


def _scored(index: DocIndex, p: Place) -> Candidate:
    return _candidate(index, p.start, p.end, round(p.quote, 1))


def place(index: DocIndex, quote: str, prefix: str = "", suffix: str = "") -> QuotePlacement:
    """Place ``quote`` (with its prefix/suffix, as written) in ``index``'s source.

    Exact first; otherwise the matcher, whose place counts only when it is sure.
    Nothing is placed silently somewhere else: see :class:`Why` for every outcome.
    """
    text = index.text
    q, p, s = norm(quote), norm(prefix), norm(suffix)
    hits, chosen = exact_spans(text, q, p, s)
    base = dict(source=index.doc.source_id, given=(quote, prefix, suffix), quote=q)
    if len(chosen) == 1:
        a, b = chosen[0]
        start, end = index.position(a), index.position(b, end=True)
        return QuotePlacement(
            Status.EXACT, Why.EXACT, **base, spans=tuple(chosen), start=start, end=end, text=index.original(start, end)
        )
    if len(chosen) > 1:
        cands = tuple(
            _candidate(index, a, b, 100.0, *(shortest_context(text, chosen, i) if i < MAX_CANDIDATES else ("", "")))
            for i, (a, b) in enumerate(chosen)
        )
        return QuotePlacement(Status.AMBIGUOUS, Why.REPEATED, **base, spans=tuple(chosen), candidates=cands)
    if not q or not text:
        return QuotePlacement(Status.MISSING, Why.EMPTY, **base, similarity=0.0)
    outcome = match(index.words(), q, p, s, exact=hits)
    if outcome.sure:
        return _sure(index, outcome.places[0], base)
    if hits:
        spans = tuple((a, a + len(q)) for a in hits)
        cands = tuple(_candidate(index, a, b, 100.0) for a, b in spans)
        return QuotePlacement(Status.MISSING, Why.CONTEXT_MISMATCH, **base, spans=spans, candidates=cands)
    return _not_sure(index, outcome, base)


def _sure(index: DocIndex, best: Place, base: dict) -> QuotePlacement:
    cand = _scored(index, best)
    why = Why.CONTEXT_CHANGED if best.quote >= 100 else Why.APPROXIMATE
    return QuotePlacement(
        Status.FUZZY,
        why,
        **base,
        spans=((best.start, best.end),),
        start=cand.start,
        end=cand.end,
        text=index.original(cand.start, cand.end),
        similarity=cand.similarity,
        candidates=(cand,),
        best=best,
        diff=char_diff(base["quote"], cand.text),
    )


def _not_sure(index: DocIndex, outcome: Outcome, base: dict) -> QuotePlacement:
    best = outcome.best
    if best is None:
        return QuotePlacement(Status.MISSING, Why.NO_WORDS, **base, similarity=0.0)
    cand = _scored(index, best)
    if outcome.rivals:
        cands = (cand, *(_scored(index, r) for r in outcome.rivals))
        return QuotePlacement(
            Status.AMBIGUOUS, Why.RIVALS, **base, similarity=cand.similarity, candidates=cands, best=best
        )
    why = Why.CONTEXT_LOST if best.quote >= FUZZY_THRESHOLD else Why.BELOW
    return QuotePlacement(
        Status.MISSING,
        why,
        **base,
        similarity=cand.similarity,
        candidates=(cand,),
        best=best,
        diff=char_diff(base["quote"], cand.text),
    )


# --------------------------------------------------------------------------- words


class Asker(enum.Enum):
    """Who asks for a placement: what its advice may name."""

    NOTE_ADD = "note add"
    """``note add SOURCE "quote" --occurrence N``."""
    NOTE_FILE = "note add --from-file"
    """A row of ``note add --from-file`` (its ``occurrence`` field)."""
    CROSSREF_ADD = "crossref add"
    """``crossref add SOURCE#N:"quote" …`` (see :func:`.contrib.add.parse_passage`)."""
    IMPORT = "import"
    """``import --w3c`` / ``--hypothesis`` (the TextQuoteSelector read)."""


def quote_repr(quote: str, limit: int = 70) -> str:
    """``quote`` on one line, in double quotes, cut at ``limit`` characters."""
    q = " ".join(quote.split())
    return '"' + (q if len(q) <= limit else q[: limit - 1] + "…") + '"'


def shown(text: str) -> str:
    """``text`` as a double-quoted YAML scalar, as messages show a prefix or suffix to paste."""
    return json.dumps(text, ensure_ascii=False)


def fix_hint(prefix: str, suffix: str) -> str:
    """``prefix: "…"`` or ``suffix: "…"`` (the shorter), as a message advises it."""
    prefix, suffix = shorter_side(prefix, suffix)
    if prefix:
        return f"prefix: {shown(prefix)}"
    if suffix:
        return f"suffix: {shown(suffix)}"
    return "(no prefix or suffix tells it apart)"


def below(score: float) -> int:
    """``score`` rounded for a message, but never up to :data:`FUZZY_THRESHOLD` (89.6 → 89)."""
    rounded = round(score)
    return rounded if rounded < FUZZY_THRESHOLD else math.floor(score)


def _context_detail(p: Place | None) -> list[str]:
    sides = [(n, x) for n, x in (("prefix", p.prefix), ("suffix", p.suffix)) if x is not None] if p else []
    if not sides or all(x >= 100 for _, x in sides):
        return []
    return ["context: " + ", ".join(f"{n} {x:.0f}% similar" for n, x in sides)]


def _listed(details: list[str]) -> list[str]:
    """At most :data:`MAX_CANDIDATES` candidate lines, and how many more there are."""
    more = len(details) - MAX_CANDIDATES
    return details[:MAX_CANDIDATES] + ([f"… and {more} more"] if more > 0 else [])


def problem(r: QuotePlacement, origin: Origin) -> Problem | None:
    """``check``'s error or warning for a placement (None when exact): it advises the annotation file's keys."""
    if r.why is Why.EXACT:
        return None
    quote, prefix, suffix = r.given
    q = quote_repr(quote)
    where = f"source '{r.source}'"
    c = r.candidates[0] if r.candidates else None
    err = Severity.ERROR
    if r.why is Why.REPEATED:
        details = [f"{x.start.block}: {x.context}  → {fix_hint(x.prefix, x.suffix)}" for x in r.candidates]
        qualifier = " with the given prefix/suffix" if (norm(prefix) or norm(suffix)) else ""
        message = f"quote {q} is ambiguous: it occurs {len(r.spans)} times{qualifier} in {where}"
        hint = "add the prefix or suffix shown for the place you mean, or quote a longer passage"
        return Problem(err, origin, message, tuple(_listed(details)), hint, "quote-ambiguous")
    if r.why is Why.EMPTY:
        return Problem(err, origin, f"quote is empty or {where} has no text", (), "", "quote-missing")
    if r.why is Why.CONTEXT_CHANGED:
        message = f"quote {q} found in {c.start.block} of {where}, but the text around it has changed"
        details = (f"source: {c.context}", *_context_detail(r.best))
        hint = "update the prefix/suffix to the text now around the quote (`anchors --fix` can do it)"
        return Problem(Severity.WARNING, origin, message, details, hint, "quote-fuzzy")
    if r.why is Why.APPROXIMATE:
        message = f"quote {q} matched approximately ({c.similarity:.0f}% similar) in {c.start.block} of {where}"
        details = (f"source: {quote_repr(c.text, 200)}", f"diff:   {r.diff}", *_context_detail(r.best))
        hint = "copy the passage exactly from the source to silence this warning"
        return Problem(Severity.WARNING, origin, message, details, hint, "quote-fuzzy")
    if r.why is Why.CONTEXT_MISMATCH:
        n = len(r.spans)
        given = " and ".join(f"{k} {shown(v)}" for k, v in (("prefix", prefix), ("suffix", suffix)) if v)
        message = f"quote {q} occurs {n} time{'s' * (n > 1)} in {where}, but never with {given}"
        details = _listed([f"{x.start.block}: {x.context}" for x in r.candidates])
        hint = "correct the prefix/suffix to the text just before/after the quote, or remove it"
        return Problem(err, origin, message, tuple(details), hint, "quote-context-mismatch")
    if r.why is Why.NO_WORDS:
        message = f"quote {q} not found in {where}; no passage shares its words"
        return Problem(err, origin, message, (), "copy the passage exactly from the source", "quote-missing")
    if r.why is Why.RIVALS:
        message = f"quote {q} matches approximately in {len(r.candidates)} places about equally well in {where}"
        details = [f"{x.start.block}: {x.context}  ({x.similarity:.0f}% similar)" for x in r.candidates]
        hint = "copy the passage you mean exactly from the source, with a prefix or suffix if it repeats"
        return Problem(err, origin, message, tuple(details[:MAX_CANDIDATES]), hint, "quote-ambiguous")
    if r.why is Why.CONTEXT_LOST:
        message = (
            f"quote {q} matches approximately ({c.similarity:.0f}% similar) in {c.start.block} of {where}, "
            "but neither its prefix nor its suffix reads there"
        )
        details = (f"source: {c.context}", f"diff:   {r.diff}", *_context_detail(r.best))
        hint = "check that this is the passage you mean, then copy it and the text around it exactly"
        return Problem(err, origin, message, details, hint, "quote-missing")
    message = (
        f"quote {q} not found in {where}; closest passage ({below(c.similarity)}% similar) "
        f"in {c.start.block}: {quote_repr(c.text)}"
    )
    hint = f"copy the passage exactly from the source (below {FUZZY_THRESHOLD:.0f}% similarity nothing is anchored)"
    return Problem(err, origin, message, (f"diff:   {r.diff}",), hint, "quote-missing")


def pick(asker: Asker, n: int | str, r: QuotePlacement) -> str:
    """How ``asker`` says "the ``n``-th occurrence": ``--occurrence 2``, ``SOURCE#2``, ``occurrence 2``."""
    if asker is Asker.NOTE_ADD:
        return f"--occurrence {n}"
    if asker is Asker.CROSSREF_ADD:
        return f"{r.source}#{n}"
    return f"occurrence {n}"


def _say_which(asker: Asker, r: QuotePlacement) -> str:
    """How ``asker`` chooses among repeated places."""
    if asker is Asker.CROSSREF_ADD:
        return f'say which with {r.source}#N:"{r.given[0]}"'
    if asker is Asker.NOTE_FILE:
        return "say which in the row's occurrence field"
    if asker is Asker.IMPORT:
        return "say which with a prefix or suffix in its TextQuoteSelector"
    return "say which with --occurrence N"


COPY_HINT = "    hint: copy the passage exactly from the source"


def refusal(r: QuotePlacement, asker: Asker, occurrence: int | None = None) -> str:
    """Why a contributor command or an import does not write a quote, in the asker's own syntax.

    A repeated quote gets a numbered list of its places (with the prefix or suffix that
    would be written) unless ``occurrence`` picks one; an exact one refuses an
    ``occurrence`` other than 1; anything else is ``check``'s message, with its details.
    """
    quote = quote_repr(r.given[0])
    if r.why is Why.EXACT:
        return f"{pick(asker, occurrence or 1, r)}: the quote occurs only once in source '{r.source}'"
    if r.why is Why.REPEATED:
        lines = [
            f"    {i}. {c.start.block}: {c.context}  → {fix_hint(c.prefix, c.suffix)}"
            for i, c in enumerate(r.candidates[:MAX_CANDIDATES], start=1)
        ]
        if len(r.candidates) > MAX_CANDIDATES:
            lines.append(f"    … and {len(r.candidates) - MAX_CANDIDATES} more")
        what = "" if occurrence is None else f" ({pick(asker, occurrence, r)} is out of range)"
        return (
            f"quote {quote} occurs {len(r.spans)} times in source '{r.source}'{what}; {_say_which(asker, r)}:\n"
            + "\n".join(lines)
            + "\n    hint: or quote a longer passage"
        )
    if r.status is Status.FUZZY:
        c = r.candidates[0]
        return (
            f"quote {quote} is not in source '{r.source}' as written; closest passage "
            f"({c.similarity:.0f}% similar) in {c.start.block}: {quote_repr(c.text, 200)}\n"
            f"    diff:   {r.diff}\n" + COPY_HINT
        )
    p = problem(r, Origin(""))
    assert p is not None
    return "\n".join([p.message, *(f"    {d}" for d in p.details), COPY_HINT])


def drift_details(r: QuotePlacement, reference: str) -> list[str]:
    """The drift report's lines on a passage that no longer anchors: where it could be now,
    and a diff of ``reference`` (the passage as it was, or the quote) against the closest one."""
    if r.status is Status.AMBIGUOUS:
        lines = [
            f"the quote now occurs {len(r.candidates)} times:"
            if r.why is Why.REPEATED
            else f"the quote now matches {len(r.candidates)} places about equally well:"
        ]
        return lines + [f"  {d}" for d in _listed([f"{c.start.block}: {c.context}" for c in r.candidates])]
    if r.why is Why.CONTEXT_MISMATCH:
        lines = ["the quote is still there, but no longer with its prefix/suffix:"]
        return lines + [f"  {c.start.block}: {c.context}" for c in r.candidates[:MAX_CANDIDATES]]
    if not r.candidates:
        return []
    c = r.candidates[0]
    lines = [f"closest passage now ({below(c.similarity)}% similar) in {c.start.block}: {c.text!r}"]
    if reference and c.text != reference:
        lines.append(f"diff:   {char_diff(reference, c.text)}")
    return lines
