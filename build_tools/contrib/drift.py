"""Drift report: what replacing a source with a corrected copy does to its annotations.

``python -m build_tools anchors --report [--against REV]`` reads ``sources/`` and
``annotations/`` of the git revision ``REV`` (default ``HEAD``) into a temporary folder,
anchors both that revision and the working tree, and classifies every annotation
passage (notes, and each passage of a cross-reference):

* ``unchanged`` — exact now, at the same block and offsets, with the same text;
* ``moved`` — exact now, but somewhere else (the text around it changed);
* ``fuzzy`` — only approximately found now, at a place the matcher is sure of
  (:mod:`.matcher`; a warning at ``check``);
* ``ambiguous`` — found in several places about equally well (an error at ``check``);
* ``orphaned`` — not found now, or not surely (an error at ``check``).

Passages that exist only in the working tree are counted as ``added``. Unchanged,
moved and added passages are summed up in one line per source; for fuzzy, ambiguous
and orphaned ones the report shows where the passage was and is, and a character diff
between the old passage and the new one (or the closest passage). The exit status is
1 if anything is orphaned or ambiguous, so a maintainer sees the consequences before
merging. ``anchors --fix`` (:func:`.fix.fix_quotes`) rewrites the fuzzy ones.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from build_tools.errors import UserError
from build_tools.model import Anchor, Status
from build_tools.placement import char_diff, drift_details

if TYPE_CHECKING:
    from build_tools.pipeline import Corpus

Key = tuple[str, str, int]
"""(kind, annotation id, passage index) — what identifies a passage across revisions."""

CATEGORIES = ("unchanged", "moved", "fuzzy", "ambiguous", "orphaned", "added")
SUMMED = ("unchanged", "moved", "added")
"""Categories counted per source instead of listed passage by passage."""
FAILING = ("ambiguous", "orphaned")
"""Categories that fail ``check`` (exit status 1)."""


def _git(root: Path, *args: str) -> bytes:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise UserError("git is not installed; the drift report reads the old revision with git") from None
    if proc.returncode != 0:
        raise UserError(f"git {' '.join(args)} failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
    return proc.stdout


def export_revision(root: Path, against: str, dest: Path) -> Path:
    """Write ``sources/`` and ``annotations/`` of revision ``against`` under ``dest``; return ``dest``.

    Raises :class:`UserError` if ``root`` is not in a git work tree or ``against`` is unknown.
    """
    prefix = _git(root, "rev-parse", "--show-prefix").decode().strip()
    _git(root, "rev-parse", "--verify", "--quiet", f"{against}^{{commit}}")
    tree = f"{against}:{prefix}"
    listed = _git(root, "ls-tree", "--name-only", tree).decode().split("\n")
    parts = [p for p in ("sources", "annotations") if p in listed]
    if "annotations" not in parts:
        raise UserError(f"revision {against} has no annotations/ folder to compare with")
    data = _git(root, "archive", "--format=tar", tree, *parts)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def _key(a: Anchor) -> Key:
    return (a.kind, a.annotation, a.passage)


def _where(a: Anchor) -> str:
    if a.start is None or a.end is None:
        return "nowhere"
    end = f"{a.end.block}:{a.end.offset}" if a.end.block != a.start.block else str(a.end.offset)
    return f"{a.start.block} [{a.start.offset}–{end}]"


def _label(a: Anchor) -> str:
    return f"{a.kind} {a.annotation}" + (f" #{a.passage + 1}" if a.kind == "crossref" else "")


def classify(old: Anchor | None, new: Anchor) -> str:
    """``unchanged``, ``moved``, ``fuzzy``, ``orphaned`` or ``added`` for one passage."""
    if new.status is Status.FUZZY:
        return "fuzzy"
    if new.status is Status.AMBIGUOUS:
        return "ambiguous"
    if new.status is not Status.EXACT:
        return "orphaned"
    if old is None:
        return "added"
    if old.placed and old.start == new.start and old.end == new.end and old.text == new.text:
        return "unchanged"
    return "moved"


def compare(old: Corpus, new: Corpus) -> list[tuple[str, Anchor | None, Anchor | None]]:
    """Every passage of either revision with its category, in the new corpus' order.

    A passage that is gone from the working tree's annotations (or whose source no
    longer loads) counts as orphaned.
    """
    before = {_key(a): a for a in old.anchoring.anchors}
    out: list[tuple[str, Anchor | None, Anchor | None]] = []
    seen: set[Key] = set()
    for a in new.anchoring.anchors:
        seen.add(_key(a))
        out.append((classify(before.get(_key(a)), a), before.get(_key(a)), a))
    out.extend(("orphaned", a, None) for k, a in before.items() if k not in seen)
    return out


def _details(category: str, old: Anchor | None, new: Anchor | None) -> list[str]:
    lines: list[str] = []
    if new is None:
        return ["no longer in the annotations of the working tree (or its source does not load)"]
    old_text = old.text if old is not None and old.placed else ""
    if category == "moved":
        lines.append(f"was {_where(old) if old else 'nowhere'}, now {_where(new)}")
    if category == "fuzzy":
        was = _where(old) if old is not None and old.placed else "nowhere"
        lines.append(f"was {was}, now {_where(new)}, {new.similarity:.0f}% similar to the quote")
    if category in FAILING:
        lines.append(f"was {_where(old)}: {old.text!r}" if old is not None and old.placed else "was not placed before")
        assert new.placement is not None  # every note and passage is placed by placement.place
        return lines + drift_details(new.placement, old_text or (new.selector.quote if new.selector else ""))
    reference = old_text or (new.selector.quote if new.selector else "")
    if category == "fuzzy" and new.text and reference and new.text != reference:
        lines.append(f"diff:   {char_diff(reference, new.text)}")
    return lines


def render(rows: list[tuple[str, Anchor | None, Anchor | None]], against: str, changed: list[str]) -> str:
    """The report as text: one line per source for what stayed put, one line (and details)
    per passage that did not, a summary last."""
    lines = [
        f"drift report: working tree against {against}; "
        + (f"changed sources: {', '.join(changed)}" if changed else "no source file changed")
    ]
    counts = dict.fromkeys(CATEGORIES, 0)
    per_source: dict[str, dict[str, int]] = {}
    listed: list[str] = []
    for category, old, new in rows:
        counts[category] += 1
        a = new or old
        assert a is not None
        if category in SUMMED:
            tally = per_source.setdefault(a.source, dict.fromkeys(SUMMED, 0))
            tally[category] += 1
            continue
        listed.append(f"{category:9}  {_label(a):40}  {a.source}  {_where(new) if new else _where(a)}")
        listed.extend(f"    {d}" for d in _details(category, old, new))
    for source, tally in per_source.items():
        lines.append(f"{'kept':9}  {source}: " + ", ".join(f"{n} {c}" for c, n in tally.items() if n))
    lines.extend(listed)
    lines.append("summary: " + ", ".join(f"{n} {c}" for c, n in counts.items() if n or c not in ("added", "ambiguous")))
    if counts["orphaned"] or counts["ambiguous"]:
        lines.append(
            "hint: orphaned and ambiguous passages will fail `check`: correct their quotes (or prefix/suffix) in "
            "the same pull request as the corrected source"
        )
    return "\n".join(lines)


def changed_sources(old: Corpus, new: Corpus) -> list[str]:
    """Ids of sources whose text differs between the two revisions (or that are new)."""
    out = []
    for sid, doc in new.docs.items():
        before = old.docs.get(sid)
        if before is None or [b.text for b in before.blocks] != [b.text for b in doc.blocks]:
            out.append(sid)
    return out


def drift_report(
    root: Path,
    *,
    against: str = "HEAD",
    corpus: Corpus | None = None,
    write: Callable[[str], None] = print,
) -> int:
    """Print the drift report of the working tree against ``against``; 1 if anything is orphaned or ambiguous.

    Raises :class:`UserError` if the old revision cannot be read with git.
    """
    from build_tools.pipeline import load_corpus

    new = corpus if corpus is not None else load_corpus(root, verify_sources=False)
    with tempfile.TemporaryDirectory(prefix="drift-") as tmp:
        old_root = export_revision(root, against, Path(tmp))
        old = load_corpus(old_root)
    rows = compare(old, new)
    write(render(rows, against, changed_sources(old, new)))
    return 1 if any(category in FAILING for category, _, _ in rows) else 0
