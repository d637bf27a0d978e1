"""The *write* stage: the generated pages under ``docs/``, only those that changed.

A site build writes into a staging copy instead (:mod:`build_tools.stages.publish`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from build_tools import paths
from build_tools.errors import UserError


@dataclass(frozen=True, slots=True)
class WriteStats:
    """What :func:`write_pages` did."""

    written: int
    unchanged: int
    removed: int


def write_pages(root: Path, pages: dict[str, str]) -> WriteStats:
    """Write generated files under ``docs/``: only those whose content changed (so a live
    preview reloads only what changed), and delete generated files no longer produced."""
    docs = root / "docs"
    written = unchanged = removed = 0
    for rel, content in pages.items():
        path = docs / rel
        data = content.encode("utf-8")
        if path.exists() and path.read_bytes() == data:
            unchanged += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # two writers never share one
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise UserError(
                f"cannot write {path.relative_to(root)}: {exc.strerror or exc}; "
                f"{written} of {len(pages)} pages under docs/ were updated before it, the rest are as they were"
            ) from None
        written += 1
    wanted = {docs / rel for rel in pages}
    for folder in paths.GENERATED_DIRS:
        base = docs / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*"), reverse=True):
            if path.is_file() and path not in wanted:
                path.unlink()
                removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return WriteStats(written, unchanged, removed)
