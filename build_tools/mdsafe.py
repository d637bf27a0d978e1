"""Safe Markdown: escaping text we emit, and sanitising Markdown strangers wrote.

Two jobs, one place:

* :func:`escape_text`, :func:`escape_attr` and :func:`safe_url` turn arbitrary strings
  (source text, names, titles) into Markdown that Python-Markdown renders as exactly
  those characters — never as formatting, HTML or a link.
* :func:`sanitize` parses an annotation body with markdown-it-py and writes it out
  again from an allow-list: paragraphs, lists, block quotations, emphasis, strong, code
  and links to http(s) or relative targets (plus ``glossary:``, ``crossref:`` and
  ``source:`` links, resolved to pages). Anything else is reported and rendered as
  plain text. Because the output is *re-serialised* rather than filtered, nothing the
  allow-list does not know can reach a page.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from build_tools.errors import Origin, Report
from build_tools.textnorm import replacer

# Characters Python-Markdown would read as syntax somewhere inline. Backslash escapes
# work for these; the rest of the risky characters become entities below.
_BACKSLASH = set("\\`*_{}[]#+!")
_ENTITY = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;", "=": "&#61;", "~": "&#126;", "^": "&#94;"}
_WS = re.compile(r"\s+")
_LINE_START = re.compile(r"^(\s*)(\d+)\.(?=\s)|^(\s*)-")
_escape_special = replacer({ch: "\\" + ch for ch in _BACKSLASH} | _ENTITY)
"""Both kinds of escape in one pass."""
_ODD_SPACE = re.compile(r"[^\S ]| \s")
"""Whitespace that :data:`_WS` would change: anything but a single plain space."""


def escape_text(text: str) -> str:
    """Markdown for ``text`` that renders as exactly these characters, on one line.

    Every run of whitespace (newlines included) becomes one space, so the result can
    never start a new block; leading and trailing spaces are kept as one space.
    """
    # Most text has no odd space; a compiled search to find out is cheaper than the pass.
    if _ODD_SPACE.search(text):
        text = _WS.sub(" ", text)
    text = _escape_special(text)
    first = text[:1]
    if first == " " or first == "-" or first.isdigit():
        # A leading "1." or "-" would start a list when the text begins a line.
        return _LINE_START.sub(_line_start, text, count=1)
    return text


def _line_start(m: re.Match[str]) -> str:
    return f"{m.group(1)}{m.group(2)}\\." if m.group(2) else f"{m.group(3)}\\-"


_ATTR_ENTITY = {
    "&": "&amp;",
    '"': "&quot;",
    "'": "&#39;",
    "<": "&lt;",
    ">": "&gt;",
    "`": "&#96;",
    "\\": "&#92;",
    **{ch: f"&#{ord(ch)};" for ch in "[](){}=*_"},
}
"""Entities for a value inside ``"…"`` in a link title or an attribute list. Brackets,
parentheses, braces, ``=``, ``*`` and ``_`` too: Python-Markdown builds links and emphasis
before it reads an attribute list, so ``[y](javascript:…)`` or ``}`` in an outlet's name
would otherwise become a link or end the list (found by the XSS harness, tests/hostile.py)."""
_escape_attr_special = replacer(_ATTR_ENTITY)


def escape_attr(text: str) -> str:
    """``text`` for a double-quoted link title or attribute value (tooltips)."""
    text = " ".join(text.split())
    # Python-Markdown reads '…' as title quotes too, and runs code spans and backslash
    # escapes before links, so ', ` and \ become entities as well.
    return _escape_attr_special(text)


_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_SAFE_SCHEMES = {"http", "https"}
INTERNAL_SCHEMES = ("glossary", "crossref", "source")
"""Link schemes that point at pages of this site, e.g. ``[Dong Jun](glossary:dong-jun)``."""


class UnsafeUrl(ValueError):
    """A URL that must not reach a page; the message says why."""


class RelativeUrl(UnsafeUrl):
    """A relative URL where only full web addresses are allowed."""


def check_url(url: str, *, allow_relative: bool = True) -> str:
    """Return ``url`` stripped if it is http(s) (or relative); raise :class:`UnsafeUrl`.

    Control characters and whitespace inside are refused: browsers strip them, which is
    how ``java\\tscript:`` tricks work.
    """
    url = url.strip()
    if not url:
        raise UnsafeUrl("the link target is empty")
    _check_decoded_scheme(url)
    if any(ord(c) < 0x20 or c.isspace() or ord(c) == 0x7F for c in url):
        raise UnsafeUrl(f"link target {url!r} contains whitespace or control characters")
    m = _SCHEME.match(url)
    if m:
        scheme = m.group(1).lower()
        if scheme not in _SAFE_SCHEMES:
            raise UnsafeUrl(f"link scheme '{scheme}:' is not allowed (only http:// and https://)")
        if not url.lower().startswith(("http://", "https://")) or len(url) <= len(scheme) + 3:
            raise UnsafeUrl(f"link target {url!r} is not a complete web address")
        return url
    if url.startswith("//") or url.startswith("\\"):
        raise UnsafeUrl(f"link target {url!r} is protocol-relative; write https:// in full")
    if not allow_relative:
        raise RelativeUrl(f"link target {url!r} must be a full web address starting with https://")
    if ":" in url.split("/", 1)[0].split("#", 1)[0].split("?", 1)[0]:
        raise UnsafeUrl(f"link target {url!r} looks like a scheme; only http:// and https:// are allowed")
    return url


def browser_view(url: str) -> str:
    """``url`` with HTML entities and percent-escapes decoded until nothing changes.

    Python-Markdown keeps an entity such as ``&#106;`` in an ``href`` and the browser decodes
    it, so a scheme is checked on this view, not only on the text as written.
    """
    for _ in range(8):
        decoded = html.unescape(urllib.parse.unquote(url)).strip()
        if decoded == url:
            break
        url = decoded
    return url


def _check_decoded_scheme(url: str) -> None:
    """Refuse ``url`` if, decoded as a browser might, it names a scheme other than http(s).

    Python-Markdown keeps an entity such as ``&#106;`` in an ``href`` and the browser decodes it;
    browsers also drop tabs and line breaks anywhere in a URL and C0 controls at its ends.
    """
    seen = re.sub(r"[\t\n\r]", "", browser_view(url)).strip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a"
        "\x1b\x1c\x1d\x1e\x1f "
    )
    if seen == url:
        return
    m = _SCHEME.match(seen)
    if m and m.group(1).lower() not in _SAFE_SCHEMES:
        raise UnsafeUrl(
            f"link target {url!r} decodes to the scheme '{m.group(1).lower()}:' (only http:// and https://)"
        )
    if not m and seen.startswith(("//", "\\")):
        raise UnsafeUrl(f"link target {url!r} decodes to a protocol-relative address; write https:// in full")


def md_url(url: str) -> str:
    """A checked URL written so Python-Markdown reads it as one link target.

    Balanced parentheses are kept (Python-Markdown reads them, and Wikipedia addresses
    use them); anything else outside the URL character set is percent-encoded.
    """
    safe = "/:?#[]@!$&'*+,;=%-._~"
    depth = 0
    for ch in url:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            break
    if depth == 0:
        safe += "()"
    return urllib.parse.quote(url, safe=safe)


# --------------------------------------------------------------------------- sanitiser

Resolver = Callable[[str, str], str | None]
"""``resolve(scheme, target)`` → a site-relative ``.md`` link, or ``None`` if unknown."""


@dataclass(frozen=True, slots=True)
class BodyContext:
    """Where a body came from, for messages, and how to resolve internal links."""

    origin: Origin
    """The line of the body's first content line."""
    field: str
    """The key the body was given under, e.g. ``body`` or ``note``."""
    resolve: Resolver | None = None
    suggest: Callable[[str, str], str] | None = None
    """``suggest(scheme, target)`` → ``"; did you mean 'x'?"`` for a near miss, else ``""``."""


_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
# markdown-it silently drops links it finds unsafe; we want every such link reported,
# so let all through to the parser and decide in _Writer.link_target.
_PARSER.validateLink = lambda url: True  # type: ignore[method-assign]
_HTML_PROBE = MarkdownIt("commonmark", {"html": True})
_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|<!--|<!\[CDATA\[|<\?")

ALLOWED_INLINE = "*emphasis*, **strong**, `code` and [links](https://…)"


class _Writer:
    """Re-serialises a markdown-it token stream from the allow-list."""

    def __init__(self, ctx: BodyContext, report: Report) -> None:
        self.ctx = ctx
        self.report = report

    def origin(self, tok: Token | None) -> Origin:
        o = self.ctx.origin
        if tok is not None and tok.map and o.line:
            return Origin(o.path, o.line + tok.map[0], 0)
        return o

    def problem(self, tok: Token | None, message: str, hint: str, code: str) -> None:
        self.report.error(self.origin(tok), f"{self.ctx.field}: {message}", hint=hint, code=code)

    # -- inline
    def inline(self, tokens: list[Token], block_tok: Token | None) -> str:
        out: list[str] = []
        links: list[str | None] = []  # target of each open link, None if refused
        for tok in tokens:
            t = tok.type
            if t == "text":
                out.append(escape_text(tok.content) if tok.content.strip() else (" " if tok.content else ""))
            elif t in ("softbreak", "hardbreak"):
                out.append(" ")
            elif t == "em_open" or t == "em_close":
                out.append("*")
            elif t == "strong_open" or t == "strong_close":
                out.append("**")
            elif t == "code_inline":
                # Not a backtick span: its end depends on the backticks inside and on a
                # backslash before it, and a wrong guess would let the rest out unescaped.
                out.append(f"<code>{escape_text(tok.content)}</code>")
            elif t == "link_open":
                href = tok.attrGet("href") or ""
                target = self.link_target(href, block_tok)
                links.append(target)
                if target is not None:
                    out.append("[")
            elif t == "link_close":
                target = links.pop() if links else None
                if target is not None:
                    out.append(f"]({md_url(target)})")
            elif t == "image":
                self.problem(
                    block_tok,
                    f"images are not allowed: ![{tok.content}]({tok.attrGet('src')})",
                    "link to the image instead: [description](https://…)",
                    "body-image",
                )
                out.append(escape_text(tok.content))
            elif t == "html_inline":
                out.append(escape_text(tok.content))
            else:  # unknown inline token: keep its text, never its markup
                out.append(escape_text(tok.content))
        return "".join(out)

    def link_target(self, href: str, tok: Token | None) -> str | None:
        m = _SCHEME.match(href)
        if m and m.group(1).lower() in INTERNAL_SCHEMES:
            scheme = m.group(1).lower()
            target = href[m.end() :]
            resolved = self.ctx.resolve(scheme, target) if self.ctx.resolve else None
            if resolved is None:
                near = self.ctx.suggest(scheme, target) if self.ctx.suggest else ""
                self.problem(
                    tok,
                    f"link to unknown {scheme} '{target}'{near}",
                    "check the id after the colon against "
                    + {"source": "annotations/sources.yml", "crossref": "annotations/crossrefs/"}.get(
                        scheme, f"annotations/{scheme}/"
                    ),
                    "body-dangling-link",
                )
                return None
            return resolved
        try:
            return check_url(href, allow_relative=False)
        except RelativeUrl:  # the page layout is generated: a relative link would break (MkDocs --strict fails)
            self.problem(
                tok,
                f"relative link {href!r}: the site's pages are generated, so it would point nowhere",
                "link to a page of the site with glossary:ID, crossref:ID or source:ID#BLOCK "
                "(e.g. source:SOURCE-ID#p-3), or give a full https:// address",
                "body-relative-link",
            )
            return None
        except UnsafeUrl as exc:
            self.problem(tok, str(exc), "use a full https:// address", "body-unsafe-link")
            return None

    # -- blocks
    def blocks(self, nodes: list[SyntaxTreeNode]) -> list[str]:
        """Return lines of Markdown for sibling block nodes (nested lists indented by 4)."""
        lines = [line for node in nodes for line in self.block(node)]
        while lines and lines[-1] == "":
            lines.pop()
        return lines

    def block(self, node: SyntaxTreeNode) -> list[str]:
        """Lines for one block node, each block followed by a blank line."""
        t = node.type
        tok = _token(node)
        if t == "paragraph":
            return [self.inline(_inline_tokens(node), tok), ""]
        if t in ("bullet_list", "ordered_list"):
            return [*self.list_block(node.children, ordered=t == "ordered_list"), ""]
        if t == "blockquote":
            return [*(("> " + ln).rstrip() for ln in self.blocks(node.children)), ""]
        if t == "heading":
            self.problem(tok, "headings are not allowed", "write the heading as **bold** text", "body-heading")
            return ["**" + self.inline(_inline_tokens(node), tok) + "**", ""]
        if t in ("fence", "code_block"):
            self.problem(
                tok,
                "code blocks are not allowed",
                "remove the indentation or ``` fence; use `code` for short literal text",
                "body-code-block",
            )
            return [escape_text(node.content), ""]
        if t == "hr":
            self.problem(tok, "horizontal rules are not allowed", "delete the --- line", "body-rule")
            return []
        if t == "html_block":
            return [escape_text(node.content), ""]
        # Any other container: its blocks as if they stood here; any other leaf: nothing.
        return [line for child in node.children for line in self.block(child)]

    def list_block(self, items: list[SyntaxTreeNode], *, ordered: bool) -> list[str]:
        lines: list[str] = []
        for number, item in enumerate(items, start=1):
            inner = self.blocks(item.children) or [""]
            bullet = f"{number}. " if ordered else "- "
            lines.append(bullet + inner[0])
            lines.extend(("    " + ln) if ln else "" for ln in inner[1:])
        return lines


def _token(node: SyntaxTreeNode) -> Token | None:
    """The token that carries ``node``'s line map: its own, or its opening one."""
    if node.token is not None:
        return node.token
    return node.nester_tokens.opening if node.nester_tokens else None


def _inline_tokens(node: SyntaxTreeNode) -> list[Token]:
    """The flat inline tokens of a paragraph or heading (the writer pairs links itself)."""
    inline = node.children[0].token if node.children else None
    return (inline.children or []) if inline is not None else []


def sanitize(text: str, ctx: BodyContext, report: Report) -> str:
    """Untrusted Markdown → Markdown built only from the allow-list.

    Problems (raw HTML, unsafe or dangling links, images, headings, code blocks) are
    recorded in ``report`` as errors; the returned Markdown is safe either way, with the
    offending parts reduced to plain text.
    """
    probe = _HTML_PROBE.parse(text) if "<" in text else []  # HTML, inline or block, begins with "<"
    for tok in probe:
        for sub in [tok, *(tok.children or [])]:
            if sub.type in ("html_inline", "html_block") and _HTML_TAG.search(sub.content):
                snippet = " ".join(sub.content.split())[:60]
                line = ctx.origin.line + (tok.map[0] if tok.map else 0) if ctx.origin.line else 0
                report.error(
                    Origin(ctx.origin.path, line, 0),
                    f"{ctx.field}: raw HTML is not allowed: {snippet!r}",
                    hint=f"use Markdown instead ({ALLOWED_INLINE}); to show a tag as text, put it in `backticks`",
                    code="body-html",
                )
                break
        else:
            continue
        break
    writer = _Writer(ctx, report)
    return "\n".join(writer.blocks(SyntaxTreeNode(_PARSER.parse(text)).children))


def plain_text(markdown_text: str) -> str:
    """The visible text of sanitised Markdown (its own ``<code>`` tags dropped)."""
    out: list[str] = []
    for tok in _HTML_PROBE.parse(markdown_text):
        if tok.type == "inline":
            for ch in tok.children or []:
                if ch.type in ("text", "code_inline"):
                    out.append(ch.content)
                elif ch.type in ("softbreak", "hardbreak"):
                    out.append(" ")
            out.append(" ")
    return " ".join("".join(out).split())
