"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, with the network cut.

The browser is ``$CHROMIUM`` if set (CI sets /usr/bin/google-chrome, which GitHub's
Ubuntu runners ship), else /usr/bin/chromium; Playwright never downloads one.

Every page is opened through ``open_page``, in a browser context whose requests to any
host other than 127.0.0.1 are aborted and counted; each test fails if one was made, or if
a page raised a JavaScript error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM") or "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (skips when Debian's chromium is missing)."""
    if not CHROMIUM.exists():
        if os.environ.get("CHROMIUM"):  # asked for by name (CI): a missing browser is a failure, not a skip
            pytest.fail(f"CHROMIUM={CHROMIUM} does not exist")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (or set CHROMIUM=PATH) to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


AXE_MISSING = "node_modules/axe-core is missing: run `npm ci` (make test does) to run the axe tests"


@pytest.fixture(scope="session")
def axe_path() -> Path | None:
    """axe-core's script, or None when npm has not installed it (the axe checks then skip)."""
    return AXE if AXE.exists() else None


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@dataclass
class Guard:
    """What the pages of one test did that they must not: leave the machine, or throw."""

    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def console(self, page, message) -> None:
        # a blocked request is counted in ``blocked`` already
        if message.type == "error" and "ERR_BLOCKED_BY_CLIENT" not in message.text:
            self.errors.append(f"{page.url}: console: {message.text}")

    def route(self, route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("blockedbyclient")


@pytest.fixture
def guard() -> Guard:
    return Guard()


@pytest.fixture
def open_page(browser, built_site, guard: Guard) -> Iterator[Callable[..., object]]:
    """``open_page(path, viewport=DESKTOP, mobile=False, scheme="light")``: a page of the
    built site, loaded, with reader.js run, in a fresh offline browser context."""
    _, base_url = built_site
    contexts = []

    def open_(path: str = "", *, viewport: dict = DESKTOP, mobile: bool = False, scheme: str = "light", **options):
        context = browser.new_context(
            base_url=base_url,
            viewport=viewport,
            is_mobile=mobile,
            has_touch=mobile,
            color_scheme=scheme,
            service_workers="block",
            **options,
        )
        contexts.append(context)
        context.set_default_timeout(10_000)
        context.route("**/*", guard.route)
        page = context.new_page()
        page.on("pageerror", lambda exc: guard.errors.append(f"{page.url}: {exc}"))
        page.on("console", lambda msg: guard.console(page, msg))
        goto(page, path)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not guard.blocked, f"requests left the machine: {guard.blocked}"
    assert not guard.errors, f"JavaScript errors: {guard.errors}"


def goto(page, path: str) -> None:
    """Load ``path`` and wait until reader.js has set the page up."""
    page.goto(path)
    wait_ready(page)


def wait_ready(page) -> None:
    page.wait_for_selector("article[data-reader]", state="attached")


# --------------------------------------------------------------------------- the built site


@dataclass(frozen=True)
class SitePages:
    """Pages of the built site, found at test time (the annotations change every day)."""

    sources: list[str]  # "sources/<id>/"
    note_counts: dict[str, int]  # notes per source page
    xref_counts: dict[str, int]  # cross-reference markers per source page
    glossary: list[str]  # "glossary/<id>/"
    crossrefs: list[str]  # "crossrefs/<id>/"

    @property
    def note_page(self) -> str:
        """The source page with the most notes."""
        return max(self.sources, key=lambda p: (self.note_counts[p], self.xref_counts[p]))

    @property
    def xref_page(self) -> str:
        """The source page with the most cross-reference markers."""
        return max(self.sources, key=lambda p: (self.xref_counts[p], self.note_counts[p]))


@pytest.fixture(scope="session")
def site_pages(built_site) -> SitePages:
    from bs4 import BeautifulSoup

    site_dir, _ = built_site
    sources, notes, xrefs = [], {}, {}
    for html in sorted((site_dir / "sources").glob("*/index.html")):
        rel = f"sources/{html.parent.name}/"
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        sources.append(rel)
        notes[rel] = len(soup.select("article a.footnote-ref"))
        xrefs[rel] = len(soup.select("article a.xref-marker"))

    def pages(folder: str) -> list[str]:
        return [f"{folder}/{p.parent.name}/" for p in sorted((site_dir / folder).glob("*/index.html"))]

    return SitePages(sources, notes, xrefs, pages("glossary"), pages("crossrefs"))


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
