"""The ingest cache: same documents and problems as without it; damaged entries rebuilt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from build_tools import cache
from build_tools.pipeline import load_corpus

from .test_contrib_broken import make_case


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return make_case(None, tmp_path / "base")


def _entries(root: Path) -> list[Path]:
    return sorted(p for p in (root / cache.CACHE_DIR / "ingest").rglob("*") if p.is_file())


def test_cached_ingest_gives_the_same_corpus(base: Path) -> None:
    plain = load_corpus(base, use_cache=False)
    assert not (base / cache.CACHE_DIR).exists()
    first = load_corpus(base)
    entries = _entries(base)
    assert len(entries) == len(plain.ann.sources)
    second = load_corpus(base)
    assert first.docs == second.docs == plain.docs
    assert first.report.problems == second.report.problems == plain.report.problems
    assert _entries(base) == entries  # nothing new: every source was a hit


def test_a_damaged_entry_is_rebuilt_not_trusted(base: Path) -> None:
    plain = load_corpus(base, use_cache=False)
    load_corpus(base)
    entries = _entries(base)
    entries[0].write_bytes(entries[0].read_bytes()[:-7] + b"garbage")  # flipped bytes: checksum fails
    entries[1].write_bytes(b"")  # truncated
    messages: list[str] = []
    again = load_corpus(base, progress=messages.append)
    assert again.docs == plain.docs
    assert any("2 damaged entries rebuilt" in m for m in messages), messages
    messages.clear()
    load_corpus(base, progress=messages.append)
    assert any(f"{len(plain.ann.sources)} reused, 0 ingested" in m for m in messages), messages


def test_an_edited_catalog_entry_misses(base: Path) -> None:
    load_corpus(base)
    catalog = base / "annotations" / "sources.yml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("title:", "title: X", 1), encoding="utf-8")
    messages: list[str] = []
    load_corpus(base, progress=messages.append)
    n = len(load_corpus(base, use_cache=False).ann.sources)
    assert any(f"{n - 1} reused, 1 ingested" in m for m in messages), messages


def test_the_key_covers_the_code_version(monkeypatch: pytest.MonkeyPatch) -> None:
    a = cache.key("ingest", b"x")
    monkeypatch.setattr(cache, "code_version", lambda: "other")
    assert cache.key("ingest", b"x") != a


def test_an_entry_this_machine_did_not_sign_is_never_unpickled(tmp_path):
    """A pull request could commit a file under .cache/ (git add -f): its pickle must not be loaded."""
    import hashlib
    import pickle

    from build_tools import cache

    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('the forged pickle ran')",))

    store = cache.Cache(tmp_path, "ingest")
    name = cache.key("forged")
    payload = pickle.dumps(Boom())
    path = Path(store._path(name))
    path.parent.mkdir(parents=True)
    path.write_bytes(hashlib.sha256(payload).digest() + payload)  # what an attacker can compute
    assert store.get(name) is None and store.rebuilt == 1
    store.put(name, ("ok",))
    assert store.get(name) == ("ok",)


def test_frozen_records_round_trip_through_their_init(base: Path) -> None:
    """The cache's pickler stores frozen records as calls of their class: the same values back."""
    import pickle

    corpus = load_corpus(base, use_cache=False)
    value = (corpus.docs, corpus.anchoring, corpus.report.problems, corpus.ann.notes, corpus.ann.glossary)
    assert pickle.loads(cache.dumps(value)) == value
    assert (
        len(cache.dumps(corpus.anchoring)) < len(pickle.dumps(corpus.anchoring, protocol=pickle.HIGHEST_PROTOCOL)) * 1.2
    )


def test_prune_deletes_what_no_run_used_for_a_month_at_most_once_a_day(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path, "anchor")
    for name in ("aa01", "bb02", "cc03"):
        store.put(name, name)
    day = 86_400
    now = (tmp_path / cache.CACHE_DIR / "anchor" / "aa" / "aa01").stat().st_mtime
    leftover = tmp_path / cache.CACHE_DIR / "anchor" / "aa" / ".aa09.123.tmp"  # a killed run's
    leftover.write_bytes(b"half")
    for name, age in (("aa01", 40), ("bb02", 40), ("cc03", 10)):
        path = store._path(name)
        os.utime(path, (now - age * day, now - age * day))
    os.utime(leftover, (now - 2 * day, now - 2 * day))
    assert store.get("bb02") == "bb02"  # used now: a hit renews it
    assert cache.prune(tmp_path, now=now + 1) == 2  # aa01 (40 days) and the leftover
    assert [p.name for p in sorted((tmp_path / cache.CACHE_DIR / "anchor").rglob("*")) if p.is_file()] == [
        "bb02",
        "cc03",
    ]
    os.utime(store._path("cc03"), (now - 40 * day, now - 40 * day))
    assert cache.prune(tmp_path, now=now + 2) is None  # pruned less than a day ago
    assert cache.prune(tmp_path, now=now + day + 2) == 1
    assert store.get("cc03") is None and store.get("bb02") == "bb02"
