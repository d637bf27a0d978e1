"""A hostile project: the 6,613 XSS payloads spread over every field that reaches a page.

:func:`write_hostile_project` writes a complete project (sources, catalog, outlets,
notes, cross-references, glossary, the hand-written docs/ and mkdocs.yml) into a folder,
and returns a :class:`Manifest` that says which payloads went into which field and on
which pages each field shows. It is shared by the built-site scan
(tests/test_xss_site.py) and the browser test (tests/browser/test_xss_dom.py).

Payloads are *hooked*: ``alert``/``prompt``/``confirm`` become ``__xss.push`` (see
:func:`hooked`), so a payload that runs records itself in ``window.__xss`` even where a
dialog would not fire. Each field value packs several payloads separated by spaces, and
starts with a tag (``F07-3``) naming the field and value, so a hit can be traced back.

A value is placed only where ``check`` would accept it, so that the build runs:

* Markdown fields (``body``, ``note``, ``description`` of outlets, ``about``) take a
  payload as written when the sanitiser accepts it, else inside a code span (the
  rejected form is covered by tests/test_xss_fields.py and tests/test_security.py);
* URL fields take ``https://example.org/?`` followed by the payload without whitespace;
* a glossary ``description`` holds at most 200 characters (the schema's limit), so
  longer payloads are counted as refused for that field;
* quotes (notes, cross-reference passages, structure overrides) are the text of the
  hostile sources' own blocks, as ingest reads them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from build_tools.errors import Origin, Report
from build_tools.mdsafe import BodyContext, UnsafeUrl, check_url, sanitize
from build_tools.model import BlockKind
from build_tools.stages.ingest import ingest_text

from .conftest import ROOT, make_source

PAYLOAD_FILE = Path(__file__).parent / "data" / "xss-payload-list.txt"
PAYLOADS: list[str] = [line for line in PAYLOAD_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]

_HOOK = re.compile(r"(?<![\w$.])(?<!\[')(?<!\[\")(?:alert|prompt|confirm)(?![\w$])")


def hooked(payload: str) -> str:
    """``payload`` with ``alert``/``prompt``/``confirm`` replaced by ``__xss.push``."""
    return _HOOK.sub("__xss.push", payload)


# The fields of the built tier, by the entity that holds them: (field, kind of value).
# kind: "line" (one-line plain text), "md" (sanitised Markdown), "url", "text" (a
# source's own text), "title" (a link title in a Markdown source), "desc" (one line,
# at most 200 characters), "short" (at most 16 characters: one payload, no tag), "id"
# (a lowercase-hyphenated id: every payload is refused by the schema).
FIELDS: dict[str, str] = {
    "outlet.name": "line",
    "outlet.short": "short",
    "outlet.description": "md",
    "outlet.url": "url",
    "source.title": "line",
    "source.label": "line",
    "source.byline": "line",
    "source.inferred.date": "line",
    "source.inferred.other": "line",
    "source.dating": "line",
    "source.about": "md",
    "source.url": "url",
    "source.structure.reason": "line",
    "source.txt": "text",
    "source.md": "text",
    "source.md.link_title": "title",
    "note.body": "md",
    "note.tags": "id",
    "crossref.title": "line",
    "crossref.note": "md",
    "crossref.primary.words": "line",
    "crossref.silent.why": "line",
    "glossary.name": "line",
    "glossary.aliases": "line",
    "glossary.description": "desc",
    "glossary.body": "md",
    "citation.title": "line",
    "citation.url": "url",
    "glossary.links.title": "line",
}
"""Every field the built tier fills. Quotes (notes, cross-reference passages, structure
overrides) are not listed: they are the sources' own text (``source.txt``/``source.md``)."""

_ARIA_LABEL_BREAK = re.compile(r"\[[^\]]*\]\s*\(|[{}]")
"""Link syntax, or braces (which end or open the attr_list early: payloads 6202, 6219, 6234,
6398, 6434 add attributes named after their words, ``onload`` and ``onfilterchange`` among
them). Braces alone are not always enough, so this holds back more than it must."""
FIXED_BREAKS: dict[str, tuple[re.Pattern[str], str]] = {
    "outlet.name": (
        _ARIA_LABEL_BREAK,
        "Markdown link syntax in an outlet name ([x](javascript:…)) became a live link inside the "
        "cross-reference marker's aria-label, and braces ended the attr_list early; fixed by escape_attr "
        "encoding [ ] ( ) { } = * _ as entities.",
    ),
    "outlet.short": (_ARIA_LABEL_BREAK, "as outlet.name: the short label starts the same aria-label"),
}
"""Breaks this harness found and that were fixed: tests/test_xss_fields.py keeps a regression test
for each, over exactly the payloads that broke."""
OPEN_BREAKS: dict[str, tuple[re.Pattern[str], str]] = {}
"""Breaks found by this harness and not fixed yet: field → (payloads that hit it, what happens).
:func:`write_hostile_project` keeps those payloads out of that field (so the build runs and
everything else is still checked); tests/test_xss_fields.py has a strict xfail test for each,
which fails as soon as the break is fixed — then delete the entry here and that marker."""

N_OUTLETS = 6
N_SOURCES = 16  # half plain text, half Markdown
N_GLOSSARY = 60
N_NOTES_PER_PARAGRAPH = 1
CHUNK = 1200
"""Most characters of payload packed into one value (a single longer payload stays whole)."""
DESC_LIMIT = 200
SHORT_LIMIT = 16


@dataclass
class Manifest:
    """What went where: for each field, the payload indexes tried and refused."""

    tried: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    refused: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """Payloads ``check`` would refuse in this field (kept out so the build runs)."""
    held_back: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """Payloads kept out of a field because they hit a break still open (:data:`OPEN_BREAKS`)."""
    code_span: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """Markdown fields: payloads the sanitiser rejects, placed inside a code span."""
    pages: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """Field → site paths (``glossary/g-3/``) of pages that show it."""
    values: dict[str, list[int]] = field(default_factory=dict)
    """Value tag (``F07-3``) → the payload indexes packed into that value."""


def _chunks(indexes: list[int], payloads: list[str], limit: int) -> list[list[int]]:
    out: list[list[int]] = []
    cur: list[int] = []
    size = 0
    for i in indexes:
        n = len(payloads[i]) + 1
        if cur and size + n > limit:
            out.append(cur)
            cur, size = [], 0
        cur.append(i)
        size += n
    if cur:
        out.append(cur)
    return out


def _code_span(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks} {text} {ticks}"


def _md_ok(text: str) -> bool:
    report = Report()
    sanitize(text, BodyContext(Origin("x.yml", 1), "body"), report)
    return not report.errors


def _url_of(payload: str) -> str | None:
    url = "https://example.org/?" + re.sub(r"\s+", "", payload)
    try:
        check_url(url, allow_relative=False)
    except UnsafeUrl:
        return None
    return url


class _Values:
    """Hands out packed values of one field, in order, with their tags."""

    def __init__(self, name: str, number: int, indexes: list[int], payloads: list[str], man: Manifest) -> None:
        self.name, self.kind = name, FIELDS[name]
        self.payloads, self.man = payloads, man
        keep = []
        for i in indexes:
            p = payloads[i]
            if (
                (self.kind == "desc" and len(p) + 8 > DESC_LIMIT)
                or (self.kind == "short" and len(p) > SHORT_LIMIT)
                or self.kind == "id"
            ) or (self.kind == "url" and _url_of(p) is None):
                man.refused[name].append(i)
            else:
                keep.append(i)
        limit = {"desc": DESC_LIMIT - 8, "short": 1}.get(self.kind, CHUNK)
        self.groups = _chunks(keep, payloads, limit)
        self.tag_prefix = f"F{number:02d}"
        self.used = 0

    def __len__(self) -> int:
        return len(self.groups)

    def take(self, page: str | tuple[str, ...] = ()) -> str | None:
        """The next value (``None`` when the field's payloads are used up)."""
        if self.used >= len(self.groups):
            return None
        group = self.groups[self.used]
        tag = f"{self.tag_prefix}-{self.used}"
        self.used += 1
        self.man.values[tag] = group
        self.man.tried[self.name].extend(group)
        for p in (page,) if isinstance(page, str) else page:
            self.man.pages[self.name].add(p)
        if self.kind == "url":
            return _url_of(" ".join(self.payloads[i] for i in group)) or "https://example.org/"
        parts = []
        for i in group:
            p = self.payloads[i]
            if self.kind == "md" and not _md_ok(p):
                self.man.code_span[self.name].append(i)
                p = _code_span(p)
            parts.append(p)
        text = " ".join(parts)
        if self.kind == "short":
            return text
        if self.kind == "md" and not _md_ok(f"{tag} {text}"):
            # Payloads that are harmless alone can combine into a refused construct.
            text = " ".join(_code_span(self.payloads[i]) for i in group)
        return f"{tag} {text}"

    def rest(self) -> list[str]:
        out = []
        while (v := self.take()) is not None:
            out.append(v)
        return out


def _md_title(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dump(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = path.parent.name if path.parent.name != "annotations" else path.stem
    prefix = "schema/" if path.parent.name == "annotations" else "../schema/"
    header = f"# yaml-language-server: $schema={prefix}{schema}.schema.json\n"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**9, default_flow_style=False)
    path.write_text(header + text, encoding="utf-8")


def _ingest_blocks(text: str, fmt: str, file: str, sid: str):
    src = dataclasses.replace(make_source(fmt, file=file), id=sid)
    return ingest_text(text, src, outlet=None, report=Report()).blocks


def _plain_citation(n: int) -> dict[str, str]:
    return {"title": f"Plain primary text {n}", "url": f"https://example.org/primary/{n}", "accessed": "2024-06-01"}


def write_hostile_project(
    dest: Path, *, payloads: list[str] | None = None, skip: dict[str, set[int]] | None = None
) -> Manifest:
    """Write the hostile project under ``dest``; return where every payload went.

    ``skip`` keeps the given payload indexes out of a field; by default, those that hit
    a break still open (:data:`OPEN_BREAKS`); ``skip={}`` keeps nothing out."""
    payloads = [hooked(p) for p in (payloads if payloads is not None else PAYLOADS)]
    man = Manifest()
    names = list(FIELDS)
    # Payload i goes into field i mod F: every payload once, every field ~N/F payloads.
    per_field: dict[str, list[int]] = {n: [] for n in names}
    for i in range(len(payloads)):
        per_field[names[i % len(names)]].append(i)
    # A badge label holds 16 characters: it takes every payload that short.
    per_field["outlet.short"] = sorted(
        set(per_field["outlet.short"]) | {i for i, p in enumerate(payloads) if len(p) <= SHORT_LIMIT}
    )
    if skip is None:
        skip = {
            f: {i for i, p in enumerate(payloads) if pattern.search(p)} for f, (pattern, _why) in OPEN_BREAKS.items()
        }
    for f, skipped in skip.items():
        man.held_back[f].extend(i for i in per_field[f] if i in skipped)
        per_field[f] = [i for i in per_field[f] if i not in skipped]
    vals = {n: _Values(n, k, per_field[n], payloads, man) for k, n in enumerate(names)}

    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        ROOT / "docs",
        dest / "docs",
        ignore=shutil.ignore_patterns(*("sources", "glossary", "crossrefs", "outlets", "_partials")),
    )
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", dest / "overrides")  # theme.custom_dir
    shutil.copytree(ROOT / "annotations" / "schema", dest / "annotations" / "schema")
    (dest / "sources").mkdir()

    source_ids = [f"s{n:02d}" for n in range(N_SOURCES)]
    outlet_ids = [f"o{n}" for n in range(N_OUTLETS)]
    every_source_page = tuple(f"sources/{s}/" for s in source_ids)
    outlet_of = {sid: outlet_ids[n % N_OUTLETS] for n, sid in enumerate(source_ids)}

    def cite(page: str | tuple[str, ...]) -> list[dict]:
        t, u = vals["citation.title"].take(page), vals["citation.url"].take(page)
        if t is None and u is None:
            return [{"title": "Plain citation", "url": "https://example.org/", "accessed": "2026-11-22"}]
        return [{"title": t or "Plain citation", "url": u or "https://example.org/", "accessed": "2026-11-22"}]

    # ----------------------------------------------------------------- glossary (names first: sources mention them)
    n_glossary = max(N_GLOSSARY, *(len(vals[f]) for f in FIELDS if f.startswith("glossary.")))
    gl_pages = [f"glossary/g{n:03d}/" for n in range(n_glossary)]
    entries = []
    mention_words: list[str] = []
    for n in range(n_glossary):
        page = gl_pages[n]
        word = f"Glossxq{n:03d}"
        acronym = "XQ" + "".join(chr(65 + (n // 26**k) % 26) for k in (2, 1, 0))
        name = vals["glossary.name"].take((page, "glossary/", *every_source_page)) or f"Entry {n}"
        aliases = [word]
        if n % 3 == 0:
            aliases.append(acronym)  # an acronym: its expansion (the name) goes to the abbreviations
            mention_words.append(f"{word} {acronym}")
        else:
            mention_words.append(word)
        extra = vals["glossary.aliases"].take(page)
        if extra:
            aliases.append(extra)
        entry = {
            "id": f"g{n:03d}",
            "name": name,
            "kind": ["person", "organisation", "place", "term", "document", "event"][n % 6],
            "aliases": aliases,
            "description": vals["glossary.description"].take((page, "glossary/", *every_source_page))
            or f"Plain description {n}.",
        }
        body = vals["glossary.body"].take(page)
        if body:
            entry["body"] = body
        entry["citations"] = cite(page)
        link = vals["glossary.links.title"].take(page)
        if link:
            entry["links"] = [{"title": link, "url": "https://example.org/further", "accessed": "2026-11-22"}]
        entries.append(entry)
    for kind_values in ("glossary.name", "glossary.description", "glossary.aliases"):
        assert vals[kind_values].used == len(vals[kind_values]), f"raise N_GLOSSARY: {kind_values} has more values"

    # ----------------------------------------------------------------- sources: the texts
    txt_vals, md_vals, lt_vals = vals["source.txt"], vals["source.md"], vals["source.md.link_title"]
    paragraphs: dict[str, list[str]] = {sid: [] for sid in source_ids}
    n_txt = N_SOURCES // 2
    k = 0
    while txt_vals.used < len(txt_vals) or md_vals.used < len(md_vals) or lt_vals.used < len(lt_vals):
        for s, sid in enumerate(source_ids):
            is_md = s >= n_txt
            page = f"sources/{sid}/"
            pages = (page, "crossrefs/")
            body = (md_vals if is_md else txt_vals).take(pages)
            if body is None:
                body = "Plain filler text"
            if is_md:
                # Markdown sources: escape nothing (the payload is the source's text), add a titled link.
                title = lt_vals.take(page)
                if title:
                    body += f" [link {sid}-{k}](https://example.org/{sid}/{k} {_md_title(title)})"
            words = mention_words[(s * 7 + k) % n_glossary]
            paragraphs[sid].append(f"Para {sid}-{k} {words}: {body} End of paragraph {sid}-{k}.")
        k += 1
    texts: dict[str, str] = {}
    blocks: dict[str, list] = {}
    for s, sid in enumerate(source_ids):
        is_md = s >= n_txt
        # Every glossary entry is mentioned at least once (in the first source of its slot).
        mentions = " ".join(mention_words[g] for g in range(s, n_glossary, N_SOURCES))
        head = f"Opening paragraph of hostile source {sid}, which mentions {mentions}."
        texts[sid] = "\n\n".join([head, *paragraphs[sid]]) + "\n"
        file = f"sources/{sid}.{'md' if is_md else 'txt'}"
        blocks[sid] = [
            b
            for b in _ingest_blocks(texts[sid], "markdown" if is_md else "text", file, sid)
            if b.text.startswith("Para ")
        ]
    for g in entries:  # glossary pages list mentions: the sources' text shows there too
        for f in ("source.txt", "source.md", "source.md.link_title"):
            man.pages[f].add(f"glossary/{g['id']}/")

    # ----------------------------------------------------------------- outlets
    outlets = []
    for n, oid in enumerate(outlet_ids):
        outlet = {
            "id": oid,
            "name": vals["outlet.name"].take(("outlets/", "sources/", "crossrefs/", *every_source_page))
            or f"Outlet {n}",
            "short": vals["outlet.short"].take(("outlets/", "sources/", "crossrefs/", *every_source_page)) or f"O{n}",
            "url": vals["outlet.url"].take("outlets/") or "https://example.org/",
            "color": "#1d4e89",
            "description": vals["outlet.description"].take(("outlets/", *every_source_page)) or f"Plain outlet {n}.",
            "citations": cite("outlets/"),
        }
        outlets.append(outlet)
    # The outlet fields have more values than outlets: the rest go to extra outlets with no source.
    while any(vals[f].used < len(vals[f]) for f in ("outlet.name", "outlet.short", "outlet.description", "outlet.url")):
        n = len(outlets)
        outlets.append(
            {
                "id": f"o{n}",
                "name": vals["outlet.name"].take("outlets/") or f"Outlet {n}",
                "short": vals["outlet.short"].take("outlets/") or f"O{n}",
                "url": vals["outlet.url"].take("outlets/") or "https://example.org/",
                "color": "#1d4e89",
                "description": vals["outlet.description"].take("outlets/") or f"Plain outlet {n}.",
            }
        )
        outlets[-1]["citations"] = cite("outlets/")

    # ----------------------------------------------------------------- catalog
    catalog = []
    for s, sid in enumerate(source_ids):
        is_md = s >= n_txt
        page = f"sources/{sid}/"
        file = f"sources/{sid}.{'md' if is_md else 'txt'}"
        data = texts[sid].encode("utf-8")
        (dest / file).write_bytes(data)
        title = vals["source.title"].take((page, "sources/", "", "glossary/")) if s % 2 == 0 else None
        entry: dict = {
            "id": sid,
            "file": file,
            "sha256": hashlib.sha256(data).hexdigest(),
            "format": "markdown" if is_md else "text",
            "outlet": outlet_of[sid],
            "title": title,
        }
        if title is None:
            entry["label"] = vals["source.label"].take((page, "sources/", "", "glossary/")) or f"[Source {sid}]"
        entry["byline"] = vals["source.byline"].take((page, "sources/", "")) or None
        dated = s % 3
        entry["date"] = None if dated == 2 else f"2024-02-{s + 1:02d}"
        entry["url"] = vals["source.url"].take(page) or None
        entry["language"] = "en"
        inferred = {}
        if dated == 0:
            inferred["date"] = vals["source.inferred.date"].take(page) or "Plain reason."
        other = vals["source.inferred.other"].take(page)
        if other:
            inferred["outlet"] = other
        if inferred:
            entry["inferred"] = inferred
        if dated == 2:
            entry["dating"] = vals["source.dating"].take((page, "sources/", "")) or "Plain dating."
        about = vals["source.about"].take(page)
        if about:
            entry["about"] = about
        reason = vals["source.structure.reason"].take(page) if len(blocks[sid]) > 1 else None
        if reason:
            # The second hostile paragraph becomes a heading (a payload in <h2>, the TOC and search).
            entry["structure"] = [{"quote": blocks[sid][1].text, "as": "heading", "reason": reason}]
        entry["citations"] = cite(page)
        catalog.append(entry)
    # Values left over (more values than sources) go to extra sources' fields.
    extra = 0
    leftovers = (
        "source.title",
        "source.label",
        "source.byline",
        "source.dating",
        "source.about",
        "source.url",
        "source.inferred.date",
        "source.inferred.other",
        "source.structure.reason",
    )
    while any(vals[f].used < len(vals[f]) for f in leftovers):
        sid = f"x{extra:02d}"
        page = f"sources/{sid}/"
        extra += 1
        text = f"Extra hostile source {sid}.\n\nPara {sid}-0 is a plain paragraph. End.\n\nPara {sid}-1 too. End.\n"
        file = f"sources/{sid}.txt"
        (dest / file).write_text(text, encoding="utf-8")
        title = vals["source.title"].take((page, "sources/", ""))
        entry = {
            "id": sid,
            "file": file,
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
            "format": "text",
            "outlet": outlet_ids[extra % N_OUTLETS],
            "title": title,
        }
        if title is None or extra % 2:
            entry["label"] = vals["source.label"].take((page, "sources/", "")) or f"[Source {sid}]"
        entry["byline"] = vals["source.byline"].take((page, "sources/", "")) or None
        dating = vals["source.dating"].take((page, "sources/", ""))
        reason = vals["source.inferred.date"].take(page)
        entry["date"] = None if dating else "2024-03-01"
        entry["url"] = vals["source.url"].take(page) or None
        entry["language"] = "en"
        inferred = {}
        if reason and not dating:
            inferred["date"] = reason
        other = vals["source.inferred.other"].take(page)
        if other:
            inferred["byline" if entry["byline"] else "outlet"] = other
        if inferred:
            entry["inferred"] = inferred
        if dating:
            entry["dating"] = dating
        about = vals["source.about"].take(page)
        if about:
            entry["about"] = about
        reason = vals["source.structure.reason"].take(page)
        if reason:
            entry["structure"] = [{"quote": f"Para {sid}-1 too.", "as": "heading", "reason": reason}]
        entry["citations"] = cite(page)
        catalog.append(entry)

    # ----------------------------------------------------------------- notes
    for sid in source_ids:
        page = f"sources/{sid}/"
        notes = []
        for j, b in enumerate(blocks[sid]):
            if b.kind is BlockKind.HEADING:
                continue
            note = {"id": f"n-{sid}-{j}", "quote": b.text}
            if j % 4 == 3:
                note["kind"] = "correction"
            note["body"] = vals["note.body"].take(page) or f"Plain note {sid}-{j}."
            tags = vals["note.tags"].take(page)
            if tags:
                note["tags"] = [tags]
            note["citations"] = cite(page)
            notes.append(note)
        _dump(dest / "annotations" / "notes" / f"{sid}.yml", {"source": sid, "notes": notes})
    for f in ("note.body", "note.tags"):
        assert vals[f].used == len(vals[f]), f"more {f} values than hostile paragraphs"

    # ----------------------------------------------------------------- cross-references
    xrefs = []
    relations = ["same-event", "same-quotation", "contradicts", "corrects", "cites", "context"]
    pairs = []
    for s in range(n_txt):
        a, b = source_ids[s], source_ids[s + n_txt]  # a plain text with a Markdown source
        for j in range(min(len(blocks[a]), len(blocks[b]))):
            if blocks[a][j].kind is not BlockKind.HEADING and blocks[b][j].kind is not BlockKind.HEADING:
                pairs.append((a, blocks[a][j].text, b, blocks[b][j].text))
    for n, (a, qa, b, qb) in enumerate(pairs):
        pages = (f"crossrefs/x{n:03d}/", "crossrefs/", f"sources/{a}/", f"sources/{b}/")
        xref = {
            "id": f"x{n:03d}",
            "title": vals["crossref.title"].take(pages) or f"Plain cross-reference {n}",
            "relation": relations[n % len(relations)],
            "note": vals["crossref.note"].take(pages) or f"Plain note {n}.",
            "passages": [{"source": a, "quote": qa}, {"source": b, "quote": qb}],
            "citations": cite(pages[0]),
        }
        words = vals["crossref.primary.words"].take(pages[0])
        if words:  # after the passage's own words, so that the comparison shows it
            xref["primary"] = [{"words": f"{qa} {words}", "citation": _plain_citation(n)}]
        why = vals["crossref.silent.why"].take((pages[0], "crossrefs/coverage/"))
        if why:
            quiet = next(s for s in source_ids if s not in (a, b))
            xref["silent"] = [{"source": quiet, "why": why}]
        xrefs.append(xref)
    for f in ("crossref.title", "crossref.note", "crossref.primary.words", "crossref.silent.why"):
        assert vals[f].used == len(vals[f]), f"more {f} values than cross-reference pairs"
    # Citations left over: more glossary entries carry them.
    while vals["citation.title"].used < len(vals["citation.title"]) or vals["citation.url"].used < len(
        vals["citation.url"]
    ):
        n = len(entries)
        entries.append(
            {
                "id": f"g{n:03d}",
                "name": f"Spare entry {n}",
                "kind": "term",
                "aliases": [f"Glossxq{n:03d}"],
                "description": "Plain description.",
                "citations": cite(f"glossary/g{n:03d}/"),
            }
        )
    unused = {f: len(v) - v.used for f, v in vals.items() if v.used < len(v)}
    assert not unused, f"values left unplaced: {unused}"

    ann = dest / "annotations"
    _dump(ann / "outlets.yml", {"outlets": outlets})
    _dump(ann / "sources.yml", {"sources": catalog})
    _dump(ann / "glossary" / "hostile.yml", {"entries": entries})
    _dump(ann / "crossrefs" / "hostile.yml", {"crossrefs": xrefs})
    return man


# --------------------------------------------------------------------------- build and scan

_TAG = re.compile(r"F(\d\d)-(\d+)")
_BAD_SCHEME = re.compile(r"^\s*(?:javascript|vbscript|data|livescript|mocha):", re.I)
URL_ATTRS = ("href", "src", "action", "formaction", "data", "xlink:href", "poster", "background", "srcdoc")
OWN_SCRIPT = re.compile(r"^(?:/|(?:\.\./)*)(?:assets/javascripts/bundle\.[0-9a-f]+\.min\.js|assets/reader\.js)$")
"""The site's own scripts: Material's bundle and the project's reader.js."""
ELEMENTS = frozenset(
    [
        "html",
        "head",
        "body",
        "meta",
        "title",
        "link",
        "script",
        "style",
        "noscript",
        "header",
        "nav",
        "main",
        "article",
        "aside",
        "footer",
        "div",
        "span",
        "a",
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "em",
        "strong",
        "code",
        "pre",
        "blockquote",
        "hr",
        "br",
        "sup",
        "sub",
        "mark",
        "abbr",
        "details",
        "summary",
        "label",
        "input",
        "form",
        "button",
        "svg",
        "path",
        "small",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "img",
        "template",
        "dialog",  # the Pagefind search box (overrides/partials/pagefind.html)
        "del",  # the quotation diff of cross-reference pages (render/pages.py)
        "ins",
    ]
)
"""Elements MkDocs, Material and the site's own templates write around the content (``img`` only
for Material's logo)."""


@dataclass(frozen=True)
class Break:
    """Live markup or script that reached the built site."""

    field: str
    """The field whose value it came from (by the nearest value tag before it), or ``?``."""
    tag: str
    payload: int | None
    """Index in tests/data/xss-payload-list.txt of the payload it most likely came from."""
    page: str
    what: str


def field_of(tag: str) -> str:
    """``F07-3`` → the field it was made for."""
    m = _TAG.fullmatch(tag)
    return list(FIELDS)[int(m.group(1))] if m else "?"


def build_site(root: Path, site_dir: Path, *, site_url: str) -> object:
    """``python -m build_tools build`` of the project at ``root`` (the real pipeline)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "SITE_URL": site_url, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "build_tools", "--root", str(root), "build", "--quiet", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def _guess_payload(tag: str, snippet: str, man: Manifest, payloads: list[str]) -> int | None:
    group = man.values.get(tag, [])
    words = set(re.findall(r"[a-z]{3,}", snippet.lower()))
    best = max(group, key=lambda i: len(words & set(re.findall(r"[a-z]{3,}", payloads[i].lower()))), default=None)
    return best


def scan_html(page: str, html: str, man: Manifest, payloads: list[str]) -> list[Break]:
    """Every element, attribute, script or URL in a built page that no field should make."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    lines = html.split("\n")
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln) + 1)
    out = []

    def hit(el, what: str) -> None:
        pos = offsets[(el.sourceline or 1) - 1] + (el.sourcepos or 0)
        # The value tag inside the element (an attribute it broke out of), else the last before it.
        tags = _TAG.findall(str(el)[:2000]) or _TAG.findall(html[max(0, pos - 200_000) : pos + 1])
        tag = f"F{tags[-1][0]}-{tags[-1][1]}" if tags else "?"
        out.append(Break(field_of(tag), tag, _guess_payload(tag, str(el)[:300], man, payloads), page, what))

    titles = soup.find_all("title")
    if len(titles) != 1:
        hit(titles[-1] if titles else soup, f"{len(titles)} <title> elements")
    descriptions = soup.find_all("meta", attrs={"name": "description"})
    if len(descriptions) > 1:
        hit(descriptions[-1], f"{len(descriptions)} <meta name=description>")
    for el in soup.find_all(True):
        if el.name not in ELEMENTS and not (el.find_parent("svg") is not None):
            hit(el, f"element <{el.name}>: {str(el)[:160]}")
        handlers = [a for a in el.attrs if a.lower().startswith("on")]
        if handlers:
            hit(el, f"event handler {handlers} on <{el.name}>: {str(el)[:160]}")
        for attr in URL_ATTRS:
            value = el.get(attr)
            if isinstance(value, str) and _BAD_SCHEME.match(re.sub(r"[\x00-\x20]", "", value)):
                hit(el, f"script URL in {attr}= of <{el.name}>: {value[:120]}")
        if el.name == "img" and el.find_parent("label", class_="md-logo") is None and "md-logo" not in str(el.parent):
            hit(el, f"<img> outside the logo: {str(el)[:160]}")
        if el.name == "script":
            src, kind = el.get("src"), (el.get("type") or "").lower()
            text = el.string or ""
            if src is not None:
                if not OWN_SCRIPT.match(src):
                    hit(el, f"foreign script src={src!r}")
            elif kind in ("application/json", "application/ld+json"):
                import json

                try:
                    json.loads(text)
                except ValueError:
                    hit(el, f"<script type={kind}> is not JSON any more: {text[:120]!r}")
                if "</" in text.lower().replace("<\\/", ""):
                    hit(el, f"'</' inside <script type={kind}>")
            elif "__xss" in text or _TAG.search(text):
                hit(el, f"inline script made of a field: {text[:120]!r}")
    return out


def scan_site(site_dir: Path, man: Manifest, payloads: list[str]) -> list[Break]:
    """:func:`scan_html` on every page, and the search index's titles and texts."""
    import json

    from bs4 import BeautifulSoup

    out: list[Break] = []
    for html in sorted(site_dir.rglob("*.html")):
        rel = html.relative_to(site_dir).as_posix()
        out += scan_html(rel, html.read_text(encoding="utf-8"), man, payloads)
    index = site_dir / "search" / "search_index.json"
    if index.exists():
        for doc in json.loads(index.read_text(encoding="utf-8"))["docs"]:
            for key in ("title", "text"):
                soup = BeautifulSoup(doc.get(key, ""), "html.parser")
                for el in soup.find_all(True):
                    bad = [a for a in el.attrs if a.lower().startswith("on")]
                    live = el.name not in {
                        "p",
                        "code",
                        "em",
                        "strong",
                        "a",
                        "ul",
                        "ol",
                        "li",
                        "blockquote",
                        "mark",
                        "pre",
                        "span",
                        "sup",
                        "abbr",
                        "br",
                        "hr",
                        "div",
                        "dl",
                        "dt",
                        "dd",
                    }
                    # Titles keep the renderer's own inline markup (a note marker in a heading).
                    if bad or live or (key == "title" and el.name not in {"code", "em", "strong", "sup", "a", "mark"}):
                        tags = _TAG.findall(doc.get(key, "")[: doc.get(key, "").find(str(el)[:20]) + 1] or "")
                        tag = f"F{tags[-1][0]}-{tags[-1][1]}" if tags else "?"
                        out.append(
                            Break(
                                field_of(tag),
                                tag,
                                _guess_payload(tag, str(el), man, payloads),
                                f"search_index.json {doc.get('location', '')}",
                                f"live <{el.name}> in the {key}: {str(el)[:160]}",
                            )
                        )
    return out


def field_table(man: Manifest, breaks: list[Break]) -> str:
    """tried / refused / safe / broke per field, as a Markdown table."""
    broke: dict[str, set[int]] = defaultdict(set)
    for b in breaks:
        if b.payload is not None:
            broke[b.field].add(b.payload)
    rows = [
        "| field | tried | refused by check | held back (open break) | safe | broke |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for f in FIELDS:
        tried = len(set(man.tried.get(f, [])))
        n = len(broke.get(f, ()))
        held = len(man.held_back.get(f, []))
        rows.append(f"| {f} | {tried} | {len(man.refused.get(f, []))} | {held} | {tried - n} | {n} |")
    unknown = [b for b in breaks if b.field == "?"]
    if unknown:
        rows.append(f"| (no field tag found) | | | | {len(unknown)} |")
    return "\n".join(rows)


@dataclass
class HostileSite:
    """The hostile project, its build, and (if it built) the site served on localhost."""

    root: Path
    manifest: Manifest
    payloads: list[str]
    """The hooked payloads, by index."""
    build: object
    """The finished ``build`` process (returncode, stdout, stderr)."""
    site_dir: Path
    base_url: str

    @property
    def built(self) -> bool:
        return self.build.returncode == 0 and (self.site_dir / "index.html").exists()


def hostile_site_fixture(tmp_path_factory):
    """Body of the session fixture ``hostile_site`` (tests/conftest.py)."""
    import functools
    import http.server
    import threading

    from .conftest import free_port

    port = free_port()
    base_url = f"http://127.0.0.1:{port}/"
    root = tmp_path_factory.mktemp("hostile") / "project"
    man = write_hostile_project(root)
    site_dir = root.parent / "site"
    proc = build_site(root, site_dir, site_url=base_url)
    site = HostileSite(root, man, [hooked(p) for p in PAYLOADS], proc, site_dir, base_url)
    if not site.built:
        yield site
        return

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Quiet, directory=str(site_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
