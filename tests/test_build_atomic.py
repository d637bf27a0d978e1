"""All or nothing: a build that fails anywhere changes neither docs/ nor site/.

Before, ``build`` wrote docs/ before MkDocs ran, so every MkDocs-stage failure left the
new pages in docs/ while the command said "nothing was written"; a kill between the two
renames of the site swap left no site/ at all; killed builds' temporary folders were never
removed; and two builds at once shared a temporary file name.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from build_tools.cli import main
from build_tools.stages.publish import builds_dir

from .conftest import ROOT


def build(root: Path, capsys=None) -> int:
    return main(["--root", str(root), "build", "--quiet"])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_failing_mkdocs_changes_nothing(project, capsys):
    assert build(project) == 0
    site = project / "site"
    before_docs, before_site = snapshot(project / "docs"), snapshot(site)
    target = site.resolve()
    # check passes, MkDocs --strict fails: a hand-written page links to a page that does not exist.
    (project / "docs" / "broken.md").write_text("# Broken\n\n[x](missing.md)\n", encoding="utf-8")
    notes = project / "annotations" / "notes" / "newsweek-2022-02-28-not-allies.yml"
    notes.write_text(notes.read_text(encoding="utf-8").replace("Wang Wenbin", "Wang  Wenbin", 1), encoding="utf-8")
    capsys.readouterr()
    assert build(project) == 1
    err = capsys.readouterr().err
    assert "error: mkdocs build --strict failed; docs/ and site/ are unchanged" in err
    assert "missing.md" in err
    assert "build: failed with 1 error, 0 warnings; nothing was written" in err
    (project / "docs" / "broken.md").unlink()
    assert snapshot(project / "docs") == before_docs
    assert site.resolve() == target and snapshot(site) == before_site
    assert not list(project.glob(".build-*"))
    assert [p.name for p in builds_dir(site).iterdir()] == [target.name]


def test_site_is_a_link_flipped_in_one_step_and_leftovers_are_removed(project):
    assert build(project) == 0
    site = project / "site"
    assert site.is_symlink() and (site / "index.html").is_file()
    first = site.resolve()
    # what a killed build leaves behind: a stage, an unpublished build, an old-style temp folder
    (project / ".build-killed" / "docs").mkdir(parents=True)
    (builds_dir(site) / "killed-build").mkdir()
    (project / ".site-abc123").mkdir()
    assert build(project) == 0
    assert site.resolve() != first and (site / "index.html").is_file()
    assert not (project / ".build-killed").exists() and not (project / ".site-abc123").exists()
    assert [p.name for p in builds_dir(site).iterdir()] == [site.resolve().name]


def test_an_old_real_site_folder_is_replaced_by_the_link(project):
    (project / "site").mkdir()
    (project / "site" / "stale.html").write_text("old", encoding="utf-8")
    assert build(project) == 0
    assert (project / "site").is_symlink() and not (project / "site" / "stale.html").exists()


def test_two_builds_at_once_are_serialised(project):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "build_tools", "--root", str(project), "build"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errs = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    assert (project / "site" / "index.html").is_file()
    assert len(list(builds_dir(project / "site").iterdir())) == 1


def test_a_full_disk_is_a_clear_error(project, monkeypatch, capsys):
    import errno

    import build_tools.stages.publish as publish

    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(publish, "_write", full)
    assert build(project) == 1
    err = capsys.readouterr().err
    assert "error: cannot write the build: No space left on device (" in err
    assert "; docs/ and site/ are unchanged" in err and "Traceback" not in err
    assert not (project / "site").exists() and not (project / "docs" / "sources").exists()
