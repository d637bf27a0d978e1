"""Published block ids never move: reclassify a block, drop one, add one, change an ingest
rule — every other block keeps its id (annotations/ids/SOURCE.yml, build_tools/idlock.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import build_tools.stages.ingest as ingest_module
from build_tools.errors import Report
from build_tools.idlock import lock_path
from build_tools.pipeline import load_corpus
from build_tools.stages.ingest import ingest_text
from build_tools.stages.ingest.parse import decode_source
from build_tools.stages.load import load_annotations

from .conftest import ROOT
from .test_contrib_broken import make_case
from .test_contrib_commands import run

CO = "courier-2024-05-03-bridge-vote"
CATALOG = "annotations/sources.yml"


def ids(root: Path, source: str = CO) -> dict[str, str]:
    """id → the block's text, as the build sees them."""
    corpus = load_corpus(root)
    return {b.id: b.text for b in corpus.docs[source].blocks}


@pytest.fixture
def locked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The base project after one `preprocess`, which wrote its lock files."""
    root = make_case(None, tmp_path / "base")
    assert run(root, capsys, "preprocess", "-q")[0] == 0
    assert lock_path(root, CO).is_file()
    return root


def correct_source(root: Path, old: bytes, new: bytes) -> None:
    """Replace the Courier's text with a corrected copy, and record its sha256 in the catalog."""
    src = root / "sources" / f"{CO}.txt"
    raw = src.read_bytes()
    assert old in raw
    catalog = root / CATALOG
    text = catalog.read_text(encoding="utf-8")
    digest = hashlib.sha256(raw).hexdigest()
    assert digest in text
    src.write_bytes(raw.replace(old, new, 1))
    catalog.write_text(text.replace(digest, hashlib.sha256(src.read_bytes()).hexdigest()), encoding="utf-8")


def add_override(root: Path, quote: str, as_kind: str) -> None:
    path = root / CATALOG
    text = path.read_text(encoding="utf-8")
    entry = f"  - id: {CO}\n"
    assert entry in text and "structure:" not in text.split(entry)[1].split("\n  - id:")[0]
    head, tail = text.split(entry)
    block, sep, rest = tail.partition("\n  - id:")
    block = (
        block.rstrip("\n") + f"\n    structure:\n      - quote: {quote}\n        as: {as_kind}\n        reason: test\n"
    )
    path.write_text(head + entry + block + (sep + rest if sep else ""), encoding="utf-8")


def test_reclassifying_a_paragraph_keeps_every_id(locked: Path, capsys) -> None:
    before = ids(locked)
    add_override(locked, "The mayor said the bridge would", "quotation")
    after = ids(locked)
    assert after == before  # p-3 and p-4 stay; the quotation keeps its published p-2 too
    corpus = load_corpus(locked)
    assert corpus.docs[CO].block("p-2").kind.value == "quotation"
    assert not corpus.report.errors


def test_dropping_a_block_is_reported_until_its_id_is_retired(locked: Path, capsys) -> None:
    before = ids(locked)
    add_override(locked, "council voted seven to four", "drop")
    status, out, _ = run(locked, capsys, "check", "--quiet")
    lock = lock_path(locked, CO)
    line = lock.read_text(encoding="utf-8").splitlines().index("  - id: p-1") + 1
    assert status == 1
    assert (
        f"annotations/ids/{CO}.yml:{line}:9: error: block id 'p-1' would disappear: no paragraph of the source "
        'has its text any more: "Westport\'s council voted seven to four for the river bridge "\n'
        "    hint: its permalink is published; if the block is gone on purpose (a `structure:` drop, a corrected "
        "source), add `retired: true` under this id to keep it reserved; otherwise undo the change\n"
    ) in out
    assert run(locked, capsys, "preprocess", "-q")[0] == 1  # nothing is written while an id would disappear
    text = lock.read_text(encoding="utf-8").splitlines()
    text.insert(line + 3, "    retired: true")
    lock.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert run(locked, capsys, "check", "--quiet")[0] == 0
    after = ids(locked)
    assert after == {k: v for k, v in before.items() if k != "p-1"}  # p-2, p-3, p-4 keep their ids


def test_a_new_block_gets_an_id_never_used(locked: Path, capsys) -> None:
    # retire p-1 first: its number must never be given out again
    add_override(locked, "council voted seven to four", "drop")
    lock = lock_path(locked, CO)
    text = lock.read_text(encoding="utf-8").replace("  - id: p-1\n", "  - id: p-1\n    retired: true\n")
    lock.write_text(text, encoding="utf-8")
    correct_source(locked, b"The mayor said", b"A new paragraph, added by a correction.\n\nThe mayor said")
    after = ids(locked)
    assert after["p-5"] == "A new paragraph, added by a correction."
    assert after["p-2"].startswith("The mayor said") and after["p-4"].startswith("The vote came")
    assert "p-1" not in after and after["p-3"].startswith("Critics said")
    assert run(locked, capsys, "preprocess", "-q")[0] == 0
    assert "  - id: p-5\n" in lock.read_text(encoding="utf-8")
    assert "  - id: p-1\n    kind: paragraph\n" in lock.read_text(encoding="utf-8")  # still reserved


def test_an_edited_block_keeps_its_id_by_similarity(locked: Path) -> None:
    correct_source(locked, b"four hours of debate", b"four and a half hours of debate")
    after = load_corpus(locked).docs[CO]
    assert after.block("p-4").text == "The vote came after four and a half hours of debate."


@pytest.mark.parametrize("dropped_rule", ["headings", "quotations", "captions"])
def test_changing_an_ingest_rule_moves_no_other_id(dropped_rule: str, monkeypatch) -> None:
    """The real texts with one rule taken out: the blocks it decided change kind, every
    block keeps its published id."""
    before = {sid: [(b.id, b.text) for b in doc.blocks] for sid, doc in load_corpus(ROOT).docs.items()}
    monkeypatch.setattr(ingest_module, "RULES", tuple(r for r in ingest_module.RULES if r[0] != dropped_rule))
    corpus = load_corpus(ROOT)
    changed_kinds = 0
    for sid, doc in corpus.docs.items():
        assert [(b.id, b.text) for b in doc.blocks] == before[sid], sid
    unlocked = Report()
    ann = load_annotations(ROOT, unlocked)
    for sid, doc in corpus.docs.items():
        src = ann.sources[sid]
        text, _ = decode_source((ROOT / src.file).read_bytes(), rel_path=src.file)
        plain = ingest_text(text, src, outlet=ann.outlets.get(src.outlet), report=Report())
        changed_kinds += sum(a.id != b.id for a, b in zip(plain.blocks, doc.blocks, strict=False))
    assert changed_kinds > 0  # without the lock, this rule change would have renumbered blocks


def test_the_lock_files_keep_todays_ids() -> None:
    """The checked-in lock files give every block of the five texts the id ingest numbering gives it."""
    report = Report()
    ann = load_annotations(ROOT, report)
    corpus = load_corpus(ROOT)
    assert not corpus.report.errors
    for sid, src in ann.sources.items():
        assert lock_path(ROOT, sid).is_file(), sid
        text, _ = decode_source((ROOT / src.file).read_bytes(), rel_path=src.file)
        plain = ingest_text(text, src, outlet=ann.outlets.get(src.outlet), report=Report())
        assert [b.id for b in corpus.docs[sid].blocks] == [b.id for b in plain.blocks], sid
