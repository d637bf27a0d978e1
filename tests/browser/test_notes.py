"""Notes and cross-references on every device: sidenotes on wide screens, Material's
tooltips on hover, popovers on tap and from the keyboard, accessible names."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, wait_ready

pytestmark = pytest.mark.browser

GAP = 10  # px between stacked sidenotes (reader.js)
NOTE_NAME = re.compile(r"^(Note|Correction) \d+$")
XREF_NAME = re.compile(r"^(\S+: )?cross-reference \(.+\)[:,] how .+ told this$", re.IGNORECASE)

# Geometry of every sidenote and its marker, in page coordinates.
SIDENOTES_JS = """() => {
  const art = document.querySelector('article');
  const column = [...art.querySelectorAll(':scope > p[id]')].map(p => p.getBoundingClientRect().right);
  return {
    on: document.documentElement.classList.contains('reader-sidenotes'),
    toc: getComputedStyle(document.querySelector('.md-sidebar--secondary')).display,
    columnRight: Math.max(...column),
    viewport: document.documentElement.clientWidth,
    markers: art.querySelectorAll('a.footnote-ref, a.xref-marker').length,
    withSidenote: [...art.querySelectorAll('a.footnote-ref, a.xref-marker')].filter(
      m => m._sidenote && getComputedStyle(m._sidenote).display !== 'none').length,
    notes: [...art.querySelectorAll(':scope > .sidenote')].map(sn => {
      const r = sn.getBoundingClientRect(), m = sn._marker.getBoundingClientRect();
      return {top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right,
              want: m.top + scrollY, label: sn.getAttribute('aria-label'), text: sn.textContent};
    }).sort((a, b) => a.want - b.want),
  };
}"""


def _check_stack(notes: list[dict], page: str) -> None:
    """Each sidenote is level with its marker, or just below the one above it — never on it."""
    bottom = None
    for n in notes:
        expected = n["want"] if bottom is None else max(n["want"], bottom + GAP)
        assert abs(n["top"] - expected) <= 1.5, f"{page}: sidenote {n['label']!r} at {n['top']}, expected {expected}"
        if bottom is not None:
            assert n["top"] >= bottom, f"{page}: sidenote {n['label']!r} overlaps the one above"
        bottom = n["bottom"]


def test_sidenotes_sit_in_the_margin_beside_their_markers(open_page, site_pages):
    """On every source page at 1440 px; the markers' accessible names are checked on the way."""
    page = open_page(site_pages.sources[0])
    for path in site_pages.sources:
        if not page.url.endswith(path):
            page.goto(path)
            wait_ready(page)
        article = page.locator("article")
        assert article.get_by_role("link", name=NOTE_NAME).count() == site_pages.note_counts[path], path
        assert article.get_by_role("link", name=XREF_NAME).count() == site_pages.xref_counts[path], path
        info = page.evaluate(SIDENOTES_JS)
        if not info["markers"]:
            assert not info["on"], f"{path}: sidenote layout without a single marker"
            continue
        assert info["on"], f"{path}: no sidenotes at 1440 px"
        assert info["toc"] == "none", f"{path}: the table of contents still takes the margin"
        assert info["withSidenote"] == info["markers"], f"{path}: a marker has no visible sidenote"
        notes = info["notes"]
        for n in notes:
            assert n["left"] >= info["columnRight"] + 16, f"{path}: sidenote {n['label']!r} overlaps the text column"
            assert n["right"] <= info["viewport"], f"{path}: sidenote {n['label']!r} runs off the screen"
            assert n["text"].strip(), f"{path}: empty sidenote {n['label']!r}"
        _check_stack(notes, path)
        # the first one is never pushed: it is level with its marker
        assert abs(notes[0]["top"] - notes[0]["want"]) <= 1.5


def test_colliding_sidenotes_are_pushed_down(open_page, site_pages):
    page = open_page(site_pages.note_page)
    # A second note marker right after the first one, on the same line: the two sidenotes collide.
    page.evaluate("""() => {
      const sup = document.querySelector('article sup:has(> a.footnote-ref)');
      const copy = sup.cloneNode(true);
      copy.removeAttribute('id');
      sup.after(copy);
      window.reader.refresh();
    }""")
    info = page.evaluate(SIDENOTES_JS)
    first = page.evaluate(
        "() => document.querySelector('article a.footnote-ref').getBoundingClientRect().top + scrollY"
    )
    same_line = [n for n in info["notes"] if abs(n["want"] - first) < 2 and NOTE_NAME.match(n["label"])]
    assert len(same_line) == 2
    assert same_line[1]["top"] >= same_line[0]["bottom"] + GAP - 1.5, "the second sidenote was not pushed down"
    _check_stack(info["notes"], site_pages.note_page)


def test_a_note_marker_from_the_keyboard_on_a_wide_screen(open_page, site_pages):
    page = open_page(site_pages.note_page)
    marker = page.locator("article a.footnote-ref").first
    _tab_to(page, marker)
    page.keyboard.press("Enter")
    sidenote = page.locator("article > .sidenote.is-active")
    assert sidenote.count() == 1
    assert page.evaluate("() => document.activeElement.classList.contains('sidenote')")
    note_text = _footnote_text(page, marker)
    body = sidenote.locator(".reader-note__body")
    # opened in full: nothing of the note is cut off
    assert page.evaluate("el => el.scrollHeight <= el.clientHeight + 1", body.element_handle())
    assert note_text[:60] in " ".join(sidenote.inner_text().split())
    page.keyboard.press("Escape")
    assert page.evaluate("() => document.activeElement.matches('a.footnote-ref')")
    assert page.locator("article > .sidenote.is-active").count() == 0


def test_hover_shows_the_note_and_the_other_passage(open_page, site_pages):
    page = open_page(site_pages.xref_page, viewport={"width": 1100, "height": 800})
    assert not page.evaluate("document.documentElement.classList.contains('reader-sidenotes')")
    marker = page.locator("article a.footnote-ref").first
    marker.scroll_into_view_if_needed()
    marker.hover()
    tip = page.locator(".md-tooltip2--active")
    tip.wait_for()
    assert _footnote_text(page, marker)[:60] in " ".join(tip.inner_text().split())
    page.mouse.move(0, 0)
    tip.wait_for(state="detached")
    xref = page.locator("article a.xref-marker").first
    passage = xref.get_attribute("data-passage")
    xref.scroll_into_view_if_needed()
    xref.hover()
    # Material's content.tooltips is off (it copies title= into the DOM with innerHTML, issue 14):
    # the other passage is the browser's own, text-only tooltip.
    page.wait_for_timeout(600)
    assert page.locator(".md-tooltip2--active").count() == 0
    assert " ".join(xref.get_attribute("title").split()) == " ".join(passage.split())


def _on_screen(box: dict, viewport: dict) -> bool:
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )


def test_tap_opens_a_note_fully_on_screen_on_a_phone(open_page, site_pages):
    page = open_page(site_pages.note_page, viewport=PHONE, mobile=True)
    assert not page.evaluate("document.documentElement.classList.contains('reader-sidenotes')")
    markers = page.locator("article a.footnote-ref")
    for index, block in ((0, "center"), (markers.count() - 1, "end")):
        marker = markers.nth(index)
        # a marker at the very bottom of the screen must open upwards
        marker.evaluate(f"m => m.scrollIntoView({{block: '{block}'}})")
        url = page.url
        marker.tap()
        pop = page.locator(".reader-popover:popover-open")
        pop.wait_for()
        assert page.url == url, "tapping a marker navigated away"
        assert marker.get_attribute("aria-expanded") == "true"
        assert _footnote_text(page, marker)[:60] in " ".join(pop.inner_text().split())
        box = pop.bounding_box()
        assert box and _on_screen(box, PHONE), f"popover off screen: {box}"
        assert _visible_tooltips(page) == 0, "Material's tooltip shows on top of the popover"
        # tapping elsewhere closes it
        page.touchscreen.tap(20, PHONE["height"] // 2)
        pop.wait_for(state="detached")
        expect(marker).to_have_attribute("aria-expanded", "false")


def test_tap_on_a_crossref_shows_the_other_passage_on_a_phone(open_page, site_pages):
    page = open_page(site_pages.xref_page, viewport=PHONE, mobile=True)
    marker = page.locator("article a.xref-marker").first
    marker.evaluate("m => m.scrollIntoView({block: 'center'})")
    passage = marker.get_attribute("data-passage")
    marker.tap()
    pop = page.locator(".reader-popover:popover-open")
    pop.wait_for()
    assert " ".join(passage.split()) in " ".join(pop.inner_text().split())
    assert _on_screen(pop.bounding_box(), PHONE)
    go = pop.get_by_role("link", name=re.compile("^Go to the passage"))
    assert go.get_attribute("href") == marker.evaluate("m => m.href")
    # the close button closes it too
    pop.get_by_role("button", name="Close").tap()
    pop.wait_for(state="detached")


def test_keyboard_enter_opens_and_escape_closes_on_a_narrow_screen(open_page, site_pages):
    page = open_page(site_pages.note_page, viewport={"width": 390, "height": 844})
    marker = page.locator("article a.footnote-ref").first
    _tab_to(page, marker)
    # focus alone shows Material's tooltip; Enter opens the popover instead of jumping away
    url = page.url
    page.keyboard.press("Enter")
    pop = page.locator(".reader-popover:popover-open")
    pop.wait_for()
    assert page.url == url
    assert _on_screen(pop.bounding_box(), {"width": 390, "height": 844})
    # the note's links are next in the tab order
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('.reader-popover')")
    page.keyboard.press("Escape")
    pop.wait_for(state="detached")
    assert page.evaluate("() => document.activeElement.matches('a.footnote-ref')"), "focus did not return to the marker"
    # Esc also dismisses Material's focus tooltip (WCAG 1.4.13)
    page.wait_for_timeout(400)
    assert _visible_tooltips(page) == 0


def test_instant_navigation_sets_up_the_next_page(open_page, site_pages):
    page = open_page("")
    page.evaluate("window.__same_document = true; document.querySelector('article').dataset.old = 'yes'")
    page.locator(f'.timeline a[href$="{site_pages.note_page}"]').first.click()
    page.wait_for_function(
        f"() => location.pathname.endsWith('/{site_pages.note_page}')"
        " && document.querySelector('article[data-reader]:not([data-old])')"
    )
    assert page.evaluate("window.__same_document === true"), "the page was reloaded, not navigated instantly"
    info = page.evaluate(SIDENOTES_JS)
    assert info["on"] and info["withSidenote"] == info["markers"] > 0
    _check_stack(info["notes"], site_pages.note_page)


# --------------------------------------------------------------------------- helpers


def _visible_tooltips(page) -> int:
    """How many of Material's tooltips are shown."""
    return page.locator(".md-tooltip2--active").evaluate_all(
        "els => els.filter(e => getComputedStyle(e).display !== 'none').length"
    )


def _footnote_text(page, marker) -> str:
    """The text of the footnote a note marker points to, whitespace collapsed."""
    text = marker.evaluate(
        "m => { const li = document.getElementById(decodeURIComponent(m.hash.slice(1)));"
        " const c = li.cloneNode(true); c.querySelectorAll('.footnote-backref').forEach(e => e.remove());"
        " return c.textContent; }"
    )
    return " ".join(text.split())


def _tab_to(page, target) -> None:
    """Focus the element before ``target`` in the tab order, then press Tab onto it."""
    target.scroll_into_view_if_needed()
    target.evaluate(
        """t => {
          const all = [...document.querySelectorAll('a[href], button, input, [tabindex]')].filter(
            e => e.tabIndex >= 0 && e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden');
          const i = all.indexOf(t);
          all[i - 1].focus();
        }"""
    )
    page.keyboard.press("Tab")
    assert target.evaluate("t => document.activeElement === t"), "Tab did not reach the marker"
