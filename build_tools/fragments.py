"""Deep links into the originals: text-fragment URLs (``#:~:text=``) for passages.

A text fragment (WICG "URL Fragment Text Directives",
https://wicg.github.io/scroll-to-text-fragment/) asks the browser to scroll to and
highlight a passage of the page::

    URL#:~:text=[prefix-,]textStart[,textEnd][,-suffix]

Each term is percent-encoded; besides what a URL fragment cannot hold, ``-``, ``,`` and
``&`` are always encoded because they delimit the directive's terms (and ``&`` the
directives). A browser matches terms only on word boundaries and within one block of
the page, so a passage is widened to whole words, its prefix and suffix are the few
words just before and after it *in the same paragraph* (left out at the paragraph's
edge, where the original page may have something else), and a passage of more than
:data:`SHORT` words is given by its first and last :data:`EDGE` words (``textStart,
textEnd``) so that the link stays short and survives small differences in between.

The terms are taken from the text as the reader sees it (curly quotes and dashes kept,
as on the original page), not from the normalised text used for anchoring.
"""

from __future__ import annotations

import re
import urllib.parse

from build_tools.model import Document, Position

SHORT = 10
"""A passage of at most this many words is quoted whole (``textStart`` only)."""
EDGE = 5
"""Words of a longer passage given as ``textStart`` and as ``textEnd``."""
CONTEXT_WORDS = 3
"""Words of prefix and of suffix."""

_WORD = re.compile(r"\S+")


def encode_term(term: str) -> str:
    """One term of a text directive, percent-encoded (``-``, ``,``, ``&`` included)."""
    # quote() leaves only A-Z a-z 0-9 and "_.~-" unencoded; "-" delimits prefix and suffix.
    return urllib.parse.quote(" ".join(term.split()), safe="").replace("-", "%2D")


def text_directive(start: str, end: str = "", *, prefix: str = "", suffix: str = "") -> str:
    """``text=[prefix-,]start[,end][,-suffix]`` with every term encoded."""
    parts = []
    if prefix:
        parts.append(encode_term(prefix) + "-")
    parts.append(encode_term(start))
    if end:
        parts.append(encode_term(end))
    if suffix:
        parts.append("-" + encode_term(suffix))
    return "text=" + ",".join(parts)


def _words_from(text: str, start: int, end: int) -> list[str]:
    return _WORD.findall(text[start:end])


def passage_fragment(doc: Document, start: Position, end: Position) -> str:
    """The text directive (without ``#:~:``) for the passage ``start``–``end`` of ``doc``."""
    ids = [b.id for b in doc.blocks]
    i, j = ids.index(start.block), ids.index(end.block)
    first, last = doc.blocks[i].text, doc.blocks[j].text
    s, e = start.offset, end.offset
    while s > 0 and not first[s - 1].isspace():  # widen to whole words: matches are word-bounded
        s -= 1
    while e < len(last) and not last[e].isspace():
        e += 1
    if i == j:
        words = _words_from(first, s, e)
    else:
        middle = [w for b in doc.blocks[i + 1 : j] for w in _WORD.findall(b.text)]
        words = _words_from(first, s, len(first)) + middle + _words_from(last, 0, e)
    if len(words) <= SHORT and i == j:
        text_start, text_end = " ".join(words), ""
    else:
        head = _words_from(first, s, len(first))[:EDGE]
        tail = _words_from(last, 0, e)[-EDGE:]
        text_start, text_end = " ".join(head), " ".join(tail)
    prefix = " ".join(_words_from(first, 0, s)[-CONTEXT_WORDS:])
    suffix = " ".join(_words_from(last, e, len(last))[:CONTEXT_WORDS])
    return text_directive(text_start, text_end, prefix=prefix, suffix=suffix)


def original_link(url: str, doc: Document, start: Position, end: Position) -> str:
    """``url`` with a text fragment that scrolls the original page to the passage."""
    return url.split("#", 1)[0] + "#:~:" + passage_fragment(doc, start, end)
