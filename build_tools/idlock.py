"""Stable block ids: once published, a paragraph's id (its permalink) never changes.

Ingest numbers blocks per kind in reading order (``p-1``, ``p-2``, …), so a ``structure:``
override that turns a paragraph into a quotation, a dropped or added block, or a better
ingest rule would renumber every later block. The lock file ``annotations/ids/SOURCE.yml``
records every id given out, with a fingerprint of the block's text; :func:`assign_ids`
carries each id over by content — the same text first (whatever the block's kind now),
then the most similar block of the same kind between the neighbouring matches — and
gives a new block an id never used before. A recorded id that no block takes any more
is an error at its line in the lock file, unless it is marked ``retired: true``.

``preprocess`` and ``build`` write the lock files (:func:`write_locks`) after every
check passed; they are checked in with the annotations. Headings, paragraphs,
quotations and captions are locked; the title, byline, dateline and footnotes have ids
of their own (``title``, ``fn-2``) that no renumbering changes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict, deque
from dataclasses import dataclass, replace
from pathlib import Path

from rapidfuzz import fuzz

from build_tools import cache, parallel
from build_tools.errors import Origin, Report
from build_tools.model import ID_PREFIX, BlockKind, Document
from build_tools.schema import validate
from build_tools.textnorm import norm
from build_tools.yamlio import load_yaml

LOCK_DIR = Path("annotations") / "ids"
LOCKED_KINDS = frozenset({BlockKind.HEADING, BlockKind.PARAGRAPH, BlockKind.QUOTATION, BlockKind.CAPTION})
"""The kinds numbered by a counter, whose ids would shift."""
EXCERPT = 120
"""Characters of a block's text kept in the lock file, for similarity and for people."""
SIMILAR = 75
"""Least similarity (rapidfuzz ``ratio`` of the excerpts, 0–100) to carry an id over to an edited block."""
WINDOW = 50
"""Lock entries looked at, at most, between two neighbouring exact matches."""
_NUMBERED = re.compile(r"^([a-z]+)-(\d+)$")


@dataclass(frozen=True, slots=True)
class LockedId:
    """One recorded id of a source's block."""

    id: str
    kind: str
    sha: str
    """First 16 hex digits of the SHA-256 of the block's normalised text."""
    text: str
    """The normalised text's first :data:`EXCERPT` characters."""
    retired: bool
    origin: Origin


@dataclass(frozen=True, slots=True)
class IdLock:
    """The lock file of one source."""

    source_id: str
    entries: tuple[LockedId, ...]


def lock_path(root: Path, source_id: str) -> Path:
    """``annotations/ids/SOURCE.yml`` under ``root``."""
    return root / LOCK_DIR / f"{source_id}.yml"


def fingerprint(text: str) -> tuple[str, str]:
    """(sha, excerpt) of a block's text, as the lock file records them."""
    normed = norm(text)
    return hashlib.sha256(normed.encode("utf-8")).hexdigest()[:16], normed[:EXCERPT]


def load_lock(root: Path, source_id: str, report: Report) -> IdLock | None:
    """The lock file of ``source_id``, checked against its schema; ``None`` if there is none
    or it is unreadable (then the problems are in ``report``, and nothing will be written)."""
    path = lock_path(root, source_id)
    if not path.is_file():
        return None
    loaded = load_yaml(path, root=root, report=report)
    if loaded is None or not validate(loaded.data, "ids", loaded.positions, report, root=root):
        return None
    data = loaded.data
    assert isinstance(data, dict)
    pos = loaded.positions
    if data["source"] != source_id:
        report.error(
            pos.origin(("source",)),
            f"lock file of source '{source_id}' says source: {data['source']!r}",
            hint=f"write source: {source_id} (the file is named after the source it locks)",
            code="block-id-lock-source",
        )
        return None
    entries: list[LockedId] = []
    seen: dict[str, Origin] = {}
    for i, e in enumerate(data["blocks"]):
        origin = pos.origin(("blocks", i, "id"))
        if e["id"] in seen:
            report.error(
                origin,
                f"block id '{e['id']}' is recorded twice (first at {seen[e['id']]})",
                hint="each id is given out once; delete the repeated entry",
                code="block-id-duplicate",
            )
            return None
        seen[e["id"]] = origin
        entries.append(LockedId(e["id"], e["kind"], e["sha"], e["text"], bool(e.get("retired")), origin))
    return IdLock(source_id, tuple(entries))


def assign_ids(doc: Document, lock: IdLock | None, report: Report) -> Document:
    """``doc`` with every locked block's recorded id, and never-used ids for new blocks.

    Without a lock file the ingest numbering stands (it is what the first lock records).
    A recorded id that no block takes is an error at its line in the lock file.
    """
    if lock is None:
        return doc
    blocks = list(doc.blocks)
    todo = [i for i, b in enumerate(blocks) if b.kind in LOCKED_KINDS]
    active = [e for e in lock.entries if not e.retired]
    prints = {i: fingerprint(blocks[i].text) for i in todo}
    taken: dict[int, int] = {}  # block index → index in ``active``
    by_sha: dict[str, deque[int]] = defaultdict(deque)
    for j, e in enumerate(active):
        by_sha[e.sha].append(j)
    for i in todo:  # 1. the same text, in reading order
        queue = by_sha.get(prints[i][0])
        if queue:
            taken[i] = queue.popleft()
    used = set(taken.values())
    after: dict[int, int] = {}  # block index → the first exact match's entry after it
    nxt = len(active)
    for i in reversed(todo):
        if i in taken:
            nxt = taken[i]
        after[i] = nxt
    low = -1
    for i in todo:  # 2. the most similar entry of the same kind between the neighbouring matches
        if i in taken:
            low = taken[i]
            continue
        best, best_score = None, float(SIMILAR)
        for j in range(low + 1, min(after[i], low + 1 + WINDOW)):
            e = active[j]
            if j in used or e.kind != blocks[i].kind.value:
                continue
            score = fuzz.ratio(prints[i][1], e.text)
            if score >= best_score:
                best, best_score = j, score
        if best is not None:
            taken[i] = best
            used.add(best)
            low = best
    highest: dict[str, int] = defaultdict(int)
    for e in lock.entries:
        m = _NUMBERED.match(e.id)
        if m:
            highest[m.group(1)] = max(highest[m.group(1)], int(m.group(2)))
    for i in todo:  # 3. a new block: an id never given out
        if i in taken:
            blocks[i] = replace(blocks[i], id=active[taken[i]].id)
        else:
            prefix = ID_PREFIX[blocks[i].kind]
            highest[prefix] += 1
            blocks[i] = replace(blocks[i], id=f"{prefix}-{highest[prefix]}")
    for j, e in enumerate(active):
        if j not in used:
            report.error(
                e.origin,
                f"block id '{e.id}' would disappear: no {e.kind} of the source has its text any more: {e.text[:60]!r}",
                hint="its permalink is published; if the block is gone on purpose (a `structure:` drop, a corrected "
                "source), add `retired: true` under this id to keep it reserved; otherwise undo the change",
                code="block-id-lost",
            )
    return replace(doc, blocks=tuple(blocks))


def render_lock(doc: Document, lock: IdLock | None) -> str:
    """The lock file text for ``doc``: recorded entries updated in place, new ones appended."""
    current = {b.id: b for b in doc.blocks if b.kind in LOCKED_KINDS}
    lines = [
        "# yaml-language-server: $schema=../schema/ids.schema.json",
        "# The published id (permalink) of every block of this source, written by `preprocess` and",
        "# `build`: ids are kept by content when the text or the ingest rules change. Never delete an",
        "# entry; mark an id whose block is gone on purpose with `retired: true`.",
        f"source: {doc.source_id}",
        "blocks:",
    ]

    def entry(ident: str, kind: str, sha: str, text: str, retired: bool) -> None:
        lines.append(f"  - id: {ident}")
        lines.append(f"    kind: {kind}")
        lines.append(f"    sha: {json.dumps(sha)}")
        lines.append(f"    text: {json.dumps(text, ensure_ascii=False)}")
        if retired:
            lines.append("    retired: true")

    done: set[str] = set()
    for e in lock.entries if lock else ():
        b = current.get(e.id)
        if b is not None and not e.retired:
            entry(e.id, b.kind.value, *fingerprint(b.text), False)
        else:
            entry(e.id, e.kind, e.sha, e.text, e.retired)
        done.add(e.id)
    for b in doc.blocks:
        if b.kind in LOCKED_KINDS and b.id not in done:
            entry(b.id, b.kind.value, *fingerprint(b.text), False)
    return "\n".join(lines) + "\n"


def write_locks(
    root: Path,
    docs: dict[str, Document],
    *,
    store: cache.Cache | None = None,
    keys: dict[str, str] | None = None,
    jobs: int = 1,
) -> list[str]:
    """Write the lock file of every document whose ids are new or changed; return their source ids.

    With a ``store``, a lock file already found up to date for the same document (``keys``:
    source id → its ingest key, which determines the document) and the same file bytes is
    not read and rendered again: the entry records that rendering gave those bytes. The
    others are read, rendered and written in ``jobs`` forked workers where it pays
    (:func:`build_tools.parallel.map_forked`).
    """
    keys = keys or {}
    todo: list[tuple[str, str | None]] = []
    for sid in sorted(docs):
        name = _up_to_date_key(lock_path(root, sid), keys.get(sid)) if store is not None else None
        if store is None or name is None or store.get(name) is not True:
            todo.append((sid, name))

    def one(item: tuple[str, str | None]) -> bool:
        sid, name = item
        path = lock_path(root, sid)
        text = render_lock(docs[sid], load_lock(root, sid, Report()))
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            if store is not None and name is not None:
                store.put(name, True)
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        return True

    return [sid for (sid, _name), wrote in zip(todo, parallel.map_forked(one, todo, jobs=jobs), strict=True) if wrote]


def mark_if_up_to_date(root: Path, doc: Document, lock: IdLock, doc_key: str, store: cache.Cache) -> None:
    """Record that ``doc``'s lock file is up to date for the document named by ``doc_key``
    if rendering it from ``lock`` gives the file as it is: what :func:`write_locks` would find,
    worked out while ingest has the lock file in hand (a cold run then reads each once)."""
    try:
        current = lock_path(root, doc.source_id).read_bytes()
        text = current.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return
    if render_lock(doc, lock) == text.replace("\r\n", "\n").replace("\r", "\n"):  # as read_text reads it
        store.put(_up_to_date_name(doc_key, current), True)


def mark_up_to_date(root: Path, sid: str, doc_key: str, store: cache.Cache) -> None:
    """Record that ``sid``'s lock file, as it is now, is up to date for the document named
    by ``doc_key``: for a lock file just written from a document that ingesting with it gives
    again (:func:`build_tools.pipeline.locks_stage`), so the next run need not render it."""
    name = _up_to_date_key(lock_path(root, sid), doc_key)
    if name is not None:
        store.put(name, True)


def _up_to_date_key(path: Path, doc_key: str | None) -> str | None:
    """The cache key saying "``path``, as it is now, is the lock file of the document named by
    ``doc_key``", or ``None`` if there is no such document key or no readable file."""
    if doc_key is None:
        return None
    try:
        current = path.read_bytes()
    except OSError:
        return None
    return _up_to_date_name(doc_key, current)


def _up_to_date_name(doc_key: str, current: bytes) -> str:
    return cache.key("locks", doc_key, current)
