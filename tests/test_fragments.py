"""Text-fragment links into the originals (build_tools/fragments.py), on the real five texts."""

from __future__ import annotations

import pytest

from build_tools.fragments import encode_term, original_link, text_directive

NW = "https://www.newsweek.com/beijing-says-china-russia-are-not-allies-1683131"
WSWS24 = "https://www14.wsws.org/en/articles/2024/02/13/fpsx-f13.html"


def test_terms_encode_the_directive_delimiters() -> None:
    assert encode_term("non-alliance, A & B") == "non%2Dalliance%2C%20A%20%26%20B"
    assert encode_term("“quoted” — 100%") == "%E2%80%9Cquoted%E2%80%9D%20%E2%80%94%20100%25"
    assert encode_term("two\n  lines") == "two%20lines"


def test_directive_syntax() -> None:
    assert text_directive("a b") == "text=a%20b"
    assert text_directive("start", "end", prefix="pre-fix", suffix="suf") == "text=pre%2Dfix-,start,end,-suf"


def _passage(corpus, xref: str, passage: int):
    return next(
        a for a in corpus.anchoring.anchors if a.kind == "crossref" and a.annotation == xref and a.passage == passage
    )


@pytest.mark.parametrize(
    ("xref", "passage", "expected"),
    [
        # Short, at the end of its paragraph: the whole passage and a prefix, no suffix.
        (
            "not-an-alliance",
            1,
            NW + "#:~:text=economic%20alignment%2C%20and-,close%20ties%20described%20last%20year%20as"
            "%20%22better%20than%20an%20alliance.%22",
        ),
        # Long: first and last five words; hyphens inside words encoded; widened to the closing quote.
        (
            "not-an-alliance",
            0,
            NW + "#:~:text=partners%20of%20coordination.-,China%2DRussia%20relations%20are%20based%20on,"
            "and%20non%2Dtargeting%20of%20third%20countries%2C%22,-ministry%20spokesperson%20Wang",
        ),
        # At the start of its paragraph: no prefix (the original page may have anything before it).
        (
            "partnership-superlatives",
            0,
            NW + "#:~:text=China%27s%20%22no%20limits%22%20partnership%20with%20Russia%20is%20under%20scrutiny"
            ",-amid%20Vladimir%20Putin%27s",
        ),
        # Curly quotes as printed (the original page has them), not the normalised straight ones.
        (
            "not-an-alliance",
            3,
            WSWS24 + "#:~:text=alliance%20like%20NATO%3A-,%E2%80%9CUnlike%20some%20Western%20countries%2C%20our,"
            "not%20form%20a%20military%20bloc.%E2%80%9D",
        ),
    ],
)
def test_exact_links_on_the_real_texts(corpus, xref: str, passage: int, expected: str) -> None:
    a = _passage(corpus, xref, passage)
    url = corpus.ann.sources[a.source].url
    assert original_link(url, corpus.docs[a.source], a.start, a.end) == expected


def test_every_linked_passage_starts_and_ends_on_its_own_words(corpus) -> None:
    """Decoding each link gives back words of the passage, in its own block, for every cross-reference."""
    from urllib.parse import unquote

    n = 0
    for a in corpus.anchoring.anchors:
        src = corpus.ann.sources[a.source]
        if a.kind != "crossref" or not src.url or not a.placed:
            continue
        fragment = original_link(src.url, corpus.docs[a.source], a.start, a.end).split("#:~:text=", 1)[1]
        terms = [unquote(t) for t in fragment.split(",")]
        body = [t for t in terms if not t.endswith("-") and not t.startswith("-")]
        start = corpus.docs[a.source].block(a.start.block).text
        end = corpus.docs[a.source].block(a.end.block).text
        assert body[0] in start and body[-1] in end
        assert 1 <= len(body) <= 2 and len(terms) - len(body) <= 2
        n += 1
    assert n >= 20
