"""Render one block's text as Markdown with highlights, markers and links woven in.

A block is a list of spans with the source's own formatting; on top come highlighted
passages (notes, cross-references), note markers after them, and glossary links. These
ranges may nest or cross. We cut the text at every boundary, give each piece the stack
of wrappers that cover it — ordered by where each wrapper starts, so nested ranges stay
nested — and emit only the opening and closing syntax that changes from one piece to
the next. Crossing ranges are closed and reopened; a highlight's ``id`` goes on its
first piece only.

Emphasis and highlights are written as inline HTML tags (``<em>``, ``<mark>``), which
Markdown allows and which, unlike ``*…*``, stay valid whatever text is next to them;
links stay Markdown links so that MkDocs checks and rewrites them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from build_tools.mdsafe import escape_attr, escape_text, md_url
from build_tools.model import Block

# Ranks break ties between wrappers that start and end at the same place:
# lower rank = outer. Links stay outside highlights so a link is never split.
RANK_LINK = 0
RANK_FORMAT = 1
RANK_HIGHLIGHT = 2


@dataclass(frozen=True, slots=True)
class Wrapper:
    """Syntax around a range of the block's text."""

    key: object
    """Identity: pieces of the same wrapper share it."""
    start: int
    end: int
    open: str
    close: str
    rank: int
    first_open: str = ""
    """Opening syntax for the first piece (e.g. with an ``id``), if different."""
    is_link: bool = False


@dataclass(slots=True)
class Decorations:
    """What to weave into one block."""

    wrappers: list[Wrapper] = field(default_factory=list)
    markers: dict[int, list[str]] = field(default_factory=dict)
    """Offset → Markdown to insert there (after anything that ends there)."""

    def add_marker(self, offset: int, markdown: str) -> None:
        """Insert ``markdown`` at ``offset``, after earlier markers at the same place."""
        self.markers.setdefault(offset, []).append(markdown)


_TAGS = {"em": "em", "strong": "strong", "code": "code"}


def source_wrappers(block: Block, *, footnote_refs: bool = True) -> list[Wrapper]:
    """Wrappers for the formatting the source itself uses (emphasis, links, footnote refs).

    With ``footnote_refs=False`` an author's footnote marker stays plain text, for blocks
    shown away from their page (where the footnote it points to is not).
    """
    extents: dict[object, list[int]] = {}
    marks = {}
    pos = 0
    for span in block.spans:
        for m in span.marks:
            key = (m.kind, m.uid, m.href) if m.kind == "fnref" else m
            ext = extents.setdefault(key, [pos, pos])
            ext[1] = pos + len(span.text)
            marks[key] = m
        pos += len(span.text)
    out: list[Wrapper] = []
    for key, (a, b) in extents.items():
        m = marks[key]
        if m.kind in _TAGS:
            tag = _TAGS[m.kind]
            out.append(Wrapper(key, a, b, f"<{tag}>", f"</{tag}>", RANK_FORMAT))
        elif m.kind == "link":
            title = f' "{escape_attr(m.title)}"' if m.title else ""
            out.append(Wrapper(key, a, b, "[", f"]({md_url(m.href)}{title})", RANK_LINK, is_link=True))
        elif m.kind == "fnref" and footnote_refs:
            label = m.href
            close = (
                f'](#fn-{label}){{ #fnref-{label} .author-fnref aria-label="Author’s footnote {escape_attr(label)}" }}'
            )
            out.append(Wrapper(key, a, b, "[", close, RANK_LINK, is_link=True))
    return out


def link_spans(block: Block) -> list[tuple[int, int]]:
    """Extents of the source's own links (no glossary link may go inside them)."""
    return [(w.start, w.end) for w in source_wrappers(block) if w.is_link]


def crosses(a: int, b: int, extents: Iterable[tuple[int, int]]) -> bool:
    """True if [a, b) partly overlaps one of ``extents`` (neither inside nor disjoint)."""
    for s, e in extents:
        disjoint = b <= s or a >= e
        inside = s <= a and b <= e
        contains = a <= s and e <= b
        if not (disjoint or inside or contains):
            return True
    return False


def render_inline(block: Block, deco: Decorations, *, footnote_refs: bool = True) -> str:
    """The block's text as one line of Markdown, decorated (see :func:`source_wrappers`)."""
    text = block.text
    own = source_wrappers(block, footnote_refs=footnote_refs)
    wrappers = [w for w in (*own, *deco.wrappers) if w.end > w.start]
    cuts = {0, len(text)}
    for w in wrappers:
        cuts.update((w.start, w.end))
    cuts.update(o for o in deco.markers if 0 <= o <= len(text))
    points = sorted(c for c in cuts if 0 <= c <= len(text))
    order = {w.key: (w.start, -w.end, w.rank, i) for i, w in enumerate(wrappers)}

    out: list[str] = []
    stack: list[Wrapper] = []
    opened: set[object] = set()
    pending: list[str] = []

    def flush_pending() -> None:
        if pending and not any(w.is_link for w in stack):
            out.extend(pending)
            pending.clear()

    for i, point in enumerate(points):
        piece_end = points[i + 1] if i + 1 < len(points) else None
        wanted: Sequence[Wrapper] = ()
        if piece_end is not None:
            wanted = sorted(
                (w for w in wrappers if w.start <= point and piece_end <= w.end),
                key=lambda w: order[w.key],
            )
        keep = 0
        while keep < len(stack) and keep < len(wanted) and stack[keep].key == wanted[keep].key:
            keep += 1
        while len(stack) > keep:
            out.append(stack.pop().close)
            flush_pending()
        pending.extend(deco.markers.get(point, ()))
        flush_pending()
        if piece_end is None:
            break
        for w in wanted[keep:]:
            out.append(w.first_open if (w.first_open and w.key not in opened) else w.open)
            opened.add(w.key)
            stack.append(w)
        out.append(escape_text(text[point:piece_end]))
    while stack:
        out.append(stack.pop().close)
    out.extend(pending)
    return "".join(out)
