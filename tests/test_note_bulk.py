"""`note add --from-file`: many notes in one run, all checked before any is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_contrib_broken import make_case
from .test_contrib_commands import CO, GZ, check, run


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return make_case(None, tmp_path / "base")


def _snapshot(root: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((root / "annotations" / "notes").glob("*.yml"))}


def test_bulk_yaml_adds_every_note_and_check_passes(base: Path, tmp_path: Path, capsys) -> None:
    notes = tmp_path / "notes.yml"
    notes.write_text(
        "notes:\n"
        f"  - source: {GZ}\n"
        "    quote: borrow half of the cost\n"
        "    body: 'Half: 6 million euros.'\n"
        "    from_texts: true\n"
        f"  - source: {GZ}\n"
        "    quote: borrow half of the cost\n"
        "    id: gazette-half-again\n"
        "    body: The same passage, a second note.\n"
        "    from_texts: true\n",
        encoding="utf-8",
    )
    status, out, err = run(base, capsys, "note", "add", "--from-file", str(notes))
    assert (status, err) == (0, "")
    assert out == (
        f"added 2 notes to 1 files:\n  annotations/notes/{GZ}.yml: 2\n  - then run: python -m build_tools check\n"
    )
    text = (base / f"annotations/notes/{GZ}.yml").read_text(encoding="utf-8")
    assert "  - id: gazette-borrow-half-of-the-cost\n" in text and "  - id: gazette-half-again\n" in text
    assert check(base, capsys) == (0, "check: 0 errors, 0 warnings\n")


def test_bulk_csv_is_all_or_nothing_with_file_and_line(base: Path, tmp_path: Path, capsys) -> None:
    before = _snapshot(base)
    notes = tmp_path / "notes.csv"
    notes.write_text(
        "source,quote,body,from_texts\n"
        f"{GZ},borrow half of the cost,Half.,true\n"
        f"{GZ},a sentence that is not there,x,true\n"
        f"{CO},the cost was too high,x,true\n"
        "nosuch-source,x,x,true\n",
        encoding="utf-8",
    )
    status, out, err = run(base, capsys, "note", "add", "--from-file", str(notes))
    assert status == 1 and out == ""
    assert err.startswith(f"error: 3 of 4 notes in {notes} cannot be added; nothing was written:\n{notes}:3: ")
    assert f"\n{notes}:4: " in err and f"\n{notes}:5: unknown source 'nosuch-source'" in err
    assert _snapshot(base) == before


def test_bulk_refuses_unknown_fields_and_mixed_arguments(base: Path, tmp_path: Path, capsys) -> None:
    notes = tmp_path / "notes.yml"
    notes.write_text(f"- source: {GZ}\n  quote: borrow half of the cost\n  bdy: x\n", encoding="utf-8")
    status, _, err = run(base, capsys, "note", "add", "--from-file", str(notes))
    assert status == 1 and f"{notes}:1: unknown field 'bdy'; did you mean 'body'?" in err
    status, _, err = run(base, capsys, "note", "add", GZ, "x", "--from-file", str(notes))
    assert (status, err) == (1, 'error: give either SOURCE "quote" or --from-file FILE, not both\n')
    status, _, err = run(base, capsys, "note", "add", GZ)
    assert (status, err) == (1, 'error: note add needs SOURCE and "quote" (or --from-file FILE)\n')


def test_bulk_refuses_what_would_crash_the_yaml_composer(base: Path, tmp_path: Path, capsys) -> None:
    """libyaml's composer recurses in C: 100,000 nested lists end the process (a segfault).
    The file is refused before it is composed, with the line and column, and nothing is written."""
    notes = tmp_path / "notes.yml"
    notes.write_text("- " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    before = _snapshot(base)
    status, _, err = run(base, capsys, "note", "add", "--from-file", str(notes))
    assert status == 1
    assert err.startswith(f"error: fix this file first:\n{notes}:1:")
    assert "nested" in err
    assert _snapshot(base) == before


def test_note_add_reads_the_catalog_from_the_build_s_cache(base: Path, capsys, monkeypatch) -> None:
    """`note add` parses and validates a catalog or outlets file only if the annotation cache
    (the build's) does not have it: the second call reads none."""
    from build_tools.stages import load

    parsed: list[str] = []
    real = load._load

    def counting(kind, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        parsed.append(kind)
        return real(kind, path, *args, **kwargs)

    monkeypatch.setattr(load, "_load", counting)
    assert run(base, capsys, "note", "add", GZ, "borrow half of the cost", "--from-texts")[0] == 0
    assert {"sources", "outlets"} <= set(parsed)  # no cache yet: read, and stored
    parsed.clear()
    assert run(base, capsys, "note", "add", CO, "after four hours of debate", "--from-texts")[0] == 0
    assert "sources" not in parsed and "outlets" not in parsed
    parsed.clear()
    assert run(base, capsys, "check")[0] == 1  # the two notes' bodies are still TODO
    assert "sources" not in parsed  # the build's own load takes the same entries
