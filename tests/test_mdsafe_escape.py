"""escape_text / escape_attr in one translate pass give what the per-character originals gave."""

from __future__ import annotations

import random
import re

import pytest

from build_tools.mdsafe import _ATTR_ENTITY, _BACKSLASH, _ENTITY, escape_attr, escape_text

ALPHABET = list("ab 1.-\n\t\u00a0é") + sorted(_BACKSLASH) + list(_ENTITY) + list(_ATTR_ENTITY) + ['"', "'", "  "]
_WS = re.compile(r"\s+")
_LINE_START = re.compile(r"^(\s*)(\d+)\.(?=\s)|^(\s*)-")


def reference_text(text: str) -> str:
    text = _WS.sub(" ", text)
    s = "".join("\\" + ch if ch in _BACKSLASH else _ENTITY.get(ch, ch) for ch in text)
    return _LINE_START.sub(lambda m: f"{m.group(1)}{m.group(2)}\\." if m.group(2) else f"{m.group(3)}\\-", s, count=1)


def reference_attr(text: str) -> str:
    return "".join(_ATTR_ENTITY.get(ch, ch) for ch in " ".join(text.split()))


@pytest.mark.parametrize("seed", range(20))
def test_escapes_match_reference(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 25)))
        assert escape_text(text) == reference_text(text), repr(text)
        assert escape_attr(text) == reference_attr(text), repr(text)


def test_escape_examples() -> None:
    assert escape_text("1. a *b* <i>&\n|x|") == "1\\. a \\*b\\* &lt;i&gt;&amp; &#124;x&#124;"
    assert escape_text(" - x") == " \\- x"
    assert escape_attr('say "hi" \\ `x` <b>') == "say &quot;hi&quot; &#92; &#96;x&#96; &lt;b&gt;"
