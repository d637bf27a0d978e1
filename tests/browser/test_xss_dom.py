"""Browser tier of the XSS harness (issue 14): the hostile site in Chromium, hovered and focused.

The hostile project of tests/hostile.py (every payload in some field, with ``alert``,
``prompt`` and ``confirm`` turned into ``__xss.push``) is built and served on localhost
(the ``hostile_site`` fixture). About 30 pages covering every page type and every field
are opened on a wide screen (sidenotes), every element with a title, tooltip or marker is
focused and the first ones hovered; source pages are opened again on a phone and their
markers tapped (popovers). Asserted on every page: no dialog fired, nothing was pushed to
``window.__xss``, no element in the live DOM has an ``on*`` attribute — neither at the
end nor at any moment in between (a MutationObserver watches the whole time, so a
tooltip that is shown and removed again is seen) — no <script> was added after load, and
no request left 127.0.0.1.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import CHROMIUM_ARGS, DESKTOP, LOCAL_HOSTS, PHONE  # noqa: F401

pytestmark = pytest.mark.browser

HOVERS_PER_PAGE = 15
"""Real mouse hovers per page (slow); every target is also focused, which is fast."""
TAPS_PER_PAGE = 6

WATCH = """() => {
  window.__xss = window.__xss || [];
  window.__xss.push = Array.prototype.push.bind(window.__xss);
  window.__seen = [];
  const bad = el => el.nodeType === 1 && [...el.attributes].some(a => /^on/i.test(a.name));
  const note = (el, why) => window.__seen.push(why + ': ' + el.outerHTML.slice(0, 200));
  const walk = node => {
    if (node.nodeType !== 1) return;
    if (bad(node)) note(node, 'on* attribute');
    if (node.tagName === 'SCRIPT' && document.readyState === 'complete') note(node, 'script added');
    for (const child of node.children) walk(child);
  };
  new MutationObserver(records => {
    for (const r of records) {
      if (r.type === 'attributes' && /^on/i.test(r.attributeName) && r.target.hasAttribute(r.attributeName))
        note(r.target, 'on* attribute set');
      for (const n of r.addedNodes || []) walk(n);
    }
  }).observe(document, {subtree: true, childList: true, attributes: true});
}"""
INIT = "(" + WATCH + ")();"

FINAL = """() => {
  const onAttrs = [...document.querySelectorAll('*')].filter(
    el => [...el.attributes].some(a => /^on/i.test(a.name))).map(el => el.outerHTML.slice(0, 200));
  const scripts = [...document.scripts].map(s => s.src || ('inline:' + s.textContent.slice(0, 60)));
  return {xss: [...window.__xss], seen: window.__seen, onAttrs, scripts};
}"""

TARGETS = (
    "article [title], article abbr, article a.xref-marker, article a.footnote-ref, article a.gl, "
    ".md-content a.outlet-badge, .sidenote a"
)


def _pages(site, limit: int = 30) -> list[str]:
    """~30 pages covering every page type and every field (by the manifest's pages)."""
    shown = site.manifest.pages
    wanted = ["", "sources/", "glossary/", "crossrefs/", "outlets/"]
    sources = sorted(p for p in {p for ps in shown.values() for p in ps} if p.startswith("sources/s"))
    wanted += sources[::2]  # half the plain-text and half the Markdown sources
    for field in sorted(shown):  # a page of its own for every field
        ps = sorted(p for p in shown[field] if p.count("/") == 2)
        if ps and not set(ps) & set(wanted):
            wanted.append(ps[0])
    every = {p for ps in shown.values() for p in ps}
    for prefix in ("crossrefs/x", "glossary/g", "sources/x"):  # and some more of each kind, spread out
        more = sorted(p for p in every if p.startswith(prefix) and p not in wanted)
        wanted += more[:: max(1, len(more) // 4)][:4]
    return wanted


@pytest.fixture(scope="module")
def hostile(hostile_site):
    if not hostile_site.built:
        pytest.fail(
            "the hostile project did not build:\n" + (hostile_site.build.stdout + hostile_site.build.stderr)[-4000:]
        )
    return hostile_site


def _watched(browser, site, problems: list[str], where: str, *, viewport: dict, mobile: bool = False):
    """A context and page on the hostile site, watched from the first script on (:data:`INIT`):
    a request off localhost or a dialog goes to ``problems``, prefixed with ``where``."""
    context = browser.new_context(
        base_url=site.base_url, viewport=viewport, is_mobile=mobile, has_touch=mobile, service_workers="block"
    )
    context.set_default_timeout(10_000)

    def route(r) -> None:
        if urlsplit(r.request.url).hostname in LOCAL_HOSTS:
            r.continue_()
        else:
            problems.append(f"{where}: request to {r.request.url[:120]}")
            r.abort("blockedbyclient")

    context.route("**/*", route)
    context.add_init_script(INIT)
    page = context.new_page()
    page.on("dialog", lambda d: (problems.append(f"{where}: {d.type} dialog {d.message[:80]!r}"), d.dismiss()))
    return context, page


def _visit(browser, site, path: str, *, viewport: dict, mobile: bool, problems: list[str]) -> None:
    context, page = _watched(browser, site, problems, path, viewport=viewport, mobile=mobile)
    try:
        page.goto(path)
        page.wait_for_load_state("load")
        scripts_at_load = page.evaluate("() => document.scripts.length")
        targets = page.locator(TARGETS)
        n = targets.count()
        page.evaluate(
            """sel => { for (const el of document.querySelectorAll(sel)) {
                 el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
                 el.dispatchEvent(new MouseEvent('mouseenter'));
                 el.focus(); el.dispatchEvent(new FocusEvent('focusin', {bubbles: true})); } }""",
            TARGETS,
        )
        hovered = 0
        for i in range(n):
            if hovered >= HOVERS_PER_PAGE:
                break
            el = targets.nth(i)
            if not el.is_visible():
                continue
            try:  # a target under a sticky header or off-screen cannot be hovered: take the next one
                el.hover(timeout=2_000)
            except PlaywrightTimeout:
                continue
            hovered += 1
            el.focus()
            page.keyboard.press("Tab")
        if mobile:
            markers = page.locator("article a.footnote-ref, article a.xref-marker")
            for i in range(min(markers.count(), TAPS_PER_PAGE)):
                markers.nth(i).tap(timeout=2_000)
                page.wait_for_timeout(50)
                page.keyboard.press("Escape")
        page.wait_for_timeout(200)
        state = page.evaluate(FINAL)
        problems += [f"{path}: __xss.push({v!r}) ran" for v in state["xss"]]
        problems += [f"{path}: {s}" for s in state["seen"]]
        problems += [f"{path}: live on* attribute {s}" for s in state["onAttrs"]]
        if len(state["scripts"]) != scripts_at_load:
            problems.append(f"{path}: scripts changed after load: {state['scripts']}")
    finally:
        context.close()


def test_hovering_focusing_and_tapping_every_field_runs_nothing(browser, hostile):
    problems: list[str] = []
    pages = _pages(hostile)
    assert len(pages) >= 25, pages
    for path in pages:
        _visit(browser, hostile, path, viewport=DESKTOP, mobile=False, problems=problems)
    for path in [p for p in pages if p.startswith("sources/s")][::3]:
        _visit(browser, hostile, path, viewport=PHONE, mobile=True, problems=problems)
    assert not problems, f"{len(problems)} problems in the live DOM:\n" + "\n".join(problems[:40])


SEARCHES = ("xss", "script", "onerror", "img src", "javascript")
"""Words of the payloads: the hostile site's search results are full of them (titles, excerpts,
and the outlet names of the filters)."""


def test_searching_the_hostile_site_runs_nothing(browser, hostile):
    """The search box draws titles, excerpts and filter values that come from the fields:
    every result of payload words drawn (all of them, with the filters open and one chosen)
    runs nothing and adds no on* attribute."""
    problems: list[str] = []
    context, page = _watched(browser, hostile, problems, "search", viewport=DESKTOP)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    drawn = 0

    def clean() -> bool:
        """Whether nothing has run so far; checked before each click, so that a box that did
        run something fails here rather than in whatever the payload did to the page."""
        state = page.evaluate(FINAL)
        problems.extend(f"__xss.push({v!r}) ran" for v in state["xss"])
        problems.extend(state["seen"])
        problems.extend(f"live on* attribute {s}" for s in state["onAttrs"])
        return not problems

    try:
        page.goto("")
        page.locator("button.pagefind-open").click()
        box = page.locator(".site-search__input")
        box.wait_for()
        page.locator(".site-search__filters summary").click()
        page.locator(".site-search__filter").first.wait_for()
        outlets = page.locator(".site-search__filter", has_text="Outlet").locator("input[type=checkbox]")
        assert outlets.count() >= 2, page.locator(".site-search__filter").all_inner_texts()
        for query in SEARCHES:
            if not clean():
                break
            box.fill(query)
            page.wait_for_function(
                "q => document.querySelector('.site-search__message').textContent.endsWith('for “' + q + '”')"
                " && !document.querySelector('.site-search__result--loading')",
                arg=query,
            )
            more = page.locator("button.site-search__more:not([hidden])")
            while clean() and more.count():
                more.click()
                page.wait_for_function("() => !document.querySelector('.site-search__result--loading')")
            drawn += page.locator(".site-search__result").count()
        if clean():
            outlets.nth(1).check()  # a filter chosen: the results drawn again
            page.wait_for_function("() => !document.querySelector('.site-search__result--loading')")
            page.wait_for_timeout(300)
            clean()
    finally:
        context.close()
    assert not problems, f"{len(problems)} problems in the search box:\n" + "\n".join(problems[:40])
    assert drawn >= 20, f"only {drawn} results drawn: the payloads were not searched"
