"""Incremental preprocessing: every cache gives what a run without it gives, a changed
input misses, and a damaged entry is rebuilt, never used."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from build_tools import cache, idlock
from build_tools.cli import main
from build_tools.errors import Report
from build_tools.pipeline import load_corpus
from build_tools.stages.load import load_annotations, schemas_digest

from .test_contrib_broken import BROKEN, CASES, make_case, run_check

NOTES = Path("annotations/notes/gazette-2024-05-02-bridge.yml")


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return make_case(None, tmp_path / "base")


def _entries(root: Path, stage: str) -> list[Path]:
    return sorted(p for p in (root / cache.CACHE_DIR / stage).rglob("*") if p.is_file())


def _load(root: Path, *, use_cache: bool = True) -> tuple[object, list]:
    report = Report()
    return load_annotations(root, report, use_cache=use_cache), report.problems


# --------------------------------------------------------------------------- annotation files


@pytest.mark.parametrize("case", CASES)
def test_every_mistake_reads_the_same_from_a_warm_cache(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second ``check`` takes every annotation file from the cache: the same messages,
    with the same lines, as the golden output of the first."""
    root = make_case(case, tmp_path / case)
    cold = run_check(root, capsys)
    assert _entries(root, "annotations"), "the first run stored nothing"
    warm = run_check(root, capsys)
    assert warm == cold == (BROKEN / case / "expected.txt").read_text(encoding="utf-8")


def test_cached_annotations_are_the_same(base: Path) -> None:
    plain = _load(base, use_cache=False)
    assert not (base / cache.CACHE_DIR).exists()
    first = _load(base)
    files, bodies = _entries(base, "annotations"), _entries(base, "bodies")
    assert files and bodies
    assert _load(base) == first == plain
    assert (_entries(base, "annotations"), _entries(base, "bodies")) == (files, bodies)  # every file a hit


def test_an_edited_note_is_read_again(base: Path) -> None:
    _load(base)
    path = base / NOTES
    path.write_text(path.read_text(encoding="utf-8").replace("12.4 million", "13 million"), encoding="utf-8")
    ann, problems = _load(base)
    body = next(n.body for n in ann.notes if n.id == "gz-cost")
    assert "13 million" in body and "12.4" not in body
    assert (ann, problems) == _load(base, use_cache=False)


def test_a_renamed_link_target_is_reported_though_the_body_did_not_change(base: Path) -> None:
    """A body's sanitised form depends on the ids its links resolve to, not on its text alone."""
    _load(base)
    glossary = base / "annotations" / "glossary" / "places.yml"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace("id: westport", "id: westport-town"), "utf-8")
    ann, problems = _load(base)
    assert [p.code for p in problems] == ["body-dangling-link"], problems
    assert (ann, problems) == _load(base, use_cache=False)


def test_damaged_annotation_entries_are_rebuilt(base: Path) -> None:
    plain = _load(base, use_cache=False)
    _load(base)
    damaged = _entries(base, "annotations") + _entries(base, "bodies")
    for i, entry in enumerate(damaged):
        data = entry.read_bytes()
        entry.write_bytes(data[:-5] + b"xxxxx" if i % 2 else data[:10])  # flipped, or truncated
    assert _load(base) == plain
    store = cache.Cache(base, "annotations")
    assert all(store.get(p.name) is not None for p in _entries(base, "annotations"))  # rewritten, valid again


def test_the_schemas_are_part_of_the_key(base: Path) -> None:
    before = schemas_digest(base)
    schema = next((base / "annotations" / "schema").glob("notes.schema.json"))
    schema.write_text(schema.read_text(encoding="utf-8").replace("{", '{"$comment": "x", ', 1), "utf-8")
    assert schemas_digest(base) != before


def test_the_pipeline_uses_the_annotation_cache(base: Path) -> None:
    first = load_corpus(base)
    assert _entries(base, "annotations")
    second = load_corpus(base)
    assert (first.ann, first.report.problems) == (second.ann, second.report.problems)
    plain = load_corpus(base, use_cache=False)
    assert (plain.ann, plain.report.problems) == (second.ann, second.report.problems)


# --------------------------------------------------------------------------- anchoring


def test_cached_anchoring_is_the_same(base: Path) -> None:
    plain = load_corpus(base, use_cache=False)
    first = load_corpus(base)
    entries = _entries(base, "anchor")
    assert len(entries) == len(plain.docs)
    second = load_corpus(base)
    assert first.anchoring == second.anchoring == plain.anchoring
    assert first.report.problems == second.report.problems == plain.report.problems
    assert _entries(base, "anchor") == entries  # every source a hit


def test_an_edited_quote_is_placed_again(base: Path) -> None:
    load_corpus(base)
    path = base / NOTES
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("quote: The bridge will cost 12 million euros.", "quote: 12 million euros"), "utf-8")
    warm = load_corpus(base)
    anchor = next(a for a in warm.anchoring.anchors if a.annotation == "gz-cost")
    assert anchor.text == "12 million euros"
    plain = load_corpus(base, use_cache=False)
    assert (warm.anchoring, warm.report.problems) == (plain.anchoring, plain.report.problems)


def test_a_new_alias_is_found_in_every_source(base: Path) -> None:
    before = load_corpus(base)
    glossary = base / "annotations" / "glossary" / "places.yml"
    glossary.write_text(
        glossary.read_text(encoding="utf-8").replace("aliases: [council]", "aliases: [council, bridge]")
    )
    warm = load_corpus(base)
    assert len(warm.anchoring.mentions) > len(before.anchoring.mentions)
    assert warm.anchoring == load_corpus(base, use_cache=False).anchoring


def test_damaged_anchor_entries_are_rebuilt(base: Path) -> None:
    plain = load_corpus(base, use_cache=False)
    load_corpus(base)
    for entry in _entries(base, "anchor"):
        entry.write_bytes(entry.read_bytes()[:-3] + b"bad")
    again = load_corpus(base)
    assert (again.anchoring, again.report.problems) == (plain.anchoring, plain.report.problems)


# --------------------------------------------------------------------------- lock files


def _preprocess(root: Path) -> None:
    assert main(["--root", str(root), "preprocess", "--quiet"]) == 0


def _locks(root: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((root / "annotations" / "ids").glob("*.yml"))}


def test_an_up_to_date_lock_file_is_not_rendered_again(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(2):  # the first writes the lock files, the second finds them up to date
        _preprocess(base)
    locks = _locks(base)
    assert len(_entries(base, "locks")) == len(locks)
    rendered: list[str] = []
    real = idlock.render_lock
    monkeypatch.setattr(idlock, "render_lock", lambda doc, lock: rendered.append(doc.source_id) or real(doc, lock))
    _preprocess(base)
    assert rendered == [] and _locks(base) == locks


def test_an_edited_lock_file_is_rewritten(base: Path) -> None:
    for _ in range(2):
        _preprocess(base)
    locks = _locks(base)
    name, text = next(iter(locks.items()))
    path = base / "annotations" / "ids" / name
    path.write_text(text.replace("kind: paragraph", "kind: quotation", 1), encoding="utf-8")
    _preprocess(base)
    assert _locks(base) == locks


def test_damaged_lock_entries_are_rebuilt(base: Path) -> None:
    for _ in range(2):
        _preprocess(base)
    locks = _locks(base)
    for entry in _entries(base, "locks"):
        entry.write_bytes(b"\x80" + entry.read_bytes()[1:])
    _preprocess(base)
    assert _locks(base) == locks
    store = cache.Cache(base, "locks")
    assert all(store.get(p.name) is True for p in _entries(base, "locks"))


# --------------------------------------------------------------------------- new lock files


def _pages(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "docs").rglob("*")) if p.is_file()}


def test_the_run_after_a_new_lock_takes_the_ingest_from_the_cache(
    base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first run writes each text's lock file, which is part of the ingest key; the entry is
    stored under the new key as well, so the second run ingests nothing — and gives what a run
    that ingests everything again with those lock files gives."""
    shutil.rmtree(base / "annotations" / "ids", ignore_errors=True)
    assert main(["--root", str(base), "preprocess"]) == 0
    assert "ingest cache: 0 reused, 2 ingested" in capsys.readouterr().err
    assert sorted(p.name for p in (base / "annotations" / "ids").glob("*.yml")) == [
        "courier-2024-05-03-bridge-vote.yml",
        "gazette-2024-05-02-bridge.yml",
    ]
    assert main(["--root", str(base), "preprocess"]) == 0
    assert "ingest cache: 2 reused, 0 ingested" in capsys.readouterr().err
    warm = _pages(base)
    shutil.rmtree(base / cache.CACHE_DIR)
    assert main(["--root", str(base), "preprocess"]) == 0
    assert "ingest cache: 0 reused, 2 ingested" in capsys.readouterr().err
    assert _pages(base) == warm
