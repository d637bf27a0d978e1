"""Static tier of the XSS harness (issue 14): every payload through every plain-text field.

Each of the 6,613 payloads of tests/data/xss-payload-list.txt fills every plain-text
field of its own outlet, plain-text source, Markdown source, note, cross-reference and
glossary entry; the real anchoring and renderer run, the front matter of every page is
parsed back, and the Markdown is converted with the extensions of the site's mkdocs.yml
and scanned against an allow-list (tests/xss_render.py). Markdown fields (bodies, notes,
descriptions of outlets, ``about:``) are the sanitiser's job: tests/test_security.py pushes
every payload through it.

The fields, and the path each takes to a page:

========================  =====================================================================
outlet.name               badge title= (tooltip) on every page that shows the outlet; outlets page
                          <h2> (and its TOC entry); cross-reference marker tooltip and aria-label
                          (inside an attr_list); endnotes; About; source pages' front-matter
                          description → <meta name=description>; Cite fences
outlet.short              badge text; cross-reference marker text and aria-label
outlet.url, source.url,   link targets (checked URLs, percent-encoded); About (as text)
citation.url
citation.title            "Sources:" line (link text), every kind
source.title / .label     front-matter title → <title>, Material's header, search index; <h1>;
                          About; timeline (home, sources index); glossary mention headings;
                          cross-reference cards; Cite fences (plain, APA, BibTeX)
source.byline             meta line; About; timeline; Cite fences
source.inferred.*         "(inferred)" link tooltip in the meta line (date); About
source.dating             About; timeline of undated sources
source.structure.reason   only in `check`/`blocks` reports, never on a page
source .txt / .md text    paragraphs, headings, quotations; glossary mention sentences
                          (<strong>); cross-reference cards, endnotes and marker tooltips of the
                          *other* source; search index
.md link titles           title= of the source's own links (tooltip)
note.quote, passages'     the sources' own text (highlighted), never printed as given
quotes, structure quotes
note.tags                 a lowercase-hyphenated id: the schema refuses any payload
crossref.title            front-matter title → <title>; <h1>; index; endnote headings
glossary.name             front-matter title → <title>; <h1>; glossary index; abbreviation
                          expansions (<abbr title>, a tooltip) of acronym aliases
glossary.aliases          "Also written:"; linked wherever a source uses them
glossary.description      front-matter description → <meta>; glossary link tooltip (title=) in
                          every source; glossary index; the entry's page
glossary.links.title      "Further reading:" line
========================  =====================================================================

What is checked on each page: no front-matter value holds a raw ``<``, ``>`` or ``"``
(MkDocs' templates print them unescaped); no element or attribute outside the allow-list
(so no ``on*`` attribute, no <script>, <img>, <svg>, …); every ``href`` is http(s), a
fragment or a ``.md`` page (anything else is a script URL, or a link MkDocs' strict build
fails on); and while Material's ``content.tooltips`` is on, no title= holds ``<`` (the
feature copies titles into the page with innerHTML).

Line breaks: the payload list has none, so :func:`test_line_breaks_in_one_line_fields_are_refused`
puts each kind (``\\r``, ``\\u2028``, …) into every one-line field of a project and
expects ``check`` to report each one at its file:line.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from build_tools.pipeline import load_corpus

from .hostile import FIXED_BREAKS, OPEN_BREAKS, PAYLOADS, write_hostile_project
from .xss_render import FIELD_PATHS, attribute, make_markdown, scan_batch, site_features

BATCH = 200
SAMPLE = 32
"""Whole pages (About, Cite, endnotes, mention lists, indexes) for every SAMPLE-th payload."""


@pytest.fixture(scope="module")
def md():
    return make_markdown()


@pytest.fixture(scope="module")
def tooltips() -> bool:
    return "content.tooltips" in site_features()


def _report(md, found: dict[str, list[str]], bad: list[int], payloads: list[str], *, tooltips: bool, full: bool) -> str:
    kinds = Counter(p.split(":", 1)[0][:70] for ps in found.values() for p in ps)
    lines = [f"{len(bad)} payloads break a page; problems by kind:"]
    lines += [f"  {n:6}  {k}" for k, n in kinds.most_common(15)]
    lines.append("first payloads, with the field(s) they break through:")
    for i in bad[:8]:
        fields = attribute(md, payloads[i], tooltips=tooltips, full=full)
        lines.append(f"  #{i} {payloads[i][:90]!r}")
        for f, ps in fields.items():
            lines.append(f"      {f}: {ps[0][:160]}")
    return "\n".join(lines)


def _scan(md, indexes: list[int], *, tooltips: bool, full: bool, batch: int, **options) -> tuple[dict, list[int]]:
    found: dict[str, list[str]] = {}
    bad: set[int] = set()
    for start in range(0, len(indexes), batch):
        chunk = indexes[start : start + batch]
        result = scan_batch(md, [PAYLOADS[i] for i in chunk], tooltips=tooltips, full=full, **options)
        found.update({f"{start}:{k}": v for k, v in result.items()})
        for page in result:
            digits = "".join(c for c in page.split("/", 1)[-1].split(".")[0].split("#")[0] if c.isdigit())
            if digits:
                bad.add(chunk[int(digits)])
    return found, sorted(bad)


def _open(i: int) -> set[str]:
    """The fields in which payload ``i`` hits a break still open (tests/hostile.py OPEN_BREAKS)."""
    return {f for f, (pattern, _why) in OPEN_BREAKS.items() if pattern.search(PAYLOADS[i])}


def test_every_payload_in_every_plain_text_field(md, tooltips):
    clean = [i for i in range(len(PAYLOADS)) if not _open(i)]
    found, bad = _scan(md, clean, tooltips=tooltips, full=False, batch=BATCH)
    for i in range(len(PAYLOADS)):  # the others in every field but the open break's
        if _open(i):
            only = frozenset(FIELD_PATHS) - _open(i)
            more, _ = _scan(md, [i], tooltips=tooltips, full=False, batch=1, only=only)
            found.update({f"#{i}:{k}": v for k, v in more.items()})
            bad += [i] if more else []
    assert not found, _report(md, found, bad, PAYLOADS, tooltips=tooltips, full=False)


@pytest.mark.parametrize("field", sorted(FIXED_BREAKS))
def test_fixed_breaks_stay_fixed(md, field):
    pattern, why = FIXED_BREAKS[field]
    hits = [i for i in range(len(PAYLOADS)) if pattern.search(PAYLOADS[i])]
    found = {}
    for i in hits:
        found.update(scan_batch(md, [PAYLOADS[i]], tooltips=False, only=frozenset({field})))
    assert not found, why


def test_whole_pages_for_a_sample_of_payloads(md, tooltips):
    sample = [i for i in range(0, len(PAYLOADS), SAMPLE) if not _open(i)]
    found, bad = _scan(md, sample, tooltips=tooltips, full=True, batch=len(sample))
    # Index pages hold every payload of the batch: a problem there names no payload.
    assert not found, (
        _report(md, found, bad, PAYLOADS, tooltips=tooltips, full=True)
        + "\n"
        + "\n".join(f"{page}: {ps[0][:200]}" for page, ps in list(found.items())[:10])
    )


# --------------------------------------------------------------------------- line breaks

BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"]
ONE_LINE = [
    ("outlets.yml", "name"),
    ("outlets.yml", "short"),
    ("sources.yml", "title"),
    ("sources.yml", "label"),
    ("sources.yml", "byline"),
    ("sources.yml", "dating"),
    ("sources.yml", "reason"),
    ("crossrefs/hostile.yml", "title"),
    ("glossary/hostile.yml", "name"),
    ("glossary/hostile.yml", "description"),
    ("glossary/hostile.yml", "title"),  # a citation's title
]


@pytest.fixture(scope="module")
def small_project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("breaks") / "project"
    write_hostile_project(root, payloads=["plain words"] * 60)
    return root


@pytest.mark.parametrize("brk", BREAKS, ids=[repr(b) for b in BREAKS])
def test_line_breaks_in_one_line_fields_are_refused(small_project: Path, brk: str, tmp_path: Path):
    import shutil

    import yaml

    root = tmp_path / "p"
    shutil.copytree(small_project, root)
    expected = {}
    for n, (rel, key) in enumerate(ONE_LINE):
        path = root / "annotations" / rel
        text = path.read_text(encoding="utf-8")
        header, _, body = text.partition("\n")
        data = yaml.safe_load(body)
        marker = f"BRK{n:02d}"
        value = f"{marker} first line{brk}<script>__xss.push({n})</script>"
        if not _replace_first(data, key, value):
            pytest.fail(f"no {key!r} in {rel}")
        path.write_text(
            header + "\n" + yaml.safe_dump(data, allow_unicode=False, sort_keys=False, width=10**9), encoding="utf-8"
        )
    for n, (rel, key) in enumerate(ONE_LINE):  # once every field is written: a "\n" takes two lines
        lines = (root / "annotations" / rel).read_text(encoding="utf-8").split("\n")
        line = next(i for i, ln in enumerate(lines, start=1) if f"BRK{n:02d}" in ln)
        expected[(f"annotations/{rel}", line)] = (key, f"BRK{n:02d}")
    corpus = load_corpus(root)
    located = {(p.origin.path, p.origin.line) for p in corpus.report.errors}
    missing = [f"{path}:{line} ({key})" for (path, line), (key, _m) in expected.items() if (path, line) not in located]
    assert not missing, f"a {brk!r} in these one-line fields was not reported at its line: {missing}"


def _replace_first(data: object, key: str, value: str) -> bool:
    """Set the first string under ``key`` (depth first) to ``value``."""
    if isinstance(data, dict):
        for k, v in data.items():
            if k == key and isinstance(v, str):
                data[k] = value
                return True
        return any(_replace_first(v, key, value) for v in data.values())
    if isinstance(data, list):
        return any(_replace_first(v, key, value) for v in data)
    return False
