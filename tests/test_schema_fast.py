"""The compiled validator accepts exactly what jsonschema accepts.

:func:`build_tools.schema.validate` trusts the compiled (fastjsonschema) answer when it
says valid, so it must never accept a file jsonschema rejects. Checked on the project's
own files and on thousands of random mutations of them (wrong types, missing and
unknown keys, bad ids, dates and URLs, over-long text).
"""

from __future__ import annotations

import copy
import random
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import FormatChecker

from build_tools import kinds
from build_tools.errors import Report
from build_tools.schema import is_date, is_valid, validator
from build_tools.stages import citations
from build_tools.yamlio import load_yaml

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "notes": "annotations/notes/*.yml",
    "crossrefs": "annotations/crossrefs/*.yml",
    "glossary": "annotations/glossary/*.yml",
    "sources": "annotations/sources.yml",
    "outlets": "annotations/outlets.yml",
    kinds.POLICY.name: citations.POLICY_FILE,
}
WEIRD = [
    None,
    True,
    3,
    2.5,
    "",
    " ",
    "Bad Id",
    "x" * 3000,
    "2024-02-30",
    "2024-13-01",
    "20240101",
    "2024-01-31",
    "javascript:alert(1)",
    "https://example.org/",
    "#12345g",
    "#1f5fa6",
    "sources/a.txt",
    "a-b",
    [],
    {},
    ["a", "a"],
    [{"x": 1}],
    {"unknown": 1},
]


def _load(kind: str) -> list[object]:
    return [load_yaml(p, root=ROOT, report=Report()).data for p in sorted(ROOT.glob(FILES[kind]))]


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(data: object, rng: random.Random) -> object:
    data = copy.deepcopy(data)
    path = rng.choice(_paths(data)[1:])
    parent = data
    for p in path[:-1]:
        parent = parent[p]
    key = path[-1]
    action = rng.random()
    if action < 0.15 and isinstance(parent, dict):
        del parent[key]
    elif action < 0.25 and isinstance(parent, dict):
        parent[rng.choice(["extra", "notes", "quote", "id"]) + "x"] = rng.choice(WEIRD)
    else:
        parent[key] = copy.deepcopy(rng.choice(WEIRD))
    return data


@pytest.mark.parametrize("kind", sorted(FILES))
def test_same_verdict_on_project_files_and_mutations(kind: str) -> None:
    slow = validator(kind, root=ROOT)
    rng = random.Random(kind)
    docs = _load(kind)
    assert docs
    disagreements = []
    rejected = 0
    for doc in docs:
        assert is_valid(doc, kind, root=ROOT) and slow.is_valid(doc)
        for _ in range(150):
            bad = _mutate(doc, rng)
            want = slow.is_valid(bad)
            rejected += not want
            if is_valid(bad, kind, root=ROOT) != want:
                disagreements.append(bad)
    assert not disagreements, disagreements[:1]
    assert rejected > 50  # the mutations do reach invalid files


def test_fast_validator_leaves_data_alone() -> None:
    """fastjsonschema fills in defaults unless told not to; ours must not change the data."""
    for kind in FILES:
        for doc in _load(kind):
            before = copy.deepcopy(doc)
            is_valid(doc, kind, root=ROOT)
            assert doc == before


DATES = [
    "2024-01-31",
    "2024-02-29",
    "2023-02-29",
    "2024-02-30",
    "2024-13-01",
    "2024-00-10",
    "0000-01-01",
    "9999-12-31",
    "2024-1-01",
    "20240101",
    "2024-01-01T00:00:00",
    " 2024-01-01",
    "2024-01-01\n",
    "2024-01-01 ",
    "\uff12\uff10\uff12\uff14-01-01",  # full-width digits
    "\u0662\u0660\u0662\u0664-01-01",  # Arabic-Indic digits
    "2024/01/01",
    "",
    "2024-W01-1",
    "2024-001",
]


@pytest.mark.parametrize("value", [*DATES, None, 20240101, 2.5, [], {}])
def test_is_date_agrees_with_jsonschema(value: object) -> None:
    """The compiled validators check ``format: date`` with :func:`is_date` (jsonschema is
    then not imported by a run whose files are valid): it must say what jsonschema says."""
    assert is_date(value) == FormatChecker().conforms(value, "date")


def test_a_run_whose_files_are_valid_does_not_import_jsonschema() -> None:
    """jsonschema (and its schema registry) is for the messages, which a valid file has none
    of: a whole check of the project, the citation policy too, runs without it."""
    code = (
        "import sys; from pathlib import Path; from build_tools.pipeline import load_corpus; "
        f"c = load_corpus(Path({str(ROOT)!r}), use_cache=False); "
        "assert not c.report.failed(), c.report.render(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jsonschema', 'referencing')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
