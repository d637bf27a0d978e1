"""Search (with the network cut): a person's name finds the source paragraphs, the notes
and the glossary entry; a variant spelling from the sources finds the entry too."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.browser


@dataclass
class Person:
    name: str
    page: str  # glossary/<id>/
    variant: str  # a word of an alias that is not in the name ("Wengbin")
    sources: set[str]  # sources/<id>/ whose text mentions them
    notes: set[str]  # sources/<id>/ whose notes mention them


@pytest.fixture(scope="module")
def people(built_site, site_pages) -> list[Person]:
    """People with a variant spelling who are mentioned in the texts (looked up in the built site)."""
    site_dir, _ = built_site
    notes_text = {}
    for path in site_pages.sources:
        soup = BeautifulSoup((site_dir / path / "index.html").read_text(encoding="utf-8"), "html.parser")
        notes_text[path] = " ".join(li.get_text(" ") for li in soup.select("article div.footnote li"))
    candidates = []
    for path in site_pages.glossary:
        soup = BeautifulSoup((site_dir / path / "index.html").read_text(encoding="utf-8"), "html.parser")
        meta = soup.select_one(".glossary-meta").get_text(" ", strip=True)
        aliases = re.search(r"Also written: ([^·]+)", meta)
        if not meta.startswith("Person") or not aliases:
            continue
        name = soup.select_one("article h1").get_text().replace("¶", "").strip()
        variants = [w for a in aliases.group(1).split(",") for w in a.split() if w not in name.split()]
        sources = {f"sources/{h3['id'].removeprefix('in-')}/" for h3 in soup.select("h3[id^='in-']")}
        notes = {p for p, text in notes_text.items() if name in text}
        if variants and sources:
            candidates.append(Person(name, path, variants[0], sources, notes))
    assert candidates, "no person in the glossary has a variant spelling: nothing to search for"
    return candidates


@pytest.fixture(scope="module")
def person(people: list[Person]) -> Person:
    """The one of them that the most notes speak of."""
    return max(people, key=lambda p: (len(p.notes), len(p.sources)))


def _search(page, query: str) -> set[str]:
    """Type ``query`` in the search box; the site-relative addresses of every result."""
    box = page.locator(".md-search__input")
    box.click()
    # typed key by key, as a reader does (Material's search listens to keyup)
    box.press("Control+A")
    box.press("Backspace")
    page.locator(".md-search-result__item").first.wait_for(state="detached")
    box.press_sequentially(query, delay=15)
    page.locator(".md-search-result__item").first.wait_for()
    # results arrive in pages as the list scrolls: scroll until no more come
    count = -1
    while count != (count := page.locator("a.md-search-result__link").count()):
        page.locator(".md-search__scrollwrap").evaluate("el => el.scrollTo(0, el.scrollHeight)")
        page.wait_for_timeout(150)
    hrefs = page.locator("a.md-search-result__link").evaluate_all("as => as.map(a => a.href)")
    root = page.evaluate("location.origin") + "/"
    return {re.sub(r"\?h=[^#]*", "", h).removeprefix(root) for h in hrefs}


def test_a_name_finds_the_paragraphs_the_notes_and_the_entry(open_page, person):
    page = open_page("")
    found = _search(page, person.name)
    assert person.page in found, f"{person.name}: glossary entry not found in {sorted(found)}"
    assert {h.split("#")[0] for h in found} & person.sources, f"{person.name}: no source text found"
    if person.notes:
        assert {f"{p}#notes" for p in person.notes} & found, f"{person.name}: no note found"
    # the result leads to the entry (instant navigation, offline)
    page.evaluate("document.querySelector('article.md-content__inner').dataset.old = 'yes'")
    page.locator(f"a.md-search-result__link[href*='{person.page}']").first.click()
    page.wait_for_function("() => document.querySelector('article.md-content__inner[data-reader]:not([data-old])')")
    assert person.page in page.url
    assert person.name in page.locator("article.md-content__inner h1").inner_text()


def test_a_variant_spelling_finds_the_entry(open_page, people):
    page = open_page("")
    for person in people:  # "Wengbin" finds Wang Wenbin
        found = _search(page, person.variant)
        assert person.page in found, f"{person.variant}: {person.name}'s entry not found in {sorted(found)}"
