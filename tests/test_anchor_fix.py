"""``anchors --fix``: after a corrected source, rewrite the quotes the matcher is sure of
(made-up texts: the base project of tests/fixtures/broken)."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_tools.pipeline import load_corpus

from .test_contrib_commands import CO, GZ, base, run  # noqa: F401  (base is a fixture)

NOTE = (
    "\n  - id: gz-council\n"
    "    quote: approved the new river bridge\n"
    '    prefix: "The town council of Westport "\n'
    "    from_texts: true\n"
    "    body: The Courier gives the vote count.\n"
)


def correct_sources(root: Path) -> None:
    gz = root / "sources" / f"{GZ}.md"
    gz.write_text(
        gz.read_text(encoding="utf-8")
        .replace("12 million euros", "12 millions euros")
        .replace("The town council of Westport", "The council of Westport"),
        encoding="utf-8",
    )
    co = root / "sources" / f"{CO}.txt"
    co.write_text(co.read_text(encoding="utf-8").replace("Critics said the cost", "Critics said the price"), "utf-8")


def test_fix_rewrites_sure_quotes_and_leaves_the_rest(base: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    notes = base / "annotations" / "notes" / f"{GZ}.yml"
    notes.write_text(notes.read_text(encoding="utf-8") + NOTE, encoding="utf-8")
    correct_sources(base)
    before = notes.read_text(encoding="utf-8")
    courier = (base / "annotations" / "notes" / f"{CO}.yml").read_bytes()
    status, out, err = run(base, capsys, "anchors", "--fix")
    assert (status, err) == (1, "")
    assert out == (
        "annotations/notes/gazette-2024-05-02-bridge.yml:5: note gz-cost: "
        'quote "The bridge will cost 12 million euros." → "The bridge will cost 12 millions euros."\n'
        "annotations/notes/gazette-2024-05-02-bridge.yml:21: note gz-council: "
        'prefix "The town council of Westport" → "2024 The council of Westport"\n'
        "annotations/notes/courier-2024-05-03-bridge-vote.yml:5: note co-critics: missing, left as it is\n"
        "anchors --fix: rewrote 2 passages in 1 file; 1 still fail `check` (run python -m build_tools check)\n"
    )
    after = notes.read_text(encoding="utf-8")
    assert after == before.replace(
        "    quote: The bridge will cost 12 million euros.\n", "    quote: The bridge will cost 12 millions euros.\n"
    ).replace('    prefix: "The town council of Westport "\n', "    prefix: '2024 The council of Westport '\n")
    assert (base / "annotations" / "notes" / f"{CO}.yml").read_bytes() == courier
    # the corrected copies keep their old sha256 until a maintainer updates the catalog
    placed = {a.annotation: a.status for a in load_corpus(base, verify_sources=False).anchoring.anchors}
    assert (placed["gz-cost"], placed["gz-council"], placed["co-critics"]) == ("exact", "exact", "missing")


def test_fix_with_nothing_to_do(base: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    status, out, _ = run(base, capsys, "anchors", "--fix")
    assert (status, out) == (0, "anchors --fix: rewrote 0 passages in 0 files\n")


# --------------------------------------------------------------------------- import --w3c (issue 8)

CLASS = (
    "Class act\n"
    'She said the girls should "try showing a little class," and posted it.\n'
    "If you are part of the family, try showing a little class. At least they tried.\n"
)


def add_class_source(root: Path) -> str:
    import hashlib

    sid = "courier-2024-05-04-class"
    (root / "sources" / f"{sid}.txt").write_text(CLASS, encoding="utf-8")
    sha = hashlib.sha256(CLASS.encode()).hexdigest()
    catalog = root / "annotations" / "sources.yml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8")
        + f"\n  - id: {sid}\n    file: sources/{sid}.txt\n    sha256: {sha}\n    format: text\n    outlet: courier\n"
        "    title: Class act\n    byline: null\n    date: 2024-05-04\n    url: null\n    language: en\n",
        encoding="utf-8",
    )
    return sid


@pytest.mark.parametrize("which", [0, 1])
def test_w3c_import_places_a_repeated_quote_next_to_punctuation(
    base: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    which: int,
) -> None:
    import json

    sid = add_class_source(base)
    contexts = [('She said the girls should "', '," and posted it.'), ("If you are part of the family, ", ". At least")]
    prefix, suffix = contexts[which]
    anno = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "body": [
            {"type": "TextualBody", "value": "Which one.", "format": "text/markdown"},
            {"type": "TextualBody", "purpose": "tagging", "value": "from_texts"},
        ],
        "target": {
            "source": f"https://example.org/sources/{sid}/",
            "selector": {"type": "TextQuoteSelector", "exact": "try showing a little class", "prefix": prefix,
                         "suffix": suffix},
        },
    }  # fmt: skip
    path = tmp_path / "in.jsonld"
    path.write_text(json.dumps([anno]), encoding="utf-8")
    status, out, _ = run(base, capsys, "import", "--w3c", str(path))
    assert status == 0, out
    placed = [a for a in load_corpus(base).anchoring.anchors if a.source == sid]
    assert [(a.status, a.start.block) for a in placed] == [("exact", f"p-{which + 1}")]


def test_drift_report_lists_an_ambiguous_passage_apart(base: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    from .test_contrib_commands import commit_all

    commit_all(base)
    gz = base / "sources" / f"{GZ}.md"
    gz.write_text(
        gz.read_text(encoding="utf-8").replace(
            "To contact the Gazette", "Some hope it will join the two halves of the town. To contact the Gazette"
        ),
        encoding="utf-8",
    )
    status, out, err = run(base, capsys, "anchors", "--report")
    assert (status, err) == (1, "")
    assert out == (
        "drift report: working tree against HEAD; changed sources: gazette-2024-05-02-bridge\n"
        "kept       courier-2024-05-03-bridge-vote: 2 unchanged\n"
        "kept       gazette-2024-05-02-bridge: 2 unchanged\n"
        "ambiguous  note gz-mayor                             gazette-2024-05-02-bridge  nowhere\n"
        "    was p-2 [27–63]: 'will join the two halves of the town'\n"
        "    the quote now occurs 2 times:\n"
        '      p-2: …s. The mayor said the bridge "«will join the two halves of the town»". Opponents said the cost was…\n'
        "      p-4: …e regional bank. Some hope it «will join the two halves of the town». To contact the Gazette, writ…\n"
        "summary: 4 unchanged, 0 moved, 0 fuzzy, 1 ambiguous, 0 orphaned\n"
        "hint: orphaned and ambiguous passages will fail `check`: correct their quotes (or prefix/suffix) in the "
        "same pull request as the corrected source\n"
    )
