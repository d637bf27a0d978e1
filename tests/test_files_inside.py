"""Files stay inside the project: only regular files under sources/ and annotations/ are read.

A symbolic link committed under sources/ used to publish any file of the build machine
(``sources/evil.txt -> /etc/passwd``), and ``check`` quoted a file that failed its checksum
in its "closest passage" messages (on CI, into the public log). These are the fault tests.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from build_tools.cli import main

from .test_contrib_broken import make_case, run_check

SECRET = "TOP-SECRET-7f3a build machine credentials"
COURIER = "sources/courier-2024-05-03-bridge-vote.txt"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(f"Critics said the cost was too high.\n{SECRET}\n", encoding="utf-8")
    return secret


def repoint_catalog(root: Path, sha: str) -> None:
    """Give the courier source the sha256 ``sha`` in the catalog (so only the link is wrong)."""
    catalog = root / "annotations" / "sources.yml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(
        text.replace("a2d01de7876b0dc568c80a1ebcc1ef882dffbdbe741bf0b6639db8452e354c41", sha), encoding="utf-8"
    )


def test_a_symlinked_source_is_refused_unread(tmp_path, outside, capsys):
    root = make_case(None, tmp_path / "p")
    (root / COURIER).unlink()
    os.symlink(outside, root / COURIER)
    repoint_catalog(root, hashlib.sha256(outside.read_bytes()).hexdigest())
    out = run_check(root, capsys)
    assert out.startswith(
        "annotations/sources.yml:16:11: error: source file 'sources/courier-2024-05-03-bridge-vote.txt' "
        "is a symbolic link; sources must be regular files under sources/\n"
    ), out
    assert SECRET not in out and "exit status: 1" in out


def test_a_symlinked_sources_folder_is_refused(tmp_path, outside, capsys):
    root = make_case(None, tmp_path / "p")
    real = tmp_path / "elsewhere"
    (root / "sources").rename(real)
    os.symlink(real, root / "sources")
    out = run_check(root, capsys)
    assert "is in sources/, which is a symbolic link; sources must be regular files under sources/" in out
    assert "exit status: 1" in out


def test_a_symlinked_or_folder_annotation_file_is_an_error_not_a_traceback(tmp_path, outside, capsys):
    root = make_case(None, tmp_path / "p")
    os.symlink(outside, root / "annotations" / "notes" / "evil.yml")
    (root / "annotations" / "notes" / "folder.yml").mkdir()
    out = run_check(root, capsys)
    assert (
        "annotations/notes/evil.yml: error: evil.yml is a symbolic link; annotation files must be regular "
        "files inside annotations/\n    hint: replace it with the file itself (git does not follow links), or remove it\n"
    ) in out
    assert "annotations/notes/folder.yml: error: folder.yml is a folder; annotation files must be regular files" in out
    assert SECRET not in out and "Traceback" not in out and "exit status: 1" in out


def test_a_source_that_failed_its_checksum_is_never_quoted(tmp_path, capsys):
    root = make_case(None, tmp_path / "p")
    (root / COURIER).write_text(f"{SECRET}\nCritics said the costs were too high.\n", encoding="utf-8")
    out = run_check(root, capsys)
    assert "has changed: its sha256 is" in out
    assert SECRET not in out and "closest passage" not in out and "exit status: 1" in out


def test_the_drift_report_still_reads_a_corrected_copy(tmp_path, capsys):
    """The one place a changed source is read on purpose: it compares it with the old one."""
    from build_tools.pipeline import load_corpus

    root = make_case(None, tmp_path / "p")
    (root / COURIER).write_text(
        (root / COURIER).read_text(encoding="utf-8") + "\nA corrected line.\n", encoding="utf-8"
    )
    assert "courier-2024-05-03-bridge-vote" not in load_corpus(root).docs
    assert "courier-2024-05-03-bridge-vote" in load_corpus(root, verify_sources=False).docs


def test_build_refuses_a_symlinked_source(tmp_path, outside, capsys):
    root = make_case(None, tmp_path / "p")
    (root / COURIER).unlink()
    os.symlink(outside, root / COURIER)
    assert main(["--root", str(root), "preprocess", "--quiet"]) == 1
    assert not (root / "docs" / "sources").exists()
    assert SECRET not in capsys.readouterr().err


def test_links_to_blocks_and_passages_that_exist_are_accepted(tmp_path, capsys):
    """The other half of `body-dangling-anchor`: a block id, a note's and a cross-reference's
    passage and a section of the page all pass."""
    root = make_case(None, tmp_path / "p")
    notes = root / "annotations" / "notes" / "courier-2024-05-03-bridge-vote.yml"
    text = notes.read_text(encoding="utf-8")
    links = ", ".join(
        f"[{a}](source:gazette-2024-05-02-bridge#{a})" for a in ("p-2", "a-gz-cost", "x-two-halves-1", "notes")
    )
    notes.write_text(
        text.rstrip("\n") + f"\n  - id: co-links\n    quote: the cost was too high\n"
        f'    prefix: "Critics said "\n    from_texts: true\n    body: "See {links}."\n',
        encoding="utf-8",
    )
    out = run_check(root, capsys)
    assert out == "check: 0 errors, 0 warnings\nexit status: 0\n", out
