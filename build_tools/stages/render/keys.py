"""Render cache keys: for each page that is expensive to render, everything its renderer reads.

A source page, a cross-reference page and a glossary entry's pages are each stored in
``.cache/render/`` under a key (:func:`build_tools.cache.key`, so the code version is part of
it) naming every input of that page, so that after one edit only the pages whose inputs
changed are rendered again:

- **a source page**: the catalog entry and its outlet, the document (by its ingest key, which
  determines it, else by its value), ``site_url``, every note placed in it (its id, kind,
  sanitised body and citations, with its anchor), every cross-reference passage placed in
  it with the whole cross-reference and *every* passage of it (the panels show the other
  passages' text, and their sources' outlets and dates: each other source's catalog entry and
  outlet), its glossary mentions and every entry they link to (name, description, id …);
- **a cross-reference page**: the cross-reference, every passage with its source's catalog
  entry, outlet and document, and the catalog entry of every source it says is silent;
- **a glossary entry's pages**: the entry, every mention of it, and the catalog entry, outlet
  and document of each source a mention is in (the sentence around it is the document's);
- **the cross-reference index and the coverage pages**: every cross-reference (in order,
  with its file, which names its topic) with its passages, and every text that has a
  document, oldest first; and on which page of an entry each source's mentions begin: every
  entry's id and every mention, with the sources by date.

What is done to every page afterwards — a ``glossary:ID#in-SOURCE`` link pointed at the
page of the entry that holds that source's mentions — depends on the whole corpus and is
cheap, so the cache holds the pages before it (with the correction line at the end, and the
links each has, so that only a page whose links moved is searched) and it is done on every
run (:func:`build_tools.stages.render.render_site`).

Keys must cost much less than rendering: records that are few are taken whole (``repr``
of the frozen dataclass: every field); notes and anchors, of which there are tens of
thousands, are taken as tuples of their fields (:data:`NOTE_FIELDS`, :data:`ANCHOR_FIELDS`),
every field but the ones no renderer reads (:data:`NOTE_LEFT_OUT`, :data:`ANCHOR_LEFT_OUT`):
``tests/test_incremental.py`` fails when a field is added to one of these classes and is in
neither list. Each piece is computed once per run and named by every key that needs it.
Those tuples are serialised by :func:`_dump` (``marshal``, several times faster than ``repr``
on them; ``repr`` for a value ``marshal`` does not take) and an anchor's by one C-level
:data:`_ANCHOR_GET`, so the keys of 1,000 sources cost about 0.15 s rather than 0.7 s.
"""

from __future__ import annotations

import marshal
from collections.abc import Mapping
from operator import attrgetter

from build_tools import cache
from build_tools.model import Anchor, Citation, CrossRef, GlossaryEntry, Note, Source
from build_tools.stages.anchor import names_key
from build_tools.stages.render.context import SiteContext

NOTE_FIELDS = ("id", "kind", "body", "citations", "extra")
"""The fields of a note in its key (each citation as :data:`CITATION_FIELDS`)."""
NOTE_LEFT_OUT = frozenset({"selector", "tags", "origin", "from_texts"})
"""Fields of a note no page shows: its quote is its anchor's text, which is in the key."""
XREF_FIELDS = ("id", "title", "relation", "note", "citations", "silent", "primary", "extra")
"""The fields of a cross-reference in its key (citations as :data:`CITATION_FIELDS`)."""
XREF_LEFT_OUT = frozenset({"passages", "origin", "from_texts"})
"""Fields of a cross-reference no cached page shows (its passages are in the key as anchors)."""
CITATION_FIELDS = ("title", "url", "accessed")
CITATION_LEFT_OUT = frozenset({"origin"})
ANCHOR_LEFT_OUT = frozenset({"selector", "candidates", "placement"})
"""Fields of a placed anchor no page shows (the quote as written, the near misses, the matcher's record)."""
ANCHOR_FIELDS = ("annotation", "kind", "source", "status", "start", "end", "text", "similarity", "passage")
"""The fields of an anchor in its key (positions as block and offset)."""


def _note(n: Note) -> tuple:
    return (n.id, n.kind, n.body, _citations(n.citations), n.extra)


def _citations(cites: tuple[Citation, ...]) -> list[tuple]:
    return [(c.title, c.url, c.accessed) for c in cites]


def _xref(x: CrossRef) -> tuple:
    return (
        x.id,
        x.title,
        x.relation,
        x.note,
        _citations(x.citations),
        [(q.source, q.why) for q in x.silent],
        [(p.words, *_citations((p.citation,))) for p in x.primary],
        x.extra,
    )


_ANCHOR_GET = attrgetter(
    "annotation",
    "kind",
    "source",
    "status._value_",
    "start.block",
    "start.offset",
    "end.block",
    "end.offset",
    "text",
    "similarity",
    "passage",
)
"""An anchor with both positions as its :data:`ANCHOR_FIELDS` flat (the status as its plain value)."""


def _anchor(a: Anchor) -> tuple:
    try:
        return _ANCHOR_GET(a)
    except AttributeError:  # no position (or a status that is not an enum): another length, never the same tuple
        start, end = a.start, a.end
        return (
            a.annotation,
            a.kind,
            a.source,
            str(a.status),
            start and (start.block, start.offset),
            end and (end.block, end.offset),
            a.text,
            a.similarity,
            a.passage,
        )


def _dump(value: object) -> bytes:
    """``value`` as bytes that differ whenever it does: ``marshal`` (format 2, which has no
    back-references, so equal values give equal bytes) for plain strings, numbers, tuples and
    lists of them; else its ``repr``. The first byte says which."""
    try:
        return b"m" + marshal.dumps(value, 2)
    except ValueError:  # a value marshal does not take (an enum, a date …)
        return b"r" + repr(value).encode("utf-8", "surrogatepass")


class PageKeys:
    """The render cache keys of one run's pages (see the module docstring)."""

    def __init__(
        self,
        ctx: SiteContext,
        *,
        site_url: str,
        doc_keys: Mapping[str, str],
        anchor_names: Mapping[str, str] | None = None,
    ) -> None:
        self.ctx = ctx
        self.site_url = site_url
        self.doc_keys = doc_keys
        """Source id → its ingest key, where known (the pipeline's, when it caches)."""
        self.anchor_names = ctx.anchoring.entry_names if anchor_names is None else anchor_names
        """Source id → its anchor cache entry's name, where known: it names every anchor placed
        in the source, so a key takes it instead of those anchors' fields."""
        self._sources: dict[str, str] = {}
        self._docs: dict[str, str] = {}
        self._xrefs: dict[str, str] = {}
        self._entries: dict[str, str] = {}
        self._passages: dict[str, str] = {}
        self._mentions: dict[str, str] = {}
        self._names: str | None = None

    # -- pieces, each computed once
    def source(self, sid: str) -> str:
        """A source's catalog entry and its outlet's: all a page shows of another source."""
        fp = self._sources.get(sid)
        if fp is None:
            src = self.ctx.ann.sources[sid]
            fp = self._sources[sid] = cache.digest(repr(src), repr(self.ctx.ann.outlets[src.outlet]))
        return fp

    def doc(self, sid: str) -> str:
        """A source's document: its ingest key (which determines it), else its value."""
        fp = self._docs.get(sid)
        if fp is None:
            known = self.doc_keys.get(sid)
            fp = self._docs[sid] = "ingest:" + known if known else "doc:" + cache.digest(repr(self.ctx.docs[sid]))
        return fp

    def xref(self, xref: CrossRef) -> str:
        fp = self._xrefs.get(xref.id)
        if fp is None:
            fp = self._xrefs[xref.id] = cache.digest(_dump(_xref(xref)))
        return fp

    def entry(self, entry: GlossaryEntry) -> str:
        fp = self._entries.get(entry.id)
        if fp is None:
            fp = self._entries[entry.id] = cache.digest(repr(entry))
        return fp

    def passages(self, xref_id: str) -> str:
        """Every placed passage of a cross-reference, with its source's catalog entry and outlet."""
        fp = self._passages.get(xref_id)
        if fp is None:
            anchors = self.ctx.xref_anchors.get(xref_id, [])
            fp = self._passages[xref_id] = cache.digest(_dump([(_anchor(a), self.source(a.source)) for a in anchors]))
        return fp

    def mentions(self, sid: str) -> str:
        """Every glossary mention in a source: named by its document's ingest key and the
        glossary's names where the ingest key is known (they determine the mentions), else
        taken whole."""
        fp = self._mentions.get(sid)
        if fp is None:
            known = self.doc_keys.get(sid)
            if known:
                if self._names is None:
                    self._names = cache.digest(names_key(self.ctx.ann))
                fp = self._mentions[sid] = "mentions:" + cache.digest(known, self._names)
            else:
                mentions = self.ctx.mentions_by_source.get(sid, [])
                fp = self._mentions[sid] = cache.digest(_dump(list(map(_anchor, mentions))))
        return fp

    # -- the keys
    def source_page(self, source: Source) -> str:
        ctx, sid = self.ctx, source.id
        placed = self.anchor_names.get(sid)
        if placed:  # every anchor placed in it is named by its anchor entry's name
            notes: list = [_note(n) for n, _a in ctx.notes_by_source.get(sid, [])]
            xrefs = [(self.xref(x), a.passage, self.passages(x.id)) for x, a in ctx.xrefs_by_source.get(sid, [])]
        else:
            notes = [(_note(n), _anchor(a)) for n, a in ctx.notes_by_source.get(sid, [])]
            xrefs = [(self.xref(x), _anchor(a), self.passages(x.id)) for x, a in ctx.xrefs_by_source.get(sid, [])]
        glossary = ctx.ann.glossary
        entries = [self.entry(glossary[e]) for e in sorted(set(ctx.entries_mentioned(sid)))]
        return cache.key(
            "render:source",
            self.site_url,
            self.source(sid),
            self.doc(sid),
            _dump(notes),
            _dump(xrefs),
            self.mentions(sid),
            repr(entries),
            "anchor:" + placed if placed else "",
        )

    def crossref_page(self, xref: CrossRef) -> str:
        anchors = self.ctx.xref_anchors.get(xref.id, [])
        docs = [self.doc(s) for s in dict.fromkeys(a.source for a in anchors)]
        silent = [self.source(q.source) for q in xref.silent]
        return cache.key("render:crossref", self.xref(xref), self.passages(xref.id), repr(docs), repr(silent))

    def glossary_pages(self, entry: GlossaryEntry) -> str:
        """Over-inclusive, to be cheap: every mention in each source that mentions the entry."""
        sids = self.ctx.sources_mentioning(entry.id)
        shown = [(s, self.source(s), self.doc(s), self.mentions(s)) for s in sids]
        return cache.key("render:glossary", self.entry(entry), _dump(shown))

    def crossref_indexes(self, sources: list[Source]) -> str:
        """The cross-reference index and the coverage pages
        (:func:`~build_tools.stages.render.pages.render_crossref_index`,
        :func:`~build_tools.stages.render.pages.render_coverage_pages`): every cross-reference
        in order, with its placed passages (with their sources' catalog entries and outlets)
        and its topic (its file), and ``sources``, the texts with a document oldest first."""
        xrefs = [(self.xref(x), self.passages(x.id), x.origin.path) for x in self.ctx.ann.crossrefs]
        return cache.key("render:crossref-indexes", _dump(xrefs), _dump([(s.id, self.source(s.id)) for s in sources]))

    def mention_pages(self, sources: list[Source]) -> str:
        """Which page of an entry each source's mentions begin on
        (:func:`~build_tools.stages.render.pages.mention_pages`): the entries in order, and
        every mention of each source that has any, the sources ``sources`` (oldest first)."""
        has = self.ctx.mentions_by_source
        mentioned = [(s.id, self.source(s.id), self.mentions(s.id)) for s in sources if s.id in has]
        entries = [e.id for e in self.ctx.ann.glossary.values()]
        return cache.key("render:mention-pages", _dump(entries), _dump(mentioned))
