"""``source add``: a text or a saved news page into ``sources/`` and its entry into the catalog.

HTML pages. ``source add page.html`` keeps the page byte-identical as
``sources/ID.html`` (provenance) and writes the article text extracted by
:func:`build_tools.contrib.extract.extract_article` to ``sources/ID.txt``. The catalog
entry's ``file:`` and ``sha256:`` are those of the ``.txt`` — the text that is ingested,
annotated and never edited afterwards — ``page:`` and ``page_sha256:`` those of the saved
page (so the same page is not added twice, and ``check`` notices a changed page), and its
``about:`` names the extractor version, so the text can be re-derived and checked. The
page's captions and block quotations become ``structure:`` overrides of the new entry.

The entry is appended to ``annotations/sources.yml`` as text (see :mod:`.add`): the rest of
the catalog is left byte for byte as it was, and its ``about:`` starts with ``TODO:`` until
a person has confirmed the extracted metadata.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from build_tools import kinds, yamlio
from build_tools.contrib.add import ID_PATTERN, Appended, _words_slug, append_item, dump_entry
from build_tools.contrib.extract import ExtractedArticle
from build_tools.errors import Origin, Report, UserError
from build_tools.model import BlockKind, Outlet, Source
from build_tools.paths import src_path
from build_tools.schema import did_you_mean, slugify
from build_tools.stages.load import ANNOTATIONS_DIR, load_outlets

RAW_KEEP = (".html", ".htm", ".html.gz", ".htm.gz")


def _outlet_guess(outlets: dict[str, Outlet], sitename: str | None, url: str | None) -> str | None:
    """The outlet whose id, name, short name or web address matches the page's site name or URL."""

    def fold(s: str) -> str:
        return re.sub(r"[^a-z0-9]", "", s.lower())

    host = re.sub(r"^www\.", "", re.sub(r"^https?://", "", url or "").split("/")[0].lower())
    for outlet in outlets.values():
        names = {fold(outlet.id), fold(outlet.name), fold(outlet.short)}
        if sitename and fold(sitename) in names:
            return outlet.id
        ohost = re.sub(r"^www\.", "", re.sub(r"^https?://", "", outlet.url or "").split("/")[0].lower())
        if host and ohost and (host == ohost or host.endswith("." + ohost)):
            return outlet.id
    return None


def _with_front_matter(article: ExtractedArticle, outlet: Outlet, *, filename: str) -> ExtractedArticle:
    """Fill title, byline and date from the text's own title, byline and dateline lines,
    found by the same ingest rules that will read the source (where the importer found none)."""
    from build_tools.stages.ingest import ingest_text
    from build_tools.stages.ingest.rules import parse_dateline

    probe = Source(
        id="new", file=f"sources/{filename}", format=article.format, outlet=outlet.id, title=None, label="new",
        byline=None, date=None, url=None, language="en", sha256="", inferred={}, dating=None, about="",
        structure=(), citations=(), origin=Origin(f"sources/{filename}"),
    )  # fmt: skip
    doc = ingest_text(article.text, probe, outlet=outlet, report=Report())
    title, byline, dateline = (doc.front(k) for k in (BlockKind.TITLE, BlockKind.BYLINE, BlockKind.DATELINE))
    return dataclasses.replace(
        article,
        title=article.title or (title.text if title else None),
        author=article.author or (byline.text.removeprefix("By ").strip() if byline else None),
        date=article.date or (parse_dateline(dateline.text) if dateline else None),
    )


def source_add(
    root: Path,
    file: Path,
    *,
    outlet: str | None = None,
    ident: str | None = None,
    title: str | None = None,
    byline: str | None = None,
    date_: str | None = None,
    url: str | None = None,
    about: str | None = None,
) -> str:
    """Store a new source under ``sources/`` and append its catalog entry to ``annotations/sources.yml``.

    Plain text (``.txt``) and Markdown (``.md``) are stored byte-identical; a saved page
    (``.html``, ``.htm``, optionally gzipped) is stored byte-identical next to the text
    extracted from it, which is what the catalog points at (see the module docstring);
    the entry records the page as ``page:`` and ``page_sha256:``, and the page's captions
    and block quotations as ``structure:`` overrides. ``title``, ``byline``, ``date_``,
    ``url`` and ``about`` replace what would be extracted; extracted values are marked
    ``# confirm`` and, without ``about``, the entry's ``about:`` starts with ``TODO:``, so
    ``check`` fails until a person has confirmed it. Refuses an existing id or file, a
    page or text already in the catalog (also under another ``--id``), an unknown outlet
    (with did-you-mean) and an unsupported file type.

    Reads only the new file, ``annotations/outlets.yml`` and the text of
    ``annotations/sources.yml`` (substring tests for the new id and hashes, no YAML
    load), so its cost hardly grows with the number of sources and not at all with
    the annotations.
    """
    from build_tools.contrib.extract import MAX_PAGE_BYTES, extract_article

    given = _given_metadata(title=title, byline=byline, date_=date_, url=url, about=about)
    if not file.is_file():
        raise UserError(f"{file}: no such file")
    size = file.stat().st_size
    if size > MAX_PAGE_BYTES:
        raise UserError(
            f"{file.name}: the file is {size / 1e6:.0f} MB, more than the {MAX_PAGE_BYTES / 1e6:.0f} MB an article "
            "can be; save only the article page (without its media), or copy the article text into a .txt file"
        )
    raw = file.read_bytes()
    article = extract_article(raw, filename=file.name)
    files = _catalog_files(root)
    if not files:
        raise UserError("annotations/sources.yml is missing; run from the project root or pass --root DIR")
    catalog = files[-1]
    outlets = load_outlets(root, Report())
    catalog_text = "\n".join(f.read_bytes().decode("utf-8", errors="replace") for f in files)
    outlet, guessed = _pick_outlet(outlets, outlet, article, given, filename=file.name)
    lower = file.name.lower()
    is_html = lower.endswith(RAW_KEEP)
    if not is_html:
        article = _with_front_matter(article, outlets[outlet], filename=file.name)
    article = dataclasses.replace(
        article,
        title=given.get("title", article.title),
        author=given.get("byline", article.author),
        date=given.get("date", article.date),
        url=given.get("url", article.url),
    )
    if ident is None:
        # The date in an id is one the page's markup, the text's dateline or --date states:
        # the importer never guesses one (no copyright years, no visible-text search).
        slug = _words_slug(article.title, 5) if article.title else slugify(file.name.split(".")[0])
        ident = f"{outlet}-{article.date or 'undated'}-{slug}"[:80].strip("-")
    if not ID_PATTERN.match(ident):
        raise UserError(f"--id {ident!r} must be lowercase words joined by hyphens, e.g. '{slugify(ident)}'")
    if ident in catalog_text and ident in _catalog_index(catalog_text).ids:
        raise UserError(f"source id '{ident}' already exists in annotations/sources.yml; choose another with --id")
    digest_raw = hashlib.sha256(raw).hexdigest()
    sources_dir = root / "sources"
    if is_html:
        suffix = lower[lower.index(".htm") :]
        text_path = sources_dir / f"{ident}.txt"
        raw_path: Path | None = sources_dir / f"{ident}{suffix}"
        data = (article.text.rstrip("\n") + "\n").encode("utf-8")
        fmt = "text"
    else:
        text_path = sources_dir / f"{ident}{Path(lower).suffix}"
        raw_path = None
        data = raw
        fmt = article.format
    digest = hashlib.sha256(data).hexdigest()
    for candidate in dict.fromkeys((digest_raw, digest)):
        # a plain substring test first: the entry is looked up only when the hash is there
        if candidate in catalog_text and candidate in (index := _catalog_index(catalog_text)).digests:
            other_id, other_file = index.digests[candidate]
            raise UserError(f"{file.name} is already in the catalog as '{other_id}' ({other_file})")
    for p in (text_path, raw_path):
        if p is not None and p.exists():
            raise UserError(f"{src_path(p, root)} already exists; choose another id with --id")
    today = date.today().isoformat()
    entry, comments = _catalog_entry(
        root, ident, article, outlets[outlet], given, guessed=guessed, today=today,
        text_path=text_path, raw_path=raw_path, digest=digest, digest_raw=digest_raw, fmt=fmt,
    )  # fmt: skip
    sources_dir.mkdir(exist_ok=True)
    written: list[Path] = []
    try:
        for p, content in ((text_path, data), (raw_path, raw)):
            if p is not None:
                p.write_bytes(content)
                written.append(p)
        done = _append_to_catalog(
            catalog,
            entry,
            render=lambda indent: [
                f"{' ' * indent}# added by `python -m build_tools source add {file.name}` on {today}",
                *dump_entry(entry, indent=indent, comments=comments),
            ],
            root=root,
        )
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        raise
    return _added_report(root, ident, article, given, done=done, text_path=text_path, raw_path=raw_path,
                         digest=digest, digest_raw=digest_raw)  # fmt: skip


def _pick_outlet(
    outlets: dict[str, Outlet], outlet: str | None, article: ExtractedArticle, given: dict[str, str], *, filename: str
) -> tuple[str, bool]:
    """The outlet ``--outlet`` names (checked), or the one guessed from the page; and whether it was guessed."""
    if outlet is not None:
        if outlet not in outlets:
            raise UserError(
                f"unknown outlet '{outlet}'{did_you_mean(outlet, outlets)}\n"
                f"    hint: use an id from annotations/outlets.yml ({', '.join(sorted(outlets))}), "
                "or add the outlet there first"
            )
        return outlet, False
    outlet = _outlet_guess(outlets, article.sitename, given.get("url") or article.url)
    if outlet is None:
        seen = f" (the page names its site {article.sitename!r})" if article.sitename else ""
        raise UserError(
            f"cannot tell the outlet of {filename}{seen}; pass --outlet ID, one of: "
            f"{', '.join(sorted(outlets))} — or add the outlet to annotations/outlets.yml first"
        )
    return outlet, True


def _catalog_entry(
    root: Path,
    ident: str,
    article: ExtractedArticle,
    outlet: Outlet,
    given: dict[str, str],
    *,
    guessed: bool,
    today: str,
    text_path: Path,
    raw_path: Path | None,
    digest: str,
    digest_raw: str,
    fmt: str,
) -> tuple[dict[str, object], dict[str, str]]:
    """The new catalog entry, in catalog field order, and the ``# confirm`` comments of
    the values a person must check (those extracted or guessed, not given)."""
    how = (
        f"extracted from the page by {article.extractor}"
        if raw_path is not None
        else "detected in the text by the ingest rules"
    )
    confirm = f"confirm: {how}"
    entry: dict[str, object] = {"id": ident, "file": src_path(text_path, root), "sha256": digest}
    if raw_path is not None:
        entry["page"] = src_path(raw_path, root)
        entry["page_sha256"] = digest_raw
    entry.update(
        {
            "format": fmt,
            "outlet": outlet.id,
            "title": article.title,
            "byline": article.author,
            "date": article.date,
            "url": article.url,
            "language": article.language or "en",
        }
    )
    if article.title is None:
        entry["label"] = f"[Untitled {outlet.short} text]"
    provenance = ""
    if raw_path is not None:
        provenance = (
            f"Saved web page `{src_path(raw_path, root)}`, kept as received; the text in "
            f"`{src_path(text_path, root)}` was extracted from it by {article.extractor} on {today}."
        )
    if "about" in given:
        entry["about"] = f"{given['about']} {provenance}".strip()
    elif raw_path is not None:
        entry["about"] = (
            f"TODO: confirm the metadata marked `confirm` against the page, then delete this sentence. {provenance}"
        )
    else:
        entry["about"] = "TODO: say where this text came from and how it was received (e.g. Received as plain text)."
    if article.structure:
        entry["structure"] = [{"quote": h.quote, "as": h.as_kind, "reason": h.reason} for h in article.structure]
    field_of = {"title": "title", "byline": "byline", "date": "date", "url": "url"}
    comments = {
        k: confirm
        for k, option in field_of.items()
        if option not in given and (raw_path is not None or entry[k] is not None)
    }  # fmt: skip
    comments["language"] = confirm if article.language else "confirm: not stated in the file; en assumed"
    if guessed:
        comments["outlet"] = f"confirm: guessed from the site name {article.sitename or article.url!r}"
    if "label" in entry:
        comments["label"] = "shown because the title is unknown; describe the text"
    if "structure" in entry:
        comments["structure"] = "from the page's HTML: confirm with `python -m build_tools blocks ID`"
    return entry, comments


def _added_report(
    root: Path,
    ident: str,
    article: ExtractedArticle,
    given: dict[str, str],
    *,
    done: Appended,
    text_path: Path,
    raw_path: Path | None,
    digest: str,
    digest_raw: str,
) -> str:
    """What ``source add`` stored and what the contributor does next."""
    stored = [f"  stored {src_path(text_path, root)} (sha256 {digest})"]
    if raw_path is not None:
        stored.append(f"  kept the page as received: {src_path(raw_path, root)} (sha256 {digest_raw})")
    found_kinds = [h.as_kind for h in article.structure]
    if found_kinds:
        counted = ", ".join(f"{found_kinds.count(k)} {k}(s)" for k in ("caption", "quotation") if k in found_kinds)
        stored.append(f"  kept {counted} marked in the page's HTML as `structure:` overrides of the entry")
    if article.dropped:
        stored.append("  left out of the text:")
        stored.extend(f"    - {line}" for line in article.dropped)
    stored.extend(f"  warning: {line}" for line in article.warnings)
    return "\n".join(
        [
            f"added source '{ident}': appended to {src_path(done.path, root)} at line {done.line}",
            *stored,
            "next:",
            f"  - confirm every value marked `# confirm` in {src_path(done.path, root)} against the original;"
            " unknown stays null (a title null needs a `label:`)",
            *(["  - replace the TODO: at the start of `about:`"] if "about" not in given else []),
            f"  - see how the text was split into blocks: python -m build_tools blocks {ident}",
            "  - then run: python -m build_tools check",
            f'  - annotate it: python -m build_tools note add {ident} "a passage" --body "…"',
        ]
    )


def _given_metadata(**options: str | None) -> dict[str, str]:
    """The ``--title --byline --date --url --about`` values given, checked; UserError if malformed."""
    from build_tools.contrib.extract import clean_metadata

    given: dict[str, str] = {}
    for name, value in options.items():
        if value is None:
            continue
        key = name.rstrip("_")
        flag = f"--{key}"
        if key == "about":
            if not value.strip():
                raise UserError(
                    f"{flag} is empty; say where the text came from, e.g. --about 'Received as plain text.'"
                )
            given[key] = value.strip()
            continue
        cleaned = clean_metadata(value)
        if cleaned is None:
            raise UserError(f"{flag} is empty; leave the option out if the value is unknown")
        if key == "date":
            try:
                ok = date.fromisoformat(cleaned).isoformat() == cleaned
            except ValueError:
                ok = False
            if not ok:
                raise UserError(f"{flag} {value!r} is not a date written YYYY-MM-DD, e.g. --date 2023-04-16")
        if key == "url" and not re.fullmatch(r"https?://\S+", cleaned):
            raise UserError(f"{flag} {value!r} is not a web address; write it in full, e.g. https://example.org/page")
        given[key] = cleaned
    return given


@dataclass(frozen=True, slots=True)
class CatalogIndex:
    """What ``source add`` needs to know of the catalog: taken ids, and which entry holds a hash."""

    ids: frozenset[str]
    digests: dict[str, tuple[str, str]]
    """sha256 of a source text or saved page → (source id, file or page)."""


_CATALOG_FIELD = re.compile(
    r"""^[ ]*(?:-[ ]+)?(id|file|sha256|page|page_sha256):[ ]*(['"]?)([^'"\s#]+)\2[ ]*(?:\#.*)?$""",
    re.MULTILINE,
)


def _catalog_index(text: str) -> CatalogIndex:
    """Scan the text of ``annotations/sources.yml`` for ids, files and hashes (no YAML load)."""
    ids: set[str] = set()
    digests: dict[str, tuple[str, str]] = {}
    current: dict[str, str] = {}

    def flush() -> None:
        for key, path_key in (("sha256", "file"), ("page_sha256", "page")):
            if key in current:
                digests.setdefault(current[key], (current.get("id", "?"), current.get(path_key, "?")))

    for match in _CATALOG_FIELD.finditer(text):
        key, value = match.group(1), match.group(3)
        if key == "id":
            flush()
            current = {"id": value}
            ids.add(value)
        else:
            current.setdefault(key, value)
    flush()
    return CatalogIndex(frozenset(ids), digests)


_TOP_KEY = re.compile(r"\n([A-Za-z_][\w-]*)[ ]*:")  # after a newline: fast to search for
_FIRST_ITEM = re.compile(r"^([ ]*)- ", re.MULTILINE)


def _catalog_files(root: Path) -> list[Path]:
    """The catalog's files in reading order: ``annotations/sources.yml``, then the files of
    ``annotations/sources/`` if the catalog is split (a new entry goes into the last one)."""
    base = root / ANNOTATIONS_DIR
    return [p for pattern in kinds.KINDS["sources"].patterns for p in sorted(base.glob(pattern)) if p.is_file()]


def _append_to_catalog(
    catalog: Path, entry: dict[str, object], *, render: Callable[[int], list[str]], root: Path
) -> Appended:
    """Append one entry to the ``sources:`` block list as text, reading back only the new lines.

    The usual layout (``sources:`` the last top-level key, a block list under it) is
    appended to directly; anything else goes through :func:`append_item`, which parses
    the whole file.
    """
    text = catalog.read_bytes().decode("utf-8")
    keys = list(_TOP_KEY.finditer("\n" + text))
    rest = text[keys[-1].end() - 1 :] if keys else ""
    first = _FIRST_ITEM.search(rest)
    if not keys or keys[-1].group(1) != "sources" or rest.split("\n", 1)[0].strip() or first is None:
        return append_item(catalog, key="sources", render=render, new_file=lambda: "", root=root)
    indent = len(first.group(1))
    expected = yamlio.read("\n".join(render(0)))
    if expected != [entry]:  # pragma: no cover - dump_entry writes what reads back
        raise UserError("internal error: the new catalog entry does not read back as written")
    head = text if text.endswith("\n") else text + "\n"
    separator = "" if head.endswith("\n\n") else "\n"
    new_text = head + separator + "\n".join(render(indent)) + "\n"
    tmp = catalog.with_name(f".{catalog.name}.tmp")
    tmp.write_text(new_text, encoding="utf-8")
    os.replace(tmp, catalog)
    return Appended(catalog, (head + separator).count("\n") + 1, False)
