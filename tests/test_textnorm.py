"""textnorm's fast paths give exactly what the per-character reference gives.

The reference below is the original one-character-at-a-time :func:`normalize`; the
fast version (compiled runs + ``str.translate``) must agree with it on the text *and*
on every offset, for random strings built from the characters that matter.
"""

from __future__ import annotations

import random
import re
import unicodedata
from array import array

import pytest

from build_tools.textnorm import _INVISIBLE, FOLD, norm, normalize

ALPHABET = (
    list("ab Zé.,") + list(FOLD) + sorted(_INVISIBLE) + ["  ", "\n", "\t", "\u00a0", "e\u0301", "\u0301", "\u2003"]
)


_OLD_TOKEN = re.compile(rf"[^\s{re.escape(''.join(sorted(set(FOLD) | _INVISIBLE)))}]+|\s+|.", re.S)


def _clusters(text: str):
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        yield i, j
        i = j


def reference(text: str) -> tuple[str, list[int], list[int]]:
    """The original algorithm, verbatim: per token for NFC text, per cluster otherwise."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pending = None
    if unicodedata.is_normalized("NFC", text):
        for m in _OLD_TOKEN.finditer(text):
            a, b = m.span()
            tok = m.group()
            if tok in _INVISIBLE:
                continue
            if tok.isspace():
                pending = (pending[0], b) if pending else (a, b)
                continue
            if pending is not None:
                if out:
                    out.append(" ")
                    starts.append(pending[0])
                    ends.append(pending[1])
                pending = None
            folded = FOLD.get(tok)
            if folded is not None:
                out.append(folded)
                starts.extend([a] * len(folded))
                ends.extend([b] * len(folded))
            else:
                out.append(tok)
                starts.extend(range(a, b))
                ends.extend(range(a + 1, b + 1))
        return "".join(out), starts, ends
    for a, b in _clusters(text):
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
        folded = FOLD.get(chunk) or unicodedata.normalize("NFC", chunk)
        for ch in folded:
            out.append(FOLD.get(ch, ch))
            starts.append(a)
            ends.append(b)
    return "".join(out), starts, ends


@pytest.mark.parametrize("seed", range(40))
def test_fast_normalize_matches_reference(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30)))
        text = unicodedata.normalize("NFC", text) if seed % 2 else text
        got = normalize(text)
        want = reference(text)
        assert (got.text, list(got.starts), list(got.ends)) == want, repr(text)
        assert norm(text) == want[0], repr(text)


def test_offsets_are_arrays_of_equal_length() -> None:
    n = normalize("  say \u201chi\u201d\u00a0\u2014 now\u2026 and\u00ad then  ")
    assert n.text == 'say "hi" - now... and then'
    assert isinstance(n.starts, array) and len(n.starts) == len(n.ends) == len(n.text)
    assert n.original_span(0, 3) == (2, 5)
