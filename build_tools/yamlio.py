"""Read YAML annotation files into plain data while remembering where every value was.

PyYAML's composer gives a node tree with line and column marks; we build the Python
values from that tree ourselves so that (a) every value's position is kept in a
:class:`Positions` table keyed by its path (``("notes", 3, "quote")``), which is what
JSON Schema errors report, (b) duplicate keys are errors rather than the last one
silently winning, and (c) scalars keep the type YAML 1.1 resolved except dates and
times, which stay strings so that the schema decides what they mean.

Annotation files come from strangers' pull requests, so the file is checked before
PyYAML composes it (see :func:`check_limits`): at most :data:`MAX_YAML_BYTES`, no control
characters, no anchors or aliases (a "billion laughs" expands nine aliases into a
billion nodes) and collections nested at most :data:`MAX_DEPTH` deep (the composer
recurses: 1,000 levels are a ``RecursionError``, 100,000 a segmentation fault).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from build_tools.errors import Origin, Report

try:  # The C composer is several times faster; fall back where libyaml is missing.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


class LimitError(yaml.YAMLError):
    """A text that :func:`check_limits` refuses (its message says where and why)."""


def _within_limits(text: str, rel_path: str) -> str:
    report = Report()
    if not check_limits(text, rel_path, report):
        raise LimitError(report.render())
    return text


def read(text: str, rel_path: str = "<text>") -> object:
    """``yaml.safe_load(text)`` with the loader every annotation file is read with (libyaml's
    where PyYAML has it: a command that edits a file reads it as the build will, several times
    faster than PyYAML's pure-Python loader), once :func:`check_limits` accepts the text (deep
    nesting would crash libyaml's composer): raises :class:`LimitError`, a ``yaml.YAMLError``,
    if it does not; ``rel_path`` names the text in the message."""
    return yaml.load(_within_limits(text, rel_path), Loader=_Loader)


def compose(text: str, rel_path: str = "<text>") -> yaml.Node | None:
    """``yaml.compose(text)`` (marks and all) with the loader and the check of :func:`read`."""
    return yaml.compose(_within_limits(text, rel_path), Loader=_Loader)


def read_tree(text: str, rel_path: str = "<text>") -> tuple[yaml.Node | None, object]:
    """:func:`compose` and :func:`read` of one text, parsed and checked once: its node tree
    (for the marks) and the data built from it."""
    node = compose(text, rel_path)
    return node, (None if node is None else yaml.constructor.SafeConstructor().construct_document(node))


PathKey = tuple[str | int, ...]

MAX_YAML_BYTES = 1_000_000
"""Largest annotation file read (the largest today is 35 kB); split bigger ones."""
MAX_DEPTH = 20
"""Deepest nesting of lists and mappings in an annotation file (the schemas need 5)."""
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
"""Characters YAML does not allow in a file (C0 and C1 controls other than tab, line feed,
carriage return and next line)."""
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


@dataclass(slots=True)
class Positions:
    """1-based (line, column) of every key and value in a loaded file, by path."""

    rel_path: str
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def origin(self, path: Sequence[str | int], *, key: bool = False) -> Origin:
        """The origin of the value (or its key) at ``path``, or of its nearest ancestor."""
        p = tuple(path)
        table = self.keys if key else self.values
        while p:
            if p in table:
                return Origin(self.rel_path, *table[p])
            if p in self.values:
                return Origin(self.rel_path, *self.values[p])
            p = p[:-1]
        line, col = self.values.get((), (1, 1))
        return Origin(self.rel_path, line, col)


@dataclass(slots=True)
class LoadedYaml:
    """A YAML document as plain Python data plus where each part was written."""

    data: object
    positions: Positions
    text: str


_SCALAR_TAGS = {
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
}


def _scalar(node: yaml.ScalarNode) -> object:
    tag = node.tag
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return node.value.lower() in {"true", "yes", "on", "y"}
    conv = _SCALAR_TAGS.get(tag)
    if conv is not None:
        try:
            return conv(node.value.replace("_", ""))
        except ValueError:
            return node.value
    return node.value  # strings, and dates/timestamps kept as written


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(node: yaml.Node, path: PathKey, pos: Positions, report: Report) -> object:
    pos.values[path] = _pos(node)
    if isinstance(node, yaml.ScalarNode):
        if node.style in ("|", ">"):  # content starts on the line after the indicator
            pos.values[path] = (node.start_mark.line + 2, 0)
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, (*path, i), pos, report) for i, child in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        out: dict[str, object] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            refusal = _refused_key(key, pos.keys[(*path, key)] if key in out else None)
            if refusal is not None:
                message, hint, code = refusal
                report.error(Origin(pos.rel_path, *_pos(key_node)), message, hint=hint, code=code)
                continue
            pos.keys[(*path, key)] = _pos(key_node)
            out[key] = _build(value_node, (*path, key), pos, report)
        return out
    raise AssertionError(f"unknown YAML node {node!r}")  # pragma: no cover


def _yaml_error(exc: yaml.YAMLError, rel_path: str, text: str) -> tuple[Origin, str, str]:
    """Turn a PyYAML exception into (origin, message, hint) a contributor can act on."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if "quoted scalar" in str(getattr(exc, "context", "")) and getattr(exc, "context_mark", None):
        mark = exc.context_mark  # an unclosed quote: point at where it opened, not at the end of the file
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    lines = text.splitlines()
    offending = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in offending or "'\\t'" in str(problem):
        return (
            Origin(rel_path, line, col),
            "tab character in indentation: YAML allows only spaces",
            "replace the tab with spaces (two per level); set your editor to insert spaces",
        )
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    hint = "check the indentation and quoting on this line and the one before it"
    if "mapping values are not allowed" in str(problem):
        hint = 'a value that contains ": " must be quoted, e.g. quote: "He said: yes"'
    elif "found unexpected end of stream" in str(problem) or "while scanning a quoted scalar" in str(context):
        hint = "a quotation mark is not closed; close it, or use a block scalar (|) for long text"
    if offending.strip():
        message += f": {offending.strip()[:80]!r}"
    return Origin(rel_path, line, col), message, hint


def _refused_key(key: object, first: tuple[int, int] | None) -> tuple[str, str, str] | None:
    """Message, hint and code if a mapping key must be skipped; ``first``: where it was given before."""
    if not isinstance(key, str):
        return f"keys must be plain words, not {key!r}", "write keys such as `quote:` or `id:`", "yaml-key"
    if first is not None:
        return (
            f"duplicate key '{key}' (first given on line {first[0]})",
            "YAML keeps only one of the two values; delete or rename one of them",
            "yaml-duplicate-key",
        )
    return None


def _control_name(ch: str) -> str:
    return "NUL" if ch == "\0" else f"U+{ord(ch):04X}"


def check_limits(text: str, rel_path: str, report: Report) -> bool:
    """Refuse, before composing, what would make PyYAML hang or crash; True if ``text`` is safe.

    One located error is recorded for the first control character, anchor or alias, or
    collection nested deeper than :data:`MAX_DEPTH`. Scanning stops there, so the answer
    is immediate however large the expansion or deep the nesting would be.
    """
    m = CONTROL.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        report.error(
            Origin(rel_path, line, col),
            f"control character {_control_name(m.group())} in the text: "
            f"{text[m.start() - col + 1 : m.start() + 40].splitlines()[0][:80]!r}",
            hint="delete it (it is invisible in most editors: retype the text around this column)",
            code="yaml-control-character",
        )
        return False
    if _plainly_safe(text):
        return True
    depth = 0
    try:  # parser events, not composed nodes: libyaml's parser keeps its own stack, the composer recurses
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, _CLOSE):
                depth -= 1
                continue
            depth += isinstance(event, _OPEN)
            refusal = _refused_event(event, depth)
            if refusal is not None:
                message, hint, code = refusal
                report.error(Origin(rel_path, *_pos(event)), message, hint=hint, code=code)
                return False
    except yaml.YAMLError:
        pass  # composing below reports the syntax error with its usual message
    return True


_PROPERTY_OR_FLOW = re.compile(r"[!&*\[{]")
"""What may begin a tag, an anchor, an alias or a flow collection."""
_DEEP_LINE = re.compile(rf"(?:^|\n)([ \t?:\-]{{{MAX_DEPTH // 2},}})([^\n]*)")
"""A line whose indentation and indicators (``-``, ``?``, and ``:``, after which an explicit
key's value may be compact sequences, ``: - - a``) reach the column at which a block
collection nested :data:`MAX_DEPTH` + 1 deep begins at the least."""
_VALUE_INDICATOR = re.compile(r":(?:[ \t]|$)")


def _plainly_safe(text: str) -> bool:
    """True if ``text`` can hold no anchor, alias or tag, no flow collection and no block
    collection nested deeper than :data:`MAX_DEPTH`, which a few searches tell (most files);
    False if only parsing can tell.

    Anchors, aliases, tags and flow collections can only begin where a node does: at the
    start of a line after its indentation, after ``- ``, ``? `` (a space or a tab), ``:``,
    ``[``, ``{`` or ``,`` (and inside a flow collection, which begins so). A block
    collection nested one level deeper than its parent begins at least one column further
    right, but for a sequence that is a mapping's value, which may begin at the mapping's
    column, so one nested ``d`` deep begins at column ``(d - 1) // 2`` or beyond: on a line
    whose indentation and indicators (``-``, ``?``, ``:``) are that wide, and which has an
    indicator there or a ``:`` followed by a blank (or nothing) after them. Texts with other
    line breaks than line feeds, or with a byte order mark (which libyaml skips at the start
    of any line), are left to parsing. ``tests/test_yaml_limits.py`` checks the answer
    against parsing on deep, compact and hostile texts."""
    if "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text or "\ufeff" in text:
        return False
    in_scalar: dict[int, bool] = {}  # where a line begins → whether it is in a block scalar

    def text_line(at: int) -> bool:  # the line around ``at`` is a block scalar's
        begin = text.rfind("\n", 0, at) + 1
        known = in_scalar.get(begin)
        if known is None:
            indent = _SPACES.match(text, begin).end() - begin  # type: ignore[union-attr]
            known = in_scalar[begin] = _in_block_scalar(text, begin, indent)
        return known

    for m in _PROPERTY_OR_FLOW.finditer(text):
        i = j = m.start()
        while j and text[j - 1] in " \t":
            j -= 1
        before = text[j - 1] if j else "\n"
        if (before in "\n[{,:" or (before in "?-" and j < i)) and not text_line(i):
            return False  # (Markdown in a note's body, *emphasis* or a [link], is in a block scalar)
    for m in _DEEP_LINE.finditer(text):
        indicators, rest = m.groups()
        if (indicators.strip(" \t") or _VALUE_INDICATOR.search(rest)) and not text_line(m.end()):
            return False
    return True


_BLOCK_SCALAR_HEADER = re.compile(r"[^#\n]*[ \t][|>][+\-]?[ \t]*")
"""A line that ends in a literal or folded block scalar's indicator (no indentation digit)
and has no ``#`` (a comment's text can look like an indicator)."""
_INDICATORS = re.compile(r"[ ?:\-]*")
_SPACES = re.compile(" *")
MAX_LOOK_BACK = 200
"""Lines :func:`_in_block_scalar` looks back at most (a longer block scalar is parsed)."""


def _in_block_scalar(text: str, start: int, indent: int) -> bool:
    """True if the line beginning at ``start``, indented ``indent`` spaces, is sure to be
    part of a block scalar: the nearest line above it that is less indented (blank lines
    aside) ends in a block scalar's indicator and has indentation and indicators narrower
    than ``indent``, or is itself sure to be part of one, and the lines between do not
    begin more indented than this one (which would end the block here). Such a line is text
    whatever it holds. Lines with tabs above it are left to parsing."""
    stop, first = start - 1, None  # stop: the line feed that ends the line above
    for _ in range(MAX_LOOK_BACK):
        if stop < 0:
            return False
        begin = text.rfind("\n", 0, stop) + 1
        line = text[begin:stop]
        stop = begin - 1
        if "\t" in line:
            return False
        width = len(line) - len(line.lstrip(" "))
        if width == len(line):
            continue  # blank
        if width >= indent:
            first = width  # the lines are read upwards: the last one seen is the block's first
            continue
        if first is not None and first > indent:
            return False
        if _BLOCK_SCALAR_HEADER.fullmatch(line) is None:  # then this one must be in a block
            indent, first = width, None
            continue
        return _INDICATORS.match(line).end() < indent  # type: ignore[union-attr]
    return False


def _refused_event(event: yaml.Event, depth: int) -> tuple[str, str, str] | None:
    """Message, hint and code if ``event``, ``depth`` collections deep, must stop the scan."""
    name = getattr(event, "anchor", None)
    if name is not None:
        sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
        return (
            f"YAML anchors and aliases are not allowed in annotation files: '{sign}{name}'",
            "write the value out in full where it is needed (or quote it if '&' or '*' is part of the text)",
            "yaml-alias",
        )
    if depth > MAX_DEPTH:
        return (
            f"lists and mappings nested more than {MAX_DEPTH} deep",
            "annotation files need only a few levels (see CONTRIBUTING.md); "
            "if '[' or '{' is part of the text, put the text in quotes",
            "yaml-too-deep",
        )
    return None


def load_yaml(path: Path, *, root: Path, report: Report, split_hint: str | None = None) -> LoadedYaml | None:
    """Load one YAML file, recording every problem in ``report``.

    Returns ``None`` (and records an error) if the file cannot be read as a single YAML
    document in UTF-8; an empty file is reported as an error too. ``split_hint`` says how
    to split a file over the size limit, where that is not into more files of its folder.
    """
    rel = path.resolve().relative_to(root.resolve()).as_posix() if path.is_absolute() else path.as_posix()
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        report.error(
            Origin(rel),
            f"file is too large: {size:,} bytes, at most {MAX_YAML_BYTES:,}",
            hint=split_hint or "split it into several files in the same folder (each is read the same way)",
            code="yaml-too-large",
        )
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        report.error(
            Origin(rel, line, col),
            f"file is not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded",
            hint="save the file as UTF-8 (in most editors: File > Save with Encoding > UTF-8)",
            code="yaml-encoding",
        )
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    pos = Positions(rel)
    if not check_limits(text, rel, report):
        return None
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        origin, message, hint = _yaml_error(exc, rel, text)
        report.error(origin, message, hint=hint, code="yaml-syntax")
        return None
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        report.error(
            Origin(rel, 1, 0),
            "file is empty",
            hint="add content (see CONTRIBUTING.md for an example) or delete the file",
            code="yaml-empty",
        )
        return None
    if len(nodes) > 1:
        report.error(
            Origin(rel, *_pos(nodes[1])),
            "more than one YAML document in this file ('---' separator)",
            hint="keep one document per file: remove the '---' line and merge the lists",
            code="yaml-multiple-documents",
        )
        return None
    data = _build(nodes[0], (), pos, report)
    return LoadedYaml(data, pos, text)
