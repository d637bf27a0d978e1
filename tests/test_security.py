"""Annotation content is untrusted: 6,613 XSS payloads never reach a page as markup.

Every payload of tests/data/xss-payload-list.txt (MIT, see LICENSE-xss-payload-list) is
pushed through each path by which contributor text reaches a page — a Markdown body, a
plain-text field, a tooltip attribute, a plain-text source, a Markdown source — then
rendered by Python-Markdown with the site's extensions, and the HTML is checked against
an allow-list of elements, attributes and URL schemes.
"""

from __future__ import annotations

import re
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup

from build_tools.errors import Origin, Report
from build_tools.mdsafe import BodyContext, escape_attr, escape_text, sanitize
from build_tools.model import BlockKind
from build_tools.stages.ingest import ingest_text
from build_tools.stages.render.inline import Decorations
from build_tools.stages.render.source_page import render_block

from .conftest import make_source

PAYLOADS = [
    line.rstrip("\n")
    for line in (Path(__file__).parent / "data" / "xss-payload-list.txt").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
EXTENSIONS = [
    "abbr",
    "admonition",
    "attr_list",
    "def_list",
    "footnotes",
    "md_in_html",
    "tables",
    "toc",
    "pymdownx.details",
    "pymdownx.superfences",
]
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def safe_href(href: str) -> bool:
    """http(s) or relative, as a browser would read it (it strips tabs and newlines)."""
    browser = re.sub(r"[\x00-\x20]", "", href)
    m = SCHEME.match(browser)
    return (m is None and not browser.startswith(("//", "\\"))) or (
        m is not None and m.group(1).lower() in ("http", "https")
    )


@pytest.fixture(scope="module")
def md() -> markdown.Markdown:
    return markdown.Markdown(extensions=EXTENSIONS)


def html_of(md: markdown.Markdown, text: str) -> BeautifulSoup:
    md.reset()
    return BeautifulSoup(md.convert(text), "html.parser")


def assert_allowed(soup: BeautifulSoup, tags: dict[str, set[str]], payload: str) -> None:
    for el in soup.find_all(True):
        assert el.name in tags, f"<{el.name}> reached the page from {payload!r}"
        extra = set(el.attrs) - tags[el.name]
        assert not extra, f"attributes {extra} on <{el.name}> from {payload!r}"
        href = el.get("href")
        if href is not None:
            assert safe_href(href), f"href {href!r} from {payload!r}"


def test_payload_list_is_complete():
    assert len(PAYLOADS) == 6613


def test_markdown_bodies_are_rebuilt_from_the_allow_list(md):
    allowed = {t: set() for t in ("p", "em", "strong", "code", "ul", "ol", "li", "blockquote")} | {"a": {"href"}}
    rejected = 0
    for payload in PAYLOADS:
        report = Report()
        out = sanitize(payload, BodyContext(Origin("n.yml", 3), "body"), report)
        rejected += bool(report.errors)
        assert_allowed(html_of(md, out), allowed, payload)
    # Most payloads contain raw HTML or a script URL: each is reported, not silently fixed.
    assert rejected > 6000


def test_plain_text_fields_render_as_text(md):
    for payload in PAYLOADS:
        assert_allowed(html_of(md, escape_text(payload)), {"p": set()}, payload)


def test_tooltips_stay_inside_their_attribute(md):
    for payload in PAYLOADS:
        soup = html_of(md, f'[x](https://example.org/ "{escape_attr(payload)}")')
        assert_allowed(soup, {"p": set(), "a": {"href", "title"}}, payload)
        assert soup.a["href"] == "https://example.org/"
        assert soup.a["title"] == " ".join(payload.split())


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_source_texts_cannot_inject_markup(md, fmt):
    allowed = {
        "p": {"id", "class"},
        "a": {"href", "class", "aria-label", "title", "id"},
        "blockquote": set(),
        "h2": {"id"},
        "h3": {"id"},
        "h4": {"id"},
        "h5": {"id"},
        "h6": {"id"},
        "em": set(),
        "strong": set(),
        "code": set(),
    }
    src = make_source(fmt)
    for payload in PAYLOADS:
        doc = ingest_text(f"Some title here\n\n{payload}\n", src, outlet=None, report=Report())
        page = "\n\n".join(render_block(b, Decorations()) for b in doc.body if b.kind is not BlockKind.FOOTNOTE)
        assert_allowed(html_of(md, page), allowed, payload)


def test_front_matter_values_cannot_carry_markup():
    """Material prints page.meta.title/description unescaped into <title>, <meta> and the header."""
    import html

    import yaml

    from build_tools.stages.render.common import front_matter

    for payload in PAYLOADS:
        block = front_matter(title=payload, description=payload + "\r\u2028next")
        assert block.count("\n") == 4, (payload, block)  # ---, title, description, ---, and nothing else
        meta = yaml.safe_load(block.split("---")[1])
        for key, value in meta.items():
            assert not set(value) & set("<>\"'\r\n\u2028\u2029\x85"), (key, payload, value)
            assert html.unescape(value) == " ".join(
                (payload + ("\r\u2028next" if key == "description" else "")).split()
            )


def test_material_tooltips_are_off():
    """content.tooltips copies title= attributes into the DOM with innerHTML (issue 14)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((Path(__file__).parent.parent / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    assert "content.tooltips" not in config["theme"]["features"]


@pytest.mark.parametrize(
    "href",
    [
        "&#106;avascript:alert(1)",
        "&amp;#106;avascript:alert(1)",
        "java&Tab;script:alert(1)",
        "javascript&colon;alert(1)",
        "%6Aavascript:alert(1)",
        "&#x2F;&#x2F;evil.example/",
    ],
)
def test_links_are_checked_as_the_browser_decodes_them(href):
    report = Report()
    out = sanitize(f"[x]({href})", BodyContext(Origin("n.yml", 3), "body"), report)
    assert [p.code for p in report.errors] == ["body-unsafe-link"]
    assert out == "x"


@pytest.mark.parametrize("br", ["\r", "\n", "\r\n", "\u2028", "\x85", "\x0b", "\x0c"])
def test_a_line_break_cannot_close_a_fence(md, br):
    from build_tools.stages.render.common import fence, indent

    page = '??? quote "Cite"\n\n' + indent(fence(f"By Ana{br}```{br}<script>alert(1)</script>"))
    soup = html_of(md, page)
    assert soup.find("script") is None
    assert "<script>" in soup.get_text()


def test_github_output_cannot_forge_an_annotation():
    from build_tools.errors import Problem, Severity

    problem = Problem(
        Severity.ERROR, Origin("annotations/notes/x\n::error file=README.md,line=1::Forged annotation.yml", 3), "bad"
    )
    line = problem.format_github()
    assert (
        line
        == "::error file=annotations/notes/x%0A%3A%3Aerror file=README.md%2Cline=1%3A%3AForged annotation.yml,line=3::bad"
    )
    assert "\n" not in line
