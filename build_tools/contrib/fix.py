"""``anchors --fix``: rewrite the quotes the matcher is sure of, in the YAML files as text.

After a source is replaced by a corrected text, ``check`` (and the drift report) list
some passages as ``fuzzy``: placed at a place :mod:`.matcher` is sure of, but not
exactly as the annotation quotes them. For each of those, :func:`fix_quotes` writes the
source's own wording as the new ``quote`` — and, where the annotation had a ``prefix``
or ``suffix``, the text now around it (as many whole words as before), or the shortest
one that singles the place out if the new quote occurs more than once. A rewrite is
kept only if the new selector anchors ``exact`` at the same place; everything else
(missing, ambiguous, not sure) is left as it is, an error for ``check``.

Only the values of ``quote``/``prefix``/``suffix`` change (a line is added for a new
prefix or suffix, or removed for one no longer needed); the rest of each file stays
byte-identical. Each file is parsed again before it is atomically replaced, and must
read back as before apart from those values.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from build_tools import yamlio
from build_tools.errors import UserError
from build_tools.model import Anchor, Status
from build_tools.paths import src_path
from build_tools.placement import exact_spans, place, quote_repr, shorter_side, shortest_context, word_end, word_start
from build_tools.stages.anchor import DocIndex
from build_tools.textnorm import norm

if TYPE_CHECKING:
    from build_tools.pipeline import Corpus

FIELDS = ("quote", "prefix", "suffix")


@dataclass(frozen=True, slots=True)
class Rewrite:
    """New values for one selector, and where it is written."""

    anchor: Anchor
    values: dict[str, str]
    """``quote``, ``prefix``, ``suffix`` (empty: no such key)."""


def _context(text: str, start: int, end: int, old: str, *, before: bool) -> str:
    """About ``len(old)`` characters of ``text`` before ``start`` (or after ``end``), whole words."""
    if not old:
        return ""
    if before:
        return text[word_start(text, max(0, start - len(old))) : start].lstrip()
    return text[end : word_end(text, min(len(text), end + len(old)))].rstrip()


def new_selector(a: Anchor, index: DocIndex) -> dict[str, str] | None:
    """The quote, prefix and suffix that anchor ``a``'s place exactly, or None."""
    sel = a.selector
    if sel is None or a.start is None or a.end is None:
        return None
    text = index.text
    q = norm(a.text)
    _, spans = exact_spans(text, q)
    mine = [i for i, (s, _) in enumerate(spans) if index.position(s) == a.start]
    if not q or not mine:
        return None
    s, e = spans[mine[0]]
    prefix = _context(text, s, e, norm(sel.prefix), before=True)
    suffix = _context(text, s, e, norm(sel.suffix), before=False)
    values = {"quote": " ".join(a.text.split()), "prefix": prefix, "suffix": suffix}
    if not _exact_here(values, a, index):
        prefix, suffix = shorter_side(*shortest_context(text, spans, mine[0]))
        values |= {"prefix": prefix, "suffix": suffix}
        if not _exact_here(values, a, index):
            return None
    return values


def _exact_here(values: dict[str, str], a: Anchor, index: DocIndex) -> bool:
    found = place(index, values["quote"], values["prefix"], values["suffix"])
    return found.status is Status.EXACT and (found.start, found.end) == (a.start, a.end)


def _find_mapping(node: yaml.Node, line: int) -> yaml.MappingNode | None:
    """The mapping whose ``quote`` key or value is on 0-based ``line``."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == "quote" and line in (k.start_mark.line, v.start_mark.line):
                return node
        children = [v for _, v in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        return None
    for child in children:
        found = _find_mapping(child, line)
        if found is not None:
            return found
    return None


def _edits(text: str, node: yaml.MappingNode, values: dict[str, str], scalar: Callable[[str], str]):
    """(start, end, replacement) text edits that give ``node`` the new ``values``."""
    keys = {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    qk, qv = keys["quote"]
    out: list[tuple[int, int, str]] = []
    for name in FIELDS:
        new = values[name]
        if name in keys:
            k, v = keys[name]
            if new:
                out.append((v.start_mark.index, v.end_mark.index, scalar(new)))
            else:  # drop the whole line(s) of the key
                a = text.rfind("\n", 0, k.start_mark.index) + 1
                b = text.find("\n", v.end_mark.index - 1 if text[v.end_mark.index - 1] == "\n" else v.end_mark.index)
                out.append((a, len(text) if b < 0 else b + 1, ""))
        elif new:
            at = text.find("\n", qv.end_mark.index - 1 if text[qv.end_mark.index - 1] == "\n" else qv.end_mark.index)
            at = len(text) if at < 0 else at + 1
            out.append((at, at, " " * qk.start_mark.column + f"{name}: {scalar(new)}\n"))
    return out


def rewrite_file(path: Path, rewrites: list[Rewrite], *, root: Path) -> list[Rewrite]:
    """Apply ``rewrites`` to one annotation file as text; return the ones written."""
    from build_tools.contrib.add import yaml_scalar

    rel = src_path(path, root)
    text = path.read_bytes().decode("utf-8")
    tree, before = yamlio.read_tree(text, rel)
    edits: list[tuple[int, int, str]] = []
    done: list[Rewrite] = []
    for rw in rewrites:
        node = _find_mapping(tree, rw.anchor.selector.origin.line - 1) if rw.anchor.selector else None
        if node is None:
            continue
        edits.extend(_edits(text, node, rw.values, yaml_scalar))
        done.append(rw)
    new_text = text
    for a, b, r in sorted(edits, key=lambda t: (t[0], t[1]), reverse=True):
        new_text = new_text[:a] + r + new_text[b:]
    after = yamlio.read(new_text)
    if _strip(after) != _strip(before):  # pragma: no cover - the edits touch only the three fields
        raise UserError(f"internal error: rewriting the quotes of {rel} would change other values; nothing written")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(new_text, encoding="utf-8")
    os.replace(tmp, path)
    return done


def _strip(data: object) -> object:
    if isinstance(data, dict):
        return {k: _strip(v) for k, v in data.items() if k not in FIELDS}
    if isinstance(data, list):
        return [_strip(v) for v in data]
    return data


def fix_quotes(root: Path, corpus: Corpus, *, write: Callable[[str], None] = print) -> int:
    """Rewrite every fuzzy passage of ``corpus`` that can be made exact; print what changed.

    Returns 1 if passages are still missing or ambiguous afterwards, else 0.
    """
    indexes: dict[str, DocIndex] = {}
    by_file: dict[str, list[Rewrite]] = {}
    left: list[Anchor] = []
    for a in corpus.anchoring.anchors:
        if a.status is Status.FUZZY and a.selector is not None:
            idx = indexes.get(a.source) or indexes.setdefault(a.source, DocIndex.build(corpus.docs[a.source]))
            values = new_selector(a, idx)
            if values is not None:
                by_file.setdefault(a.selector.origin.path, []).append(Rewrite(a, values))
                continue
        if a.status is not Status.EXACT:
            left.append(a)
    fixed = 0
    for rel, rewrites in by_file.items():
        for rw in rewrite_file(root / rel, rewrites, root=root):
            fixed += 1
            sel = rw.anchor.selector
            assert sel is not None
            changes = [
                f"{name} {quote_repr(old) if old else '(none)'} → {quote_repr(new) if new else '(none)'}"
                for name, old, new in zip(FIELDS, (sel.quote, sel.prefix, sel.suffix), rw.values.values(), strict=True)
                if " ".join(old.split()) != new
            ]
            label = f"{rw.anchor.kind} {rw.anchor.annotation}" + (
                f" #{rw.anchor.passage + 1}" if rw.anchor.kind == "crossref" else ""
            )
            write(f"{sel.origin.path}:{sel.origin.line}: {label}: " + "; ".join(changes))
    for a in left:
        where = a.selector.origin if a.selector else None
        write(f"{where.path}:{where.line}: {a.kind} {a.annotation}: {a.status}, left as it is" if where else "")
    write(
        f"anchors --fix: rewrote {fixed} passage{'s' * (fixed != 1)} in {len(by_file)} file{'s' * (len(by_file) != 1)}"
        + (f"; {len(left)} still fail `check` (run python -m build_tools check)" if left else "")
    )
    return 1 if left else 0
