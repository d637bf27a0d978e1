"""The W3C export of the real corpus, checked by others' definitions of a conformant annotation:

- every MUST and SHOULD assertion of the W3C Web Annotation test suite (the JSON Schemas
  of WPT's ``annotation-model``, vendored under tests/data/w3c-annotation-model/, see
  its SOURCE.md), applied to every exported annotation, to the collection and to its page;
- JSON-LD expansion with pyld against a local copy of http://www.w3.org/ns/anno.jsonld
  (nothing is downloaded): every key we write expands to a full IRI, none is dropped.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from build_tools.contrib.w3c import export_w3c

from .conftest import ROOT

SUITE = Path(__file__).resolve().parent / "data" / "w3c-annotation-model"
CONTEXT_FILE = Path(__file__).resolve().parent / "data" / "jsonld" / "anno.jsonld"
BASE = "https://wpt.invalid/annotation-model/definitions/"
"""Every schema is registered under one folder, as the suite's relative ``$ref``s expect."""

UNMET_SHOULDS = {
    # Each is an "Implemented" check of an optional feature: the suite says failing one "indicates
    # that a recommended or optional feature has not been implemented", not that the annotation is invalid.
    "annotations/3.3.2-annotationCreatorAgentIdImplemented.json": "a git author has no IRI (an email would publish it)",
    "annotations/3.3.2-annotationCreatorAgentNicknameImplemented.json": "git records a name, not a nickname",
    "annotations/bodiesTargets/3.3.1-bodyCreated.json": "bodies are the note's own text: its dates are the annotation's",
    "annotations/bodiesTargets/3.3.1-bodySingleCreator.json": "bodies are the note's own text: its creator is the annotation's",
    "annotations/bodiesTargets/3.3.2-bodyCreatorAgentIdImplemented.json": "no body has a creator of its own",
    "annotations/bodiesTargets/3.3.2-bodyCreatorAgentNicknameImplemented.json": "no body has a creator of its own",
    "annotations/bodiesTargets/3.3.2-bodyCreatorAgentSingleNameImplemented.json": "no body has a creator of its own",
    "annotations/bodiesTargets/3.3.2-bodyCreatorAgentTypeImplemented.json": "no body has a creator of its own",
    "annotations/bodiesTargets/3.3.2-targCreatorAgentIdImplemented.json": "the sources' authors are in dc:title/CSL",
    "annotations/bodiesTargets/3.3.2-targCreatorAgentNicknameImplemented.json": "the target has no creator agent",
    "annotations/bodiesTargets/3.3.2-targCreatorAgentSingleNameImplemented.json": "the target has no creator agent",
    "annotations/bodiesTargets/3.3.2-targCreatorAgentTypeImplemented.json": "the target has no creator agent",
    "annotations/specificResource/4.2.1-conformsTo.json": "conformsTo belongs to FragmentSelectors: none is written",
}
"""SHOULD assertions the export does not meet, each with the reason (the test fails if the set changes)."""


@cache
def _suite() -> tuple[Registry, dict[str, dict[str, Any]]]:
    """The registry of every schema of the suite, and each MUST/SHOULD assertion by its path."""
    resources = []
    assertions: dict[str, dict[str, Any]] = {}
    for path in sorted(SUITE.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        resources.append((BASE + path.name, DRAFT4.create_resource(data)))
        if data.get("assertionType") in ("must", "should"):
            assertions[path.relative_to(SUITE).as_posix()] = data
    return Registry().with_resources(resources), assertions


@pytest.fixture(scope="module")
def exported(corpus) -> dict[str, Any]:
    collection, skipped = export_w3c(ROOT, corpus)
    assert not skipped
    return json.loads(json.dumps(collection))  # exactly what a reader of the file gets


def _subjects(rel: str, collection: dict[str, Any]) -> list[dict[str, Any]]:
    if rel.startswith("collections/pages/"):
        # An embedded page takes its @context from the collection (model 5.2, and the assertion's title).
        return [{**collection["first"], "@context": collection["@context"]}]
    if rel.startswith("collections/"):
        return [collection]
    return collection["first"]["items"]


def test_the_suite_is_vendored_complete() -> None:
    _registry, assertions = _suite()
    kinds = [a["assertionType"] for a in assertions.values()]
    assert (kinds.count("must"), kinds.count("should")) == (79, 38)
    assert (SUITE / "LICENSE.md").is_file() and (SUITE / "SOURCE.md").is_file()


def test_every_annotation_meets_every_must_and_the_shoulds(exported: dict[str, Any]) -> None:
    registry, assertions = _suite()
    assert len(exported["first"]["items"]) == 95
    failed: dict[str, list[str]] = {}
    for rel, schema in assertions.items():
        validator = Draft4Validator({"$ref": BASE + Path(rel).name}, registry=registry)
        want_valid = schema.get("expectedResult", "valid") == "valid"
        for subject in _subjects(rel, exported):
            if validator.is_valid(subject) != want_valid:
                failed.setdefault(rel, []).append(str(subject.get("id")))
    musts = {rel: ids for rel, ids in failed.items() if assertions[rel]["assertionType"] == "must"}
    assert musts == {}, {rel: (assertions[rel]["errorMessage"], ids[:3]) for rel, ids in musts.items()}
    shoulds = {rel for rel in failed if assertions[rel]["assertionType"] == "should"}
    assert shoulds == set(UNMET_SHOULDS)


def test_a_correction_assesses_and_the_target_names_the_received_text(exported: dict[str, Any], corpus) -> None:
    items = {i["id"].rsplit("#a-", 1)[1]: i for i in exported["first"]["items"]}
    kinds = {n.id: n.kind for n in corpus.ann.notes}
    assert {i["motivation"] for k, i in items.items() if kinds[k] == "correction"} == {"assessing"}
    assert {i["motivation"] for k, i in items.items() if kinds[k] == "context"} == {"commenting"}
    for key, item in items.items():
        source = corpus.ann.sources[item["target"]["source"]["id"].rstrip("/").rsplit("/", 1)[1]]
        derived = [d["id"] for d in item["target"]["source"]["dcterms:source"]]
        digest = base64.urlsafe_b64decode(derived[0].removeprefix("ni:///sha-256;") + "=")
        assert digest.hex() == source.sha256, key
        assert derived[1:] == ([source.url] if source.url else [])
        if source.date and "date" not in source.inferred:
            assert item["target"]["state"]["sourceDateStart"] == f"{source.date}T00:00:00Z"
        else:
            assert "state" not in item["target"], key
        # From git blame of the real notes files: dates are ISO 8601 UTC and never run backwards.
        assert item["created"] <= item["modified"] and item["created"].endswith("Z")


def test_no_dates_or_creator_outside_git(project: Path) -> None:
    from build_tools.pipeline import load_corpus

    collection, _ = export_w3c(project, load_corpus(project))
    first = collection["first"]["items"][0]
    assert not {"created", "modified", "creator"} & set(first)


# --------------------------------------------------------------------------- JSON-LD


def _local_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    if url.rstrip("/") not in ("http://www.w3.org/ns/anno.jsonld", "https://www.w3.org/ns/anno.jsonld"):
        raise AssertionError(f"the test would download {url}")
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(CONTEXT_FILE.read_text(encoding="utf-8")),
    }


def _keys(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*(_keys(n) for n in node)) if node else set()
    if isinstance(node, dict):
        return set(node) | set().union(*(_keys(v) for v in node.values()))
    return set()


def test_the_export_expands_as_json_ld_with_nothing_dropped(exported: dict[str, Any]) -> None:
    from pyld import jsonld

    item = next(i for i in exported["first"]["items"] if len(i["body"]) > 2 and "state" in i["target"])
    expanded = jsonld.expand(item, {"documentLoader": _local_loader})
    assert len(expanded) == 1
    keys = _keys(expanded)
    oa, dcterms = "http://www.w3.org/ns/oa#", "http://purl.org/dc/terms/"
    for iri in (
        oa + "hasBody",
        oa + "hasTarget",
        oa + "hasSelector",
        oa + "hasSource",
        oa + "hasState",
        oa + "motivatedBy",
        oa + "hasPurpose",
        oa + "prefix",
        oa + "exact",
        oa + "suffix",
        oa + "start",
        oa + "end",
        oa + "sourceDateStart",
        dcterms + "created",
        dcterms + "modified",
        dcterms + "creator",
        dcterms + "source",
        "http://www.w3.org/ns/activitystreams#generator",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#value",
    ):
        assert iri in keys, iri
    # Every key is a full IRI or a JSON-LD keyword: none of ours was silently dropped as unknown.
    assert all(k.startswith(("http://", "https://", "@")) for k in keys), sorted(keys)
    # Expansion silently drops a key the context does not define: every key we write is a term
    # of anno.jsonld or a compact IRI with one of its prefixes.
    terms = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    for exported_ in exported["first"]["items"]:
        undefined = {k for k in _keys(exported_) if k not in terms and k.split(":")[0] not in terms}
        assert undefined == {"@context"}, undefined
    assert expanded[0][oa + "motivatedBy"][0]["@id"] == oa + item["motivation"]


def test_the_whole_collection_expands_offline(exported: dict[str, Any]) -> None:
    from pyld import jsonld

    expanded = jsonld.expand(exported, {"documentLoader": _local_loader})
    page = expanded[0]["http://www.w3.org/ns/activitystreams#first"][0]
    items = page["http://www.w3.org/ns/activitystreams#items"][0]["@list"]
    assert len(items) == exported["total"] == 95
