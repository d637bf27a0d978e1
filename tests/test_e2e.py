"""One end-to-end build of the real site with `mkdocs build --strict`, and its output checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from build_tools import paths as layout
from build_tools.mdsafe import plain_text
from build_tools.stages import search

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
        # one column per source, oldest first, and each paragraph once
        sources = list(dict.fromkeys(p.source for p in xref.passages))
        assert len(cards) == len(sources), xref.id
        dated = [corpus.ann.sources[s].date or "9999" for s in sources]
        hrefs = [c.select("a[href*='sources/']")[-1]["href"] for c in cards]
        order = [next(s for s in sources if f"/{s}/" in h) for h in hrefs]
        assert [corpus.ann.sources[s].date or "9999" for s in order] == sorted(dated), xref.id
        for card in cards:
            paragraphs = [" ".join(p.get_text().split()) for p in card.select("p:has(mark)")]
            assert len(paragraphs) == len(set(paragraphs)), f"{xref.id}: a paragraph shown twice"
        assert len(soup.select(".xref-grid mark.hl-xref")) >= len(xref.passages), xref.id
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
    assert (site_dir / "pagefind" / "pagefind.js").exists() and (site_dir / "pagefind" / "pagefind-entry.json").exists()
    assert (site_dir / "assets" / "search" / "ui.js").exists()  # the search box, on Pagefind's API
    assert not [name for name in search.UNUSED_UI if (site_dir / "pagefind" / name).exists()]  # Pagefind's own UIs
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


def test_one_crossref_marker_per_passage_names_the_other_texts(built_site, corpus):
    """A passage carries one "⇄ n" marker; it leads to its endnote on the same page (reachable
    without JavaScript), and its accessible name says which texts, by outlet and date."""
    site_dir, _ = built_site
    for sid in corpus.docs:
        soup = _page(site_dir, layout.source_page(sid))
        markers = soup.select("article a.xref-marker")
        passages = soup.select("article mark.hl-xref[id]")
        ends = set()
        for m in markers:
            assert m["href"].startswith("#xn-"), m
            endnote = soup.find(id=m["href"][1:])
            assert endnote is not None and endnote.find_parent("li") is not None, m["href"]
            n = int(m.get_text().split()[-1])
            assert m["aria-label"].startswith(f"{n} other passage"), m["aria-label"]
            assert not m.get("title"), "a marker repeats a passage in its title"
            ends.add(m["href"])
        assert len(markers) <= len(passages)
        for mark in passages:
            assert f"#xn-{mark['id'].removeprefix('x-')}" in ends or any(
                m.get("data-more") and f"xn-{mark['id'].removeprefix('x-')}" in m["data-more"].split() for m in markers
            ), f"{sid}: passage {mark['id']} has no marker"


def test_inferred_facts_keep_their_mark_in_the_header_and_citations(built_site, corpus):
    site_dir, _ = built_site
    for sid, source in corpus.ann.sources.items():
        soup = _page(site_dir, layout.source_page(sid))
        meta = " ".join(soup.select_one("article .source-meta").get_text().split())
        cites = [" ".join(c.get_text().split()) for c in soup.select("details.cite pre code")]
        assert len(cites) == 3, sid
        if "url" in source.inferred:
            assert "Original (address inferred)" in meta, meta
            for c in cites:
                assert "address inferred" in c.lower(), c
        if "date" in source.inferred:
            for c in cites:
                assert "date inferred" in c.lower(), c


def test_glossary_mentions_are_labelled_for_readers(built_site, corpus):
    site_dir, _ = built_site
    soup = _page(site_dir, layout.glossary_page("wang-wenbin"))
    labels = [a.get_text() for a in soup.select("#mentions ~ ul a[href*='sources/']")]
    assert labels and all(re.fullmatch(r"(paragraph|quotation|caption|heading|footnote) \d+", t) for t in labels), (
        labels
    )


def test_coverage_matrix_links_land_on_passages_and_says_who_is_silent(built_site, corpus):
    """One row per cross-reference, one column per source oldest first; a cell links to a
    highlighted passage of that source, or says *silent* (from the YAML) or not reported."""
    site_dir, _ = built_site
    soup = _page(site_dir, "crossrefs/coverage.md")
    pages = {sid: _page(site_dir, layout.source_page(sid)) for sid in corpus.docs}
    rows = soup.select(".coverage-table tbody tr")
    assert len(rows) == len(corpus.ann.crossrefs)
    by_date = sorted(corpus.docs, key=lambda s: (corpus.ann.sources[s].date is None, corpus.ann.sources[s].date or ""))
    heads = [a["href"] for a in soup.select(".coverage-table thead a")]
    assert [h.split("/sources/")[1].strip("/") for h in heads[: len(by_date)]] == by_date
    silent_seen = 0
    xrefs = {x.id: x for x in corpus.ann.crossrefs}
    for row in rows:
        cells = row.find_all("td")
        xref = xrefs[cells[0].a["href"].strip("/").split("/")[-1]]
        silent = {q.source for q in xref.silent}
        for sid, cell in zip(by_date, cells[1:], strict=True):
            quoted = any(p.source == sid for p in xref.passages)
            text = cell.get_text(strip=True)
            if quoted:
                target = cell.a["href"].split("#")[1]
                mark = pages[sid].find(id=target)
                assert mark is not None and mark.name == "mark", (xref.id, sid, target)
            elif sid in silent:
                silent_seen += 1
                assert text == "silent", (xref.id, sid, text)
            else:
                assert text == "not reported", (xref.id, sid, text)
    assert silent_seen == sum(len(x.silent) for x in corpus.ann.crossrefs) > 0


def test_the_undermining_quotation_is_compared_word_by_word(built_site):
    site_dir, _ = built_site
    soup = _page(site_dir, layout.crossref_page("undermining-security-quotation"))
    diff = soup.select_one(".quotation-diff > ul")
    assert diff is not None
    lines = diff.find_all("li", recursive=False)
    assert [li.select_one(".outlet-badge").get_text() for li in lines] == ["WSWS", "Euronews"]
    euronews = lines[1]
    assert next(d.get_text() for d in euronews.find_all("del")) == "the United States to stop"
    assert "undermining" in [s.strip() for s in euronews.find_all(string=True, recursive=False)]
    assert not euronews.find_all("ins")


def test_a_primary_text_is_the_base_of_the_comparison(built_site):
    """``primary:`` puts the cited document's wording first and sets each account against it."""
    site_dir, _ = built_site
    soup = _page(site_dir, layout.crossref_page("sovereignty-formula"))
    lines = soup.select_one(".quotation-diff > ul").find_all("li", recursive=False)
    primary, newsweek = lines[0], lines[1]
    assert primary.strong.get_text() == "Primary text"
    assert primary.a["href"].startswith("https://www.fmprc.gov.cn/")
    assert not primary.find_all(["del", "ins"])
    assert newsweek.select_one(".outlet-badge").get_text() == "Newsweek"
    assert len(lines) == 2, "the Euronews passage shares no run of three words with the primary text"
    changed = [(d.name, d.get_text()) for d in newsweek.find_all(["del", "ins"])]
    assert changed[:3] == [("del", "All countries’"), ("ins", "The"), ("ins", "of every country")]
    assert ("del", "adhere") in changed and ("ins", "subscribe") in changed
    # a word keeps the full stop that ends its sentence, which the comparison ignores
    assert ("ins", "safeguarded.") in changed and ("del", "jointly safeguarded.") in changed
