"""Every payload in every plain-text field at once, rendered by the real renderer in memory.

:func:`render_batch` builds, for a batch of payloads, one in-memory corpus in which payload
``j`` fills *every* plain-text field of its own outlet, two sources (a ``.txt`` and a
``.md``), a note, a cross-reference and a glossary entry (see :data:`FIELD_PATHS`), then
runs the real ``anchor_all`` and ``render_site`` and converts each page with
Python-Markdown and the extensions of the site's ``mkdocs.yml``. :func:`problems` scans the
result. :func:`attribute` finds which field a bad payload broke through, by rendering it
again with one field hostile at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

import markdown
import yaml
from bs4 import BeautifulSoup

from build_tools.errors import Origin, Report
from build_tools.model import Annotations, Citation, CrossRef, GlossaryEntry, Note, Outlet, Selector, Source
from build_tools.stages.anchor import anchor_all
from build_tools.stages.ingest import ingest_text
from build_tools.stages.render import render_site
from build_tools.stages.render.common import citation_list, outlet_badge, source_link
from build_tools.stages.render.context import SiteContext
from build_tools.stages.render.pages import render_abbreviations, render_crossref_page, render_glossary_pages
from build_tools.stages.render.source_page import _meta_line, decorate, render_block, render_source_page

from .conftest import ROOT

SITE_URL = "http://127.0.0.1:8000/"
PLAIN = "Plain words"

FIELD_PATHS: dict[str, str] = {
    "outlet.name": "badge title (tooltip), outlets page <h2> and TOC, cross-reference marker tooltip and "
    "aria-label, endnotes, About section, source pages' front-matter description → <meta>, Cite fences",
    "outlet.short": "badge text on every source page and index, cross-reference marker text and aria-label",
    "citation.title": "'Sources:' line of every kind (link text)",
    "source.title": "front-matter title → <title>, header and search index; <h1>; About; timeline; "
    "mention headings; cross-reference cards; Cite fences (plain, APA, BibTeX)",
    "source.label": "as source.title, where the title is null",
    "source.byline": "meta line, About, timeline, Cite fences",
    "source.inferred.date": "tooltip of the '(inferred)' link in the meta line, About",
    "source.inferred.other": "About ('Outlet inferred: …')",
    "source.dating": "About ('Dating: …'), timeline of undated sources",
    "source.txt": "paragraphs of a plain-text source; mention sentences on glossary pages; cross-reference "
    "cards, endnotes and marker tooltips of the other source",
    "source.md": "paragraphs of a Markdown source (its *emphasis*, `code` and links kept), as source.txt",
    "source.md.link_title": "title= (tooltip) of a link in a Markdown source",
    "crossref.title": "front-matter title → <title>; <h1>; cross-reference index; endnote headings",
    "glossary.name": "front-matter title → <title>; <h1>; glossary index; abbreviation expansions (<abbr title>)",
    "glossary.aliases": "'Also written:' line; linked wherever a source uses them",
    "glossary.description": "front-matter description → <meta>; glossary link tooltips in every source; "
    "glossary index; the entry's page",
    "glossary.links.title": "'Further reading:' line",
}
"""The plain-text fields this module fills, and the path each takes to a page."""


def _site_extensions() -> tuple[list, dict]:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    names, configs = [], {}
    for ext in config["markdown_extensions"]:
        name, conf = next(iter(ext.items())) if isinstance(ext, dict) else (ext, None)
        if name == "pymdownx.snippets":  # the abbreviations partial is appended by hand below
            continue
        names.append(name)
        if conf:
            configs[name] = conf
    return names, configs


def site_features() -> list[str]:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    return list(config["theme"].get("features", []))


def make_markdown() -> markdown.Markdown:
    names, configs = _site_extensions()
    return markdown.Markdown(extensions=names, extension_configs=configs)


_O = Origin("annotations/x.yml", 1)


def _md_link_title(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _source(sid: str, fmt: str, outlet: str, **fields: object) -> Source:
    base = dict(
        id=sid,
        file=f"sources/{sid}.{'md' if fmt == 'markdown' else 'txt'}",
        format=fmt,
        outlet=outlet,
        title=None,
        label=PLAIN,
        byline=None,
        date="2024-02-12",
        url=None,
        language="en",
        sha256="",
        inferred={},
        dating=None,
        about="",
        structure=(),
        citations=(),
        origin=_O,
    )
    base.update(fields)
    return Source(**base)  # type: ignore[arg-type]


def _value(field: str, hostile: frozenset[str] | None, payload: str, plain: str = PLAIN) -> str:
    return payload if hostile is None or field in hostile else plain


def build_batch(payloads: list[str], *, only: frozenset[str] | None = None, offset: int = 0):
    """The in-memory corpus of a batch; ``only`` limits the hostile fields (default: all)."""
    outlets, sources, docs, notes, xrefs, glossary = {}, {}, {}, [], [], {}
    report = Report()
    for k, p in enumerate(payloads):
        j = offset + k

        def v(field: str, plain: str = PLAIN, p: str = p) -> str:
            return _value(field, only, p, plain)

        cite = (Citation(v("citation.title"), "https://example.org/c", "2026-11-22", _O),)
        oid = f"o{j}"
        outlets[oid] = Outlet(
            oid, v("outlet.name", f"Outlet {j}"), v("outlet.short", f"O{j}"), "Plain.", None, "#1d4e89", (), cite, _O
        )
        word, acronym = f"Glossxq{j}", "XQ" + "".join(chr(65 + (j // 26**n) % 26) for n in (3, 2, 1, 0))
        t, m = f"t{j}", f"m{j}"
        sources[t] = _source(
            t,
            "text",
            oid,
            title=v("source.title", f"Title {j}"),
            byline=v("source.byline", f"Byline {j}"),
            inferred={"date": v("source.inferred.date"), "outlet": v("source.inferred.other")},
            citations=cite,
        )
        sources[m] = _source(
            m,
            "markdown",
            oid,
            title=None,
            label=v("source.label", f"Label {j}"),
            date=None,
            dating=v("source.dating"),
            citations=cite,
        )
        txt = f"Lead paragraph of {t} with {word} and {acronym}.\n\n{v('source.txt')}\n"
        title = _md_link_title(v("source.md.link_title"))
        md = f"Lead paragraph of {m} with [a link](https://example.org/{j} {title}) and {word}.\n\n{v('source.md')}\n"
        for sid, text in ((t, txt), (m, md)):
            doc = ingest_text(text, sources[sid], outlet=outlets[oid], report=report)
            docs[sid] = doc
        quotes = {sid: docs[sid].blocks[-1].text for sid in (t, m) if len(docs[sid].blocks) > 1}
        if t in quotes:
            notes.append(Note(f"n{j}", "context", Selector(t, quotes[t], origin=_O), "Plain note.", cite, (), _O))
        if len(quotes) == 2:
            xrefs.append(
                CrossRef(
                    f"x{j}",
                    v("crossref.title", f"Cross-reference {j}"),
                    "same-event",
                    "Plain.",
                    (Selector(t, quotes[t], origin=_O), Selector(m, quotes[m], origin=_O)),
                    cite,
                    _O,
                )
            )
        aliases = [word, acronym] + ([p] if only is None or "glossary.aliases" in only else [])
        glossary[f"g{j}"] = GlossaryEntry(
            f"g{j}",
            v("glossary.name", f"Entry {j}"),
            "term",
            tuple(aliases),
            v("glossary.description"),
            "",
            cite,
            (Citation(v("glossary.links.title"), "https://example.org/l", None, _O),),
            _O,
        )
    ann = Annotations(outlets, sources, tuple(notes), tuple(xrefs), glossary)
    anchoring = anchor_all(ann, docs, Report())
    return ann, docs, anchoring


@dataclass(frozen=True)
class Page:
    path: str
    """docs/-relative path of the generated page (or ``path#fragment`` for a piece of one)."""
    front: dict
    html: str


def _front(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        return {}, text
    head, _, body = text[4:].partition("\n---\n")
    return yaml.load(head, Loader=_YAML) or {}, body


_YAML = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def render_batch(md: markdown.Markdown, payloads: list[str], **options) -> Iterator[Page]:
    """Each generated page of the batch's corpus, as MkDocs would convert it (slow: ~40 ms
    of Markdown per payload; :func:`render_fragments` is the fast path)."""
    ann, docs, anchoring = build_batch(payloads, **options)
    pages = render_site(ann, docs, anchoring, site_url=SITE_URL)
    abbreviations = pages["_partials/abbreviations.md"]
    for path, text in pages.items():
        if not path.endswith(".md") or path.startswith("_partials/"):
            continue
        front, body = _front(text)
        md.reset()
        yield Page(path, front, md.convert(body + "\n\n" + abbreviations))


def render_fragments(md: markdown.Markdown, payloads: list[str], *, offset: int = 0, **options) -> Iterator[Page]:
    """The fast path: for each payload, the front matter of each of its pages, and one
    Markdown document made of the real renderer's pieces that carry a plain-text field —
    badge, source links, citations, the meta line (byline, inferred-date tooltip), every
    block of both sources with their glossary links, note markers and cross-reference
    markers (tooltips and aria-labels), the entry's and the cross-reference's page heads,
    and the abbreviation line with a use of it. About, Cite, endnotes, mention lists and
    index pages are left to :func:`render_batch` (a sample) and the built-site scan."""
    ann, docs, anchoring = build_batch(payloads, offset=offset, **options)
    ctx = SiteContext.build(ann, docs, anchoring)
    bare = replace(ctx, mentions_by_entry={}, xref_anchors={})
    abbr = {line.split("]:", 1)[0][2:]: line for line in render_abbreviations(ctx).splitlines() if line}
    xrefs = {x.id: x for x in ann.crossrefs}
    for k in range(len(payloads)):
        j = offset + k
        t, m, entry = ann.sources[f"t{j}"], ann.sources[f"m{j}"], ann.glossary[f"g{j}"]
        outlet = ann.outlets[t.outlet]
        texts = {
            f"sources/{t.id}.md": render_source_page(t, site_ctx=ctx, site_url=SITE_URL),
            f"sources/{m.id}.md": render_source_page(m, site_ctx=ctx, site_url=SITE_URL),
            **render_glossary_pages(entry, site_ctx=bare),
        }
        if f"x{j}" in xrefs:
            texts[f"crossrefs/x{j}.md"] = render_crossref_page(xrefs[f"x{j}"], site_ctx=bare)
        pieces = [outlet_badge(outlet), source_link(t), source_link(m), citation_list(entry.citations + entry.links)]
        for s in (t, m):
            doc = docs[s.id]
            decos = decorate(doc, ctx)
            pieces.append(_meta_line(s, doc, ctx, decos))
            pieces += [render_block(b, decos[b.id]) for b in doc.body]
        for path, text in texts.items():
            front, body = _front(text)
            yield Page(path + "#front-matter", front, "")
            if not path.startswith("sources/"):
                pieces.append(body)
        acronym = next((a for a in entry.aliases if a in abbr), None)
        if acronym:
            pieces += [f"The {acronym} again.", abbr[acronym]]
        md.reset()
        yield Page(f"fragments/{j}", {}, md.convert("\n\n".join(pieces)))


# --------------------------------------------------------------------------- the scan

SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def _href_problem(href: str) -> str:
    browser = re.sub(r"[\x00-\x20]", "", href)
    m = SCHEME.match(browser)
    if m:
        return "" if m.group(1).lower() in ("http", "https") else f"script or foreign URL {href!r}"
    if browser.startswith(("//", "\\")):
        return f"protocol-relative URL {href!r}"
    path = browser.split("#", 1)[0]
    if path and not path.endswith(".md"):
        return f"relative link {href!r} that MkDocs cannot resolve (the build would fail inside MkDocs)"
    return ""


_ALLOWED: dict[str, set[str]] = {
    "a": {"href", "title", "class", "id", "aria-label", "rel"},  # rel: the pager's prev/next
    "abbr": {"title"},
    "blockquote": set(),
    "br": set(),
    "code": set(),
    "details": {"class"},
    "div": {"class", "markdown", "data-search-exclude"},
    "em": set(),
    "h1": {"id"},
    "h2": {"id", "data-search-exclude"},
    "h3": {"id", "data-search-exclude"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "hr": set(),
    "li": {"id"},
    "mark": {"class", "id"},
    "ol": set(),
    "p": {"id", "class", "role", "aria-label"},  # role, aria-label: the pager of a page split in parts
    "pre": set(),
    "span": {"class", "aria-hidden"},  # the cross-reference marker's ⇄ (render/source_page.py)
    "strong": set(),
    "del": set(),  # the quotation diff of cross-reference pages
    "ins": set(),
    "table": set(),  # the coverage matrix (crossrefs/coverage)
    "thead": set(),
    "tbody": set(),
    "tr": set(),
    "th": set(),
    "td": set(),
    "summary": set(),
    "sup": {"id"},
    "ul": set(),
}
"""Elements and attributes the generated pages use (found by rendering plain batches)."""


def problems(page: Page, *, tooltips: bool) -> list[str]:
    """What is wrong with one page: markup, attributes or URLs no field should make."""
    out = []
    for key in page.front.keys() & {"title", "description"}:
        value = page.front.get(key)
        if isinstance(value, str) and any(c in value for c in '<>"'):
            out.append(f'front matter {key} holds a raw < > or " (Material prints it unescaped): {value[:120]!r}')
    soup = BeautifulSoup(page.html, "html.parser") if page.html else None
    if soup is None:
        return out
    for el in soup.find_all(True):
        if el.name not in _ALLOWED:
            out.append(f"element <{el.name}> {str(el)[:160]!r}")
            continue
        extra = set(el.attrs) - _ALLOWED[el.name]
        if extra:
            out.append(f"attributes {sorted(extra)} on <{el.name}> {str(el)[:160]!r}")
        for attr in ("href", "src"):
            if el.get(attr) is not None and (why := _href_problem(el[attr])):
                out.append(f"<{el.name} {attr}>: {why}")
        if tooltips and "<" in (el.get("title") or ""):
            out.append(
                f"markup in the title= of <{el.name}> (content.tooltips copies it into the page with innerHTML): "
                f"{el['title'][:120]!r}"
            )
    return out


def scan_batch(
    md: markdown.Markdown, payloads: list[str], *, tooltips: bool, full: bool = False, **options
) -> dict[str, list[str]]:
    """docs/-relative page → its problems, for every page that has one (``full``: whole pages)."""
    out = {}
    for page in (render_batch if full else render_fragments)(md, payloads, **options):
        found = problems(page, tooltips=tooltips)
        if found:
            out[page.path] = found
    return out


def attribute(md: markdown.Markdown, payload: str, *, tooltips: bool, full: bool = False) -> dict[str, list[str]]:
    """Field → the problems ``payload`` causes when it is the only hostile field."""
    out = {}
    for f in FIELD_PATHS:
        found = scan_batch(md, [payload], tooltips=tooltips, full=full, only=frozenset({f}))
        if found:
            out[f] = sorted({p for ps in found.values() for p in ps})
    return out
