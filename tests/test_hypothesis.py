"""`import --hypothesis` (build_tools/contrib/hypothesis.py) on a hand-made export in Hypothesis's
documented search-API format (tests/fixtures/hypothesis/search-export.json), into a copy of
the real project: exact report, exactly what is written, and what `check` then asks for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from build_tools.pipeline import load_corpus

from .conftest import FIXTURES
from .test_contrib_commands import run

EXPORT = FIXTURES / "hypothesis" / "search-export.json"
NW = "newsweek-2022-02-28-not-allies"
WS = "wsws-2024-02-12-dong-jun-support"

REFUSED = """\
refused annotation 4 (Rs5iTp5sEe6Ab1cD4eF5gH): quote "Wang said" occurs 5 times in source 'newsweek-2022-02-28-not-allies'; say which with a prefix or suffix in its TextQuoteSelector:
        1. p-8: …untries should subscribe to." «Wang said» China wanted to maintain frie…  → prefix: "to.\\" "
        2. p-9: … problems through sanctions," «Wang said». The official added that it w…  → suffix: ". The"
        3. p-10: …nd avoid further escalation," «Wang said». Chinese Citizens in Ukraine …  → suffix: ". Chinese"
        4. p-14: … closed by then. Spokesperson «Wang said» the foreign ministry remained…  → suffix: " the foreign"
        5. p-15: …ad mismanaged the evacuation, «Wang said» the situation on the ground u…  → prefix: "evacuation, "
        hint: or quote a longer passage
refused annotation 5 (Tu7jUq6tEe6Ab1cD4eF5gH): quote "China will never join the sanctions against Moscow" not found in source 'newsweek-2022-02-28-not-allies'; closest passage (60% similar) in p-8: "joining global sanctions against its"
        diff:   [-China will never -]join{+ing+} [-the-]{+global+} sanctions against [-Mo-]{+it+}s[-cow-]
        hint: copy the passage exactly from the source
refused annotation 6 (Vw9kVr7uEe6Ab1cD4eF5gH): a page note: it quotes no passage (no TextQuoteSelector)
refused annotation 7 (Xy1lWs8vEe6Ab1cD4eF5gH): a reply to another annotation, not a note on a passage
refused annotation 8 (Za3mXt9wEe6Ab1cD4eF5gH): no source in annotations/sources.yml has the address https://www.example.com/some-other-article
refused annotation 9 (Bc5nYu0xEe6Ab1cD4eF5gH): a highlight without a comment: there is no body to write
"""


def _notes(root: Path, source: str) -> str:
    return (root / "annotations" / "notes" / f"{source}.yml").read_text(encoding="utf-8")


def test_dry_run_reports_everything_and_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {s: _notes(project, s) for s in (NW, WS)}
    status, out, _ = run(project, capsys, "import", "--hypothesis", str(EXPORT), "--dry-run")
    assert status == 1
    assert out == (
        f"would add note 'newsweek-non-alliance-non-confrontation-and' to annotations/notes/{NW}.yml: p-5"
        " (tags left out, no letters or digits: '!!!')\n"
        f"would add note 'newsweek-wang-said' to annotations/notes/{NW}.yml: p-9 with suffix \". The\"\n"
        f"would add note 'wsws-newly-installed-chinese-defense-minister' to annotations/notes/{WS}.yml: p-1\n"
        + REFUSED
        + "would import 3 of 9 annotations; 6 refused (see each line: they were not written)\n"
    )
    assert {s: _notes(project, s) for s in (NW, WS)} == before


def test_import_appends_the_anchored_notes_with_their_provenance(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _notes(project, NW)
    status, out, _ = run(project, capsys, "import", "--hypothesis", str(EXPORT))
    assert status == 1 and out.endswith("next: python -m build_tools check\n")
    after = _notes(project, NW)
    assert after.startswith(before)
    added = after[len(before) :]
    assert (
        "  - id: newsweek-non-alliance-non-confrontation-and  # from Hypothesis: "
        "https://hypothes.is/a/Kx3fQm2pEe6Ab1cD4eF5gH, acct:reader_one@hypothes.is, "
        "2024-03-04T09:12:31.412018+00:00\n" in added
    )
    notes = {n["id"]: n for n in yaml.safe_load(after)["notes"]}
    assert notes["newsweek-non-alliance-non-confrontation-and"] == {
        "id": "newsweek-non-alliance-non-confrontation-and",
        "quote": "non-alliance, non-confrontation and non-targeting of third countries",
        "body": "The formula goes back to the 2001 Treaty of Good-Neighbourliness, which rules out an alliance.",
        "tags": ["china", "foreign-ministry"],
    }
    assert notes["newsweek-wang-said"]["suffix"] == ". The"
    # Placed exactly where Hypothesis's selectors said, by the same anchoring as every note.
    corpus = load_corpus(project)
    where = {a.annotation: (a.source, a.start.block, a.text) for a in corpus.anchoring.anchors if a.placed}
    assert where["newsweek-wang-said"] == (NW, "p-9", "Wang said")
    assert where["wsws-newly-installed-chinese-defense-minister"] == (
        WS,
        "p-1",
        "newly-installed Chinese Defense Minister Dong Jun",
    )


def test_check_names_what_an_imported_note_still_needs(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As with import --w3c, a person must add citations (or from_texts) before the site builds."""
    run(project, capsys, "import", "--hypothesis", str(EXPORT))
    status, out, err = run(project, capsys, "check", "--quiet")
    assert status == 1
    errors = [ln.split(": error: ", 1)[1] for ln in (out + err).splitlines() if ": error: " in ln]
    assert errors == [
        "note 'newsweek-non-alliance-non-confrontation-and' has no citations",
        "note 'newsweek-wang-said' has no citations",
        "note 'wsws-newly-installed-chinese-defense-minister' has no citations",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rows": "x"}, "the file is not a Hypothesis export"),
        ({"total": 0}, "the file is not a Hypothesis export"),
    ],
)
def test_a_file_that_is_not_an_export(project: Path, tmp_path: Path, capsys, data, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    status, _, err = run(project, capsys, "import", "--hypothesis", str(path))
    assert status == 1 and err.startswith(f"error: {message}")


def test_client_export_format_and_site_pages(project: Path, tmp_path: Path, capsys) -> None:
    """The client's own "Export" wraps the same annotations in {"annotations": [...]}; an annotation of
    this site's page of a source (not the original) lands in that source too."""
    rows = json.loads(EXPORT.read_text(encoding="utf-8"))["rows"]
    row = dict(rows[2], uri="http://127.0.0.1:8000/sources/wsws-2024-02-12-dong-jun-support/")
    row["target"] = [dict(row["target"][0], source=row["uri"])]
    path = tmp_path / "client.json"
    path.write_text(json.dumps({"export_date": "2024-03-08", "annotations": [row]}), encoding="utf-8")
    status, out, _ = run(project, capsys, "import", "--hypothesis", str(path), "--dry-run")
    assert (status, out) == (
        0,
        f"would add note 'wsws-newly-installed-chinese-defense-minister' to annotations/notes/{WS}.yml: p-1\n"
        "would import 1 of 1 annotations\n",
    )
