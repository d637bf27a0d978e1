"""Text normalisation for matching quotes, with a map back to the original offsets.

Quotes in annotations are typed by people, sources come from many outlets: curly and
straight quotes, en and em dashes, non-breaking spaces, soft hyphens and composed or
decomposed accents must not stop a quote from matching. :func:`normalize` folds all of
these to one form and keeps, for every character of the result, the span of the
original text it came from, so a match found in normalised text can be mapped back
exactly to the source.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_QUOTES = dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'") | dict.fromkeys(
    "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'
)
_DASHES = dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-")
_EXPAND = {"\u2026": "..."}
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
FOLD: dict[str, str] = _QUOTES | _DASHES | _EXPAND
"""Single characters replaced before matching (quotes, dashes, ellipsis)."""


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalised text plus, per character, the original span it stands for."""

    text: str
    """The normalised text."""
    starts: array
    """``starts[i]``: offset in the original of the first character behind ``text[i]``."""
    ends: array
    """``ends[i]``: offset in the original just after the last character behind ``text[i]``."""

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalised text back to the original text."""
        if start >= end:
            pos = self.starts[start] if start < len(self.text) else (self.ends[-1] if len(self.ends) else 0)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def replacer(table: dict[str, str]) -> Callable[[str], str]:
    """A function that replaces each character of a text that is a key of ``table`` by its
    value, as :meth:`str.translate` would. One regex pass over a character class: on text
    with any character beyond ASCII, ``translate`` looks every character up in a dict, and is
    about six times slower on the project's paragraphs."""
    pattern = re.compile("[" + "".join(map(re.escape, table)) + "]")
    get = table.__getitem__

    def replace(text: str) -> str:
        return pattern.sub(lambda m: get(m.group()), text)

    return replace


# Folds that keep the length (quotes, dashes) are applied to whole runs of ordinary text;
# only whitespace, invisible characters and expanding folds (the ellipsis) break a run, so
# most paragraphs are a handful of regex matches.
_SAME_LENGTH = {k: v for k, v in FOLD.items() if len(v) == 1}
_translate = replacer(_SAME_LENGTH)
_BREAKS = "".join(sorted((set(FOLD) - set(_SAME_LENGTH)) | _INVISIBLE))
_RUN = rf"[^\s{re.escape(_BREAKS)}]+"
_TOKEN = re.compile(rf"{_RUN}(?: {_RUN})*|\s+|.", re.S)
"""Words joined by single spaces (each maps one-to-one), a whitespace run, or one character."""
_norm_fold = replacer(FOLD | dict.fromkeys(_INVISIBLE, ""))
_WS = re.compile(r"\s+")


def _clusters(text: str):
    """Yield (start, end) of each base character with the combining marks after it."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        yield i, j
        i = j


def normalize(text: str) -> Normalized:
    """Fold ``text`` for matching: NFC, straight quotes, ``-`` for dashes, ``...`` for an
    ellipsis, one space for any run of whitespace, no soft hyphens or zero-width
    characters, no leading or trailing space.

    Guarantees ``len(result.starts) == len(result.ends) == len(result.text)``.
    """
    if unicodedata.is_normalized("NFC", text):
        return _assemble(text, (m.span() for m in _TOKEN.finditer(text)), _fold_run)
    return _assemble(text, _clusters(text), _fold_cluster)


_Fold = Callable[[str, int, int, list[str], array, array], None]
"""``fold(chunk, start, end, out, starts, ends)`` appends the folded ``chunk`` and its offsets."""


def _assemble(text: str, spans: Iterable[tuple[int, int]], fold: _Fold) -> Normalized:
    """The one normalising loop over ``text`` cut into ``spans``.

    Invisible pieces vanish, each whitespace run between two kept pieces becomes one space
    standing for the whole run, and ``fold`` writes every other piece: how a piece folds
    is all that differs between the NFC fast path and the per-cluster slow path.
    """
    out: list[str] = []
    starts = array("l")
    ends = array("l")
    pending: tuple[int, int] | None = None
    for a, b in spans:
        chunk = text[a:b]
        if chunk in _INVISIBLE:
            continue
        if chunk.isspace():
            pending = (pending[0], b) if pending else (a, b)
            continue
        if pending is not None:
            if out:
                out.append(" ")
                starts.append(pending[0])
                ends.append(pending[1])
            pending = None
        fold(chunk, a, b, out, starts, ends)
    return Normalized("".join(out), starts, ends)


def _fold_run(tok: str, a: int, b: int, out: list[str], starts: array, ends: array) -> None:
    """NFC text: one expanding fold (the ellipsis), or a run folded in place."""
    folded = FOLD.get(tok) if b - a == 1 else None
    if folded is not None:
        out.append(folded)
        starts.extend(array("l", (a,)) * len(folded))
        ends.extend(array("l", (b,)) * len(folded))
    else:
        out.append(_translate(tok))
        starts.extend(range(a, b))
        ends.extend(range(a + 1, b + 1))


def _fold_cluster(chunk: str, a: int, b: int, out: list[str], starts: array, ends: array) -> None:
    """Text not in NFC: one grapheme cluster composed, every character of it spanning it."""
    folded = FOLD.get(chunk) or unicodedata.normalize("NFC", chunk)
    for ch in folded:
        out.append(FOLD.get(ch, ch))
        starts.append(a)
        ends.append(b)


def norm(text: str) -> str:
    """Only the normalised text of :func:`normalize` (the same string, without the offsets)."""
    if not unicodedata.is_normalized("NFC", text):
        return normalize(text).text
    # Invisible characters go first, so whitespace on both sides of one becomes one space.
    return _WS.sub(" ", _norm_fold(text)).strip()
