"""The annotation cache's records of notes and cross-references: built against the ids
bodies may link to, they give what a run without the cache gives after any edit, including
an edit in one file that changes what another file's items resolve to or refer to."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from build_tools import cache
from build_tools.errors import Report
from build_tools.stages import load
from build_tools.stages.load import load_annotations

from .test_contrib_broken import CASES, make_case

ANN = Path("annotations")
GAZETTE = ANN / "notes" / "gazette-2024-05-02-bridge.yml"
COURIER = ANN / "notes" / "courier-2024-05-03-bridge-vote.yml"


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return make_case(None, tmp_path / "base")


def _load(root: Path, *, use_cache: bool = True) -> tuple[object, list]:
    report = Report()
    return load_annotations(root, report, use_cache=use_cache), report.problems


def _entries(root: Path) -> list[Path]:
    return sorted(p for p in (root / cache.CACHE_DIR / "annotations").rglob("*") if p.is_file())


def _replace(root: Path, rel: Path, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("case", CASES)
def test_every_case_loads_the_same_with_and_without_the_cache(case: str, tmp_path: Path) -> None:
    root = make_case(case, tmp_path / case)
    plain = _load(root, use_cache=False)
    first = _load(root)  # every entry made
    second = _load(root)  # every entry a hit
    assert first == plain
    assert second == plain


def _remove_westport(root: Path) -> None:
    _replace(
        root,
        ANN / "glossary" / "places.yml",
        "  - id: westport\n    name: Westport\n    kind: place\n"
        "    description: An invented town on both banks of a river.\n    from_texts: true\n\n",
        "",
    )


def _rename_crossref(root: Path) -> None:
    _replace(root, ANN / "crossrefs" / "bridge.yml", "id: two-halves", "id: two-sides")


def _uncatalogue_courier(root: Path) -> None:
    path = root / ANN / "sources.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("  - id: courier-2024-05-03-bridge-vote")], encoding="utf-8")


def _delete_courier_text(root: Path) -> None:
    (root / "sources" / "courier-2024-05-03-bridge-vote.txt").unlink()


def _invalid_courier_entry(root: Path) -> None:
    _replace(root, ANN / "sources.yml", "format: text", "format: nonsense")


def _duplicate_note_id(root: Path) -> None:
    """The courier's file (read first) takes an id the gazette's unchanged file defines."""
    _replace(root, COURIER, "id: co-critics", "id: gz-mayor")


def _rename_glossary_and_link(root: Path) -> None:
    _replace(root, ANN / "glossary" / "places.yml", "id: westport", "id: westport-town")
    _replace(root, GAZETTE, "(glossary:westport)", "(glossary:westport-town)")


EDITS: dict[str, tuple[Callable[[Path], None], str | None]] = {
    "glossary entry a body links to removed": (_remove_westport, "body-dangling-link"),
    "cross-reference a body links to renamed": (_rename_crossref, "body-dangling-link"),
    "source removed from the catalog": (_uncatalogue_courier, "unknown-source"),
    "source text deleted": (_delete_courier_text, "source-file-missing"),
    "source entry invalid": (_invalid_courier_entry, None),
    "note id taken by another file": (_duplicate_note_id, "duplicate-id"),
    "glossary id and its link renamed together": (_rename_glossary_and_link, None),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edit_elsewhere_gives_what_a_cold_run_gives(name: str, base: Path) -> None:
    edit, code = EDITS[name]
    _load(base)
    before = _load(base)  # warm: every file a hit
    edit(base)
    warm = _load(base)
    again = _load(base)
    plain = _load(base, use_cache=False)
    assert warm == plain
    assert again == plain
    assert warm != before
    if code is not None:
        assert code in [p.code for p in plain[1]], plain[1]


def test_records_are_rebuilt_once_when_the_linkable_ids_change(base: Path) -> None:
    _load(base)
    entries = _entries(base)
    _remove_westport(base)
    edited = _load(base)
    after = _entries(base)
    assert len(after) > len(entries)  # the glossary file's new entry, and records built again
    assert _load(base) == edited
    assert _entries(base) == after  # every file a hit now


def test_a_warm_load_does_not_unpickle_the_parsed_files(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = _load(base, use_cache=False)
    _load(base)

    def refused(self: load._Planned, *args: object) -> object:
        raise AssertionError(f"{self.kind} file parsed again although its records were cached")

    monkeypatch.setattr(load._Planned, "parsed", refused)
    assert _load(base) == plain


def test_a_file_that_changes_while_it_is_read_is_not_stored(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "_still", lambda path, raw: False)
    assert _load(base) == _load(base, use_cache=False)
    assert _entries(base) == []


def test_a_damaged_parsed_file_is_parsed_again(base: Path) -> None:
    """Records built again (the linkable ids changed) need the parsed file: when its entry
    is damaged, the file is read again, with the same result as without the cache."""
    _load(base)
    store = cache.Cache(base, "annotations")
    parsed = [p for p in _entries(base) if isinstance(store.get(p.name), load._File)]
    assert len(parsed) == 3  # two notes files, one cross-references file
    for path in parsed:
        path.write_bytes(path.read_bytes()[:-5] + b"xxxxx")
    _remove_westport(base)
    assert _load(base) == _load(base, use_cache=False)
    assert all(isinstance(store.get(p.name), load._File) for p in parsed)  # stored again
    assert _load(base) == _load(base, use_cache=False)
