"""Tests for the import stage (build_tools.contrib.extract) and the benchmark's scoring."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "benchmarks"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench_import import main as bench_main  # noqa: E402
from bench_import import normalise_url, shingle_f1, shingles, tokenize  # noqa: E402

from build_tools.contrib.extract import ExtractedArticle, ImportProblem, extract_article  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "import"

ARTICLE_PARAGRAPHS = [
    (
        "Residents of Port Elwyn voted on Saturday to keep the small passenger ferry "
        "that has crossed the estuary every hour since 1952, rejecting a council plan "
        "to replace it with a bus route around the bay."
    ),
    (
        "Turnout at the town hall was the highest in living memory, with more than two "
        "thousand people queueing in the rain to cast a ballot. Supporters of the ferry "
        "said the crossing takes eight minutes, while the bus would take nearly forty."
    ),
    (
        "The council now has six months to find the money for a new engine. Its leader "
        "said she accepted the result and would ask neighbouring parishes and the harbour "
        "trust to share the cost of the repairs."
    ),
]

NO_ARTICLE_MESSAGE = (
    "{name}: no article text found in the page: {why}; save the page while the article is "
    "displayed, or copy the article text into a .txt file"
)


def _paragraph_page(paragraph: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head>{head}<title>Corner cafe</title></head>"
        f"<body><article><p>{paragraph}</p></article></body></html>"
    )


# --- saved HTML pages ------------------------------------------------------------


def test_html_fixture_body_and_metadata() -> None:
    raw = (FIXTURES / "article.html").read_bytes()

    article = extract_article(raw, filename="article.html")

    assert article.text.split("\n\n") == ARTICLE_PARAGRAPHS
    assert article.text == "\n\n".join(ARTICLE_PARAGRAPHS)
    assert article.format == "text"
    assert article.title == "Harbour town votes to keep its ferry"
    assert article.author == "Maria Okafor"
    assert article.date == "2023-04-16"
    assert article.url == "https://coastalcourier.example/news/2023/04/harbour-ferry-vote"
    assert article.sitename == "The Coastal Courier"
    assert article.language == "en"
    assert article.extractor.startswith("trafilatura ")


def test_gzipped_html_gives_the_same_article() -> None:
    raw = (FIXTURES / "article.html").read_bytes()

    plain = extract_article(raw, filename="article.html")
    packed = extract_article(gzip.compress(raw), filename="Article.HTML.GZ")

    assert packed == plain


def test_corrupt_gzip_is_an_import_problem() -> None:
    with pytest.raises(ImportProblem) as caught:
        extract_article(b"not gzip at all", filename="page.html.gz")

    assert str(caught.value) == ("page.html.gz: not a valid gzip file; decompress it or save the page again as .html")


def test_html_without_article_text() -> None:
    raw = (
        b'<!DOCTYPE html><html lang="en"><head><title>Sign in</title></head><body>'
        b'<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>'
        b'<form><input name="q"><button>Search</button></form>'
        b'<footer><a href="/privacy">Privacy</a></footer></body></html>'
    )

    with pytest.raises(ImportProblem) as caught:
        extract_article(raw, filename="signin.html")

    assert str(caught.value) == NO_ARTICLE_MESSAGE.format(
        name="signin.html", why="its 4 words of text are all navigation, links and other boilerplate"
    )


def test_empty_html_file() -> None:
    with pytest.raises(ImportProblem) as caught:
        extract_article(b"  \n", filename="saved/page.htm")

    assert str(caught.value) == "page.htm: the file is empty; save the complete web page as .html"


LONG_SENTENCE = (
    "The caf\u00e9 on the corner \u201cwill stay open\u201d, the owner said on Monday, after weeks "
    "of talks with the landlord about the rent and the lease on the building."
)


def test_html_declared_legacy_charset_is_respected() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    raw = _paragraph_page(LONG_SENTENCE, head).encode("cp1252")

    article = extract_article(raw, filename="cafe.html")

    assert article.text == LONG_SENTENCE


def test_html_stale_latin1_declaration_on_utf8_bytes_reads_utf8() -> None:
    raw = _paragraph_page(LONG_SENTENCE, '<meta charset="ISO-8859-1">').encode("utf-8")

    article = extract_article(raw, filename="cafe.html")

    assert article.text == LONG_SENTENCE


def test_html_undeclared_non_utf8_falls_back_to_windows_1252() -> None:
    raw = _paragraph_page(LONG_SENTENCE).encode("cp1252")

    article = extract_article(raw, filename="cafe.html")

    assert article.text == LONG_SENTENCE


# --- plain text and Markdown -------------------------------------------------------


def test_txt_is_taken_as_is() -> None:
    raw = "\ufeffFirst paragraph.\r\n\r\nSecond \u2014 paragraph.\r\n".encode()

    article = extract_article(raw, filename="notes.txt")

    assert article == ExtractedArticle(
        text="First paragraph.\n\nSecond \u2014 paragraph.\n",
        format="text",
        title=None,
        author=None,
        date=None,
        sitename=None,
        url=None,
        language=None,
        extractor="plain",
    )


def test_markdown_title_from_leading_heading() -> None:
    raw = b"\n\n# Chinese and Russian presidents meet #\n\nPeter Symonds\n\nBody text.\n"

    article = extract_article(raw, filename="wsws.MD")

    assert article.format == "markdown"
    assert article.title == "Chinese and Russian presidents meet"
    assert article.text == raw.decode()
    assert (article.author, article.date, article.url, article.sitename) == (
        None,
        None,
        None,
        None,
    )
    assert article.extractor == "plain"


@pytest.mark.parametrize(
    "text",
    [
        "Intro line\n\n# Later heading\n",
        "#hashtag is not a heading\n",
        "## Second level\n",
    ],
)
def test_markdown_without_leading_h1_has_no_title(text: str) -> None:
    article = extract_article(text.encode(), filename="essay.markdown")

    assert article.format == "markdown"
    assert article.title is None


def test_txt_not_utf8() -> None:
    with pytest.raises(ImportProblem) as caught:
        extract_article(b"caf\xe9 au lait", filename="notes.txt")

    assert str(caught.value) == (
        "notes.txt: not valid UTF-8 text (byte 0xe9 at offset 3); re-save the file with UTF-8 encoding"
    )


def test_txt_empty() -> None:
    with pytest.raises(ImportProblem) as caught:
        extract_article(b"\n \n", filename="notes.txt")

    assert str(caught.value) == "notes.txt: the file is empty; paste the article text into it"


def test_unsupported_extension() -> None:
    with pytest.raises(ImportProblem) as caught:
        extract_article(b"%PDF-1.7", filename="page.pdf")

    assert str(caught.value) == ("page.pdf: unsupported file type '.pdf'; save the article as .html, .txt or .md")


def test_missing_extension() -> None:
    with pytest.raises(ImportProblem) as caught:
        extract_article(b"text", filename="README")

    assert str(caught.value) == ("README: unsupported file type '(none)'; save the article as .html, .txt or .md")


# --- benchmark scoring -------------------------------------------------------------


def test_tokenize_lowercases_and_splits_on_non_word_characters() -> None:
    assert tokenize("Don't STOP\u2014now_ok 42, caf\u00e9!") == [
        "don",
        "t",
        "stop",
        "now_ok",
        "42",
        "caf\u00e9",
    ]


def test_shingles_are_a_multiset_of_4_grams() -> None:
    assert shingles("a b c d a b c d") == {
        ("a", "b", "c", "d"): 2,
        ("b", "c", "d", "a"): 1,
        ("c", "d", "a", "b"): 1,
        ("d", "a", "b", "c"): 1,
    }
    assert shingles("Hello, world!") == {("hello", "world"): 1}
    assert shingles(" -- ") == {}


def test_shingle_f1_identical_texts() -> None:
    assert shingle_f1("One two three four five.", "one TWO three four five") == (
        1.0,
        1.0,
        1.0,
    )


def test_shingle_f1_one_changed_word() -> None:
    # 3 shingles each; (the cat sat on) and (cat sat on the) are shared.
    score = shingle_f1("the cat sat on the mat", "the cat sat on the hat")

    assert score.precision == pytest.approx(2 / 3)
    assert score.recall == pytest.approx(2 / 3)
    assert score.f1 == pytest.approx(2 / 3)


def test_shingle_f1_extra_text_costs_precision_only() -> None:
    # extracted: (one two three four), (two three four five); truth: the first only.
    score = shingle_f1("one two three four five", "one two three four")

    assert score.precision == pytest.approx(1 / 2)
    assert score.recall == pytest.approx(1.0)
    assert score.f1 == pytest.approx(2 / 3)


def test_shingle_f1_counts_repeats_once_per_occurrence() -> None:
    # 5 extracted shingles, (a b c d) twice; truth has (a b c d) once -> 1 in common.
    score = shingle_f1("a b c d a b c d", "a b c d")

    assert score.precision == pytest.approx(1 / 5)
    assert score.recall == pytest.approx(1.0)
    assert score.f1 == pytest.approx(1 / 3)


def test_shingle_f1_short_and_empty_texts() -> None:
    assert shingle_f1("Hello, world!", "hello world") == (1.0, 1.0, 1.0)
    assert shingle_f1("hello world", "hello there") == (0.0, 0.0, 0.0)
    assert shingle_f1("", "") == (1.0, 1.0, 1.0)
    assert shingle_f1("", "some words here") == (0.0, 0.0, 0.0)
    assert shingle_f1("!!!", "some words here") == (0.0, 0.0, 0.0)


def test_normalise_url_drops_scheme_query_fragment_and_trailing_slash() -> None:
    assert normalise_url("https://Example.COM/News/a/?id=1#top") == "example.com/News/a"
    assert normalise_url("http://example.com/News/a") == "example.com/News/a"
    assert normalise_url("/relative/path") is None
    assert normalise_url(None) is None


def test_benchmark_missing_data_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"

    status = bench_main(["--data", str(missing)])

    err = capsys.readouterr().err
    assert status == 2
    assert err == (f"bench_import.py: error: benchmark data folder not found: {missing.resolve()} (pass --data DIR)\n")


# --- issue 12: structure, titles, dates, bylines, hostile pages ------------------------

from build_tools.contrib.extract import MAX_PAGE_BYTES, StructureHint, clean_metadata  # noqa: E402

ARTICLE_BODY = (
    "<p>Residents of Port Elwyn voted on Saturday to keep the small passenger ferry that has "
    "crossed the estuary every hour since 1952, rejecting a council plan to replace it.</p>"
    "<p>Turnout at the town hall was the highest in living memory, with more than two thousand "
    "people queueing in the rain to cast a ballot on the future of the crossing.</p>"
)


def _page(head: str = "", body: str = ARTICLE_BODY, *, h1: str = "") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head>'
        f"<body><nav><a href='/'>Home</a></nav><article>{h1}{body}</article>"
        "<footer><p>© 2007–2016 The Coastal Courier. All rights reserved.</p></footer></body></html>"
    ).encode()


def test_figcaption_and_blockquote_become_structure_hints() -> None:
    article = extract_article((FIXTURES / "figure.html").read_bytes(), filename="figure.html")

    assert article.text.split("\n\n")[1:4] == [
        "The ferry leaves the slipway at Port Elwyn on Saturday morning.",
        "Turnout at the town hall was the highest in living memory, with more than two thousand "
        "people queueing in the rain to cast a ballot.",
        "We have kept the crossing for seventy years and we will keep it for seventy more, whatever it costs the parish.",
    ]
    assert article.structure == (
        StructureHint(
            "The ferry leaves the slipway at Port Elwyn", "caption", "the saved page gives it as a <figcaption>"
        ),
        StructureHint(
            "We have kept the crossing for seventy years", "quotation", "the saved page gives it as a <blockquote>"
        ),
    )
    assert article.dropped == (
        "1 figure(s) and 1 image(s): pictures are not kept (captions are, as `caption` blocks)",
        "boilerplate: 12 of the page's 131 words (navigation, links, footers, comments and other text around the article)",
    )
    assert article.title == "Harbour town votes to keep its ferry"


def test_a_copyright_line_is_not_a_date() -> None:
    article = extract_article(_page("<title>Ferry vote</title>"), filename="ferry.html")

    assert article.date is None


def test_the_printed_local_date_wins_over_a_utc_markup_date_one_day_off() -> None:
    head = '<title>Ferry vote</title><meta property="article:published_time" content="2019-11-20T04:31:13+00:00">'
    dateline = "<p>By Maria Okafor</p><p>Nov. 19, 2019 8:31 pm PT</p>"

    article = extract_article(_page(head, dateline + ARTICLE_BODY, h1="<h1>Ferry vote</h1>"), filename="f.html")

    assert article.date == "2019-11-19"


@pytest.mark.parametrize(
    ("head", "h1", "title"),
    [
        (
            "<title>Simple Hiking Survival Kit – Brett Larkin Yoga</title>"
            '<link rel="canonical" href="https://www.brettlarkin.com/hiking-kit/">',
            "",
            "Simple Hiking Survival Kit",
        ),
        (
            '<title>Oil prices rise | Reuters</title><meta property="og:site_name" content="Reuters">',
            "",
            "Oil prices rise",
        ),
        (
            '<title>Oil prices rise - WSJ</title><meta property="og:site_name" content="WSJ">',
            "<h1>WSJ</h1>",
            "Oil prices rise",
        ),
        (
            '<title>Ferry vote | Courier</title><meta property="og:title" content="Ferry vote: what next">',
            "<h1>Ferry vote: what next</h1>",
            "Ferry vote: what next",
        ),
        (
            '<meta property="og:title" content="Opinion | A bridge too far">',
            "<h1>A bridge too far</h1>",
            "A bridge too far",
        ),
    ],
)
def test_title_is_the_best_of_og_title_h1_and_title_without_the_site(head: str, h1: str, title: str) -> None:
    article = extract_article(_page(head, h1=h1), filename="page.html")

    assert article.title == title


def test_a_hostile_title_carries_no_markup_control_characters_or_line_breaks() -> None:
    hostile = "Ferry\r\nvote\u2028 <script>alert(1)</script>\u2029&lt;b&gt;x&lt;/b&gt;\x85\x0b\x0c\x07\u202eend"
    head = f"<title>{hostile}</title>"

    article = extract_article(_page(head), filename="hostile.html")

    assert article.title == "Ferry vote alert(1) x end"
    assert clean_metadata("a\u2028b\u2029c\x85d\ve\ff\rg\nh") == "a b c d e f g h"


@pytest.mark.parametrize("charset", ["hex", "rot13", "undefined", "base64"])
def test_a_charset_that_is_not_a_text_encoding_falls_back_with_a_warning(charset: str) -> None:
    raw = _paragraph_page(LONG_SENTENCE, f'<meta charset="{charset}">').encode("utf-8")

    article = extract_article(raw, filename="cafe.html")

    assert article.text == LONG_SENTENCE
    assert article.warnings == (
        f"the page declares charset='{charset}', which is not a text encoding; it was read as UTF-8 "
        "(or windows-1252 where that fails): check the text for wrong characters",
    )


def test_a_page_over_the_size_limit_is_refused_before_parsing() -> None:
    with pytest.raises(ImportProblem) as caught:
        extract_article(b" " * (MAX_PAGE_BYTES + 1), filename="huge.html")

    assert str(caught.value) == (
        "huge.html: the file is 20 MB, more than the 20 MB an article can be; save only the article page "
        "(without its media), or copy the article text into a .txt file"
    )


def test_a_gzip_bomb_is_refused_without_inflating_it() -> None:
    member = gzip.compress(b"\0" * (20 << 20), compresslevel=9)  # 20 KB → 21 MB
    bomb = member * 50  # 1 MB → 1 GB

    with pytest.raises(ImportProblem) as caught:
        extract_article(bomb, filename="bomb.html.gz")

    assert str(caught.value) == (
        "bomb.html.gz: the page inside the gzip file is more than 20 MB, more than an article can be; "
        "save the article page again as .html"
    )


def test_every_member_of_a_multi_member_gzip_file_is_read() -> None:
    raw = (FIXTURES / "article.html").read_bytes()

    article = extract_article(gzip.compress(raw[:700]) + gzip.compress(raw[700:]), filename="a.html.gz")

    assert article == extract_article(raw, filename="a.html")


@pytest.mark.parametrize("title", ["404 Not Found", "Error", "Page not found", "Access Denied", "Error 500"])
def test_an_error_page_is_refused_with_the_reason(title: str) -> None:
    raw = _page(f"<title>{title}</title>", body="<p>The requested URL was not found on this server.</p>")

    with pytest.raises(ImportProblem) as caught:
        extract_article(raw, filename="gone.html")

    assert str(caught.value) == (
        f"gone.html: this is an error page (titled {title!r}), not an article; open the article in the browser "
        "again and save the page once it is displayed"
    )


def test_a_page_without_any_text_says_so() -> None:
    with pytest.raises(ImportProblem) as caught:
        extract_article(
            b"<html><head><title>App</title></head><body><div id='root'></div></body></html>", filename="app.html"
        )

    assert str(caught.value) == NO_ARTICLE_MESSAGE.format(
        name="app.html", why="the page has no text at all (perhaps it shows the article only with JavaScript)"
    )


@pytest.mark.parametrize(
    ("printed", "byline"),
    [
        ("View more posts", None),
        ("By Maria Okafor", "Maria Okafor"),
        ("Mike Wuerthele; Malcolm Owen Monday; November", "Mike Wuerthele; Malcolm Owen"),
    ],
)
def test_bylines_are_names_not_link_texts(printed: str, byline: str | None) -> None:
    article = extract_article(
        _page(f'<title>Ferry vote</title><meta name="author" content="{printed}">'), filename="f.html"
    )

    assert article.author == byline


def test_a_date_in_an_embedded_post_is_not_the_article_date() -> None:
    head = '<title>Ferry vote</title><meta property="article:published_time" content="2019-11-19T06:56:00-05:00">'
    tweet = "<blockquote><p>Keep the ferry! — Ana Ruiz (@anaruiz) November 18, 2019</p></blockquote>"

    article = extract_article(_page(head, ARTICLE_BODY + tweet, h1="<h1>Ferry vote</h1>"), filename="f.html")

    assert article.date == "2019-11-19"
