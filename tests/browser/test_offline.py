"""Offline and private: every test runs with requests to any other host than 127.0.0.1
aborted and counted, and fails if there was one (see conftest.open_page). This checks
that the guard itself sees and stops such a request, and walks the site with it on."""

from __future__ import annotations

import pytest

from .conftest import wait_ready

pytestmark = pytest.mark.browser


def test_the_guard_blocks_and_counts_requests_to_other_hosts(open_page, guard):
    page = open_page("")
    outcome = page.evaluate(
        """() => fetch('https://example.org/tracker.gif', {mode: 'no-cors'}).then(() => 'loaded', () => 'blocked')"""
    )
    assert outcome == "blocked"
    assert guard.blocked == ["https://example.org/tracker.gif"]
    guard.blocked.clear()  # the request was this test's own


def test_every_kind_of_page_works_with_the_network_cut(open_page, site_pages, guard):
    page = open_page("")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in ["sources/", "crossrefs/", "glossary/", "outlets/", "about/", site_pages.glossary[0]]:
        page.goto(path)
        wait_ready(page)
        assert page.locator("article.md-content__inner h1").count() == 1, path
    # Pagefind's script and its index load from this machine too
    page.locator("button.pagefind-open").click()
    page.locator(".site-search__input").press_sequentially("China", delay=15)
    page.locator(".site-search__link").first.wait_for()
    assert any("/pagefind/pagefind-entry.json" in url for url in requested)
    assert not guard.blocked
