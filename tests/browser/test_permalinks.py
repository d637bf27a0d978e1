"""Permalinks and citation: every paragraph's ¶ shows on hover and focus, copies the full
URL and puts it in the address; a URL with a paragraph fragment highlights it; the
"Cite this text" block names the original and the paragraph."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from .conftest import PHONE, wait_ready

pytestmark = pytest.mark.browser

CITE_JS = """() => {
  const box = document.querySelector('article details.cite');
  return {codes: [...box.querySelectorAll('pre code')].map(c => c.textContent),
          example: box.querySelector(':scope > p code').textContent};
}"""


def _paragraphs(page) -> list[str]:
    return page.locator("article > p[id^='p-']").evaluate_all("ps => ps.map(p => p.id)")


def _opacity(locator) -> float:
    return float(locator.evaluate("e => getComputedStyle(e).opacity"))


def _highlighted(page, block_id: str) -> bool:
    return page.evaluate(
        """id => { const el = document.getElementById(id), s = getComputedStyle(el);
                   return el.classList.contains('is-target') && s.backgroundColor !== 'rgba(0, 0, 0, 0)'
                          && s.boxShadow !== 'none'; }""",
        block_id,
    )


def _assert_cited(page, url: str) -> None:
    cite = page.evaluate(CITE_JS)
    assert len(cite["codes"]) == 3, "plain text, APA and BibTeX"
    for code in cite["codes"]:
        assert url in code, f"the citation does not name {url}:\n{code}"
        # and no other address of this page (the bare page address, or another paragraph)
        base = url.split("#")[0]
        assert len(re.findall(re.escape(base) + r"(?:#[\w:.-]+)?", code)) == code.count(url)
    assert cite["example"] == url


def test_permalink_copies_the_url_updates_the_address_and_the_citation(open_page, site_pages, built_site):
    _, base_url = built_site
    path = site_pages.note_page
    page = open_page(path, permissions=["clipboard-read", "clipboard-write"])
    ids = _paragraphs(page)
    first, second = ids[len(ids) // 3], ids[len(ids) // 2]

    # hidden until the paragraph is hovered
    paragraph = page.locator(f"#{first}")
    link = paragraph.locator("> a.permalink")
    paragraph.scroll_into_view_if_needed()
    page.mouse.move(0, 0)
    assert _opacity(link) == 0
    paragraph.hover(position={"x": 20, "y": 5})
    page.wait_for_function("el => getComputedStyle(el).opacity === '1'", arg=link.element_handle())

    # a click copies the full URL and puts it in the address bar
    link.click()
    url = f"{base_url}{path}#{first}"
    page.wait_for_function("url => location.href === url", arg=url)
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert "copied" in page.get_by_role("status").inner_text()
    assert _highlighted(page, first)
    _assert_cited(page, url)

    # the same from the keyboard: Tab to another ¶, Enter
    other = page.locator(f"#{second} > a.permalink")
    other.scroll_into_view_if_needed()
    other.evaluate(
        """t => { const all = [...document.querySelectorAll('a[href]')].filter(e => e.getClientRects().length);
                  all[all.indexOf(t) - 1].focus(); }"""
    )
    page.keyboard.press("Tab")
    assert other.evaluate("e => document.activeElement === e")
    page.wait_for_function("el => getComputedStyle(el).opacity === '1'", arg=other.element_handle())  # shown
    page.keyboard.press("Enter")
    url = f"{base_url}{path}#{second}"
    page.wait_for_function("url => location.href === url", arg=url)
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert _highlighted(page, second) and not _highlighted(page, first)
    _assert_cited(page, url)


def test_a_paragraph_address_highlights_it_and_is_cited(open_page, site_pages, built_site):
    _, base_url = built_site
    path = site_pages.xref_page
    page = open_page(path, viewport=PHONE, mobile=True)
    ids = _paragraphs(page)
    target = ids[len(ids) // 2]
    page.goto(f"{path}#{target}")
    wait_ready(page)
    # Same page, new fragment: the browser scrolls (smoothly) after goto returns.
    # Wait for its top to be on screen (a CI run once caught the page mid-scroll, when
    # Playwright's bounding_box() returned None), then say so if it never gets there.
    expect(page.locator(f"#{target}")).to_be_in_viewport()
    on_screen = """id => { const r = document.getElementById(id).getBoundingClientRect();
                          return r.height > 0 && r.top >= 0 && r.top < innerHeight; }"""
    try:
        page.wait_for_function(on_screen, arg=target, timeout=5_000)
    except PlaywrightTimeout:
        top = page.evaluate("id => document.getElementById(id).getBoundingClientRect().top", target)
        pytest.fail(f"the paragraph is not on screen: its top is at {top} px of {PHONE['height']}")
    assert _highlighted(page, target)
    assert _opacity(page.locator(f"#{target} > a.permalink")) == 1, "no hover on a phone: ¶ must show"
    _assert_cited(page, f"{base_url}{path}#{target}")
    # an address pointing at a passage cites the paragraph that holds it
    mark = page.locator("article p[id^='p-'] mark[id^='x-']").first
    mark_id, holder = mark.evaluate("m => [m.id, m.closest('p[id]').id]")
    page.goto(f"{path}#{mark_id}")
    page.wait_for_function("id => document.getElementById(id).classList.contains('is-target')", arg=mark_id)
    _assert_cited(page, f"{base_url}{path}#{holder}")


def test_citations_name_the_original_when_known(built_site, site_pages):
    """Plain text, APA and BibTeX all give the original URL when the catalog knows it."""
    site_dir, _ = built_site
    known = 0
    for path in site_pages.sources:
        soup = BeautifulSoup((site_dir / path / "index.html").read_text(encoding="utf-8"), "html.parser")
        codes = [c.get_text() for c in soup.select("article details.cite pre code")]
        assert len(codes) == 3, path
        original = soup.select_one(".source-meta a:-soup-contains('Original')")
        if original is None:
            assert "original address unknown" in codes[0], path
            continue
        known += 1
        for code in codes:
            assert original["href"] in code, f"{path}: {original['href']} missing from\n{code}"
    assert known, "no source has a known original URL: this test proves nothing"
