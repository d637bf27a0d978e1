"""``yamlio.check_limits`` answers the same with and without its shortcut
(``_plainly_safe``, a few searches that clear most files without parsing them): on block
collections nested as tightly as YAML allows, in every compact form, with anchors, aliases,
tags and flow collections where a node may begin, on random text, and on the project's own
annotation files, most of which the shortcut clears."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from build_tools import yamlio
from build_tools.errors import Report

from .conftest import ROOT

PROPERTIES = ["&a ", "!t ", "!!str ", "&a\t", "!t &a "]
"""What may come before a node."""
ENDS = ["*a", "[x]", "{x: y}", "[[x], {y: [z]}]", "*b", "x", "x", "x"]
"""What may end a chain: an alias, flow collections, a scalar."""
SAMPLES = 4000
FORMS = ["seq-compact", "seq-next", "map-seq", "map-map", "explicit", "question"]


def _chain(rng: random.Random, depth: int) -> str:
    """A valid-looking chain of ``depth`` nested block collections, each nested as little
    to the right as the form allows, in forms picked at random; sometimes with a property or
    flow collection where a node begins."""
    lines: list[str] = []
    line, col = "", 0  # the line being written; the column the next node begins at
    for _ in range(depth):
        if rng.random() < 0.03:
            line += " " * (col - len(line)) + rng.choice(PROPERTIES)
            col = len(line)
        form = rng.choices(FORMS, weights=[1, 4, 4, 2, 1, 1])[0]  # mostly the tightest forms
        if lines and lines[-1].endswith("k:") and not line and col == len(lines[-1]) - 2:
            form = rng.choice(FORMS[:2])  # what begins at a mapping's column is a sequence
        pad = " " * (col - len(line)) if len(line) <= col else None
        if pad is None:
            lines.append(line)
            line, pad = "", " " * col
        if form == "seq-compact":
            line += pad + "- "
            col = len(line)
        elif form == "seq-next":
            lines.append(line + pad + "-")
            line, col = "", col + rng.choice([1, 1, 1, 2])
        elif form == "map-seq":  # a sequence that is a mapping's value may begin at its column
            lines.append(line + pad + "k:")
            line = ""
        elif form == "map-map":
            lines.append(line + pad + "k:")
            line, col = "", col + rng.choice([1, 2])
        elif form == "explicit":  # an explicit key's value: compact sequences may follow its ':'
            lines.append(line + pad + "? k")
            line = " " * col + ": "
            col = len(line)
        else:
            line += pad + "? "
            col = len(line)
    end = rng.choice(ENDS)
    if line.strip():
        line += " " * (col - len(line)) + end
    else:
        line = " " * (col + 1) + end  # more indented than a mapping's key
    lines.append(line)
    return "\n".join(lines) + "\n"


def _soup(rng: random.Random) -> str:
    parts = ["- ", "-", "? ", ": ", ":", "\n", " ", "  ", "\t", "k", "a b", "[", "]", "{", "}", ","]
    parts += ["&x ", "*x", "!t ", "#", "|", ">", '"', "'", "\ufeff", "\r", "---", "\u2028", "x: y\n"]
    return "".join(rng.choice(parts) for _ in range(rng.randint(1, 40)))


def _answer(text: str) -> tuple[bool, list[str]]:
    report = Report()
    return yamlio.check_limits(text, "f.yml", report), [p.format() for p in report.problems]


@pytest.fixture
def reference(monkeypatch):
    """What ``check_limits`` answers by parsing alone."""

    def answer(text: str) -> tuple[bool, list[str]]:
        with monkeypatch.context() as m:
            m.setattr(yamlio, "_plainly_safe", lambda _text: False)
            return _answer(text)

    return answer


def test_tight_nesting_is_never_cleared_unparsed(reference) -> None:
    rng = random.Random(20261202)
    deep = cleared = 0
    for _ in range(SAMPLES):
        text = _chain(rng, rng.randint(4, yamlio.MAX_DEPTH + 4))
        want = reference(text)
        assert _answer(text) == want, text
        if yamlio._plainly_safe(text):
            cleared += 1
            assert want == (True, []), text
        elif not want[0] and "nested more than" in want[1][0]:
            deep += 1
    assert deep > SAMPLES // 20 and cleared > SAMPLES // 20  # both sides of the limit were tried


def test_the_tightest_forms_reach_the_column_the_shortcut_assumes() -> None:
    """Block collections nested ``MAX_DEPTH`` + 1 deep, as tightly as YAML allows: the last
    begins at column ``MAX_DEPTH // 2``, on a line the shortcut leaves to parsing."""
    n = yamlio.MAX_DEPTH + 1
    tight = (
        "".join(" " * (i // 2) + ("k:" if i % 2 == 0 else "-") + "\n" for i in range(n)) + " " * (n // 2 + 1) + "x\n"
    )
    depth = max_depth = 0
    for event in yaml.parse(tight, Loader=yamlio._Loader):
        depth += isinstance(event, yamlio._OPEN) - isinstance(event, yamlio._CLOSE)
        max_depth = max(max_depth, depth)
    assert max_depth == n
    assert not yamlio._plainly_safe(tight)
    assert not _answer(tight)[0]


def test_random_text_gets_the_same_answer(reference) -> None:
    rng = random.Random(7)
    for _ in range(SAMPLES):
        text = _soup(rng)
        assert _answer(text) == reference(text), repr(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\n",
        "a:\n- *x\n",
        "a: !t &x 1\n",
        "\ufeff[[[1]]]\n",
        "a: b\r[[[1]]]\n",
        "k:[a]\n",
        "k: |\n      the block's first line\n  [[x]]\n",  # is more indented: the block ends above
        "k: |9\n  *a\n",  # an indentation digit
        "k: # |\n  [x]\n",  # a comment
        "- k: |\n  *a\n",  # not more indented than the mapping
        "k: |\n\t\n  *a\n",  # a tab
        "k: >\n  text\n  \n" + "  text\n" * yamlio.MAX_LOOK_BACK + "  *a\n",  # too far up
        "- [a]\n",
        "a: 1\n  {b: 2}\n",
    ],
)
def test_what_may_begin_a_node_is_left_to_parsing(text: str) -> None:
    assert not yamlio._plainly_safe(text)


@pytest.mark.parametrize(
    "text",
    [
        "k: |\n  *emphasis*\n",
        "k: >-\n  one\n\n  [a link](https://example.org) and: *this*\n",
        "- body: >\n    text\n      [x] more indented\n",
        "notes:\n  - id: a\n    body: |\n      - *a list* in Markdown\n      - [and a link]\n",
    ],
)
def test_markdown_in_a_block_scalar_is_cleared_unparsed(text: str) -> None:
    assert yamlio._plainly_safe(text) and _answer(text) == (True, [])


def test_block_scalars_get_the_same_answer(reference) -> None:
    """Lines that begin with what may begin a node (deeply nested flow collections among
    them), at every indentation, under block scalar indicators and lines that look like them."""
    rng = random.Random(11)
    heads = ["k: |", "k: >-", "- k: |", "  k: |+", "k: |2", "k: # |", "k: a |", "- |", "? |", ": >", "k: '|", "k:"]
    deep = "[" * 25 + "x" + "]" * 25
    starts = [deep, deep + ": v", "*a", "&a x", "!t x", "text", "k: v", "- x", "{a: [b]}", "", "#"]
    for _ in range(SAMPLES):
        lines = []
        for _ in range(rng.randint(1, 3)):
            lines.append(" " * rng.randint(0, 3) + rng.choice(heads))
            for _ in range(rng.randint(0, 4)):
                lines.append(" " * rng.randint(0, 6) + rng.choice(starts))
        text = "\n".join(lines) + "\n"
        assert _answer(text) == reference(text), text


def test_most_of_the_project_s_files_are_cleared_unparsed(reference) -> None:
    files = sorted((ROOT / "annotations").rglob("*.yml"))
    cleared = [f for f in files if yamlio._plainly_safe(f.read_text(encoding="utf-8"))]
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert _answer(text) == reference(text) == (True, []), f
    notes = [f for f in files if f.parent.name == "notes"]
    assert len([f for f in cleared if f in notes]) >= len(notes) // 2, [Path(f).name for f in cleared]


@pytest.mark.parametrize("read", [yamlio.read, yamlio.compose])
def test_reading_refuses_what_the_c_composer_cannot_take(read) -> None:
    """:func:`yamlio.read` and :func:`yamlio.compose` use libyaml, whose composer recurses in C
    (100,000 nested lists crash the process): they check the limits first."""
    with pytest.raises(yamlio.LimitError, match=r"^bulk\.yml:1:"):
        read("[" * 100_000 + "]" * 100_000, "bulk.yml")
    with pytest.raises(yamlio.LimitError, match="alias"):
        read("a: &x [1]\nb: *x\n", "aliases.yml")
    assert read("a: [1, {b: c}]\n") is not None


def test_read_tree_gives_what_compose_and_safe_load_give() -> None:
    """One parse for both: the node tree of :func:`yamlio.compose` and the data of ``yaml.safe_load``."""
    for path in sorted((ROOT / "annotations").rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        node, data = yamlio.read_tree(text, path.name)
        assert data == yaml.safe_load(text), path
        assert node is not None and node.start_mark.line == yaml.compose(text).start_mark.line
    assert yamlio.read_tree("") == (None, None)
