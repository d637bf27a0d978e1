"""Ingest, step 2: the rules that give each block its kind.

Each rule takes the list of blocks and returns a new list. They run in the order of
:data:`RULES` (written down once, here), each one seeing what the previous ones
decided. Heuristics will be wrong somewhere; the catalog's structure overrides run
last and win (see :func:`apply_overrides`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from build_tools.errors import Origin, Report
from build_tools.model import ID_PREFIX, Block, BlockKind, BoilerplateRule, DroppedBlock, Mark, Outlet, Source, Span
from build_tools.stages.ingest.parse import WORD, merge_spans, strip_spans
from build_tools.textnorm import norm


@dataclass(slots=True)
class IngestContext:
    """What the rules of one source may look at, and where they report."""

    source: Source
    outlet: Outlet | None
    report: Report
    rel_path: str
    """The source file, for messages."""
    dropped: list[DroppedBlock] = field(default_factory=list)


Rule = Callable[[list[Block], IngestContext], list[Block]]


def words(text: str) -> list[str]:
    """The words of ``text`` (see :data:`~build_tools.stages.ingest.parse.WORD`)."""
    return WORD.findall(text)


def _replace_kind(block: Block, kind: BlockKind, rule: str, **changes: object) -> Block:
    return replace(block, kind=kind, rule=rule, **changes)


# --------------------------------------------------------------------------- front matter


def split_front_lines(blocks: list[Block], ctx: IngestContext) -> list[Block]:
    """Split the first blocks at hard line breaks (``Peter Symonds␣␣⏎23 March 2023``)."""
    out: list[Block] = []
    for i, b in enumerate(blocks):
        if i < 3 and "\n" in b.text and b.kind is BlockKind.PARAGRAPH:
            line = b.lines[0]
            for part in b.text.split("\n"):
                if part.strip():
                    out.append(replace(b, spans=(Span(part.strip()),), lines=(line, line)))
                line += 1
        else:
            out.append(b)
    return out


def drop_boilerplate(blocks: list[Block], ctx: IngestContext) -> list[Block]:
    """Remove outlet boilerplate by the outlet's patterns in ``annotations/outlets.yml``."""
    if ctx.outlet is None or not ctx.outlet.boilerplate:
        return blocks
    out: list[Block] = []
    slow: set[Origin] = set()
    for i, b in enumerate(blocks):
        text = norm(b.text)
        rule = next((r for r in ctx.outlet.boilerplate if _matches(r, text, ctx, slow)), None)
        if rule is None:
            out.append(b)
            continue
        reason = f"boilerplate: {rule.origin}"
        if rule.drop == "rest":
            ctx.dropped.extend(DroppedBlock(x.text, x.lines, reason) for x in blocks[i:])
            return out
        ctx.dropped.append(DroppedBlock(b.text, b.lines, reason))
    return out


PATTERN_TIMEOUT = 0.25
"""Seconds one boilerplate pattern may take on one block (a pattern such as ``^(a|a)+$``
backtracks for ever: it is reported and treated as not matching)."""


def _matches(rule: BoilerplateRule, text: str, ctx: IngestContext, slow: set[Origin]) -> bool:
    if rule.origin in slow:
        return False
    try:
        return rule.pattern.search(text, timeout=PATTERN_TIMEOUT) is not None
    except TimeoutError:
        slow.add(rule.origin)
        ctx.report.error(
            rule.origin,
            f"boilerplate pattern {rule.pattern.pattern!r} took more than {PATTERN_TIMEOUT} s on one block of "
            f"'{ctx.source.id}' and was stopped",
            hint="a nested repetition such as (a+)+ or (a|a)+ can take for ever; anchor the pattern on the "
            "fixed words of the boilerplate, e.g. ^To contact the WSWS",
            code="pattern-slow",
        )
        return False


MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATELINE = re.compile(rf"^(?:(\d{{1,2}}) ({MONTHS}) (\d{{4}})|({MONTHS}) (\d{{1,2}}), (\d{{4}}))$")
NAME_LINE = re.compile(r"^(?:By\s+)?[A-Z][\w’'.\-]+(?:\s+(?:[A-Z][\w’'.\-]+|de|van|von|al|bin)){1,3}$")
_TERMINAL = (".", "!", "?", ":", ";", "…", "”", '"', "’", ")", "]", ",")


def parse_dateline(text: str) -> str | None:
    """ISO date for a dateline such as ``12 February 2024`` or ``March 23, 2023``."""
    m = DATELINE.match(text.strip())
    if not m:
        return None
    if m.group(1):
        day, month, year = m.group(1), m.group(2), m.group(3)
    else:
        month, day, year = m.group(4), m.group(5), m.group(6)
    try:
        return datetime.strptime(f"{day} {month} {year}", "%d %B %Y").date().isoformat()
    except ValueError:
        return None


def detect_front_matter(blocks: list[Block], ctx: IngestContext) -> list[Block]:
    """Title, byline and dateline among the first blocks, where the text has them."""
    out = list(blocks)
    i = 0
    if out and out[0].kind is BlockKind.HEADING and out[0].level == 1:
        out[0] = _replace_kind(out[0], BlockKind.TITLE, "title: first-level heading", level=0)
        i = 1
    elif out and out[0].kind is BlockKind.PARAGRAPH and _is_title_line(out[0].text):
        out[0] = _replace_kind(out[0], BlockKind.TITLE, "title: short first line")
        i = 1
    seen: set[BlockKind] = set()
    while i < min(len(out), 4):
        b = out[i]
        text = b.text.strip()
        if b.kind is not BlockKind.PARAGRAPH:
            break
        if BlockKind.DATELINE not in seen and parse_dateline(text):
            out[i] = _replace_kind(b, BlockKind.DATELINE, "dateline: date on its own line")
            seen.add(BlockKind.DATELINE)
        elif BlockKind.BYLINE not in seen and NAME_LINE.match(text) and len(text) <= 60:
            out[i] = _replace_kind(b, BlockKind.BYLINE, "byline: a name on its own line")
            seen.add(BlockKind.BYLINE)
        else:
            break
        i += 1
    return out


def _is_title_line(text: str) -> bool:
    w = words(text)
    return 2 <= len(w) <= 20 and len(text) <= 160 and not text.rstrip().endswith((".", ":", ";", ","))


# --------------------------------------------------------------------------- footnotes

FOOTNOTES_HEADING = re.compile(r"^(?:Footnotes?|Notes|Endnotes)$", re.I)
FOOTNOTE_START = re.compile(r"^\[(\d{1,3})\]\s+")
FOOTNOTE_MARKER = re.compile(r"(?<=[^\s\[])\s?\[(\d{1,3})\](?=\s|$)")


def detect_footnotes(blocks: list[Block], ctx: IngestContext) -> list[Block]:
    """An author's "Footnotes" section and the ``[1]`` markers that point into it."""
    start = next(
        (
            i
            for i, b in enumerate(blocks)
            if FOOTNOTES_HEADING.match(b.text.strip())
            and i + 1 < len(blocks)
            and FOOTNOTE_START.match(blocks[i + 1].text)
        ),
        None,
    )
    if start is None:
        return blocks
    ctx.dropped.append(
        DroppedBlock(blocks[start].text, blocks[start].lines, "footnotes heading (rendered as 'Footnotes')")
    )
    notes: list[Block] = []
    label = ""
    for b in blocks[start + 1 :]:
        m = FOOTNOTE_START.match(b.text)
        if m:
            label = m.group(1)
            b = replace(b, spans=_drop_prefix(b.spans, m.end()))
        notes.append(_replace_kind(b, BlockKind.FOOTNOTE, f"footnote [{label}]", footnote=label))
    labels = {b.footnote for b in notes}
    body = [_mark_footnote_refs(b, labels) for b in blocks[:start]]
    return body + notes


def _drop_prefix(spans: tuple[Span, ...], n: int) -> tuple[Span, ...]:
    out: list[Span] = []
    for s in spans:
        if n >= len(s.text):
            n -= len(s.text)
            continue
        out.append(Span(s.text[n:], s.marks))
        n = 0
    return strip_spans(tuple(out))


def _mark_footnote_refs(block: Block, labels: set[str]) -> Block:
    if "[" not in block.text:
        return block
    spans: list[Span] = []
    changed = False
    for s in block.spans:
        pos = 0
        for m in FOOTNOTE_MARKER.finditer(s.text):
            if m.group(1) not in labels or s.marks:
                continue
            a = m.start(0) + (1 if s.text[m.start(0)].isspace() else 0)
            spans.append(Span(s.text[pos:a], s.marks))
            spans.append(Span(s.text[a : m.end(0)], (Mark("fnref", 0, href=m.group(1)),)))
            pos = m.end(0)
            changed = True
        spans.append(Span(s.text[pos:], s.marks))
    return replace(block, spans=merge_spans(spans)) if changed else block


# --------------------------------------------------------------------------- captions

CREDIT_BRACKET = re.compile(r"\[(?:[^\]]*\b(?:Photo|Photograph|Image|Credit|Picture)\b[^\]]*)\]\s*$", re.I)
AGENCY_CREDIT = re.compile(
    r"\b[A-Z][A-Z.'’\- ]+/(?:AFP|AP|Reuters|EPA|Xinhua|TASS|Sputnik|Bloomberg|Pool|Getty Images)"
    r"(?:\s+via\s+Getty Images)?\s*$"
)
POSITION = re.compile(r"\((?:(?:second|third|far)\s+)?(?:left|right|centre|center|top|bottom|front|back)\)", re.I)
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with", "vs"}


def _is_name_label(text: str) -> bool:
    """A bare portrait label such as ``Leon Trotsky`` or ``Chiang Kai-shek``."""
    w = text.split()
    return (
        1 <= len(w) <= 3
        and len(text) <= 40
        and not any(ch.isdigit() for ch in text)
        and not text.endswith(_TERMINAL)
        and all(x[0].isupper() for x in w)
        and not any(x.lower() in _SMALL_WORDS for x in w)
        and len(w) > 1
    )


def detect_captions(blocks: list[Block], ctx: IngestContext) -> list[Block]:
    """Photo captions and credits: a bracketed or agency credit, a "(left)" position, a
    bare name label, or a short headline just before a caption."""
    out = list(blocks)
    for i, b in enumerate(out):
        if b.kind is not BlockKind.PARAGRAPH:
            continue
        text = b.text.strip()
        rule = None
        if CREDIT_BRACKET.search(text):
            rule = "caption: bracketed photo credit"
        elif AGENCY_CREDIT.search(text):
            rule = "caption: agency photo credit"
        elif POSITION.search(text) and len(words(text)) <= 40:
            rule = "caption: (left)/(right) position"
        elif _is_name_label(text) and i > 0:
            rule = "caption: bare name label"
        if rule:
            out[i] = _replace_kind(b, BlockKind.CAPTION, rule)
    for i in range(len(out) - 1):
        b, nxt = out[i], out[i + 1]
        if b.kind is BlockKind.PARAGRAPH and nxt.kind is BlockKind.CAPTION and _is_short_line(b.text) and i > 0:
            out[i] = _replace_kind(b, BlockKind.CAPTION, "caption: headline of the next caption")
    return out


def _is_short_line(text: str) -> bool:
    text = text.strip()
    w = words(text)
    ends_ok = not text.endswith((".", ",", ";", ":", "!", "…")) and not re.search(r"[.!,;:]\s*[”\"’]$", text)
    return 1 <= len(w) <= 12 and len(text) <= 100 and ends_ok and text[:1].isupper()


# --------------------------------------------------------------------------- headings


def detect_headings(blocks: list[Block], ctx: IngestContext) -> list[Block]:
    """Section headings in plain text: a short line, capitalised, with no sentence-ending
    punctuation (a question mark is allowed), followed by a paragraph."""
    if ctx.source.format != "text":
        return blocks
    out = list(blocks)
    for i, b in enumerate(out):
        if b.kind is not BlockKind.PARAGRAPH or i + 1 >= len(out):
            continue
        nxt = out[i + 1]
        if _is_short_line(b.text) and nxt.kind in (BlockKind.PARAGRAPH, BlockKind.CAPTION):
            out[i] = _replace_kind(b, BlockKind.HEADING, "heading: short line without final punctuation", level=2)
    return out


# --------------------------------------------------------------------------- rejoining

REJOIN_MIN_WORDS = 12


def rejoin_split_paragraphs(blocks: list[Block], ctx: IngestContext) -> list[Block]:
    """Rejoin a paragraph split mid-sentence: a long paragraph that ends without final
    punctuation, followed by a paragraph (``had US ties`` / ``and had given …``)."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind is BlockKind.PARAGRAPH
            and b.kind is BlockKind.PARAGRAPH
            and len(words(prev.text)) >= REJOIN_MIN_WORDS
            and not prev.text.rstrip().endswith(_TERMINAL)
        ):
            out[-1] = replace(
                prev,
                spans=merge_spans([*prev.spans, Span(" "), *b.spans]),
                lines=(prev.lines[0], b.lines[1]),
                rule=f"paragraph: rejoined (split at line {b.lines[0]})",
            )
            continue
        out.append(b)
    return out


# --------------------------------------------------------------------------- quotations

SPEECH_VERB = re.compile(
    r"\b(?:said|says|stated|states|wrote|writes|explained|explains|declared|declares|declaring|added|adds|"
    r"argued|argues|claimed|claims|claiming|noted|notes|cautioned|warned|warns|underscored|enunciated|"
    r"insisted|concluded|told|remarked|asserted|observed|stressed|emphasised|emphasized|proclaimed|"
    r"announced|reads|read|put it|as follows|the following)\b",
    re.I,
)
_OPEN_QUOTE = ("“", '"', "‘")
_CLOSE_QUOTE = ("”", '"', "’")


def detect_quotations(blocks: list[Block], ctx: IngestContext) -> list[Block]:
    """A paragraph after a lead-in ending in ":" is a block quotation if it is wrapped in
    quotation marks or the lead-in introduces speech or writing ("He explained:")."""
    out = list(blocks)
    for i in range(1, len(out)):
        lead, b = out[i - 1], out[i]
        if b.kind is not BlockKind.PARAGRAPH or lead.kind not in (BlockKind.PARAGRAPH, BlockKind.QUOTATION):
            continue
        lead_text = lead.text.rstrip()
        if not lead_text.endswith(":"):
            continue
        text = b.text.strip()
        last_sentence = re.split(r"(?<=[.!?])\s+", lead_text)[-1]
        if text.startswith(_OPEN_QUOTE) and text.endswith(_CLOSE_QUOTE):
            out[i] = _replace_kind(b, BlockKind.QUOTATION, "quotation: quoted paragraph after a lead-in ending in ':'")
        elif SPEECH_VERB.search(last_sentence):
            out[i] = _replace_kind(b, BlockKind.QUOTATION, "quotation: paragraph after a speech lead-in ending in ':'")
    return out


# --------------------------------------------------------------------------- overrides

OVERRIDE_KINDS = {
    "heading": BlockKind.HEADING,
    "caption": BlockKind.CAPTION,
    "quotation": BlockKind.QUOTATION,
    "paragraph": BlockKind.PARAGRAPH,
}


def apply_overrides(blocks: list[Block], ctx: IngestContext) -> list[Block]:
    """The catalog's ``structure:`` fixes: each quote must single out one block."""
    out = list(blocks)
    normed = [norm(b.text) for b in out]
    drop: set[int] = set()
    for ov in ctx.source.structure:
        q = norm(ov.quote)
        hits = [i for i, t in enumerate(normed) if q and q in t]
        if len(hits) != 1:
            _override_problem(ov.origin, ov.quote, hits, out, ctx.report)
            continue
        i = hits[0]
        if ov.as_kind == "drop":
            drop.add(i)
            ctx.dropped.append(DroppedBlock(out[i].text, out[i].lines, f"override: {ov.origin}"))
            continue
        kind = OVERRIDE_KINDS[ov.as_kind]
        out[i] = _replace_kind(
            out[i], kind, f"override ({ov.origin.path}:{ov.origin.line})", level=2 if kind is BlockKind.HEADING else 0
        )
    return [b for i, b in enumerate(out) if i not in drop]


def _override_problem(origin: Origin, quote: str, hits: list[int], blocks: list[Block], report: Report) -> None:
    if not hits:
        report.error(
            origin,
            f"structure override: quote {quote!r} is in no block of the source",
            hint="copy the text exactly from the source (see `python -m build_tools blocks SOURCE`)",
            code="override-missing",
        )
        return
    report.error(
        origin,
        f"structure override: quote {quote!r} is in {len(hits)} blocks; it must single out one",
        details=[f"line {blocks[i].lines[0]}: {blocks[i].text[:70]!r}" for i in hits],
        hint="quote more of the block so that only one block contains it",
        code="override-ambiguous",
    )


# --------------------------------------------------------------------------- numbering


def number_blocks(blocks: list[Block], ctx: IngestContext) -> list[Block]:
    """Give every block its stable id: ``<kind prefix>-<n>``, counted per kind."""
    counters: dict[str, int] = {}
    footnote_parts: dict[str, int] = {}
    out: list[Block] = []
    for b in blocks:
        prefix = ID_PREFIX[b.kind]
        if b.kind in (BlockKind.TITLE, BlockKind.BYLINE, BlockKind.DATELINE):
            block_id = prefix
        elif b.kind is BlockKind.FOOTNOTE:
            part = footnote_parts[b.footnote] = footnote_parts.get(b.footnote, 0) + 1
            block_id = f"fn-{b.footnote}" + (f"-{part}" if part > 1 else "")
        else:
            counters[prefix] = counters.get(prefix, 0) + 1
            block_id = f"{prefix}-{counters[prefix]}"
        out.append(replace(b, id=block_id))
    return out


RULES: tuple[tuple[str, Rule], ...] = (
    ("split-front-lines", split_front_lines),
    ("boilerplate", drop_boilerplate),
    ("front-matter", detect_front_matter),
    ("footnotes", detect_footnotes),
    ("captions", detect_captions),
    ("headings", detect_headings),
    ("rejoin", rejoin_split_paragraphs),
    ("quotations", detect_quotations),
    ("overrides", apply_overrides),
    ("number", number_blocks),
)
"""The ingest rules, in the order they run."""
