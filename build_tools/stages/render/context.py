"""What every page renderer may look at: the whole corpus, anchored, indexed once."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from build_tools.model import Anchor, Annotations, Block, BlockKind, CrossRef, Document, Note, Source
from build_tools.stages.anchor import Anchoring, MentionsByEntry, mention_entries
from build_tools.stages.ingest.parse import WORD

WORDS_PER_MINUTE = 230
"""Reading speed used for the "minutes to read" figure."""
COUNTED_KINDS = frozenset({BlockKind.PARAGRAPH, BlockKind.QUOTATION, BlockKind.HEADING, BlockKind.FOOTNOTE})
"""Blocks counted in a source's word count (captions and credits are not)."""


@lru_cache(maxsize=4096)
def format_date(iso: str | None) -> str:
    """``2024-02-12`` → ``12 February 2024``; ``None`` → ``""`` (remembered: every page
    lists dates, few of them distinct)."""
    if not iso:
        return ""
    d = date.fromisoformat(iso)
    return f"{d.day} {d:%B} {d.year}"


@dataclass(frozen=True, slots=True)
class SiteContext:
    """The corpus after anchoring, with the lookups renderers need."""

    ann: Annotations
    docs: dict[str, Document]
    anchoring: Anchoring
    notes_by_source: dict[str, list[tuple[Note, Anchor]]]
    """Placed notes of each source, in reading order."""
    xref_anchors: dict[str, list[Anchor]]
    """Placed passages of each cross-reference, by passage index."""
    xrefs_by_source: dict[str, list[tuple[CrossRef, Anchor]]]
    """Cross-reference passages placed in each source, in reading order."""
    mentions_by_source: Mapping[str, Sequence[Anchor]]
    """Each source's glossary mentions, in order (made into anchors when read: see
    :class:`~build_tools.stages.anchor.SourceMentions`), for each source that has one."""
    mentions_by_entry: Mapping[str, Sequence[Anchor]]
    """Each entry's mentions, source by source (made when asked for)."""
    _by_date: list[dict[str, int]] = field(default_factory=list, compare=False, repr=False)
    """Each source's place in :meth:`sources_by_date`, once worked out (thousands of pages ask)."""

    @classmethod
    def build(cls, ann: Annotations, docs: dict[str, Document], anchoring: Anchoring) -> SiteContext:
        """Group the anchoring result by source and by annotation (one pass each)."""
        order = {sid: {b.id: i for i, b in enumerate(doc.blocks)} for sid, doc in docs.items()}

        def key(a: Anchor) -> tuple[int, int]:
            assert a.start is not None
            return order[a.source][a.start.block], a.start.offset

        notes = {n.id: n for n in ann.notes}
        xrefs = {x.id: x for x in ann.crossrefs}
        notes_by_source: dict[str, list[tuple[Note, Anchor]]] = defaultdict(list)
        xref_anchors: dict[str, list[Anchor]] = defaultdict(list)
        xrefs_by_source: dict[str, list[tuple[CrossRef, Anchor]]] = defaultdict(list)
        for a in anchoring.placed():
            if a.kind == "note":
                notes_by_source[a.source].append((notes[a.annotation], a))
            else:
                xref_anchors[a.annotation].append(a)
                xrefs_by_source[a.source].append((xrefs[a.annotation], a))
        for lst in notes_by_source.values():
            lst.sort(key=lambda t: key(t[1]))
        for lst in xrefs_by_source.values():
            lst.sort(key=lambda t: key(t[1]))
        for lst in xref_anchors.values():
            lst.sort(key=lambda a: a.passage)
        mentions = anchoring.mentions
        return cls(
            ann,
            docs,
            anchoring,
            dict(notes_by_source),
            dict(xref_anchors),
            dict(xrefs_by_source),
            mentions.by_source,
            MentionsByEntry(mentions),
        )

    # -- glossary mentions, without making them into anchors
    def entries_mentioned(self, source_id: str) -> list[str]:
        """The entry of each glossary mention in a source, in order."""
        return mention_entries(self.mentions_by_source.get(source_id, ()))

    def sources_mentioning(self, entry_id: str) -> list[str]:
        """The sources that mention an entry, in the order of its mentions."""
        if isinstance(self.mentions_by_entry, MentionsByEntry):
            return self.mentions_by_entry.mentions.sources_of(entry_id)
        return list(dict.fromkeys(m.source for m in self.mentions_by_entry.get(entry_id, ())))

    def mention_count(self, entry_id: str) -> int:
        """How many times an entry is mentioned."""
        if isinstance(self.mentions_by_entry, MentionsByEntry):
            return self.mentions_by_entry.mentions.count_of(entry_id)
        return len(self.mentions_by_entry.get(entry_id, ()))

    def blocks_covered(self, a: Anchor) -> list[tuple[Block, int, int]]:
        """(block, start, end) for each block an anchored passage covers, in order."""
        assert a.start is not None and a.end is not None
        doc = self.docs[a.source]
        ids = [b.id for b in doc.blocks]
        i, j = ids.index(a.start.block), ids.index(a.end.block)
        return [
            (b, a.start.offset if k == i else 0, a.end.offset if k == j else len(b.text))
            for k, b in enumerate(doc.blocks[i : j + 1], start=i)
        ]

    # -- per-source figures
    def word_count(self, source_id: str) -> int:
        """Words in the source's body (captions not counted)."""
        doc = self.docs[source_id]
        return sum(len(WORD.findall(b.text)) for b in doc.blocks if b.kind in COUNTED_KINDS)

    @staticmethod
    def reading_minutes(words: int) -> int:
        """Minutes to read ``words`` at :data:`WORDS_PER_MINUTE`, at least 1."""
        return max(1, math.ceil(words / WORDS_PER_MINUTE))

    def counts(self, source_id: str) -> tuple[int, int, int]:
        """(notes, cross-references, distinct glossary entries mentioned) of a source."""
        notes = len(self.notes_by_source.get(source_id, []))
        xrefs = len({x.id for x, _ in self.xrefs_by_source.get(source_id, [])})
        entries = len(set(self.entries_mentioned(source_id)))
        return notes, xrefs, entries

    def sources_by_date(self) -> list[Source]:
        """Sources oldest first; undated ones last, by id (a new list each call)."""
        return [self.ann.sources[sid] for sid in self._date_rank()]

    def in_date_order(self, source_ids: Iterable[str]) -> list[Source]:
        """The sources ``source_ids`` names, in the order of :meth:`sources_by_date`, at the
        cost of those few (a page about two passages does not go through the corpus)."""
        return [self.ann.sources[sid] for sid in sorted(source_ids, key=self._date_rank().__getitem__)]

    def _date_rank(self) -> dict[str, int]:
        if not self._by_date:
            ordered = sorted(self.ann.sources.values(), key=lambda s: (s.date is None, s.date or "", s.id))
            self._by_date.append({s.id: i for i, s in enumerate(ordered)})
        return self._by_date[0]
