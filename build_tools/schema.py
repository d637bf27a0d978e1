"""JSON Schema validation of annotation files, with messages a contributor can act on.

The schemas live in ``annotations/schema/`` so editors can use them too (each YAML file
names its schema on its first line); they are generated from :mod:`.kinds`. jsonschema
reports where a value is by its path; :class:`~build_tools.yamlio.Positions` turns that
path back into a line and column.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import fastjsonschema

from build_tools import kinds
from build_tools.errors import Report
from build_tools.yamlio import Positions

if TYPE_CHECKING:  # jsonschema is imported where a file fails (50 ms of a run that only says valid)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_DIR = kinds.SCHEMA_DIR
LINE_BREAK = re.compile("[\n\r\x0b\x0c\x85\u2028\u2029]")
"""Every character a browser, YAML or Python-Markdown may treat as a line break."""


@cache
def _validators(schema_dir: Path) -> dict[str, Draft202012Validator]:
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(schema_dir.glob("*.schema.json"))}
    registry: Registry = Registry().with_resources(
        (name, Resource.from_contents(s, default_specification=DRAFT202012)) for name, s in schemas.items()
    )
    return {
        kind: Draft202012Validator(schemas[f"{kind}.schema.json"], registry=registry, format_checker=FormatChecker())
        for kind in kinds.KINDS
        if f"{kind}.schema.json" in schemas
    }


def validator(kind: str, *, root: Path) -> Draft202012Validator:
    """The validator for one kind of annotation file (the citation policy's too)."""
    return _validators((root / SCHEMA_DIR).resolve())[kind]


def _as_draft7(node: object) -> object:
    """A copy of a 2020-12 schema that fastjsonschema (draft-07) reads the same way.

    Only ``$ref`` differs between the drafts for the keywords these schemas use: in
    draft-07 the keywords beside a ``$ref`` are ignored, in 2020-12 they apply too, so
    ``{"$ref": R, "maxLength": 8}`` becomes ``{"allOf": [{"$ref": R}, {"maxLength": 8}]}``.
    """
    if isinstance(node, list):
        return [_as_draft7(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _as_draft7(v) for k, v in node.items() if k != "$schema"}
    if "$ref" in out:
        rest = {k: v for k, v in out.items() if k not in ("$ref", "description", "title", "default")}
        if rest:
            return {"allOf": [{"$ref": out["$ref"]}, rest]}
    return out


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def is_date(value: object) -> bool:
    """The ``date`` format as jsonschema checks it (``jsonschema._format.is_date``): a
    non-string passes; a string is ``YYYY-MM-DD`` in ASCII digits and a real day."""
    if not isinstance(value, str):
        return True
    try:
        return bool(_DATE.fullmatch(value) and date.fromisoformat(value))
    except ValueError:
        return False


@cache
def _draft7_schemas(schema_dir: Path) -> dict[str, dict]:
    return {
        p.name: {
            **_as_draft7(json.loads(p.read_text(encoding="utf-8"))),
            "$schema": "http://json-schema.org/draft-07/schema",
        }
        for p in sorted(schema_dir.glob("*.schema.json"))
    }


@cache
def _fast_validator(schema_dir: Path, kind: str) -> Callable[[object], object]:
    """A compiled validator that only says valid or not (compiled for the kinds a run
    validates, when it first does); :func:`validate` asks jsonschema for the messages when
    one says not."""
    schemas = _draft7_schemas(schema_dir)

    def local_only(uri: str) -> object:
        """Resolve ``common.schema.json`` and friends from the schema folder, never the network."""
        name = uri.split("#", 1)[0]
        if name not in schemas:
            raise fastjsonschema.JsonSchemaDefinitionException(f"unknown schema {uri!r}")
        return schemas[name]

    return fastjsonschema.compile(
        schemas[f"{kind}.schema.json"],
        handlers={scheme: local_only for scheme in ("", "file", "http", "https")},
        formats={"date": is_date},
        use_default=False,
        detailed_exceptions=False,
    )


def is_valid(data: object, kind: str, *, root: Path) -> bool:
    """True if ``data`` is valid for ``kind``, by the compiled validator (fast)."""
    try:
        _fast_validator((root / SCHEMA_DIR).resolve(), kind)(data)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    """`` — did you mean 'x'?`` for a near miss, or an empty string."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def slugify(text: str) -> str:
    """A valid id made from ``text``: ``Dong Jun`` → ``dong-jun``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "id"


def _field(path: tuple[str | int, ...]) -> str:
    names = [str(p) for p in path if not isinstance(p, int)]
    return names[-1] if names else "file"


def _where(path: tuple[str | int, ...]) -> str:
    """``notes[3].quote`` for messages."""
    out = ""
    for p in path:
        out += f"[{p + 1}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "top level"


_TYPE_NAMES = {
    "string": "text",
    "array": "a list (lines starting with '- ')",
    "object": "a mapping (key: value lines)",
    "boolean": "true or false",
    "null": "null",
    "integer": "a whole number",
    "number": "a number",
}


def _type_of(value: object) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _pattern_message(field: str, value: str, pattern: str) -> tuple[str, str]:
    if "a-z0-9" in pattern and "-" in pattern:
        return (
            f"{field} {value!r} must be lowercase words joined by hyphens",
            f"write it as '{slugify(value)}'",
        )
    if pattern.startswith("^https?://"):
        return f"{field} {value!r} is not a web address", "write the full address, starting with https://"
    if "0-9a-f]{64}" in pattern:
        return f"{field} {value!r} is not a SHA-256 digest", "run `sha256sum FILE` and paste the 64 hex digits"
    if pattern.startswith("^#"):
        return f"{field} {value!r} is not a colour", "write it as #rrggbb, e.g. #1f5fa6"
    if pattern.startswith("^sources/"):
        return f"{field} {value!r} must be a file directly under sources/", "e.g. sources/outlet-2024-01-31-slug.txt"
    if pattern == "\\S":
        return f"{field} must not be blank", "write the text, or remove the key"
    if "\\d{4}" in pattern:
        return f"{field} {value!r} is not a date", "write it as YYYY-MM-DD"
    return f"{field} {value!r} does not match {pattern}", ""


def describe(error: ValidationError) -> list[tuple[tuple[str | int, ...], bool, str, str]]:
    """(path, points-at-key, message, hint) for one schema error."""
    path = tuple(error.absolute_path)
    field = _field(path)
    v = error.validator
    inst = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if v == "additionalProperties" and isinstance(inst, dict):
        allowed = list(schema.get("properties", {}))
        out = []
        for key in inst:
            if key not in allowed:
                out.append(
                    (
                        (*path, key),
                        True,
                        f"unknown key '{key}' in {_where(path)}{did_you_mean(key, allowed)}",
                        "allowed keys here: " + ", ".join(allowed),
                    )
                )
        return out
    if v == "required" and isinstance(inst, dict):
        return [
            (path, False, f"missing required key '{name}' in {_where(path)}", _describe_key(schema, name))
            for name in error.validator_value
            if name not in inst
        ]
    if v == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        names = " or ".join(_TYPE_NAMES.get(t, t) for t in expected)
        hint = "put text in quotes if it starts with a special character ([, {, *, &, !, |, >, %, @)"
        if "array" in expected:
            hint = f"write each item on its own line starting with '- ', under '{field}:'"
        return [(path, False, f"'{field}' must be {names}, not {_type_of(inst)}", hint)]
    if v == "enum":
        choices = [str(c) for c in error.validator_value]
        return [
            (
                path,
                False,
                f"'{field}' must be one of {', '.join(choices)}; got {inst!r}{did_you_mean(str(inst), choices)}",
                "",
            )
        ]
    if v == "propertyNames":
        choices = [str(c) for c in error.schema.get("enum", [])] if isinstance(error.schema, dict) else []
        parent = tuple(error.absolute_path)
        return [
            (
                (*parent, inst),
                True,
                f"'{inst}' cannot be listed under '{_field(parent)}'{did_you_mean(str(inst), choices)}",
                "allowed: " + ", ".join(choices),
            )
        ]
    if v == "not" and isinstance(inst, str) and (m := LINE_BREAK.search(inst)):
        return [
            (
                path,
                False,
                f"'{field}' must be one line: it has a line break (U+{ord(m.group()):04X}) after "
                f"{inst[: m.start()][-40:]!r}",
                "write it on one line (a YAML block scalar | or > keeps line breaks; use a plain or quoted value)",
            )
        ]
    if v == "pattern" and isinstance(inst, str):
        message, hint = _pattern_message(field, inst, error.validator_value)
        return [(path, False, message, hint)]
    if v in ("minLength",):
        return [(path, False, f"'{field}' must not be empty", "write the text, or remove the key")]
    if v == "maxLength":
        return [
            (
                path,
                False,
                f"'{field}' is too long ({len(inst)} characters, at most {error.validator_value})",
                "shorten it; put the rest in `body:`" if field == "description" else "shorten it",
            )
        ]
    if v == "minItems":
        n = error.validator_value
        what = "passages from different sources" if field == "passages" else "items"
        return [(path, False, f"'{field}' needs at least {n} {what}, has {len(inst)}", "")]
    if v == "uniqueItems":
        dupes = sorted({str(x) for x in inst if inst.count(x) > 1})
        return [(path, False, f"'{field}' lists the same item twice: {', '.join(dupes)}", "remove the repeat")]
    if v == "format":
        if error.validator_value == "date" and isinstance(inst, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", inst):
            return [
                (path, False, f"{field} {inst!r} is not a valid date: there is no such day", "check the day and month")
            ]
        return [(path, False, f"{field} {inst!r} is not a valid {error.validator_value}", "write it as YYYY-MM-DD")]
    return [(path, False, f"{_where(path)}: {error.message}", "")]


def _describe_key(schema: dict, name: str) -> str:
    prop = schema.get("properties", {}).get(name, {})
    desc = prop.get("description", "")
    return f"add '{name}:' ({desc})" if desc else f"add '{name}:'"


def validate(data: object, kind: str, positions: Positions, report: Report, *, root: Path) -> bool:
    """Validate ``data`` against the schema of ``kind``; record every error. True if valid.

    The compiled validator answers first; only a file it rejects goes through jsonschema,
    whose errors make the messages (so they are the same whichever validator runs).
    """
    if is_valid(data, kind, root=root):
        return True
    errors = sorted(validator(kind, root=root).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    # A value that does not look like a date at all gets one error (the pattern's), not two.
    patterned = {tuple(e.absolute_path) for e in errors if e.validator == "pattern"}
    errors = [e for e in errors if not (e.validator == "format" and tuple(e.absolute_path) in patterned)]
    for error in errors:
        for path, at_key, message, hint in describe(error):
            report.error(positions.origin(path, key=at_key), message, hint=hint, code=f"schema-{error.validator}")
    return not errors
