"""Ingest, step 1: read a source file into untyped blocks of inline spans.

Markdown-flavoured sources are parsed with markdown-it-py (CommonMark, raw HTML off),
so the inline formatting the source already uses — emphasis, links, escapes such as
``\\$`` — becomes :class:`~build_tools.model.Span` marks. Plain-text sources become
single-span blocks: every character in them is text, so ``*``, ``_`` or ``<`` are later
rendered literally.
"""

from __future__ import annotations

import itertools
import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from build_tools.errors import Origin, Report
from build_tools.mdsafe import UnsafeUrl, check_url
from build_tools.model import Block, BlockKind, Mark, Span

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_MD.validateLink = lambda url: True  # type: ignore[method-assign]  # we check links ourselves
_uids = itertools.count(1)


def merge_spans(spans: list[Span]) -> tuple[Span, ...]:
    """Join neighbouring spans with the same marks and drop empty ones."""
    out: list[Span] = []
    for s in spans:
        if not s.text:
            continue
        if out and out[-1].marks == s.marks:
            out[-1] = Span(out[-1].text + s.text, s.marks)
        else:
            out.append(s)
    return tuple(out)


def strip_spans(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    """Remove whitespace at the start of the first and the end of the last span."""
    items = list(spans)
    while items and not items[0].text.strip():
        items.pop(0)
    while items and not items[-1].text.strip():
        items.pop()
    if items:
        items[0] = Span(items[0].text.lstrip(), items[0].marks)
        items[-1] = Span(items[-1].text.rstrip(), items[-1].marks)
    return tuple(items)


def _inline_spans(children: list[Token], *, origin: Origin, report: Report) -> tuple[Span, ...]:
    spans: list[Span] = []
    stack: list[Mark] = []
    for tok in children:
        t = tok.type
        if t in ("text", "text_special", "html_inline"):
            spans.append(Span(tok.content, tuple(stack)))
        elif t == "softbreak":
            spans.append(Span(" ", tuple(stack)))
        elif t == "hardbreak":
            spans.append(Span("\n", tuple(stack)))
        elif t in ("em_open", "strong_open"):
            stack.append(Mark(t[:-5], next(_uids)))
        elif t == "link_open":
            href = str(tok.attrGet("href") or "")
            try:
                href = check_url(href, allow_relative=False)  # a relative link would point nowhere here
            except UnsafeUrl as exc:
                report.warning(
                    origin,
                    f"link in the source dropped, its text kept: {exc}",
                    hint="nothing to do unless the link matters; the source file is not changed",
                    code="source-unsafe-link",
                )
                stack.append(Mark("plain", next(_uids)))
                continue
            stack.append(Mark("link", next(_uids), href=href, title=str(tok.attrGet("title") or "")))
        elif t in ("em_close", "strong_close", "link_close"):
            if stack:
                stack.pop()
        elif t == "code_inline":
            spans.append(Span(tok.content, (*stack, Mark("code", next(_uids)))))
        elif t == "image":
            spans.append(Span(tok.content, tuple(stack)))
    # "plain" marks stood for refused links: remove them, keep the text.
    cleaned = [Span(s.text, tuple(m for m in s.marks if m.kind != "plain")) for s in spans]
    return strip_spans(merge_spans(cleaned))


def parse_markdown(text: str, *, rel_path: str, report: Report) -> list[Block]:
    """Blocks of a Markdown-flavoured source: headings, paragraphs, block quotations."""
    tokens = _MD.parse(text)
    blocks: list[Block] = []
    quote_depth = 0
    for i, tok in enumerate(tokens):
        if tok.type == "blockquote_open":
            quote_depth += 1
        elif tok.type == "blockquote_close":
            quote_depth -= 1
        elif tok.type == "inline":
            opener = tokens[i - 1]
            start, end = (opener.map or tok.map or [0, 0])[:2]
            lines = (start + 1, max(start + 1, end))
            spans = _inline_spans(tok.children or [], origin=Origin(rel_path, lines[0]), report=report)
            if not spans:
                continue
            if opener.type == "heading_open":
                level = int(opener.tag[1])
                blocks.append(Block("", BlockKind.HEADING, spans, lines, rule="markdown heading", level=level))
            elif quote_depth:
                blocks.append(Block("", BlockKind.QUOTATION, spans, lines, rule="markdown quotation"))
            else:
                blocks.append(Block("", BlockKind.PARAGRAPH, spans, lines, rule="paragraph"))
        elif tok.type in ("code_block", "fence", "html_block"):
            start, end = (tok.map or [0, 0])[:2]
            content = " ".join(tok.content.split())
            if content:
                blocks.append(Block("", BlockKind.PARAGRAPH, (Span(content),), (start + 1, end), rule="paragraph"))
    return blocks


_TERMINAL = tuple('.!?:;…”"’)]')


def _looks_hard_wrapped(lines: list[str]) -> bool:
    """True for text wrapped at a fixed width (e-mail style) rather than one line per paragraph."""
    body = [ln for ln in lines if ln.strip()]
    if len(body) < 8:
        return False
    longest = max(len(ln) for ln in body)
    unfinished = sum(1 for ln in body if not ln.rstrip().endswith(_TERMINAL))
    return longest <= 100 and unfinished > len(body) / 2


def parse_text(text: str) -> list[Block]:
    """Blocks of a plain-text source.

    Blank lines separate blocks. A single line break also separates blocks (news copy
    is usually one paragraph per line), unless the file is hard-wrapped at a fixed
    width, in which case the lines of a chunk are joined.
    """
    lines = text.splitlines()
    wrapped = _looks_hard_wrapped(lines)
    blocks: list[Block] = []
    chunk: list[tuple[int, str]] = []

    def flush() -> None:
        if not chunk:
            return
        if wrapped:
            joined = " ".join(s.strip() for _, s in chunk)
            blocks.append(Block("", BlockKind.PARAGRAPH, (Span(joined),), (chunk[0][0], chunk[-1][0])))
        else:
            for n, s in chunk:
                blocks.append(Block("", BlockKind.PARAGRAPH, (Span(s.strip()),), (n, n)))
        chunk.clear()

    for n, line in enumerate(lines, start=1):
        if line.strip():
            chunk.append((n, line))
        else:
            flush()
    flush()
    return blocks


def decode_source(raw: bytes, *, rel_path: str) -> tuple[str | None, tuple[Origin, str] | None]:
    """Decode a source file as UTF-8; on failure return the located problem instead."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, (Origin(rel_path, line), f"source is not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded")
    return text.removeprefix("\ufeff"), None


WORD = re.compile(r"[^\W_]+(?:[’'\-][^\W_]+)*")
"""A word, for counts and heuristics: letters/digits, with inner apostrophes or hyphens."""
