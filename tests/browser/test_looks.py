"""Looks: screenshots of the main kinds of page on a desktop and a phone, saved to
tests/artifacts/ on every run (look at them), and the measurable parts of reading
comfort: the line length, no sideways scrolling, one colour per outlet."""

from __future__ import annotations

import pytest

from .conftest import DESKTOP, PHONE, wait_ready

pytestmark = pytest.mark.browser

# Characters per line of the body paragraphs (three lines or more), markers and ¶ left out.
MEASURE_JS = """() => {
  const skip = 'sup, a.xref-marker, a.permalink, .sidenote, .reader-popover';
  const out = [];
  for (const p of document.querySelectorAll('article.md-content__inner > p:not([class])')) {
    const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    let chars = 0; const tops = [];
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (node.parentElement.closest(skip)) continue;
      chars += node.nodeValue.length;
      const range = document.createRange(); range.selectNodeContents(node);
      for (const r of range.getClientRects()) if (r.width > 0) tops.push(r.bottom);
    }
    const lh = parseFloat(getComputedStyle(p).lineHeight);
    const lines = [...new Set(tops.map(t => Math.round(t / (lh / 2))))].sort((a, b) => a - b)
      .filter((t, i, all) => i === 0 || t - all[i - 1] > 1).length;
    if (lines >= 3) out.push(chars / lines);
  }
  return out;
}"""

COLOURS_JS = """() => {
  const outlet = el => [...el.classList].find(c => c.startsWith('outlet-') && c !== 'outlet-badge');
  const seen = {};
  const add = (el, colour) => { (seen[outlet(el)] ||= new Set()).add(colour); };
  document.querySelectorAll('.outlet-badge').forEach(el => add(el, getComputedStyle(el).backgroundColor));
  document.querySelectorAll('article li.reader-card').forEach(el => add(el, getComputedStyle(el).borderTopColor));
  return Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, [...v]]));
}"""


@pytest.fixture(scope="module")
def shots(site_pages, built_site) -> dict[str, str]:
    site_dir, _ = built_site
    biggest = max(site_pages.glossary, key=lambda p: (site_dir / p / "index.html").stat().st_size)
    xref = max(site_pages.crossrefs, key=lambda p: (site_dir / p / "index.html").stat().st_size)
    return {"home": "", "source-note-open": site_pages.note_page, "crossref": xref, "glossary": biggest}


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_screenshots_and_reading_comfort(open_page, shots, artifacts, device):
    phone = device == "phone"
    viewport = PHONE if phone else DESKTOP
    page = open_page("", viewport=viewport, mobile=phone)
    colours: dict[str, set[str]] = {}
    for name, path in shots.items():
        if path:
            page.goto(path)
            wait_ready(page)
        if name == "source-note-open":
            marker = page.locator("article a.footnote-ref").nth(1)
            marker.evaluate("m => m.scrollIntoView({block: 'center'})")
            if phone:
                marker.tap()
                page.locator(".reader-popover:popover-open").wait_for()
            else:
                marker.click()
                page.locator("article > .sidenote.is-active").wait_for()
                page.mouse.move(0, 0)
        page.wait_for_timeout(300)  # transitions
        page.screenshot(path=str(artifacts / f"{device}-{name}.png"))

        width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1], f"{device} /{path}: the page scrolls sideways ({width})"
        if not phone:
            per_line = page.evaluate(MEASURE_JS)
            if per_line:
                mean = sum(per_line) / len(per_line)
                assert 60 <= mean <= 80, f"/{path}: {mean:.0f} characters a line"
                assert max(per_line) <= 90, f"/{path}: a paragraph runs {max(per_line):.0f} characters a line"
        for outlet, found in page.evaluate(COLOURS_JS).items():
            colours.setdefault(outlet, set()).update(found)

    # one colour per outlet, on its badges, its markers and its cards; no two outlets alike
    assert len(colours) >= 2
    for outlet, found in colours.items():
        assert len(found) == 1, f"{outlet} is shown in several colours: {found}"
    values = [next(iter(v)) for v in colours.values()]
    assert len(set(values)) == len(values), f"two outlets share a colour: {colours}"
