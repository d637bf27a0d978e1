"""Annotations stage: load, validate and type everything contributors edit.

Layout (see :data:`LAYOUT`): ``annotations/outlets.yml``, ``annotations/sources.yml``
and any number of files under ``annotations/notes/``, ``annotations/crossrefs/`` and
``annotations/glossary/``. Each file is checked against its JSON Schema; then ids,
references between files, citations, URLs and Markdown bodies are checked. Every
problem is recorded with its file, line and column; an item with a schema error is left
out of the result so that one mistake does not cause a cascade of others.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from build_tools import cache, kinds, parallel, paths
from build_tools.errors import Origin, Problem, Report
from build_tools.mdsafe import BodyContext, sanitize
from build_tools.model import (
    Annotations,
    BoilerplateRule,
    Citation,
    CrossRef,
    GlossaryEntry,
    LinkFragment,
    Note,
    Outlet,
    PrimaryText,
    Selector,
    Silence,
    Source,
    StructureOverride,
)
from build_tools.schema import did_you_mean, validate
from build_tools.unicode_checks import check_strings
from build_tools.yamlio import LoadedYaml, Positions, load_yaml

ANNOTATIONS_DIR = "annotations"
LAYOUT: dict[str, tuple[str, ...]] = {name: kinds.KINDS[name].patterns for name in kinds.LOADED}
"""Which files hold which kind of annotation, relative to ``annotations/`` (from the registry)."""
OTHER_FILES = (kinds.POLICY.path,)
"""Files under ``annotations/`` read by later stages (see :mod:`.citations`), not unknown files."""

SCHEMA_COMMENT = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)")
KIND_TABLE = {name: kinds.KINDS[name].table for name in kinds.LOADED}
"""The id table (see ``_Loader.ids``) each kind of file defines (from the registry)."""
REFERABLE = ("outlets", "sources", "glossary", "crossrefs")
"""Kinds whose ids other items refer to or link to (collected before any item is read)."""
PLACEHOLDER = re.compile(r"^\s*TODO\b")
"""A body that still begins with ``TODO`` (what the scaffolding commands write) fails the check."""
PLANNED = ("notes", "crossrefs")
"""Kinds read through :class:`_Planned` (their typed records cached per file, see :meth:`_Loader.plan`)."""


@dataclass(slots=True)
class _File:
    kind: str
    loaded: LoadedYaml
    bad: set[tuple[str | int, ...]]
    """Paths of items with schema errors (skipped)."""
    key: str | None = None
    """Its entry in the annotation-file cache (names the file's bytes), if it went through it."""

    @property
    def pos(self) -> Positions:
        return self.loaded.positions

    def items(self, key: str) -> Iterator[tuple[int, dict]]:
        """The valid items of the list under ``key``, with their index."""
        data = self.loaded.data
        if not isinstance(data, dict) or ("",) in self.bad or () in self.bad:
            return
        items = data.get(key)
        if not isinstance(items, list) or (key,) in self.bad:
            return
        for i, item in enumerate(items):
            if (key, i) not in self.bad and isinstance(item, dict):
                yield i, item

    def ids(self, key: str) -> tuple[frozenset[str], frozenset[str]] | None:
        """The ids of the valid items under ``key`` and of every item that has one (valid or
        not), or ``None`` if there is no list under ``key`` (see :meth:`_Loader.preregister`)."""
        data = self.loaded.data
        raw = data.get(key) if isinstance(data, dict) else None
        if not isinstance(raw, list):
            return None
        valid = frozenset(item["id"] for _, item in self.items(key))
        every = frozenset(it["id"] for it in raw if isinstance(it, dict) and isinstance(it.get("id"), str))
        return valid, every


@dataclass(frozen=True, slots=True)
class _NotePlan:
    """One valid item of a notes file, built as far as the file and the linkable ids allow."""

    ident: str
    id_origin: Origin
    problems: tuple[Problem, ...]
    """What its checks and bodies reported, in order (replayed when its id is new)."""
    fragments: tuple[LinkFragment, ...]
    note: Note


@dataclass(frozen=True, slots=True)
class _CrossRefPlan:
    """One valid item of a cross-references file: what depends on the file and the linkable
    ids, and the source references checked on every load (their order kept)."""

    ident: str
    id_origin: Origin
    cited: tuple[Problem, ...]
    """From :meth:`_Loader.require_sources`."""
    passages: tuple[tuple[str, Origin], ...]
    """Each passage's source and where it is named (checked with :meth:`_Loader.known`)."""
    one_source: tuple[Problem, ...]
    """The error if its passages quote only one source (the item is then left out)."""
    values: tuple[Problem, ...]
    fragments: tuple[LinkFragment, ...]
    silent: tuple[tuple[str, Origin, tuple[Problem, ...], tuple[Problem, ...]], ...]
    """Each silent source, where it is named, the error if it is also quoted, and its
    placeholder problems."""
    primary: tuple[Problem, ...]
    record: CrossRef
    """The record with every passage and silent source (what is kept when all check out)."""


@dataclass(slots=True)
class _Planned:
    """A notes or cross-references file as the loader uses it: its ids and the records of its
    items (:meth:`_Loader.plan`), which depend on the file and the ids bodies may link to.

    Its entry in ``.cache/annotations/`` holds these; the parsed file is another entry
    (:func:`_parsed_name`), read only when the records must be built again (the linkable ids
    changed since they were).
    """

    kind: str
    path: Path
    name: str | None
    """Its cache entry, or ``None`` if it is not stored."""
    problems: tuple[Problem, ...]
    """What loading the file reported (stored with the entry)."""
    ids: tuple[frozenset[str], frozenset[str]] | None
    """:meth:`_File.ids` (cross-references files)."""
    source: tuple[str, Origin] | None
    """A notes file's source id and where it is given, or ``None`` if it has none to use."""
    raw: bytes | None
    """The bytes its entry is named by (until the records are built)."""
    file: _File | None = None
    links: str | None = None
    """The :attr:`_Loader.links` its :attr:`plans` were built with (``None``: not built)."""
    plans: tuple[Any, ...] = ()
    """A :class:`_NotePlan` or :class:`_CrossRefPlan` per valid item, in order."""

    def entry(self) -> tuple:
        return (self.problems, True, None, self.ids, self.source, self.links, self.plans)

    def parsed(self, root: Path, store: cache.Cache | None) -> _File | None:
        """The parsed file: from its entry, else parsed again (``None`` if it now fails to
        load: it changed since it was read, and nothing is stored)."""
        if self.file is not None or store is None or self.name is None:
            return self.file
        value = store.get(_parsed_name(self.name))
        if isinstance(value, _File):
            self.file = value
            return value
        f = _load(self.kind, self.path, root, Report())  # its problems were reported from the entry
        if f is None or self.raw is None or not _still(self.path, self.raw):
            self.name = None  # changed since it was read: what it holds now, not stored
        else:
            store.put(_parsed_name(self.name), f)
        self.file = f
        return f


def _parsed_name(name: str) -> str:
    """The entry of a notes or cross-references file's parsed form (its entry is ``name``)."""
    return cache.key("annotations-parsed", name)


def _notes_source(f: _File) -> tuple[str, Origin] | None:
    data = f.loaded.data
    if not isinstance(data, dict) or not isinstance(data.get("source"), str) or ("source",) in f.bad:
        return None
    return data["source"], f.pos.origin(("source",))


def _planned(f: _File, path: Path, name: str | None, problems: tuple[Problem, ...]) -> _Planned:
    ids = f.ids(kinds.KINDS[f.kind].key) if f.kind in REFERABLE else None
    source = _notes_source(f) if f.kind == "notes" else None
    return _Planned(f.kind, path, name, problems, ids, source, None, f)


def regular_file_problem(path: Path, folder: Path, memo: dict[Path, Any] | None = None) -> str | None:
    """Why ``path`` may not be read as a project file, or ``None``: it must be a regular file
    (not a symbolic link, folder, device or pipe) inside ``folder``, through no link.

    ``memo`` keeps what was found of folders (resolved, links) for the next call of one pass."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(mode):
        return "is a symbolic link"
    if stat.S_ISDIR(mode):
        return "is a folder"
    if not stat.S_ISREG(mode):
        return "is not a regular file (a device, pipe or socket)"
    memo = {} if memo is None else memo
    found = memo.get(folder)
    if found is None:
        found = memo[folder] = (folder.resolve(), folder.parent.resolve() / folder.name)
    real_folder = found[0]
    if real_folder != found[1]:
        return f"is in {folder.name}/, which is a symbolic link"
    if _under_without_links(os.fspath(path), os.fspath(folder), memo):
        return None  # resolved, it is real_folder and the same names
    real = _resolved(path, folder, real_folder, memo)
    if not real.is_relative_to(real_folder) or real.relative_to(real_folder) != path.relative_to(folder):
        return f"is reached through a symbolic link inside {folder.name}/"
    return None


def _plain_names(path: str, folder: str) -> list[str] | None:
    """The names that follow ``folder`` and a separator in ``path``, if they are plain names
    (no ``.``, ``..`` or empty one); else ``None``. Told from the strings alone."""
    prefix = folder.rstrip(os.sep) + os.sep
    if not path.startswith(prefix):
        return None
    parts = path[len(prefix) :].split(os.sep)
    return None if any(part in ("", ".", "..") for part in parts) else parts


def _under_without_links(path: str, folder: str, memo: dict[Any, Any]) -> bool:
    """Whether ``path`` is ``folder`` and plain names (:func:`_plain_names`) through folders
    none of which is a symbolic link (one ``lstat`` per folder, kept in ``memo``): the common
    case, told apart with strings; any other path is resolved."""
    parts = _plain_names(path, folder)
    if parts is None:
        return False
    here = folder.rstrip(os.sep)
    for part in parts[:-1]:
        here = here + os.sep + part
        link = memo.get(here)
        if link is None:
            link = memo[here] = os.path.islink(here)
        if link:
            return False
    return True


def _resolved(path: Path, folder: Path, real_folder: Path, memo: dict[Path, Any]) -> Path:
    """``path.resolve()``, for a ``path`` that is no symbolic link: under ``folder`` (resolved:
    ``real_folder``) through folders that are no links either, it is ``real_folder`` and the
    same names, found with one ``lstat`` per folder (kept in ``memo``)."""
    try:
        rel = path.relative_to(folder)
    except ValueError:
        return path.resolve()
    if ".." in rel.parts:
        return path.resolve()
    for parent in path.parents:
        if parent == folder:
            return real_folder / rel
        link = memo.get(parent)
        if link is None:
            link = memo[parent] = parent.is_symlink()
        if link:
            return path.resolve()
    return path.resolve()  # pragma: no cover - folder is among the parents of a path relative to it


def discover(root: Path, report: Report) -> dict[str, list[Path]]:
    """The annotation files of each kind, in a stable order; unknown files are reported.

    Only regular files inside ``annotations/`` are read: a symbolic link, a folder named
    ``*.yml`` or a device is an error and is not opened (files stay inside the project).
    """
    base = root / ANNOTATIONS_DIR
    found: dict[str, list[Path]] = {}
    known: set[Path] = set()
    memo: dict[Path, Any] = {}
    for kind, patterns in LAYOUT.items():
        files = []
        for path in (p for pattern in patterns for p in sorted(base.glob(pattern))):
            known.add(path)
            problem = regular_file_problem(path, base, memo)
            if problem is None:
                files.append(path)
                continue
            report.error(
                Origin(paths.src_path(path, root)),
                f"{path.name} {problem}; annotation files must be regular files inside {ANNOTATIONS_DIR}/",
                hint="replace it with the file itself (git does not follow links), or remove it",
                code="file-not-regular",
            )
        found[kind] = files
        if kind in ("outlets", "sources") and not files:
            report.error(
                Origin(f"{ANNOTATIONS_DIR}/{patterns[0]}"),
                f"{patterns[0]} is missing",
                hint="every project needs annotations/outlets.yml and annotations/sources.yml",
                code="file-missing",
            )
    known.update(base / name for name in OTHER_FILES)
    for path in sorted(base.rglob("*")):
        if path.is_relative_to(base / "ids"):
            continue  # block-id lock files: read with their source, by build_tools.idlock
        if path.suffix in (".yml", ".yaml") and path not in known and not path.is_symlink() and path.is_file():
            hint = (
                "rename it to .yml"
                if path.suffix == ".yaml"
                else "put notes in annotations/notes/, cross-references in annotations/crossrefs/, "
                "glossary entries in annotations/glossary/"
            )
            report.warning(
                Origin(paths.src_path(path, root)),
                "this file is not read by the build",
                hint=hint,
                code="file-unknown",
            )
    return found


def _load(kind: str, path: Path, root: Path, report: Report) -> _File | None:
    spec = kinds.KINDS[kind]
    split = (
        f"move some of its entries to files under {ANNOTATIONS_DIR}/{spec.more.rsplit('/', 1)[0]}/ "
        "(each is read as part of the same list)"
        if spec.more
        else None
    )
    loaded = load_yaml(path, root=root, report=report, split_hint=split)
    if loaded is None:
        return None
    first = loaded.text.split("\n", 1)[0]
    base = root / ANNOTATIONS_DIR
    rel = path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name
    expected = spec.schema_line_at(rel).partition("=")[2]
    m = SCHEMA_COMMENT.match(first)
    if not m or m.group(1) != expected:
        report.warning(
            Origin(loaded.positions.rel_path, 1, 1),
            "first line should name the schema, so editors can check the file as you type",
            hint=f"make the first line: # yaml-language-server: $schema={expected}",
            code="schema-comment",
        )
    check_strings(loaded.data, loaded.positions, report)
    before = len(report.errors)
    validate(loaded.data, kind, loaded.positions, report, root=root)
    bad: set[tuple[str | int, ...]] = set()
    for p in report.errors[before:]:
        bad.update(_item_paths(loaded.positions, p.origin))
    return _File(kind, loaded, bad)


def schemas_digest(root: Path) -> str:
    """SHA-256 over the project's schema files (names and bytes): validation reads them from
    ``annotations/schema/``, so a cached result of validating a file depends on them."""
    h = hashlib.sha256()
    for path in sorted((root / kinds.SCHEMA_DIR).glob("*.schema.json")):
        h.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _project_rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, as ``/``-separated names: from its string when it is
    ``root`` and plain names (:func:`_plain_names`, as :func:`discover` finds the files), else
    resolved."""
    if not path.is_absolute():
        return path.as_posix()
    parts = _plain_names(os.fspath(path), os.fspath(root))
    return "/".join(parts) if parts is not None else path.resolve().relative_to(root.resolve()).as_posix()


class _Miss:
    """What :func:`_load_cached` returns, asked for a cached result only, when there is none."""


_MISS = _Miss()


def _load_cached(
    kind: str,
    path: Path,
    root: Path,
    report: Report,
    store: cache.Cache | None,
    schemas: str,
    *,
    cached_only: bool = False,
) -> _File | _Planned | _Miss | None:
    """:func:`_load` from ``.cache/annotations/`` when the file's bytes, its path (which every
    message names), its kind and the schemas are unchanged: the same result and problems.

    A notes or cross-references file comes as a :class:`_Planned` (whose entry also holds
    its records once built). What is cached depends on the file alone (and, for records, on
    the linkable ids they were built with); the checks across files run on every load.
    Without a ``store`` it is :func:`_load`. With ``cached_only``, a file not in the cache
    is not loaded: :data:`_MISS` comes back, and nothing is reported.
    """
    planned = kind in PLANNED
    raw: bytes | None = None
    if store is not None:
        try:
            raw = path.read_bytes()
            rel = _project_rel(path, root)
        except (OSError, ValueError):
            raw = None  # reported by _load, uncached
    if store is None or raw is None:
        if cached_only:
            return _MISS
        f = _load(kind, path, root, report)
        return _planned(f, path, None, ()) if f is not None and planned else f
    name = entry_name(kind, rel, raw, schemas)
    hit = store.get(name)
    if isinstance(hit, tuple) and len(hit) == 7 and (planned or not hit[1] or isinstance(hit[2], _File)):
        problems, ok, f, ids, source, links, plans = hit
        report.problems.extend(problems)
        if not ok:
            return None
        if planned:
            return _Planned(kind, path, name, problems, ids, source, raw, None, links, plans)
        f.key = name
        return f
    if cached_only:
        return _MISS
    own = Report()
    f = _load(kind, path, root, own)
    problems = tuple(own.problems)
    report.problems.extend(problems)
    stable = _still(path, raw)  # not stored if the file changed while it was read
    if planned and f is not None:
        if stable:  # the entry itself is stored once the records are built
            store.put(_parsed_name(name), f)
        return _planned(f, path, name if stable else None, problems)
    if stable:
        store.put(name, (problems, f is not None, f, None, None, None, ()))
    if f is not None:
        f.key = name
    return f


def entry_name(kind: str, rel: str, raw: bytes, schemas: str) -> str:
    """The name of an annotation file's entry in ``.cache/annotations/``: its kind, its path
    relative to the root (which every message names), its bytes and the schemas
    (:func:`schemas_digest`)."""
    return cache.key("annotations", kind, rel, raw, schemas)


def notes_names(files: dict[str, list[_File | _Planned]], root: Path) -> dict[str, str]:
    """Each notes file loaded from its bytes as read (:func:`entry_name`), by path."""
    return {_project_rel(f.path, root): f.name for f in files.get("notes", []) if isinstance(f, _Planned) and f.name}


def _still(path: Path, raw: bytes) -> bool:
    """True if ``path`` still holds ``raw``."""
    try:
        return path.read_bytes() == raw
    except OSError:
        return False


def _item_paths(pos: Positions, origin: Origin) -> set[tuple[str | int, ...]]:
    """Map an error's line back to the list items (``("notes", 3)``) that contain it."""
    out: set[tuple[str | int, ...]] = set()
    for table in (pos.values, pos.keys):
        for path, (line, col) in table.items():
            if (line, col) == (origin.line, origin.column):
                out.add(tuple(path[:2]) if len(path) >= 2 else tuple(path))
    return out or {()}


def _citations(raw: list | None, f: _File, path: tuple[str | int, ...]) -> tuple[Citation, ...]:
    return tuple(
        Citation(c["title"].strip(), c["url"].strip(), c.get("accessed"), f.pos.origin((*path, i)))
        for i, c in enumerate(raw or [])
    )


def _record(cls: type, values: dict[str, Any]) -> Any:
    """An instance of the record class ``cls`` from its attribute values; a value of a field
    the registry declares but ``cls`` has no attribute for goes to its ``extra`` pairs."""
    names = {f.name for f in dataclasses.fields(cls)}
    extra = tuple((k, v) for k, v in values.items() if k not in names)
    return cls(**{k: v for k, v in values.items() if k in names}, **({"extra": extra} if extra else {}))


def _by_kind(field: kinds.Field) -> bool:
    """True if the loader converts this field by its type alone; the other fields (the quote
    and its context, lists of mappings other than citations) each kind converts itself."""
    return field.type not in ("quote", "prefix", "suffix") and not isinstance(field.items, kinds.Record)


class _Loader:
    """Builds the typed records; holds the cross-file id tables while it does."""

    def __init__(self, root: Path, report: Report, bodies: cache.Cache | None = None) -> None:
        self.root = root
        self.report = report
        self.bodies = bodies
        """Sanitised bodies per file (``.cache/bodies/``), or ``None`` for no cache."""
        self.links: str | None = None
        """What a body's links resolve against (set by :meth:`preregister`): part of a body's cache key."""
        self.memos: dict[str, tuple[str, dict[tuple[tuple[str | int, ...], str], tuple[str, tuple, tuple]]]] = {}
        """Per file (its :attr:`_File.key`): the memo's cache key, and (path, text) → (sanitised,
        problems, link fragments) of its bodies."""
        self.dirty: set[str] = set()
        """Memo keys that gained bodies in this run (stored by :meth:`save`)."""
        self.files: dict[str, list[_File]] = {}
        self.ids: dict[str, dict[str, Origin]] = {KIND_TABLE[name]: {} for name in kinds.LOADED}
        """Ids registered so far, for duplicate and reference checks."""
        self.linkable: dict[str, set[str]] = {"source": set(), "glossary": set(), "crossref": set()}
        """Every id a Markdown body may link to (``glossary:ID``), known before any body is read."""
        self.invalid: dict[str, set[str]] = {table: set() for table in self.ids}
        """Ids of items left out for errors of their own: references to them are not reported again."""
        self.fragments: list[LinkFragment] = []
        """Anchors of internal links, checked after ingest."""
        self.incomplete: set[str] = set()
        """Tables with a file that could not be read at all: unknown ids there are not reported."""
        self.suggestions: dict[tuple[str, str, int], str] = {}
        """The did-you-mean of an unknown id, by table, id and the table's size (tables only
        grow, so the size names its ids): a missing source is named by each of its notes."""

    # -- ids and links
    def resolve(self, scheme: str, target: str, origin: Origin | None = None) -> str | None:
        """Resolve ``glossary:ID``, ``crossref:ID`` and ``source:ID#anchor`` to a page link.

        An anchor is recorded (see :attr:`Annotations.fragments`) and checked after ingest.
        """
        ident, _, anchor = target.partition("#")
        if ident not in self.linkable[scheme] and scheme not in self.incomplete:
            return None
        if anchor and origin is not None:
            self.fragments.append(LinkFragment(scheme, ident, anchor, origin))
        page = {"glossary": paths.glossary_page, "crossref": paths.crossref_page, "source": paths.source_page}[scheme](
            ident
        )
        return paths.from_section(page) + (f"#{anchor}" if anchor else "")

    def register(self, table: str, ident: str, origin: Origin, what: str) -> bool:
        if table in ("source", "glossary", "crossref") and ident in paths.RESERVED_IDS:
            self.report.error(
                origin,
                f"{what} id '{ident}' is reserved: the site uses it for a page or folder of its own",
                hint="choose another id (reserved: " + ", ".join(sorted(paths.RESERVED_IDS)) + ")",
                code="id-reserved",
            )
            self.invalid[table].add(ident)
            return False
        first = self.ids[table].get(ident)
        if first is not None:
            self.report.error(
                origin,
                f"duplicate {what} id '{ident}' (first defined at {first})",
                hint="ids must be unique; rename one of them",
                code="duplicate-id",
            )
            return False
        self.ids[table][ident] = origin
        return True

    def known(self, table: str, ident: str, origin: Origin, what: str) -> bool:
        if ident in self.ids[table]:
            return True
        if ident in self.invalid[table] or table in self.incomplete:
            return False  # its definition has an error of its own, reported where it is
        where = {"source": "annotations/sources.yml", "outlet": "annotations/outlets.yml"}.get(
            table, f"annotations/{table}/"
        )
        key = (table, ident, len(self.ids[table]))
        suggestion = self.suggestions.get(key)
        if suggestion is None:
            suggestion = self.suggestions[key] = did_you_mean(ident, self.ids[table])
        self.report.error(
            origin,
            f"unknown {what} '{ident}'{suggestion}",
            hint=f"use an id defined in {where}",
            code=f"unknown-{table}",
        )
        return False

    def suggest(self, scheme: str, target: str) -> str:
        """A did-you-mean for a link to an unknown ``glossary:``/``crossref:``/``source:`` id."""
        return did_you_mean(target.partition("#")[0], self.linkable[scheme])

    def placeholder(self, text: str, f: _File, path: tuple[str | int, ...]) -> None:
        """A text still starting with ``TODO`` (what the scaffolding commands write) is an error."""
        if PLACEHOLDER.match(text):
            self.report.error(
                f.pos.origin(path),
                f"{path[-1]} is still a placeholder: {' '.join(text.split())[:60]!r}",
                hint="replace the TODO text with what the reader should know (see CONTRIBUTING.md)",
                code="placeholder",
            )

    def body(self, text: str, f: _File, path: tuple[str | int, ...]) -> str:
        """Sanitised Markdown; a body still starting with ``TODO`` (a scaffold placeholder) is an error."""
        origin = f.pos.origin(path)
        self.placeholder(text, f, path)
        name, memo = self.memo(f)
        hit = memo.get((path, text)) if memo is not None else None
        if hit is not None:
            out, problems, fragments = hit
            self.report.problems.extend(problems)
            self.fragments.extend(fragments)
            return out
        ctx = BodyContext(
            origin=origin,
            field=str(path[-1]),
            resolve=lambda scheme, target: self.resolve(scheme, target, origin),
            suggest=self.suggest,
        )
        own, before = Report(), len(self.fragments)
        out = sanitize(text, ctx, own)
        self.report.problems.extend(own.problems)
        if memo is not None and name is not None:
            memo[(path, text)] = (out, tuple(own.problems), tuple(self.fragments[before:]))
            self.dirty.add(name)
        return out

    def memo(self, f: _File) -> tuple[str | None, dict | None]:
        """The cache key and the memo of ``f``'s sanitised bodies (loaded on first use), or
        ``(None, None)`` without a cache. A body's result depends on its text, its place in
        the file (messages name the line), and the ids its links may resolve to."""
        if self.bodies is None or f.key is None or self.links is None:
            return None, None
        found = self.memos.get(f.key)
        if found is None:
            name = cache.key("bodies", f.key, self.links)
            hit = self.bodies.get(name)
            found = self.memos[f.key] = (name, hit if isinstance(hit, dict) else {})
        return found

    def save(self) -> None:
        """Store the memos that gained bodies in this run."""
        if self.bodies is not None:
            for name, memo in self.memos.values():
                if name in self.dirty:
                    self.bodies.put(name, memo)

    def require_sources(self, f: _File, path: tuple[str | int, ...], item: dict, what: str) -> None:
        """A fact-stating annotation cites a source, or says it explains from the texts."""
        has = bool(item.get("citations"))
        from_texts = bool(item.get("from_texts"))
        if not has and not from_texts:
            self.report.error(
                f.pos.origin(path),
                f"{what} '{item.get('id')}' has no citations",
                hint="add `citations:` (title, url, accessed) for every fact not in the texts, "
                "or `from_texts: true` if it explains only from the texts themselves",
                code="citation-missing",
            )
        elif has and from_texts:
            self.report.warning(
                f.pos.origin((*path, "from_texts"), key=True),
                f"{what} '{item.get('id')}' has citations and says `from_texts: true`",
                hint="remove `from_texts: true`: a note with citations states facts from outside the texts",
                code="citation-contradiction",
            )

    # -- every kind
    def entries(self, f: _File) -> Iterator[tuple[tuple[str | int, ...], dict]]:
        """The valid items of one file whose id is new (a duplicate is reported), with their paths."""
        kind = kinds.KINDS[f.kind]
        for i, item in f.items(kind.key):
            path = (kind.key, i)
            if self.register(kind.table, item["id"], f.pos.origin((*path, "id")), kind.what):
                yield path, item

    def each(self, kind: str) -> Iterator[tuple[_File, tuple[str | int, ...], dict]]:
        """:meth:`entries` of every file of ``kind``."""
        for f in self.files.get(kind, []):
            for path, item in self.entries(f):
                yield f, path, item

    def values(self, f: _File, path: tuple[str | int, ...], item: dict) -> dict[str, Any]:
        """The record's attribute values of every field the registry types alone, in declared
        order: Markdown sanitised (``""`` if absent), citations typed, lists as tuples, flags
        as booleans, an absent value as its default; a text the commands write as a ``TODO``
        placeholder is reported while it still is one."""
        out: dict[str, Any] = {}
        for field in kinds.KINDS[f.kind].item.fields:
            if not _by_kind(field):
                continue
            value, fpath = item.get(field.name, field.default), (*path, field.name)
            if field.type == "markdown":
                value = self.body(value, f, fpath) if value else ""
            elif field.type == "citations" or field.items == "citation":
                value = _citations(value, f, fpath)
            elif field.type == "bool":
                value = bool(value)
            elif field.type == "list":
                value = tuple(value or ())
            elif field.type == "map":
                value = dict(value or {})
            elif field.todo and isinstance(value, str):
                self.placeholder(value, f, fpath)
            out[field.attr or field.name] = value
        return out

    # -- kinds
    def outlets(self) -> dict[str, Outlet]:
        out: dict[str, Outlet] = {}
        for f, path, item in self.each("outlets"):
            origin = f.pos.origin(path)
            rules = []
            for j, rule in enumerate(item.get("boilerplate", [])):
                rpath = (*path, "boilerplate", j, "pattern")
                try:
                    pattern = regex.compile(rule["pattern"])
                except (regex.error, RecursionError) as exc:
                    self.report.error(
                        f.pos.origin(rpath),
                        f"boilerplate pattern {rule['pattern']!r} is not a valid regular expression: {exc}",
                        hint="escape special characters such as ( [ . * + ? with a backslash",
                        code="pattern-invalid",
                    )
                    continue
                rules.append(BoilerplateRule(pattern, rule["drop"], f.pos.origin(rpath)))
            out[item["id"]] = _record(
                Outlet, {**self.values(f, path, item), "boilerplate": tuple(rules), "origin": origin}
            )
        return out

    def sources(self, outlets: dict[str, Outlet]) -> dict[str, Source]:
        out: dict[str, Source] = {}
        files_seen: dict[str, Origin] = {}
        memo: dict[Path, Any] = {}
        for f, path, item in self.each("sources"):
            origin = f.pos.origin(path)
            ok = self.known("outlet", item["outlet"], f.pos.origin((*path, "outlet")), "outlet")
            file_origin = f.pos.origin((*path, "file"))
            source_path = self.root / item["file"]
            not_regular = (
                regular_file_problem(source_path, self.root / "sources", memo)
                if source_path.is_symlink() or source_path.exists()
                else None
            )
            if not_regular is not None:
                self.report.error(
                    file_origin,
                    f"source file '{item['file']}' {not_regular}; sources must be regular files under sources/",
                    hint="store the text itself under sources/ (python -m build_tools source add FILE does it)",
                    code="source-not-regular",
                )
                ok = False
            elif not source_path.is_file():
                present = sorted(p.name for p in (self.root / "sources").glob("*"))
                self.report.error(
                    file_origin,
                    f"source file '{item['file']}' does not exist" + did_you_mean(item["file"].split("/")[-1], present),
                    hint="put the raw text under sources/ (python -m build_tools source add FILE does it for you)",
                    code="source-file-missing",
                )
                ok = False
            elif item["file"] in files_seen:
                self.report.error(
                    file_origin,
                    f"source file '{item['file']}' is already catalogued at {files_seen[item['file']]}",
                    hint="each file is one source; remove the duplicate entry",
                    code="source-file-duplicate",
                )
                ok = False
            files_seen.setdefault(item["file"], file_origin)
            if item.get("page") is not None:
                ok = self.page(item, f, path) and ok
            if item.get("title") is None and not item.get("label"):
                self.report.error(
                    f.pos.origin((*path, "title")),
                    "title is unknown (null) but there is no `label:` to show instead",
                    hint="add `label:` with a short description in square brackets, e.g. [Untitled report on …]",
                    code="source-label-missing",
                )
            for field in item.get("inferred", {}):
                if item.get(field) is None:
                    self.report.error(
                        f.pos.origin((*path, "inferred", field), key=True),
                        f"'{field}' is marked inferred but its value is null",
                        hint=f"give the inferred value under `{field}:`, or remove it from `inferred:`",
                        code="inferred-null",
                    )
            structure = tuple(
                StructureOverride(o["quote"], o["as"], o["reason"], f.pos.origin((*path, "structure", j, "quote")))
                for j, o in enumerate(item.get("structure", []))
            )
            if not ok:
                continue
            out[item["id"]] = _record(Source, {**self.values(f, path, item), "structure": structure, "origin": origin})
        return out

    def page(self, item: dict, f: _File, path: tuple[str | int, ...]) -> bool:
        """A source's saved web page (``page:``) exists and still has its ``page_sha256:``."""
        origin = f.pos.origin((*path, "page"))
        try:
            raw = (self.root / item["page"]).read_bytes()
        except OSError:
            self.report.error(
                origin,
                f"saved page '{item['page']}' does not exist",
                hint="restore the page under sources/ (git checkout -- FILE), or remove `page:` and `page_sha256:`",
                code="page-missing",
            )
            return False
        digest = hashlib.sha256(raw).hexdigest()
        if digest != item.get("page_sha256"):
            recorded = item.get("page_sha256") or "nothing (no `page_sha256:`)"
            self.report.error(
                origin,
                f"saved page '{item['page']}' has sha256 {digest}, the catalog records {recorded}",
                hint="a saved page is kept as received: restore it (git checkout -- FILE); "
                "for a new page, add it as a new source with `python -m build_tools source add`",
                code="page-changed",
            )
        return True

    def selector(self, raw: dict, source: str, f: _File, path: tuple[str | int, ...]) -> Selector:
        return Selector(
            source, raw["quote"], raw.get("prefix", ""), raw.get("suffix", ""), f.pos.origin((*path, "quote"))
        )

    def notes(self, sources: dict[str, Source]) -> tuple[Note, ...]:
        out: list[Note] = []
        for f in self.files.get("notes", []):
            if f.source is None:
                continue
            source, origin = f.source
            source_ok = self.known("source", source, origin, "source") and source in sources
            table, what = KIND_TABLE["notes"], kinds.KINDS["notes"].what
            for plan in f.plans:
                if not self.register(table, plan.ident, plan.id_origin, what):
                    continue
                self.report.problems.extend(plan.problems)
                self.fragments.extend(plan.fragments)
                if source_ok:
                    out.append(plan.note)
        return tuple(out)

    def crossrefs(self, sources: dict[str, Source]) -> tuple[CrossRef, ...]:
        out: list[CrossRef] = []
        table, what = KIND_TABLE["crossrefs"], kinds.KINDS["crossrefs"].what
        for f in self.files.get("crossrefs", []):
            for plan in f.plans:
                if not self.register(table, plan.ident, plan.id_origin, what):
                    continue
                self.report.problems.extend(plan.cited)
                ok = True
                for source, origin in plan.passages:
                    if not self.known("source", source, origin, "source"):
                        ok = False
                if plan.one_source:
                    self.report.problems.extend(plan.one_source)
                    ok = False
                self.report.problems.extend(plan.values)
                self.fragments.extend(plan.fragments)
                for source, origin, quoted, placeholder in plan.silent:
                    if not self.known("source", source, origin, "source"):
                        ok = False
                        continue
                    if quoted:
                        self.report.problems.extend(quoted)
                        ok = False
                        continue
                    self.report.problems.extend(placeholder)
                self.report.problems.extend(plan.primary)
                if ok and all(p.source in sources for p in plan.record.passages):
                    out.append(plan.record)
        return tuple(out)

    # -- records built from one file (cached with it)
    def captured(self, build: Any) -> tuple[Any, tuple[Problem, ...], tuple[LinkFragment, ...]]:
        """``build()``, with the problems it reported and the link fragments it recorded,
        which are taken out of :attr:`report` and :attr:`fragments` (to be replayed)."""
        report, fragments = self.report, self.fragments
        self.report, self.fragments = Report(), []
        try:
            value = build()
            return value, tuple(self.report.problems), tuple(self.fragments)
        finally:
            self.report, self.fragments = report, fragments

    def plan(self, f: _File) -> tuple[Any, ...]:
        """What :meth:`notes` or :meth:`crossrefs` need of each valid item of ``f``: every
        result that depends on the file and the linkable ids (:attr:`links`) alone, and what
        they check against the other files on every load (ids, sources)."""
        kind = kinds.KINDS[f.kind]
        plans = []
        if f.kind == "notes":
            header = _notes_source(f)
            if header is None:
                return ()
            for i, item in f.items(kind.key):
                path = (kind.key, i)

                def note(path: tuple[str | int, ...] = path, item: dict = item) -> Note:
                    self.require_sources(f, path, item, "note")
                    values = {
                        **self.values(f, path, item),
                        "selector": self.selector(item, header[0], f, path),
                        "origin": f.pos.origin(path),
                    }
                    return _record(Note, values)

                record, problems, fragments = self.captured(note)
                plans.append(_NotePlan(item["id"], f.pos.origin((*path, "id")), problems, fragments, record))
            return tuple(plans)
        for i, item in f.items(kind.key):
            plans.append(self.plan_crossref(f, (kind.key, i), item))
        return tuple(plans)

    def plan_crossref(self, f: _File, path: tuple[str | int, ...], item: dict) -> _CrossRefPlan:
        _, cited, _ = self.captured(lambda: self.require_sources(f, path, item, "cross-reference"))
        passages = tuple(
            (p["source"], f.pos.origin((*path, "passages", j, "source"))) for j, p in enumerate(item["passages"])
        )
        selectors = tuple(
            self.selector(p, p["source"], f, (*path, "passages", j)) for j, p in enumerate(item["passages"])
        )
        distinct = {p["source"] for p in item["passages"]}
        one_source: tuple[Problem, ...] = ()
        if len(distinct) < 2:
            own = Report()
            own.error(
                f.pos.origin((*path, "passages")),
                f"cross-reference '{item['id']}' links passages of only one source ({', '.join(sorted(distinct))})",
                hint="a cross-reference links passages of two or more different sources; "
                "for a remark on one source, write a note instead",
                code="crossref-one-source",
            )
            one_source = tuple(own.problems)
        values, value_problems, fragments = self.captured(lambda: self.values(f, path, item))
        silent, silences = [], []
        for j, q in enumerate(item.get("silent") or []):
            qpath = (*path, "silent", j)
            origin = f.pos.origin((*qpath, "source"))
            quoted: tuple[Problem, ...] = ()
            if q["source"] in distinct:
                own = Report()
                own.error(
                    origin,
                    f"cross-reference '{item['id']}' marks source '{q['source']}' as silent "
                    "but also quotes a passage of it",
                    hint="a source is either quoted under `passages:` or listed under `silent:`; remove one of the two",
                    code="crossref-silent-quoted",
                )
                quoted = tuple(own.problems)
            _, placeholder, _ = self.captured(lambda q=q, qpath=qpath: self.placeholder(q["why"], f, (*qpath, "why")))
            silent.append((q["source"], origin, quoted, placeholder))
            silences.append(Silence(q["source"], q["why"]))

        def primaries() -> tuple[PrimaryText, ...]:
            out = []
            for j, p in enumerate(item.get("primary") or []):
                self.placeholder(p["words"], f, (*path, "primary", j, "words"))
                citation = _citations([p["citation"]], f, (*path, "primary", j))[0]
                out.append(PrimaryText(p["words"].strip(), citation))
            return tuple(out)

        primary, primary_problems, _ = self.captured(primaries)
        values.update(passages=selectors, silent=tuple(silences), primary=primary, origin=f.pos.origin(path))
        return _CrossRefPlan(
            item["id"],
            f.pos.origin((*path, "id")),
            cited,
            passages,
            one_source,
            value_problems,
            fragments,
            tuple(silent),
            primary_problems,
            _record(CrossRef, values),
        )

    def build(self, store: cache.Cache | None, jobs: int = 1) -> None:
        """Build the records of every notes and cross-references file whose cached ones were
        built against other linkable ids (or none), and store the entries that changed: in
        ``jobs`` forked workers where it pays, each storing what it built."""
        todo = [
            f
            for kind in PLANNED
            for f in self.files.get(kind, [])
            if not (f.links == self.links and f.links is not None)
        ]

        def one(f: _Planned) -> tuple[tuple[Any, ...], str | None]:
            parsed = f.parsed(self.root, store)
            f.plans = self.plan(parsed) if parsed is not None else ()
            f.links = self.links
            if store is not None and f.name is not None:
                store.put(f.name, f.entry())
            return f.plans, f.name

        for f, (plans, name) in zip(todo, parallel.map_forked(one, todo, jobs=jobs), strict=True):
            f.plans, f.links, f.name = plans, self.links, name
            f.raw = f.file = None

    def glossary(self) -> dict[str, GlossaryEntry]:
        out: dict[str, GlossaryEntry] = {}
        claimed: dict[str, tuple[str, Origin]] = {}
        for f, path, item in self.each("glossary"):
            self.require_sources(f, path, item, "glossary entry")
            names = [item["name"], *item.get("aliases", [])]
            for j, name in enumerate(names):
                npath = (*path, "name") if j == 0 else (*path, "aliases", j - 1)
                other = claimed.get(name)
                if other and other[0] != item["id"]:
                    self.report.error(
                        f.pos.origin(npath),
                        f"'{name}' is already a name of glossary entry '{other[0]}' ({other[1]})",
                        hint="a name can link to one entry only; remove it from one of the two",
                        code="alias-conflict",
                    )
                elif other and j > 0:
                    self.report.warning(
                        f.pos.origin(npath),
                        f"alias '{name}' repeats the entry's name",
                        hint="remove it from `aliases:`",
                        code="alias-redundant",
                    )
                claimed.setdefault(name, (item["id"], f.pos.origin(npath)))
            values = self.values(f, path, item)
            values.update(description=" ".join(item["description"].split()), origin=f.pos.origin(path))
            out[item["id"]] = _record(GlossaryEntry, values)
        return out

    def records(self) -> Annotations:
        """Every record, each kind checked against those before it, once the files are loaded
        and :meth:`build` has run; the sanitised bodies stored (:meth:`save`)."""
        outlets = self.outlets()
        sources = self.sources(outlets)
        glossary = self.glossary()
        crossrefs = self.crossrefs(sources)
        notes = self.notes(sources)
        self.save()
        return Annotations(
            outlets=outlets,
            sources=sources,
            notes=notes,
            crossrefs=crossrefs,
            glossary=glossary,
            fragments=tuple(self.fragments),
        )

    def preregister(self) -> None:
        """Collect the ids that bodies may link to before any body is sanitised, and the ids
        of items left out for schema errors (so a reference to one is not a second error)."""
        for kind in REFERABLE:
            table, key = KIND_TABLE[kind], kinds.KINDS[kind].key
            for f in self.files.get(kind, []):
                ids = f.ids if isinstance(f, _Planned) else f.ids(key)
                if ids is None:
                    self.incomplete.add(table)
                    continue
                valid, every = ids
                self.invalid[table].update(every - valid)
                if table in self.linkable:
                    self.linkable[table].update(every)
        links = (sorted((scheme, sorted(ids)) for scheme, ids in self.linkable.items()), sorted(self.incomplete))
        self.links = hashlib.sha256(repr(links).encode("utf-8")).hexdigest()


def _load_files(
    kind: str, files: list[Path], root: Path, report: Report, store: cache.Cache | None, schemas: str, jobs: int
) -> list[_File | _Planned | None]:
    """:func:`_load_cached` of each file, problems reported in the files' order: those in the
    cache read here, the others loaded in ``jobs`` forked workers where it pays."""
    found: list[tuple[_File | _Planned | _Miss | None, tuple[Problem, ...]]] = []
    for path in files:
        own = Report()
        found.append((_load_cached(kind, path, root, own, store, schemas, cached_only=True), tuple(own.problems)))
    missed = [i for i, (f, _problems) in enumerate(found) if f is _MISS]

    def one(i: int) -> tuple[_File | _Planned | _Miss | None, tuple[Problem, ...]]:
        own = Report()
        f = _load_cached(kind, files[i], root, own, store, schemas)
        if isinstance(f, _Planned) and f.name is not None and parallel.in_worker():
            f.file = None  # stored: the workers that build its records read it (_Planned.parsed)
        return f, tuple(own.problems)

    for i, loaded in zip(missed, parallel.map_forked(one, missed, jobs=jobs), strict=True):
        found[i] = loaded
    out = []
    for f, problems in found:
        report.problems.extend(problems)
        assert not isinstance(f, _Miss), "every file is loaded"
        out.append(f)
    return out


def load_annotations(
    root: Path, report: Report, *, use_cache: bool = False, jobs: int = 1, tables: dict[str, Any] | None = None
) -> Annotations:
    """Load and check every annotation file under ``root/annotations``.

    Never raises for a mistake in the files: each one is recorded in ``report``, and the
    result holds every item that could be read. With ``use_cache``, what depends on one
    file alone (parsing, validation, the per-file checks, its sanitised bodies) comes from
    ``.cache/`` when it is unchanged; the result and the problems are the same. The files
    to load and build anew go to ``jobs`` forked workers where it pays
    (:func:`build_tools.parallel.map_forked`).

    ``tables``, if given, gets what a later run needs to load some of these files alone, as
    :mod:`build_tools.quick` does: ``files`` (kind → the files' paths relative to ``root``, in
    the order they were loaded), ``linkable`` and ``links`` (the ids a body may link to, and
    their digest, which names the sanitised bodies in the cache) and ``complete`` (every file
    read and every item valid).
    """
    store = cache.Cache(root, "annotations") if use_cache else None
    loader = _Loader(root, report, cache.Cache(root, "bodies") if use_cache else None)
    schemas = schemas_digest(root) if use_cache else ""
    found = discover(root, report)
    with cache.loading():  # hundreds of thousands of records unpickled (see cache.loading)
        for kind, files in found.items():
            loader.files[kind] = [
                f for f in _load_files(kind, files, root, report, store, schemas, jobs) if f is not None
            ]
            if len(loader.files[kind]) < len(files) or (not files and kind in ("outlets", "sources")):
                loader.incomplete.add(KIND_TABLE[kind])
    loader.preregister()
    loader.build(store, jobs)
    ann = loader.records()
    if tables is not None:
        tables.update(
            files={kind: [_project_rel(path, root) for path in files] for kind, files in found.items()},
            linkable={scheme: frozenset(ids) for scheme, ids in loader.linkable.items()},
            links=loader.links,
            complete=not loader.incomplete and not any(loader.invalid.values()),
            names=notes_names(loader.files, root),
        )
    return ann


def load_outlets(root: Path, report: Report) -> dict[str, Outlet]:
    """Load and check only ``annotations/outlets.yml`` (for commands that need no more)."""
    loader = _Loader(root, report)
    path = root / ANNOTATIONS_DIR / LAYOUT["outlets"][0]
    loaded = _load("outlets", path, root, report) if path.is_file() else None
    loader.files["outlets"] = [loaded] if loaded is not None else []
    return loader.outlets()


def load_some(
    root: Path,
    report: Report,
    *,
    files: dict[str, list[str]],
    wanted: set[str],
    linkable: dict[str, frozenset[str]],
    links: str,
    names: dict[str, str] | None = None,
) -> Annotations | None:
    """Load and check, as :func:`load_annotations` does (with the cache), the outlets, the
    catalog and the glossary, and of the notes and cross-references files only those in
    ``wanted``: for a run that knows nothing else can have changed (:mod:`build_tools.quick`).

    ``files``, ``linkable`` and ``links`` are what :func:`load_annotations` left in its
    ``tables`` the last time: the files of each kind, in order, and the ids a body may link
    to (which the files left out define), with their digest. ``None`` if a file could not be
    read; every problem goes into ``report``, but an id defined twice across a file loaded
    and one left out is not found here. ``names``, if given, gets :func:`notes_names`.
    """
    store = cache.Cache(root, "annotations")
    loader = _Loader(root, report, cache.Cache(root, "bodies"))
    schemas = schemas_digest(root)
    with cache.loading():
        for kind, rels in files.items():
            chosen = [root / rel for rel in rels if kind not in PLANNED or rel in wanted]
            loaded = _load_files(kind, chosen, root, report, store, schemas, 1)
            loader.files[kind] = [f for f in loaded if f is not None]
            if len(loader.files[kind]) < len(chosen):
                return None
        loader.linkable = {scheme: set(ids) for scheme, ids in linkable.items()}
        loader.links = links
        loader.build(store, 1)
        ann = loader.records()
    if names is not None:
        names.update(notes_names(loader.files, root))
    return ann
