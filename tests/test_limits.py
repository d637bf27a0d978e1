"""Hostile annotation and source files get one located error at once, never a hang or a crash.

The small cases (a "billion laughs", 1,000-deep nesting, a NUL byte, an id ending in a
line break) are in the broken-file corpus; the ones too big to check in are made here:
100,000-deep nesting (a segmentation fault in PyYAML's composer), files over the size
limits. Each runs the real command in a subprocess: exit 1 at once, a
``file:line:col: error:`` line with a hint, and nothing written under docs/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from build_tools.stages.ingest import MAX_SOURCE_BYTES
from build_tools.yamlio import MAX_YAML_BYTES

from .conftest import ROOT
from .test_contrib_broken import make_case

NOTES = "annotations/notes/gazette-2024-05-02-bridge.yml"
QUOTE = "quote: will join the two halves of the town"
HANG = 30
"""Seconds: a guard against a hang (the billion laughs ran > 240 s, deep nesting crashed), not a
timing target. Each case answers in about 1 s, the time of a clean `check` (median of 3 runs)."""


def run(root: Path, *argv: str) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "build_tools", "--root", str(root), *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "NO_MKDOCS_2_WARNING": "1"},
    )
    return proc.returncode, proc.stdout + proc.stderr, time.perf_counter() - t0


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def generated(root: Path) -> set[Path]:
    return {p for p in (root / "docs").rglob("*")} if (root / "docs").exists() else set()


@pytest.mark.parametrize("depth", [1_000, 10_000, 100_000])
def test_deep_nesting_is_one_located_error(depth: int, tmp_path: Path) -> None:
    root = make_case(None, tmp_path / "p")
    edit(root, NOTES, QUOTE, "quote: " + "[" * depth + "]" * depth)
    status, out, seconds = run(root, "check", "--quiet")
    assert status == 1
    assert seconds < HANG, seconds
    assert out == (
        f"{NOTES}:14:29: error: lists and mappings nested more than 20 deep\n"
        "    hint: annotation files need only a few levels (see CONTRIBUTING.md); "
        "if '[' or '{' is part of the text, put the text in quotes\n"
        "check: 1 error, 0 warnings\n"
    )


def test_billion_laughs_answers_at_once_and_build_writes_nothing(tmp_path: Path) -> None:
    root = make_case("yaml-alias", tmp_path / "p")
    before = generated(root)
    status, out, seconds = run(root, "preprocess", "--quiet")
    assert status == 1
    assert seconds < HANG, seconds
    assert f"{NOTES}:3:6: error: YAML anchors and aliases are not allowed in annotation files: '&a'" in out
    assert "Traceback" not in out
    assert generated(root) == before


def test_a_nul_byte_is_reported_with_line_and_column(tmp_path: Path) -> None:
    root = make_case("yaml-control-character", tmp_path / "p")
    status, out, _ = run(root, "check", "--quiet")
    assert status == 1
    assert out.startswith(f"{NOTES}:14:29: error: control character NUL in the text: ")


def test_an_annotation_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    root = make_case(None, tmp_path / "p")
    path = root / NOTES
    with path.open("a", encoding="utf-8") as f:
        f.write("# " + "x" * MAX_YAML_BYTES + "\n")
    size = path.stat().st_size
    status, out, seconds = run(root, "check", "--quiet")
    assert status == 1
    assert seconds < HANG, seconds
    assert out.startswith(
        f"{NOTES}: error: file is too large: {size:,} bytes, at most {MAX_YAML_BYTES:,}\n"
        "    hint: split it into several files in the same folder (each is read the same way)\n"
    )


def test_a_source_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    root = make_case(None, tmp_path / "p")
    path = root / "sources" / "courier-2024-05-03-bridge-vote.txt"
    with path.open("a", encoding="utf-8") as f:
        f.write(("word " * 99 + "word.\n\n") * (MAX_SOURCE_BYTES // 500 + 1))
    size = path.stat().st_size
    status, out, seconds = run(root, "check", "--quiet")
    assert status == 1
    assert seconds < HANG, seconds
    assert (
        f"error: source file 'sources/courier-2024-05-03-bridge-vote.txt' is too large: {size:,} bytes, "
        f"at most {MAX_SOURCE_BYTES:,}\n    hint: split the text into several sources (one per article or chapter)\n"
    ) in out
    assert out.startswith("annotations/sources.yml:")
    assert "Traceback" not in out


@pytest.mark.parametrize("table", ["glossary", "note", "outlet", "crossref", "source"])
def test_ids_ending_in_a_line_break_are_refused(table: str, tmp_path: Path) -> None:
    files = {
        "glossary": ("annotations/glossary/places.yml", "- id: "),
        "note": (NOTES, "- id: "),
        "outlet": ("annotations/outlets.yml", "- id: "),
        "crossref": ("annotations/crossrefs/bridge.yml", "- id: "),
        "source": ("annotations/sources.yml", "- id: "),
    }
    rel, marker = files[table]
    root = make_case(None, tmp_path / "p")
    text = (root / rel).read_text(encoding="utf-8")
    start = text.index(marker) + len(marker)
    end = text.index("\n", start)
    ident = text[start:end].strip()
    (root / rel).write_text(text[:start] + f'"{ident}\\n"' + text[end:], encoding="utf-8")
    status, out, _ = run(root, "check", "--quiet")
    assert status == 1
    assert f"error: id '{ident}\\n' must be lowercase words joined by hyphens\n    hint: write it as '{ident}'\n" in out
    assert "Traceback" not in out


@pytest.mark.skipif(not shutil.which("node"), reason="node is missing")
def test_patterns_mean_the_same_to_editors_ecma_262_regexes() -> None:
    """Editors check the schemas with JavaScript regexes: each pattern compiles there and
    refuses an id with a trailing line break, as Python's does."""
    import json

    common = json.loads((ROOT / "annotations" / "schema" / "common.schema.json").read_text(encoding="utf-8"))
    script = (
        "const p = new RegExp(process.argv[1], 'u');"
        "console.log(JSON.stringify(process.argv.slice(2).map(s => p.test(s))))"
    )
    samples = ["town-council", "town-council\n", "town/council", "Town"]
    proc = subprocess.run(
        ["node", "-e", script, common["$defs"]["id"]["pattern"], *samples], capture_output=True, text=True, check=True
    )
    assert json.loads(proc.stdout) == [True, False, False, False]


def test_note_add_refuses_to_append_to_a_billion_laughs(tmp_path: Path) -> None:
    """`note add` parses the file it appends to: the same limits, before PyYAML composes it."""
    root = make_case("yaml-alias", tmp_path / "p")
    status, out, seconds = run(
        root, "note", "add", "gazette-2024-05-02-bridge", "12 million euros", "--body", "x", "--from-texts"
    )
    assert status == 1
    assert seconds < HANG, seconds
    assert f"{NOTES}:3:6: error: YAML anchors and aliases are not allowed in annotation files: '&a'" in out
    assert "Traceback" not in out


def test_note_add_refuses_an_id_ending_in_a_line_break(tmp_path: Path) -> None:
    root = make_case(None, tmp_path / "p")
    before = (root / NOTES).read_bytes()
    status, out, _ = run(root, "note", "add", "gazette-2024-05-02-bridge", "12 million euros", "--id", "gz-budget\n")
    assert status == 1
    assert "Traceback" not in out
    assert (root / NOTES).read_bytes() == before
