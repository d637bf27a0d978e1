"""Approximate quote matching with context, bounded per quote.

The anchor stage uses this when a quote is not found exactly with its prefix/suffix
(a corrected source, a typo in the quote). It works like the Hypothesis client's
``match-quote`` (approx-string-match on the quote, then quote, prefix and suffix scored
together) but with three differences that keep it from placing a passage on the wrong
text:

* **candidates come from seeds**: runs of words of the quote (:data:`SEED_WORDS`)
  looked up in a word index of the document; each hit votes for where the quote would
  start, and only the best-supported places (:data:`MAX_CANDIDATES`) are aligned. A
  seed that occurs more than :data:`MAX_SEED_HITS` times says nothing and is skipped.
  So the work per quote is bounded by the quote's length, not the document's;
* **a window never spills into a block the quote's seeds did not reach**: a shortened
  passage at the end of a paragraph does not take in the next paragraph's first word;
* **a place is only "sure"** when the quote is at least :data:`QUOTE_MIN` % similar
  there, the given prefix or suffix still reads there (one side at least
  :data:`CONTEXT_KEEP` % similar), and no other acceptable place scores within
  :data:`MARGIN` points of it. Ties are broken by context, then by position.

Similarities are :func:`rapidfuzz.fuzz.ratio` (0–100) on normalised text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

QUOTE_MIN = 90.0
"""Minimum similarity of the quote at a place for it to be placed there."""
CONTEXT_KEEP = 80.0
"""A given prefix (or suffix) still reads at a place when it is at least this similar."""
CONTEXT_STRONG = 90.0
"""When every given side is at least this similar, a quote :data:`QUOTE_MIN_IN_CONTEXT` % similar is placed."""
QUOTE_MIN_IN_CONTEXT = 75.0
"""Minimum similarity of the quote at a place whose prefix and suffix both still read."""
CONTEXT_SLACK = 12
"""Extra characters of text compared with a prefix or suffix (room for an inserted word)."""
MARGIN = 5.0
"""A place is sure only if no other acceptable place scores within this many points."""
WEIGHTS = (50.0, 20.0, 20.0)
"""Weights of quote, prefix and suffix in the combined score (as in Hypothesis' match-quote)."""
MAX_SEED_HITS = 200
"""A seed found more often than this in a document is not used to find candidates."""
MAX_CANDIDATES = 8
"""Places aligned per quote (the best-supported by seeds, then exact occurrences)."""
SHORT_QUOTE = 200
"""Quotes up to this many characters with no seed hit are also searched for directly."""
MAX_STEPS = 12
"""Steps of word-boundary refinement per aligned place."""
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Place:
    """One scored place of a quote in a document's normalised text."""

    start: int
    end: int
    quote: float
    """Similarity of the text at the place to the quote."""
    prefix: float | None
    """Similarity of the text before the place to the prefix (None: no prefix given)."""
    suffix: float | None
    score: float
    """Quote, prefix and suffix similarities combined with :data:`WEIGHTS`."""

    @property
    def context(self) -> float:
        """Mean similarity of the given prefix/suffix (100 when none is given)."""
        given = [x for x in (self.prefix, self.suffix) if x is not None]
        return sum(given) / len(given) if given else 100.0

    @property
    def context_kept(self) -> bool:
        """True if no context was given, or the prefix or the suffix still reads here."""
        given = [x for x in (self.prefix, self.suffix) if x is not None]
        return not given or max(given) >= CONTEXT_KEEP

    @property
    def context_strong(self) -> bool:
        """Both a prefix and a suffix were given and both still read here."""
        return self.prefix is not None and self.suffix is not None and min(self.prefix, self.suffix) >= CONTEXT_STRONG

    @property
    def acceptable(self) -> bool:
        """The quote is similar enough here and its context still reads (or, with both
        sides intact, the quote is at least :data:`QUOTE_MIN_IN_CONTEXT` % similar)."""
        if self.context_strong:
            return self.quote >= QUOTE_MIN_IN_CONTEXT
        return self.quote >= QUOTE_MIN and self.context_kept


@dataclass(frozen=True, slots=True)
class Outcome:
    """What :func:`match` found: places best first, and whether the best is sure."""

    places: tuple[Place, ...]
    sure: bool
    rivals: tuple[Place, ...] = ()
    """Acceptable places scoring within :data:`MARGIN` of the best (when not sure)."""

    @property
    def best(self) -> Place | None:
        """The best place, sure or not."""
        return self.places[0] if self.places else None


@dataclass(frozen=True, slots=True)
class WordIndex:
    """The words of a document's normalised text, with lazily built seed tables."""

    text: str
    starts: tuple[int, ...]
    """Offset where each block begins in :attr:`text` (blocks joined by one space)."""
    words: tuple[tuple[int, int, str], ...]
    """(start, end, lower-cased word) of every word."""
    word_starts: tuple[int, ...]
    word_ends: tuple[int, ...]
    _tables: dict[int, dict[tuple[str, ...], list[int]]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, text: str, starts: tuple[int, ...]) -> WordIndex:
        """Index the words of ``text``; linear in its length."""
        words = tuple((m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text))
        return cls(text, starts, words, tuple(w[0] for w in words), tuple(w[1] for w in words))

    def table(self, n: int) -> dict[tuple[str, ...], list[int]]:
        """Every run of ``n`` words → the offsets where it starts."""
        t = self._tables.get(n)
        if t is None:
            t = {}
            w = [x[2] for x in self.words]
            for i in range(len(w) - n + 1):
                t.setdefault(tuple(w[i : i + n]), []).append(self.words[i][0])
            self._tables[n] = t
        return t

    def block(self, offset: int) -> int:
        """Index of the block holding ``offset``."""
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def block_end(self, i: int) -> int:
        """Offset just after block ``i``'s text."""
        return self.starts[i + 1] - 1 if i + 1 < len(self.starts) else len(self.text)


def _side(text: str, start: int, end: int, prefix: str, suffix: str) -> tuple[float | None, float | None]:
    """Similarity of the prefix to the text just before ``start`` and of the suffix to the
    text just after ``end``: the best alignment within a window :data:`CONTEXT_SLACK`
    characters longer than each, so one inserted or deleted word costs little."""
    p = s = None
    if prefix:
        before = text[max(0, start - len(prefix) - CONTEXT_SLACK) : start].rstrip()
        p = fuzz.partial_ratio(prefix, before) if before else 0.0
    if suffix:
        after = text[end : end + len(suffix) + CONTEXT_SLACK].lstrip()
        s = fuzz.partial_ratio(suffix, after) if after else 0.0
    return p, s


def score_place(text: str, start: int, end: int, quote: str, prefix: str, suffix: str) -> Place:
    """Score the place ``text[start:end]`` for ``quote`` with its normalised prefix/suffix."""
    sq = 100.0 if text[start:end] == quote else fuzz.ratio(quote, text[start:end])
    sp, ss = _side(text, start, end, prefix, suffix)
    wq, wp, ws = WEIGHTS
    total = wq * sq + (wp * sp if sp is not None else 0) + (ws * ss if ss is not None else 0)
    weight = wq + (wp if sp is not None else 0) + (ws if ss is not None else 0)
    return Place(start, end, sq, sp, ss, total / weight)


def _seed_votes(words: WordIndex, quote: str) -> list[tuple[int, int, int, int]]:
    """Clusters of estimated start offsets: (support, first estimate, last estimate, last hit end)."""
    qw = [(m.start(), m.group().lower()) for m in _WORD.finditer(quote)]
    if not qw:
        return []
    n = 3 if len(qw) >= 6 else (2 if len(qw) >= 3 else 1)
    table = words.table(n)
    votes: list[tuple[int, int, int]] = []  # (estimated start, seed number, hit offset)
    for t in range(len(qw) - n + 1):
        hits = table.get(tuple(w for _, w in qw[t : t + n]), ())
        if len(hits) > MAX_SEED_HITS:
            continue
        votes.extend((h - qw[t][0], t, h) for h in hits)
    if not votes:
        return []
    votes.sort()
    tol = 16 + len(quote) // 5
    clusters: list[tuple[int, int, int, int]] = []
    group = [votes[0]]
    for v in votes[1:]:
        if v[0] - group[-1][0] <= tol:
            group.append(v)
            continue
        clusters.append(_cluster(group))
        group = [v]
    clusters.append(_cluster(group))
    return clusters


def _cluster(group: list[tuple[int, int, int]]) -> tuple[int, int, int, int]:
    return (len({t for _, t, _ in group}), group[0][0], group[-1][0], max(h for _, _, h in group))


def _snap_start(text: str, i: int) -> int:
    while i > 0 and text[i - 1].isalnum() and text[i].isalnum():
        i -= 1
    return i


def _snap_end(text: str, i: int) -> int:
    while 0 < i < len(text) and text[i - 1].isalnum() and text[i].isalnum():
        i += 1
    return i


def _neighbours(bounds: list[int], i: int, reach: int = 2) -> list[int]:
    k = bisect.bisect_left(bounds, i)
    return bounds[max(0, k - reach) : k + reach + 1]


def align(words: WordIndex, quote: str, lo: int, hi: int) -> tuple[int, int]:
    """The span of ``text[lo:hi]`` most similar to ``quote``, on word boundaries."""
    text = words.text
    region = text[lo:hi]
    ops = [op for op in Indel.opcodes(quote, region) if op.tag == "equal"]
    if not ops:
        return lo, min(hi, lo + len(quote))
    s = _snap_start(text, lo + ops[0].dest_start)
    e = _snap_end(text, lo + ops[-1].dest_end)
    ws, we = words.word_starts, words.word_ends
    starts = sorted({lo, *ws[bisect.bisect_left(ws, lo) : bisect.bisect_left(ws, hi)]})
    ends = sorted({hi, *we[bisect.bisect_right(we, lo) : bisect.bisect_right(we, hi)]})

    def key(span: tuple[int, int]) -> tuple[float, int, int]:
        a, b = span
        return (fuzz.ratio(quote, text[a:b]), -abs((b - a) - len(quote)), -a)

    options = [(a, b) for a in _neighbours(starts, s) for b in _neighbours(ends, e) if a < b]
    best = max(options + ([(s, e)] if s < e else []), key=key) if options or s < e else (lo, hi)
    for _ in range(MAX_STEPS):  # climb while a nearby pair of word boundaries is more similar
        a, b = best
        near = [(x, b) for x in _neighbours(starts, a) if x < b] + [(a, y) for y in _neighbours(ends, b) if a < y]
        step = max(near, key=key)
        if key(step) <= key(best):
            break
        best = step
    a, b = best
    while a < b and text[a] == " ":
        a += 1
    while b > a and text[b - 1] == " ":
        b -= 1
    return a, b


def candidates(words: WordIndex, quote: str, exact: list[int]) -> list[tuple[int, int]]:
    """Spans worth scoring: exact occurrences, then the places seeds vote for most."""
    text = words.text
    out: list[tuple[int, int]] = [(h, h + len(quote)) for h in exact[:MAX_CANDIDATES]]
    clusters = sorted(_seed_votes(words, quote), key=lambda c: (-c[0], c[1]))
    for _, first, last, hit_end in clusters[:MAX_CANDIDATES]:
        slack = 8 + len(quote) // 8
        b0 = words.block(max(0, first))
        b1 = words.block(hit_end)
        lo = max(words.starts[b0], first - slack)
        hi = min(words.block_end(b1), max(last + len(quote), hit_end) + slack)
        if lo < hi:
            span = align(words, quote, lo, hi)
            if span[0] < span[1] and span not in out:
                out.append(span)
    if not clusters and not exact and len(quote) <= SHORT_QUOTE and text:
        al = fuzz.partial_ratio_alignment(quote, text)
        b = words.block(al.dest_start)
        lo, hi = words.starts[b], words.block_end(b)
        s, e = max(lo, al.dest_start), min(hi, al.dest_end)
        s, e = _snap_start(text, s), _snap_end(text, e)
        span = align(words, quote, max(lo, s - 8), min(hi, e + 8))
        if span[0] < span[1]:
            out.append(span)
    return out


def match(words: WordIndex, quote: str, prefix: str = "", suffix: str = "", *, exact: list[int] = ()) -> Outcome:
    """Score the candidate places of normalised ``quote`` with its normalised prefix/suffix.

    ``exact`` are offsets where the quote occurs exactly (if known). The result lists
    places best first (by combined score, then context, then position) and says whether
    the best is sure (see the module docstring).
    """
    spans = candidates(words, quote, list(exact))
    places = sorted(
        (score_place(words.text, s, e, quote, prefix, suffix) for s, e in spans),
        key=lambda p: (-round(p.score, 6), -round(p.context, 6), p.start),
    )
    if not places:
        return Outcome((), False)
    best = places[0]
    rivals = tuple(
        p
        for p in places[1:]
        if p.acceptable and p.score >= best.score - MARGIN and not (p.start < best.end and best.start < p.end)
    )
    return Outcome(tuple(places), best.acceptable and not rivals, rivals)
