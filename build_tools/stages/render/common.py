"""Small pieces of Markdown shared by the page renderers."""

from __future__ import annotations

import html
import json
import re

from build_tools import paths
from build_tools.mdsafe import escape_attr, escape_text, md_url
from build_tools.model import Citation, Outlet, Source
from build_tools.stages.render.context import format_date


def front_matter_value(text: str) -> str:
    """One front-matter value: plain text on one line, HTML-escaped, as a YAML scalar.

    Material's templates print ``page.meta.title`` and ``page.meta.description`` unescaped
    (Jinja without autoescape) into ``<title>``, ``<meta content="…">`` and the header, and
    MkDocs copies the title into the search index. So every value is HTML-escaped here,
    once: ``<``, ``>``, ``&``, ``"`` and ``'`` become entities that each of those places
    shows as the character. Every run of whitespace (line breaks of any kind included)
    becomes one space, and characters YAML cannot hold raw are ``\\u`` escapes.
    """
    escaped = html.escape(" ".join(text.split()), quote=True)
    dumped = json.dumps(escaped, ensure_ascii=False)
    return "".join(ch if ch.isprintable() else _yaml_escape(ch) for ch in dumped)


def _yaml_escape(ch: str) -> str:
    """A YAML double-quoted-scalar escape for one character."""
    return f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}"


def front_matter(**fields: str) -> str:
    """A YAML front-matter block of plain-text fields (see :func:`front_matter_value`)."""
    lines = ["---", *(f"{k}: {front_matter_value(v)}" for k, v in fields.items() if v), "---", ""]
    return "\n".join(lines)


def indent(markdown: str, spaces: int = 4) -> str:
    """Indent every non-empty line (for admonitions, footnotes and list items)."""
    pad = " " * spaces
    return "\n".join(pad + ln if ln.strip() else "" for ln in markdown.split("\n"))


def outlet_badge(outlet: Outlet, *, prefix: str = "../") -> str:
    """A coloured badge linking to the outlet's entry on the outlets page, with the
    outlet's full name as its tooltip (none when the badge shows that name already)."""
    title = f' "{escape_attr(outlet.name)}"' if outlet.name != outlet.short else ""
    target = f"{prefix}outlets/index.md#{outlet.id}{title}"
    return f"[{escape_text(outlet.short)}]({target}){{ .outlet-badge .outlet-{outlet.id} }}"


def source_link(source: Source, *, prefix: str = "../", anchor: str = "") -> str:
    """A link to a source's page, labelled with its title (or label)."""
    target = f"{prefix}{paths.source_page(source.id)}" + (f"#{anchor}" if anchor else "")
    return f"[{escape_text(source.display_title)}]({md_url(target)})"


def date_label(source: Source) -> str:
    """The source's date for readers: ``12 February 2024``, ``… (inferred)`` or ``date unknown``."""
    if not source.date:
        return "date unknown"
    label = format_date(source.date)
    return f"{label} (inferred)" if "date" in source.inferred else label


def citation_list(citations: tuple[Citation, ...]) -> str:
    """``Sources: [Title](url) (accessed …); …`` on one line, or ``""``."""
    if not citations:
        return ""
    parts = []
    for c in citations:
        accessed = f" (accessed {format_date(c.accessed)})" if c.accessed else ""
        parts.append(f"[{escape_text(c.title)}]({md_url(c.url)}){accessed}")
    return "*Sources:* " + "; ".join(parts)


def truncate(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def fence(content: str, lang: str = "text") -> str:
    """A fenced code block that no backtick run in ``content`` can close."""
    content = "\n".join(content.splitlines())  # \r, \u2028 …: one kind of line break, inside the fence
    longest = max((len(m) for m in re.findall(r"`+", content)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{content}\n{ticks}"
