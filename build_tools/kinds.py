"""The annotation kinds, each declared once: fields, types, required keys, allowed values, help.

Everything else that knows a field or an allowed value is derived from :data:`KINDS`:

- the JSON Schemas under ``annotations/schema/`` (:func:`schemas`; generated and checked in,
  so editors' yaml-language-server hints keep working — ``python -m build_tools.kinds
  --write-schemas`` or ``make schemas`` writes them);
- the field tables in CONTRIBUTING.md (:func:`field_table`, ``--write-docs``);
- ``model.RELATIONS``, ``model.GLOSSARY_KINDS`` and the note kinds (:func:`labels`);
- the loader's id tables and file layout (:mod:`.stages.load`), and its conversion of each
  field into the typed record;
- the command line's ``choices=`` (:func:`choices`);
- the entries the contributor commands and importers write (:func:`new_entry`: fields in
  one order, ``TODO:`` placeholders from :attr:`Field.todo`).

So a new field or relation is one edit here, then ``make schemas``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA_DIR = Path("annotations/schema")
COMMON = "common.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
LINE_BREAKS = r"[\n\r\u000b\u000c\u0085\u2028\u2029]"
"""Every character a browser, YAML or Python-Markdown may treat as a line break (a JSON Schema regex)."""
ONE_LINE = {"type": "string", "pattern": LINE_BREAKS}
"""The schema a value must *not* match to be one line."""
END = r"(?![\s\S])"
"""End of text in a JSON Schema regex: ``$`` would let a trailing line break through."""


@dataclass(frozen=True, slots=True)
class Record:
    """The fields of one mapping: a list item of an annotation file, or a nested one."""

    fields: tuple[Field, ...]
    schema: Mapping[str, object] = field(default_factory=dict)
    """Further JSON Schema keywords for the mapping (``if``/``then``, ``description``)."""

    def get(self, name: str) -> Field:
        """The field called ``name``; ``KeyError`` if there is none."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class Field:
    """One key of a mapping."""

    name: str
    type: str
    """A shared type of ``common.schema.json`` (``id``, ``text`` — plain, one line —, ``markdown``,
    ``url``, ``date``, ``quote``, ``prefix``, ``suffix``, ``citation``, ``citations``), or
    ``string``, ``bool``, ``enum`` (see :attr:`choices`), ``list`` (see :attr:`items`) or
    ``map`` (keys from :attr:`choices`, values of type :attr:`items`)."""
    help: str = ""
    """What the value means, for schema descriptions, editors and CONTRIBUTING.md."""
    required: bool = False
    choices: Mapping[str, str] = field(default_factory=dict)
    """Allowed values (``enum``) or keys (``map``), each with its label for readers."""
    items: Record | str | None = None
    """What a ``list`` holds: a type name or a :class:`Record`."""
    default: str | None = None
    """The value an absent key stands for; the writer leaves such a value out."""
    todo: str = ""
    """The placeholder a contributor command writes when it is given no value (``check`` rejects it)."""
    attr: str = ""
    """The record attribute the value goes to, if not :attr:`name`."""
    schema: Mapping[str, object] = field(default_factory=dict)
    """Further JSON Schema keywords (``maxLength``, ``pattern``, ``uniqueItems``…), or overrides."""


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of annotation file: a top-level list of items, plus a few top-level keys."""

    name: str
    """The schema's name (``notes`` → ``notes.schema.json``)."""
    title: str
    path: str
    """Where the files are, relative to ``annotations/`` (a glob pattern)."""
    key: str
    """The top-level key of the list of items."""
    item: Record
    table: str = ""
    """The id table the items register in (``note``), if the loader reads this kind."""
    what: str = ""
    """How messages name one item (``cross-reference``)."""
    top: tuple[Field, ...] = ()
    """Top-level keys before the list (``source:`` of a notes file)."""
    more: str = ""
    """Further files read as part of the same list (a glob pattern relative to ``annotations/``):
    the catalog can be split across ``sources/*.yml`` when one file would pass the size limit."""
    description: str = ""
    list_schema: Mapping[str, object] = field(default_factory=dict)

    @property
    def patterns(self) -> tuple[str, ...]:
        """Where the files are: :attr:`path`, then :attr:`more` if set."""
        return (self.path, self.more) if self.more else (self.path,)

    @property
    def schema_line(self) -> str:
        """The first line a file of this kind starts with, naming its schema."""
        return self.schema_line_at(self.path)

    def schema_line_at(self, rel: str) -> str:
        """The first line of the file at ``rel`` (relative to ``annotations/``)."""
        up = "../" * rel.count("/")
        return f"# yaml-language-server: $schema={up}schema/{self.name}.schema.json"


# --------------------------------------------------------------------------- shared types

CITATION = Record(
    (
        Field("title", "text", "Title of the cited page or document, and its publisher.", required=True),
        Field("url", "url", required=True),
        Field("accessed", "date", "When the page was read, YYYY-MM-DD.", required=True),
    ),
    schema={"description": "A public source for a fact stated in the note."},
)

SHARED: dict[str, dict[str, object]] = {
    "id": {
        "type": "string",
        "pattern": f"^[a-z0-9]+(-[a-z0-9]+)*{END}",
        "maxLength": 80,
        "description": "Lowercase words joined by hyphens, e.g. dong-jun. Used in page addresses; "
        "never change a published id.",
    },
    "text": {
        "type": "string",
        "minLength": 1,
        "pattern": r"\S",
        "not": ONE_LINE,
        "description": "Plain text (no Markdown), on one line.",
    },
    "markdown": {
        "type": "string",
        "minLength": 1,
        "pattern": r"\S",
        "description": "Markdown: *emphasis*, **strong**, `code`, lists, > quotations and links to https:// "
        "addresses or to glossary:ID, crossref:ID, source:ID. No raw HTML.",
    },
    "url": {
        "type": "string",
        "pattern": rf"^https?://[^\s]+{END}",
        "not": ONE_LINE,
        "description": "A full web address starting with https:// (or http://).",
    },
    "date": {
        "type": "string",
        "format": "date",
        "pattern": rf"^\d{{4}}-\d{{2}}-\d{{2}}{END}",
        "description": "An ISO date, YYYY-MM-DD.",
    },
    "quote": {
        "type": "string",
        "minLength": 1,
        "pattern": r"\S",
        "description": "The passage exactly as it reads in the source (curly or straight quotes, dashes and "
        "spacing do not matter).",
    },
    "prefix": {
        "type": "string",
        "minLength": 1,
        "description": "Text just before the quote, to tell identical passages apart (W3C TextQuoteSelector prefix).",
    },
    "suffix": {
        "type": "string",
        "minLength": 1,
        "description": "Text just after the quote, to tell identical passages apart (W3C TextQuoteSelector suffix).",
    },
    "citation": {"record": CITATION},
    "citations": {
        "type": "array",
        "items": {"$ref": "#/$defs/citation"},
        "minItems": 1,
        "description": "Public sources for the facts stated that are not in the texts: title, url, accessed.",
    },
}
"""The types of ``common.schema.json``, shared by every kind."""

NULLABLE_TEXT = {"type": ["string", "null"], "minLength": 1, "pattern": r"\S", "not": ONE_LINE}
SHA256 = {"type": "string", "pattern": f"^[0-9a-f]{{64}}{END}"}

# --------------------------------------------------------------------------- allowed values

NOTE_KINDS = {"context": "Context", "correction": "Correction"}
RELATIONS = {
    "same-event": "Same event",
    "same-quotation": "Same quotation",
    "contradicts": "Contradicts",
    "corrects": "Corrects",
    "cites": "Cites",
    "context": "Context",
}
GLOSSARY_KINDS = {
    "person": "People",
    "organisation": "Organisations",
    "place": "Places",
    "term": "Terms",
    "document": "Documents",
    "event": "Events",
}
POLICY_KINDS = {
    "mirror": "not citable",
    "aggregator": "not citable",
    "content-farm": "not citable",
    "state-run": "citable with a label",
    "partisan": "citable with a label",
    "primary": "citable",
    "press": "citable",
    "reference": "citable",
    "academic": "citable",
    "archive": "citable",
    "think-tank": "citable",
    "self-published": "citable",
}
INFERABLE = {name: name for name in ("title", "byline", "date", "url", "outlet", "language")}
STRUCTURE_KINDS = {name: name for name in ("heading", "caption", "quotation", "paragraph", "drop")}

# --------------------------------------------------------------------------- the kinds

FROM_TEXTS = "true if the note only explains from the texts themselves and so needs no citation."

OUTLETS = Kind(
    name="outlets",
    title="Outlets (annotations/outlets.yml)",
    description="The publishers of the sources, with the patterns of their boilerplate.",
    path="outlets.yml",
    key="outlets",
    table="outlet",
    what="outlet",
    list_schema={"minItems": 1},
    item=Record(
        (
            Field("id", "id", required=True),
            Field("name", "text", "Full name, e.g. World Socialist Web Site.", required=True),
            Field("short", "text", "Badge label, e.g. WSWS.", required=True, schema={"maxLength": 16}),
            Field("url", "url"),
            Field(
                "description",
                "markdown",
                "One short paragraph for readers: who publishes it, and from what standpoint, attributed and neutral.",
                required=True,
            ),
            Field(
                "color",
                "string",
                "Badge colour, #rrggbb; keep WCAG AA contrast with white text.",
                required=True,
                schema={"pattern": f"^#[0-9a-fA-F]{{6}}{END}"},
            ),
            Field("citations", "citations"),
            Field(
                "boilerplate",
                "list",
                "Text that is not part of the article (footers, sign-up forms). Each pattern is a regular "
                "expression searched in a block's text.",
                items=Record(
                    (
                        Field(
                            "pattern",
                            "string",
                            "Python regular expression, e.g. ^To contact the WSWS",
                            required=True,
                            schema={"minLength": 1},
                        ),
                        Field(
                            "drop",
                            "enum",
                            "block: drop the matching block; rest: drop it and everything after it.",
                            required=True,
                            choices={"block": "block", "rest": "rest"},
                        ),
                    )
                ),
            ),
        )
    ),
)

SOURCES = Kind(
    name="sources",
    title="Source catalog (annotations/sources.yml)",
    description="One entry per source text. Unknown facts are null; inferred facts name their basis under `inferred`.",
    path="sources.yml",
    more="sources/*.yml",
    key="sources",
    table="source",
    what="source",
    list_schema={"minItems": 1},
    item=Record(
        (
            Field("id", "id", "Usually the file name without extension: outlet-date-slug.", required=True),
            Field(
                "file",
                "string",
                "The raw text under sources/, byte-identical to what was received.",
                required=True,
                schema={"pattern": rf"^sources/[^/\\\u0000-\u001f\u007f]+{END}"},
            ),
            Field("sha256", "string", "SHA-256 of the file, so an edit to a source is caught.", True, schema=SHA256),
            Field(
                "page",
                "string",
                "The saved web page the text was extracted from, kept byte-identical as received.",
                schema={"pattern": "^sources/[^/]+$"},
            ),
            Field(
                "page_sha256",
                "string",
                "SHA-256 of `page`, so the same page is not added twice and a change to it is caught.",
                schema={"pattern": "^[0-9a-f]{64}$"},
            ),
            Field(
                "format",
                "enum",
                "markdown: keep the source's own *italics* and [links](…); text: every character is literal.",
                required=True,
                choices={"markdown": "Markdown", "text": "plain text"},
            ),
            Field("outlet", "id", "An id from annotations/outlets.yml.", required=True),
            Field(
                "title",
                "string",
                "As printed; null if the text has none and none can be sourced.",
                required=True,
                schema=NULLABLE_TEXT,
            ),
            Field("label", "text", "Short description shown where the title is unknown, e.g. [Untitled report on …]."),
            Field("byline", "string", "Author(s) as printed; null if unknown.", required=True, schema=NULLABLE_TEXT),
            Field(
                "date",
                "string",
                "Publication date YYYY-MM-DD; null if unknown.",
                required=True,
                schema={"type": ["string", "null"], "pattern": rf"^\d{{4}}-\d{{2}}-\d{{2}}{END}", "format": "date"},
            ),
            Field("dating", "text", "For an undated source: what is known about when it was written, and from what."),
            Field(
                "url",
                "string",
                "The original's address; null if unknown.",
                required=True,
                schema={"type": ["string", "null"], "pattern": rf"^https?://[^\s]+{END}"},
            ),
            Field(
                "language",
                "string",
                "BCP 47 language tag, e.g. en.",
                required=True,
                schema={"pattern": f"^[a-z]{{2,3}}(-[A-Za-z0-9]+)*{END}"},
            ),
            Field(
                "inferred", "map", "Facts not printed in the text: field name → the basis for it.", choices=INFERABLE
            ),
            Field("citations", "citations"),
            Field("about", "markdown", "Provenance and remarks shown on the source page."),
            Field(
                "structure",
                "list",
                "Fixes for the ingest heuristics, each addressed by a quote from one block.",
                items=Record(
                    (
                        Field("quote", "quote", required=True),
                        Field("as", "enum", required=True, choices=STRUCTURE_KINDS, attr="as_kind"),
                        Field("reason", "text", "Why the heuristic is wrong here.", required=True),
                    )
                ),
            ),
        )
    ),
)

NOTES = Kind(
    name="notes",
    title="Context notes for one source (annotations/notes/*.yml)",
    path="notes/*.yml",
    key="notes",
    table="note",
    what="note",
    top=(Field("source", "id", "The id of the source in annotations/sources.yml.", required=True),),
    item=Record(
        (
            Field("id", "id", required=True),
            Field(
                "kind",
                "enum",
                "correction: a misspelling, a wrong or missing date, a claim another source contradicts.",
                choices=NOTE_KINDS,
                default="context",
            ),
            Field("quote", "quote", required=True, attr="selector"),
            Field("prefix", "prefix", attr="selector"),
            Field("suffix", "suffix", attr="selector"),
            Field(
                "body",
                "markdown",
                "A few sentences: short enough for a tooltip.",
                required=True,
                todo="TODO: write the note: a few neutral sentences; cite a public source for every fact not in "
                "the texts.",
            ),
            Field("citations", "citations"),
            Field("from_texts", "bool", FROM_TEXTS),
            Field("tags", "list", items="id", schema={"uniqueItems": True}),
        )
    ),
)

PASSAGE = Record(
    (
        Field("source", "id", required=True),
        Field("quote", "quote", required=True),
        Field("prefix", "prefix"),
        Field("suffix", "suffix"),
    )
)

CROSSREFS = Kind(
    name="crossrefs",
    title="Cross-references between sources (annotations/crossrefs/*.yml)",
    path="crossrefs/*.yml",
    key="crossrefs",
    table="crossref",
    what="cross-reference",
    item=Record(
        (
            Field("id", "id", required=True),
            Field(
                "title",
                "text",
                "The event, quotation or claim, e.g. Xi–Putin summit in Moscow, March 2023.",
                required=True,
                todo="TODO: name the event, quotation or claim",
            ),
            Field("relation", "enum", required=True, choices=RELATIONS, default="same-event"),
            Field(
                "note",
                "markdown",
                "How the accounts differ, attributed and neutral.",
                required=True,
                todo="TODO: say how the accounts differ, attributed and neutral.",
            ),
            Field("citations", "citations"),
            Field(
                "from_texts", "bool", "true if the note only compares the texts themselves and so needs no citation."
            ),
            Field(
                "passages",
                "list",
                "Two or more passages, from at least two different sources.",
                required=True,
                items=PASSAGE,
                schema={"minItems": 2},
            ),
            Field(
                "primary",
                "list",
                "The primary text the passages quote or render (a transcript, a statement), as the cited document "
                "prints it: shown beside the accounts in the word-by-word comparison. Copy its words exactly; "
                "give one entry per rendering (e.g. two official translations).",
                items=Record(
                    (
                        Field(
                            "words",
                            "text",
                            "The words exactly as the cited document prints them, on one line.",
                            required=True,
                        ),
                        Field("citation", "citation", "The public document the words are copied from.", required=True),
                    )
                ),
                schema={"minItems": 1},
            ),
            Field(
                "silent",
                "list",
                'Sources that cover the same event or topic but deliberately say nothing of this (shown as "silent" '
                "in the coverage matrix). Any source not listed here and without a passage is simply not covering "
                'it ("not reported").',
                items=Record(
                    (
                        Field("source", "id", required=True),
                        Field(
                            "why",
                            "text",
                            "What the source covers that makes its silence on this notable, attributed and neutral.",
                            required=True,
                        ),
                    )
                ),
            ),
        )
    ),
)

GLOSSARY = Kind(
    name="glossary",
    title="Glossary entries (annotations/glossary/*.yml)",
    path="glossary/*.yml",
    key="entries",
    table="glossary",
    what="glossary",
    item=Record(
        (
            Field("id", "id", required=True),
            Field("name", "text", "The usual name; it is linked wherever it occurs.", required=True),
            Field("kind", "enum", required=True, choices=GLOSSARY_KINDS),
            Field(
                "aliases",
                "list",
                "Other spellings and forms used in the sources (e.g. Wang Wengbin); each one is linked.",
                items="text",
                schema={"uniqueItems": True},
            ),
            Field(
                "description",
                "text",
                "One line, plain text: shown as the tooltip.",
                required=True,
                schema={"maxLength": 200},
            ),
            Field("body", "markdown"),
            Field("citations", "citations"),
            Field("from_texts", "bool", "true if the entry only explains from the texts themselves."),
            Field("links", "list", "Further reading.", items="citation"),
        )
    ),
)

IDS = Kind(
    name="ids",
    title="Published block ids of one source (annotations/ids/*.yml), written by preprocess and build",
    path="ids/*.yml",
    key="blocks",
    top=(
        Field(
            "source",
            "id",
            "The id of the source in annotations/sources.yml (the file is named after it).",
            required=True,
        ),
    ),
    item=Record(
        (
            Field(
                "id",
                "string",
                "The block's id and permalink anchor, e.g. p-12; never reused.",
                required=True,
                schema={"pattern": f"^[a-z]+-[0-9]+{END}"},
            ),
            Field(
                "kind",
                "enum",
                "What the block was when its text was last recorded.",
                required=True,
                choices={k: k for k in ("heading", "paragraph", "quotation", "caption")},
            ),
            Field(
                "sha",
                "string",
                "First 16 hex digits of the SHA-256 of the block's normalised text.",
                required=True,
                schema={"pattern": f"^[0-9a-f]{{16}}{END}"},
            ),
            Field(
                "text",
                "string",
                "The start of the block's normalised text, to carry the id over to an edited block.",
                required=True,
            ),
            Field(
                "retired",
                "bool",
                "true: the block is gone on purpose; the id stays reserved and is never given out again.",
            ),
        )
    ),
)

LABELLED = ["state-run", "partisan"]
POLICY = Kind(
    name="citation-policy",
    title="Citation policy (annotations/citation-policy.yml)",
    description="The web domains that citations use, each classified by kind. `check` refuses citations of a "
    "mirror, aggregator or content farm, and requires the title of a citation of a state-run or partisan outlet "
    "to carry one of the entry's labels. A host matches its entry's domain and every subdomain; the longest "
    "matching domain wins.",
    path="citation-policy.yml",
    key="domains",
    list_schema={"minItems": 1},
    item=Record(
        (
            Field(
                "host",
                "string",
                "A domain name in lower case, without https://, path or trailing dot, e.g. globaltimes.cn "
                "(it covers www.globaltimes.cn too).",
                required=True,
                schema={"minLength": 1},
            ),
            Field(
                "kind",
                "enum",
                "mirror, aggregator, content-farm: not citable (an error); state-run, partisan: citable with a "
                "label in the title; the others: citable.",
                required=True,
                choices=POLICY_KINDS,
            ),
            Field(
                "why",
                "text",
                "Why the domain is of this kind: who publishes it, and the public basis for saying so.",
                required=True,
            ),
            Field(
                "label",
                "list",
                "For state-run and partisan domains: the phrases that label a citation title (one must occur in "
                "it, any case), e.g. Chinese state-run.",
                items="text",
                schema={"minItems": 1, "uniqueItems": True},
            ),
            Field("instead", "text", "For mirrors, aggregators and content farms: where to find the original."),
        ),
        schema={
            "if": {"properties": {"kind": {"enum": LABELLED}}},
            "then": {
                "required": ["label"],
                "properties": {
                    "label": {
                        "description": "the phrases, one of which a citation title must carry, e.g. "
                        "[Chinese state media] — required for state-run and partisan domains"
                    }
                },
            },
        },
    ),
)

KINDS: dict[str, Kind] = {k.name: k for k in (OUTLETS, SOURCES, NOTES, CROSSREFS, GLOSSARY, IDS, POLICY)}
"""Every kind of annotation file, by schema name."""
LOADED = ("outlets", "sources", "notes", "crossrefs", "glossary")
"""The kinds :func:`build_tools.stages.load.load_annotations` reads (block-id locks and the
citation policy are read by later stages)."""


def labels(kind: str, name: str) -> dict[str, str]:
    """The allowed values of one field with their labels for readers, in declared order."""
    return dict(KINDS[kind].item.get(name).choices)


def choices(kind: str, name: str) -> tuple[str, ...]:
    """The allowed values of one field, for ``argparse``'s ``choices=``."""
    return tuple(KINDS[kind].item.get(name).choices)


def default(kind: str, name: str) -> str:
    """The value an absent key stands for (``""`` if the field has none)."""
    return KINDS[kind].item.get(name).default or ""


def todo(kind: str, name: str) -> str:
    """The placeholder the contributor commands write for a field given no value."""
    return KINDS[kind].item.get(name).todo


def one_of(values: tuple[str, ...] | list[str]) -> str:
    """``a, b or c`` for messages."""
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


# --------------------------------------------------------------------------- the writer


def _blank(value: object) -> bool:
    return value is None or value is False or value == [] or (isinstance(value, str) and not value.strip())


def write_order(record: Record) -> tuple[Field, ...]:
    """The fields in declared order, except that flags (``from_texts``) come before the first
    Markdown text, so that a reader sees what qualifies the text before the text."""
    fields = list(record.fields)
    first_text = next((i for i, f in enumerate(fields) if f.type == "markdown"), len(fields))
    flags = [f for f in fields[first_text:] if f.type == "bool"]
    rest = [f for f in fields if f not in flags]
    return (*rest[:first_text], *flags, *rest[first_text:])


def new_entry(record: Record, values: Mapping[str, object]) -> dict[str, object]:
    """The mapping a contributor command or an importer writes for one new item.

    Keys in :func:`write_order`; a value that is absent, blank or ``False`` is left out —
    or, for a field with a :attr:`Field.todo`, replaced by that placeholder — and so is a
    value equal to the field's default. Lists of mappings are written the same way.
    """
    unknown = set(values) - {f.name for f in record.fields}
    if unknown:
        raise KeyError(f"no field {sorted(unknown)[0]!r} in this kind")
    out: dict[str, object] = {}
    for f in write_order(record):
        value = values.get(f.name)
        if _blank(value):
            if not f.todo:
                continue
            value = f.todo
        if f.default is not None and value == f.default and not f.required:
            continue
        if isinstance(f.items, Record) and isinstance(value, list):
            value = [new_entry(f.items, v) for v in value]
        out[f.name] = value
    return out


# --------------------------------------------------------------------------- JSON Schemas


def _ref(type_name: str, base: str) -> dict[str, object]:
    return {"$ref": f"{base}#/$defs/{type_name}"}


def _field_schema(f: Field, base: str) -> dict[str, object]:
    if f.type in SHARED:
        out: dict[str, object] = _ref(f.type, base)
    elif f.type == "bool":
        out = {"type": "boolean"}
    elif f.type == "string":
        out = {"type": "string"}
    elif f.type == "enum":
        out = {"enum": list(f.choices)}
    elif f.type == "list":
        out = {"type": "array", "items": _item_schema(f.items, base)}
    elif f.type == "map":
        out = {
            "type": "object",
            "propertyNames": {"enum": list(f.choices)},
            "additionalProperties": _item_schema(f.items or "text", base),
        }
    else:
        raise ValueError(f"field {f.name!r}: unknown type {f.type!r}")
    out.update(f.schema)
    if f.default is not None and not f.required:
        out["default"] = f.default
    if f.help:
        out["description"] = f.help
    return out


def _item_schema(items: Record | str | None, base: str) -> dict[str, object]:
    if isinstance(items, Record):
        return record_schema(items, base)
    if items in SHARED:
        return _ref(items, base)
    raise ValueError(f"unknown item type {items!r}")


def record_schema(record: Record, base: str = COMMON) -> dict[str, object]:
    """The JSON Schema of one mapping; ``base`` is the file shared types are referred to in."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [f.name for f in record.fields if f.required],
        "properties": {f.name: _field_schema(f, base) for f in record.fields},
        **record.schema,
    }


def kind_schema(kind: Kind) -> dict[str, object]:
    """The JSON Schema of one kind of file."""
    listed = {"type": "array", **kind.list_schema, "items": record_schema(kind.item)}
    return {
        "$schema": DRAFT,
        "title": kind.title,
        **({"description": kind.description} if kind.description else {}),
        "type": "object",
        "additionalProperties": False,
        "required": [*(f.name for f in kind.top if f.required), kind.key],
        "properties": {**{f.name: _field_schema(f, COMMON) for f in kind.top}, kind.key: listed},
    }


def common_schema() -> dict[str, object]:
    """``common.schema.json``: the shared types."""
    defs = {
        name: record_schema(spec["record"], "") if "record" in spec else dict(spec)  # type: ignore[arg-type]
        for name, spec in SHARED.items()
    }
    return {"$schema": DRAFT, "title": "Shared definitions for the annotation files", "$defs": defs}


def schemas() -> dict[str, str]:
    """Every schema file's name and text, as checked in under ``annotations/schema/``."""
    out = {COMMON: common_schema()} | {f"{k.name}.schema.json": kind_schema(k) for k in KINDS.values()}
    return {name: json.dumps(s, indent=2, ensure_ascii=False) + "\n" for name, s in sorted(out.items())}


# --------------------------------------------------------------------------- CONTRIBUTING tables

DOCS = Path("CONTRIBUTING.md")
TABLE = re.compile(r"(<!-- fields: ([a-z-]+) -->\n).*?(<!-- /fields -->)", re.S)
"""A generated field table in CONTRIBUTING.md, between its two marker comments."""
TYPE_WORDS = {
    "id": "id",
    "ids": "list of ids",
    "texts": "list of texts, one line each",
    "text": "text, one line",
    "markdown": "Markdown",
    "url": "web address",
    "date": "YYYY-MM-DD",
    "quote": "quote",
    "prefix": "text",
    "suffix": "text",
    "citation": "title, url, accessed",
    "citations": "list of citations (title, url, accessed)",
    "bool": "true or false",
    "string": "text",
}


def _type_words(f: Field) -> str:
    if f.type == "enum":
        return " · ".join(f"`{v}`" for v in f.choices)
    if f.type == "list" and isinstance(f.items, Record):
        return "list of mappings (" + ", ".join(g.name for g in f.items.fields) + ")"
    if f.type == "list":
        return TYPE_WORDS[f"{f.items}s"]
    if f.type == "map":
        return "mapping of " + ", ".join(f.choices) + " → text"
    return TYPE_WORDS[f.type]


def field_table(kind: Kind) -> str:
    """The Markdown table of one kind's fields, for CONTRIBUTING.md."""
    rows = ["| Field | Required | Value | Meaning |", "|---|---|---|---|"]
    for f in (*kind.top, *kind.item.fields):
        meaning = f.help or str(SHARED.get(f.type, {}).get("description", ""))
        if f.default is not None and not f.required:
            meaning = f"{meaning} Default: `{f.default}`.".strip()
        name = f"`{f.name}` (top level)" if f in kind.top else f"`{f.name}`"
        rows.append(f"| {name} | {'yes' if f.required else ''} | {_type_words(f)} | {meaning.replace('|', '/')} |")
    return "\n".join(rows) + "\n"


def with_tables(text: str) -> str:
    """``text`` (CONTRIBUTING.md) with every generated field table brought up to date."""
    return TABLE.sub(lambda m: m.group(1) + field_table(KINDS[m.group(2)]) + m.group(3), text)


def main(argv: list[str]) -> int:
    """``python -m build_tools.kinds --write-schemas --write-docs [--root DIR]``."""
    root = Path(argv[argv.index("--root") + 1]) if "--root" in argv else Path()
    if "--write-schemas" in argv:
        for name, text in schemas().items():
            (root / SCHEMA_DIR / name).write_text(text, encoding="utf-8")
    if "--write-docs" in argv:
        path = root / DOCS
        path.write_text(with_tables(path.read_text(encoding="utf-8")), encoding="utf-8")
    if not {"--write-schemas", "--write-docs"} & set(argv):
        print("usage: python -m build_tools.kinds [--write-schemas] [--write-docs] [--root DIR]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
