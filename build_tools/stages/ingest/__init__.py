"""Ingest stage: a source file → a :class:`~build_tools.model.Document` of typed blocks.

Step 1 (:mod:`.parse`) reads the file into blocks of inline spans; step 2 runs the
rules of :data:`.rules.RULES` in order. The source file itself is never changed: every
fix lives in the catalog (``annotations/sources.yml``) and is applied here.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from build_tools.errors import Report
from build_tools.idlock import IdLock, assign_ids, load_lock
from build_tools.model import Document, Outlet, Source
from build_tools.stages.ingest.parse import decode_source, parse_markdown, parse_text
from build_tools.stages.ingest.rules import RULES, IngestContext

__all__ = ["RULES", "ingest", "ingest_text"]

MAX_SOURCE_BYTES = 5_000_000
"""Largest source file read: about 800,000 words (the largest source today has 44 kB)."""


def ingest_text(text: str, source: Source, *, outlet: Outlet | None, report: Report) -> Document:
    """Turn the decoded text of ``source`` into a document; problems go to ``report``."""
    rel = source.file
    blocks = parse_markdown(text, rel_path=rel, report=report) if source.format == "markdown" else parse_text(text)
    ctx = IngestContext(source=source, outlet=outlet, report=report, rel_path=rel)
    for _name, rule in RULES:
        blocks = rule(blocks, ctx)
    return Document(source.id, tuple(blocks), tuple(ctx.dropped))


def ingest(
    source: Source,
    *,
    root: Path,
    outlet: Outlet | None,
    report: Report,
    verify: bool = True,
    on_lock: Callable[[Document, IdLock | None], None] | None = None,
) -> Document | None:
    """Read and ingest the file of ``source``; ``None`` (with an error) if unreadable.

    A file whose sha256 differs from the catalog's is not ingested (its text is not quoted in
    any message), unless ``verify`` is false: the drift report reads a corrected copy on purpose.
    A symbolic link is never followed. ``on_lock`` is given the document and the lock file
    its ids came from, read once for both.
    """
    path = root / source.file
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_SOURCE_BYTES:
                report.error(
                    source.origin,
                    f"source file {source.file!r} is too large: {size:,} bytes, at most {MAX_SOURCE_BYTES:,}",
                    hint="split the text into several sources (one per article or chapter)",
                    code="source-too-large",
                )
                return None
            raw = fh.read()
    except OSError as exc:
        report.error(
            source.origin,
            f"source file {source.file!r} cannot be read: {exc.strerror}",
            hint="check the `file:` path in annotations/sources.yml",
            code="source-unreadable",
        )
        return None
    digest = hashlib.sha256(raw).hexdigest()
    if source.sha256 and digest != source.sha256:
        report.error(
            source.origin,
            f"source file {source.file!r} has changed: its sha256 is {digest}, the catalog records {source.sha256}",
            hint="sources are never edited; restore the file (git checkout -- FILE), or if a corrected copy "
            "replaces it on purpose, run `python -m build_tools anchors --report` and then update `sha256:`",
            code="source-changed",
        )
        if verify:
            return None
    text, problem = decode_source(raw, rel_path=source.file)
    if problem is not None:
        origin, message = problem
        report.error(origin, message, hint="convert the file to UTF-8 before adding it", code="source-encoding")
        return None
    assert text is not None
    lock = load_lock(root, source.id, report)
    doc = assign_ids(ingest_text(text, source, outlet=outlet, report=report), lock, report)  # published ids never move
    if on_lock is not None:
        on_lock(doc, lock)
    return doc


def format_document(doc: Document) -> str:
    """A readable dump of a document's blocks, marks and dropped text (golden files, debugging)."""
    out: list[str] = []
    for b in doc.blocks:
        head = (
            f"## {b.id} {b.kind}"
            + (f" level={b.level}" if b.level else "")
            + (f" footnote={b.footnote}" if b.footnote else "")
        )
        out.append(f"{head}  lines {b.lines[0]}-{b.lines[1]}  [{b.rule}]")
        text = []
        for s in b.spans:
            t = s.text
            for m in reversed(s.marks):
                attrs = f" {m.href}" if m.href else ""
                t = f"<{m.kind}{attrs}>{t}</{m.kind}>"
            text.append(t)
        out.append("".join(text))
        out.append("")
    for d in doc.dropped:
        out.append(f"## (dropped) lines {d.lines[0]}-{d.lines[1]}  [{d.reason}]")
        out.append(d.text)
        out.append("")
    return "\n".join(out)
