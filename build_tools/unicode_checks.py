"""Characters that make text read differently from what it is: bidi controls and mixed scripts.

* Bidirectional control characters (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C)
  reorder how text is displayed, so a quote or a name can show one thing and be another
  ("Trojan Source"). Any annotation value holding one gets a warning.
* A name that mixes Latin, Cyrillic and Greek letters in one word ("Wеstport" with a
  Cyrillic е) looks like another name: a homoglyph. Names and titles get a warning.

:func:`visible` is used wherever problems are printed, so a terminal never receives a raw
control: each is shown as ``<U+202E>``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from build_tools.errors import Report
from build_tools.yamlio import Positions

BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Unicode's bidirectional formatting characters."""
NAME_FIELDS = frozenset({"name", "aliases", "short", "title", "label", "byline"})
"""Fields a reader takes for a name or a title: checked for mixed scripts too."""
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
_WORD = re.compile(r"\w+")


def visible(text: str) -> str:
    """``text`` with every bidi control shown as ``<U+XXXX>``."""
    return BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def scripts(word: str) -> set[str]:
    """Which of Latin, Cyrillic and Greek the letters of ``word`` belong to."""
    out = set()
    for ch in word:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            out.update(s for s in _SCRIPTS if name.startswith(s))
    return out


def _strings(data: object, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _strings(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _strings(v, (*path, i))


def check_strings(data: object, positions: Positions, report: Report) -> None:
    """Warn about bidi controls in any value, and mixed-script words in names and titles."""
    for path, text in _strings(data):
        field = next((str(p) for p in reversed(path) if isinstance(p, str)), "value")
        for message, hint, code in _text_problems(field, text):
            report.warning(positions.origin(path), message, hint=hint, code=code)


def _text_problems(field: str, text: str) -> Iterator[tuple[str, str, str]]:
    """Message, hint and code of each thing wrong with the value of ``field``: at most one of each kind."""
    if text.isascii():  # no bidi control is ASCII, and ASCII letters are all Latin
        return
    m = BIDI.search(text)
    if m:
        yield (
            f"'{field}' contains the bidirectional control U+{ord(m.group()):04X} "
            f"({unicodedata.name(m.group(), 'unnamed')}): {visible(text[:60])!r}",
            "remove it: it makes the text display in another order than it is written",
            "text-bidi",
        )
    if field in NAME_FIELDS:
        for word in _WORD.findall(text):
            if word.isascii():
                continue
            found = scripts(word)
            if len(found) > 1:
                yield (
                    f"'{field}' mixes {' and '.join(s.title() for s in _SCRIPTS if s in found)} letters in "
                    f"one word: {word!r} ({', '.join(f'U+{ord(c):04X}' for c in word if not c.isascii())})",
                    "retype the word in one alphabet: a look-alike letter makes it another name",
                    "text-mixed-script",
                )
                return
