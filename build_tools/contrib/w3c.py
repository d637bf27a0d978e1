"""W3C Web Annotation interchange: ``export --w3c`` and ``import --w3c``.

Export writes every anchored note as a W3C Web Annotation (JSON-LD) inside one
``AnnotationCollection``::

    {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
     "id": "SITE/sources/SOURCE/#a-NOTE", "motivation": "commenting",
     "creator": {"type": "Person", "name": …}, "created": …, "modified": …,
     "generator": {"id": "SITE/", "type": "Software", "name": …},
     "body": [{"type": "TextualBody", "value": "…", "format": "text/markdown",
               "language": "en", "purpose": "commenting"}, …],
     "target": {"type": "SpecificResource",
                "source": {"id": "SITE/sources/SOURCE/", "type": "Text", "format": "text/html",
                           "language": "en", "dc:title": …,
                           "dcterms:source": [{"id": "ni:///sha-256;…"}, {"id": ORIGINAL_URL}]},
                "selector": [{"type": "TextQuoteSelector", "exact": …, "prefix": …, "suffix": …},
                             {"type": "TextPositionSelector", "start": …, "end": …}],
                "state": {"type": "TimeState", "sourceDateStart": "DATET00:00:00Z",
                          "sourceDateEnd": "DATET23:59:59Z"}}}

``motivation`` is ``commenting`` for a context note and ``assessing`` for a correction
(the W3C vocabulary has no "correcting"; its "editing" asks for a change to the target).
The target's source is the annotated edition's page; ``dcterms:source`` names what it
was made from: the received file, by the RFC 6920 ``ni:`` IRI of the catalog's sha256,
and the original's URL where it is known. ``state`` is given only for a source whose date
is printed (not inferred), and spans that whole day, since the catalog holds no time of
day. ``creator``, ``created`` and ``modified`` come from ``git blame`` of the notes file
(the commit that added the note's ``id`` line; the latest commit that changed any line of
its entry); outside a git work tree, or for a note not committed yet, they are left out.

The text the selectors refer to is the source's *reading text*: the plain text of its
blocks in reading order (title, byline, dateline, then the body, with Markdown syntax
removed and outlet boilerplate dropped), normalised as for matching quotes — Unicode
NFC, curly quotes made straight, every dash ``-``, ``…`` as ``...``, soft hyphens and
zero-width characters removed, every run of whitespace one space — with the blocks
joined by one space. ``TextPositionSelector`` offsets count Unicode code points in that
text, end exclusive; ``exact`` is that text between them, and ``prefix``/``suffix``
are up to :data:`CONTEXT` characters either side. ``python -m build_tools blocks SOURCE``
shows the blocks.

Other bodies: each citation is ``{"type": "SpecificResource", "purpose": "linking",
"source": {"id": URL, "type": "Text", "dc:title": TITLE, "dcterms:date": ACCESSED}}``;
each tag and the marker ``from_texts`` (a note that explains only from the texts) are
``{"type": "TextualBody", "purpose": "tagging", "value": …}``.

Import reads such a file (a collection, an ``AnnotationPage``, a list, or one
annotation) back into ``annotations/notes/SOURCE.yml``. Each annotation is anchored
first: by its TextQuoteSelector (exact with prefix/suffix, W3C semantics), else by its
TextPositionSelector if that still holds the exact text. A note that anchors is written
with the shortest prefix/suffix our anchoring needs; one that does not is reported
with the closest passage and not written. ``--dry-run`` only reports. The motivation
``assessing`` (or ``correcting``, which some tools write) makes a correction.
"""

from __future__ import annotations

import base64
import bisect
import json
import re
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from build_tools import yamlio
from build_tools.contrib.add import (
    ID_PATTERN,
    Placement,
    Project,
    _ids_in,
    _selector,
    _unique_id,
    _words_slug,
    append_note,
    place_quote,
    shown,
)
from build_tools.errors import UserError
from build_tools.model import Anchor, Document, Note, Position, Source
from build_tools.placement import Asker, exact_spans, find_all
from build_tools.schema import did_you_mean
from build_tools.stages.anchor import DocIndex
from build_tools.stages.load import ANNOTATIONS_DIR
from build_tools.textnorm import norm

if TYPE_CHECKING:
    from build_tools.pipeline import Corpus

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTEXT = 32
"""Characters of prefix and suffix exported around each quote."""
GENERATOR = "Annotated reading (python -m build_tools export --w3c)"
"""The ``generator`` agent's name."""
LABEL = "Context notes and corrections"
"""The collection's label."""
FROM_TEXTS_TAG = "from_texts"
"""Tag body value that stands for ``from_texts: true`` (no real tag can have an underscore)."""


# --------------------------------------------------------------------------- offsets


def normalized_offset(index: DocIndex, pos: Position, *, end: bool = False) -> int:
    """The offset in ``index.text`` of a block position (inverse of :meth:`DocIndex.position`)."""
    i = next(n for n, b in enumerate(index.doc.blocks) if b.id == pos.block)
    n = index.norms[i]
    if end:
        local = bisect.bisect_left(n.ends, pos.offset) + 1 if len(n.text) else 0
    else:
        local = bisect.bisect_left(n.starts, pos.offset)
    return index.starts[i] + min(local, len(n.text))


def _site_base(root: Path) -> str:
    from build_tools.pipeline import read_site_url

    return read_site_url(root).rstrip("/") + "/"


def _raw_notes(root: Path) -> dict[str, dict[str, Any]]:
    """Each note's mapping as written in YAML (for the body before sanitising), by id."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((root / ANNOTATIONS_DIR / "notes").glob("*.yml")):
        try:
            data = yamlio.read(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        for item in data.get("notes") or [] if isinstance(data, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                out.setdefault(item["id"], item)
    return out


# --------------------------------------------------------------------------- export


def _git_lines(root: Path, rel: str) -> list[tuple[str, int]]:
    """Each line of ``rel`` as (author name, author time) from ``git blame``; ``[]`` outside git.

    Lines not committed yet have no date and are given as ``("", 0)``.
    """
    try:
        proc = subprocess.run(
            ["git", "blame", "--line-porcelain", "--", rel],
            cwd=root,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
        )
    except OSError:
        return []
    if proc.returncode != 0:
        return []
    out: list[tuple[str, int]] = []
    author, when, sha = "", 0, ""
    for line in proc.stdout.splitlines():
        if line.startswith("\t"):
            out.append(("", 0) if set(sha) == {"0"} else (author, when))
        elif line.startswith("author "):
            author = line[7:]
        elif line.startswith("author-time "):
            when = int(line[12:])
        elif re.match(r"^[0-9a-f]{40} ", line):
            sha = line[:40]
    return out


@dataclass(frozen=True, slots=True)
class History:
    """When a note was written and last changed, and by whom, from git (empty when unknown)."""

    created: str = ""
    """Author date of the commit that added the note's ``id`` line (ISO 8601, UTC)."""
    modified: str = ""
    """Author date of the latest commit that changed any line of the note's entry."""
    creator: str = ""
    """Author name of the commit that added the ``id`` line."""


def _iso(when: int) -> str:
    return datetime.fromtimestamp(when, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def note_histories(root: Path, notes: tuple[Note, ...] | list[Note]) -> dict[str, History]:
    """Each note's :class:`History`, by id: one ``git blame`` per notes file."""
    by_file: dict[str, list[Note]] = {}
    for n in notes:
        by_file.setdefault(n.origin.path, []).append(n)
    out: dict[str, History] = {}
    for rel, group in by_file.items():
        lines = _git_lines(root, rel)
        if not lines:
            continue
        starts = sorted(n.origin.line for n in group)
        for n in group:
            first = n.origin.line
            nxt = next((s for s in starts if s > first), len(lines) + 1)
            entry = [ln for ln in lines[first - 1 : nxt - 1] if ln[1]]
            author, when = lines[first - 1] if 0 < first <= len(lines) else ("", 0)
            if not when or not entry:
                continue  # the note is not committed yet: no date rather than a guessed one
            out[n.id] = History(_iso(when), _iso(max(t for _a, t in entry)), author)
    return out


def _ni_sha256(hexdigest: str) -> str:
    """The RFC 6920 ``ni:`` IRI of a SHA-256 digest: names the exact bytes received."""
    raw = bytes.fromhex(hexdigest)
    return "ni:///sha-256;" + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def source_resource(source: Source, page: str) -> dict[str, Any]:
    """The annotated edition of ``source`` as an External Web Resource: its page, title,
    and what it was made from — the received file (by its sha256) and the original's URL."""
    res: dict[str, Any] = {"id": page, "type": "Text", "format": "text/html", "language": source.language}
    res["dc:title"] = source.display_title
    derived: list[dict[str, str]] = [{"id": _ni_sha256(source.sha256)}] if source.sha256 else []
    if source.url:
        derived.append({"id": source.url})
    if derived:
        res["dcterms:source"] = derived
    return res


def time_state(source: Source) -> dict[str, str] | None:
    """A TimeState for the day the source is dated, or ``None`` (undated or an inferred date).

    The catalog holds a day, not a moment: the state spans the whole day (UTC) rather than
    inventing a time of day; an inferred date is left out rather than stated as fact.
    """
    if not source.date or "date" in source.inferred:
        return None
    return {
        "type": "TimeState",
        "sourceDateStart": f"{source.date}T00:00:00Z",
        "sourceDateEnd": f"{source.date}T23:59:59Z",
    }


MOTIVATION = {"context": "commenting", "correction": "assessing"}
"""A note's ``kind`` → the annotation's motivation (and its text body's purpose).

The W3C vocabulary has no "correcting": a correction assesses what the source states.
"""


def annotation(
    note: Note,
    anchor: Anchor,
    index: DocIndex,
    raw: dict[str, Any],
    base: str,
    *,
    source: Source | None = None,
    history: History | None = None,
) -> dict[str, Any]:
    """One note as a W3C Web Annotation (see the module docstring)."""
    assert anchor.start is not None and anchor.end is not None
    s = normalized_offset(index, anchor.start)
    e = normalized_offset(index, anchor.end, end=True)
    text = index.text
    quote: dict[str, Any] = {"type": "TextQuoteSelector", "exact": text[s:e]}
    if s > 0:
        quote["prefix"] = text[max(0, s - CONTEXT) : s]
    if e < len(text):
        quote["suffix"] = text[e : e + CONTEXT]
    purpose = MOTIVATION.get(note.kind, "commenting")
    body: list[dict[str, Any]] = [
        {
            "type": "TextualBody",
            "value": str(raw.get("body", note.body)).strip(),
            "format": "text/markdown",
            "language": "en",
            "purpose": purpose,
        }
    ]
    for c in note.citations:
        # A purpose belongs on a SpecificResource, never on the web resource itself (model 3.3.5).
        cited: dict[str, Any] = {"id": c.url, "type": "Text", "dc:title": c.title}
        if c.accessed:
            cited["dcterms:date"] = c.accessed
        body.append({"type": "SpecificResource", "purpose": "linking", "source": cited})
    tags = [*note.tags, *([FROM_TEXTS_TAG] if note.from_texts else [])]
    body.extend({"type": "TextualBody", "purpose": "tagging", "value": t} for t in tags)
    page = f"{base}sources/{note.selector.source}/"
    target: dict[str, Any] = {
        "type": "SpecificResource",
        "source": source_resource(source, page) if source is not None else page,
        "selector": [quote, {"type": "TextPositionSelector", "start": s, "end": e}],
    }
    state = time_state(source) if source is not None else None
    if state:
        target["state"] = state
    out: dict[str, Any] = {
        "@context": ANNO_CONTEXT,
        "id": f"{page}#a-{note.id}",
        "type": "Annotation",
        "motivation": purpose,
    }
    if history is not None and history.creator:
        out["creator"] = {"type": "Person", "name": history.creator}
    if history is not None and history.created:
        out["created"] = history.created
        out["modified"] = history.modified
    out["generator"] = {"id": base, "type": "Software", "name": GENERATOR, "nickname": "build_tools"}
    out["body"] = body
    out["target"] = target
    return out


def export_w3c(root: Path, corpus: Corpus) -> tuple[dict[str, Any], list[str]]:
    """All anchored notes as an ``AnnotationCollection``, and the ids of notes left out (unanchored)."""
    base = _site_base(root)
    raw = _raw_notes(root)
    anchors = {a.annotation: a for a in corpus.anchoring.anchors if a.kind == "note"}
    histories = note_histories(root, corpus.ann.notes)
    indexes: dict[str, DocIndex] = {}
    items: list[dict[str, Any]] = []
    skipped: list[str] = []
    for note in corpus.ann.notes:
        a = anchors.get(note.id)
        doc = corpus.docs.get(note.selector.source)
        if a is None or not a.placed or doc is None:
            skipped.append(note.id)
            continue
        index = indexes.setdefault(doc.source_id, DocIndex.build(doc))
        items.append(
            annotation(
                note,
                a,
                index,
                raw.get(note.id, {}),
                base,
                source=corpus.ann.sources.get(note.selector.source),
                history=histories.get(note.id),
            )
        )
    collection = {
        "@context": ANNO_CONTEXT,
        "id": f"{base}annotations.jsonld",
        "type": "AnnotationCollection",
        "label": LABEL,
        "total": len(items),
        "first": {
            "id": f"{base}annotations.jsonld#page-1",
            "type": "AnnotationPage",
            "partOf": {"id": f"{base}annotations.jsonld", "label": LABEL, "total": len(items)},
            "startIndex": 0,
            "items": items,
        },
        "last": f"{base}annotations.jsonld#page-1",
    }
    return collection, skipped


# --------------------------------------------------------------------------- import


@dataclass(frozen=True, slots=True)
class Imported:
    """One annotation read from the file: where it goes, or why it cannot."""

    label: str
    source: str | None
    entry: dict[str, Any] | None
    """The note's field values, written in the registry's order by :func:`.add.append_note`."""
    place: Placement | None
    problem: str = ""
    comments: dict[str, str] = field(default_factory=dict)
    """YAML comments to write after values, by key (e.g. where the annotation came from)."""
    remark: str = ""
    """Appended to the report line of an entry that is written (e.g. tags left out)."""


def _items(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise UserError("the file is not W3C Web Annotation JSON (expected an object or a list)")
    kind = data.get("type")
    if kind == "AnnotationCollection":
        first = data.get("first")
        if isinstance(first, dict):
            return list(first.get("items") or [])
        return list(data.get("items") or [])
    if kind == "AnnotationPage":
        return list(data.get("items") or [])
    return [data]


def _selectors(target: Any) -> tuple[str | None, dict[str, Any] | None, dict[str, Any] | None]:
    if isinstance(target, list):
        target = target[0] if target else None
    if not isinstance(target, dict):
        return None, None, None
    source = target.get("source")
    if isinstance(source, dict):  # an External Web Resource: its id is the page
        source = source.get("id")
    sels = target.get("selector")
    sels = sels if isinstance(sels, list) else [sels]
    quote = next((s for s in sels if isinstance(s, dict) and s.get("type") == "TextQuoteSelector"), None)
    pos = next((s for s in sels if isinstance(s, dict) and s.get("type") == "TextPositionSelector"), None)
    return source if isinstance(source, str) else None, quote, pos


def _source_id(iri: str) -> str:
    """``https://site/sources/ID/`` (or ``…/ID.md``, or a bare id) → ``ID``."""
    path = re.sub(r"[?#].*$", "", iri).rstrip("/")
    return path.rsplit("/", 1)[-1].removesuffix(".md")


def _w3c_span(index: DocIndex, quote: dict[str, Any], pos: dict[str, Any] | None) -> tuple[int, int] | None:
    """The span of ``index.text`` the selectors name, by W3C TextQuoteSelector semantics
    (:func:`.placement.exact_spans`), else by a TextPositionSelector that reads the quote."""
    exact = norm(str(quote.get("exact", "")))
    if not exact:
        return None
    _, chosen = exact_spans(index.text, exact, norm(str(quote.get("prefix", ""))), norm(str(quote.get("suffix", ""))))
    if len(chosen) == 1:
        return chosen[0]
    if pos is not None and isinstance(pos.get("start"), int) and isinstance(pos.get("end"), int):
        s, e = pos["start"], pos["end"]
        if index.text[s:e] == exact:
            return s, e
    return None


def place_selected(doc: Document, index: DocIndex, quote: dict[str, Any], pos: dict[str, Any] | None) -> Placement:
    """The place an imported annotation's selectors name, written as this project's selector.

    Raises :class:`UserError` in the import's own words (:data:`.placement.Asker.IMPORT`):
    the closest passage, or the candidates with the prefix or suffix that singles each out.
    """
    span = _w3c_span(index, quote, pos)
    if span is None:
        return place_quote(doc, str(quote.get("exact", "")), index=index, asker=Asker.IMPORT)
    q = index.text[span[0] : span[1]]
    starts = find_all(index.text, q)
    occurrence = starts.index(span[0]) + 1 if len(starts) > 1 else None
    return place_quote(doc, q, occurrence=occurrence, index=index, asker=Asker.IMPORT)


def read_annotation(item: Any, project: Project, n: int) -> Imported:
    """Anchor one W3C annotation in this project and build its note entry (not written)."""
    label = f"annotation {n}"
    if not isinstance(item, dict) or item.get("type") != "Annotation":
        return Imported(label, None, None, None, "not an object with type Annotation")
    if isinstance(item.get("id"), str):
        label = f"annotation {n} ({item['id']})"
    iri, quote, pos = _selectors(item.get("target"))
    if iri is None or quote is None:
        return Imported(label, None, None, None, "its target has no source or no TextQuoteSelector")
    source = _source_id(iri)
    if source not in project.ann.sources:
        return Imported(
            label, source, None, None, f"unknown source '{source}'{did_you_mean(source, project.ann.sources)}"
        )
    try:
        doc = project.doc(source)
    except UserError as exc:
        return Imported(label, source, None, None, str(exc))
    try:
        place = place_selected(doc, DocIndex.build(doc), quote, pos)
    except UserError as exc:
        return Imported(label, source, None, None, str(exc))
    bodies = item.get("body") or item.get("bodyValue") or []
    bodies = bodies if isinstance(bodies, list) else [bodies]
    text = ""
    citations: list[dict[str, str]] = []
    tags: list[str] = []
    for b in bodies:
        if isinstance(b, str):
            text = text or b
        elif isinstance(b, dict) and b.get("purpose") == "tagging":
            tags.append(str(b.get("value", "")))
        elif isinstance(b, dict) and b.get("type") == "TextualBody":
            text = text or str(b.get("value", ""))
        elif isinstance(b, dict) and (isinstance(b.get("id"), str) or isinstance(b.get("source"), dict)):
            if isinstance(b.get("source"), dict):  # a SpecificResource whose source is the cited work
                b = b["source"]
                if not isinstance(b.get("id"), str):
                    continue
            cite = {"title": str(b.get("dc:title") or b.get("title") or b["id"]), "url": b["id"]}
            if isinstance(b.get("dcterms:date"), str):
                cite["accessed"] = b["dcterms:date"]
            citations.append(cite)
    if not text.strip():
        return Imported(label, source, None, place, "it has no TextualBody to use as the note's body")
    note_id = ""
    m = re.search(r"#a-([a-z0-9-]+)$", str(item.get("id", "")))
    if m and ID_PATTERN.match(m.group(1)):
        note_id = m.group(1)
    entry = {
        "id": note_id,
        "kind": "correction" if item.get("motivation") in ("assessing", "correcting") else None,
        **_selector(place),
        "body": text.strip(),
        "citations": citations,
        "from_texts": FROM_TEXTS_TAG in tags,
        "tags": [t for t in tags if t != FROM_TEXTS_TAG and ID_PATTERN.match(t)],
    }
    return Imported(label, source, entry, place)


def read_json(file: Path) -> Any:
    """The JSON in ``file``, or a :class:`UserError` saying why it cannot be read."""
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{file}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{file}: not JSON: {exc}") from None


def write_imported(
    root: Path,
    project: Project,
    results: list[Imported],
    *,
    dry_run: bool,
    refused_why: str = "they do not anchor in this project's sources",
) -> tuple[str, int]:
    """Append every placed entry of ``results`` to its notes file (unless ``dry_run``).

    Returns the report (one line per annotation, then a summary) and the exit status:
    1 if any annotation was refused. Entries without a free id get one made from the
    outlet and the quote's first words.
    """
    taken = {n.id for n in project.ann.notes}
    for path in (root / ANNOTATIONS_DIR / "notes").glob("*.yml"):
        taken |= _ids_in(path, "notes")
    lines: list[str] = []
    written = 0
    for r in results:
        if r.entry is None or r.place is None:
            lines.append(f"refused {r.label}: " + r.problem.replace("\n", "\n    "))
            continue
        if not r.entry["id"] or r.entry["id"] in taken:
            outlet = project.ann.sources[r.place.source].outlet
            r.entry["id"] = _unique_id(f"{outlet}-{_words_slug(r.place.quote)}", taken)
        taken.add(r.entry["id"])
        how = (
            f" with prefix {shown(r.place.prefix)}"
            if r.place.prefix
            else (f" with suffix {shown(r.place.suffix)}" if r.place.suffix else "")
        )
        target = f"annotations/notes/{r.place.source}.yml"
        if dry_run:
            lines.append(f"would add note '{r.entry['id']}' to {target}: {r.place.block}{how}{r.remark}")
            continue
        append_note(root, r.place.source, r.entry, comments=r.comments, template=False)
        written += 1
        lines.append(f"added note '{r.entry['id']}' to {target}: {r.place.block}{how}{r.remark}")
    refused = sum(1 for r in results if r.entry is None)
    verb = "would import" if dry_run else "imported"
    lines.append(
        f"{verb} {len(results) - refused} of {len(results)} annotations"
        + (f"; {refused} refused ({refused_why})" if refused else "")
    )
    if not dry_run and written:
        lines.append("next: python -m build_tools check")
    return "\n".join(lines), 1 if refused else 0


def import_w3c(root: Path, file: Path, *, dry_run: bool = False) -> tuple[str, int]:
    """Read W3C annotations from ``file`` into notes; return (report text, exit status).

    Every annotation is anchored before anything is written; those that do not anchor
    are reported and left out (exit status 1). With ``dry_run`` nothing is written.
    """
    data = read_json(file)
    project = Project.load(root)
    results = [read_annotation(item, project, n) for n, item in enumerate(_items(data), start=1)]
    return write_imported(root, project, results, dry_run=dry_run)
