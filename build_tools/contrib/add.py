"""One-command scaffolding for contributors: ``note add`` and ``crossref add``.

Each command appends one entry to an annotation file as text: the rest of the file —
its order, formatting and comments — is left byte for byte as it was. The appended
entry is dumped as properly quoted YAML and read back before the file is replaced.

Quotes are placed with the anchor stage's own machinery (:mod:`.placement`), so an entry
written here anchors exactly when ``check`` runs: a quote that occurs once is written
as it is; one that occurs several times gets the shortest prefix or suffix that singles
out the occurrence chosen with ``--occurrence`` (``SOURCE#N:"quote"`` in ``crossref add``,
an ``occurrence`` field in ``note add --from-file``); one that is not in the source is
refused with the closest passage and a character diff.

Placeholders. A note or cross-reference written without ``--body``/``--note`` (or a
cross-reference without ``--title``) gets a text starting with ``TODO:``; ``check``
reports such text as an error (code ``placeholder``). Without ``--from-texts`` no
citation is written, so ``check`` reports ``citation-missing`` until the contributor
adds ``citations:`` (a commented template is appended to show how). A source added with
``source add`` gets an ``about:`` starting with ``TODO:``: the contributor confirms the
extracted metadata, then deletes the TODO sentence. So nothing scaffolded passes
``check`` before a person has filled it in.

``source add`` lives in :mod:`.sources` and writes its catalog entry the same way.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from build_tools import kinds, yamlio
from build_tools.errors import Report, UserError
from build_tools.model import Annotations, Document, Status
from build_tools.paths import src_path
from build_tools.placement import Asker, Why, place, refusal, shorter_side, shortest_context
from build_tools.schema import did_you_mean, slugify
from build_tools.stages.anchor import DocIndex
from build_tools.stages.ingest import ingest
from build_tools.stages.load import ANNOTATIONS_DIR, load_annotations

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\Z")  # \Z: "$" would let a trailing line break through
TODO_BODY = kinds.todo("notes", "body")
TODO_XREF_NOTE = kinds.todo("crossrefs", "note")
TODO_XREF_TITLE = kinds.todo("crossrefs", "title")
CITATION_TEMPLATE = (
    "# citations:            # or, if it explains only from the texts: from_texts: true",
    "#   - title: Title of the page or document (Publisher, date)",
    "#     url: https://…",
    "#     accessed: YYYY-MM-DD",
)
"""Commented lines appended after an entry without citations, to show what to add."""


# --------------------------------------------------------------------------- YAML text


def yaml_scalar(value: object) -> str:
    """``value`` as one YAML flow scalar that reads back as exactly ``value``."""
    if isinstance(value, str) and ("\n" in value or "\r" in value):
        text = json.dumps(value, ensure_ascii=False)
        for ch in ("\u2028", "\u2029", "\x85"):
            text = text.replace(ch, f"\\u{ord(ch):04x}")
        return text
    dumped = yaml.safe_dump([value], allow_unicode=True, width=10**9)
    assert dumped.startswith("- ") and dumped.count("\n") == 1, dumped
    return dumped[2:-1]


def shown(text: str) -> str:
    """``text`` in double quotes, as messages show a prefix or suffix to paste."""
    return json.dumps(text, ensure_ascii=False)


def dump_entry(entry: dict[str, object], *, indent: int, comments: dict[str, str] | None = None) -> list[str]:
    """Lines of one list item (``- key: value`` …) at ``indent`` spaces, comments after values.

    Values may be scalars, lists of scalars or lists of flat mappings (citations,
    passages). Guarantees: parsing the lines gives back ``[entry]``.
    """
    comments = comments or {}
    pad = " " * indent
    lines: list[str] = []
    for n, (key, value) in enumerate(entry.items()):
        lead = f"{pad}- " if n == 0 else f"{pad}  "
        note = f"  # {comments[key]}" if key in comments else ""
        if isinstance(value, list):
            lines.append(f"{lead}{key}:{note}")
            for item in value:
                if isinstance(item, dict):
                    lines.extend(dump_entry(item, indent=indent + 4))
                else:
                    lines.append(f"{pad}    - {yaml_scalar(item)}")
        else:
            lines.append(f"{lead}{key}: {yaml_scalar(value)}{note}")
    return lines


def entry_lines(
    entry: dict[str, object], *, comments: dict[str, str] | None = None, template: bool = True
) -> Callable[[int], list[str]]:
    """``render`` for :func:`append_item`: the entry's lines, then — with ``template``, for an
    entry with neither citations nor ``from_texts`` — the commented citation template."""

    def render(indent: int) -> list[str]:
        lines = dump_entry(entry, indent=indent, comments=comments)
        if template and not entry.get("from_texts") and not entry.get("citations"):
            lines.extend(" " * (indent + 2) + c for c in CITATION_TEMPLATE)
        return lines

    return render


def append_note(
    root: Path, source: str, values: dict[str, object], *, comments: dict[str, str] | None = None, template: bool = True
) -> Appended:
    """Append one note, written from ``values`` by the registry (:func:`.kinds.new_entry`), to
    ``annotations/notes/SOURCE.yml`` (created with its schema line if missing)."""
    path = root / ANNOTATIONS_DIR / "notes" / f"{source}.yml"

    def same_source(data: object) -> None:
        if isinstance(data, dict) and data.get("source") != source:
            raise UserError(f"{src_path(path, root)} holds notes for '{data.get('source')}', not '{source}'")

    return append_item(
        path,
        key=kinds.NOTES.key,
        render=entry_lines(kinds.new_entry(kinds.NOTES.item, values), comments=comments, template=template),
        new_file=lambda: f"{kinds.NOTES.schema_line}\nsource: {source}\n{kinds.NOTES.key}:\n",
        root=root,
        check=same_source,
    )


@dataclass(frozen=True, slots=True)
class Appended:
    """Where :func:`append_item` put an entry."""

    path: Path
    line: int
    """1-based line of the entry's first line."""
    created: bool


def append_item(
    path: Path,
    *,
    key: str,
    render: Callable[[int], list[str]],
    new_file: Callable[[], str],
    root: Path,
    check: Callable[[object], None] | None = None,
) -> Appended:
    """Append one item to the block list under top-level ``key`` of ``path``, as text.

    ``render(indent)`` gives the item's lines for a list whose dashes sit at ``indent``
    spaces; ``new_file()`` the text of the file when it does not exist yet (ending with
    ``key:``). Everything already in the file stays byte-identical. ``check(data)`` may
    inspect the existing file's data and raise :class:`UserError`. The result is parsed
    again before the file is atomically replaced; raises :class:`UserError` if the file
    cannot be appended to (syntax error, ``key`` not the last top-level key).
    """
    rel = src_path(path, root)
    created = not path.exists()
    text = new_file() if created else path.read_bytes().decode("utf-8", errors="strict")
    try:  # aliases, deep nesting: refused before PyYAML composes
        node, data = yamlio.read_tree(text, rel)
    except yamlio.LimitError as exc:
        raise UserError(f"fix this file first:\n{exc}") from None
    except yaml.YAMLError as exc:
        raise UserError(
            f"{rel} has a YAML error; fix it first (python -m build_tools check shows where): {exc}"
        ) from None
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise UserError(f"{rel} is not a mapping with a '{key}:' list; fix it first (see CONTRIBUTING.md)")
    if check is not None:
        check(data)
    keys = [k.value for k, _ in node.value]
    if key not in keys:
        raise UserError(f"{rel} has no '{key}:' list; add a line '{key}:' at the end of the file")
    if keys[-1] != key:
        raise UserError(f"in {rel}, '{key}:' must be the last top-level key to append to it; move it to the end")
    value = node.value[-1][1]
    head = text
    if isinstance(value, yaml.SequenceNode) and value.flow_style:
        if value.value:
            raise UserError(f"in {rel}, '{key}:' is written as a [flow, list]; write one '- ' item per line")
        # `key: []`: drop the brackets so block items can follow.
        head = text[: value.start_mark.index].rstrip(" ") + text[value.end_mark.index :].lstrip(" ")
        indent = 2
    elif isinstance(value, yaml.SequenceNode):
        indent = value.start_mark.column
    elif isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null") and not value.value:
        indent = 2
    else:
        raise UserError(f"in {rel}, '{key}:' is not a list of items")
    if not head.endswith("\n"):
        head += "\n"
    separator = "\n" if isinstance(value, yaml.SequenceNode) and value.value and not head.endswith("\n\n") else ""
    lines = render(indent)
    new_text = head + separator + "\n".join(lines) + "\n"
    first_line = new_text[: len(head) + len(separator)].count("\n") + 1
    try:
        again = yamlio.read(new_text)
    except yaml.YAMLError as exc:  # pragma: no cover - dump_entry writes valid YAML
        raise UserError(f"internal error: the entry for {rel} does not parse: {exc}") from None
    expected = yamlio.read("\n".join(render(0)))
    if not isinstance(again, dict) or again.get(key, [None])[-1] != expected[0]:  # pragma: no cover
        raise UserError(f"internal error: the entry appended to {rel} does not read back as written")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(new_text, encoding="utf-8")
    os.replace(tmp, path)
    return Appended(path, first_line, created)


# --------------------------------------------------------------------------- placing quotes


@dataclass(frozen=True, slots=True)
class Placement:
    """A quote placed in a source, with the context needed to single it out."""

    source: str
    quote: str
    prefix: str
    suffix: str
    block: str
    context: str


def place_quote(
    doc: Document,
    quote: str,
    *,
    occurrence: int | None = None,
    index: DocIndex | None = None,
    asker: Asker = Asker.NOTE_ADD,
) -> Placement:
    """Place ``quote`` in ``doc`` exactly, with the shortest prefix/suffix that makes it unique.

    Guarantees: the returned selector anchors ``exact`` in ``doc``. Raises
    :class:`UserError` with the anchor stage's message (closest passage and diff) if the
    quote is not in the source, or a numbered list of occurrences if it is there several
    times and ``occurrence`` (1-based, reading order) does not say which — in the words
    of ``asker`` (:func:`.placement.refusal`), so the advice names its own syntax.
    """
    quote = " ".join(quote.split())
    if not quote:
        raise UserError("the quote is empty; copy the passage from the source")
    idx = index or DocIndex.build(doc)
    found = place(idx, quote)
    if found.status is Status.EXACT and occurrence in (None, 1):
        return Placement(doc.source_id, quote, "", "", found.start.block if found.start else "", found.text)
    if found.why is not Why.REPEATED or occurrence is None or not 1 <= occurrence <= len(found.spans):
        raise UserError(refusal(found, asker, occurrence))
    s, e = found.spans[occurrence - 1]
    prefix, suffix = shortest_context(idx.text, list(found.spans), occurrence - 1)
    if not prefix and not suffix:
        raise UserError(f"occurrence {occurrence} cannot be told apart from the others; quote a longer passage")
    prefix, suffix = shorter_side(prefix, suffix)
    check = place(idx, quote, prefix, suffix)
    if check.status is not Status.EXACT:  # pragma: no cover - shortest_context guarantees it
        raise UserError(refusal(check, asker))
    return Placement(doc.source_id, quote, prefix, suffix, idx.block_id(s), idx.context(s, e))


# --------------------------------------------------------------------------- loading


@dataclass(slots=True)
class Project:
    """The annotations of a project and lazily ingested sources."""

    root: Path
    ann: Annotations
    report: Report
    _docs: dict[str, Document]

    @classmethod
    def load(cls, root: Path) -> Project:
        """Load the annotations (problems are kept, not raised: scaffolding works on a broken corpus)."""
        report = Report()
        return cls(root, load_annotations(root, report), report, {})

    def source(self, source_id: str) -> str:
        """``source_id`` if it is a usable source; else :class:`UserError` with did-you-mean."""
        if source_id not in self.ann.sources:
            raise UserError(
                f"unknown source '{source_id}'{did_you_mean(source_id, self.ann.sources)}"
                + ("" if self.ann.sources else " (annotations/sources.yml has no usable source)")
                + "\n    hint: use an id from annotations/sources.yml (python -m build_tools check lists its problems)"
            )
        return source_id

    def doc(self, source_id: str) -> Document:
        """The ingested source; :class:`UserError` if it cannot be read."""
        self.source(source_id)
        if source_id not in self._docs:
            src = self.ann.sources[source_id]
            report = Report()
            doc = ingest(src, root=self.root, outlet=self.ann.outlets.get(src.outlet), report=report)
            if doc is None:
                raise UserError(f"source '{source_id}' cannot be read:\n{report.render()}")
            self._docs[source_id] = doc
        return self._docs[source_id]


def _check_new_id(ident: str, taken: set[str] | dict[str, object], what: str) -> str:
    if not ID_PATTERN.match(ident):
        raise UserError(f"--id {ident!r} must be lowercase words joined by hyphens, e.g. '{slugify(ident)}'")
    if ident in taken:
        raise UserError(f"{what} id '{ident}' is already taken; choose another with --id")
    return ident


def _unique_id(base: str, taken: set[str]) -> str:
    base = base[:60].strip("-") or "entry"
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    return ident


def _words_slug(text: str, n: int = 5) -> str:
    return slugify(" ".join(re.findall(r"[\w']+", text)[:n]).replace("'", ""))


# --------------------------------------------------------------------------- note add


def note_add(
    root: Path,
    source: str,
    quote: str,
    *,
    body: str | None = None,
    ident: str | None = None,
    kind: str = kinds.default("notes", "kind"),
    occurrence: int | None = None,
    from_texts: bool = False,
) -> str:
    """Append a note to ``annotations/notes/SOURCE.yml`` (created with its schema line if missing).

    Returns the message to print. The note anchors exactly; without ``body`` it gets a
    ``TODO:`` body and without ``from_texts`` no citation, so ``check`` fails until the
    contributor fills them in.

    Costs what one note costs: only the catalog is loaded (not every annotation file),
    the source's ingest comes from the cache, and the ids already taken are read from
    the notes files without validating them.
    """
    project = _catalog_project(root)
    row = {"source": source, "quote": quote, "body": body, "id": ident, "kind": kind, "occurrence": occurrence}
    _, entry, place = _note_from_row(project, {**row, "from_texts": from_texts}, _note_ids(root))
    done = append_note(root, source, entry)
    return _report_added(root, done, f"note '{entry['id']}'", place, todo=_note_todo(entry))


NOTE_FIELDS = ("source", "quote", "body", "id", "kind", "occurrence", "from_texts")
"""Columns of a ``note add --from-file`` CSV, keys of its YAML items (source and quote required)."""


def note_add_many(root: Path, notes_file: Path) -> str:
    """Append every note listed in ``notes_file`` (YAML list or CSV with a header row).

    All-or-nothing: every note is placed and checked first; if any fails, nothing is
    written and the error lists each failing row as ``FILE:LINE: message``. The catalog
    is loaded and each source ingested once for the whole list.
    """
    rows = _read_note_rows(notes_file)
    project = _catalog_project(root)
    taken = _note_ids(root)
    planned: list[tuple[str, dict[str, object]]] = []
    failures: list[str] = []
    for line, row in rows:
        try:
            source, entry, _ = _note_from_row(project, row, taken, asker=Asker.NOTE_FILE)
            planned.append((source, entry))
        except UserError as exc:
            failures.append(f"{notes_file}:{line}: " + str(exc).replace("\n", "\n    "))
    if failures:
        raise UserError(
            f"{len(failures)} of {len(rows)} notes in {notes_file} cannot be added; nothing was written:\n"
            + "\n".join(failures)
        )
    files: dict[str, int] = {}
    todo = 0
    for source, entry in planned:
        done = append_note(root, source, entry)
        files[src_path(done.path, root)] = files.get(src_path(done.path, root), 0) + 1
        todo += bool(_note_todo(entry))
    lines = [f"added {len(planned)} notes to {len(files)} files:"]
    lines += [f"  {name}: {n}" for name, n in sorted(files.items())]
    if todo:
        lines.append(f"next: {todo} notes still have a TODO body or no citations (see `check`)")
    lines.append("  - then run: python -m build_tools check")
    return "\n".join(lines)


def _note_from_row(
    project: Project, row: dict[str, object], taken: set[str], *, asker: Asker = Asker.NOTE_ADD
) -> tuple[str, dict[str, object], Placement]:
    """(source, values, placement) of the note a row of :data:`NOTE_FIELDS` asks for, checked;
    ``note add`` passes its arguments as such a row, so one note and many are made alike."""
    unknown = sorted(set(row) - set(NOTE_FIELDS))
    if unknown:
        raise UserError(f"unknown field {unknown[0]!r}{did_you_mean(unknown[0], NOTE_FIELDS)}")
    source, quote = (str(row.get(k) or "").strip() for k in ("source", "quote"))
    if not source or not quote:
        raise UserError("each note needs `source` and `quote`")
    kind = str(row.get("kind") or kinds.default("notes", "kind"))
    if kind not in kinds.choices("notes", "kind"):
        raise UserError(f"kind {kind!r} must be {kinds.one_of(kinds.choices('notes', 'kind'))}")
    entry, place = _new_note(
        project,
        source,
        quote,
        body=str(row["body"]) if row.get("body") else None,
        ident=str(row["id"]) if row.get("id") else None,
        kind=kind,
        occurrence=_row_int(row.get("occurrence")),
        from_texts=_row_bool(row.get("from_texts")),
        taken=taken,
        asker=asker,
    )
    return source, entry, place


def _row_int(value: object) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise UserError(f"occurrence {value!r} must be a whole number (1 = first)")


def _row_bool(value: object) -> bool:
    if isinstance(value, bool) or value in (None, ""):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    raise UserError(f"from_texts {value!r} must be true or false")


def _read_note_rows(path: Path) -> list[tuple[int, dict[str, object]]]:
    """(line, fields) of each note in a YAML list (optionally under ``notes:``) or a CSV."""
    import csv
    import io

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = []
        for record in reader:
            if None in record:
                raise UserError(f"{path}:{reader.line_num}: more values than the header has columns")
            rows.append((reader.line_num, {k: v for k, v in record.items() if v not in (None, "")}))
        if not reader.fieldnames:
            raise UserError(f"{path} is empty; the first row names the columns: " + ",".join(NOTE_FIELDS))
        return rows
    try:
        node = yamlio.compose(text, str(path))
    except yamlio.LimitError as exc:
        raise UserError(f"fix this file first:\n{exc}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: YAML syntax error: {exc}") from None
    if isinstance(node, yaml.MappingNode):
        node = next((v for k, v in node.value if k.value == "notes"), None)
    if not isinstance(node, yaml.SequenceNode):
        raise UserError(f"{path} must be a YAML list of notes (or `notes:` with one), or a .csv file")
    out = []
    for item in node.value:
        data = yamlio.read(yaml.serialize(item))
        if not isinstance(data, dict):
            raise UserError(f"{path}:{item.start_mark.line + 1}: each note is a mapping with source: and quote:")
        out.append((item.start_mark.line + 1, data))
    return out


def _new_note(
    project: Project,
    source: str,
    quote: str,
    *,
    body: str | None,
    ident: str | None,
    kind: str,
    occurrence: int | None,
    from_texts: bool,
    taken: set[str],
    asker: Asker = Asker.NOTE_ADD,
) -> tuple[dict[str, object], Placement]:
    """The values of one new note (not written yet); its id is added to ``taken``."""
    doc = project.doc(project.source(source))
    place = place_quote(doc, quote, occurrence=occurrence, asker=asker)
    if ident is not None:
        ident = _check_new_id(ident, taken, "note")
    else:
        outlet = project.ann.sources[source].outlet
        ident = _unique_id(f"{outlet}-{_words_slug(place.quote)}", taken)
    taken.add(ident)
    values = {"id": ident, "kind": kind, **_selector(place), "from_texts": from_texts, "body": body}
    return values, place


def _selector(place: Placement) -> dict[str, object]:
    """The quote and the context that singles it out, as a note's or a passage's fields."""
    return {"quote": place.quote, "prefix": place.prefix, "suffix": place.suffix}


def _note_todo(values: dict[str, object]) -> list[str]:
    entry = kinds.new_entry(kinds.NOTES.item, values)
    return [
        *(["write the body (it starts with TODO:)"] if entry["body"] == TODO_BODY else []),
        *(
            []
            if entry.get("from_texts")
            else ["add citations: (see the commented template), or from_texts: true if the note cites nothing"]
        ),
    ]


def _catalog_project(root: Path) -> Project:
    """A :class:`Project` with only the outlets and sources loaded (no notes,
    cross-references or glossary), whose files are read and sources ingested through the
    build's cache (a catalog file the last build read is not parsed or validated again)."""
    from build_tools import cache
    from build_tools.stages.load import KIND_TABLE, _load_cached, _Loader, discover, schemas_digest

    report = Report()
    loader = _Loader(root, report)
    store, schemas = cache.Cache(root, "annotations"), schemas_digest(root)
    with cache.loading():
        for kind, paths in discover(root, report).items():
            if kind in ("outlets", "sources"):
                files = [_load_cached(kind, p, root, report, store, schemas) for p in paths]
                loader.files[kind] = [f for f in files if f is not None]
                if len(loader.files[kind]) < len(paths) or not paths:
                    loader.incomplete.add(KIND_TABLE[kind])
    loader.preregister()
    outlets = loader.outlets()
    sources = loader.sources(outlets)
    ann = Annotations(outlets=outlets, sources=sources, notes=(), crossrefs=(), glossary={})
    return _CachedProject(root, ann, report, {})


class _CachedProject(Project):
    """Ingests through the build's cache (:func:`build_tools.stages.ingest.corpus.ingest_cached`)."""

    def doc(self, source_id: str) -> Document:
        from build_tools.stages.ingest.corpus import ingest_cached

        self.source(source_id)
        if source_id not in self._docs:
            src = self.ann.sources[source_id]
            doc, problems = ingest_cached(src, root=self.root, outlet=self.ann.outlets.get(src.outlet))
            if doc is None:
                raise UserError(f"source '{source_id}' cannot be read:\n{Report(list(problems)).render()}")
            self._docs[source_id] = doc
        return self._docs[source_id]


_NOTE_ID = re.compile(r"""^[ ]*- id: *['"]?([^'"\s#]+)""", re.M)
"""A list item's first key ``id:`` — how notes files are written (citations have no id)."""


def _note_ids(root: Path) -> set[str]:
    """Every note id written in ``annotations/notes/``, by a line scan (best effort, and
    fast: parsing every file would cost what loading the project costs; `check` reports
    a duplicate id anyway)."""
    ids: set[str] = set()
    for path in sorted((root / ANNOTATIONS_DIR / "notes").glob("*.yml")):
        try:
            ids.update(_NOTE_ID.findall(path.read_text(encoding="utf-8")))
        except (UnicodeDecodeError, OSError):
            continue
    return ids


def _ids_in(path: Path, key: str) -> set[str]:
    """Ids already written in ``path`` (best effort: empty if it does not parse)."""
    if not path.exists():
        return set()
    try:
        data = yamlio.read(path.read_text(encoding="utf-8"), str(path))
    except (yaml.YAMLError, UnicodeDecodeError):
        return set()
    items = data.get(key) if isinstance(data, dict) else None
    return {i["id"] for i in items or [] if isinstance(i, dict) and isinstance(i.get("id"), str)}


def _report_added(root: Path, done: Appended, what: str, *places: Placement, todo: Sequence[str] = ()) -> str:
    verb = "created" if done.created else "appended to"
    lines = [f"added {what}: {verb} {src_path(done.path, root)} at line {done.line}"]
    for p in places:
        how = ""
        if p.prefix:
            how = f" (with prefix {shown(p.prefix)} to single it out)"
        elif p.suffix:
            how = f" (with suffix {shown(p.suffix)} to single it out)"
        lines.append(f"  {p.source} {p.block}: {p.context}{how}")
    if todo:
        lines.append("next:")
        lines.extend(f"  - {t}" for t in todo)
    lines.append("  - then run: python -m build_tools check")
    return "\n".join(lines)


# --------------------------------------------------------------------------- crossref add


def parse_passage(arg: str) -> tuple[str, str, int | None]:
    """``SOURCE:"quote"`` (optionally ``SOURCE#N:"quote"`` for the N-th occurrence) → parts."""
    source, sep, quote = arg.partition(":")
    if not sep or not source or not quote.strip():
        raise UserError(
            f'passage {arg!r} must be written SOURCE:"quote", e.g. euronews-2023-04-16-li-shangfu-putin:"new era"'
        )
    source, _, nth = source.partition("#")
    occurrence = None
    if nth:
        if not nth.isdigit() or int(nth) < 1:
            raise UserError(f"passage {arg!r}: after '#' give the occurrence number, e.g. {source}#2:\"…\"")
        occurrence = int(nth)
    quote = quote.strip()
    if len(quote) > 2 and quote[0] == quote[-1] == '"':  # SOURCE:'"quote"' quoted for the shell too
        quote = quote[1:-1].strip()
    return source.strip(), quote, occurrence


def crossref_add(
    root: Path,
    passages: Sequence[str],
    *,
    title: str | None = None,
    relation: str = kinds.default("crossrefs", "relation"),
    note: str | None = None,
    file: str | None = None,
    ident: str | None = None,
    from_texts: bool = False,
) -> str:
    """Append a cross-reference to ``annotations/crossrefs/FILE.yml`` (default ``misc``).

    Every passage is placed exactly (with the shortest prefix/suffix where needed) before
    anything is written; all refused passages are reported together.
    """
    project = Project.load(root)
    parsed = [parse_passage(p) for p in passages]
    if len(parsed) < 2:
        raise UserError("a cross-reference needs at least two passages, from two different sources")
    sources = {s for s, _, _ in parsed}
    if len(sources) < 2:
        raise UserError(
            f"all passages are from '{next(iter(sources))}'; a cross-reference links passages of two or more "
            "different sources (for a remark on one source, use `note add`)"
        )
    places: list[Placement] = []
    problems: list[str] = []
    for n, (source, quote, occurrence) in enumerate(parsed, start=1):
        try:
            doc = project.doc(project.source(source))
            places.append(place_quote(doc, quote, occurrence=occurrence, asker=Asker.CROSSREF_ADD))
        except UserError as exc:
            problems.append(f"passage {n} ({source}): {exc}")
    if problems:
        raise UserError("\n".join(problems))
    name = (file or "misc").removesuffix(".yml")
    if not ID_PATTERN.match(name):
        raise UserError(f"--file {file!r} must be lowercase words joined by hyphens, e.g. '{slugify(name)}'")
    path = root / ANNOTATIONS_DIR / "crossrefs" / f"{name}.yml"
    taken = {x.id for x in project.ann.crossrefs} | _ids_in(path, "crossrefs")
    for f in sorted((root / ANNOTATIONS_DIR / "crossrefs").glob("*.yml")):
        taken |= _ids_in(f, "crossrefs")
    if ident is not None:
        ident = _check_new_id(ident, taken, "cross-reference")
    else:
        ident = _unique_id(_words_slug(title or places[0].quote, 6), taken)
    values = {
        "id": ident,
        "title": title.strip() if title else None,
        "relation": relation,
        "from_texts": from_texts,
        "note": note,
        "passages": [{"source": p.source, **_selector(p)} for p in places],
    }
    entry = kinds.new_entry(kinds.CROSSREFS.item, values)
    done = append_item(
        path,
        key=kinds.CROSSREFS.key,
        render=entry_lines(entry),
        new_file=lambda: f"{kinds.CROSSREFS.schema_line}\n{kinds.CROSSREFS.key}:\n",
        root=root,
    )
    todo = []
    if entry["title"] == TODO_XREF_TITLE:
        todo.append("write the title (it starts with TODO:)")
    if entry["note"] == TODO_XREF_NOTE:
        todo.append("write the note (it starts with TODO:)")
    if not from_texts:
        todo.append("add citations: (see the commented template), or from_texts: true if it compares only the texts")
    todo.append(f"check the relation ({relation}): {kinds.one_of(kinds.choices('crossrefs', 'relation'))}")
    return _report_added(root, done, f"cross-reference '{ident}'", *places, todo=todo)
