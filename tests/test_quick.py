"""The quick run (build_tools.quick): after an edit to notes alone it writes what a full run
writes, and anything else — or any doubt — goes through the full pipeline."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from build_tools import cache, paths, quick
from build_tools.errors import BuildFailed
from build_tools.pipeline import RunState, run_stages
from build_tools.quick import Record

NOTES = "annotations/notes/newsweek-2022-02-28-not-allies.yml"
OTHER_NOTES = "annotations/notes/wsws-2024-02-12-dong-jun-support.yml"
PAGE = "sources/newsweek-2022-02-28-not-allies.md"

pytestmark = pytest.mark.quick_run


def _run(root: Path, **options: object) -> tuple[RunState, list[str]]:
    lines: list[str] = []
    state = run_stages(RunState(root, say=lines.append, **options), until="locks")  # type: ignore[arg-type]
    return state, lines


def _generated(root: Path) -> dict[str, bytes]:
    docs = root / "docs"
    return {
        p.relative_to(docs).as_posix(): p.read_bytes()
        for folder in paths.GENERATED_DIRS
        for p in sorted((docs / folder).rglob("*"))
        if p.is_file()
    }


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    st = path.stat()  # a later time than any before, whatever the clock's grain
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def recorded(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project after a full run (its lock files are up to date), with the record in place.

    Files are taken by their times from the moment they are written (``RACY_NS`` 0): this
    project's files are all a few seconds old at most, and would otherwise be read again or
    taken as changed by each run. The tests with "racy" in their names check that window."""
    monkeypatch.setattr(quick, "RACY_NS", 0)
    state, _ = _run(project)
    assert "quick" not in state.timings
    assert quick.read_record(project) is not None, "a clean run left no record"
    return project


def _full_again(root: Path) -> list[str]:
    """A full run over what the quick run left: it must find nothing to write."""
    quick.forget(root)
    state, lines = _run(root)
    assert "quick" not in state.timings
    assert state.written is not None
    return lines


EDITS = {
    "body": lambda root: _edit(root, NOTES, "three weeks before the invasion", "three weeks before Russia's invasion"),
    "citation": lambda root: _edit(
        root,
        NOTES,
        "        accessed: 2026-11-22\n",
        "        accessed: 2026-11-22\n"
        "      - title: A second source (Example Review, 2022)\n"
        "        url: https://www.example.org/second\n"
        "        accessed: 2026-12-01\n",
    ),
    "kind": lambda root: _edit(root, NOTES, "  - id: nw-no-limits\n", "  - id: nw-no-limits\n    kind: correction\n"),
    "lines moved": lambda root: _edit(root, NOTES, "notes:\n", "# a comment that moves every line below it\nnotes:\n"),
    "quote": lambda root: _edit(
        root, NOTES, "quote: '\"no limits\" partnership'", "quote: '\"no limits\" partnership with Russia'"
    ),
    "two texts": lambda root: (
        EDITS["body"](root),
        _edit(root, OTHER_NOTES, "body: >-\n", "body: >-\n      Edited.\n"),
    ),
}


@pytest.mark.parametrize("edit", EDITS)
def test_a_quick_run_writes_what_a_full_run_writes(edit: str, recorded: Path, tmp_path: Path) -> None:
    before = _generated(recorded)
    EDITS[edit](recorded)
    state, lines = _run(recorded)
    assert list(state.timings) == ["quick"], lines
    assert lines[0].startswith("quick run: only notes changed since the last run (annotations/notes/"), lines
    after = _generated(recorded)
    changed = {rel for rel in after if after[rel] != before.get(rel)}
    assert set(after) == set(before)
    assert (PAGE in changed) == (edit != "lines moved"), "a page shows no line number of a note"
    assert changed <= {PAGE, "sources/wsws-2024-02-12-dong-jun-support.md"}
    # the same bytes as a run without any cache, on a copy
    fresh = tmp_path / "fresh"
    for name in ("sources", "annotations", "docs", "overrides"):
        shutil.copytree(recorded / name, fresh / name)
    shutil.copy(recorded / "mkdocs.yml", fresh / "mkdocs.yml")
    for folder in paths.GENERATED_DIRS:
        shutil.rmtree(fresh / "docs" / folder, ignore_errors=True)
    _run(fresh, use_cache=False)
    assert _generated(fresh) == after
    assert state.written is not None and state.written.written == len(changed)
    # and a full run with the cache over it writes nothing, its render cache holding the page,
    # and leaves the record the quick run left (but for the generated files' times)
    left = quick.read_record(recorded)
    lines = _full_again(recorded)
    assert any(line.startswith("wrote 0 pages under docs/") for line in lines), lines
    assert any(line.startswith("render cache:") and " 0 rendered" in line for line in lines), lines
    again = quick.read_record(recorded)
    assert left is not None and again is not None
    for name in Record.__slots__:
        if name not in ("racy", "generated"):
            assert getattr(left, name) == getattr(again, name), name
    assert left.generated.keys() == again.generated.keys()


def test_full_runs_every_stage(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from build_tools.cli import main

    EDITS["body"](recorded)
    assert main(["--root", str(recorded), "preprocess", "--full"]) == 0
    assert "render cache:" in capsys.readouterr().err
    assert main(["--root", str(recorded), "preprocess"]) == 0  # --full left a record
    assert capsys.readouterr().err.startswith("  nothing changed since the last run")


def test_nothing_changed_reads_nothing(recorded: Path) -> None:
    before = {rel: (recorded / "docs" / rel).stat().st_mtime_ns for rel in _generated(recorded)}
    state, lines = _run(recorded)
    assert list(state.timings) == ["quick"]
    assert lines[0].startswith("nothing changed since the last run: docs/ is up to date (")
    assert {rel: (recorded / "docs" / rel).stat().st_mtime_ns for rel in before} == before


def test_quick_runs_follow_each_other(recorded: Path) -> None:
    """The record a quick run leaves allows the next one, and the pages stay right."""
    _edit(recorded, NOTES, "three weeks before", "three weeks (zeroth) before")
    for last, word in [("zeroth", "first"), ("first", "second"), ("second", "third")]:
        _edit(recorded, NOTES, f"({last})", f"({word})")
        state, lines = _run(recorded)
        assert list(state.timings) == ["quick"], lines
        assert f"three weeks ({word}) before" in (recorded / "docs" / PAGE).read_text(encoding="utf-8")
    assert any(line.startswith("wrote 0 pages") for line in _full_again(recorded))


DECLINED = {
    "a quote placed only approximately": (
        NOTES,
        "quote: '\"no limits\" partnership'",
        "quote: '\"no limits\" partnerships with Russia'",
    ),
    "an id": (NOTES, "id: nw-no-limits", "id: nw-no-limits-renamed"),
    "the catalog": ("annotations/sources.yml", "\n", "\n# a comment\n"),
    "the glossary": ("annotations/glossary/people.yml", "\n", "\n# a comment\n"),
    "a cross-reference": ("annotations/crossrefs/ukraine-war.yml", "\n", "\n# a comment\n"),
    "a source text": ("sources/newsweek-2022-02-28-not-allies.txt", "", ""),
    "a link to another page's anchor": (
        NOTES,
        "three weeks before the invasion",
        "three weeks before the invasion ([see](source:wsws-2024-02-12-dong-jun-support#p-1))",
    ),
}


@pytest.mark.parametrize("case", DECLINED)
def test_other_edits_take_the_full_run(case: str, recorded: Path) -> None:
    rel, old, new = DECLINED[case]
    if old or new:
        _edit(recorded, rel, old, new)
    else:  # the same bytes, a new time: a file that is not a notes file changed
        st = (recorded / rel).stat()
        os.utime(recorded / rel, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    state, lines = _run(recorded)
    assert "quick" not in state.timings and "annotations" in state.timings, lines
    assert any(line.startswith("wrote ") for line in lines)
    fuzzy = case == "a quote placed only approximately"
    assert [p.code for p in state.report.problems] == (["quote-fuzzy"] if fuzzy else []), "the full run's report"


def test_notes_in_another_order_take_the_full_run(recorded: Path) -> None:
    path = recorded / NOTES
    head, *notes = path.read_text(encoding="utf-8").split("\n  - id: ")
    notes[0], notes[1] = notes[1].rstrip("\n") + "\n\n", notes[0].rstrip("\n") + "\n\n"
    path.write_text("\n  - id: ".join([head, *notes]).rstrip("\n") + "\n", encoding="utf-8")
    state, lines = _run(recorded)
    assert "quick" not in state.timings and "annotations" in state.timings, lines
    assert not state.report.problems


def test_a_new_notes_file_takes_the_full_run(recorded: Path) -> None:
    shutil.copy(recorded / NOTES, recorded / "annotations/notes/zz-copy.yml")
    with pytest.raises(BuildFailed) as failed:  # every id is now defined twice
        _run(recorded)
    assert any(p.code == "duplicate-id" for p in failed.value.report.problems)


def test_a_problem_in_the_edit_is_reported_by_the_full_run(recorded: Path) -> None:
    before = _generated(recorded)
    _edit(
        recorded, NOTES, "three weeks before the invasion", "three weeks before [the invasion](glossary:no-such-entry)"
    )
    with pytest.raises(BuildFailed) as failed:
        _run(recorded)
    assert [p.code for p in failed.value.report.errors] == ["body-dangling-link"]
    assert _generated(recorded) == before, "a failed run wrote something"
    assert quick.read_record(recorded) is None, "the record outlived a run that failed"


def test_a_page_edited_by_hand_is_written_again(recorded: Path) -> None:
    page = recorded / "docs" / "sources/wsws-2023-03-23-xi-putin-moscow.md"
    right = page.read_bytes()
    page.write_bytes(right + b"\nedited by hand\n")
    EDITS["body"](recorded)
    state, _ = _run(recorded)
    assert "quick" not in state.timings
    assert page.read_bytes() == right


def test_a_stray_generated_file_takes_the_full_run(recorded: Path) -> None:
    stray = recorded / "docs" / "sources" / "stray.md"
    stray.write_text("not generated\n", encoding="utf-8")
    state, _ = _run(recorded)
    assert "quick" not in state.timings
    assert not stray.exists()


def test_a_damaged_record_is_not_trusted(recorded: Path) -> None:
    path = Path(cache.Cache(recorded, "run")._path(quick._name()))
    path.write_bytes(path.read_bytes()[:-10])
    EDITS["body"](recorded)
    state, _ = _run(recorded)
    assert "quick" not in state.timings
    assert quick.read_record(recorded) is not None, "the full run did not record itself again"


def test_another_site_url_takes_the_full_run(recorded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITE_URL", "https://example.org/reading/")
    state, _ = _run(recorded)
    assert "quick" not in state.timings


def test_a_run_with_warnings_leaves_no_record(recorded: Path) -> None:
    _edit(recorded, NOTES, "# yaml-language-server: $schema=../schema/notes.schema.json\n", "")
    state, _ = _run(recorded)
    assert [p.code for p in state.report.problems] == ["schema-comment"]
    assert quick.read_record(recorded) is None
    EDITS["body"](recorded)
    state, _ = _run(recorded)
    assert "quick" not in state.timings, "a quick run would not show the warning"


def test_a_racy_file_counts_as_changed(recorded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its times may not change with a second edit in the same clock tick: a file changed
    within RACY_NS of the scan is taken as changed by the next run whatever its times say."""
    second = 10**9
    seen = quick.Scan(10 * second, {"a.yml": (1, 5 * second, 5 * second, 1), "b.yml": (1, 5 * second, 9 * second, 2)})
    monkeypatch.setattr(quick, "RACY_NS", 2 * second)
    assert seen.racy() == frozenset({"b.yml"})
    rec = quick.read_record(recorded)
    assert rec is not None and rec.racy == frozenset()
    quick._store(recorded, dataclasses.replace(rec, racy=frozenset({"annotations/sources.yml"})))
    monkeypatch.setattr(quick, "RACY_NS", 0)
    state, _ = _run(recorded)  # nothing changed, but the catalog was racy when recorded
    assert "quick" not in state.timings
    state, _ = _run(recorded)
    assert list(state.timings) == ["quick"]


def test_a_racy_notes_file_is_compared_by_its_bytes(recorded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A notes file changed just before the last run began is read again: unchanged if its
    bytes are those that run read, changed if not, even where its times and size say nothing
    changed (a second edit in the same clock tick, simulated here)."""
    rec = quick.read_record(recorded)
    assert rec is not None and NOTES in rec.names
    quick._store(recorded, dataclasses.replace(rec, racy=frozenset({NOTES})))
    state, lines = _run(recorded)
    assert lines[0].startswith("nothing changed since the last run"), lines
    again = quick.read_record(recorded)
    assert again is not None and again.racy == frozenset(), "read again on every run"
    quick._store(recorded, dataclasses.replace(rec, racy=frozenset({NOTES})))
    stat = rec.inputs[NOTES]
    text = (recorded / NOTES).read_text(encoding="utf-8")
    (recorded / NOTES).write_text(text.replace("three weeks", "three-weeks", 1), encoding="utf-8")
    real_scan = quick.scan

    def same_times(root: Path) -> quick.Scan:
        seen = real_scan(root)
        seen.files[NOTES] = stat  # as if the edit had left its size and times as they were
        return seen

    monkeypatch.setattr(quick, "scan", same_times)
    state, lines = _run(recorded)
    assert list(state.timings) == ["quick"] and lines[0].startswith("quick run: "), lines
    assert "three-weeks" in (recorded / "docs" / PAGE).read_text(encoding="utf-8")


def test_check_after_an_edit_to_notes_checks_those_files(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from build_tools.cli import main

    EDITS["body"](recorded)
    assert main(["--root", str(recorded), "check"]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"  quick check: only notes changed since the last preprocess ({NOTES})"), err
    assert err.endswith("check: 0 errors, 0 warnings\n"), err
    assert main(["--root", str(recorded), "check", "--format", "json"]) == 0
    quick_json = capsys.readouterr().out
    assert main(["--root", str(recorded), "check", "--full", "--format", "json"]) == 0
    assert capsys.readouterr().out == quick_json
    # an error in the edit: the whole check runs and reports it, as without a record
    _edit(recorded, NOTES, "three weeks before", "three weeks before [it](glossary:no-such-entry)")
    assert main(["--root", str(recorded), "check"]) == 1
    out, err = capsys.readouterr()
    assert "quick check" not in err and err.endswith("check: 1 error, 0 warnings\n"), err
    assert out.startswith(f"{NOTES}:7: error: body: link to unknown glossary 'no-such-entry'\n"), out
    # check leaves the record as it was: the next preprocess still renders the page
    _edit(recorded, NOTES, " [it](glossary:no-such-entry)", "")
    state, lines = _run(recorded)
    assert list(state.timings) == ["quick"], lines


def test_check_without_a_record_checks_everything(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from build_tools.cli import main

    quick.forget(recorded)
    assert main(["--root", str(recorded), "check"]) == 0
    assert "quick check" not in capsys.readouterr().err
