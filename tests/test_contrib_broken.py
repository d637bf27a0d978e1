"""Every kind of contributor mistake, caught with the exact message a contributor sees.

``tests/fixtures/broken/base/`` is a tiny, self-contained project (two invented sources
and their annotations) that passes ``check`` cleanly. Each other folder under
``tests/fixtures/broken/`` is one mistake: it holds only the files that differ from the
base (plus ``deleted.txt``, a list of base files to remove, if any) and
``expected.txt``, the exact output of ``python -m build_tools --root DIR check --quiet``
(stdout, then stderr) followed by ``exit status: N``. New cases are picked up
automatically; ``pytest --update-goldens`` rewrites ``expected.txt`` from the output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.cli import main

from .conftest import FIXTURES, ROOT

BROKEN = FIXTURES / "broken"
BASE = BROKEN / "base"
META = {"expected.txt", "deleted.txt", "README.md"}
"""Files in a case folder that describe the case rather than belong to the project."""

CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir() and p.name != "base")


def make_case(case: str | None, dest: Path) -> Path:
    """The base project with ``case``'s files laid over it, and the real schemas."""
    shutil.copytree(BASE, dest)
    shutil.copytree(ROOT / "annotations" / "schema", dest / "annotations" / "schema")
    if case is None:
        return dest
    folder = BROKEN / case
    deleted = folder / "deleted.txt"
    if deleted.exists():
        for rel in deleted.read_text(encoding="utf-8").split():
            (dest / rel).unlink()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and str(rel) not in META:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return dest


def run_check(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """``check --quiet`` on ``root``: stdout, then stderr, then the exit status."""
    capsys.readouterr()
    status = main(["--root", str(root), "check", "--quiet"])
    out, err = capsys.readouterr()
    return f"{out}{err}exit status: {status}\n"


def test_at_least_25_kinds_of_mistake() -> None:
    assert len(CASES) >= 25, CASES


def test_base_project_passes_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_case(None, tmp_path / "base")
    assert run_check(root, capsys) == "check: 0 errors, 0 warnings\nexit status: 0\n"


@pytest.mark.parametrize("case", CASES)
def test_broken_case(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], golden) -> None:
    root = make_case(case, tmp_path / case)
    golden(BROKEN / case / "expected.txt", run_check(root, capsys))


def test_command_line_prints_the_same(tmp_path: Path) -> None:
    """The golden files are what the real command prints (checked for one case)."""
    case = "quote-ambiguous"
    root = make_case(case, tmp_path / case)
    proc = subprocess.run(
        [sys.executable, "-m", "build_tools", "--root", str(root), "check", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    actual = f"{proc.stdout}{proc.stderr}exit status: {proc.returncode}\n"
    assert actual == (BROKEN / case / "expected.txt").read_text(encoding="utf-8")


def test_github_format_points_at_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_case("unknown-key", tmp_path / "case")
    capsys.readouterr()
    assert main(["--root", str(root), "check", "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("::error file=annotations/notes/gazette-2024-05-02-bridge.yml,line=")
