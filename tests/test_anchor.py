"""Anchoring: every outcome (exact, disambiguated, ambiguous, fuzzy with warning, missing),
with the exact text a contributor sees."""

from __future__ import annotations

import pytest

from build_tools.anchor import FUZZY_THRESHOLD, DocIndex, NameIndex, anchor_selector, char_diff, find_mentions
from build_tools.errors import Origin, Report
from build_tools.ingest import ingest_text
from build_tools.model import GlossaryEntry, Position, Selector, Status
from build_tools.textnorm import normalize

from .conftest import make_source

TEXT = """# A title

The minister said China–Russia ties are based on *non-alliance* and “non-confrontation”.

Later the minister said China would stay neutral. The minister said nothing else.

A second paragraph starts here and the minister said more.
"""
ORIGIN = Origin("annotations/notes/t.yml", 7, 12)


@pytest.fixture(scope="module")
def index() -> DocIndex:
    return DocIndex.build(ingest_text(TEXT, make_source("markdown", file="sources/t.md"), outlet=None, report=Report()))


def anchor(index: DocIndex, quote: str, prefix: str = "", suffix: str = ""):
    report = Report()
    a = anchor_selector(
        Selector("t", quote, prefix, suffix, ORIGIN), index, annotation="n1", kind="note", passage=0, report=report
    )
    return a, report.render()


def test_exact_match_across_inline_formatting_and_quote_styles(index):
    a, out = anchor(index, 'based on non-alliance and "non-confrontation"')
    assert out == ""
    assert a.status is Status.EXACT
    assert (a.start, a.end) == (Position("p-1", 40), Position("p-1", 85))
    assert a.text == "based on non-alliance and “non-confrontation”"  # as the source has it


def test_match_spanning_adjacent_blocks(index):
    a, out = anchor(index, 'non-confrontation". Later the minister')
    assert out == ""
    assert (a.status, a.start, a.end) == (Status.EXACT, Position("p-1", 67), Position("p-2", 18))


def test_prefix_disambiguates(index):
    a, out = anchor(index, "the minister said", prefix="Later")
    assert (out, a.status, a.start) == ("", Status.EXACT, Position("p-2", 6))


def test_suffix_disambiguates(index):
    a, out = anchor(index, "the minister said", suffix="more")
    assert (out, a.status, a.start) == ("", Status.EXACT, Position("p-3", 35))


def test_ambiguous_quote_lists_every_candidate_with_the_prefix_that_singles_it_out(index):
    a, out = anchor(index, "the minister said")
    assert a.status is Status.AMBIGUOUS
    assert [(c.start.block, c.prefix) for c in a.candidates] == [("p-2", "Later "), ("p-3", "and ")]
    assert out == (
        "annotations/notes/t.yml:7:12: error: quote \"the minister said\" is ambiguous: it occurs 2 times in source 't'\n"
        '    p-2: …nd "non-confrontation". Later «the minister said» China would stay neutral. The…  → prefix: "Later "\n'
        '    p-3: …ond paragraph starts here and «the minister said» more.  → prefix: "and "\n'
        "    hint: add the prefix or suffix shown for the place you mean, or quote a longer passage"
    )


def test_prefix_that_matches_no_occurrence(index):
    a, out = anchor(index, "the minister said", prefix="Earlier")
    assert a.status is Status.MISSING
    assert out == (
        "annotations/notes/t.yml:7:12: error: quote \"the minister said\" occurs 2 times in source 't', "
        'but never with prefix "Earlier"\n'
        '    p-2: …nd "non-confrontation". Later «the minister said» China would stay neutral. The…\n'
        "    p-3: …ond paragraph starts here and «the minister said» more.\n"
        "    hint: correct the prefix/suffix to the text just before/after the quote, or remove it"
    )


def test_fuzzy_match_anchors_with_a_warning_and_a_diff(index):
    a, out = anchor(index, "based on non-aliance and")
    assert a.status is Status.FUZZY and a.similarity >= FUZZY_THRESHOLD
    assert (a.start, a.end, a.text) == (Position("p-1", 40), Position("p-1", 65), "based on non-alliance and")
    assert out == (
        'annotations/notes/t.yml:7:12: warning: quote "based on non-aliance and" matched approximately '
        "(98% similar) in p-1 of source 't'\n"
        '    source: "based on non-alliance and"\n'
        "    diff:   based on non-al{+l+}iance and\n"
        "    hint: copy the passage exactly from the source to silence this warning"
    )


def test_missing_quote_is_an_error_naming_the_closest_passage(index):
    a, out = anchor(index, "the envoy said China would stay impartial")
    assert a.status is Status.MISSING and a.start is None
    first = out.splitlines()[0]
    assert first == (
        'annotations/notes/t.yml:7:12: error: quote "the envoy said China would stay impartial" not found in '
        "source 't'; closest passage (75% similar) in p-2: \"the minister said China would stay neutral\""
    )
    assert out.splitlines()[-1] == (
        "    hint: copy the passage exactly from the source (below 90% similarity nothing is anchored)"
    )


def test_missing_real_quote_in_newsweek(corpus):
    """The example of STYLE.md: a misspelt quote in a real source."""
    index = DocIndex.build(corpus.docs["newsweek-2022-02-28-not-allies"])
    report = Report()
    sel = Selector(
        "newsweek-2022-02-28-not-allies", "relations are based on non-aliance, non-confrontation", origin=ORIGIN
    )
    a = anchor_selector(sel, index, annotation="x", kind="note", passage=0, report=report)
    assert a.status is Status.FUZZY and a.start.block == "p-5"
    assert report.render().splitlines()[0] == (
        'annotations/notes/t.yml:7:12: warning: quote "relations are based on non-aliance, non-confrontation" '
        "matched approximately (99% similar) in p-5 of source 'newsweek-2022-02-28-not-allies'"
    )


def test_char_diff():
    assert char_diff("non-aliance", "non-alliance") == "non-al{+l+}iance"
    assert char_diff("colour", "color") == "colo[-u-]r"


@pytest.mark.parametrize(
    ("source_text", "typed"),
    [
        ("“no limits”", '"no limits"'),
        ("China–Russia — ties", "China-Russia - ties"),
        ("a\u00a0b  c\n d", "a b c d"),
        ("co\u00adoperate", "cooperate"),
        ("Cafe\u0301", "Café"),
        ("wait…", "wait..."),
    ],
)
def test_normalisation_folds_what_typists_cannot_see(source_text, typed):
    assert normalize(source_text).text == normalize(typed).text


def test_normalised_offsets_map_back_to_the_original():
    n = normalize("  say “hi”\u00a0— now…")
    assert n.text == 'say "hi" - now...'
    start, end = n.original_span(4, 8)
    assert "  say “hi”\u00a0— now…"[start:end] == "“hi”"


def test_glossary_mentions_whole_words_longest_first():
    doc = ingest_text(
        "Title line here\n\nChiang Kai-shek met Chiang. Wang Wengbin’s remarks; Wangara is not Wang.\n",
        make_source("text"),
        outlet=None,
        report=Report(),
    )
    entries = [
        GlossaryEntry("chiang", "Chiang Kai-shek", "person", ("Chiang",), "d", "", (), (), ORIGIN),
        GlossaryEntry("wang", "Wang Wenbin", "person", ("Wang Wengbin", "Wang"), "d", "", (), (), ORIGIN),
    ]
    mentions = find_mentions(doc, DocIndex.build(doc), NameIndex.build(entries))
    assert [(m.annotation, m.text) for m in mentions] == [
        ("chiang", "Chiang Kai-shek"),
        ("chiang", "Chiang"),
        ("wang", "Wang Wengbin"),
        ("wang", "Wang"),
    ]
