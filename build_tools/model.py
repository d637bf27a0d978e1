"""The plain, typed data passed between stages.

Each stage takes these records and returns new ones; nothing is shared and mutated.
Every record that comes from a file keeps its :class:`~build_tools.errors.Origin`, so
that any later stage can point at the line a problem came from.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import regex

from build_tools import kinds
from build_tools.errors import Origin

if TYPE_CHECKING:
    from build_tools.placement import QuotePlacement

Extra = tuple[tuple[str, object], ...]
"""Fields the registry (:mod:`.kinds`) declares but the record has no attribute for yet, as
``(name, value)`` pairs: a field added to the registry reaches the record at once; a test
(``test_kinds``) asks for an attribute before it is merged."""

# --------------------------------------------------------------------------- sources


class BlockKind(enum.StrEnum):
    """What a block of a source is."""

    TITLE = "title"
    BYLINE = "byline"
    DATELINE = "dateline"
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    QUOTATION = "quotation"
    CAPTION = "caption"
    FOOTNOTE = "footnote"


FRONT_MATTER = frozenset({BlockKind.TITLE, BlockKind.BYLINE, BlockKind.DATELINE})
"""Blocks shown in the page header rather than in the body."""

ID_PREFIX = {
    BlockKind.TITLE: "title",
    BlockKind.BYLINE: "byline",
    BlockKind.DATELINE: "dateline",
    BlockKind.HEADING: "h",
    BlockKind.PARAGRAPH: "p",
    BlockKind.QUOTATION: "q",
    BlockKind.CAPTION: "c",
    BlockKind.FOOTNOTE: "fn",
}
"""Block ids are ``<prefix>-<n>``, numbered per kind in reading order (``p-12``)."""


@dataclass(frozen=True, slots=True)
class Mark:
    """Inline formatting a source already uses (Markdown sources only)."""

    kind: str
    """``em``, ``strong``, ``code``, ``link`` or ``fnref`` (an author's footnote marker)."""
    uid: int
    """Distinguishes two separate ``*a* *b*`` runs that touch after splitting."""
    href: str = ""
    """Link target (``link``) or footnote label (``fnref``)."""
    title: str = ""
    """Link title, if the source gave one."""


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with the same inline formatting."""

    text: str
    """The characters as the reader sees them (no Markdown syntax)."""
    marks: tuple[Mark, ...] = ()
    """Formatting around the run, outermost first."""


@dataclass(frozen=True, slots=True)
class Block:
    """One typed block of a source: a paragraph, heading, quotation, caption, …"""

    id: str
    """Stable id and permalink anchor, e.g. ``p-12``; empty until numbering."""
    kind: BlockKind
    """What the block is."""
    spans: tuple[Span, ...]
    """The block's inline content."""
    lines: tuple[int, int]
    """First and last line of the source file the block was read from (1-based)."""
    rule: str = "paragraph"
    """The ingest rule (or ``override``) that gave the block its kind, for reports."""
    level: int = 0
    """Heading level (2 for a section heading); 0 for other kinds."""
    footnote: str = ""
    """For footnote blocks: the author's footnote label, e.g. ``"1"``."""

    @property
    def text(self) -> str:
        """The block's plain text."""
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True, slots=True)
class DroppedBlock:
    """Text removed from a source during ingest, kept for reports."""

    text: str
    lines: tuple[int, int]
    reason: str
    """E.g. ``boilerplate: outlets.yml:12`` or ``override: sources.yml:40``."""


@dataclass(frozen=True, slots=True)
class Document:
    """A source after ingest: its blocks in reading order."""

    source_id: str
    blocks: tuple[Block, ...]
    dropped: tuple[DroppedBlock, ...] = ()

    def block(self, block_id: str) -> Block:
        """The block with ``block_id``; raises ``KeyError`` if there is none."""
        for b in self.blocks:
            if b.id == block_id:
                return b
        raise KeyError(block_id)

    @property
    def body(self) -> tuple[Block, ...]:
        """Blocks shown in the page body (everything but title, byline and dateline)."""
        return tuple(b for b in self.blocks if b.kind not in FRONT_MATTER)

    def front(self, kind: BlockKind) -> Block | None:
        """The title, byline or dateline block, if the text has one."""
        return next((b for b in self.blocks if b.kind is kind), None)


# --------------------------------------------------------------------------- catalog


@dataclass(frozen=True, slots=True)
class BoilerplateRule:
    """An outlet's pattern for text that is not part of the article."""

    pattern: regex.Pattern[str]
    """Searched in each block's normalised plain text, with a time limit (see ingest.rules)."""
    drop: str
    """``block`` (only the matching block) or ``rest`` (it and everything after)."""
    origin: Origin


@dataclass(frozen=True, slots=True)
class Outlet:
    """A publisher (or, for reposts, the kind of publication)."""

    id: str
    name: str
    short: str
    """Short label for badges, e.g. ``WSWS``."""
    description: str
    """Markdown (sanitised), one short paragraph."""
    url: str | None
    color: str
    """Badge colour, ``#rrggbb``."""
    boilerplate: tuple[BoilerplateRule, ...]
    citations: tuple[Citation, ...]
    origin: Origin
    extra: Extra = ()


@dataclass(frozen=True, slots=True)
class StructureOverride:
    """A catalog fix for the ingest heuristics, addressed by quote."""

    quote: str
    as_kind: str
    """``heading``, ``caption``, ``quotation``, ``paragraph`` or ``drop``."""
    reason: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class Source:
    """A catalog entry: one source text and what is known about it."""

    id: str
    file: str
    """Path of the raw text, relative to the project root."""
    format: str
    """``markdown`` or ``text``."""
    outlet: str
    title: str | None
    label: str | None
    """What to call the source where its title is unknown."""
    byline: str | None
    date: str | None
    """ISO date, or ``None`` when unknown."""
    url: str | None
    language: str
    sha256: str
    inferred: dict[str, str]
    """Facts inferred rather than printed in the text: field name → basis."""
    dating: str | None
    """For undated sources, what is known about when it was written."""
    about: str
    """Markdown (sanitised): provenance and other remarks for readers."""
    structure: tuple[StructureOverride, ...]
    citations: tuple[Citation, ...]
    origin: Origin
    page: str | None = None
    """The saved web page the text was extracted from (relative to the project root), if any."""
    page_sha256: str | None = None
    """SHA-256 of ``page``."""
    extra: Extra = ()

    @property
    def display_title(self) -> str:
        """The title, else the label, else the id: never empty."""
        return self.title or self.label or self.id


# --------------------------------------------------------------------------- annotations


@dataclass(frozen=True, slots=True)
class Citation:
    """A public source for a fact stated in a note."""

    title: str
    url: str
    accessed: str | None
    origin: Origin


@dataclass(frozen=True, slots=True)
class Selector:
    """A W3C TextQuoteSelector: the quoted passage and optional context around it."""

    source: str
    quote: str
    prefix: str = ""
    suffix: str = ""
    origin: Origin = field(default_factory=lambda: Origin(""))


@dataclass(frozen=True, slots=True)
class Note:
    """A context note (or a correction) anchored to one passage."""

    id: str
    kind: str
    """``context`` or ``correction``."""
    selector: Selector
    body: str
    """Sanitised Markdown."""
    citations: tuple[Citation, ...]
    tags: tuple[str, ...]
    origin: Origin
    from_texts: bool = False
    """True if the note explains only from the texts themselves (no citation needed)."""
    extra: Extra = ()


NOTE_KINDS = kinds.labels("notes", "kind")
"""Kinds of note (``context``, ``correction``) and their labels, from the registry."""
RELATIONS = kinds.labels("crossrefs", "relation")
"""Cross-reference relations and how they are labelled for readers, from the registry."""


@dataclass(frozen=True, slots=True)
class Silence:
    """A source that covers the same event or topic but says nothing of a cross-reference's
    subject, on purpose as far as a reader can tell (``silent:`` in the YAML). A source that
    is neither a passage nor silent is simply not covering it."""

    source: str
    why: str
    """Plain text: what the source does cover, attributed and neutral."""


@dataclass(frozen=True, slots=True)
class PrimaryText:
    """The words of the primary document a cross-reference's passages quote or render
    (``primary:`` in the YAML), as the cited document prints them."""

    words: str
    """Plain text."""
    citation: Citation


@dataclass(frozen=True, slots=True)
class CrossRef:
    """Passages from different sources that speak of the same thing."""

    id: str
    title: str
    relation: str
    note: str
    """Sanitised Markdown: how the accounts differ."""
    passages: tuple[Selector, ...]
    citations: tuple[Citation, ...]
    origin: Origin
    from_texts: bool = False
    """True if the note only compares the texts themselves (no citation needed)."""
    silent: tuple[Silence, ...] = ()
    """Sources that cover the topic but say nothing of this (the coverage matrix's "silent")."""
    primary: tuple[PrimaryText, ...] = ()
    """The primary text's wording, compared word by word with the passages."""
    extra: Extra = ()


GLOSSARY_KINDS = kinds.labels("glossary", "kind")
"""Kinds of glossary entry and their headings on the glossary page, from the registry."""


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """A person, organisation, place, term or document with its own page."""

    id: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    """Other spellings and forms found in the sources; each one is linked."""
    description: str
    """One line, plain text: the tooltip."""
    body: str
    """Sanitised Markdown."""
    citations: tuple[Citation, ...]
    links: tuple[Citation, ...]
    """Further reading."""
    origin: Origin
    from_texts: bool = False
    extra: Extra = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The name and every alias: what is looked for in the sources."""
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class Annotations:
    """Everything contributors edit, loaded and validated."""

    outlets: dict[str, Outlet]
    sources: dict[str, Source]
    notes: tuple[Note, ...]
    crossrefs: tuple[CrossRef, ...]
    glossary: dict[str, GlossaryEntry]
    fragments: tuple[LinkFragment, ...] = ()
    """Every ``source:ID#anchor`` (and ``glossary:``/``crossref:``) link with an anchor, checked once
    the sources are ingested: MkDocs --strict would fail on an anchor that does not exist."""


@dataclass(frozen=True, slots=True)
class LinkFragment:
    """The ``#anchor`` part of an internal link in a Markdown body, where it was written."""

    scheme: str
    """``source``, ``glossary`` or ``crossref``."""
    target: str
    """The id after the colon."""
    anchor: str
    origin: Origin


# --------------------------------------------------------------------------- anchoring


class Status(enum.StrEnum):
    """Outcome of anchoring one quote."""

    EXACT = "exact"
    FUZZY = "fuzzy"
    AMBIGUOUS = "ambiguous"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a document: a block id and an offset into its plain text."""

    block: str
    offset: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place a quote could refer to, reported when anchoring fails."""

    start: Position
    end: Position
    text: str
    context: str
    """The match with some text either side, for messages."""
    similarity: float
    prefix: str = ""
    """Shortest prefix that singles this candidate out (ambiguous quotes only)."""
    suffix: str = ""
    """Shortest suffix that singles this candidate out (ambiguous quotes only)."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where one annotation's passage sits in a source (or why it could not be placed)."""

    annotation: str
    kind: str
    """``note``, ``crossref`` or ``glossary``."""
    source: str
    selector: Selector | None
    status: Status
    start: Position | None = None
    end: Position | None = None
    text: str = ""
    """The passage as it reads in the source (blocks it spans joined by a space)."""
    similarity: float = 100.0
    """0–100: 100 for exact matches."""
    candidates: tuple[Candidate, ...] = ()
    passage: int = 0
    """For cross-references: the passage's index (0-based) in the cross-reference."""
    placement: QuotePlacement | None = field(default=None, compare=False, repr=False)
    """What :func:`.placement.place` found (notes and cross-reference passages), for messages."""

    @property
    def placed(self) -> bool:
        """True if the anchor has a position (exact or fuzzy)."""
        return self.status in (Status.EXACT, Status.FUZZY)
