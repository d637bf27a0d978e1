"""The annotation-kind registry (build_tools/kinds.py) is the one place kinds are declared:
the checked-in schemas and CONTRIBUTING's field tables are what it generates."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from build_tools import kinds
from build_tools.cli import main
from build_tools.contrib.add import append_note
from build_tools.errors import Report
from build_tools.model import CrossRef, GlossaryEntry, Note, Outlet, Source
from build_tools.stages.load import load_annotations

from .conftest import ROOT
from .test_contrib_broken import make_case
from .test_contrib_commands import CO, GZ

REGENERATE = "run `make schemas` (python -m build_tools.kinds --write-schemas --write-docs) and commit the result"


def test_checked_in_schemas_are_generated_from_the_registry():
    generated = kinds.schemas()
    present = sorted(p.name for p in (ROOT / kinds.SCHEMA_DIR).glob("*.schema.json"))
    assert present == sorted(generated), f"annotations/schema/ holds other files than the registry makes; {REGENERATE}"
    for name, text in generated.items():
        on_disk = (ROOT / kinds.SCHEMA_DIR / name).read_text(encoding="utf-8")
        assert on_disk == text, f"annotations/schema/{name} is not what build_tools/kinds.py declares; {REGENERATE}"


def test_every_kind_names_its_schema_on_the_first_line():
    assert kinds.NOTES.schema_line == "# yaml-language-server: $schema=../schema/notes.schema.json"
    assert kinds.OUTLETS.schema_line == "# yaml-language-server: $schema=schema/outlets.schema.json"


def test_writer_order_puts_flags_before_the_text_they_qualify():
    entry = kinds.new_entry(
        kinds.NOTES.item, {"id": "a", "quote": "q", "body": "B", "from_texts": True, "kind": "context"}
    )
    assert list(entry) == ["id", "quote", "from_texts", "body"]
    assert kinds.new_entry(kinds.NOTES.item, {"id": "a", "quote": "q"})["body"] == kinds.todo("notes", "body")


def test_contributing_field_tables_are_generated_from_the_registry():
    text = (ROOT / kinds.DOCS).read_text(encoding="utf-8")
    tables = {m.group(2) for m in kinds.TABLE.finditer(text)}
    assert tables == set(kinds.LOADED), f"CONTRIBUTING.md should have a field table of each kind: {sorted(tables)}"
    assert kinds.with_tables(text) == text, f"CONTRIBUTING.md's field tables are out of date; {REGENERATE}"


def _with_field_and_relation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry, and only the registry, with a throw-away note field and relation."""
    mood = kinds.Field("mood", "text", "How the note reads (a throw-away field of this test).")
    notes = dataclasses.replace(
        kinds.NOTES, item=dataclasses.replace(kinds.NOTES.item, fields=(*kinds.NOTES.item.fields, mood))
    )
    relation = kinds.CROSSREFS.item.get("relation")
    relation = dataclasses.replace(relation, choices={**relation.choices, "echoes": "Echoes"})
    fields = tuple(relation if f.name == "relation" else f for f in kinds.CROSSREFS.item.fields)
    crossrefs = dataclasses.replace(kinds.CROSSREFS, item=dataclasses.replace(kinds.CROSSREFS.item, fields=fields))
    for name, kind in (("NOTES", notes), ("CROSSREFS", crossrefs)):
        monkeypatch.setattr(kinds, name, kind)
        monkeypatch.setitem(kinds.KINDS, kind.name, kind)


def test_a_field_and_a_relation_added_to_the_registry_only_are_accepted_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Done when (issue 13): schema, loader, command line and writer all follow the registry."""
    _with_field_and_relation(monkeypatch)
    root = make_case(None, tmp_path / "base")
    kinds.main(["--write-schemas", "--root", str(root)])
    # The schema and the writer: a note with the new field is written, and it validates.
    schema = json.loads((root / kinds.SCHEMA_DIR / "notes.schema.json").read_text(encoding="utf-8"))
    assert "mood" in schema["properties"]["notes"]["items"]["properties"]
    values = {"id": "gz-mood", "quote": "12 million euros", "body": "Calmly put.", "from_texts": True, "mood": "calm"}
    append_note(root, GZ, values)
    written = (root / f"annotations/notes/{GZ}.yml").read_text(encoding="utf-8")
    assert "    mood: calm\n" in written
    # The command line and the writer: `crossref add --relation echoes` is accepted and written.
    capsys.readouterr()
    argv = ["crossref", "add", f"{GZ}:four hours", f"{CO}:four hours of debate", "--relation", "echoes"]
    status = main(["--root", str(root), *argv, "--title", "Debate", "--note", "Both.", "--from-texts", "--file", "x"])
    out, err = capsys.readouterr()
    assert (status, err) == (0, ""), out
    assert "    relation: echoes\n" in (root / "annotations/crossrefs/x.yml").read_text(encoding="utf-8")
    assert (
        "check the relation (echoes): same-event, same-quotation, contradicts, corrects, cites, context or echoes"
        in out
    )
    # The loader: both load without a problem, and the values reach the records.
    report = Report()
    ann = load_annotations(root, report)
    assert not report.errors, report.render()
    note = next(n for n in ann.notes if n.id == "gz-mood")
    assert dict(note.extra) == {"mood": "calm"}
    assert next(x for x in ann.crossrefs if x.title == "Debate").relation == "echoes"
    # A value outside the registry is still refused, by the same message as ever.
    path = root / "annotations/crossrefs/x.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("relation: echoes", "relation: echos"), encoding="utf-8")
    report = Report()
    load_annotations(root, report)
    assert any("'relation' must be one of" in p.message and "did you mean 'echoes'" in p.message for p in report)


def test_record_attributes_match_the_registry_fields() -> None:
    """A field added to the registry reaches a record's ``extra`` at once; before it is merged,
    the record gets an attribute of its own (and its converter, if it needs one)."""
    records = {"outlets": Outlet, "sources": Source, "notes": Note, "crossrefs": CrossRef, "glossary": GlossaryEntry}
    for name, cls in records.items():
        declared = {f.attr or f.name for f in kinds.KINDS[name].item.fields}
        attributes = {f.name for f in dataclasses.fields(cls)} - {"origin", "extra"}
        assert attributes == declared, f"{cls.__name__} and the registry's {name} differ: {attributes ^ declared}"
