"""Anchor stage: find where each quote sits in its source, and every glossary mention.

A quote is matched like a W3C Web Annotation TextQuoteSelector, on normalised text
(see :mod:`.textnorm`), across inline formatting and across adjacent blocks:

* exactly one place (after the prefix/suffix filter) → ``exact``;
* several places → ``ambiguous``: an error listing each with its context and the
  shortest prefix or suffix (whole words, shown as YAML scalars) that singles it out;
* otherwise :func:`.matcher.match` scores candidate places on quote, prefix and suffix
  together (exact occurrences whose context changed, and approximate ones, never
  spilling into a block the quote does not reach). A place it is sure of anchors as
  ``fuzzy`` with a warning and a diff; several about equally good places are
  ``ambiguous``; a similar passage whose context no longer reads, or one below
  :data:`.placement.FUZZY_THRESHOLD`, is ``missing``: an error naming the closest passage.

Nothing is placed silently somewhere else: a quote that cannot be placed surely is an
error. The placing and its messages are :mod:`.placement`'s, shared with the contributor
commands, the drift report and the imports. The work per quote is bounded (seeds,
:data:`.placement.MAX_CONTEXT`, :data:`.matcher.MAX_CANDIDATES`), and at most
:data:`MAX_PER_BLOCK` passages may start in one block.
"""

from __future__ import annotations

import bisect
import dataclasses
import io
import operator
import pickle
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from build_tools import cache, parallel
from build_tools.errors import Origin, Problem, Report
from build_tools.matcher import WordIndex
from build_tools.model import Anchor, Annotations, Block, BlockKind, Document, GlossaryEntry, Position, Selector, Status
from build_tools.placement import QuotePlacement, Why, place, problem
from build_tools.textnorm import Normalized, norm, normalize

CONTEXT = 30
"""Characters of context shown either side of a candidate in messages."""


@dataclass(frozen=True, slots=True)
class DocIndex:
    """A document's normalised text, blocks joined by one space, with offset maps."""

    doc: Document
    text: str
    starts: tuple[int, ...]
    """Offset in :attr:`text` where each block begins."""
    norms: tuple[Normalized, ...]
    _cache: dict[str, WordIndex] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, doc: Document) -> DocIndex:
        """Index ``doc``; linear in its length."""
        norms = tuple(normalize(b.text) for b in doc.blocks)
        starts: list[int] = []
        pos = 0
        for n in norms:
            starts.append(pos)
            pos += len(n.text) + 1
        return cls(doc, " ".join(n.text for n in norms), tuple(starts), norms)

    def words(self) -> WordIndex:
        """The word index the approximate matcher uses (built on first use)."""
        w = self._cache.get("words")
        if w is None:
            w = self._cache["words"] = WordIndex.build(self.text, self.starts)
        return w

    def _block_at(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def position(self, offset: int, *, end: bool = False) -> Position:
        """Map an offset of :attr:`text` to a block id and an offset in its plain text."""
        i = self._block_at(offset - 1 if end and offset > 0 else offset)
        local = offset - self.starts[i]
        n = self.norms[i]
        local = max(0, min(local, len(n.text)))
        if end:
            original = n.ends[local - 1] if local > 0 else (n.starts[0] if len(n.text) else 0)
        else:
            original = n.starts[local] if local < len(n.text) else len(self.doc.blocks[i].text)
        return Position(self.doc.blocks[i].id, original)

    def original(self, start: Position, end: Position) -> str:
        """The source's own text between two positions (blocks joined by a space)."""
        ids = [b.id for b in self.doc.blocks]
        i, j = ids.index(start.block), ids.index(end.block)
        if i == j:
            return self.doc.blocks[i].text[start.offset : end.offset]
        parts = [self.doc.blocks[i].text[start.offset :]]
        parts += [b.text for b in self.doc.blocks[i + 1 : j]]
        parts.append(self.doc.blocks[j].text[: end.offset])
        return " ".join(parts)

    def block_id(self, offset: int) -> str:
        """The id of the block that holds ``offset``."""
        return self.doc.blocks[self._block_at(offset)].id

    def context(self, start: int, end: int) -> str:
        """The match in « » with :data:`CONTEXT` characters either side."""
        a = max(0, start - CONTEXT)
        b = min(len(self.text), end + CONTEXT)
        left = ("…" if a > 0 else "") + self.text[a:start]
        right = self.text[end:b] + ("…" if b < len(self.text) else "")
        return f"{left}«{self.text[start:end]}»{right}"


def anchor_selector(
    selector: Selector, index: DocIndex, *, annotation: str, kind: str, passage: int, report: Report
) -> Anchor:
    """Place one quote in its source (:func:`.placement.place`); problems are recorded in ``report``."""
    found = place(index, selector.quote, selector.prefix, selector.suffix)
    p = problem(found, selector.origin)
    if p is not None:
        report.problems.append(p)
    return Anchor(
        annotation=annotation,
        kind=kind,
        source=selector.source,
        selector=selector,
        status=found.status,
        start=found.start,
        end=found.end,
        text=found.text,
        similarity=found.similarity,
        candidates=found.candidates,
        passage=passage,
        placement=found,
    )


# --------------------------------------------------------------------------- glossary

_WORD = re.compile(r"\w+")
LINKED_KINDS = frozenset({BlockKind.PARAGRAPH, BlockKind.QUOTATION, BlockKind.CAPTION, BlockKind.FOOTNOTE})
"""Blocks in which glossary mentions are linked (all blocks are searched)."""


@dataclass(frozen=True, slots=True)
class NameIndex:
    """Every glossary name and alias, indexed by its first word for a linear scan."""

    by_first_word: dict[str, tuple[tuple[str, int, str], ...]]
    """first word → (normalised name, offset of that word in the name, entry id), longest first."""

    @classmethod
    def build(cls, entries: Iterable[GlossaryEntry]) -> NameIndex:
        """Index the names of ``entries``."""
        table: dict[str, list[tuple[str, int, str]]] = {}
        for entry in entries:
            for name in entry.names:
                n = norm(name)
                m = _WORD.search(n)
                if m:
                    table.setdefault(m.group(), []).append((n, m.start(), entry.id))
        return cls({k: tuple(sorted(v, key=lambda t: -len(t[0]))) for k, v in table.items()})

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, entry id) of every mention in normalised ``text``."""
        out: list[tuple[int, int, str]] = []
        taken = 0
        for m in _WORD.finditer(text):
            options = self.by_first_word.get(m.group())
            if not options or m.start() < taken:
                continue
            for name, lead, entry_id in options:
                s = m.start() - lead
                e = s + len(name)
                if s < taken or s < 0 or not text.startswith(name, s):
                    continue
                if (s > 0 and text[s - 1].isalnum()) or (e < len(text) and text[e].isalnum()):
                    continue
                out.append((s, e, entry_id))
                taken = e
                break
        return out


def find_mentions(doc: Document, index: DocIndex, names: NameIndex) -> list[Anchor]:
    """Every glossary mention in ``doc``, one anchor each, in reading order."""
    return _mentions(doc, _mention_spans(doc, index, names))


def _mention_spans(doc: Document, index: DocIndex, names: NameIndex) -> tuple[int | str, ...]:
    """Every glossary mention in ``doc`` as four plain values, flat: the block's number,
    the start and end offset in its plain text, the entry id (what :func:`_mentions` reads)."""
    out: list[int | str] = []
    for i in range(len(doc.blocks)):
        n = index.norms[i]
        for s, e, entry_id in names.find(n.text):
            a, b = n.original_span(s, e)
            out += (i, a, b, entry_id)
    return tuple(out)


def _mentions(doc: Document, spans: tuple[int | str, ...]) -> list[Anchor]:
    """The anchors of the mentions :func:`_mention_spans` found in ``doc``."""
    make, position = cache.maker(Anchor), cache.maker(Position)
    out: list[Anchor] = []
    blocks = doc.blocks
    source = doc.source_id
    block_id, text, last = "", "", None
    values = iter(spans)
    for i, a, b, entry_id in zip(values, values, values, values, strict=True):
        if i != last:
            if i < 0:
                raise IndexError("no such block")
            block = blocks[i]
            block_id, text, last = block.id, block.text, i
        start, end = position(block_id, a), position(block_id, b)
        out.append(make(entry_id, "glossary", source, None, Status.EXACT, start, end, text[a:b], 100.0, (), 0, None))
    return out


class _Made(Sequence[Anchor]):
    """A sequence of anchors made when first read (:meth:`_anchors`), equal to any sequence
    of the same anchors."""

    __slots__ = ()

    def _anchors(self) -> Sequence[Anchor]:
        raise NotImplementedError

    def __getitem__(self, i):  # type: ignore[no-untyped-def, override]
        return self._anchors()[i]

    def __iter__(self) -> Iterator[Anchor]:
        return iter(self._anchors())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


class SourceMentions(_Made):
    """One source's glossary mentions, as :func:`_mention_spans` found them, made into
    anchors when first read: a run that renders neither the source's page nor a page of an
    entry it mentions never makes them (84,000 at 1,000 sources: 0.15 s of a run after one
    edit). Which entries it mentions, and how often, are read from the spans.

    Made from spans that :func:`_check_spans` accepted, so reading it cannot fail. Pickled
    as its anchors (a worker's result does not carry the document)."""

    __slots__ = ("_built", "_doc", "spans")

    def __init__(self, doc: Document, spans: tuple[int | str, ...]) -> None:
        self._doc = doc
        self.spans = spans
        self._built: list[Anchor] | None = None

    def _anchors(self) -> list[Anchor]:
        if self._built is None:
            self._built = _mentions(self._doc, self.spans)
        return self._built

    def __len__(self) -> int:
        return len(self.spans) // 4

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return list, (self._anchors(),)

    def entry_ids(self) -> list[str]:
        """The entry of each mention, in order."""
        return list(self.spans[3::4])  # type: ignore[arg-type]


def _check_spans(doc: Document, spans: object) -> tuple[int | str, ...]:
    """``spans`` if :func:`_mentions` makes anchors of them without an error (raises
    ``TypeError``, ``ValueError`` or ``IndexError`` if not), at the cost of a few passes in C."""
    if type(spans) is not tuple or len(spans) % 4:
        raise ValueError("not spans")
    numbers = (spans[0::4], spans[1::4], spans[2::4])
    if any(not set(map(type, column)) <= {int} for column in numbers):
        raise TypeError("not block numbers and offsets")
    if not set(map(type, spans[3::4])) <= {str}:
        raise TypeError("not entry ids")
    if spans and (min(numbers[0]) < 0 or max(numbers[0]) >= len(doc.blocks)):
        raise IndexError("no such block")
    return spans


def mention_entries(found: Sequence[Anchor]) -> list[str]:
    """The entry of each mention in ``found``."""
    return found.entry_ids() if isinstance(found, SourceMentions) else [m.annotation for m in found]


class Mentions(_Made):
    """Every glossary mention, source by source in the order of the documents (each
    source's as a :class:`SourceMentions`, made into anchors when read)."""

    __slots__ = ("_all", "_by_entry", "by_source")

    def __init__(self, by_source: Mapping[str, Sequence[Anchor]]) -> None:
        self.by_source: dict[str, Sequence[Anchor]] = {sid: m for sid, m in by_source.items() if len(m)}
        """Source id → its mentions, for each source that has one."""
        self._all: tuple[Anchor, ...] | None = None
        self._by_entry: dict[str, dict[str, list[int]]] | None = None

    def _anchors(self) -> tuple[Anchor, ...]:
        if self._all is None:
            self._all = tuple(m for found in self.by_source.values() for m in found)
        return self._all

    def __len__(self) -> int:
        return sum(map(len, self.by_source.values()))

    def make_all(self) -> None:
        """Make every source's mentions into anchors now (before forking workers that read them)."""
        self._anchors()

    def _where(self) -> dict[str, dict[str, list[int]]]:
        """Entry id → each source that mentions it (in order) → the numbers of those mentions
        in the source's: one pass over every mention's entry id, none made into an anchor."""
        if self._by_entry is None:
            where: dict[str, dict[str, list[int]]] = {}
            for sid, found in self.by_source.items():
                for k, eid in enumerate(mention_entries(found)):
                    where.setdefault(eid, {}).setdefault(sid, []).append(k)
            self._by_entry = where
        return self._by_entry

    def sources_of(self, entry_id: str) -> list[str]:
        """The sources that mention an entry, in order."""
        return list(self._where().get(entry_id, ()))

    def entries(self) -> list[str]:
        """Every entry mentioned, in the order of its first mention."""
        return list(self._where())

    def entries_of(self, source_id: str) -> list[str]:
        """The entry of each mention in a source, in order."""
        return mention_entries(self.by_source.get(source_id, ()))

    def of_entry(self, entry_id: str) -> list[Anchor]:
        """An entry's mentions, in order (only the sources that mention it are made into anchors)."""
        return [
            found[k]
            for sid, numbers in self._where().get(entry_id, {}).items()
            for found in (self.by_source[sid],)
            for k in numbers
        ]

    def count_of(self, entry_id: str) -> int:
        """How many times an entry is mentioned."""
        return sum(map(len, self._where().get(entry_id, {}).values()))


class MentionsByEntry(Mapping[str, Sequence[Anchor]]):
    """Entry id → its mentions in order, made when asked for (:meth:`Mentions.of_entry`)."""

    __slots__ = ("_made", "mentions")

    def __init__(self, mentions: Mentions) -> None:
        self.mentions = mentions
        self._made: dict[str, list[Anchor]] = {}

    def __getitem__(self, entry_id: str) -> list[Anchor]:
        made = self._made.get(entry_id)
        if made is None:
            if not self.mentions.sources_of(entry_id):
                raise KeyError(entry_id)
            made = self._made[entry_id] = self.mentions.of_entry(entry_id)
        return made

    def __contains__(self, entry_id: object) -> bool:
        return isinstance(entry_id, str) and bool(self.mentions.sources_of(entry_id))

    def __iter__(self) -> Iterator[str]:
        return iter(self.mentions.entries())

    def __len__(self) -> int:
        return len(self.mentions.entries())


# --------------------------------------------------------------------------- the stage


@dataclass(frozen=True, slots=True)
class Anchoring:
    """Result of the anchor stage for the whole corpus."""

    anchors: tuple[Anchor, ...]
    """One per note and per cross-reference passage, placed or not."""
    mentions: Mentions
    """One per glossary mention found in a source, source by source."""
    entry_names: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """Source id → the name of its cache entry, where it has one (:func:`_entry_name`): a name
    that determines every anchor placed in the source and its mentions, which the render
    cache's keys use instead of those anchors (:mod:`build_tools.stages.render.keys`)."""

    def placed(self) -> tuple[Anchor, ...]:
        """Anchors that have a position (exact or fuzzy)."""
        return tuple(a for a in self.anchors if a.placed)


Request = tuple[Selector, str, str, int]
"""A quote to place: its selector, the annotation's id, its kind and the passage's number."""
Placed = tuple[list[tuple[Anchor, tuple[Problem, ...]]], Sequence[Anchor]]
"""One source's anchoring: each request's anchor with its problems, and the glossary mentions."""


def anchor_all(
    ann: Annotations,
    docs: dict[str, Document],
    report: Report,
    *,
    store: cache.Cache | None = None,
    keys: dict[str, str] | None = None,
    jobs: int = 1,
) -> Anchoring:
    """Anchor every note and cross-reference passage, and find every glossary mention.

    Each source is indexed once; the cost is linear in the size of the sources plus the
    number of quotes (fuzzy searches, which only run for quotes that do not match, cost
    more). With a ``store``, a source's anchoring comes from the cache when its document
    (named by ``keys``: source id → its ingest key, which determines it), the quotes that
    point into it and the glossary names are unchanged (:func:`_entry_name`); the check
    across sources runs on the combined result, and the problems come in the same order
    either way. The entries are loaded first, all at once, the garbage collector paused
    (:func:`.cache.loading`); then the sources that missed are anchored, in ``jobs`` forked
    workers where it pays (:func:`build_tools.parallel.map_forked`).
    """
    requests, order = _requests(ann, docs)
    names = NameIndex.build(tuple(ann.glossary.values()))
    glossary_names = names_key(ann)
    keys = keys or {}
    entry_names = {sid: _entry_name(store, keys.get(sid), requests[sid], glossary_names) for sid in docs}
    hits: dict[str, Placed] = {}
    with cache.loading():
        for sid, doc in docs.items():
            hit = _load(store, entry_names[sid], doc, requests[sid])
            if hit is not None:
                hits[sid] = hit
    missing = [sid for sid in docs if sid not in hits]

    def one(sid: str) -> Placed | _Entry:
        return _anchor(docs[sid], requests[sid], names, store, entry_names[sid])

    fresh: dict[str, Placed] = {}
    with cache.loading():  # the records of a worker's entries rebuilt here
        for sid, made in zip(missing, parallel.map_forked(one, missing, jobs=jobs), strict=True):
            fresh[sid] = _rebuild(made.value, docs[sid], requests[sid]) if isinstance(made, _Entry) else made
            if entry_names[sid]:  # kept, in a live preview
                cache.remember("anchor:placed", entry_names[sid], fresh[sid])
    placed = {sid: hits[sid] if sid in hits else fresh[sid] for sid in docs}
    results = {sid: iter(found) for sid, (found, _mentions) in placed.items()}
    anchors: list[Anchor] = []
    for sid in order:  # every quote in the order of the files, as without a cache
        anchor, problems = next(results[sid])
        report.problems.extend(problems)
        anchors.append(anchor)
    check_block_load(anchors, report)
    mentions = Mentions({sid: found_mentions for sid, (_found, found_mentions) in placed.items()})
    named = {sid: name for sid, name in entry_names.items() if name}
    return Anchoring(tuple(anchors), mentions, named)


def _requests(ann: Annotations, docs: dict[str, Document]) -> tuple[dict[str, list[Request]], list[str]]:
    """Every quote to place, by source (in the order of the files), and the source of each in that order."""
    requests: dict[str, list[Request]] = {sid: [] for sid in docs}
    order: list[str] = []
    for note in ann.notes:
        if note.selector.source in docs:
            requests[note.selector.source].append((note.selector, note.id, "note", 0))
            order.append(note.selector.source)
    for xref in ann.crossrefs:
        for i, sel in enumerate(xref.passages):
            if sel.source in docs:
                requests[sel.source].append((sel, xref.id, "crossref", i))
                order.append(sel.source)
    return requests, order


def names_key(ann: Annotations) -> str:
    """Every glossary entry's id and names: with a document, all its mentions depend on."""
    return repr([(e.id, e.names) for e in ann.glossary.values()])


def rekey_entries(
    ann: Annotations,
    docs: dict[str, Document],
    *,
    store: cache.Cache,
    keys: Mapping[str, str],
    new_keys: Mapping[str, str],
) -> dict[str, str]:
    """Store each source's entry again under the name it has when its document is named by
    ``new_keys`` instead of ``keys`` (source id → ingest key), for documents whose new key
    gives the same document (a lock file just written: :func:`build_tools.pipeline.locks_stage`),
    so the next run does not anchor them again. Returns source id → the entry's new name
    (as :attr:`Anchoring.entry_names`), of each source whose entry was stored again."""
    requests, _order = _requests(ann, docs)
    glossary_names = names_key(ann)
    stored: dict[str, str] = {}
    for sid, new_key in new_keys.items():
        if sid not in docs:
            continue
        before = _entry_name(store, keys.get(sid), requests[sid], glossary_names)
        after = _entry_name(store, new_key, requests[sid], glossary_names)
        if before and after and before != after and store.copy(before, after):
            stored[sid] = after
    return stored


# --------------------------------------------------------------------------- the cache entries
#
# An entry holds a source's anchoring in plain values, rebuilt into the same records: for
# each request, in order, a quote placed exactly (no problem) as
# ``(start, end, start block, start offset, end block, end offset, text, normalised quote)``
# — offsets of the normalised text, then positions by block number; ``text`` and the
# normalised quote ``None`` when they read as the quote does — rebuilt around the request's
# own selector (:func:`_exact`); any other as its ``(Anchor, problems)``; then the glossary
# mentions (:func:`_mention_spans`). A quote is stored in the short form only if what it
# rebuilds into is the anchor, placement included, value for value and type for type
# (:func:`_same`). At 1,000 sources (37,400 quotes, 84,000 mentions) an entry is 2.6 KB
# instead of 22.7 KB of pickled records, and the warm stage takes 0.6 s instead of 1.95 s
# (about 0.4 s of the saving is the collector's: see :func:`.cache.loading`). An entry
# that does not rebuild is anchored again and rewritten.

_Stored = tuple[Anchor, tuple[Problem, ...]] | tuple[int, int, int, int, int, int, str | None, str | None]


def _entry_name(store: cache.Cache | None, doc_key: str | None, requests: list[Request], names_key: str) -> str | None:
    """A source's entry key: its document (``doc_key``, its ingest key), every request
    (selectors with the lines they are on, which the messages name) and the glossary's
    names (``names_key``); ``None`` when nothing is cached (no store, no ``doc_key``)."""
    if store is None or not doc_key:
        return None
    return cache.key("anchor", doc_key, _requests_bytes(requests), names_key)


_selector_fields = operator.attrgetter(*(f.name for f in dataclasses.fields(Selector) if f.name != "origin"))
_origin_fields = operator.attrgetter(*(f.name for f in dataclasses.fields(Origin)))


def _requests_bytes(requests: list[Request]) -> bytes:
    """Every field of every request, its selector's and their origins' included, as bytes.

    Plain values (strings and numbers) pickled without a memo: the same values give the same
    bytes, whichever objects hold them, and different values different bytes, since they load
    back. It names the same as the ``repr`` of the records would, in a third of the time."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: a string shared by two records is written twice, as two equal ones are
    pickler.dump([(_selector_fields(s), _origin_fields(s.origin), a, k, n) for s, a, k, n in requests])
    return buf.getvalue()


@dataclass(frozen=True, slots=True)
class _Entry:
    """A source's cache entry as :func:`_anchor` stored it, sent from a worker."""

    value: tuple[list[_Stored], tuple[int | str, ...]]


def _anchor(
    doc: Document, requests: list[Request], names: NameIndex, store: cache.Cache | None, name: str | None
) -> Placed | _Entry:
    """Place ``requests`` in ``doc`` and find its glossary mentions; stored under ``name``.

    In a worker (:mod:`build_tools.parallel`) with a ``name``, what comes back is the entry
    stored, which is smaller to send than the records, and is rebuilt by the caller
    (:func:`_rebuild`)."""
    index = DocIndex.build(doc)
    found: list[tuple[Anchor, tuple[Problem, ...]]] = []
    for selector, annotation, kind, passage in requests:
        own = Report()
        anchor = anchor_selector(selector, index, annotation=annotation, kind=kind, passage=passage, report=own)
        found.append((anchor, tuple(own.problems)))
    spans = _mention_spans(doc, index, names)
    if store is not None and name is not None:
        entry = (_pack(doc, requests, found), spans)
        store.put(name, entry)
        if parallel.in_worker():
            return _Entry(entry)
    return found, SourceMentions(doc, spans)


def _load(store: cache.Cache | None, name: str | None, doc: Document, requests: list[Request]) -> Placed | None:
    """The anchoring stored under ``name``, rebuilt; ``None`` if there is none or it does not rebuild."""
    if store is None or name is None:
        return None
    kept = cache.recall("anchor:placed", name)  # a live preview keeps the records rebuilt
    if isinstance(kept, tuple) and len(kept[0]) == len(requests):
        store.hits += 1
        return kept  # type: ignore[return-value]
    entry = store.get(name)
    if entry is None:
        return None
    try:
        placed = _rebuild(entry, doc, requests)
    except (TypeError, ValueError, IndexError, AttributeError):  # signed by this machine, yet not an entry
        store.hits -= 1
        store.rebuilt += 1
        return None
    cache.remember("anchor:placed", name, placed)
    return placed


def _rebuild(entry: object, doc: Document, requests: list[Request]) -> Placed:
    """The anchoring an entry holds (see :func:`_pack`), rebuilt; raises if it is not one."""
    stored, spans = entry  # type: ignore[misc]
    if len(stored) != len(requests):
        raise ValueError("not one record per request")
    blocks = doc.blocks
    found = [
        _exact(rec, request, doc.source_id, blocks) if len(rec) == 8 else _full(rec)
        for rec, request in zip(stored, requests, strict=True)
    ]
    return found, SourceMentions(doc, _check_spans(doc, spans))


def _pack(doc: Document, requests: list[Request], found: list[tuple[Anchor, tuple[Problem, ...]]]) -> list[_Stored]:
    """What an entry stores of ``found``: each exactly placed quote in the short form if it
    rebuilds into the same anchor, else the record itself."""
    number = {b.id: i for i, b in enumerate(doc.blocks)}
    out: list[_Stored] = []
    for request, (anchor, problems) in zip(requests, found, strict=True):
        short = None
        p = anchor.placement
        if not problems and p is not None and p.why is Why.EXACT and len(p.spans) == 1 and p.start and p.end:
            quote = request[0].quote
            (a, b), s, e = p.spans[0], p.start, p.end
            short = (
                a,
                b,
                number.get(s.block, -1),
                s.offset,
                number.get(e.block, -1),
                e.offset,
                None if p.text == quote else p.text,
                None if p.quote == quote else p.quote,
            )
            try:
                if not _same(_exact(short, request, doc.source_id, doc.blocks), (anchor, problems)):
                    short = None
            except (TypeError, ValueError, IndexError, AttributeError):
                short = None
        out.append(short if short is not None else (anchor, problems))
    return out


def _exact(
    rec: _Stored, request: Request, source: str, blocks: tuple[Block, ...]
) -> tuple[Anchor, tuple[Problem, ...]]:
    """The anchor of a quote placed exactly, from its short form (see :func:`_pack`)."""
    a, b, si, so, ei, eo, text, quote = rec  # type: ignore[misc]
    selector, annotation, kind, passage = request
    if si < 0 or ei < 0:
        raise IndexError("no such block")
    position = cache.maker(Position)
    start, end = position(blocks[si].id, so), position(blocks[ei].id, eo)
    given = selector.quote
    text = given if text is None else text
    found = cache.maker(QuotePlacement)(
        Status.EXACT,
        Why.EXACT,
        source,
        (given, selector.prefix, selector.suffix),
        given if quote is None else quote,
        ((a, b),),
        start,
        end,
        text,
        100.0,
        (),
        None,
        "",
    )
    anchor = cache.maker(Anchor)(
        annotation, kind, selector.source, selector, Status.EXACT, start, end, text, 100.0, (), passage, found
    )
    return anchor, ()


def _full(rec: _Stored) -> tuple[Anchor, tuple[Problem, ...]]:
    """A record stored as it is, checked for its types."""
    anchor, problems = rec
    if not isinstance(anchor, Anchor) or not isinstance(problems, tuple):
        raise TypeError("not an anchor and its problems")
    return anchor, problems


def _same(x: object, y: object) -> bool:
    """``x == y``, strictly: of the same type all the way down, and every field of a
    dataclass compared, those left out of its ``==`` too."""
    t = type(x)
    if t is not type(y):
        return False
    how = _HOW.get(t)
    if how is None:
        how = _HOW[t] = _how(t)
    if how is _SEQUENCE:
        return len(x) == len(y) and all(map(_same, x, y))  # type: ignore[arg-type]
    if how:
        return all(_same(getattr(x, name), getattr(y, name)) for name in how)
    return x == y


_SEQUENCE = ("",)
_HOW: dict[type, tuple[str, ...]] = {}
"""How :func:`_same` compares values of a type: :data:`_SEQUENCE` item by item, a
dataclass by its fields' names, anything else (an empty tuple) by ``==``."""


def _how(t: type) -> tuple[str, ...]:
    if issubclass(t, tuple | list):
        return _SEQUENCE
    if dataclasses.is_dataclass(t):
        return tuple(f.name for f in dataclasses.fields(t))
    return ()


MAX_PER_BLOCK = 100
"""Most notes and cross-reference passages that may start in one block (the pages and
MkDocs slow down with every overlapping marker; 10,000 on one paragraph took 499 s)."""


def check_block_load(anchors: list[Anchor], report: Report) -> None:
    """One error per block in which more than :data:`MAX_PER_BLOCK` passages start,
    located at the first passage over the limit (in reading order of the files)."""
    per_block: dict[tuple[str, str], list[Anchor]] = {}
    for a in anchors:
        if a.placed and a.start is not None:
            per_block.setdefault((a.source, a.start.block), []).append(a)
    for (source, block), placed in per_block.items():
        if len(placed) <= MAX_PER_BLOCK:
            continue
        first = placed[MAX_PER_BLOCK]
        report.error(
            first.selector.origin if first.selector else Origin(""),
            f"{len(placed)} notes and cross-reference passages start in block {block} of source '{source}'; "
            f"at most {MAX_PER_BLOCK} may (this is number {MAX_PER_BLOCK + 1})",
            hint="merge notes on the same passage into one, or anchor them to other passages",
            code="too-many-annotations",
        )
