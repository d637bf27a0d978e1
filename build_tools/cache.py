"""A content-addressed cache of per-source work, under ``.cache/`` (git-ignored).

An entry's name is the SHA-256 of everything its result depends on — for ingest: the
source file's bytes, its catalog entry (with the line it is on, which its messages
name), the outlet's entry (boilerplate rules) and the code version (a hash of every
file of the ``build_tools`` package) — so a changed input simply misses, and nothing is
ever invalidated by hand. Each entry starts with the SHA-256 of its payload: a
truncated, corrupted or foreign file fails that check (or fails to unpickle) and is
rebuilt and rewritten, never trusted.

Entries are pickles, and a pull request could commit a file under ``.cache/`` (``git add
-f``) for CI to load: so each entry is signed with an HMAC-SHA-256 whose key lives outside
the project, in ``$XDG_CACHE_HOME/annotated-reading/cache.key`` (``~/.cache/…``), made on
first use with mode 0600. An entry this machine did not sign fails the check and is never
unpickled. Deleting ``.cache/`` is always safe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import hmac
import io
import os
import pickle
import time
import types
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

CACHE_DIR = ".cache"
"""Folder under the project root (git-ignored)."""
_DIGEST = 32


@cache
def secret() -> bytes:
    """This machine's key for signing entries (created on first use, outside the project)."""
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "annotated-reading"
    path = home / "cache.key"
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    key = os.urandom(32)
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex())
    except FileExistsError:  # another process made it first: use theirs
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except OSError:
        pass  # no writable home: this process's entries are signed with a key only it knows
    return key


def _sign(payload: bytes) -> bytes:
    return hmac.new(secret(), payload, hashlib.sha256).digest()


def seal(payload: bytes) -> bytes:
    """``payload`` signed with this machine's key, as every entry is stored (see :func:`unseal`)."""
    return _sign(payload) + payload


def unseal(data: bytes) -> bytes | None:
    """The payload of what :func:`seal` made on this machine; ``None`` for anything else
    (truncated, damaged, or signed elsewhere)."""
    digest, payload = data[:_DIGEST], data[_DIGEST:]
    if len(digest) != _DIGEST or not hmac.compare_digest(_sign(payload), digest):
        return None
    return payload


def write_file(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a reader never sees half of it); a read-only or
    full disk only costs speed, so an error is swallowed and nothing is left behind."""
    folder, name = os.path.split(os.fspath(path))
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        if folder not in _folders_made:
            os.makedirs(folder, exist_ok=True)
            _folders_made.add(folder)
        try:
            _write(tmp, data)
        except FileNotFoundError:  # the folder was removed since (a test, a user's rm -rf .cache)
            os.makedirs(folder, exist_ok=True)
            _write(tmp, data)
        os.replace(tmp, os.path.join(folder, name))
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)


_folders_made: set[str] = set()
"""Folders :func:`write_file` made or found in this process (a cold run writes 11,000 entries
into 256 folders per stage)."""


@cache
def code_version() -> str:
    """SHA-256 over the ``build_tools`` package's files (names and bytes)."""
    h = hashlib.sha256()
    base = Path(__file__).resolve().parent
    for path in sorted(base.rglob("*.py")):
        h.update(path.relative_to(base).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


@cache
def _init_fields(cls: type) -> tuple[str, ...] | None:
    """The fields of a frozen, slotted dataclass whose ``__init__`` takes every field and
    does nothing else, in order; ``None`` for any other class."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in vars(cls) or hasattr(cls, "__post_init__"):
        return None
    fields = dataclasses.fields(cls)
    return tuple(f.name for f in fields) if all(f.init for f in fields) else None


class _Pickler(pickle.Pickler):
    """Stores a frozen, slotted dataclass as a call of its class with its field values.

    Python 3.11 unpickles those through ``dataclasses._dataclass_setstate``, which looks the
    fields up again for every object; calling ``__init__`` loads a warm anchor entry in
    about half the time (0.17 against 0.30 s for 200 sources).
    """

    def reducer_override(self, obj: object) -> object:
        names = _init_fields(type(obj))
        if names is None:
            return NotImplemented
        return type(obj), tuple(getattr(obj, name) for name in names)


@cache
def maker(cls: type[T]) -> Callable[..., T]:
    """A function that makes a ``cls`` from every field's value, in order: what ``cls(*values)``
    makes, for a frozen, slotted dataclass whose ``__init__`` only sets its fields, in about
    half the time (it sets the slots themselves); ``cls`` itself for any other class.

    For rebuilding many records from an entry's plain values."""
    names = _init_fields(cls)
    if names is None or cls.__new__ is not object.__new__:
        return cls
    slots = [vars(cls).get(name) for name in names]
    if not all(isinstance(slot, types.MemberDescriptorType) for slot in slots):
        return cls
    params = [f"v{i}" for i in range(len(names))]
    namespace: dict[str, object] = {"new": object.__new__, "cls": cls}
    namespace.update((f"set{i}", slot.__set__) for i, slot in enumerate(slots))  # type: ignore[union-attr]
    body = "".join(f"    set{i}(obj, v{i})\n" for i in range(len(names)))
    exec(f"def make({', '.join(params)}):\n    obj = new(cls)\n{body}    return obj\n", namespace)
    make = namespace["make"]
    make.__qualname__ = f"maker({cls.__qualname__})"  # type: ignore[attr-defined]
    return make  # type: ignore[return-value]


def dumps(value: object) -> bytes:
    """``value`` pickled as :class:`Cache` stores it."""
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buf.getvalue()


def _update(h: hashlib._Hash, parts: tuple[bytes | str, ...]) -> str:
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def key(*parts: bytes | str) -> str:
    """The entry name for these inputs (the code version is always part of it)."""
    return _update(hashlib.sha256(code_version().encode()), parts)


def digest(*parts: bytes | str) -> str:
    """A SHA-256 of these inputs, each length-prefixed (no two lists of parts give the same
    bytes), without the code version: a piece of a key, computed once and named by many
    keys (see :func:`key`)."""
    return _update(hashlib.sha256(), parts)


@contextlib.contextmanager
def loading() -> Iterator[None]:
    """Load many entries inside this block: the garbage collector does not run in it, and
    never walks what the run has made by the end of it.

    Every record an entry holds is a container the collector tracks, and Python 3.11 walks
    the whole heap each time the tracked objects grow by a quarter (and walks the young
    ones twice before): loading 1,000 anchor entries, about 550,000 records, took two to three
    times as long under it, and after the loading stages two full collections of the million
    records made at 1,000 sources cost about 0.6 s of a 2.3 s run. What an entry holds lives
    on, so those walks find nothing. Here the collector is paused, and at the end everything
    is set aside (:func:`gc.freeze`, which splices the generations' lists): the rest of the
    run's collections, and the one at the process's exit, do not walk it. A record nothing
    refers to any more is freed as before; only cyclic garbage set aside waits for
    :func:`release` (the live preview collects it between runs: :func:`set_aside`).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def release() -> None:
    """Put what :func:`loading` and :func:`set_aside` set aside back under the collector: for a
    process that goes on to other work after a run (a test session)."""
    gc.unfreeze()


def set_aside() -> None:
    """Between two runs of a process that runs the stages again and again (the live preview,
    with :func:`keep_in_memory`): collect the garbage once, what was set aside included, and
    set everything left aside again (:func:`gc.freeze`), so that the collections of the next
    run do not walk the records kept for it (at 1,000 sources they made one render 0.4 s
    slower than the next)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class _Memory:
    """Values kept in this process from one run to the next (a live preview's: see
    :func:`keep_in_memory`), by stage and entry name; only those the last run used are kept."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], object] = {}
        self.used: set[tuple[str, str]] = set()

    def get(self, key: tuple[str, str]) -> object | None:
        value = self.values.get(key)
        if value is not None:
            self.used.add(key)
        return value

    def put(self, key: tuple[str, str], value: object) -> None:
        self.values[key] = value
        self.used.add(key)

    def end_run(self) -> None:
        self.values = {key: value for key, value in self.values.items() if key in self.used}
        self.used = set()


_memory: _Memory | None = None


def keep_in_memory(on: bool = True) -> None:
    """From now on, keep what this process reads from or stores in the cache in memory too, so
    that the next run takes it from there: for a process that runs the stages again and again
    (the live preview). Each run ends with :func:`end_run`, which lets go of every value it did
    not use. An entry's name says what it was made from, so a value kept under it stays right;
    values are records nothing changes, shared by the runs. ``on`` false forgets them all and
    stops keeping them."""
    global _memory
    if not on:
        _memory = None
    elif _memory is None:
        _memory = _Memory()


def end_run() -> None:
    """After a run, with :func:`keep_in_memory`: forget the values it did not use."""
    if _memory is not None:
        _memory.end_run()


def recall(stage: str, name: str) -> object | None:
    """A value :func:`remember` kept (only with :func:`keep_in_memory`), else ``None``."""
    return _memory.get((stage, name)) if _memory is not None else None


def remember(stage: str, name: str, value: object) -> None:
    """Keep ``value`` made from the entry ``name`` (rebuilt records, say) for the next run,
    with :func:`keep_in_memory`; else nothing."""
    if _memory is not None:
        _memory.put((stage, name), value)


class Cache:
    """One stage's entries: ``.cache/<stage>/<key[:2]>/<key>``."""

    def __init__(self, root: Path, stage: str) -> None:
        self.base = root / CACHE_DIR / stage
        self.stage = str(self.base)
        """What names this store's values among those kept in memory."""
        self.hits = 0
        self.misses = 0
        self.rebuilt = 0
        """Entries found but refused (bad checksum or unreadable), then rebuilt."""

    def _path(self, name: str) -> str:
        return f"{self.stage}{os.sep}{name[:2]}{os.sep}{name}"

    def get(self, name: str) -> object | None:
        """The stored value, or ``None`` if there is none or it fails its signature."""
        if _memory is not None:
            kept = _memory.get((self.stage, name))
            if kept is not None:
                self.hits += 1
                return kept
        path = self._path(name)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            self.misses += 1
            return None
        payload = unseal(data)
        if payload is None:
            self.rebuilt += 1
            return None
        try:
            value = pickle.loads(payload)
        except Exception:  # a payload that passed the checksum but does not load: rebuild it
            self.rebuilt += 1
            return None
        self.hits += 1
        with contextlib.suppress(OSError):  # its age says when it was last used (see prune)
            os.utime(path)
        if _memory is not None:
            _memory.put((self.stage, name), value)
        return value

    def has(self, name: str) -> bool:
        """Whether an entry is stored under ``name`` (kept in memory, or a file: not read, so
        not checked either)."""
        return (_memory is not None and (self.stage, name) in _memory.values) or os.path.exists(self._path(name))

    def get_or_make(self, name: str, make: Callable[[], T], valid: Callable[[object], bool]) -> T:
        """The stored value if there is one that passes its signature and ``valid`` (its
        type, checked before it is trusted), else ``make()``, stored under ``name``."""
        value = self.get(name)
        if value is not None and valid(value):
            return value  # type: ignore[return-value]
        if value is not None:  # signed by this machine yet not what this stage stores
            self.hits -= 1
            self.rebuilt += 1
        made = make()
        self.put(name, made)
        return made

    def copy(self, name: str, new_name: str) -> bool:
        """Store the entry ``name`` under ``new_name`` too, as it is (no unpickling): for a
        result whose inputs changed name but not value. Nothing is copied, and ``False``
        returned, if ``name`` is missing or fails its signature."""
        try:
            with open(self._path(name), "rb") as fh:
                data = fh.read()
        except OSError:
            return False
        if unseal(data) is None:
            return False
        write_file(self._path(new_name), data)
        return True

    def discard(self, name: str) -> None:
        """Delete the entry ``name``, if there is one (and forget it, if it is kept in memory)."""
        if _memory is not None:
            _memory.values.pop((self.stage, name), None)
        with contextlib.suppress(OSError):
            os.unlink(self._path(name))

    def put(self, name: str, value: object) -> None:
        """Store ``value`` atomically (a reader never sees half an entry)."""
        write_file(self._path(name), seal(dumps(value)))
        if _memory is not None:
            _memory.put((self.stage, name), value)


MAX_AGE_DAYS = 30
"""An entry not used for this long is deleted by :func:`prune`."""
_PRUNED = ".pruned"


def prune(root: Path, *, max_age_days: float = MAX_AGE_DAYS, now: float | None = None) -> int | None:
    """Delete the entries of every stage not used for ``max_age_days`` (a hit or a write
    renews an entry's time), and temporary files a killed run left; at most once a day.

    Without it ``.cache/`` only grows: every edit adds entries (after a glossary edit, every
    page that mentions the entry is stored again) and nothing ever reads the old ones. Returns
    how many files were deleted, or ``None`` if the last pruning was less than a day ago.
    """
    now = time.time() if now is None else now
    base = root / CACHE_DIR
    stamp = base / _PRUNED
    try:
        if now - stamp.stat().st_mtime < 86_400:
            return None
    except OSError:
        pass
    removed = 0
    for path in base.glob("*/??/*"):
        try:
            age = now - path.stat().st_mtime
            if age > max_age_days * 86_400 or (path.name.startswith(".") and age > 86_400):
                path.unlink()
                removed += 1
        except OSError:
            continue
    with contextlib.suppress(OSError):
        base.mkdir(parents=True, exist_ok=True)
        stamp.touch()
        os.utime(stamp, (now, now))
    return removed
