"""One end-to-end build of the real site with `mkdocs build --strict`, and its output checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from build_tools import site as layout
from build_tools.mdsafe import plain_text

pytestmark = pytest.mark.e2e


def _page(site_dir, rel: str) -> BeautifulSoup:
    path = site_dir / rel.removesuffix(".md") / "index.html"
    if rel.endswith("index.md"):
        path = site_dir / rel.removesuffix("index.md") / "index.html"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_every_source_has_a_page_with_its_passages(built_site, corpus):
    site_dir, _ = built_site
    for sid, doc in corpus.docs.items():
        soup = _page(site_dir, layout.source_page(sid))
        article = soup.select_one("article")
        assert article is not None
        # every body block is on the page under its stable id
        for block in doc.body:
            assert article.find(id=block.id) is not None, f"{sid}: block {block.id} missing"


def test_every_annotation_is_on_its_page(built_site, corpus):
    site_dir, _ = built_site
    assert not corpus.report.errors
    pages = {sid: _page(site_dir, layout.source_page(sid)) for sid in corpus.docs}
    for a in corpus.anchoring.anchors:
        assert a.placed, a
        if a.kind == "note":
            anchor_id = layout.note_anchor(a.annotation)
        else:
            anchor_id = layout.crossref_anchor(a.annotation, a.passage)
        mark = pages[a.source].find(id=anchor_id)
        assert mark is not None and mark.name == "mark", f"{a.kind} {a.annotation} not highlighted on its page"


def test_glossary_crossref_and_home_pages(built_site, corpus):
    site_dir, _ = built_site
    for entry_id in corpus.ann.glossary:
        assert (site_dir / "glossary" / entry_id / "index.html").is_file()
    for xref in corpus.ann.crossrefs:
        soup = _page(site_dir, layout.crossref_page(xref.id))
        cards = soup.select(".xref-grid > ul > li")
        assert len(cards) == len(xref.passages), xref.id
    home = BeautifulSoup((site_dir / "index.html").read_text(encoding="utf-8"), "html.parser")
    timeline_links = {a["href"] for a in home.select(".timeline a") if "sources/" in a.get("href", "")}
    assert len(timeline_links) == len(corpus.ann.sources)


def _indexed_text(site_dir: Path, rel: str) -> str | None:
    """The text Pagefind indexes on one page (its data-pagefind-body, less what is ignored)."""
    soup = BeautifulSoup((site_dir / rel / "index.html").read_text(encoding="utf-8"), "html.parser")
    body = soup.select_one("[data-pagefind-body]")
    if body is None:
        return None
    for el in body.select("[data-pagefind-ignore], .xref-grid, .headerlink"):
        el.decompose()
    return " ".join(body.get_text().split())


def test_search_index_covers_text_notes_and_glossary(built_site, corpus):
    site_dir, _ = built_site
    assert (site_dir / "pagefind" / "pagefind-ui.js").exists() and (
        site_dir / "pagefind" / "pagefind-entry.json"
    ).exists()
    assert not (site_dir / "search" / "search_index.json").exists()  # Material's search is gone
    texts = {sid: _indexed_text(site_dir, f"sources/{sid}") for sid in corpus.ann.sources}
    assert all(texts.values())
    assert "non-alliance, non-confrontation" in " ".join(texts.values())  # source text
    for note in corpus.ann.notes:
        first_words = " ".join(plain_text(note.body).split()[:6])
        assert first_words in texts[note.selector.source], f"note {note.id} is not indexed"
    for gid in corpus.ann.glossary:
        assert _indexed_text(site_dir, f"glossary/{gid}"), gid


def test_no_external_requests_in_pages(built_site):
    site_dir, base_url = built_site
    for html in site_dir.rglob("*.html"):
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        for tag in soup.find_all(["script", "link", "img", "iframe"]):
            url = tag.get("src") or tag.get("href") or ""
            if tag.name == "link" and tag.get("rel") and set(tag["rel"]) & {"canonical", "alternate"}:
                continue
            assert not url.startswith(("http://", "https://", "//")) or url.startswith(base_url), f"{html}: {url}"


def test_search_index_has_each_text_once(built_site):
    """Sections that repeat text indexed elsewhere are left out of the index (reader
    downloads grow with the corpus, not with the corpus times its cross-links): the index
    lists, glossary mention lists and a text's list of the other outlets' passages."""
    site_dir, _ = built_site
    for rel in ("", "sources", "glossary", "crossrefs", "outlets"):
        assert _indexed_text(site_dir, rel) is None, rel
    for page in site_dir.glob("*/*/index.html"):
        html = page.read_text(encoding="utf-8")
        for marker in ('<h2 id="mentions"', '<h2 id="crossrefs"'):
            if marker in html:
                assert f"<div data-pagefind-ignore>{marker}" in html, (page, marker)
    wang = _indexed_text(site_dir, "glossary/wang-wenbin")
    assert wang and "Wang Wengbin" in wang  # the variant spelling finds the entry
    peace = _indexed_text(site_dir, "crossrefs/xi-jinping-as-peacemaker")
    assert "Volodymyr Zelensky" in peace and "Volodymyr Zelenskyy" in peace  # both spellings
    source = (site_dir / "sources" / "euronews-2023-04-16-li-shangfu-putin" / "index.html").read_text(encoding="utf-8")
    assert '<span data-pagefind-filter="outlet">Euronews</span>' in source
    assert '<span data-pagefind-filter="year">2023</span>' in source
    assert '<span data-pagefind-meta="title">Euronews, 16 April 2023: ' in source
