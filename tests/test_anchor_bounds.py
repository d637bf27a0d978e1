"""Bounded work (issue 14, item 5): a contributor's quote cannot make the build run for
minutes. A 1,000-word quote that is not in a 30,000-word source and a one-word quote
found 5,000 times in a 100,000-word source (in ``check`` and in ``note add``) each ran
past the limit before; each must now answer within :data:`LIMIT` seconds, with a
located message. A long quote that is there with typos must still be placed. The limit
is an alarm, so a regression fails the test instead of hanging the suite."""

from __future__ import annotations

import random
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from build_tools.contrib.add import place_quote
from build_tools.errors import Origin, Report, UserError
from build_tools.model import Block, BlockKind, Document, Selector, Span, Status
from build_tools.stages.anchor import DocIndex, anchor_selector

LIMIT = 10
ORIGIN = Origin("annotations/notes/big.yml", 3, 12)


@contextmanager
def within(seconds: int) -> Iterator[None]:
    def expire(*_: object) -> None:
        raise TimeoutError(f"took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def words(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(4000)]
    return [rng.choice(vocab) for _ in range(n)]


def document(ws: list[str], per_block: int = 120) -> Document:
    blocks = tuple(
        Block(f"p-{i // per_block + 1}", BlockKind.PARAGRAPH, (Span(" ".join(ws[i : i + per_block]) + "."),), (1, 1))
        for i in range(0, len(ws), per_block)
    )
    return Document("big", blocks)


def place(doc: Document, quote: str) -> tuple[object, str]:
    report = Report()
    a = anchor_selector(
        Selector("big", quote, origin=ORIGIN),
        DocIndex.build(doc),
        annotation="n",
        kind="note",
        passage=0,
        report=report,
    )
    return a, report.render()


def test_long_fuzzy_quote_in_a_30000_word_source():
    ws = words(30_000)
    doc = document(ws)
    quote = ws[12_010:13_010]  # 1,000 words across nine blocks
    rng = random.Random(3)
    for i in sorted(rng.sample(range(len(quote)), 15), reverse=True):
        quote[i] = quote[i][::-1]  # 15 words misspelt
    with within(LIMIT):
        a, out = place(doc, " ".join(quote))
    assert a.status is Status.FUZZY
    assert (a.start.block, a.end.block) == ("p-101", "p-109")
    assert out.startswith("annotations/notes/big.yml:3:12: warning: quote ")
    assert "matched approximately (99% similar) in p-101 of source 'big'" in out.splitlines()[0]


def test_long_quote_not_in_a_30000_word_source():
    doc = document(words(30_000))
    with within(LIMIT):
        a, out = place(doc, " ".join(words(1_000, seed=99)))
    assert a.status is Status.MISSING
    assert out.startswith("annotations/notes/big.yml:3:12: error: quote ")
    assert "not found in source 'big'" in out.splitlines()[0]


def common_word_source() -> tuple[Document, str, int]:
    """100,000 words, every 20th of them "said": 5,000 occurrences."""
    ws = words(100_000)
    ws[::20] = ["said"] * len(ws[::20])
    doc = document(ws)
    text = DocIndex.build(doc).text
    return doc, "said", sum(1 for i in range(len(text)) if text.startswith("said", i))


def test_one_word_ambiguous_quote_in_a_100000_word_source():
    doc, common, n = common_word_source()
    assert n >= 5000
    with within(LIMIT):
        a, out = place(doc, common)
    assert a.status is Status.AMBIGUOUS and len(a.candidates) == n
    lines = out.splitlines()
    assert lines[0] == (
        f"annotations/notes/big.yml:3:12: error: quote \"{common}\" is ambiguous: it occurs {n} times in source 'big'"
    )
    assert len(lines) == 1 + 12 + 2 and lines[13] == f"    … and {n - 12} more"


def test_one_word_ambiguous_quote_in_note_add():
    doc, common, n = common_word_source()
    with within(LIMIT), pytest.raises(UserError) as err:
        place_quote(doc, common)
    lines = str(err.value).splitlines()
    assert lines[0].endswith("say which with --occurrence N:") and len(lines) == 1 + 12 + 2
    with within(LIMIT):
        chosen = place_quote(doc, common, occurrence=n)
    assert chosen.prefix or chosen.suffix
