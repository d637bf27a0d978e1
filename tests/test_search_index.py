"""The Pagefind marks put on built pages, and the preview serving the last index."""

from __future__ import annotations

from pathlib import Path

from build_tools.stages.search import _ignore_sections, _search_marks, _Variants, serve_search_index


def test_marks_name_kind_outlet_year_and_title(corpus) -> None:
    marks = _search_marks(
        "sources/euronews-2023-04-16-li-shangfu-putin/index.html",
        corpus.ann,
        heading="Untitled Euronews report: Li Shangfu meets Putin in Moscow",
    )
    assert marks == (
        '<div hidden data-pagefind-ignore><span data-pagefind-filter="kind">text</span>'
        '<span data-pagefind-filter="outlet">Euronews</span><span data-pagefind-filter="year">2023</span>'
        '<span data-pagefind-filter="kind">note</span>'
        '<span data-pagefind-meta="title">Euronews, 16 April 2023: '
        "Untitled Euronews report: Li Shangfu meets Putin in Moscow</span></div>"
    )
    assert 'filter="kind">glossary<' in _search_marks("glossary/wang-wenbin/index.html", corpus.ann)
    assert _search_marks("sources/index.html", corpus.ann) is None
    assert _search_marks("glossary/no-such-entry/index.html", corpus.ann) is None


def test_variants_are_escaped_and_cover_every_spelling(corpus) -> None:
    block = _Variants(corpus.ann).block("spokesman Wang Wengbin said <b>")
    assert (
        block.startswith('<div hidden id="pagefind-spellings">') and "Wang Wenbin" in block and "Wang Wengbin" in block
    )
    assert _Variants(corpus.ann).block("nothing here") == ""


def test_serve_uses_the_last_built_index(tmp_path: Path) -> None:
    assert serve_search_index(tmp_path).startswith("search: no index yet")
    (tmp_path / "site" / "pagefind").mkdir(parents=True)
    (tmp_path / "site" / "pagefind" / "pagefind-entry.json").write_text("{}", encoding="utf-8")
    assert serve_search_index(tmp_path).startswith("search: serving the index of the last")
    assert (tmp_path / "docs" / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8") == "{}"


def test_ignored_sections_are_found_whatever_the_attributes_of_their_heading() -> None:
    page = (
        '<article><p id="p-1">Text</p><h2 data-search-exclude id="crossrefs">Other accounts</h2><p>cards</p>'
        '<h2 id="about-this-text">About</h2><h2 id="mentions">Mentions</h2><p>list</p></article>'
    )
    assert _ignore_sections(page) == (
        '<article><p id="p-1">Text</p><div data-pagefind-ignore><h2 data-search-exclude id="crossrefs">'
        'Other accounts</h2><p>cards</p></div><h2 id="about-this-text">About</h2>'
        '<div data-pagefind-ignore><h2 id="mentions">Mentions</h2><p>list</p></div></article>'
    )
