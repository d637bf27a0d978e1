"""The anchor cache's entries: a warm run gives exactly what a run without the cache gives,
for exact, fuzzy, ambiguous and missing quotes and for the glossary mentions, placements
included; an entry that does not rebuild is anchored again."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from build_tools import cache
from build_tools.model import Anchor, Position, Status
from build_tools.pipeline import Corpus, RunState, load_corpus, run_stages
from build_tools.placement import QuotePlacement, Why
from build_tools.stages import anchor
from build_tools.stages.render.context import SiteContext

from .test_contrib_broken import make_case

GAZETTE = Path("annotations/notes/gazette-2024-05-02-bridge.yml")
COURIER = Path("annotations/notes/courier-2024-05-03-bridge-vote.yml")

NOTES = {
    GAZETTE: [
        ("gz-exact", "The bridge will cost 12 million euros.", ""),
        ("gz-curly", "the bridge \u201cwill join the two halves of the town\u201d", ""),  # the source's text differs
        ("gz-spaces", "approved  the new   river bridge", ""),  # the normalised quote differs
        ("gz-blocks", "lasted four hours. The mayor said", ""),  # across two blocks
        ("gz-fuzzy", "The bridge will cost 12 milion euros.", ""),
        ("gz-missing", "The bridge will cost twenty million pounds sterling.", ""),
        ("gz-unrelated", "no such words anywhere near", ""),
    ],
    COURIER: [
        ("co-ambiguous", "the cost was too high", ""),
        ("co-mismatch", "the cost was too high", "Opponents said "),
        ("co-prefix", "the cost was too high", "Critics said "),
        ("co-end", "after four hours of debate.", ""),
    ],
}


def _notes_file(source: str, notes: list[tuple[str, str, str]]) -> str:
    out = ["# yaml-language-server: $schema=../schema/notes.schema.json", f"source: {source}", "notes:"]
    for note_id, quote, prefix in notes:
        out += [f"  - id: {note_id}", f"    quote: {quote!r}"]
        if prefix:
            out.append(f"    prefix: {prefix!r}")
        out += ["    from_texts: true", "    body: A note."]
    return "\n".join(out) + "\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = make_case(None, tmp_path / "base")
    for path, notes in NOTES.items():
        source = path.stem
        (base / path).write_text(_notes_file(source, notes), encoding="utf-8")
    return base


def _entries(root: Path) -> list[Path]:
    return sorted(p for p in (root / cache.CACHE_DIR / "anchor").rglob("*") if p.is_file())


def _assert_same(got: Corpus, want: Corpus) -> None:
    """The same anchoring and problems, and every anchor the same value for value and type for
    type, its placement (which ``==`` leaves out) included."""
    assert got.anchoring == want.anchoring
    assert got.report.problems == want.report.problems
    assert [str(p) for p in got.report.problems] == [str(p) for p in want.report.problems]
    for mine, theirs in zip(got.anchoring.anchors, want.anchoring.anchors, strict=True):
        assert mine.placement == theirs.placement
        assert anchor._same(mine, theirs), mine.annotation
    assert all(anchor._same(a, b) for a, b in zip(got.anchoring.mentions, want.anchoring.mentions, strict=True))


def test_warm_anchoring_is_the_cold_one(root: Path) -> None:
    cold = load_corpus(root, use_cache=False)
    statuses = {a.annotation: a.status for a in cold.anchoring.anchors}
    assert statuses["gz-curly"] is statuses["gz-blocks"] is statuses["co-prefix"] is Status.EXACT
    assert statuses["gz-fuzzy"] is Status.FUZZY and statuses["gz-missing"] is Status.MISSING
    assert statuses["co-ambiguous"] is Status.AMBIGUOUS and statuses["co-mismatch"] is Status.MISSING
    assert cold.anchoring.mentions and cold.report.problems
    first = load_corpus(root)
    entries = _entries(root)
    assert len(entries) == len(cold.docs)
    warm = load_corpus(root)
    assert _entries(root) == entries  # every source a hit
    _assert_same(first, cold)
    _assert_same(warm, cold)
    by_id = {a.annotation: a for a in warm.anchoring.anchors}
    notes = {n.id: n for n in warm.ann.notes}
    assert by_id["gz-curly"].text != notes["gz-curly"].selector.quote
    assert by_id["gz-blocks"].start.block != by_id["gz-blocks"].end.block


def test_exact_quotes_are_stored_as_plain_values(root: Path) -> None:
    """Exactly placed quotes and the mentions are stored as numbers and strings, the others as records."""
    load_corpus(root)
    store = cache.Cache(root, "anchor")
    kinds: list[str] = []
    for path in _entries(root):
        stored, spans = store.get(path.name)  # type: ignore[misc]
        assert all(type(v) in (int, str) for v in spans)
        kinds += ["short" if len(rec) == 8 else rec[0].placement.why.value for rec in stored]
    assert kinds.count("short") == 8  # six notes and the two passages of the cross-reference
    assert sorted(k for k in kinds if k != "short") == [
        "approximate",
        "below",
        "below",
        "context-mismatch",
        "repeated",
    ]


def test_a_short_form_that_would_not_rebuild_the_anchor_is_not_used(root: Path, monkeypatch) -> None:
    """An exact anchor that its short form would not give back is stored as it is."""
    real = anchor._exact

    def wrong(*args: object) -> tuple[Anchor, tuple]:
        found, problems = real(*args)  # type: ignore[arg-type]
        return Anchor(**{**{f: getattr(found, f) for f in found.__slots__}, "similarity": 100}), problems

    monkeypatch.setattr(anchor, "_exact", wrong)  # 100 == 100.0: only the type differs
    load_corpus(root)
    store = cache.Cache(root, "anchor")
    assert all(len(rec) == 2 for path in _entries(root) for rec in store.get(path.name)[0])  # type: ignore[index]
    monkeypatch.undo()
    _assert_same(load_corpus(root), load_corpus(root, use_cache=False))


@pytest.mark.parametrize(
    "damage",
    [
        lambda stored, spans: ([], spans),  # too few records
        lambda stored, spans: (stored, (*spans, 0)),  # a mention cut short
        lambda stored, spans: (stored, (-1, 0, 1, "westport", *spans)),  # no such block
        lambda stored, spans: (stored, (*spans, 10**6, 0, 1, "westport")),  # past the last block
        lambda stored, spans: (stored, (0, "0", 1, "westport", *spans)),  # an offset that is not a number
        lambda stored, spans: (stored, (*spans, 0, 0, 1, 7)),  # an entry id that is not one
        lambda stored, spans: (stored, list(spans)),  # not the tuple stored
        lambda stored, spans: ([(0, 1, 99, 0, 0, 1, None, None) for _ in stored], spans),
        lambda stored, spans: ([(rec[1], rec[0]) if len(rec) == 2 else rec for rec in stored], spans),
        lambda stored, spans: 42,
    ],
)
def test_an_entry_that_does_not_rebuild_is_anchored_again(root: Path, damage) -> None:
    cold = load_corpus(root, use_cache=False)
    load_corpus(root)
    store = cache.Cache(root, "anchor")
    for path in _entries(root):
        store.put(path.name, damage(*store.get(path.name)))  # type: ignore[misc]
    again = load_corpus(root)
    _assert_same(again, cold)
    _assert_same(load_corpus(root), cold)  # rewritten: valid again


def test_a_note_on_another_line_is_placed_again(root: Path) -> None:
    """The lines of the quotes are in the key: a warning names the line it is on now."""
    before = load_corpus(root)
    path = root / GAZETTE
    path.write_text("# a comment\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    warm = load_corpus(root)
    cold = load_corpus(root, use_cache=False)
    _assert_same(warm, cold)
    fuzzy = [p.origin.line for c in (before, warm) for p in c.report.problems if p.code == "quote-fuzzy"]
    assert fuzzy[1] == fuzzy[0] + 1


def test_the_request_key_is_the_values_not_the_objects() -> None:
    from build_tools.errors import Origin
    from build_tools.model import Selector

    def requests(path: str) -> list[anchor.Request]:
        return [(Selector("s", "q", "", "", Origin(path, 3, 4)), "n", "note", 0)] * 2

    shared = requests("a.yml")
    apart = requests("a.yml")
    apart[1] = (Selector("s", "q", "", "", Origin("".join(["a", ".yml"]), 3, 4)), "n", "note", 0)
    assert anchor._requests_bytes(shared) == anchor._requests_bytes(apart)
    assert anchor._requests_bytes(requests("a.yml")) != anchor._requests_bytes(requests("b.yml"))
    moved = [(Selector("s", "q", "", "", Origin("a.yml", 3, 5)), "n", "note", 0)] * 2
    assert anchor._requests_bytes(moved) != anchor._requests_bytes(shared)


def test_a_record_maker_makes_what_the_class_makes() -> None:
    make = cache.maker(Position)
    assert make is not Position
    made = make("p-1", 3)
    assert type(made) is Position and made == Position("p-1", 3) and hash(made) == hash(Position("p-1", 3))
    placement = cache.maker(QuotePlacement)(
        Status.EXACT, Why.EXACT, "s", ("q", "", ""), "q", (), None, None, "", 100.0, (), None, ""
    )
    assert placement == QuotePlacement(Status.EXACT, Why.EXACT, "s", ("q", "", ""), "q")
    with pytest.raises(TypeError):  # the maker takes every field, defaults or not
        cache.maker(QuotePlacement)(Status.EXACT, Why.EXACT, "s", ("q", "", ""), "q")
    assert cache.maker(dict) is dict  # not a frozen, slotted dataclass: the class itself


def test_mentions_are_the_records_the_keywords_make(root: Path) -> None:
    """The mentions (made from plain values, cold or warm) are the anchors the fields' names give."""
    corpus = load_corpus(root, use_cache=False)
    names = anchor.NameIndex.build(corpus.ann.glossary.values())
    for doc in corpus.docs.values():
        index = anchor.DocIndex.build(doc)
        want = [
            Anchor(
                annotation=entry_id,
                kind="glossary",
                source=doc.source_id,
                selector=None,
                status=Status.EXACT,
                start=Position(block.id, a),
                end=Position(block.id, b),
                text=block.text[a:b],
            )
            for i, block in enumerate(doc.blocks)
            for s, e, entry_id in names.find(index.norms[i].text)
            for a, b in [index.norms[i].original_span(s, e)]
        ]
        got = anchor.find_mentions(doc, index, names)
        assert want and anchor._same(got, want)


def test_same_is_strict_where_equality_is_not() -> None:
    """``_same`` compares the fields ``==`` leaves out, and the types of equal values."""
    base = Anchor("n", "note", "s", None, Status.EXACT, Position("p1", 0), Position("p1", 3), "abc")
    placement = QuotePlacement(Status.EXACT, Why.EXACT, "s", ("abc", "", ""), "abc", ((0, 3),))
    placed = dataclasses.replace(base, placement=placement)
    assert placed == base and not anchor._same(placed, base)  # the placement is left out of ==
    assert anchor._same(placed, dataclasses.replace(base, placement=dataclasses.replace(placement)))
    assert 1 == 1.0 and not anchor._same((base, 1), (base, 1.0))
    assert anchor._same([base, (1, "x")], [base, (1, "x")]) and not anchor._same([base], (base,))
    assert not anchor._same((base,), (base, base))


def _made(corpus_mentions: anchor.Mentions) -> set[str]:
    """The sources whose mentions have been made into anchors."""
    return {sid for sid, found in corpus_mentions.by_source.items() if found._built is not None}  # type: ignore[attr-defined]


def test_the_mentions_are_made_into_anchors_only_where_read(root: Path) -> None:
    """Loading and checking the corpus from the cache makes no mention into an anchor; what
    the renderers ask of them without the anchors (the entries of a source, the sources of an
    entry, how many) is what the anchors say; an entry's mentions make only its sources'."""
    glossary = root / "annotations/glossary/places.yml"
    bank = "  - id: regional-bank\n    name: regional bank\n    kind: organisation\n"
    bank += "    description: A bank the Gazette names.\n    from_texts: true\n"
    glossary.write_text(glossary.read_text(encoding="utf-8") + "\n" + bank, encoding="utf-8")
    cold = load_corpus(root, use_cache=False)
    load_corpus(root)
    warm = load_corpus(root)
    mentions = warm.anchoring.mentions
    assert isinstance(mentions, anchor.Mentions) and mentions.by_source and not _made(mentions)
    every = list(cold.anchoring.mentions)
    ctx = SiteContext.build(warm.ann, warm.docs, warm.anchoring)
    entries = {m.annotation for m in every}
    for sid in warm.docs:
        assert ctx.entries_mentioned(sid) == [m.annotation for m in every if m.source == sid]
    for eid in warm.ann.glossary:
        assert ctx.sources_mentioning(eid) == list(dict.fromkeys(m.source for m in every if m.annotation == eid))
        assert ctx.mention_count(eid) == sum(m.annotation == eid for m in every)
        assert (eid in ctx.mentions_by_entry) is (eid in entries)
    assert not _made(mentions)
    one = "regional-bank"  # in one of the two texts
    assert anchor._same(list(ctx.mentions_by_entry[one]), [m for m in every if m.annotation == one])
    assert _made(mentions) == set(ctx.sources_mentioning(one)) != set(mentions.by_source)
    assert set(ctx.mentions_by_entry) == entries and len(ctx.mentions_by_entry) == len(entries)
    assert anchor._same(list(mentions), every) and mentions == cold.anchoring.mentions


def test_a_note_edit_makes_only_its_sources_mentions_into_anchors(tmp_path: Path) -> None:
    """The run after one note edit renders that note's source page again, and makes the
    mentions of that source only (none of the glossary pages is rendered again)."""
    root = make_case(None, tmp_path / "base")
    run_stages(RunState(root), until="write")
    path = root / GAZETTE
    path.write_text(path.read_text(encoding="utf-8").replace("lists the bridge", "lists the new bridge", 1), "utf-8")
    state = run_stages(RunState(root), until="write")
    assert state.written is not None and state.written.written == 1
    assert state.anchoring is not None and _made(state.anchoring.mentions) == {GAZETTE.stem}
