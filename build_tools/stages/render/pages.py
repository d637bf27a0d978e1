"""Glossary, cross-reference, outlet and index pages, and the home page's timeline."""

from __future__ import annotations

import difflib
import posixpath
import re
from collections import defaultdict
from itertools import groupby

from build_tools import paths
from build_tools.fragments import original_link
from build_tools.mdsafe import escape_attr, escape_text, md_url
from build_tools.model import GLOSSARY_KINDS, RELATIONS, Anchor, CrossRef, GlossaryEntry, PrimaryText, Source
from build_tools.stages.render.common import citation_list, date_label, front_matter, outlet_badge, source_link
from build_tools.stages.render.context import SiteContext
from build_tools.stages.render.inline import RANK_HIGHLIGHT, Decorations, Wrapper, render_inline

_SENTENCE_END = re.compile(r"(?<=[.!?…])[”\"’)\]]*\s+(?=[“\"‘(\[]?[A-Z0-9])")


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence of ``text`` that holds [start, end) (a few sentences if it spans them)."""
    s = 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() <= start:
            s = m.end()
        elif m.start() >= end:
            return s, m.start() + len(m.group().rstrip())
    return s, len(text)


_BLOCK_WORDS = {"p": "paragraph", "q": "quotation", "c": "caption", "h": "heading", "fn": "footnote"}


def block_label(block_id: str) -> str:
    """A block id for readers: ``p-5`` → ``paragraph 5``, ``q-2`` → ``quotation 2``."""
    kind, _, number = block_id.partition("-")
    return f"{_BLOCK_WORDS.get(kind, 'block')} {number}"


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


# --------------------------------------------------------------------------- pages split in parts

MENTIONS_PER_PAGE = 50
"""Mentions on one page of a glossary entry; a much-mentioned entry's further mentions go on
further pages (``glossary/ID/2.md`` …), so no page grows with the corpus."""
ITEMS_PER_PAGE = 100
"""Lines of an index (glossary entries, cross-references, texts) on one of its pages."""
COVERAGE_ROWS_PER_PAGE = 50
"""Cross-references (rows) on one page of the coverage matrix."""
COVERAGE_ALL_COLUMNS = 12
"""Up to this many texts, every coverage table has a column for each of them; above, a topic's
table has columns only for the texts that report it or are silent on it (else its width
would grow with the corpus)."""
OUTLET_SOURCES_SHOWN = 20
"""Texts listed under each outlet on the outlets page; the rest are on the Sources pages."""
PAGER_WINDOW = 2
"""Page numbers linked on each side of the current one (besides the first and the last)."""


def chunked(items: list, size: int) -> list[list]:
    """``items`` in consecutive parts of at most ``size`` (one empty part if there are none)."""
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def rel_link(target: str, here: str) -> str:
    """Link from the page at ``here`` to the page at ``target`` (both relative to ``docs/``)."""
    return posixpath.relpath(target, posixpath.dirname(here) or ".")


def pager(base: str, number: int, total: int) -> list[str]:
    """Links from page ``number`` of the ``total`` pages of ``base`` to the others: previous,
    first, a few around this one, last, next. A fixed number of links however many pages,
    and every page reachable without JavaScript by following "Next". Nothing for one page."""
    if total <= 1:
        return []
    here = paths.paged(base, number)

    def link(k: int, label: str, rel: str = "") -> str:
        attrs = f'{{ rel="{rel}" }}' if rel else ""
        return f"[{label}]({rel_link(paths.paged(base, k), here)}){attrs}"

    window = range(max(1, number - PAGER_WINDOW), min(total, number + PAGER_WINDOW) + 1)
    parts = [link(number - 1, "← Previous", "prev")] if number > 1 else []
    last = 0
    for k in sorted({1, total, *window}):
        if k - last > 1:
            parts.append("…")
        parts.append(f"**{k}**" if k == number else link(k, str(k)))
        last = k
    if number < total:
        parts.append(link(number + 1, "Next →", "next"))
    return [f"Page {number} of {total}: " + " · ".join(parts), '{: .pager role="navigation" aria-label="Pages" }', ""]


def _grouped(items: list[tuple[str, str]]) -> list[str]:
    """``(heading, line)`` pairs as Markdown: each heading once, above its lines."""
    lines: list[str] = []
    for heading, group in groupby(items, key=lambda t: t[0]):
        lines += [heading, "", *(line for _, line in group), ""]
    return lines


def _index_pages(
    base: str, title: str, description: str, intro: list[str], parts: list[list[str]], *, heading: str = ""
) -> dict[str, str]:
    """An index page split in ``parts``: the first at ``base`` with the ``intro``, the others
    in ``base``'s folder (``…/2.md``), each with the pager above and below its part."""
    pages = {}
    h1 = f"# {heading or title}"
    for number, body in enumerate(parts, 1):
        nav = pager(base, number, len(parts))
        head = (
            [front_matter(title=title, description=description), h1, "", *intro]
            if number == 1
            else [front_matter(title=f"{title}, page {number}", description=description), h1, ""]
        )
        pages[paths.paged(base, number)] = "\n".join([*head, *nav, *body, *nav])
    return pages


# --------------------------------------------------------------------------- glossary


def _entry_kind(entry: GlossaryEntry) -> str:
    return GLOSSARY_KINDS[entry.kind].rstrip("s") if entry.kind != "person" else "Person"


def _glossary_head(entry: GlossaryEntry, mentions: int) -> list[str]:
    """The first page's top: what the entry is, its sources and further reading."""
    lines = [
        front_matter(title=entry.name, description=entry.description),
        f"# {escape_text(entry.name)}",
        "",
        f"*{_entry_kind(entry)}*"
        + (f" · Also written: {', '.join(escape_text(a) for a in entry.aliases)}" if entry.aliases else "")
        + f" · {_plural(mentions, 'mention')}\n{{: .glossary-meta }}",
        "",
        f"**{escape_text(entry.description)}**",
        "",
    ]
    if entry.body:
        lines += [entry.body, ""]
    cites = citation_list(entry.citations)
    if cites:
        lines += [cites, ""]
    if entry.links:
        lines += [
            "*Further reading:* " + "; ".join(citation_list((c,)).removeprefix("*Sources:* ") for c in entry.links),
            "",
        ]
    return lines


def _glossary_continued(entry: GlossaryEntry, mentions: int, path: str) -> list[str]:
    """A further page's top: the entry's name, and a link back to what it is."""
    first = rel_link(paths.glossary_page(entry.id), path)
    return [
        front_matter(
            title=f"{entry.name}: mentions, page {path.rsplit('/', 1)[-1].removesuffix('.md')}",
            description=entry.description,
        ),
        f"# {escape_text(entry.name)}",
        "",
        f"*{_entry_kind(entry)}* · {_plural(mentions, 'mention')} · [What it is]({first})\n{{: .glossary-meta }}",
        "",
    ]


def _mention_groups(part: list[tuple[Source, Anchor]], site_ctx: SiteContext, *, prefix: str) -> list[str]:
    """Mentions under a heading per source: its outlet, date and link, then each sentence."""
    lines: list[str] = []
    for source, group in groupby(part, key=lambda t: t[0]):
        outlet = site_ctx.ann.outlets[source.outlet]
        lines += [
            f"### {escape_text(source.display_title)} {{ #in-{source.id} data-search-exclude }}",
            "",
            f"{outlet_badge(outlet, prefix=prefix)} · {escape_text(date_label(source))} · "
            f"{source_link(source, prefix=prefix)}\n{{: .mention-source }}",
            "",
        ]
        doc = site_ctx.docs[source.id]
        for _, m in group:
            assert m.start is not None and m.end is not None
            block = doc.block(m.start.block)
            s, e = sentence_around(block.text, m.start.offset, m.end.offset)
            text = block.text
            snippet = (
                ("…" if s > 0 else "")
                + escape_text(text[s : m.start.offset])
                + f"<strong>{escape_text(text[m.start.offset : m.end.offset])}</strong>"
                + escape_text(text[m.end.offset : e])
                + ("…" if e < len(text) else "")
            )
            where = m.start.block
            lines.append(f"- {snippet} — [{block_label(where)}]({prefix}{paths.source_page(source.id)}#{where})")
        lines.append("")
    return lines


def entry_mentions(entry: GlossaryEntry, site_ctx: SiteContext) -> list[tuple[Source, Anchor]]:
    """An entry's mentions with their sources, oldest source first."""
    by_source: dict[str, list[Anchor]] = defaultdict(list)
    for m in site_ctx.mentions_by_entry.get(entry.id, []):
        by_source[m.source].append(m)
    return [(s, m) for s in site_ctx.in_date_order(by_source) for m in by_source[s.id]]


def render_glossary_pages(entry: GlossaryEntry, /, *, site_ctx: SiteContext) -> dict[str, str]:
    """An entry's page: what it is, then every mention with its sentence (backlinks),
    :data:`MENTIONS_PER_PAGE` at a time: further mentions go on ``glossary/ID/2.md`` …"""
    mentions = entry_mentions(entry, site_ctx)
    parts = chunked(mentions, MENTIONS_PER_PAGE)
    base = paths.glossary_page(entry.id)
    pages = {}
    for number, part in enumerate(parts, 1):
        path = paths.paged(base, number)
        nav = pager(base, number, len(parts))
        lines = _glossary_head(entry, len(mentions)) if number == 1 else _glossary_continued(entry, len(mentions), path)
        # Excluded from search: the sentences are the sources' own text, indexed on their pages.
        lines += ["## Mentions { #mentions data-search-exclude }", "", *nav]
        if not mentions:
            lines += ["No source mentions this entry yet.", ""]
        lines += [*_mention_groups(part, site_ctx, prefix=paths.up(path)), *nav]
        pages[path] = "\n".join(lines)
    return pages


def mention_pages(site_ctx: SiteContext) -> dict[tuple[str, str], int]:
    """``(entry, source)`` → the page of the entry on which that source's mentions begin,
    for the entries whose mentions take more than one page."""
    where: dict[tuple[str, str], int] = {}
    for entry in site_ctx.ann.glossary.values():
        mentions = entry_mentions(entry, site_ctx)
        if len(mentions) > MENTIONS_PER_PAGE:
            for i, (source, _) in enumerate(mentions):
                where.setdefault((entry.id, source.id), i // MENTIONS_PER_PAGE + 1)
    return where


def render_glossary_index(site_ctx: SiteContext) -> dict[str, str]:
    """All entries, grouped by kind, each with its description and number of mentions,
    :data:`ITEMS_PER_PAGE` at a time."""
    entries = sorted(site_ctx.ann.glossary.values(), key=lambda e: (list(GLOSSARY_KINDS).index(e.kind), e.name.lower()))
    base = "glossary/index.md"

    def item(e: GlossaryEntry, here: str) -> tuple[str, str]:
        n = site_ctx.mention_count(e.id)
        return (
            f"## {GLOSSARY_KINDS[e.kind]} {{ #{e.kind} }}",
            f"- [{escape_text(e.name)}]({rel_link(paths.glossary_page(e.id), here)}) — {escape_text(e.description)} "
            f'<span class="count">({_plural(n, "mention")})</span>',
        )

    parts = chunked(entries, ITEMS_PER_PAGE)
    bodies = [_grouped([item(e, paths.paged(base, n)) for e in part]) for n, part in enumerate(parts, 1)]
    intro = [
        f"{_plural(len(entries), 'entry', 'entries')}: the people, organisations, places, terms and documents "
        "the texts mention. Each entry lists every mention, with its sentence.",
        "",
    ]
    description = "People, organisations, places, terms and documents in the texts"
    return _index_pages(base, "Glossary", description, intro, bodies)


# --------------------------------------------------------------------------- cross-references


def _passage_card(xref: CrossRef, anchors: list[Anchor], site_ctx: SiteContext) -> str:
    """One source's column: each paragraph its passages cover, once, with them highlighted."""
    a = anchors[0]
    source = site_ctx.ann.sources[a.source]
    outlet = site_ctx.ann.outlets[source.outlet]
    html_id = paths.crossref_anchor(xref.id, a.passage)
    decos: dict[str, Decorations] = {}
    blocks = {}
    for other in anchors:
        for b, s, e in site_ctx.blocks_covered(other):
            blocks.setdefault(b.id, b)
            deco = decos.setdefault(b.id, Decorations())
            deco.wrappers.append(
                Wrapper(("x", other.passage, b.id), s, e, '<mark class="hl hl-xref">', "</mark>", RANK_HIGHLIGHT)
            )
    order = {b.id: i for i, b in enumerate(site_ctx.docs[a.source].blocks)}
    paragraphs = [
        render_inline(blocks[bid], decos[bid], footnote_refs=False) for bid in sorted(blocks, key=order.__getitem__)
    ]
    body = "\n\n    ".join(paragraphs)
    passages = "the passage" if len(anchors) == 1 else f"the first of its {len(anchors)} passages"
    return "\n".join(
        [
            f"-   {outlet_badge(outlet)} **{escape_text(source.display_title)}**  ",
            f"    {escape_text(date_label(source))}",
            "",
            "    ---",
            "",
            f"    {body}",
            "",
            f"    [Read it in context →](../{paths.source_page(a.source)}#{html_id}){{ "
            f'aria-label="Read it in context: {escape_attr(passages)}, {escape_attr(outlet.short)}, '
            f'{escape_attr(date_label(source))}" }}',
            *_original_link(source, a, site_ctx),
        ]
    )


def _original_link(source: Source, a: Anchor, site_ctx: SiteContext) -> list[str]:
    """A "Read in the original" text-fragment link, where the original's address is known."""
    if not source.url or a.start is None or a.end is None:
        return []
    url = original_link(source.url, site_ctx.docs[a.source], a.start, a.end)
    return ["", f'    [Read in the original ↗]({md_url(url)} "{escape_attr("The passage on " + source.url)}")']


_QUOTED = re.compile(r"[“\"]([^”\"]+)[”\"]")
_WORD = re.compile(r"[\w’'-]+[.,;:!?]?")
"""A word with the punctuation mark that ends it, kept for reading (ignored when comparing)."""


def _key(word: str) -> str:
    return word.rstrip(".,;:!?").lower()


def quoted_words(text: str) -> list[str]:
    """The words a passage quotes (inside quotation marks), or all its words if it quotes none."""
    inside = " ".join(m.group(1) for m in _QUOTED.finditer(text))
    return _WORD.findall(inside or text)


def word_diff(base: list[str], other: list[str]) -> str:
    """``other`` against ``base``, word by word: kept words plain, ``<del>`` words only ``base``
    has, ``<ins>`` words only ``other`` has (case and punctuation ignored)."""
    matcher = difflib.SequenceMatcher(a=[_key(w) for w in base], b=[_key(w) for w in other], autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape_text(" ".join(other[j1:j2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape_text(' '.join(base[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape_text(' '.join(other[j1:j2]))}</ins>")
    return " ".join(out)


def _shared_run(a: list[str], b: list[str]) -> int:
    """The longest run of words two wordings share (case ignored)."""
    a, b = [_key(w) for w in a], [_key(w) for w in b]
    return difflib.SequenceMatcher(a=a, b=b, autojunk=False).find_longest_match().size


def _quotation_diff(xref: CrossRef, by_source: dict[str, list[Anchor]], site_ctx: SiteContext) -> list[str]:
    """For passages that quote the same words: what each account keeps, drops or changes
    of the primary text's wording where the cross-reference gives it (``primary:``), else
    of the oldest account's."""
    order = site_ctx.in_date_order(by_source)
    words = {s.id: [w for a in by_source[s.id] for w in quoted_words(a.text)] for s in order}
    if xref.primary:
        return _primary_diff(xref, order, words, site_ctx)
    quoting = [s for s in order if any(_QUOTED.search(a.text) for a in by_source[s.id])]
    if len(order) < 2 or (xref.relation != "same-quotation" and len(quoting) < 2):
        return []
    base = order[0]
    # Passages that quote different words have nothing to compare word by word.
    if xref.relation != "same-quotation" and max(_shared_run(words[base.id], words[s.id]) for s in order[1:]) < 3:
        return []
    outlets = site_ctx.ann.outlets
    base_label = f"{outlets[base.outlet].short}, {date_label(base)}"
    lines = [
        *_diff_heading(
            f"Each account's quoted words set against the oldest, {escape_text(base_label)}: "
            f"<del>struck</del> words are in {escape_text(outlets[base.outlet].short)}'s only, "
            "<ins>underlined</ins> words in the later account's only."
        ),
        f"- {outlet_badge(outlets[base.outlet])} {escape_text(date_label(base))}: "
        f"“{escape_text(' '.join(words[base.id]))}”",
    ]
    for s in order[1:]:
        lines.append(
            f"- {outlet_badge(outlets[s.outlet])} {escape_text(date_label(s))}: "
            f"“{word_diff(words[base.id], words[s.id])}”"
        )
    return [*lines, "", "</div>", ""]


def _diff_heading(legend: str) -> list[str]:
    """The comparison's heading and legend, and the opening of its list (not indexed for search:
    the words are the passages', indexed on their own pages)."""
    return [
        "## The quoted words compared { #quotation-diff }",
        "",
        legend,
        "{: .quotation-legend }",
        "",
        '<div class="quotation-diff" markdown data-search-exclude>',
        "",
    ]


def _primary_diff(xref: CrossRef, order: list[Source], words: dict[str, list[str]], site_ctx: SiteContext) -> list[str]:
    """Each account that shares at least three words in a row with the primary text, and
    each further rendering of it, set against its first rendering."""
    first, *others = xref.primary
    base = _WORD.findall(first.words)
    compared = [s for s in order if _shared_run(base, words[s.id]) >= 3]
    if not compared and not others:
        return []
    outlets = site_ctx.ann.outlets
    lines = [
        *_diff_heading(
            "Each account's quoted words set against the primary text: "
            "<del>struck</del> words are in the primary text only, <ins>underlined</ins> words in the account's only."
        ),
        f"- {_primary_label(first)}: “{escape_text(' '.join(base))}”",
    ]
    lines += [f"- {_primary_label(p)}: “{word_diff(base, _WORD.findall(p.words))}”" for p in others]
    lines += [
        f"- {outlet_badge(outlets[s.outlet])} {escape_text(date_label(s))}: “{word_diff(base, words[s.id])}”"
        for s in compared
    ]
    return [*lines, "", "</div>", ""]


def _primary_label(p: PrimaryText) -> str:
    """``Primary text`` and the document it is copied from, as a link."""
    return f"**Primary text** ([{escape_text(p.citation.title)}]({md_url(p.citation.url)}))"


def render_crossref_page(xref: CrossRef, /, *, site_ctx: SiteContext) -> str:
    """One column per source, oldest first (stacked on narrow screens), each paragraph
    once, with the note on how the accounts differ."""
    anchors = site_ctx.xref_anchors.get(xref.id, [])
    by_source: dict[str, list[Anchor]] = defaultdict(list)
    for a in anchors:
        by_source[a.source].append(a)
    lines = [
        front_matter(title=xref.title, description=f"{RELATIONS[xref.relation]}: {len(anchors)} passages compared"),
        f"# {escape_text(xref.title)}",
        "",
        f"*{RELATIONS[xref.relation]}* · {_plural(len(by_source), 'source')}\n{{: .xref-meta }}",
        "",
        xref.note,
        "",
    ]
    cites = citation_list(xref.citations)
    if cites:
        lines += [cites, ""]
    if xref.silent:
        lines += ["**Silent** — these texts cover the topic but say nothing of this:", "{: #silent }", ""]
        for q in xref.silent:
            src = site_ctx.ann.sources[q.source]
            lines.append(f"- {source_link(src)} ({escape_text(date_label(src))}): {escape_text(q.why)}")
        lines.append("")
    lines += _quotation_diff(xref, by_source, site_ctx)
    # The cards repeat the sources' paragraphs, which are indexed on their own pages.
    lines += [f'<div class="grid cards xref-grid xref-cols-{min(len(by_source), 4)}" markdown data-search-exclude>', ""]
    lines += [_passage_card(xref, by_source[s.id], site_ctx) + "\n" for s in site_ctx.in_date_order(by_source)]
    lines += ["</div>", ""]
    return "\n".join(lines)


def _topic(xref: CrossRef) -> str:
    """The topic of a cross-reference: the name of its YAML file (``alliance.yml`` → Alliance)."""
    stem = xref.origin.path.rsplit("/", 1)[-1].removesuffix(".yml")
    return stem.replace("-", " ").capitalize()


def _coverage_columns(xrefs: list[CrossRef], sources: list[Source], site_ctx: SiteContext) -> list[Source]:
    """The texts a table of ``xrefs`` has a column for: all of them in a small corpus, else
    only those that report one of the cross-references or are silent on one."""
    if len(sources) <= COVERAGE_ALL_COLUMNS:
        return sources
    concerned = {a.source for x in xrefs for a in site_ctx.xref_anchors.get(x.id, [])}
    concerned |= {q.source for x in xrefs for q in x.silent}
    return [s for s in sources if s.id in concerned]


def _coverage_topic(
    topic: str, xrefs: list[CrossRef], columns: list[Source], site_ctx: SiteContext, here: str
) -> list[str]:
    """One topic's rows: a table (wide screens) and the same as lists (phones)."""
    outlets = site_ctx.ann.outlets
    up = paths.up(here)
    heads = [
        f"[{escape_text(outlets[s.outlet].short)} {escape_text(s.date[:4] if s.date else 'undated')}]"
        f'({up}{paths.source_page(s.id)} "{escape_attr(s.display_title)}")'
        for s in columns
    ]
    table = ["| Cross-reference | " + " | ".join(heads) + " |", "|---" * (len(columns) + 1) + "|"]
    cards: list[str] = []
    for xref in xrefs:
        page = rel_link(paths.crossref_page(xref.id), here)
        by_source: dict[str, list[Anchor]] = defaultdict(list)
        for a in site_ctx.xref_anchors.get(xref.id, []):
            by_source[a.source].append(a)
        silent = {q.source: q.why for q in xref.silent}
        cells, items = [], []
        for s in columns:
            mine = by_source.get(s.id, [])
            who = f"{outlets[s.outlet].short}, {date_label(s)}"
            if mine:
                count = f" ({len(mine)})" if len(mine) > 1 else ""
                target = f"{up}{paths.source_page(s.id)}#{paths.crossref_anchor(xref.id, mine[0].passage)}"
                cell = f"[{RELATIONS[xref.relation]}{count}]({target})"
                items.append(f"    - {escape_text(who)}: {cell}")
            elif s.id in silent:
                cell = f"[*silent*]({page}#silent)"
                items.append(f"    - {escape_text(who)}: *silent* — {escape_text(silent[s.id])}")
            else:
                cell = "not reported"
                items.append(f"    - {escape_text(who)}: not reported")
            cells.append(cell)
        title = f"[{escape_text(xref.title)}]({page})"
        table.append(f"| {title} | " + " | ".join(cells) + " |")
        cards += [f"- {title}", "", *items, ""]
    return [
        f"## {escape_text(topic)}",
        "",
        '<div class="coverage-table" markdown>',
        "",
        *table,
        "",
        "</div>",
        "",
        '<div class="coverage-list" markdown data-search-exclude>',
        "",
        *cards,
        "</div>",
        "",
    ]


def render_coverage_pages(site_ctx: SiteContext) -> dict[str, str]:
    """Which source reports what: one row per cross-reference (grouped by topic), one column
    per source (oldest first). A cell links to the source's passage, with the relation; or
    says the source is *silent* (it covers the topic but says nothing of this, ``silent:`` in
    the YAML) or that it does not report it. On a phone each row is a list.
    :data:`COVERAGE_ROWS_PER_PAGE` rows a page; in a large corpus a topic's table has columns
    only for the texts it concerns (:data:`COVERAGE_ALL_COLUMNS`)."""
    sources = [s for s in site_ctx.sources_by_date() if s.id in site_ctx.docs]
    by_topic: dict[str, list[CrossRef]] = defaultdict(list)
    for xref in site_ctx.ann.crossrefs:
        by_topic[_topic(xref)].append(xref)
    rows = [(t, x) for t in sorted(by_topic) for x in sorted(by_topic[t], key=lambda x: x.title.lower())]
    base = "crossrefs/coverage.md"
    bodies = []
    for number, part in enumerate(chunked(rows, COVERAGE_ROWS_PER_PAGE), 1):
        here = paths.paged(base, number)
        body: list[str] = []
        for topic, group in groupby(part, key=lambda t: t[0]):
            xrefs = [x for _, x in group]
            body += _coverage_topic(topic, xrefs, _coverage_columns(xrefs, sources, site_ctx), site_ctx, here)
        bodies.append(body)
    which = (
        "one column per text (oldest first)"
        if len(sources) <= COVERAGE_ALL_COLUMNS
        else "one column per text that reports one of a table's cross-references or is silent on it (oldest first)"
    )
    intro = [
        f"One row per cross-reference, {which}. A cell links to the "
        "text's passage; *silent* means the text covers the same topic or event but says nothing "
        "of this; *not reported* means the text does not cover it.",
        "",
    ]
    description = "Which source reports each claim, and which says nothing of it"
    return _index_pages(base, "Coverage", description, intro, bodies, heading="Coverage: who reports what")


def render_crossref_index(site_ctx: SiteContext) -> dict[str, str]:
    """Every cross-reference with its relation and the outlets it links, :data:`ITEMS_PER_PAGE` a page."""
    base = "crossrefs/index.md"

    def item(xref: CrossRef, here: str) -> str:
        anchors = site_ctx.xref_anchors.get(xref.id, [])
        badges = " ".join(
            outlet_badge(site_ctx.ann.outlets[site_ctx.ann.sources[s].outlet], prefix=paths.up(here))
            for s in dict.fromkeys(a.source for a in anchors)
        )
        page = rel_link(paths.crossref_page(xref.id), here)
        return f"- [{escape_text(xref.title)}]({page}) · *{RELATIONS[xref.relation]}* · {badges}"

    xrefs = sorted(site_ctx.ann.crossrefs, key=lambda x: x.title.lower())
    bodies = [
        [*(item(x, paths.paged(base, n)) for x in part), ""] for n, part in enumerate(chunked(xrefs, ITEMS_PER_PAGE), 1)
    ]
    intro = [
        "Passages in different sources that speak of the same event, quotation or claim, read side by side. "
        "[Coverage](coverage.md) shows, for each, which text reports it and which says nothing of it.",
        "",
    ]
    description = "Passages of different outlets that speak of the same thing"
    return _index_pages(base, "Cross-references", description, intro, bodies)


# --------------------------------------------------------------------------- outlets, sources, home


def render_outlets_page(site_ctx: SiteContext) -> str:
    """Every outlet with its description and its oldest :data:`OUTLET_SOURCES_SHOWN` sources."""
    lines = [
        front_matter(title="Outlets", description="Who published the texts"),
        "# Outlets",
        "",
    ]
    by_outlet: dict[str, list] = defaultdict(list)
    for s in site_ctx.sources_by_date():
        by_outlet[s.outlet].append(s)
    for outlet in sorted(site_ctx.ann.outlets.values(), key=lambda o: o.name.lower()):
        lines += [f"## {escape_text(outlet.name)} {{ #{outlet.id} }}", "", outlet.description, ""]
        cites = citation_list(outlet.citations)
        if cites:
            lines += [cites, ""]
        mine = by_outlet.get(outlet.id, [])
        for s in mine[:OUTLET_SOURCES_SHOWN]:
            lines.append(f"- {source_link(s, prefix='../')} · {escape_text(date_label(s))}")
        if len(mine) > OUTLET_SOURCES_SHOWN:
            lines.append(
                f"- … and {_plural(len(mine) - OUTLET_SOURCES_SHOWN, 'later text')}, "
                "on the [Sources](../sources/index.md) pages"
            )
        lines.append("")
    return "\n".join(lines)


def _timeline(sources: list[Source], site_ctx: SiteContext, *, prefix: str) -> list[str]:
    """``sources`` by year, each with its date, outlet, byline and what annotates it."""
    lines: list[str] = ['<div class="timeline" markdown>', ""]
    for year, group in groupby(sources, key=lambda s: s.date[:4] if s.date else "Undated"):
        lines += [f"### {year} {{ #year-{year.lower()} }}", ""]
        for s in group:
            outlet = site_ctx.ann.outlets[s.outlet]
            notes, xrefs, entries = site_ctx.counts(s.id)
            byline = escape_text(s.byline) if s.byline else "author unknown"
            when = escape_text(date_label(s)) if s.date else escape_text(s.dating or "date unknown")
            lines += [
                f"- **{when}** · {outlet_badge(outlet, prefix=prefix)} · {source_link(s, prefix=prefix)}  ",
                f"  {byline} · {_plural(notes, 'note')} · {_plural(xrefs, 'cross-reference')} · "
                f"{_plural(entries, 'glossary entry', 'glossary entries')}",
            ]
        lines.append("")
    lines += ["</div>", ""]
    return lines


def render_home_partial(site_ctx: SiteContext) -> str:
    """The timeline included in the hand-written home page (``docs/index.md``)."""
    ann = site_ctx.ann
    total = (
        f"**{_plural(len(ann.sources), 'source')}** from {_plural(len(ann.outlets), 'outlet')} · "
        f"**{_plural(len(ann.notes), 'note')}** · **{_plural(len(ann.crossrefs), 'cross-reference')}** · "
        f"**{_plural(len(ann.glossary), 'glossary entry', 'glossary entries')}**\n{{: .corpus-counts }}"
    )
    sources = site_ctx.sources_by_date()
    if len(sources) <= ITEMS_PER_PAGE:
        return "\n".join([total, "", *_timeline(sources, site_ctx, prefix="")])
    more = (
        f"The {_plural(ITEMS_PER_PAGE, 'oldest text')} of {len(sources):,}: "
        "every text is on the [Sources](sources/index.md) pages.\n{: .timeline-more }"
    )
    return "\n".join([total, "", more, "", *_timeline(sources[:ITEMS_PER_PAGE], site_ctx, prefix="")])


def render_home_start(site_ctx: SiteContext) -> str:
    """The home page's "Where to start", above the fold: the oldest text, and the comparisons."""
    sources = site_ctx.sources_by_date()
    if not sources:
        return "No texts yet.\n"
    first = sources[0]
    outlet = site_ctx.ann.outlets[first.outlet]
    label = f"{outlet.short}, {date_label(first)}" if first.date else outlet.short
    return "\n".join(
        [
            '!!! tip "Where to start"',
            "",
            f"    Read the texts oldest first: begin with **{source_link(first, prefix='')}** "
            f"({escape_text(label)}). Or compare the outlets' accounts on the "
            "[cross-references](crossrefs/index.md) page.",
            "",
        ]
    )


def correction_link(*, prefix: str = "../") -> str:
    """The line at the end of every page: how to report an error."""
    return f"[Suggest a correction]({prefix}about.md#corrections){{ .reader-correction }}"


def render_sources_index(site_ctx: SiteContext) -> dict[str, str]:
    """All sources as a timeline, oldest first, :data:`ITEMS_PER_PAGE` a page."""
    base = "sources/index.md"
    parts = chunked(site_ctx.sources_by_date(), ITEMS_PER_PAGE)
    bodies = [_timeline(part, site_ctx, prefix=paths.up(paths.paged(base, n))) for n, part in enumerate(parts, 1)]
    intro = [
        "Every text, oldest first, with its outlet and how many notes, cross-references "
        "and glossary entries it carries.",
        "",
    ]
    return _index_pages(base, "Sources", "The texts, by date", intro, bodies)


def render_abbreviations(site_ctx: SiteContext) -> str:
    """``*[CCP]: Chinese Communist Party`` lines for every acronym among glossary names."""
    lines = []
    for e in sorted(site_ctx.ann.glossary.values(), key=lambda e: e.id):
        for name in e.names:
            if re.fullmatch(r"[A-Z][A-Z0-9]{1,6}", name):
                expansion = e.name if name != e.name else e.description
                lines.append(f"*[{name}]: {' '.join(expansion.split())}")
    return "\n".join(lines) + "\n"


def render_outlet_css(site_ctx: SiteContext) -> str:
    """Badge colours, one rule per outlet (colours are validated as #rrggbb)."""
    rules = [
        f".outlet-{o.id} {{ --outlet-color: {o.color}; }}"
        for o in sorted(site_ctx.ann.outlets.values(), key=lambda o: o.id)
    ]
    return "/* Generated from annotations/outlets.yml: do not edit. */\n" + "\n".join(rules) + "\n"
