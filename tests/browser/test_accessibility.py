"""Accessibility: axe-core finds no serious or critical violation in either colour scheme,
and the highlights, badges and markers keep WCAG AA contrast."""

from __future__ import annotations

import pytest

from .conftest import AXE_MISSING, PHONE, wait_ready

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): ${v.help}\\n` + v.nodes.slice(0, 5).map(
      n => `    ${n.target.join(' ')}: ${(n.failureSummary || '').split('\\n').slice(1).join(' ').trim()}`).join('\\n'));
}"""


def _axe(page, axe_path) -> list[str]:
    if axe_path is None:
        return []
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_path))
    return page.evaluate(RUN_AXE, AXE_TAGS)


# Contrast of the text on each kind of highlight, over the page's own background.
CONTRAST_JS = """() => {
  const rgba = s => { const m = s.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const page = rgba(getComputedStyle(document.body).backgroundColor);
  const out = {};
  const probe = (name, el) => {
    if (!el) return;
    const bg = over(rgba(getComputedStyle(el).backgroundColor), page);
    const s = getComputedStyle(el);
    out[name] = {text: ratio(rgba(s.color), bg), againstPage: ratio(bg, page), fill: !['rgba(0, 0, 0, 0)', 'transparent'].includes(s.backgroundColor),
                 underline: s.textDecorationLine.includes('underline'),
                 line: s.textDecorationLine === 'none' ? 0 : ratio(over(rgba(s.textDecorationColor), page), page)};
  };
  // the text's highlights are a light underline (no fill); the comparison pages' a tint
  for (const cls of ['hl-note', 'hl-xref', 'hl-correction'])
    probe(cls, document.querySelector(`article > :not(.xref-grid) mark.${cls}`));
  probe('comparison', document.querySelector('article .xref-grid mark.hl'));
  const p = document.querySelector('article p[id^="p-"]');
  if (p) {
    p.classList.add('is-target');
    probe('target paragraph', p);
    p.classList.remove('is-target');
  }
  const badges = {};
  document.querySelectorAll('.outlet-badge').forEach(b => {
    const cls = [...b.classList].find(c => c.startsWith('outlet-') && c !== 'outlet-badge');
    const bg = rgba(getComputedStyle(b).backgroundColor);
    badges[cls] = ratio(rgba(getComputedStyle(b).color), over(bg, page));
  });
  out.badges = badges;
  return out;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_violation_and_aa_contrast(open_page, site_pages, axe_path, scheme):
    """axe-core on the home page, every source page, a glossary and a cross-reference page;
    on each, the text on every kind of highlight and on the outlet badges is measured too
    (without axe-core, only the contrast is checked and the test reports the axe part skipped)."""
    pages = ["", *site_pages.sources, site_pages.glossary[0], site_pages.crossrefs[0], "crossrefs/coverage/"]
    page = open_page(pages[0], scheme=scheme)
    expected = "slate" if scheme == "dark" else "default"
    problems, kinds, badges = [], {}, {}
    for path in pages:
        if path:
            page.goto(path)
            wait_ready(page)
        assert page.evaluate("document.body.dataset.mdColorScheme") == expected
        problems += [f"/{path}: {v}" for v in _axe(page, axe_path)]
        found = page.evaluate(CONTRAST_JS)
        badges.update(found.pop("badges"))
        for kind, value in found.items():
            kinds.setdefault(kind, value)
    # a note open in a popover, on a phone
    phone = open_page(site_pages.note_page, viewport=PHONE, mobile=True, scheme=scheme)
    phone.locator("article a.footnote-ref").first.tap()
    phone.locator(".reader-popover:popover-open").wait_for()
    problems += [f"/{site_pages.note_page} (phone, note open): {v}" for v in _axe(phone, axe_path)]
    phone.locator(".reader-popover__close").tap()
    phone.goto(site_pages.xref_page)
    wait_ready(phone)
    phone.locator("article a.xref-marker").first.tap()
    phone.locator(".reader-popover:popover-open").wait_for()
    problems += [f"/{site_pages.xref_page} (phone, cross-reference panel open): {v}" for v in _axe(phone, axe_path)]
    for layer in ("notes", "plain"):  # and the other two layers, on a wide screen
        page.goto(site_pages.xref_page)
        wait_ready(page)
        page.locator(f'.reader-layer button[data-layer="{layer}"]').click()
        problems += [f"/{site_pages.xref_page} (layer {layer}): {v}" for v in _axe(page, axe_path)]
    page.locator('.reader-layer button[data-layer="all"]').click()
    assert not problems, "\n".join(problems)

    assert len(badges) >= 2, "no outlet badges seen"
    low = {outlet: round(r, 2) for outlet, r in badges.items() if r < 4.5}
    assert not low, f"outlet badge colours (annotations/outlets.yml) below 4.5:1 with white text: {low}"
    assert {"hl-note", "hl-xref", "hl-correction", "comparison", "target paragraph"} <= kinds.keys()
    for kind, value in kinds.items():
        assert value["text"] >= 4.5, f"text on {kind} highlights: {value['text']:.2f}:1 ({scheme})"
        if kind.startswith("hl-"):  # calm: no fill, a light underline that can still be seen
            assert not value["fill"] and value["underline"], f"{kind}: {value}"
            assert value["line"] >= 1.4, f"{kind} underline: {value['line']:.2f}:1 ({scheme})"
        else:  # subtle: a tint, not a block of colour
            assert 1.03 <= value["againstPage"] <= 1.45, f"{kind} highlight is not subtle: {value['againstPage']:.2f}:1"
    if axe_path is None:
        pytest.skip(AXE_MISSING)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_search_box_with_results_and_filters(open_page, axe_path, scheme):
    """axe-core with the search box open (its results, the places under one, its filters),
    on a wide screen and on a phone."""
    if axe_path is None:
        pytest.skip(AXE_MISSING)
    problems = []
    for viewport, mobile, where in ((None, False, "desktop"), (PHONE, True, "phone")):
        page = open_page("", scheme=scheme, **({"viewport": viewport, "mobile": True} if mobile else {}))
        page.locator("button.pagefind-open").click()
        page.locator(".site-search__input").press_sequentially("Putin", delay=15)
        page.locator(".site-search__filters summary").click()
        page.locator(".site-search__filter").first.wait_for()
        page.wait_for_function(
            "() => /^\\d+ results? for/.test(document.querySelector('.site-search__message').textContent)"
            " && document.querySelector('.site-search__places')"
            " && !document.querySelector('.site-search__result--loading')"
        )
        problems += [f"search ({where}, {scheme}): {v}" for v in _axe(page, axe_path)]
    assert not problems, "\n".join(problems)
