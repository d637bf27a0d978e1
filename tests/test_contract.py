"""The `anchors --json` contract (docs/contract.md): fields, types and values are pinned."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from .conftest import ROOT

FIELDS = {
    "annotation": str,
    "kind": str,
    "source": str,
    "block": (str, type(None)),
    "start": (int, type(None)),
    "end_block": (str, type(None)),
    "end": (int, type(None)),
    "text": str,
    "status": str,
    "similarity": float,
}


def test_every_field_is_documented():
    doc = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    for name in [*FIELDS, "passage", "candidates", "prefix", "suffix"]:
        assert re.search(rf"`{name}`", doc), f"{name} is not documented in docs/contract.md"


def test_anchors_json_on_the_real_corpus(corpus):
    out = subprocess.run(
        [sys.executable, "-m", "build_tools", "anchors", "--json"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert len(data) == len(corpus.anchoring.anchors) + len(corpus.anchoring.mentions)
    kinds = {o["kind"] for o in data}
    assert kinds == {"note", "crossref", "glossary"}
    for obj in data:
        for name, typ in FIELDS.items():
            assert isinstance(obj[name], typ), (name, obj)
        assert obj["status"] in {"exact", "fuzzy"}  # the shipped corpus anchors completely
        assert ("passage" in obj) == (obj["kind"] == "crossref")
        block = corpus.docs[obj["source"]].block(obj["block"])
        if obj["end_block"] == obj["block"]:
            assert block.text[obj["start"] : obj["end"]] == obj["text"]


def test_failures_appear_with_candidates(project):
    notes = project / "annotations" / "notes" / "newsweek-2022-02-28-not-allies.yml"
    notes.write_text(
        notes.read_text(encoding="utf-8")
        + "  - id: probe-ambiguous\n    quote: Wang said\n    body: Probe.\n    from_texts: true\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-m", "build_tools", "--root", str(project), "anchors", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    (probe,) = [o for o in json.loads(out.stdout) if o["annotation"] == "probe-ambiguous"]
    assert probe["status"] == "ambiguous" and probe["block"] is None
    assert len(probe["candidates"]) >= 2
    assert all({"block", "start", "end", "text", "similarity"} <= set(c) for c in probe["candidates"])
    assert all("prefix" in c or "suffix" in c for c in probe["candidates"])
