"""Import stage: turn a file a contributor brings (plain text, Markdown, or a saved HTML
page) into article text plus metadata for a catalog entry."""

from __future__ import annotations

import codecs
import gzip
import re
import zlib
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import PurePath
from typing import Any

import lxml.html
import trafilatura
from trafilatura.deduplication import LRUCache

from .errors import UserError

__all__ = [
    "TRAFILATURA_OPTIONS",
    "ExtractedArticle",
    "ImportProblem",
    "extract_article",
]

#: Options passed to ``trafilatura.bare_extraction`` for saved HTML pages.
#: Chosen by measurement on the article-extraction benchmark; see
#: ``benchmarks/README.md`` for the figures behind each choice.  The benchmark
#: may override entries in its own process (``--set KEY=VALUE``) to compare
#: alternatives; nothing else should modify this mapping.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "favor_precision": True,  # best mean F1 measured; drops more boilerplate
    "favor_recall": False,
    "fast": False,  # keep trafilatura's fallback extractors (readability, jusText)
    "include_comments": False,  # reader comments are not part of the article
    "include_tables": True,  # turning tables off lost text (and one whole page)
    "include_images": False,
    "include_links": False,
    "include_formatting": False,
    # Segment deduplication made trafilatura discard whole pages (it counts
    # the article body as "seen" while comparing candidate extractions).
    "deduplicate": False,
}

#: Strip a leading body paragraph that repeats the page title (the catalog
#: keeps the title separately).
DROP_TITLE_FROM_BODY = True

_HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
_TEXT_SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown"}

# A charset declaration is looked for in the <head> (up to "</head" or "<body"),
# at most this far into the page.  The HTML standard prescans only 1024 bytes,
# but saved pages often carry long scripts and styles before the <meta>.
_CHARSET_PRESCAN_BYTES = 256 * 1024
_HEAD_END = re.compile(rb"</head|<body", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)
_XML_DECL_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it shares its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels the WHATWG Encoding Standard maps to windows-1252.
_WINDOWS_1252_ALIASES = {
    "iso8859-1",
    "latin-1",
    "latin1",
    "ascii",
    "us-ascii",
    "iso-8859-1",
    "cp1252",
}
# Legacy labels that the WHATWG Encoding Standard (what browsers do) decodes
# with a superset codec; Python's strict codec would reject real-world pages.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "euc_kr": "cp949"}
_ATX_HEADING = re.compile(r"^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SPACES = re.compile(r"\s+")


class ImportProblem(UserError):
    """A file cannot be imported; the message says what is wrong and how to fix it.

    Raised for contributor mistakes (wrong file type, wrong encoding, a page
    without article text), so callers should print ``str(error)`` and exit
    rather than show a traceback.
    """


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """Article text plus metadata, ready to become a catalog entry."""

    text: str  # article body as plain text, paragraphs separated by one blank line
    format: str  # "text" | "markdown" — how the body text should be read
    title: str | None
    author: str | None  # byline as printed, or None
    date: str | None  # ISO date YYYY-MM-DD, or None
    sitename: str | None
    url: str | None  # canonical URL from the page metadata, or None
    language: str | None  # e.g. "en", or None
    extractor: str  # e.g. "trafilatura 2.3.1" or "plain" — recorded for provenance


def extract_article(raw: bytes, *, filename: str) -> ExtractedArticle:
    """Turn the bytes of a contributor's file into an :class:`ExtractedArticle`.

    The file type is chosen by ``filename``'s extension (case-insensitive):

    * ``.html`` / ``.htm`` (optionally gzipped as ``.html.gz`` / ``.htm.gz``):
      the page is decoded (byte-order mark, then the declared charset, then
      UTF-8, then windows-1252) and trafilatura extracts the main text and the
      metadata, fully offline.  The result has ``format == "text"``, one
      paragraph per block of the page separated by a single blank line, and
      ``extractor == "trafilatura <version>"``.
    * ``.txt`` (``format == "text"``) and ``.md`` / ``.markdown``
      (``format == "markdown"``): the text is the file decoded as UTF-8 (a
      byte-order mark is dropped, line endings become ``\\n``), otherwise
      unchanged.  All metadata is ``None`` except a Markdown title taken from
      a leading ``# `` heading; ``extractor == "plain"``.

    Guarantees: the returned ``text`` is non-empty and contains no ``\\r``;
    ``date`` is ``None`` or ``YYYY-MM-DD``; no network access is made.

    Raises:
        ImportProblem: unsupported extension, bytes that cannot be decoded,
            a corrupt gzip file, or no article text found.  The message starts
            with the file name and tells the contributor how to fix the file.
    """
    name = PurePath(filename).name or filename
    lower = name.lower()
    if lower.endswith(_HTML_SUFFIXES):
        if lower.endswith(".gz"):
            raw = _gunzip(raw, name)
        return _html_article(raw, name)
    suffix = PurePath(lower).suffix
    if suffix in _TEXT_SUFFIXES:
        return _plain_article(raw, name, _TEXT_SUFFIXES[suffix])
    shown = suffix or "(none)"
    raise ImportProblem(f"{name}: unsupported file type '{shown}'; save the article as .html, .txt or .md")


# --- plain text and Markdown ------------------------------------------------


def _plain_article(raw: bytes, name: str, fmt: str) -> ExtractedArticle:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ImportProblem(
            f"{name}: not valid UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start}); "
            "re-save the file with UTF-8 encoding"
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ImportProblem(f"{name}: the file is empty; paste the article text into it")
    title = _markdown_title(text) if fmt == "markdown" else None
    return ExtractedArticle(
        text=text,
        format=fmt,
        title=title,
        author=None,
        date=None,
        sitename=None,
        url=None,
        language=None,
        extractor="plain",
    )


def _markdown_title(text: str) -> str | None:
    """Return the text of a leading ``# `` heading (blank lines before it allowed)."""
    for line in text.split("\n"):
        if not line.strip():
            continue
        match = _ATX_HEADING.match(line)
        return match.group(1).strip() if match else None
    return None


# --- saved HTML pages ----------------------------------------------------------


def _gunzip(raw: bytes, name: str) -> bytes:
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error):
        raise ImportProblem(f"{name}: not a valid gzip file; decompress it or save the page again as .html") from None


def _decode_html(raw: bytes) -> str:
    """Decode a saved page: BOM, then declared charset, then UTF-8, then windows-1252.

    A declared single-byte charset (windows-1252, ISO-8859-x, KOI8-R, ...) is
    overridden when the bytes are valid UTF-8 with non-ASCII characters: pages
    re-saved by browsers or editors are often UTF-8 with a stale declaration,
    and valid non-ASCII UTF-8 practically never happens by accident in a
    single-byte encoding.  The declaration is looked for in the ``<head>``.
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom) :].decode(encoding, errors="replace")

    head = raw[:_CHARSET_PRESCAN_BYTES]
    head_end = _HEAD_END.search(head)
    declared = _declared_charset(head[: head_end.start()] if head_end else head)
    if declared is not None:
        if declared.startswith(("utf-16", "utf-32")):
            # Without a BOM such a declaration is wrong (the <meta> was readable
            # as ASCII); the WHATWG rule is to read the page as UTF-8.
            declared = "utf-8"
        try:
            text = raw.decode(declared)
        except UnicodeDecodeError:
            text = None
        if text is not None:
            if declared != "utf-8" and _is_single_byte(declared):
                utf8 = _try_utf8(raw)
                if utf8 is not None and not utf8.isascii():
                    return utf8
            return text

    utf8 = _try_utf8(raw)
    if utf8 is not None:
        return utf8
    if declared is not None:
        return raw.decode(declared, errors="replace")
    return raw.decode("cp1252", errors="replace")


def _declared_charset(head: bytes) -> str | None:
    """Return the Python codec name of the charset declared in ``head``, if known."""
    match = _XML_DECL_ENCODING.match(head.lstrip()) or _META_CHARSET.search(head)
    if match is None:
        return None
    label = match.group(1).decode("ascii").strip().lower()
    if label in _WINDOWS_1252_ALIASES:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, name)


def _is_single_byte(encoding: str) -> bool:
    return encoding.startswith(("cp125", "iso8859", "latin", "mac-", "koi8", "cp8", "cp4"))


def _try_utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _trafilatura_version() -> str:
    try:
        return f"trafilatura {version('trafilatura')}"
    except PackageNotFoundError:  # pragma: no cover - trafilatura is a dependency
        return f"trafilatura {getattr(trafilatura, '__version__', 'unknown')}"


def _html_article(raw: bytes, name: str) -> ExtractedArticle:
    html = _decode_html(raw)
    if not html.strip():
        raise ImportProblem(f"{name}: the file is empty; save the complete web page as .html")
    tree = trafilatura.load_html(html)
    if tree is None:
        raise ImportProblem(
            f"{name}: not an HTML page; save the complete web page as .html, or save the article text as .txt"
        )
    options = dict(TRAFILATURA_OPTIONS)
    if options.get("deduplicate") is True:
        # trafilatura's default duplicate cache is process-wide, which would
        # make one page's result depend on pages extracted before it.
        options["deduplicate"] = LRUCache(maxsize=4096)
    document = trafilatura.bare_extraction(
        tree,
        url=None,
        output_format="python",
        with_metadata=True,
        **options,
    )
    body = getattr(document, "text", None) or ""
    paragraphs = _paragraphs(body)
    title = _clean(getattr(document, "title", None))
    if DROP_TITLE_FROM_BODY and paragraphs and title and _same_text(paragraphs[0], title):
        paragraphs = paragraphs[1:]
    if not paragraphs:
        raise ImportProblem(
            f"{name}: no article text found in the page; save the page while the "
            "article is displayed, or copy the article text into a .txt file"
        )
    return ExtractedArticle(
        text="\n\n".join(paragraphs),
        format="text",
        title=title,
        author=_clean(getattr(document, "author", None)),
        date=_iso_date(getattr(document, "date", None)),
        sitename=_clean(getattr(document, "sitename", None)),
        url=_clean(getattr(document, "url", None)),
        language=_clean(getattr(document, "language", None)) or _page_language(tree),
        extractor=_trafilatura_version(),
    )


def _paragraphs(text: str) -> list[str]:
    """One paragraph per non-blank line of trafilatura's text output."""
    return [line for line in (_SPACES.sub(" ", raw).strip() for raw in text.splitlines()) if line]


def _same_text(a: str, b: str) -> bool:
    return _SPACES.sub(" ", a).strip().casefold() == _SPACES.sub(" ", b).strip().casefold()


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = _SPACES.sub(" ", value).strip()
    return value or None


def _iso_date(value: object) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    return None


def _page_language(tree: lxml.html.HtmlElement) -> str | None:
    """Primary language subtag from ``<html lang>`` or ``og:locale`` (``en-US`` → ``en``)."""
    root = tree.getroottree().getroot()
    candidates = [
        root.get("lang"),
        root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        *root.xpath("//meta[@property='og:locale']/@content"),
    ]
    for candidate in candidates:
        if not candidate:
            continue
        primary = re.split(r"[-_]", candidate.strip(), maxsplit=1)[0].lower()
        if re.fullmatch(r"[a-z]{2,3}", primary):
            return primary
    return None
