"""The editorial layer (issue 3), checked from the annotation files and the anchoring result."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from urllib.parse import urlsplit

from build_tools.mdsafe import plain_text
from build_tools.model import Status
from build_tools.textnorm import normalize

MIN_NOTES_PER_SOURCE = 8
MIN_NOTES = 60
MIN_CROSSREFS = 15
MIN_CROSSREFS_PER_SOURCE = 3
MIN_GLOSSARY = 40
TOOLTIP_WORDS = 120


def test_note_counts(corpus):
    per_source = Counter(n.selector.source for n in corpus.ann.notes)
    assert len(corpus.ann.notes) >= MIN_NOTES
    for sid in corpus.ann.sources:
        assert per_source[sid] >= MIN_NOTES_PER_SOURCE, f"{sid} has {per_source[sid]} notes"


def test_corrections_are_their_own_kind(corpus):
    corrections = [n for n in corpus.ann.notes if n.kind == "correction"]
    assert len(corrections) >= 5
    assert {n.selector.source for n in corrections} >= {"wsws-2024-02-12-dong-jun-support"}  # "Wengbin"


def test_crossref_counts(corpus):
    assert len(corpus.ann.crossrefs) >= MIN_CROSSREFS
    per_source = Counter()
    for x in corpus.ann.crossrefs:
        sources = {p.source for p in x.passages}
        assert len(sources) >= 2, x.id
        per_source.update(sources)
    for sid in corpus.ann.sources:
        assert per_source[sid] >= MIN_CROSSREFS_PER_SOURCE, f"{sid} is in {per_source[sid]} cross-references"


def test_everything_anchors_exactly(corpus):
    assert corpus.report.render() == ""  # no errors, no warnings (so no fuzzy match either)
    assert all(a.status is Status.EXACT for a in corpus.anchoring.anchors)


def test_glossary_size_and_every_entry_mentioned(corpus):
    assert len(corpus.ann.glossary) >= MIN_GLOSSARY
    mentioned = {m.annotation for m in corpus.anchoring.mentions}
    unmentioned = sorted(set(corpus.ann.glossary) - mentioned)
    assert not unmentioned, f"never mentioned in any source: {unmentioned}"


def test_every_alias_that_occurs_is_linked(corpus):
    """Search each name independently of the build's matcher: every whole-word occurrence
    must be covered by a mention of its entry (or by a longer name that contains it)."""
    covered: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
    for m in corpus.anchoring.mentions:
        covered.setdefault((m.source, m.start.block), []).append((m.start.offset, m.end.offset, m.annotation))
    missed = []
    for entry in corpus.ann.glossary.values():
        for name in entry.names:
            pattern = re.compile(rf"(?<!\w){re.escape(normalize(name).text)}(?!\w)")
            for sid, doc in corpus.docs.items():
                for block in doc.blocks:
                    n = normalize(block.text)
                    for hit in pattern.finditer(n.text):
                        a, b = n.original_span(*hit.span())
                        spans = covered.get((sid, block.id), [])
                        if not any(s <= a and b <= e for s, e, _ in spans):
                            missed.append(f"{name!r} ({entry.id}) in {sid} {block.id}")
    assert not missed, missed[:20]


def _check_citations(what: str, citations, from_texts: bool) -> list[str]:
    problems = []
    if not citations and not from_texts:
        problems.append(f"{what}: no citation and not marked from_texts")
    for c in citations:
        parts = urlsplit(c.url)
        if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in c.url:
            problems.append(f"{what}: malformed URL {c.url!r}")
        if not c.title.strip():
            problems.append(f"{what}: citation without a title")
        if c.accessed is not None:
            date.fromisoformat(c.accessed)
    return problems


def test_fact_stating_annotations_cite_well_formed_sources(corpus):
    problems = []
    for n in corpus.ann.notes:
        problems += _check_citations(f"note {n.id}", n.citations, n.from_texts)
    for x in corpus.ann.crossrefs:
        problems += _check_citations(f"crossref {x.id}", x.citations, x.from_texts)
    for e in corpus.ann.glossary.values():
        problems += _check_citations(f"glossary {e.id}", e.citations, e.from_texts)
    assert not problems, problems


def test_notes_fit_in_a_tooltip(corpus):
    long = [(n.id, len(plain_text(n.body).split())) for n in corpus.ann.notes]
    assert [x for x in long if x[1] > TOOLTIP_WORDS] == []


def test_unknown_metadata_stays_unknown_and_inferred_facts_have_a_basis(corpus):
    for src in corpus.ann.sources.values():
        for field, basis in src.inferred.items():
            assert getattr(src, field) is not None and len(basis.split()) >= 5, (src.id, field)
    essay = corpus.ann.sources["repost-undated-gaza-multipolar-illusion"]
    assert essay.date is None and essay.byline is None and essay.dating
    euronews = corpus.ann.sources["euronews-2023-04-16-li-shangfu-putin"]
    assert euronews.title is None and "date" in euronews.inferred
