"""Anchoring: every outcome (exact, disambiguated, ambiguous, fuzzy with warning, missing),
with the exact text a contributor sees."""

from __future__ import annotations

import pytest

from build_tools.errors import Origin, Report
from build_tools.model import GlossaryEntry, Position, Selector, Status
from build_tools.placement import FUZZY_THRESHOLD, char_diff, shortest_context
from build_tools.stages.anchor import DocIndex, NameIndex, anchor_selector, find_mentions
from build_tools.stages.ingest import ingest_text
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


# --------------------------------------------------------------------------- approximate matching (issue 8)


def anchor_text(text: str, quote: str, prefix: str = "", suffix: str = ""):
    idx = DocIndex.build(ingest_text(text, make_source("text"), outlet=None, report=Report()))
    return anchor(idx, quote, prefix, suffix)


ENVOY = (
    "Early on, the envoy said that the talks were going well for both sides of the table.\n\n"
    "Later the envoy said the talks went well for both sides, and he left Moscow.\n"
)


def test_fuzzy_uses_the_suffix_over_a_more_similar_copy_elsewhere():
    a, out = anchor_text(
        ENVOY, "the envoy said the talks were going well for both sides", suffix=", and he left Moscow"
    )
    assert (a.status, a.start, a.end) == (Status.FUZZY, Position("p-2", 6), Position("p-2", 55))
    assert out == (
        'annotations/notes/t.yml:7:12: warning: quote "the envoy said the talks were going well for both sides" '
        "matched approximately (92% similar) in p-2 of source 't'\n"
        '    source: "the envoy said the talks went well for both sides"\n'
        "    diff:   the envoy said the talks we[-re goi-]n[-g-]{+t+} well for both sides\n"
        "    hint: copy the passage exactly from the source to silence this warning"
    )


def test_two_approximate_places_about_equally_good_are_an_error_not_a_guess():
    a, out = anchor_text(ENVOY, "the envoy said the talks were going well for both sides")
    assert a.status is Status.AMBIGUOUS and a.start is None
    assert out == (
        'annotations/notes/t.yml:7:12: error: quote "the envoy said the talks were going well for both sides" '
        "matches approximately in 2 places about equally well in source 't'\n"
        "    p-1: Early on, «the envoy said that the talks were going well for both sides» of the table. "
        "Later the envoy…  (96% similar)\n"
        "    p-2: …oth sides of the table. Later «the envoy said the talks went well for both sides», "
        "and he left Moscow.  (92% similar)\n"
        "    hint: copy the passage you mean exactly from the source, with a prefix or suffix if it repeats"
    )


def test_equal_scores_are_not_decided_by_search_order():
    text = (
        "First the envoy said the talks were going well for both sides.\n\n"
        "Then the envoy said the talks were going well for both sides!\n"
    )
    a, _ = anchor_text(text, "the envoy said the talks were going so well for both sides")
    assert a.status is Status.AMBIGUOUS
    assert [c.start for c in a.candidates] == [Position("p-1", 6), Position("p-2", 5)]


def test_fuzzy_window_does_not_spill_into_the_next_block():
    text = "The council approved the new bridge over the river\n\nCritics walked out.\n"
    a, out = anchor_text(text, "The council approved the new bridge over the river Avon")
    assert (a.status, a.start, a.end) == (Status.FUZZY, Position("title", 0), Position("title", 50))
    assert out.splitlines()[1] == '    source: "The council approved the new bridge over the river"'


def test_exact_quote_whose_context_changed_is_placed_with_a_warning():
    text = "Officials said the cost was too high for a town of its size and walked out.\n\nNothing else happened.\n"
    a, out = anchor_text(text, "the cost was too high for a town", prefix="Critics said ", suffix=" of this size")
    assert (a.status, a.start, a.end) == (Status.FUZZY, Position("p-1", 15), Position("p-1", 47))
    assert out == (
        'annotations/notes/t.yml:7:12: warning: quote "the cost was too high for a town" found in p-1 of '
        "source 't', but the text around it has changed\n"
        "    source: Officials said «the cost was too high for a town» of its size and walked out. N…\n"
        "    context: prefix 70% similar, suffix 87% similar\n"
        "    hint: update the prefix/suffix to the text now around the quote (`anchors --fix` can do it)"
    )


def test_a_prefix_that_no_longer_reads_keeps_the_quote_off_the_other_occurrence():
    text = "Critics said the price was too high. They said the cost was too high for a town of its size.\n"
    a, out = anchor_text(text, "the cost was too high", prefix="Critics said ")
    assert a.status is Status.MISSING and a.start is None
    assert out.splitlines()[0] == (
        "annotations/notes/t.yml:7:12: error: quote \"the cost was too high\" occurs 1 time in source 't', "
        'but never with prefix "Critics said "'
    )


def test_approximate_match_whose_context_is_gone_is_an_error():
    text = "Nobody doubted that the council approved the new bridge over the river last Tuesday.\n"
    a, out = anchor_text(
        text, "the council approved the new bridge over the river Avon", prefix="In May, ", suffix=" after a vote"
    )
    assert a.status is Status.MISSING
    assert out == (
        'annotations/notes/t.yml:7:12: error: quote "the council approved the new bridge over the river Avon" '
        "matches approximately (95% similar) in p-1 of source 't', but neither its prefix nor its suffix reads there\n"
        "    source: Nobody doubted that «the council approved the new bridge over the river» last Tuesday.\n"
        "    diff:   the council approved the new bridge over the river[- Avon-]\n"
        "    context: prefix 33% similar, suffix 40% similar\n"
        "    hint: check that this is the passage you mean, then copy it and the text around it exactly"
    )


CLASS = (
    'She said the girls should "try showing a little class," and posted it.\n\n'
    "If you are part of the family, try showing a little class. At least they tried.\n"
)


def test_ambiguous_message_shows_context_as_valid_yaml_with_a_whole_word():
    a, out = anchor_text(CLASS, "try showing a little class")
    assert out.splitlines()[1:3] == [
        '    p-1: She said the girls should "«try showing a little class»," and posted it. If you are p…  '
        '→ suffix: ",\\" and"',
        '    p-2: …f you are part of the family, «try showing a little class». At least they tried.  → suffix: ". At"',
    ]
    for c in a.candidates:
        assert c.prefix.strip() and any(ch.isalnum() for ch in c.prefix)
        assert any(ch.isalnum() for ch in c.suffix)


@pytest.mark.parametrize("occurrence", [1, 2])
def test_place_quote_singles_out_an_occurrence_next_to_punctuation(occurrence):
    from build_tools.contrib.add import place_quote

    doc = ingest_text(CLASS, make_source("text"), outlet=None, report=Report())
    place = place_quote(doc, "try showing a little class", occurrence=occurrence)
    a, out = anchor(DocIndex.build(doc), place.quote, place.prefix, place.suffix)
    assert (out, a.status, a.start.block) == ("", Status.EXACT, f"p-{occurrence}")


def test_shortest_context_is_never_only_spaces_or_punctuation():
    text = 'a "x" b x c'
    spans = [(3, 4), (8, 9)]
    assert shortest_context(text, spans, 0) == ('a "', '" b')
    assert shortest_context(text, spans, 1) == ("b ", " c")


def test_shortened_passage_at_a_paragraph_end_does_not_take_the_next_paragraphs_first_word():
    text = (
        "Title here\n\nAt the meeting the mayor said that the vote on the bridge would come next week.\n\n"
        "Others disagreed with him.\n"
    )
    a, out = anchor_text(text, "the mayor said that the vote on the new bridge would come next week.")
    assert (a.status, a.start, a.end) == (Status.FUZZY, Position("p-1", 15), Position("p-1", 79))
    assert out.splitlines()[1:3] == [
        '    source: "the mayor said that the vote on the bridge would come next week."',
        "    diff:   the mayor said that the vote on the [-new -]bridge would come next week.",
    ]


def test_a_passage_just_below_the_threshold_is_not_shown_as_reaching_it():
    text = "Title here\n\nThe mayor said that the vote would come next week.\n\nOthers disagreed with him.\n"
    a, out = anchor_text(text, "the vote would surely come next week.")
    assert a.status is Status.MISSING and a.similarity < FUZZY_THRESHOLD
    assert out.splitlines()[0] == (
        'annotations/notes/t.yml:7:12: error: quote "the vote would surely come next week." not found in source '
        "'t'; closest passage (89% similar) in p-1: \"the vote would come next week.\""
    )
