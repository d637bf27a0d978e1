"""``import --hypothesis``: a Hypothesis export into notes, each anchored like any other.

Hypothesis (https://web.hypothes.is/) stores its users' annotations and gives them back
as JSON: the search API (``GET /api/search``, https://h.readthedocs.io/en/latest/api-reference/)
answers ``{"total": N, "rows": [annotation, …]}``, and the client's "Export" writes
``{"export_date": …, "annotations": [annotation, …]}``; both are read, as is a bare list.
Each annotation holds::

    {"id": "…", "created": "…", "updated": "…", "user": "acct:NAME@hypothes.is",
     "uri": "https://www.newsweek.com/…", "text": "the comment (Markdown)", "tags": ["…"],
     "target": [{"source": "…", "selector": [{"type": "RangeSelector", …},
                                            {"type": "TextPositionSelector", "start": …, "end": …},
                                            {"type": "TextQuoteSelector", "exact": …,
                                             "prefix": …, "suffix": …}]}],
     "references": ["…"], "links": {"html": "https://hypothes.is/a/ID", …}, …}

An annotation is placed in the source whose catalog ``url`` is its ``uri`` (or the
target's ``source``) — compared without the fragment, the trailing slash, and
``http``/``https`` — or whose page on this site it names. Its quote is anchored by the
TextQuoteSelector with W3C semantics on the source's reading text and then placed by
:func:`~build_tools.contrib.add.place_quote`, like ``note add``: a quote that is missing or
ambiguous is refused with the closest passage or the candidates, and nothing is written
for it. Hypothesis's TextPositionSelector counts characters of the original web page,
not of this project's text, so it is not used. Refused too: page notes (no quote),
replies, highlights without a comment, and annotations of pages that are not sources.

The note's body is the comment; tags become note tags (lower-cased, other characters
turned into ``-``; a tag left empty by that is reported). Where it came from — the
annotation's link, user and creation time — is written as a YAML comment on the ``id``
line. Like ``import --w3c``, an imported note has no citation yet: ``check`` asks for
``citations`` or ``from_texts`` before the site builds.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from build_tools.contrib.add import ID_PATTERN, Project, _selector
from build_tools.contrib.w3c import Imported, _source_id, place_selected, read_json, write_imported
from build_tools.errors import UserError
from build_tools.model import Source
from build_tools.schema import did_you_mean
from build_tools.stages.anchor import DocIndex


def rows(data: Any) -> list[Any]:
    """The annotations of a search-API answer, a client export, or a bare list."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("rows", "annotations"):
            if isinstance(data.get(key), list):
                return data[key]
    raise UserError(
        'the file is not a Hypothesis export: expected the search API\'s {"rows": [...]}, '
        'the client\'s {"annotations": [...]} or a list of annotations'
    )


def url_key(url: str) -> str:
    """A URL compared loosely: no fragment, no trailing slash, ``http`` the same as ``https``."""
    url = url.strip().split("#", 1)[0].rstrip("/")
    return re.sub(r"^https?://", "", url, flags=re.I).lower()


def _tag(tag: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", tag.lower()).strip("-")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def read_row(row: Any, project: Project, n: int, *, by_url: dict[str, Source], site_url: str) -> Imported:
    """Anchor one Hypothesis annotation in this project and build its note entry (not written)."""
    label = f"annotation {n}"
    if not isinstance(row, dict):
        return Imported(label, None, None, None, "not an annotation object")
    if isinstance(row.get("id"), str):
        label = f"annotation {n} ({row['id']})"
    if row.get("references"):
        return Imported(label, None, None, None, "a reply to another annotation, not a note on a passage")
    targets = row.get("target") if isinstance(row.get("target"), list) else [row.get("target")]
    target = targets[0] if targets and isinstance(targets[0], dict) else {}
    selectors = target.get("selector") if isinstance(target.get("selector"), list) else []
    quote = next((s for s in selectors if isinstance(s, dict) and s.get("type") == "TextQuoteSelector"), None)
    if quote is None or not str(quote.get("exact", "")).strip():
        return Imported(label, None, None, None, "a page note: it quotes no passage (no TextQuoteSelector)")
    uri = str(row.get("uri") or target.get("source") or "")
    source = by_url.get(url_key(uri)) or by_url.get(url_key(str(target.get("source") or "")))
    if source is None and uri.startswith(site_url.rstrip("/") + "/sources/"):
        source = project.ann.sources.get(_source_id(uri))
    if source is None:
        hint = did_you_mean(_source_id(uri), project.ann.sources) if uri else ""
        return Imported(
            label, None, None, None, f"no source in annotations/sources.yml has the address {uri or '(none)'}{hint}"
        )
    text = str(row.get("text") or "").strip()
    if not text:
        return Imported(label, source.id, None, None, "a highlight without a comment: there is no body to write")
    try:
        doc = project.doc(source.id)
        # The prefix and suffix single out an occurrence; the position counts the web page's characters, not ours.
        place = place_selected(doc, DocIndex.build(doc), quote, None)
    except UserError as exc:
        return Imported(label, source.id, None, None, str(exc))
    raw_tags = [str(t) for t in row.get("tags") or [] if isinstance(t, str | int)]
    tags = list(dict.fromkeys(t for t in map(_tag, raw_tags) if t and ID_PATTERN.match(t)))
    entry = {"id": "", **_selector(place), "body": text, "tags": tags}
    dropped = [t for t in raw_tags if not _tag(t)]
    link = (row.get("links") or {}).get("html") if isinstance(row.get("links"), dict) else None
    origin = ", ".join(
        _one_line(x) for x in (link or row.get("id") or "", row.get("user") or "", row.get("created") or "") if x
    )
    return Imported(
        label,
        source.id,
        entry,
        place,
        comments={"id": f"from Hypothesis: {origin}"} if origin else {},
        remark=f" (tags left out, no letters or digits: {', '.join(repr(t) for t in dropped)})" if dropped else "",
    )


def import_hypothesis(root: Path, file: Path, *, dry_run: bool = False) -> tuple[str, int]:
    """Read a Hypothesis export into notes; return (report text, exit status).

    Every annotation is anchored before anything is written; those refused are reported
    and left out (exit status 1). With ``dry_run`` nothing is written.
    """
    from build_tools.pipeline import read_site_url

    data = rows(read_json(file))
    project = Project.load(root)
    by_url = {url_key(s.url): s for s in project.ann.sources.values() if s.url}
    site_url = read_site_url(root)
    results = [read_row(r, project, n, by_url=by_url, site_url=site_url) for n, r in enumerate(data, start=1)]
    return write_imported(root, project, results, dry_run=dry_run, refused_why="see each line: they were not written")
