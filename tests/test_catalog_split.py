"""A catalog split across files: ``annotations/sources.yml`` and ``annotations/sources/*.yml``
are read as one list (at 10,000 sources one file passes the 1 MB limit of a YAML file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_tools.errors import Report
from build_tools.stages.load import load_annotations
from build_tools.yamlio import MAX_YAML_BYTES

from .test_contrib_broken import make_case, run_check
from .test_contrib_commands import run

SECOND = "courier-2024-05-03-bridge-vote"


def _split(root: Path, *, schema_line: str = "# yaml-language-server: $schema=../schema/sources.schema.json") -> Path:
    """Move the catalog's second entry to ``annotations/sources/courier.yml``."""
    catalog = root / "annotations" / "sources.yml"
    text = catalog.read_text(encoding="utf-8")
    head, sep, entry = text.partition(f"  - id: {SECOND}\n")
    assert sep
    catalog.write_text(head.rstrip("\n") + "\n", encoding="utf-8")
    (root / "annotations" / "sources").mkdir()
    moved = root / "annotations" / "sources" / "courier.yml"
    moved.write_text(f"{schema_line}\nsources:\n{sep}{entry}", encoding="utf-8")
    return moved


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return make_case(None, tmp_path / "base")


def test_a_split_catalog_reads_as_one(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = load_annotations(base, Report())
    _split(base)
    assert run_check(base, capsys).startswith("check: 0 errors, 0 warnings")
    report = Report()
    split = load_annotations(base, report)
    assert list(split.sources) == list(whole.sources)
    assert split.sources[SECOND].origin.path == "annotations/sources/courier.yml"


def test_a_split_file_names_the_schema_one_folder_up(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _split(base, schema_line="# yaml-language-server: $schema=schema/sources.schema.json")
    assert run_check(base, capsys) == (
        "annotations/sources/courier.yml:1:1: warning: first line should name the schema, so editors can check "
        "the file as you type\n"
        "    hint: make the first line: # yaml-language-server: $schema=../schema/sources.schema.json\n"
        "check: 0 errors, 1 warning\n"
        "exit status: 0\n"
    )


def test_an_id_is_unique_across_the_files(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    moved = _split(base)
    catalog = base / "annotations" / "sources.yml"
    moved.write_text(moved.read_text(encoding="utf-8").replace(SECOND, "gazette-2024-05-02-bridge"), encoding="utf-8")
    out = run_check(base, capsys)
    assert "annotations/sources/courier.yml:3:9: error: duplicate source id 'gazette-2024-05-02-bridge'" in out, out
    assert catalog.read_text(encoding="utf-8")  # untouched


def test_a_catalog_over_the_limit_is_told_where_to_split(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = base / "annotations" / "sources.yml"
    catalog.write_text(catalog.read_text(encoding="utf-8") + "#" * MAX_YAML_BYTES + "\n", encoding="utf-8")
    out = run_check(base, capsys)
    assert (
        "    hint: move some of its entries to files under annotations/sources/ "
        "(each is read as part of the same list)\n"
    ) in out, out


def test_source_add_appends_to_the_last_file_and_sees_every_id(
    base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moved = _split(base)
    before = (base / "annotations" / "sources.yml").read_bytes()
    new = tmp_path / "report.txt"
    new.write_text("Harbour fees rise again\n\nThe fees rose by a tenth.\n", encoding="utf-8")
    status, out, err = run(base, capsys, "source", "add", str(new), "--outlet", "courier", "--id", SECOND)
    assert status == 1 and f"source id '{SECOND}' already exists" in out + err, (out, err)
    status, out, err = run(base, capsys, "source", "add", str(new), "--outlet", "courier", "--date", "2024-05-09")
    assert status == 0, err
    assert out.startswith(
        "added source 'courier-2024-05-09-harbour-fees-rise-again': appended to "
        "annotations/sources/courier.yml at line "
    )
    assert (base / "annotations" / "sources.yml").read_bytes() == before
    assert "  - id: courier-2024-05-09-harbour-fees-rise-again\n" in moved.read_text(encoding="utf-8")
