"""The annotation-kind registry (build_tools/kinds.py) is the one place kinds are declared:
the checked-in schemas and CONTRIBUTING's field tables are what it generates."""

from __future__ import annotations

from build_tools import kinds

from .conftest import ROOT

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
