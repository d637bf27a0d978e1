"""The annotation layer the reader controls (all / notes only / plain text, remembered,
the L key), and whole sidenotes placed without moving the text: CLS measured with
PerformanceObserver, and how far each sidenote sits from its marker (drift)."""

from __future__ import annotations

import statistics

import pytest

from .conftest import wait_ready

pytestmark = pytest.mark.browser

# What a reader sees of the annotations on the page.
SHOWN_JS = """() => {
  const shown = sel => [...document.querySelectorAll(sel)].filter(e => e.getClientRects().length).length;
  const mark = document.querySelector('article > p mark.hl-note');
  return {layer: document.documentElement.dataset.readerLayer,
          pressed: [...document.querySelectorAll('.reader-layer button[aria-pressed=true]')].map(b => b.dataset.layer),
          notes: shown('article a.footnote-ref'), xrefs: shown('article a.xref-marker'),
          sidenotes: shown('article > .sidenote'), xrefSidenotes: shown('article > .sidenote--xref'),
          underline: mark ? getComputedStyle(mark).textDecorationLine : '',
          endnotes: shown('.footnote li'), stored: localStorage.getItem('reader-layer')};
}"""


def test_the_three_layers_and_the_choice_persists(open_page, site_pages):
    page = open_page(site_pages.xref_page)
    shown = page.evaluate(SHOWN_JS)
    assert shown["layer"] == "all" and shown["pressed"] == ["all"]
    assert shown["notes"] and shown["xrefs"] and shown["xrefSidenotes"] and "underline" in shown["underline"]

    page.get_by_role("button", name="Notes only").click()
    notes = page.evaluate(SHOWN_JS)
    assert notes["pressed"] == ["notes"] and notes["stored"] == "notes"
    assert notes["notes"] == shown["notes"] and notes["xrefs"] == 0 and notes["xrefSidenotes"] == 0

    page.get_by_role("button", name="Plain text").click()
    plain = page.evaluate(SHOWN_JS)
    assert plain["notes"] == plain["xrefs"] == plain["sidenotes"] == 0
    assert plain["underline"] == "none"
    assert plain["endnotes"] == shown["endnotes"] > 0, "plain text must keep the notes listed at the end"

    # remembered on the next page, and after a reload
    other = next(p for p in site_pages.sources if p != site_pages.xref_page)
    page.goto(other)
    wait_ready(page)
    assert page.evaluate(SHOWN_JS)["pressed"] == ["plain"]
    page.reload()
    wait_ready(page)
    again = page.evaluate(SHOWN_JS)
    assert again["layer"] == "plain" and again["notes"] == 0


def test_the_l_key_cycles_the_layers(open_page, site_pages):
    page = open_page(site_pages.note_page)
    page.locator("article h1").click()
    order = []
    for _ in range(3):
        page.keyboard.press("l")
        order.append(page.evaluate("document.documentElement.dataset.readerLayer"))
    assert order == ["notes", "plain", "all"]
    assert page.locator(".reader-toast").inner_text().startswith("Annotations:")
    # not while typing in the search box
    page.keyboard.press("s")  # the search shortcut opens Pagefind's search box
    box = page.locator(".site-search__input")
    box.wait_for()
    box.focus()
    page.keyboard.press("l")
    assert page.evaluate("document.documentElement.dataset.readerLayer") == "all"


# Layout shifts from the first paint on (buffered), and each sidenote's distance from its marker.
CLS_JS = """() => new Promise(resolve => {
  let cls = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) cls += e.value; })
    .observe({type: 'layout-shift', buffered: true});
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => {
    const drift = [...document.querySelectorAll('article > .sidenote')].filter(sn => sn.offsetParent)
      .map(sn => sn.getBoundingClientRect().top - sn._marker.getBoundingClientRect().top);
    resolve({cls, drift});
  }, 500)));
})"""


def test_whole_sidenotes_without_layout_shift(open_page, site_pages, artifacts):
    page = open_page(site_pages.sources[0])
    report = []
    for path in site_pages.sources:
        page.goto(path)  # a full load each time, so the buffered shifts are this page's
        wait_ready(page)
        got = page.evaluate(CLS_JS)
        drift = got["drift"]
        if drift:
            assert min(drift) >= -1.5, f"{path}: a sidenote sits above its marker"
            report.append(
                f"{path}: CLS {got['cls']:.4f}, {len(drift)} sidenotes, drift median {statistics.median(drift):.0f} px, "
                f"max {max(drift):.0f} px"
            )
        assert got["cls"] <= 0.1, f"{path}: cumulative layout shift {got['cls']:.3f}"
        # whole: a note of up to 8 lines is shown entire, without "more"
        cut = page.evaluate(
            """() => [...document.querySelectorAll('article > .sidenote--note:not(.is-long) .reader-note__body')]
                 .filter(b => b.scrollHeight > b.clientHeight + 1).length"""
        )
        assert cut == 0, f"{path}: a short note is cut off"
    (artifacts / "sidenote-drift.txt").write_text("\n".join(report) + "\n", encoding="utf-8")


def test_more_shows_all_of_a_long_note(open_page, site_pages):
    page = open_page(site_pages.note_page)
    long = page.locator("article > .sidenote.is-long").first
    if not long.count():
        pytest.skip("no note on this page is longer than the margin shows")
    more = long.locator("button.reader-more")
    more.scroll_into_view_if_needed()
    assert (more.inner_text(), more.get_attribute("aria-expanded")) == ("more", "false")
    more.click()
    assert "is-active" in long.get_attribute("class")
    body = long.locator(".reader-note__body")
    assert body.evaluate("b => b.scrollHeight <= b.clientHeight + 1")
    # the same button now says what it does next, and does it
    assert (more.inner_text(), more.get_attribute("aria-expanded")) == ("less", "true")
    assert more.get_attribute("aria-label").startswith("less: the first lines of ")
    more.click()
    assert "is-active" not in long.get_attribute("class")
    assert (more.inner_text(), more.get_attribute("aria-expanded")) == ("more", "false")
    page.mouse.move(0, 0)  # a note pointed at is shown whole
    page.wait_for_function("b => b.scrollHeight > b.clientHeight + 1", arg=body.element_handle())


def test_crowding_cuts_short_only_the_notes_that_collide(open_page, site_pages):
    """A note is cut below 8 lines only where, whole, it would push the next sidenote more
    than a line (16 px) below that one's marker; pointing at a cut note shows it whole,
    drawn over the notes below, which stay where they are."""
    page = open_page(site_pages.note_page)
    cut = page.evaluate(
        """() => [...document.querySelectorAll('article > .sidenote')].filter(sn => sn.offsetParent)
             .sort((a, b) => a._marker.getBoundingClientRect().top - b._marker.getBoundingClientRect().top)
             .map((sn, i, all) => ({sn, next: all[i + 1]})).filter(x => x.sn.dataset.snDensity !== '0')
             .map(({sn, next}) => {
               const top = sn.getBoundingClientRect().top;
               sn.dataset.snDensity = '0';  // how far would it reach, whole (up to 8 lines)?
               const bottom = top + sn.offsetHeight;
               sn.dataset.snDensity = 'probe';
               return next ? bottom + 10 - next._marker.getBoundingClientRect().top : -1;
             })"""
    )
    page.evaluate("window.reader.layout()")
    assert all(reach > 16 for reach in cut), f"a note was cut short though it had room: {cut}"
    note = page.locator("article > .sidenote.is-long:not([data-sn-density='0'])").first
    if not note.count():
        pytest.skip("no note on this page is cut short")
    tops = "() => [...document.querySelectorAll('article > .sidenote')].map(sn => sn.offsetTop)"
    note.evaluate("sn => sn.scrollIntoView({block: 'center'})")
    before = page.evaluate(tops)
    note.hover()
    body = note.locator(".reader-note__body")
    assert body.evaluate("b => b.scrollHeight <= b.clientHeight + 1"), "the pointed-at note is still cut short"
    assert page.evaluate(tops) == before, "pointing at a note moved the sidenotes"
    page.mouse.move(0, 0)
    assert body.evaluate("b => b.scrollHeight > b.clientHeight + 1")
