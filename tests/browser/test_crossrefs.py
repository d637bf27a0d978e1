"""Cross-references: following a marker lands on the other outlet's passage, in view and
highlighted; the browser's Back returns to where the reader was."""

from __future__ import annotations

import re

import pytest

from .conftest import PHONE

pytestmark = pytest.mark.browser

# The first cross-reference marker with an account in another text, scrolled to the middle:
# its "Go to the passage" link there (in the marker's endnote) and that passage's text.
PICK_JS = """() => {
  for (const m of document.querySelectorAll('article a.xref-marker')) {
    const li = document.getElementById(decodeURIComponent(m.hash.slice(1))).closest('li');
    const go = [...li.querySelectorAll('a.xref-go')].find(a => new URL(a.href).pathname !== location.pathname);
    if (!go) continue;
    m.id = m.id || 'picked-marker';
    m.scrollIntoView({block: 'center'});
    const text = go.parentElement.textContent;
    return {id: m.id, marker: m.getAttribute('href'), href: go.href, passage: text.slice(text.indexOf(': ') + 2),
            sidenoteLinks: m._sidenote ? [...m._sidenote.querySelectorAll('a')].map(a => a.href) : []};
  }
}"""

# Where the target of the address is, and how it looks.
TARGET_JS = """() => {
  const el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (!el) return null;
  const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  return {top: r.top, bottom: r.bottom, text: el.textContent, tag: el.tagName,
          header: document.querySelector('.md-header').getBoundingClientRect().bottom,
          height: innerHeight, target: el.matches(':target') || el.classList.contains('is-target'),
          outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth)};
}"""


def _quote(passage: str) -> str:
    """The quoted passage of an account ("“…” Go to the passage →")."""
    quoted = re.search(r"“(.*)”", passage, re.S)
    assert quoted, passage
    return " ".join(quoted.group(1).rstrip("…").split())


def _assert_landed(page, passage: str) -> None:
    target = page.evaluate(TARGET_JS)
    assert target is not None, f"{page.url}: nothing has the id of the address"
    assert target["tag"] == "MARK"
    # in view, below the sticky header
    assert target["top"] >= target["header"] - 1 and target["top"] < target["height"], target
    # visibly highlighted
    assert target["target"] and target["outline"] == "solid" and target["outlineWidth"] >= 2, target
    # the passage the marker showed
    assert " ".join(target["text"].split()).startswith(_quote(passage)[:60])


def _navigate(page, action, url: str) -> None:
    """Do ``action`` and wait until ``url`` is shown, with a new article set up by reader.js."""
    page.evaluate("document.querySelector('article').dataset.old = 'yes'")
    action()
    page.wait_for_function(
        "url => location.href === url && document.querySelector('article[data-reader]:not([data-old])')", arg=url
    )


def _follow_and_come_back(page, open_accounts) -> None:
    """``open_accounts(picked)`` opens the marker's accounts and returns the link to follow;
    Back must return to where the reader was when following it."""
    picked = page.evaluate(PICK_JS)
    link = open_accounts(picked)
    link.scroll_into_view_if_needed()
    page.wait_for_timeout(150)  # Material records the scroll position of the page after 100 ms
    start_url, start_y = page.url, page.evaluate("scrollY")
    _navigate(page, link.click, picked["href"])
    page.wait_for_timeout(100)
    _assert_landed(page, picked["passage"])
    assert page.evaluate("window.__same_document === true"), "the page was reloaded, not navigated instantly"

    _navigate(page, page.go_back, start_url)
    page.wait_for_timeout(200)
    assert abs(page.evaluate("scrollY") - start_y) <= 40, "Back did not return to where the reader was"
    in_view = page.evaluate(
        """([marker, link]) => {
             const seen = el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; };
             const m = document.querySelector(`article a.xref-marker[href="${marker}"]`);
             const inMargin = [...document.querySelectorAll('article > .sidenote a.xref-go')].filter(a => a.href === link);
             return seen(m) || inMargin.some(seen); }""",
        [picked["marker"], picked["href"]],
    )
    assert in_view, "neither the marker nor the link the reader followed is on screen after Back"


def test_following_a_crossref_lands_on_the_passage_and_back_returns(open_page, site_pages):
    page = open_page(site_pages.xref_page)
    page.evaluate("window.__same_document = true")
    picked = page.evaluate(PICK_JS)
    # the margin shows the same accounts, linking to the same passages
    assert picked["href"] in picked["sidenoteLinks"]

    def click(p: dict):
        page.locator(f"#{p['id']}").click()
        sidenote = page.locator("article > .sidenote.is-active")
        sidenote.wait_for()
        links = sidenote.locator("a.xref-go")
        return links.nth(links.evaluate_all("els => els.map(a => a.href)").index(p["href"]))

    _follow_and_come_back(page, click)


def test_following_a_crossref_from_its_panel_on_a_phone(open_page, site_pages):
    page = open_page(site_pages.xref_page, viewport=PHONE, mobile=True)
    page.evaluate("window.__same_document = true")

    def tap(picked: dict):
        page.locator(f"#{picked['id']}").tap()
        pop = page.locator(".reader-popover:popover-open")
        pop.wait_for()
        links = pop.get_by_role("link", name=re.compile("^Go to the passage"))
        return links.nth(links.evaluate_all("els => els.map(a => a.href)").index(picked["href"]))

    _follow_and_come_back(page, tap)


def test_coverage_matrix_on_a_phone_is_a_list_and_its_links_land(open_page):
    page = open_page("crossrefs/coverage/", viewport=PHONE, mobile=True)
    shown = page.locator(".coverage-table").evaluate_all("els => els.map(e => getComputedStyle(e).display)")
    assert shown and set(shown) == {"none"}
    rows = page.locator(".coverage-list > ul > li")
    assert rows.count() > 0
    listed = " ".join(page.locator(".coverage-list").all_inner_texts())
    assert "silent —" in listed and "not reported" in listed
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    link = rows.first.locator("a[href*='/sources/']").first
    href = link.evaluate("a => a.href")
    _navigate(page, link.tap, href)
    page.wait_for_timeout(100)
    target = page.evaluate(TARGET_JS)
    assert target and target["tag"] == "MARK" and target["target"], target
    assert target["top"] >= target["header"] - 1 and target["top"] < target["height"], target
