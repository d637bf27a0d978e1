"""The compiled validator accepts exactly what jsonschema accepts.

:func:`build_tools.schema.validate` trusts the compiled (fastjsonschema) answer when it
says valid, so it must never accept a file jsonschema rejects. Checked on the project's
own files and on thousands of random mutations of them (wrong types, missing and
unknown keys, bad ids, dates and URLs, over-long text).
"""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from build_tools.errors import Report
from build_tools.schema import is_valid, validator
from build_tools.yamlio import load_yaml

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "notes": "annotations/notes/*.yml",
    "crossrefs": "annotations/crossrefs/*.yml",
    "glossary": "annotations/glossary/*.yml",
    "sources": "annotations/sources.yml",
    "outlets": "annotations/outlets.yml",
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
