"""Citations as data: ``export --csl`` and the ``citation_*`` meta tags of source pages.

``export --csl`` writes a CSL-JSON bibliography (the format Zotero, Pandoc and
citeproc read, https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html):

- the texts themselves, one item each, id = the source id: type ``article-newspaper``
  (``webpage`` for an outlet without a website, such as an unattributed repost), title
  (or the catalog's label), the outlet as ``container-title`` and ``publisher``, the
  byline as one ``literal`` author (a name is not split into given and family names by
  guessing), ``issued`` where the date is known — an inferred date is marked
  ``"circa": true`` —, the original's URL, and the annotated edition's address in
  ``note``;
- every work cited anywhere — in notes, cross-references, glossary entries (citations and
  further reading), outlets and the catalog — once per URL (the first title found wins,
  the latest ``accessed`` date is kept), type ``webpage``, id ``cite-`` + the first
  12 hex digits of the URL's SHA-1 (stable however the corpus grows).

Source pages carry the Highwire Press tags Zotero reads (``citation_title``,
``citation_author``, ``citation_publication_date`` and ``citation_date``,
``citation_publisher``, ``citation_public_url``), passed as front-matter fields and printed
by ``overrides/main.html``. A tag whose value is unknown is left out; an inferred date is
left out (a meta tag cannot say "inferred").
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from build_tools.model import Citation, Outlet, Source

if TYPE_CHECKING:
    from build_tools.model import Annotations


def _date(iso: str) -> dict[str, Any]:
    y, m, d = (int(p) for p in iso[:10].split("-"))
    return {"date-parts": [[y, m, d]]}


def cite_id(url: str) -> str:
    """A cited work's CSL id: stable, derived from its URL alone."""
    return "cite-" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]


def source_item(source: Source, outlet: Outlet, *, page_url: str) -> dict[str, Any]:
    """One text of the corpus as a CSL-JSON item (see the module docstring)."""
    item: dict[str, Any] = {
        "id": source.id,
        "type": "article-newspaper" if outlet.url else "webpage",
        "title": source.title or source.display_title,
    }
    if outlet.url:
        item["container-title"] = outlet.name
        item["publisher"] = outlet.name
    if source.byline:
        item["author"] = [{"literal": source.byline}]
    if source.date:
        item["issued"] = _date(source.date) | ({"circa": True} if "date" in source.inferred else {})
    if source.url:
        item["URL"] = source.url
    item["language"] = source.language
    item["note"] = f"Annotated edition: {page_url}"
    return item


def _all_citations(ann: Annotations) -> list[Citation]:
    out: list[Citation] = []
    for src in ann.sources.values():
        out += src.citations
    for outlet in ann.outlets.values():
        out += outlet.citations
    for note in ann.notes:
        out += note.citations
    for xref in ann.crossrefs:
        out += xref.citations
    for entry in ann.glossary.values():
        out += entry.citations
        out += entry.links
    return out


def bibliography(ann: Annotations, *, site_url: str) -> list[dict[str, Any]]:
    """The corpus's texts, then every cited work once (by URL, in order of first citation)."""
    base = site_url.rstrip("/")
    items = [
        source_item(s, ann.outlets[s.outlet], page_url=f"{base}/sources/{s.id}/")
        for s in sorted(ann.sources.values(), key=lambda s: s.id)
    ]
    works: dict[str, dict[str, Any]] = {}
    for c in _all_citations(ann):
        item = works.setdefault(c.url, {"id": cite_id(c.url), "type": "webpage", "title": c.title, "URL": c.url})
        if c.accessed and (
            "accessed" not in item or item["accessed"]["date-parts"][0] < _date(c.accessed)["date-parts"][0]
        ):
            item["accessed"] = _date(c.accessed)
    return items + list(works.values())


def citation_meta(source: Source, outlet: Outlet, *, page_url: str) -> dict[str, str]:
    """Front-matter fields for the page's ``citation_*`` meta tags; unknown ones are empty.

    The values are plain text: ``front_matter()`` escapes them for HTML and the template
    prints them as they are.
    """
    date = source.date if source.date and "date" not in source.inferred else ""
    return {
        "citation_title": source.title or source.display_title,
        "citation_author": source.byline or "",
        "citation_publication_date": date.replace("-", "/"),
        "citation_date": date.replace("-", "/"),
        "citation_publisher": outlet.name if outlet.url else "",
        "citation_public_url": page_url,
    }
