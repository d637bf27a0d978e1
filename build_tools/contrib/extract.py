"""Article extraction for ``source add``: a file a contributor brings (plain text, Markdown,
or a saved HTML page, through trafilatura) into article text plus metadata for a catalog entry."""

from __future__ import annotations

import codecs
import copy
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from datetime import date as date_cls
from importlib.metadata import PackageNotFoundError, version
from pathlib import PurePath
from typing import Any

import lxml.html
import trafilatura
from trafilatura.deduplication import LRUCache

from build_tools.errors import UserError

__all__ = [
    "MAX_PAGE_BYTES",
    "TRAFILATURA_OPTIONS",
    "ExtractedArticle",
    "ImportProblem",
    "StructureHint",
    "clean_metadata",
    "extract_article",
]

#: Options passed to ``trafilatura.bare_extraction`` for saved HTML pages.
#: Chosen by measurement on the article-extraction benchmark; see
#: ``benchmarks/README.md`` for the figures behind each choice.  The benchmark
#: may override entries in its own process (``--set KEY=VALUE``) to compare
#: alternatives; nothing else should modify this mapping.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "favor_precision": True,  # best mean F1 measured; drops more boilerplate (rescued below)
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

#: favor_precision turns off trafilatura's own rescues (baseline, recall retry,
#: jusText) and cuts some articles to their first paragraphs.  The page is
#: therefore also extracted with the balanced default, and that text is taken
#: when the precise one is empty or shorter than this share of it (0.3-0.6
#: measured the same on the benchmark; see benchmarks/README.md).
PRECISION_RESCUE_RATIO = 0.5
#: ...but only when the balanced text is long enough to be an article
#: (trafilatura's own MIN_EXTRACTED_SIZE): below that it is navigation.
RESCUE_MIN_CHARS = 250

#: Put figure captions into the text (as `caption` blocks).
KEEP_CAPTIONS = True

#: Pages (and gzip contents) larger than this are refused before parsing:
#: trafilatura's own MAX_FILE_SIZE; the largest benchmark page is 1.5 MB.
MAX_PAGE_BYTES = 20_000_000

#: Dates are read from the page's markup only (meta tags, JSON-LD, <time>,
#: the URL), never by htmldate's extensive search of the visible text, which
#: takes copyright footers ("© 2007–2016") for publication dates.
DATE_PARAMS: dict[str, Any] = {"original_date": True, "extensive_search": False}

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
class StructureHint:
    """A block whose kind the HTML states: becomes a ``structure:`` override of the new entry."""

    quote: str
    """Text that singles out the block in the extracted text."""
    as_kind: str
    """``caption`` or ``quotation``."""
    reason: str
    """Why, naming the HTML element (``<figcaption>``, ``<blockquote>``)."""


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
    structure: tuple[StructureHint, ...] = ()
    """Captions and block quotations the page marks as such."""
    dropped: tuple[str, ...] = ()
    """What of the page is not in ``text`` (figures, tables, boilerplate), one phrase each."""
    warnings: tuple[str, ...] = field(default=())
    """Things the contributor should know (e.g. an unusable charset declaration)."""


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
    ``date`` is ``None`` or ``YYYY-MM-DD``, read from the page's markup (or the
    day printed beside the headline when the markup's UTC date is one day off),
    never from a copyright line; ``title``, ``author`` and ``sitename`` are
    plain one-line text (no tags, control characters or line breaks); captions
    and block quotations are listed in ``structure``, what was left out in
    ``dropped``; no network access is made.

    Raises:
        ImportProblem: unsupported extension, bytes that cannot be decoded,
            a corrupt gzip file, a file (or gzip content) over
            :data:`MAX_PAGE_BYTES`, an error page, or no article text found.  The message starts
            with the file name and tells the contributor how to fix the file.
    """
    name = PurePath(filename).name or filename
    lower = name.lower()
    if len(raw) > MAX_PAGE_BYTES:
        raise ImportProblem(
            f"{name}: the file is {len(raw) / 1e6:.0f} MB, more than the {MAX_PAGE_BYTES / 1e6:.0f} MB an article "
            "can be; save only the article page (without its media), or copy the article text into a .txt file"
        )
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
    """Decompress every gzip member, refusing more than :data:`MAX_PAGE_BYTES` without inflating the rest."""
    out = bytearray()
    data = raw
    try:
        while True:
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            out += inflater.decompress(data, MAX_PAGE_BYTES + 1 - len(out))
            if len(out) > MAX_PAGE_BYTES or inflater.unconsumed_tail:
                raise ImportProblem(
                    f"{name}: the page inside the gzip file is more than {MAX_PAGE_BYTES / 1e6:.0f} MB, more than "
                    "an article can be; save the article page again as .html"
                )
            if not inflater.eof:
                raise zlib.error("truncated")
            data = inflater.unused_data
            if not data.strip(b"\0"):  # trailing zero padding is allowed, as gzip(1) does
                return bytes(out)
    except zlib.error:
        raise ImportProblem(f"{name}: not a valid gzip file; decompress it or save the page again as .html") from None


def _decode_html(raw: bytes, warnings: list[str] | None = None) -> str:
    """Decode a saved page: BOM, then declared charset, then UTF-8, then windows-1252.

    A declared single-byte charset (windows-1252, ISO-8859-x, KOI8-R, ...) is
    overridden when the bytes are valid UTF-8 with non-ASCII characters: pages
    re-saved by browsers or editors are often UTF-8 with a stale declaration,
    and valid non-ASCII UTF-8 practically never happens by accident in a
    single-byte encoding.  The declaration is looked for in the ``<head>``.
    A declared name that is a Python codec but not a text encoding (``hex``,
    ``rot13``, ``undefined``…) is ignored, with a line in ``warnings``.
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom) :].decode(encoding, errors="replace")

    head = raw[:_CHARSET_PRESCAN_BYTES]
    head_end = _HEAD_END.search(head)
    declared = _declared_charset(head[: head_end.start()] if head_end else head, warnings)
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


def _declared_charset(head: bytes, warnings: list[str] | None = None) -> str | None:
    """Return the Python codec name of the charset declared in ``head``, if usable."""
    match = _XML_DECL_ENCODING.match(head.lstrip()) or _META_CHARSET.search(head)
    if match is None:
        return None
    label = match.group(1).decode("ascii").strip().lower()
    if label in _WINDOWS_1252_ALIASES:
        return "cp1252"
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    name = _SUPERSETS.get(info.name, info.name)
    # Python also registers byte-to-byte and str-to-str codecs (hex, rot13, zlib)
    # and one that always fails (undefined): none of them reads text.
    if not getattr(info, "_is_text_encoding", True) or name == "undefined":
        if warnings is not None:
            warnings.append(
                f"the page declares charset={label!r}, which is not a text encoding; "
                "it was read as UTF-8 (or windows-1252 where that fails): check the text for wrong characters"
            )
        return None
    return name


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


# Titles of pages that are not an article but a server's or site's error message.
_ERROR_TITLE = re.compile(
    r"(?:(?:error\s*)?\d{3}(?:\s*error)?(?:\s*[-:–—]\s*|\s+)?)?"
    r"(?:error|page not found|not found|file not found|access denied|forbidden|gone|"
    r"internal server error|service unavailable|bad gateway|bad request|unauthori[sz]ed|"
    r"something went wrong|oops!?|page unavailable|this page (?:is not available|could not be found)|"
    r"sorry,? (?:the|this) page (?:you were looking for )?"
    r"(?:(?:does not|doesn't) exist|(?:could not|couldn't|can't|cannot) be found))"
    r"|(?:error\s*)?[45]\d{2}",
    re.IGNORECASE,
)


def _html_article(raw: bytes, name: str) -> ExtractedArticle:
    warnings: list[str] = []
    html = _decode_html(raw, warnings)
    if not html.strip():
        raise ImportProblem(f"{name}: the file is empty; save the complete web page as .html")
    tree = trafilatura.load_html(html)
    if tree is None:
        raise ImportProblem(
            f"{name}: not an HTML page; save the complete web page as .html, or save the article text as .txt"
        )
    figures = len(tree.xpath("//body//figure"))
    images = len(tree.xpath("//body//img | //body//picture"))
    captions = _captions_as_paragraphs(tree) if KEEP_CAPTIONS else set()
    title = _best_title(tree, sitename=_meta(tree, "og:site_name"), url=_page_url(tree))
    if title is not None and _ERROR_TITLE.fullmatch(title.strip(" .!")):
        raise ImportProblem(
            f"{name}: this is an error page (titled {title!r}), not an article; open the article in the "
            "browser again and save the page once it is displayed"
        )
    document = _extract(tree, precise=True)
    paragraphs = _paragraphs(getattr(document, "text", None) or "")
    balanced = _extract(tree, precise=False) if TRAFILATURA_OPTIONS.get("favor_precision") else None
    if balanced is not None:
        rescued = _paragraphs(getattr(balanced, "text", None) or "")
        size = sum(map(len, rescued))
        if size >= RESCUE_MIN_CHARS and sum(map(len, paragraphs)) < PRECISION_RESCUE_RATIO * size:
            document, paragraphs = balanced, rescued
    title = title or clean_metadata(getattr(document, "title", None))
    if DROP_TITLE_FROM_BODY and paragraphs and title and _same_text(paragraphs[0], title):
        paragraphs = paragraphs[1:]
    if not paragraphs:
        words = len(_page_text(tree).split())
        if words == 0:
            why = "the page has no text at all (perhaps it shows the article only with JavaScript)"
        else:
            why = f"its {words} words of text are all navigation, links and other boilerplate"
        raise ImportProblem(
            f"{name}: no article text found in the page: {why}; save the page while the "
            "article is displayed, or copy the article text into a .txt file"
        )
    body = getattr(document, "body", None)
    date = _iso_date(getattr(document, "date", None))
    if date is not None:
        date = _printed_date(_page_text(tree), date, title=title)
    return ExtractedArticle(
        text="\n\n".join(paragraphs),
        format="text",
        title=title,
        author=_byline(clean_metadata(getattr(document, "author", None))),
        date=date,
        sitename=clean_metadata(getattr(document, "sitename", None)),
        url=_clean_url(getattr(document, "url", None)),
        language=clean_metadata(getattr(document, "language", None)) or _page_language(tree),
        extractor=_trafilatura_version(),
        structure=_structure_hints(paragraphs, captions=captions, quotes=_quotes(body)),
        dropped=_dropped(tree, body, paragraphs, figures=figures, images=images),
        warnings=tuple(warnings),
    )


def _extract(tree: lxml.html.HtmlElement, *, precise: bool) -> Any:
    options = dict(TRAFILATURA_OPTIONS)
    if not precise:
        options["favor_precision"] = False
    if options.get("deduplicate") is True:
        # trafilatura's default duplicate cache is process-wide, which would
        # make one page's result depend on pages extracted before it.
        options["deduplicate"] = LRUCache(maxsize=4096)
    return trafilatura.bare_extraction(
        copy.deepcopy(tree),  # trafilatura prunes the tree it is given
        url=None,
        output_format="python",
        with_metadata=True,
        date_extraction_params=dict(DATE_PARAMS),
        **options,
    )


def _paragraphs(text: str) -> list[str]:
    """One paragraph per non-blank line of trafilatura's text output."""
    return [line for line in (_SPACES.sub(" ", raw).strip() for raw in text.splitlines()) if line]


def _same_text(a: str, b: str) -> bool:
    return _SPACES.sub(" ", a).strip().casefold() == _SPACES.sub(" ", b).strip().casefold()


# --- metadata -------------------------------------------------------------------

_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->", re.S)
# Bidirectional overrides and isolates can make a title display as something else.
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def clean_metadata(value: object) -> str | None:
    """One line of plain text, or None: tags, control characters and every line break removed.

    Line breaks (``\\r \\n \\v \\f \\x85 \\u2028 \\u2029``) and other white space
    become one space; control characters and bidirectional overrides are dropped;
    anything that looks like an HTML tag or comment is removed.
    """
    if not isinstance(value, str):
        return None
    value = _TAG.sub(" ", value)
    value = "".join(" " if ch.isspace() else ch for ch in value)
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc").translate(_BIDI)
    value = _SPACES.sub(" ", value).strip()
    return value or None


def _clean_url(value: object) -> str | None:
    url = clean_metadata(value)
    return url if url and re.fullmatch(r"https?://\S+", url) else None


_BYLINE_JUNK = re.compile(
    r"^(?:by\s+)?(?:view (?:all|more) posts?(?: by)?|more (?:from|by)|staff|admin|editor|author|"
    r"see all|posted by|written by|contributor)$",
    re.IGNORECASE,
)


_DAY_OR_MONTH = (
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|January|February|March|April|May|June|July|August|"
    r"September|October|November|December"
)
_TRAILING_DATE_WORD = re.compile(rf"(?:[\s,]+(?:{_DAY_OR_MONTH}))+$", re.IGNORECASE)


def _byline(author: str | None) -> str | None:
    """The byline as printed, without a leading "By" or date words run into it; None for link texts.

    trafilatura separates several authors with "; "; a part that is only a
    weekday or month name (a date run into the byline) is dropped.
    """
    if author is None:
        return None
    parts = []
    for part in author.split(";"):
        part = _TRAILING_DATE_WORD.sub("", re.sub(r"^by\s+", "", part.strip(), flags=re.IGNORECASE)).strip(" ,")
        if re.fullmatch(_DAY_OR_MONTH, part, flags=re.IGNORECASE):
            continue
        if part and not _BYLINE_JUNK.match(part) and re.search(r"[^\W\d_]", part):
            parts.append(part)
    return "; ".join(parts) or None


_MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_PRINTED_DATES = (
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I), (3, 1, 2)),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(\d{{4}})\b", re.I), (3, 2, 1)),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), (1, 2, 3)),
)


_EMBED_BEFORE = re.compile(r"\(@\w+\)\s*$")


def _dates_in(text: str) -> set[str]:
    found: set[str] = set()
    for pattern, (y, m, d) in _PRINTED_DATES:
        for match in pattern.finditer(text):
            if _EMBED_BEFORE.search(text, max(0, match.start() - 40), match.start()):
                continue  # the date of an embedded post: "— Name (@handle) November 18, 2019"
            month = match.group(m)
            month_number = _MONTHS.get(month[:3].lower()) if not month.isdigit() else int(month)
            try:
                found.add(date_cls(int(match.group(y)), month_number or 0, int(match.group(d))).isoformat())
            except ValueError:
                continue
    return found


def _printed_date(page_text: str, markup: str, *, title: str | None) -> str:
    """The markup's date, or the day printed beside the headline when that is one day off.

    Publication times in the markup are often UTC: an evening article in New York
    carries the next day's date there, while the page prints its local date.
    """
    at = page_text.find(title) if title else -1
    window = page_text[max(0, at - 800) : at + 2500] if at >= 0 else page_text[:3000]
    printed = _dates_in(window)
    if markup in printed:
        return markup
    day = date_cls.fromisoformat(markup)
    near = sorted(p for p in printed if abs((date_cls.fromisoformat(p) - day).days) == 1)
    return near[0] if len(near) == 1 else markup


def _iso_date(value: object) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    return None


def _meta(tree: lxml.html.HtmlElement, key: str) -> str | None:
    for value in tree.xpath("//meta[@property=$k or @name=$k]/@content", k=key):
        cleaned = clean_metadata(value)
        if cleaned:
            return cleaned
    return None


def _page_url(tree: lxml.html.HtmlElement) -> str | None:
    for value in (*tree.xpath("//link[@rel='canonical']/@href"), _meta(tree, "og:url")):
        url = _clean_url(value)
        if url:
            return url
    return None


# " | Reuters", " - WSJ", " – Brett Larkin Yoga", " :: Site", " · Site", " » Site"
_TITLE_SEPARATOR = re.compile(r"\s+[|–—:·•»~]\s+|\s+-{1,2}\s+|\s*\|\s*")


def _fold(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _site_names(tree: lxml.html.HtmlElement, sitename: str | None, url: str | None) -> set[str]:
    names = {sitename or "", _meta(tree, "application-name") or "", _meta(tree, "twitter:site") or ""}
    host = re.sub(r"^www\d?\.", "", (url or "").split("/")[2].lower()) if url and url.count("/") >= 2 else ""
    if host:
        names.add(host)
        names.add(host.rsplit(".", 1)[0])
    return {_fold(n.lstrip("@")) for n in names if _fold(n)}


def _is_site(segment: str, sites: set[str]) -> bool:
    fold = _fold(segment)
    if not fold:
        return True
    return any(fold == s or (len(fold) >= 3 and (fold in s or s in fold)) for s in sites)


def _strip_site(title: str, sites: set[str], common: set[str]) -> str:
    """Remove leading/trailing segments that name the site ("… | Reuters")."""
    parts = _TITLE_SEPARATOR.split(title)
    seps = _TITLE_SEPARATOR.findall(title)
    if len(parts) < 2:
        return title
    start, end = 0, len(parts)
    while end - start > 1 and (_is_site(parts[end - 1], sites) or _fold(parts[end - 1]) in common):
        end -= 1
    while end - start > 1 and (_is_site(parts[start], sites) or _fold(parts[start]) in common):
        start += 1
    out = parts[start]
    for i in range(start + 1, end):
        out += seps[i - 1] + parts[i]
    return out.strip()


def _best_title(tree: lxml.html.HtmlElement, *, sitename: str | None, url: str | None) -> str | None:
    """The best of ``og:title``, the page's ``<h1>`` and ``<title>``, without the site's name.

    The ``<h1>`` is taken when ``og:title`` or ``<title>`` confirms it (a page's
    first ``<h1>`` is often its logo); otherwise ``og:title``, then ``<title>``,
    each with leading or trailing segments naming the site removed.
    """
    og = _meta(tree, "og:title") or _meta(tree, "twitter:title")
    page_title = clean_metadata(" ".join(tree.xpath("//head/title//text()")[:1]) or None)
    sites = _site_names(tree, sitename, url)
    # a segment shared by og:title and <title> at the same end is the site's name
    common: set[str] = set()
    if og and page_title:
        og_parts, title_parts = _TITLE_SEPARATOR.split(og), _TITLE_SEPARATOR.split(page_title)
        if len(title_parts) > 1 and len(og_parts) > 1:
            for a, b in ((og_parts[-1], title_parts[-1]), (og_parts[0], title_parts[0])):
                if _fold(a) == _fold(b) and _fold(og) != _fold(page_title):
                    common.add(_fold(a))
        if len(title_parts) > 1 and _fold(og) != _fold(page_title):
            # <title> = og:title + " | Site": the extra segment is the site
            if _fold(page_title).startswith(_fold(og)):
                common.add(_fold(title_parts[-1]))
            elif _fold(page_title).endswith(_fold(og)):
                common.add(_fold(title_parts[0]))
    stripped = [t for t in (_strip_site(og, sites, common) if og else None,
                            _strip_site(page_title, sites, common) if page_title else None) if t]  # fmt: skip
    h1s = [clean_metadata(h.text_content()) for h in tree.xpath("//body//h1")[:5]]
    for h1 in h1s:
        if (
            h1
            and not _is_site(h1, sites)
            and any(_fold(h1) and _fold(h1) in _fold(t) for t in (og or "", page_title or ""))
        ):
            return h1
    if stripped:
        return stripped[0]
    return next((h for h in h1s if h and not _is_site(h, sites)), None)


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


# --- structure: captions, quotations, what was left out ---------------------------


def _text_of(element: Any) -> str:
    return _SPACES.sub(" ", "".join(element.itertext())).strip()


def _captions_as_paragraphs(tree: lxml.html.HtmlElement) -> set[str]:
    """Put each ``<figure>``'s caption where the figure was, as a paragraph; return the caption texts.

    trafilatura drops figures with their captions unless images are kept (and then
    keeps the image, not the caption).
    """
    captions: set[str] = set()
    for caption in tree.xpath("//figure//figcaption"):
        figure = next(caption.iterancestors("figure"))
        text = _text_of(caption)
        if not text or figure.getparent() is None:
            continue
        paragraph = lxml.html.Element("p")
        paragraph.text = text
        paragraph.tail = figure.tail
        figure.getparent().replace(figure, paragraph)
        captions.add(text.casefold())
    return captions


def _quotes(body: Any) -> set[str]:
    if body is None:
        return set()
    return {_text_of(p).casefold() for q in body.iter("quote") for p in (q.findall("p") or [q]) if _text_of(p)}


def _unique_quote(paragraph: str, paragraphs: list[str]) -> str:
    """The shortest run of leading words (at least 8, or all) found in no other paragraph."""
    words = paragraph.split(" ")
    for n in range(min(8, len(words)), len(words) + 1):
        quote = " ".join(words[:n])
        if sum(quote in p for p in paragraphs) == 1:
            return quote
    return paragraph


def _structure_hints(paragraphs: list[str], *, captions: set[str], quotes: set[str]) -> tuple[StructureHint, ...]:
    hints: list[StructureHint] = []
    for paragraph in paragraphs:
        key = paragraph.casefold()
        if key in captions:
            kind, reason = "caption", "the saved page gives it as a <figcaption>"
        elif key in quotes:
            kind, reason = "quotation", "the saved page gives it as a <blockquote>"
        else:
            continue
        if sum(p == paragraph for p in paragraphs) > 1:
            continue  # the same text twice cannot be singled out by a quote
        hints.append(StructureHint(_unique_quote(paragraph, paragraphs), kind, reason))
    return tuple(hints)


def _page_text(tree: lxml.html.HtmlElement) -> str:
    body = tree.find(".//body")
    if body is None:
        return ""
    hidden = "ancestor::script or ancestor::style or ancestor::noscript or ancestor::template"
    texts = [t for t in body.xpath(f".//text()[not({hidden})]") if t.strip()]
    return _SPACES.sub(" ", " ".join(texts)).strip()


def _dropped(
    tree: lxml.html.HtmlElement, body: Any, paragraphs: list[str], *, figures: int, images: int
) -> tuple[str, ...]:
    """Phrases saying what of the page is not in the text: images, tables, boilerplate."""
    out: list[str] = []
    if figures or images:
        out.append(
            f"{figures} figure(s) and {images} image(s): pictures are not kept"
            + (" (captions are, as `caption` blocks)" if figures else "")
        )
    tables = len(tree.xpath("//body//table"))
    kept_tables = len(body.findall(".//table")) if body is not None else 0
    if tables > kept_tables:
        out.append(f"{tables - kept_tables} of {tables} table(s): layout or boilerplate tables")
    page_words = len(_page_text(tree).split())
    kept_words = sum(len(p.split()) for p in paragraphs)
    if page_words > kept_words:
        out.append(
            f"boilerplate: {page_words - kept_words} of the page's {page_words} words "
            "(navigation, links, footers, comments and other text around the article)"
        )
    return tuple(out)
