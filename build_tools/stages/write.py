"""The *write* stage: the generated pages under ``docs/``, only those that changed.

Whether a page changed is found without reading it when that is certain: the render stage
names what each cached page was made from (:attr:`.render.RenderedPages.made_from`), and
each run leaves a manifest (:data:`MANIFEST`) of the pages it wrote or found up to date,
each with that name and the file's size, times and inode. A page whose name and file are
both as the manifest says is the text on disk, and its text is not even read from the render
cache (:class:`.render.RenderedPages`); any other page is compared with the file (not read
when its size differs). The manifest also names the pages of each render cache entry, with
their links (:attr:`.render.RenderedPages.groups`), which is how the next run's render stage
knows them without reading the entry. So a page edited by hand, or rewritten by anything
else, is rewritten; a file changed within :data:`RACY_NS` of the manifest being written
is not recorded (its time may not have changed), and is compared next time.

A site build writes into a staging copy instead (:mod:`build_tools.stages.publish`).
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from build_tools import cache, paths
from build_tools.errors import UserError

MANIFEST = Path(cache.CACHE_DIR) / "write" / "manifest.json"
"""Under the project root: what the last run left in ``docs/`` (signed, as cache entries are)."""
_VERSION = 2
RACY_NS = 2_000_000_000
"""A file modified this close to the manifest's writing is left out of it."""


@dataclass(frozen=True, slots=True)
class WriteStats:
    """What :func:`write_pages` did."""

    written: int
    unchanged: int
    removed: int
    stats: dict[str, os.stat_result] = field(default_factory=dict, compare=False, repr=False)
    """Each page's file as it was left (for the run record: :mod:`build_tools.quick`)."""


def _stat_record(st: os.stat_result, name: str) -> list:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, name]


@dataclass(frozen=True, slots=True)
class Manifest:
    """What the last run left in ``docs/``, as its write stage recorded it."""

    pages: dict[str, list]
    """Path → ``[size, mtime_ns, ctime_ns, inode, name]`` of each page written or found up to date."""
    groups: dict[str, dict[str, tuple[tuple[str, str], ...]]]
    """Render cache key → path → links of every page stored under it (see :attr:`.render.RenderedPages.groups`)."""

    def intact_groups(self, root: Path) -> dict[str, dict[str, tuple[tuple[str, str], ...]]]:
        """The groups whose every page is in ``docs/`` as this manifest recorded it (the same
        size, times and inode, written from that entry): the pages the render stage need not read."""
        base = str(root / "docs") + os.sep
        intact = {}
        for key, group in self.groups.items():
            for rel in group:
                record = self.pages.get(rel)
                if record is None or not (record[4] == key or record[4].startswith(key + "+")):
                    break
                try:
                    st = os.stat(base + rel)
                except OSError:
                    break
                if _stat_record(st, record[4]) != record:
                    break
            else:
                intact[key] = group
        return intact


_NONE = Manifest({}, {})


def read_manifest(root: Path) -> Manifest:
    """The manifest the last run left; an empty one if there is none, or it is damaged, of
    another version or not signed by this machine."""
    try:
        data = (root / MANIFEST).read_bytes()
    except OSError:
        return _NONE
    body = cache.unseal(data)
    if body is None:
        return _NONE
    try:
        manifest = json.loads(body)
    except ValueError:
        return _NONE
    if not isinstance(manifest, dict) or manifest.get("version") != _VERSION:
        return _NONE
    pages, groups = manifest.get("pages"), manifest.get("groups")
    if not isinstance(pages, dict) or not isinstance(groups, dict):
        return _NONE
    try:  # JSON has lists: the links as render_site gives them, tuples
        linked = {
            key: {path: tuple((entry, source) for entry, source in links) for path, links in group.items()}
            for key, group in groups.items()
        }
    except (TypeError, ValueError, AttributeError):
        return _NONE
    return Manifest(pages, linked)


def _write_manifest(root: Path, records: dict[str, list], groups: Mapping[str, Mapping[str, object]]) -> None:
    now = time.time_ns()
    _store_manifest(root, {rel: r for rel, r in records.items() if max(r[1], r[2]) < now - RACY_NS}, groups)


def _store_manifest(root: Path, pages: dict[str, list], groups: Mapping[str, Mapping[str, object]]) -> None:
    body = json.dumps({"version": _VERSION, "pages": pages, "groups": groups}, separators=(",", ":"))
    cache.write_file(root / MANIFEST, cache.seal(body.encode("utf-8")))


def rename_in_manifest(root: Path, renamed: Mapping[str, str]) -> None:
    """Name the render entries ``renamed`` (old key → new key, the same pages: see
    :func:`.render.rekey_pages`) by their new keys in the manifest the last run left, so that
    the next run knows their pages in ``docs/`` unread under those keys too."""
    if not renamed:
        return
    manifest = read_manifest(root)
    if not manifest.groups:
        return
    groups = {renamed.get(key, key): group for key, group in manifest.groups.items()}
    pages = {}
    for rel, record in manifest.pages.items():
        key, plus, moved = record[4].partition("+")
        pages[rel] = [*record[:4], renamed[key] + plus + moved] if key in renamed else record
    _store_manifest(root, pages, groups)


def _same_bytes(path: str, data: bytes) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read() == data
    except OSError:
        return False


def write_page(root: Path, rel: str, data: bytes, *, done: str) -> None:
    """Replace ``docs/<rel>`` with ``data`` in one step (a reader never sees half of it);
    :class:`UserError` if it cannot be written, saying what was ``done`` before it."""
    path = root / "docs" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # two writers never share one
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(
            f"cannot write {path.relative_to(root)}: {exc.strerror or exc}; {done}, the rest are as they were"
        ) from None


def write_pages(root: Path, pages: Mapping[str, str], *, before: Manifest | None = None) -> WriteStats:
    """Write generated files under ``docs/``: only those whose content changed (so a live
    preview reloads only what changed), and delete generated files no longer produced.

    ``before`` is the manifest the last run left (read here if not given)."""
    docs = root / "docs"
    made_from: Mapping[str, str] = getattr(pages, "made_from", None) or {}
    if before is None:
        before = read_manifest(root) if made_from else _NONE
    records: dict[str, list] = {}
    stats: dict[str, os.stat_result] = {}
    written = unchanged = removed = 0
    base = str(docs) + os.sep
    for rel in pages:
        where = base + rel
        name = made_from.get(rel)
        try:
            st: os.stat_result | None = os.stat(where)
        except OSError:
            st = None
        if st is not None and name is not None and before.pages.get(rel) == _stat_record(st, name):
            unchanged += 1
            records[rel] = before.pages[rel]
            stats[rel] = st
            continue
        data = pages[rel].encode("utf-8")
        if st is not None and stat.S_ISREG(st.st_mode) and st.st_size == len(data) and _same_bytes(where, data):
            unchanged += 1
        else:
            write_page(root, rel, data, done=f"{written} of {len(pages)} pages under docs/ were updated before it")
            written += 1
            try:
                st = os.stat(where)
            except OSError:
                st = None
        if st is not None:
            stats[rel] = st
            if name is not None:
                records[rel] = _stat_record(st, name)
    if made_from:
        _write_manifest(root, records, getattr(pages, "groups", None) or {})
    wanted = {os.path.normpath(base + rel) for rel in pages}
    for folder in paths.GENERATED_DIRS:  # deepest first, so that a folder emptied goes too
        for where, folders, files in os.walk(docs / folder, topdown=False):
            for name in files:
                path = os.path.join(where, name)
                if path not in wanted and os.path.isfile(path):
                    os.unlink(path)
                    removed += 1
            for name in folders:
                path = os.path.join(where, name)
                if os.path.isdir(path) and not os.listdir(path):
                    os.rmdir(path)
    return WriteStats(written, unchanged, removed, stats)
