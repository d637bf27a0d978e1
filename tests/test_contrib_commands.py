"""The contributor commands end to end: note add, crossref add, source add, the drift
report, and W3C export/import — on the small base project of the broken-annotation
tests (exact output) and on a throw-away copy of the real project (content-independent).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from build_tools.cli import build_parser, main
from build_tools.pipeline import load_corpus

from .conftest import FIXTURES, ROOT
from .test_contrib_broken import make_case

GOLDEN = FIXTURES / "contrib"
GZ = "gazette-2024-05-02-bridge"
CO = "courier-2024-05-03-bridge-vote"


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """The base project of tests/fixtures/broken, with the real schemas."""
    return make_case(None, tmp_path / "base")


def run(root: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["--root", str(root), *argv])
    out, err = capsys.readouterr()
    return status, out, err


def check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status, out, err = run(root, capsys, "check", "--quiet")
    return status, out + err


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.org", "-c", "user.name=Test", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def commit_all(root: Path) -> None:
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "snapshot")


# --------------------------------------------------------------------------- note add


def test_note_add_appends_without_touching_the_rest(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = base / f"annotations/notes/{GZ}.yml"
    before = path.read_text(encoding="utf-8").replace("notes:\n", "notes:  # keep this comment\n")
    path.write_text(before, encoding="utf-8")
    status, out, err = run(
        base, capsys, "note", "add", GZ, "borrow half of the cost", "--body", "Half: 6 million euros.", "--from-texts"
    )
    assert (status, err) == (0, "")
    assert out == (
        "added note 'gazette-borrow-half-of-the-cost': appended to "
        f"annotations/notes/{GZ}.yml at line 20\n"
        f"  {GZ} p-3: borrow half of the cost\n"
        "  - then run: python -m build_tools check\n"
    )
    after = path.read_text(encoding="utf-8")
    assert after == before + (
        "\n"
        "  - id: gazette-borrow-half-of-the-cost\n"
        "    quote: borrow half of the cost\n"
        "    from_texts: true\n"
        "    body: 'Half: 6 million euros.'\n"
    )
    assert check(base, capsys) == (0, "check: 0 errors, 0 warnings\n")


def test_note_add_ambiguous_quote_lists_every_place(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(base, capsys, "note", "add", CO, "the cost was too high", "--body", "x")
    assert (status, out) == (1, "")
    assert err == (
        "error: quote \"the cost was too high\" occurs 2 times in source 'courier-2024-05-03-bridge-vote'; "
        "say which with --occurrence N:\n"
        '    1. p-3: …es of the town". Critics said «the cost was too high». They said the cost was too h…  '
        '→ suffix: ". They"\n'
        "    2. p-3: … cost was too high. They said «the cost was too high» for a town of its size. The v…  "
        '→ suffix: " for"\n'
        "    hint: or quote a longer passage\n"
    )


@pytest.mark.parametrize(
    ("occurrence", "shown", "written"),
    [("1", 'suffix ". They"', "suffix: . They"), ("2", 'suffix " for"', "suffix: ' for'")],
)
def test_note_add_occurrence_writes_the_shortest_context(
    base: Path, capsys: pytest.CaptureFixture[str], occurrence: str, shown: str, written: str
) -> None:
    args = ["note", "add", CO, "the cost was too high", "--occurrence", occurrence, "--id", "pick"]
    status, out, _ = run(base, capsys, *args, "--body", "Which one.", "--from-texts")
    assert status == 0
    assert f"(with {shown} to single it out)" in out
    text = (base / f"annotations/notes/{CO}.yml").read_text(encoding="utf-8")
    assert text.endswith(
        f"  - id: pick\n    quote: the cost was too high\n    {written}\n    from_texts: true\n    body: Which one.\n"
    )
    corpus = load_corpus(base)
    placed = {a.annotation: a for a in corpus.anchoring.anchors}
    assert placed["pick"].status == "exact"
    assert (placed["pick"].start == placed["co-critics"].start) == (occurrence == "1")
    assert not corpus.report.problems


def test_note_add_refuses_a_quote_not_in_the_source(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (base / f"annotations/notes/{CO}.yml").read_bytes()
    status, out, err = run(base, capsys, "note", "add", CO, "the cost was far too high")
    assert (status, out) == (1, "")
    assert err == (
        'error: quote "the cost was far too high" matches approximately in 2 places about equally well in '
        "source 'courier-2024-05-03-bridge-vote'\n"
        '    p-3: …es of the town". Critics said «the cost was too high». They said the cost was too h…  (91% similar)\n'
        "    p-3: … cost was too high. They said «the cost was too high» for a town of its size. The v…  (91% similar)\n"
        "    hint: copy the passage exactly from the source\n"
    )
    assert (base / f"annotations/notes/{CO}.yml").read_bytes() == before


def test_note_add_refuses_a_fuzzy_quote(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(base, capsys, "note", "add", GZ, "The bridge will cost 12 milion euros.")
    assert status == 1
    assert err == (
        "error: quote \"The bridge will cost 12 milion euros.\" is not in source 'gazette-2024-05-02-bridge' as "
        'written; closest passage (99% similar) in p-3: "The bridge will cost 12 million euros."\n'
        "    diff:   The bridge will cost 12 mil{+l+}ion euros.\n"
        "    hint: copy the passage exactly from the source\n"
    )


def test_note_add_unknown_source_did_you_mean(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(base, capsys, "note", "add", "courier-2024-05-03-bridge-vte", "x")
    assert status == 1
    assert err == (
        "error: unknown source 'courier-2024-05-03-bridge-vte'; did you mean 'courier-2024-05-03-bridge-vote'?\n"
        "    hint: use an id from annotations/sources.yml (python -m build_tools check lists its problems)\n"
    )


def test_note_add_placeholders_fail_check(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (base / f"annotations/notes/{CO}.yml").unlink()
    status, out, _ = run(base, capsys, "note", "add", CO, "four hours of debate", "--kind", "correction")
    assert status == 0
    assert out.startswith(f"added note 'courier-four-hours-of-debate': created annotations/notes/{CO}.yml at line 4\n")
    assert out.endswith(
        "next:\n"
        "  - write the body (it starts with TODO:)\n"
        "  - add citations: (see the commented template), or from_texts: true if the note cites nothing\n"
        "  - then run: python -m build_tools check\n"
    )
    assert (base / f"annotations/notes/{CO}.yml").read_text(encoding="utf-8") == (
        "# yaml-language-server: $schema=../schema/notes.schema.json\n"
        f"source: {CO}\n"
        "notes:\n"
        "  - id: courier-four-hours-of-debate\n"
        "    kind: correction\n"
        "    quote: four hours of debate\n"
        "    body: 'TODO: write the note: a few neutral sentences; cite a public source for every fact not in the "
        "texts.'\n"
        "    # citations:            # or, if it explains only from the texts: from_texts: true\n"
        "    #   - title: Title of the page or document (Publisher, date)\n"
        "    #     url: https://…\n"
        "    #     accessed: YYYY-MM-DD\n"
    )
    assert check(base, capsys) == (
        1,
        f"annotations/notes/{CO}.yml:4:5: error: note 'courier-four-hours-of-debate' has no citations\n"
        "    hint: add `citations:` (title, url, accessed) for every fact not in the texts, or `from_texts: true` "
        "if it explains only from the texts themselves\n"
        f"annotations/notes/{CO}.yml:7:11: error: body is still a placeholder: "
        "'TODO: write the note: a few neutral sentences; cite a public'\n"
        "    hint: replace the TODO text with what the reader should know (see CONTRIBUTING.md)\n"
        "check: 2 errors, 0 warnings\n",
    )


def test_note_add_refuses_a_taken_or_bad_id(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(base, capsys, "note", "add", GZ, "four hours", "--id", "gz-cost")[2] == (
        "error: note id 'gz-cost' is already taken; choose another with --id\n"
    )
    assert run(base, capsys, "note", "add", GZ, "four hours", "--id", "Four_Hours")[2] == (
        "error: --id 'Four_Hours' must be lowercase words joined by hyphens, e.g. 'four-hours'\n"
    )


# --------------------------------------------------------------------------- crossref add


def test_crossref_add_new_file(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        base,
        capsys,
        "crossref",
        "add",
        f"{GZ}:four hours",
        f"{CO}:four hours of debate",
        "--title",
        "Length of the debate",
        "--relation",
        "same-event",
        "--note",
        "Both papers give *four hours*.",
        "--from-texts",
        "--file",
        "debate",
    )
    assert (status, err) == (0, "")
    assert out == (
        "added cross-reference 'length-of-the-debate': created annotations/crossrefs/debate.yml at line 3\n"
        f"  {GZ} p-1: four hours\n"
        f"  {CO} p-4: four hours of debate\n"
        "next:\n"
        "  - check the relation (same-event): same-event, same-quotation, contradicts, corrects, cites or context\n"
        "  - then run: python -m build_tools check\n"
    )
    assert (base / "annotations/crossrefs/debate.yml").read_text(encoding="utf-8") == (
        "# yaml-language-server: $schema=../schema/crossrefs.schema.json\n"
        "crossrefs:\n"
        "  - id: length-of-the-debate\n"
        "    title: Length of the debate\n"
        "    relation: same-event\n"
        "    from_texts: true\n"
        "    note: Both papers give *four hours*.\n"
        "    passages:\n"
        f"      - source: {GZ}\n"
        "        quote: four hours\n"
        f"      - source: {CO}\n"
        "        quote: four hours of debate\n"
    )
    assert check(base, capsys) == (0, "check: 0 errors, 0 warnings\n")


def test_crossref_add_appends_with_context_and_placeholders(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = base / "annotations/crossrefs/bridge.yml"
    before = path.read_text(encoding="utf-8")
    status, _, _ = run(
        base,
        capsys,
        "crossref",
        "add",
        f"{GZ}:the cost was too high",
        f"{CO}#2:the cost was too high",
        "--file",
        "bridge",
    )
    assert status == 0
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after[len(before) :] == (
        "\n"
        "  - id: the-cost-was-too-high\n"
        "    title: 'TODO: name the event, quotation or claim'\n"
        "    relation: same-event\n"
        "    note: 'TODO: say how the accounts differ, attributed and neutral.'\n"
        "    passages:\n"
        f"      - source: {GZ}\n"
        "        quote: the cost was too high\n"
        f"      - source: {CO}\n"
        "        quote: the cost was too high\n"
        "        suffix: ' for'\n"
        "    # citations:            # or, if it explains only from the texts: from_texts: true\n"
        "    #   - title: Title of the page or document (Publisher, date)\n"
        "    #     url: https://…\n"
        "    #     accessed: YYYY-MM-DD\n"
    )
    status, output = check(base, capsys)
    assert status == 1
    assert "error: cross-reference 'the-cost-was-too-high' has no citations" in output
    assert "error: note is still a placeholder: 'TODO: say how the accounts differ" in output
    assert "error: title is still a placeholder: 'TODO: name the event, quotation or claim'" in output
    assert "quote" not in output  # both passages anchor


def test_crossref_add_refusals(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(base, capsys, "crossref", "add", f"{GZ}:four hours", f"{GZ}:bridge")
    assert err == (
        "error: all passages are from 'gazette-2024-05-02-bridge'; a cross-reference links passages of two or more "
        "different sources (for a remark on one source, use `note add`)\n"
    )
    status, _, err = run(
        base, capsys, "crossref", "add", f"{GZ}:five hours", "courier-2024-05-03-bridge-vte:four hours"
    )
    assert status == 1
    assert err == (
        'error: passage 1 (gazette-2024-05-02-bridge): quote "five hours" not found in source '
        "'gazette-2024-05-02-bridge'; closest passage (70% similar) in p-1: \"four hours\"\n"
        "    diff:   f[-ive-]{+our+} hours\n"
        "    hint: copy the passage exactly from the source\n"
        "passage 2 (courier-2024-05-03-bridge-vte): unknown source 'courier-2024-05-03-bridge-vte'; "
        "did you mean 'courier-2024-05-03-bridge-vote'?\n"
        "    hint: use an id from annotations/sources.yml (python -m build_tools check lists its problems)\n"
    )
    assert not (base / "annotations/crossrefs/misc.yml").exists()
    assert run(base, capsys, "crossref", "add", "no-colon-here", f"{CO}:x")[2] == (
        "error: passage 'no-colon-here' must be written SOURCE:\"quote\", "
        'e.g. euronews-2023-04-16-li-shangfu-putin:"new era"\n'
    )


# --------------------------------------------------------------------------- source add


def test_source_add_html_keeps_the_page_and_stores_the_text(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = base / "annotations/sources.yml"
    before = catalog.read_text(encoding="utf-8")
    page = FIXTURES / "import" / "article.html"
    status, out, err = run(base, capsys, "source", "add", str(page), "--outlet", "courier", "--id", "courier-ferry")
    assert (status, err) == (0, "")
    raw = base / "sources/courier-ferry.html"
    text = base / "sources/courier-ferry.txt"
    assert raw.read_bytes() == page.read_bytes()
    digest = hashlib.sha256(text.read_bytes()).hexdigest()
    assert out.splitlines()[:3] == [
        "added source 'courier-ferry': appended to annotations/sources.yml at line 28",
        f"  stored sources/courier-ferry.txt (sha256 {digest})",
        f"  kept the page as received: sources/courier-ferry.html (sha256 {hashlib.sha256(raw.read_bytes()).hexdigest()})",
    ]
    after = catalog.read_text(encoding="utf-8")
    assert after.startswith(before)  # comments and everything else untouched
    added = after[len(before) :]
    page_digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    assert (
        f"  - id: courier-ferry\n    file: sources/courier-ferry.txt\n    sha256: {digest}\n"
        f"    page: sources/courier-ferry.html\n    page_sha256: {page_digest}\n"
    ) in added
    assert "    title: Harbour town votes to keep its ferry  # confirm: extracted from the page by trafilatura" in added
    assert "    byline: Maria Okafor  # confirm" in added
    assert "    date: '2023-04-16'  # confirm" in added
    status, output = check(base, capsys)
    assert status == 1
    assert output.startswith("annotations/sources.yml:41:12: error: about is still a placeholder: 'TODO: confirm")
    catalog.write_text(
        after.replace(
            "about: 'TODO: confirm the metadata marked `confirm` against the page, then delete this sentence. ",
            "about: '",
        ),
        encoding="utf-8",
    )
    assert check(base, capsys) == (0, "check: 0 errors, 0 warnings\n")


def test_source_add_text_guesses_nothing_and_refuses_repeats(
    base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "letter.md"
    new.write_bytes(b"# A letter to the editor\r\n\r\nThe bridge is too dear.\r\n")
    status, out, _ = run(base, capsys, "source", "add", str(new), "--outlet", "gazette")
    assert status == 0
    assert out.startswith("added source 'gazette-undated-a-letter-to-the-editor': appended to annotations/sources.yml")
    assert (base / "sources/gazette-undated-a-letter-to-the-editor.md").read_bytes() == new.read_bytes()
    assert run(base, capsys, "source", "add", str(new), "--outlet", "gazette")[2] == (
        "error: source id 'gazette-undated-a-letter-to-the-editor' already exists in annotations/sources.yml; "
        "choose another with --id\n"
    )
    assert run(base, capsys, "source", "add", str(new), "--outlet", "gazette", "--id", "other")[2] == (
        "error: letter.md is already in the catalog as 'gazette-undated-a-letter-to-the-editor' "
        "(sources/gazette-undated-a-letter-to-the-editor.md)\n"
    )
    assert run(base, capsys, "source", "add", str(new), "--outlet", "gazete")[2] == (
        "error: unknown outlet 'gazete'; did you mean 'gazette'?\n"
        "    hint: use an id from annotations/outlets.yml (courier, gazette), or add the outlet there first\n"
    )
    assert run(base, capsys, "source", "add", str(FIXTURES / "import" / "article.html"))[2] == (
        "error: cannot tell the outlet of article.html (the page names its site 'The Coastal Courier'); pass "
        "--outlet ID, one of: courier, gazette — or add the outlet to annotations/outlets.yml first\n"
    )
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert run(base, capsys, "source", "add", str(pdf), "--outlet", "gazette")[2] == (
        "error: scan.pdf: unsupported file type '.pdf'; save the article as .html, .txt or .md\n"
    )


def test_source_add_guesses_the_outlet_from_the_site_name(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outlets = base / "annotations/outlets.yml"
    outlets.write_text(
        outlets.read_text(encoding="utf-8")
        + '\n  - id: coastal\n    name: The Coastal Courier\n    short: Coastal\n    color: "#225522"\n'
        "    description: An invented paper.\n",
        encoding="utf-8",
    )
    status, out, _ = run(base, capsys, "source", "add", str(FIXTURES / "import" / "article.html"))
    assert status == 0, out
    assert "added source 'coastal-2023-04-16-harbour-town-votes-to-keep'" in out
    added = (base / "annotations/sources.yml").read_text(encoding="utf-8")
    assert "    outlet: coastal  # confirm: guessed from the site name 'The Coastal Courier'\n" in added


# --------------------------------------------------------------------------- drift report


def test_drift_report_on_a_corrected_source(base: Path, capsys: pytest.CaptureFixture[str], golden) -> None:
    commit_all(base)
    assert run(base, capsys, "anchors", "--report")[0] == 0
    path = base / "sources" / f"{CO}.txt"
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("The mayor said the bridge", "The mayor, Ana Ruiz, said the bridge")
        .replace("Critics said the cost", "Critics said the price"),
        encoding="utf-8",
    )
    path = base / "sources" / f"{GZ}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("12 million euros", "12 millions euros"), encoding="utf-8")
    status, out, err = run(base, capsys, "anchors", "--report")
    assert (status, err) == (1, "")
    golden(GOLDEN / "drift-report.txt", out)


def test_drift_report_needs_git(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(base, capsys, "anchors", "--report", "--against", "HEAD")
    assert status == 1
    assert err.startswith("error: git rev-parse --show-prefix failed: fatal: not a git repository")


def test_drift_report_on_the_real_project(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit_all(project)
    status, out, _ = run(project, capsys, "anchors", "--report")
    rows = [ln for ln in out.splitlines()[1:-1] if not ln.startswith(" ")]
    assert rows and all(ln.startswith("kept ") and ln.endswith(" unchanged") for ln in rows), out
    corpus = load_corpus(project)
    note = next(a for a in corpus.anchoring.anchors if a.kind == "note" and a.status == "exact")
    src = corpus.ann.sources[note.source]
    path = project / src.file
    path.chmod(0o644)
    block = corpus.docs[note.source].block(note.start.block)
    original = block.text[note.start.offset : note.end.offset] if note.start.block == note.end.block else note.text
    text = path.read_text(encoding="utf-8")
    assert original in text
    path.write_text(text.replace(original, "[passage removed in the corrected copy]"), encoding="utf-8")
    status, out, _ = run(project, capsys, "anchors", "--report", "--against", "main")
    assert status == 1
    assert f"orphaned   {'note ' + note.annotation:40}  {note.source}" in out
    assert f"changed sources: {note.source}" in out.splitlines()[0]


# --------------------------------------------------------------------------- W3C


def _passages(root: Path) -> dict[str, tuple[str, object, object, str]]:
    corpus = load_corpus(root)
    return {a.annotation: (a.source, a.start, a.end, a.text) for a in corpus.anchoring.anchors if a.kind == "note"}


@pytest.mark.parametrize("which", ["base", "project"])
def test_w3c_round_trip(which: str, request: pytest.FixtureRequest, tmp_path: Path, capsys) -> None:
    root: Path = request.getfixturevalue(which)
    before = _passages(root)
    out = tmp_path / "notes.jsonld"
    status, _, err = run(root, capsys, "export", "--w3c", "-o", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "AnnotationCollection"
    items = data["first"]["items"]
    assert status == 0 or "left out" in err
    for item in items:
        assert item["@context"] == "http://www.w3.org/ns/anno.jsonld"
        assert item["type"] == "Annotation"
        assert item["body"][0]["type"] == "TextualBody"
        assert item["body"][0]["format"] == "text/markdown"
        quote, position = item["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
        assert position["end"] - position["start"] == len(quote["exact"])
    notes = root / "annotations" / "notes"
    shutil.rmtree(notes)
    notes.mkdir()
    status, report, _ = run(root, capsys, "import", "--w3c", str(out), "--dry-run")
    assert status == 0 and not list(notes.iterdir())
    assert report.endswith(f"would import {len(items)} of {len(items)} annotations\n")
    status, report, _ = run(root, capsys, "import", "--w3c", str(out))
    assert status == 0, report
    after = _passages(root)
    exported = {i["id"].rsplit("#a-", 1)[1] for i in items}
    assert {k: v for k, v in before.items() if k in exported} == after


def test_w3c_export_positions_are_in_the_documented_text(base: Path, tmp_path: Path, capsys) -> None:
    from build_tools.stages.anchor import DocIndex

    out = tmp_path / "n.jsonld"
    assert run(base, capsys, "export", "--w3c", "-o", str(out))[0] == 0
    corpus = load_corpus(base)
    for item in json.loads(out.read_text(encoding="utf-8"))["first"]["items"]:
        source = item["target"]["source"]["id"].rstrip("/").rsplit("/", 1)[1]
        text = DocIndex.build(corpus.docs[source]).text
        quote, pos = item["target"]["selector"]
        assert text[pos["start"] : pos["end"]] == quote["exact"]
        assert text[: pos["start"]].endswith(quote.get("prefix", ""))
        assert text[pos["end"] :].startswith(quote.get("suffix", ""))
    first = json.loads(out.read_text(encoding="utf-8"))["first"]["items"][0]
    assert first["id"] == "http://127.0.0.1:8000/sources/courier-2024-05-03-bridge-vote/#a-co-critics"
    assert first["body"][1] == {"type": "TextualBody", "purpose": "tagging", "value": "from_texts"}


def test_w3c_import_refuses_what_does_not_anchor(base: Path, tmp_path: Path, capsys) -> None:
    anno = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "body": {"type": "TextualBody", "value": "Elsewhere.", "format": "text/markdown"},
        "target": {
            "source": f"https://example.org/sources/{GZ}/",
            "selector": {"type": "TextQuoteSelector", "exact": "a sentence that is in no source at all"},
        },
    }
    other = {
        **anno,
        "target": {"source": "https://example.org/sources/gazete-2024/", "selector": anno["target"]["selector"]},
    }
    path = tmp_path / "in.jsonld"
    path.write_text(json.dumps([anno, other]), encoding="utf-8")
    status, out, _ = run(base, capsys, "import", "--w3c", str(path))
    assert status == 1
    assert out.splitlines()[0].startswith(
        'refused annotation 1: quote "a sentence that is in no source at all" not found in source '
        "'gazette-2024-05-02-bridge'; closest passage"
    )
    assert "refused annotation 2: unknown source 'gazete-2024'" in out
    assert out.endswith("imported 0 of 2 annotations; 2 refused (they do not anchor in this project's sources)\n")


# --------------------------------------------------------------------------- real project, help, docs


def test_note_add_on_the_real_project(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = load_corpus(project)
    sid, doc = next(iter(corpus.docs.items()))
    block = max(doc.body, key=lambda b: len(b.text))
    quote = " ".join(block.text.split()[3:12])
    status, _, err = run(
        project, capsys, "note", "add", sid, quote, "--body", "A note.", "--from-texts", "--id", "zz-test"
    )
    assert status == 0, err
    after = load_corpus(project)
    anchor = next(a for a in after.anchoring.anchors if a.annotation == "zz-test")
    assert anchor.status == "exact"
    assert anchor.start.block == block.id
    assert not [p for p in after.report.problems if "zz-test" in p.message or p.code == "schema-comment"]


def _leaf_parsers():
    import argparse

    def walk(parser: argparse.ArgumentParser, name: str):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            yield name, parser
        for action in subs:
            for child, p in action.choices.items():
                yield from walk(p, f"{name} {child}".strip())

    return dict(walk(build_parser(), ""))


@pytest.mark.parametrize("command", ["note add", "crossref add", "source add", "export", "import", "anchors"])
def test_every_new_command_has_help_with_an_example(command: str) -> None:
    parser = _leaf_parsers()[command]
    text = parser.format_help()
    assert "example:\n  python -m build_tools " + command.split()[0] in text
    assert parser.description


def test_readme_and_contributing_mention_the_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for command in ("note add", "crossref add", "source add", "export --w3c", "import --w3c", "anchors --report"):
        assert f"python -m build_tools {command}" in readme, command
        assert f"python -m build_tools {command}" in contributing, command


def test_contributing_lists_every_error_code() -> None:
    import re

    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    codes: set[str] = set()
    for path in (ROOT / "build_tools").rglob("*.py"):
        codes.update(re.findall(r'code="([a-z0-9-]+)"', path.read_text(encoding="utf-8")))
        codes.update(re.findall(r'"(body-[a-z-]+)"\)?,?\n', path.read_text(encoding="utf-8")))
    codes |= {"unknown-source", "unknown-outlet", "schema-additionalProperties", "schema-required", "schema-type"}
    codes.discard("mkdocs")
    missing = sorted(c for c in codes if f"`{c}`" not in contributing)
    assert not missing, missing


def test_contributing_examples_pass_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each example file in CONTRIBUTING.md passes `check` on the real sources (others' notes removed)."""
    import re

    from .conftest import copy_project

    root = copy_project(tmp_path / "project")
    for folder in ("notes", "crossrefs", "glossary"):
        shutil.rmtree(root / "annotations" / folder, ignore_errors=True)
        (root / "annotations" / folder).mkdir()
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    examples = re.findall(r"<!-- file: (\S+) -->\n```yaml\n(.*?)```", text, flags=re.S)
    assert len(examples) == 3
    for rel, body in examples:
        (root / rel).write_text(body, encoding="utf-8")
    status, out, err = run(root, capsys, "check", "--quiet")
    assert status == 0, out + err
    assert not re.search(r"^annotations/(notes|crossrefs|glossary)/", out, flags=re.M), out


def test_source_add_reads_title_byline_and_date_from_the_text(
    base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A plain text that prints its own title, byline and dateline (like the WSWS seeds) gets them
    in the catalog, marked for confirmation — detected by the same rules that will ingest it."""
    new = tmp_path / "report.txt"
    new.write_text(
        "Harbour fees rise again\n\nJane Doe\n\n12 February 2024\n\nThe fees rose by a tenth.\n", encoding="utf-8"
    )
    status, out, _ = run(base, capsys, "source", "add", str(new), "--outlet", "gazette")
    assert status == 0
    assert out.startswith("added source 'gazette-2024-02-12-harbour-fees-rise-again'")
    catalog = (base / "annotations" / "sources.yml").read_text(encoding="utf-8")
    assert "    title: Harbour fees rise again  # confirm: detected in the text by the ingest rules\n" in catalog
    assert "    byline: Jane Doe  # confirm: detected in the text by the ingest rules\n" in catalog
    assert "    date: '2024-02-12'  # confirm: detected in the text by the ingest rules\n" in catalog


# --------------------------------------------------------------------------- source add (issue 12, issue 11 item 5)


def _fix_about(base: Path) -> None:
    catalog = base / "annotations/sources.yml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace(
            "about: 'TODO: confirm the metadata marked `confirm` against the page, then delete this sentence. ",
            "about: '",
        ),
        encoding="utf-8",
    )


def test_source_add_options_set_the_metadata(base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = tmp_path / "report.txt"
    new.write_text("The harbour fees rose by a tenth this spring.\n", encoding="utf-8")
    status, out, err = run(
        base, capsys, "source", "add", str(new), "--outlet", "gazette", "--title", "Harbour fees\nrise",
        "--byline", "Jane Doe", "--date", "2024-02-12", "--url", "https://gazette.example.org/fees",
        "--about", "Received by e-mail from the author.",
    )  # fmt: skip
    assert (status, err) == (0, "")
    assert out.startswith("added source 'gazette-2024-02-12-harbour-fees-rise'")
    assert "replace the TODO" not in out
    added = (base / "annotations/sources.yml").read_text(encoding="utf-8").split("on " + date.today().isoformat())[-1]
    assert added.splitlines()[1:] == [
        "  - id: gazette-2024-02-12-harbour-fees-rise",
        "    file: sources/gazette-2024-02-12-harbour-fees-rise.txt",
        f"    sha256: {hashlib.sha256(new.read_bytes()).hexdigest()}",
        "    format: text",
        "    outlet: gazette",
        "    title: Harbour fees rise",
        "    byline: Jane Doe",
        "    date: '2024-02-12'",
        "    url: https://gazette.example.org/fees",
        "    language: en  # confirm: not stated in the file; en assumed",
        "    about: Received by e-mail from the author.",
    ]
    assert check(base, capsys) == (0, "check: 0 errors, 0 warnings\n")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--date", "12/02/2024", "--date '12/02/2024' is not a date written YYYY-MM-DD, e.g. --date 2023-04-16"),
        ("--date", "2024-02-30", "--date '2024-02-30' is not a date written YYYY-MM-DD, e.g. --date 2023-04-16"),
        ("--url", "gazette.example.org/x", "--url 'gazette.example.org/x' is not a web address; write it in full, "
         "e.g. https://example.org/page"),
        ("--title", " \n ", "--title is empty; leave the option out if the value is unknown"),
    ],
)  # fmt: skip
def test_source_add_refuses_malformed_options(
    base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    new = tmp_path / "report.txt"
    new.write_text("The harbour fees rose.\n", encoding="utf-8")
    before = (base / "annotations/sources.yml").read_bytes()
    assert run(base, capsys, "source", "add", str(new), "--outlet", "gazette", option, value)[1:] == (
        "",
        f"error: {message}\n",
    )
    assert (base / "annotations/sources.yml").read_bytes() == before


def test_source_add_refuses_the_same_page_twice_even_under_another_id(
    base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = FIXTURES / "import" / "article.html"
    assert run(base, capsys, "source", "add", str(page), "--outlet", "courier", "--id", "courier-ferry")[0] == 0
    assert run(base, capsys, "source", "add", str(page), "--outlet", "courier", "--id", "courier-ferry-again")[2] == (
        "error: article.html is already in the catalog as 'courier-ferry' (sources/courier-ferry.html)\n"
    )
    assert not (base / "sources/courier-ferry-again.txt").exists()


def test_check_reports_a_changed_or_missing_saved_page(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = FIXTURES / "import" / "article.html"
    assert run(base, capsys, "source", "add", str(page), "--outlet", "courier", "--id", "courier-ferry")[0] == 0
    _fix_about(base)
    saved = base / "sources/courier-ferry.html"
    saved.write_bytes(saved.read_bytes() + b"\n")
    status, output = check(base, capsys)
    assert status == 1
    digest = hashlib.sha256(saved.read_bytes()).hexdigest()
    assert output.startswith(
        f"annotations/sources.yml:32:11: error: saved page 'sources/courier-ferry.html' has sha256 {digest}, "
        f"the catalog records {hashlib.sha256(page.read_bytes()).hexdigest()}\n"
    )
    saved.unlink()
    assert check(base, capsys)[1].startswith(
        "annotations/sources.yml:32:11: error: saved page 'sources/courier-ferry.html' does not exist\n"
    )


def test_source_add_keeps_captions_and_quotations_as_structure(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = FIXTURES / "import" / "figure.html"
    status, out, err = run(base, capsys, "source", "add", str(page), "--outlet", "courier")
    assert (status, err) == (0, "")
    ident = "courier-undated-harbour-town-votes-to-keep"  # the page's only year is its copyright line
    assert out.splitlines()[3:8] == [
        "  kept 1 caption(s), 1 quotation(s) marked in the page's HTML as `structure:` overrides of the entry",
        "  left out of the text:",
        "    - 1 figure(s) and 1 image(s): pictures are not kept (captions are, as `caption` blocks)",
        "    - boilerplate: 12 of the page's 131 words (navigation, links, footers, comments and other text around "
        "the article)",
        "next:",
    ]
    catalog = (base / "annotations/sources.yml").read_text(encoding="utf-8")
    assert (
        "    structure:  # from the page's HTML: confirm with `python -m build_tools blocks ID`\n"
        "      - quote: The ferry leaves the slipway at Port Elwyn\n"
        "        as: caption\n"
        "        reason: the saved page gives it as a <figcaption>\n"
        "      - quote: We have kept the crossing for seventy years\n"
        "        as: quotation\n"
        "        reason: the saved page gives it as a <blockquote>\n"
    ) in catalog
    _fix_about(base)
    assert check(base, capsys) == (0, "check: 0 errors, 0 warnings\n")
    status, out, _ = run(base, capsys, "blocks", ident, "--json")
    kinds = {b["text"][:20]: b["kind"] for b in json.loads(out)}
    assert kinds["The ferry leaves the"] == "caption"
    assert kinds["We have kept the cro"] == "quotation"


def test_source_add_reads_neither_the_annotations_nor_the_whole_catalog(
    base: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One `source add` costs the same at 5 and at 1,000 sources: no project load, no YAML load of
    sources.yml (only the new entry is parsed, to check it reads back)."""
    import yaml

    from build_tools.contrib import add

    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("source add loaded the whole project")

    parsed: list[str] = []
    real_load = yaml.safe_load
    monkeypatch.setattr(add, "load_annotations", refuse)
    monkeypatch.setattr(add.yaml, "safe_load", lambda text: parsed.append(text) or real_load(text))
    page = FIXTURES / "import" / "article.html"
    status, _, err = run(base, capsys, "source", "add", str(page), "--outlet", "courier", "--id", "courier-ferry")
    assert (status, err) == (0, "")
    assert parsed == [text for text in parsed if "courier-ferry" in text and GZ not in text and CO not in text]


def test_source_add_refuses_a_huge_file_without_reading_it(
    base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.html"
    with huge.open("wb") as f:
        f.truncate(100_000_000)  # sparse: 100 MB that take no disk space
    assert run(base, capsys, "source", "add", str(huge), "--outlet", "courier")[2] == (
        "error: huge.html: the file is 100 MB, more than the 20 MB an article can be; save only the article page "
        "(without its media), or copy the article text into a .txt file\n"
    )


def test_source_add_help_example_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shlex

    from .conftest import copy_project

    root = copy_project(tmp_path / "project")
    example = _leaf_parsers()["source add"].epilog.split("example:\n", 1)[1].strip()
    argv = shlex.split(example)[3:]  # after "python -m build_tools"
    text = tmp_path / "article.txt"
    text.write_text("Li Shangfu met Vladimir Putin in Moscow on Sunday.\n", encoding="utf-8")
    argv[2] = str(text)
    status, out, err = run(root, capsys, *argv)
    assert (status, err) == (0, "")
    assert out.startswith("added source 'euronews-2023-04-16-li-shangfu-meets-putin'")
