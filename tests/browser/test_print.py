"""Print: a source page prints as its text, then its notes and cross-references as numbered
endnotes in full, without the site's navigation."""

from __future__ import annotations

import io
import re

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.browser


def _words(text: str) -> str:
    """Text as pypdf and the DOM can both give it: words only, one space between them."""
    return " ".join(re.findall(r"[\w%-]+", text.replace("\u00ad", "")))


@pytest.fixture(scope="module")
def print_page(built_site, site_pages) -> str:
    """The shortest source page that has both notes and cross-references."""
    site_dir, _ = built_site
    pages = [p for p in site_pages.sources if site_pages.note_counts[p] and site_pages.xref_counts[p]]
    assert pages, "no source page has both notes and cross-references"
    return min(pages, key=lambda p: (site_dir / p / "index.html").stat().st_size)


def test_print_gives_the_text_with_numbered_endnotes_and_no_chrome(open_page, built_site, print_page, artifacts):
    from pypdf import PdfReader

    site_dir, _ = built_site
    page = open_page(print_page)
    pdf = page.pdf(format="A4", print_background=False)
    (artifacts / "print.pdf").write_bytes(pdf)
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    text = re.sub(r"-\n", "-", text)  # a line broken after a hyphen
    words = _words(text)

    soup = BeautifulSoup((site_dir / print_page / "index.html").read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article")
    # the text itself (a paragraph without markers, whose words the markers do not interrupt)
    plain = [p for p in article.select("p[id^='p-']") if not p.select("sup, a.xref-marker")]
    assert plain
    for p in plain[:3]:
        for el in p.select("a.permalink"):
            el.decompose()
        assert _words(p.get_text()) in words, f"{p['id']} is not printed"

    # every note in full, once (not also as a sidenote), after its number
    notes = article.select("div.footnote > ol > li")
    assert notes
    for number, li in enumerate(notes, start=1):
        for back in li.select(".footnote-backref"):
            back.decompose()
        body = _words(li.get_text(" "))
        assert body in words, f"note {number} is not printed in full"
        assert words.count(body) == 1, f"note {number} is printed more than once"
        assert re.search(rf"(^|\s){number}\s*\.?\s+{re.escape(body[:40])}", words), f"note {number} has no number"

    # every cross-reference as endnote X1, X2 … with its note, and markers that point to it
    heading = article.find(id="crossrefs")
    endnotes = heading.find_next_sibling("ol").find_all("li", recursive=False)
    assert endnotes
    for number, li in enumerate(endnotes, start=1):
        title = _words(li.find("strong").get_text())
        assert re.search(rf"X{number}\s*\.?\s+{re.escape(title[:40])}", words), f"cross-reference X{number} missing"
        for part in li.find_all("p", recursive=False)[1:2]:  # how the accounts differ
            assert _words(part.get_text(" ")) in words, f"cross-reference X{number} is not printed in full"
    printed = [int(n) for n in re.findall(r"⇄\s*\S+\s+X(\d+)", text)]
    assert len(printed) == page.locator("article a.xref-marker").count(), "a marker in the text has no endnote number"
    assert set(printed) <= set(range(1, len(endnotes) + 1))
    # and each marker's number is the endnote it leads to
    wrong = page.evaluate(
        """() => [...document.querySelectorAll('article a.xref-marker')].filter(m => {
             const li = document.querySelector('ol.reader-xref-endnotes').children[+m.dataset.endnote.slice(1) - 1];
             return !li.contains(document.getElementById(decodeURIComponent(m.hash.slice(1))));
           }).map(m => m.href)"""
    )
    assert not wrong, f"markers numbered with the wrong endnote: {wrong}"

    # no navigation chrome
    for chrome in ["Skip to content", "Table of contents", "Made with", "Type to start searching", "Back to top"]:
        assert chrome not in text, f"{chrome!r} printed"
    site_name = soup.select_one(".md-header__topic .md-ellipsis").get_text(strip=True)
    assert site_name not in text, "the header is printed"
    for link in article.select("a.permalink, a.headerlink"):
        link.decompose()
    assert text.count("¶") == article.get_text().count("¶"), "¶ links are printed"
    tabs = " ".join(a.get_text(strip=True) for a in soup.select(".md-tabs__link"))
    assert _words(tabs) not in words, "the navigation tabs are printed"
