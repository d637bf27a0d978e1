"""The one quote-placement result (build_tools/placement.py): every status and case, the
candidates with their shortest prefix/suffix, and advice that names only what the asker has."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_tools.errors import Origin, Report, Severity
from build_tools.model import Position, Status
from build_tools.placement import Asker, Why, drift_details, place, problem, refusal
from build_tools.stages.anchor import DocIndex
from build_tools.stages.ingest import ingest_text

from .conftest import make_source
from .test_anchor import TEXT
from .test_contrib_broken import make_case
from .test_contrib_commands import CO, run

TWICE = (
    "Title here\n\nThe council said the new bridge would cost twelve million euros in total.\n\n"
    "Later the council said the new bridge would cost twelve million euros in total.\n"
)


@pytest.fixture(scope="module")
def index() -> DocIndex:
    return DocIndex.build(ingest_text(TEXT, make_source("markdown", file="sources/t.md"), outlet=None, report=Report()))


@pytest.fixture(scope="module")
def twice() -> DocIndex:
    return DocIndex.build(ingest_text(TWICE, make_source("text"), outlet=None, report=Report()))


def test_exact_has_its_place_and_no_problem(index: DocIndex) -> None:
    r = place(index, "the minister said", prefix="Later")
    assert (r.status, r.why, r.placed, r.similarity) == (Status.EXACT, Why.EXACT, True, 100.0)
    assert (r.start, r.end, r.text, r.candidates) == (Position("p-2", 6), Position("p-2", 23), "the minister said", ())
    assert problem(r, Origin("x")) is None


def test_repeated_lists_each_place_with_its_shortest_prefix_and_suffix(index: DocIndex) -> None:
    r = place(index, "the minister said")
    assert (r.status, r.why, r.placed) == (Status.AMBIGUOUS, Why.REPEATED, False)
    assert len(r.spans) == 2
    assert [(c.start.block, c.prefix, c.suffix, c.similarity) for c in r.candidates] == [
        ("p-2", "Later ", " China", 100.0),
        ("p-3", "and ", " more", 100.0),
    ]
    p = problem(r, Origin("x"))
    assert p is not None and (p.severity, p.code) == (Severity.ERROR, "quote-ambiguous")
    assert [d.rsplit("→ ", 1)[1] for d in p.details] == ['prefix: "Later "', 'prefix: "and "']


def test_fuzzy_is_placed_with_its_score_and_diff(index: DocIndex) -> None:
    r = place(index, "based on non-aliance and")
    assert (r.status, r.why, r.placed, r.similarity) == (Status.FUZZY, Why.APPROXIMATE, True, 98.0)
    assert (r.start, r.text, r.diff) == (
        Position("p-1", 40),
        "based on non-alliance and",
        "based on non-al{+l+}iance and",
    )
    assert problem(r, Origin("x")).severity is Severity.WARNING


def test_fuzzy_where_only_the_context_changed(index: DocIndex) -> None:
    r = place(index, "China would stay neutral", prefix="Later the ministers sai")
    assert (r.status, r.why, r.similarity, r.start.block) == (Status.FUZZY, Why.CONTEXT_CHANGED, 100.0, "p-2")
    assert "`anchors --fix` can do it" in problem(r, Origin("x")).hint


@pytest.mark.parametrize(
    ("args", "why", "code"),
    [
        (("",), Why.EMPTY, "quote-missing"),
        (("the minister said", "Earlier"), Why.CONTEXT_MISMATCH, "quote-context-mismatch"),
        ((" ".join(["zebra quagga okapi"] * 20),), Why.NO_WORDS, "quote-missing"),
        (("China would stay neutrall", "completely different words here", "and another tail"), Why.CONTEXT_LOST, ""),
        (("the envoy said China would stay impartial",), Why.BELOW, "quote-missing"),
    ],
)
def test_missing_cases(index: DocIndex, args: tuple[str, ...], why: Why, code: str) -> None:
    r = place(index, *args)
    assert (r.status, r.why, r.placed, r.start) == (Status.MISSING, why, False, None)
    p = problem(r, Origin("x"))
    assert p is not None and p.severity is Severity.ERROR and p.code == (code or "quote-missing")


def test_missing_cases_keep_their_closest_passage(index: DocIndex) -> None:
    mismatch = place(index, "the minister said", prefix="Earlier")
    assert [c.start.block for c in mismatch.candidates] == ["p-2", "p-3"] and len(mismatch.spans) == 2
    below = place(index, "the envoy said China would stay impartial")
    assert (below.candidates[0].start.block, below.similarity) == ("p-2", 74.7)
    assert below.diff == "the {+minist+}e[-nvoy-]{+r+} said China would stay [-impa-]{+neut+}r[-ti-]al"


def test_rivals_are_ambiguous_without_a_place(twice: DocIndex) -> None:
    r = place(twice, "the new bridg would cost twelve million euros")
    assert (r.status, r.why, r.spans, r.start) == (Status.AMBIGUOUS, Why.RIVALS, (), None)
    assert [c.start.block for c in r.candidates] == ["p-1", "p-2"]
    assert drift_details(r, "x")[0] == "the quote now matches 2 places about equally well:"


@pytest.mark.parametrize(
    ("asker", "which", "out_of_range"),
    [
        (Asker.NOTE_ADD, "say which with --occurrence N:", "(--occurrence 5 is out of range)"),
        (Asker.NOTE_FILE, "say which in the row's occurrence field:", "(occurrence 5 is out of range)"),
        (Asker.CROSSREF_ADD, 'say which with t#N:"the new bridge":', "(t#5 is out of range)"),
        (Asker.IMPORT, "say which with a prefix or suffix in its TextQuoteSelector:", "(occurrence 5 is out of range)"),
    ],
)
def test_refusal_names_only_the_askers_own_syntax(twice: DocIndex, asker: Asker, which: str, out_of_range: str):
    r = place(twice, "the new bridge")
    text = refusal(r, asker)
    assert text.splitlines()[0].endswith(which)
    assert text.splitlines()[1].startswith("    1. p-1: ") and text.endswith("    hint: or quote a longer passage")
    assert out_of_range in refusal(r, asker, 5)
    if asker is not Asker.NOTE_ADD:
        assert "--occurrence" not in text + refusal(r, asker, 5)


def test_note_add_from_file_advises_the_rows_occurrence_field_not_an_option(tmp_path: Path, capsys) -> None:
    """The bug of issue 13: advice named `--occurrence`, which a notes file has no use for."""
    base = make_case(None, tmp_path / "base")
    notes = tmp_path / "notes.csv"
    rows = f"{CO},the cost was too high,x,\n{CO},the cost was too high,x,7\n"
    notes.write_text("source,quote,body,occurrence\n" + rows, encoding="utf-8")
    status, _, err = run(base, capsys, "note", "add", "--from-file", str(notes))
    assert status == 1
    assert f"{notes}:2: quote \"the cost was too high\" occurs 2 times in source '{CO}'; " in err
    assert "say which in the row's occurrence field:\n" in err
    assert (
        f"{notes}:3: quote \"the cost was too high\" occurs 2 times in source '{CO}' (occurrence 7 is out of range)"
        in err
    )
    assert "--occurrence" not in err
