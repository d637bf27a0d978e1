"""Glossary, cross-reference, outlet and index pages, and the home page's timeline."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from itertools import groupby

from .. import site
from ..fragments import original_link
from ..mdsafe import escape_attr, escape_text, md_url
from ..model import GLOSSARY_KINDS, RELATIONS, Anchor, CrossRef, GlossaryEntry, Source
from .common import citation_list, date_label, front_matter, outlet_badge, source_link
from .context import SiteContext
from .inline import RANK_HIGHLIGHT, Decorations, Wrapper, render_inline

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


# --------------------------------------------------------------------------- glossary


def render_glossary_page(entry: GlossaryEntry, /, *, site_ctx: SiteContext) -> str:
    """An entry's page: what it is, then every mention with its sentence (backlinks)."""
    mentions = site_ctx.mentions_by_entry.get(entry.id, [])
    kind = GLOSSARY_KINDS[entry.kind].rstrip("s") if entry.kind != "person" else "Person"
    lines = [
        front_matter(title=entry.name, description=entry.description),
        f"# {escape_text(entry.name)}",
        "",
        f"*{kind}*"
        + (f" · Also written: {', '.join(escape_text(a) for a in entry.aliases)}" if entry.aliases else "")
        + f" · {_plural(len(mentions), 'mention')}\n{{: .glossary-meta }}",
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
    # Excluded from search: the sentences are the sources' own text, indexed on their pages.
    lines += ["## Mentions { #mentions data-search-exclude }", ""]
    if not mentions:
        lines += ["No source mentions this entry yet.", ""]
    by_source: dict[str, list[Anchor]] = defaultdict(list)
    for m in mentions:
        by_source[m.source].append(m)
    for source in site_ctx.sources_by_date():
        ms = by_source.get(source.id)
        if not ms:
            continue
        outlet = site_ctx.ann.outlets[source.outlet]
        lines += [
            f"### {escape_text(source.display_title)} {{ #in-{source.id} data-search-exclude }}",
            "",
            f"{outlet_badge(outlet)} · {escape_text(date_label(source))} · {source_link(source)}"
            "\n{: .mention-source }",
            "",
        ]
        doc = site_ctx.docs[source.id]
        for m in ms:
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
            lines.append(f"- {snippet} — [{block_label(where)}](../{site.source_page(source.id)}#{where})")
        lines.append("")
    return "\n".join(lines)


def render_glossary_index(site_ctx: SiteContext) -> str:
    """All entries, grouped by kind, each with its description and number of mentions."""
    entries = sorted(site_ctx.ann.glossary.values(), key=lambda e: (list(GLOSSARY_KINDS).index(e.kind), e.name.lower()))
    lines = [
        front_matter(title="Glossary", description="People, organisations, places, terms and documents in the texts"),
        "# Glossary",
        "",
        f"{_plural(len(entries), 'entry', 'entries')}: the people, organisations, places, terms and documents "
        "the texts mention. Each entry lists every mention, with its sentence.",
        "",
    ]
    for kind, group in groupby(entries, key=lambda e: e.kind):
        lines += [f"## {GLOSSARY_KINDS[kind]} {{ #{kind} }}", ""]
        for e in group:
            n = len(site_ctx.mentions_by_entry.get(e.id, []))
            lines.append(
                f"- [{escape_text(e.name)}]({e.id}.md) — {escape_text(e.description)} "
                f'<span class="count">({_plural(n, "mention")})</span>'
            )
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- cross-references


def _passage_card(xref: CrossRef, anchors: list[Anchor], site_ctx: SiteContext) -> str:
    """One source's column: each paragraph its passages cover, once, with them highlighted."""
    a = anchors[0]
    source = site_ctx.ann.sources[a.source]
    outlet = site_ctx.ann.outlets[source.outlet]
    html_id = site.crossref_anchor(xref.id, a.passage)
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
            f"    [Read it in context →](../{site.source_page(a.source)}#{html_id}){{ "
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
_WORD = re.compile(r"[\w’'-]+")


def quoted_words(text: str) -> list[str]:
    """The words a passage quotes (inside quotation marks), or all its words if it quotes none."""
    inside = " ".join(m.group(1) for m in _QUOTED.finditer(text))
    return _WORD.findall(inside or text)


def word_diff(base: list[str], other: list[str]) -> str:
    """``other`` against ``base``, word by word: kept words plain, ``<del>`` words only ``base``
    has, ``<ins>`` words only ``other`` has (case and punctuation ignored)."""
    matcher = difflib.SequenceMatcher(a=[w.lower() for w in base], b=[w.lower() for w in other], autojunk=False)
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


def _quotation_diff(xref: CrossRef, by_source: dict[str, list[Anchor]], site_ctx: SiteContext) -> list[str]:
    """For passages that quote the same words: what each later account keeps, drops or
    changes of the oldest one's wording."""
    order = [s for s in site_ctx.sources_by_date() if s.id in by_source]
    quoting = [s for s in order if any(_QUOTED.search(a.text) for a in by_source[s.id])]
    if len(order) < 2 or (xref.relation != "same-quotation" and len(quoting) < 2):
        return []
    words = {s.id: [w for a in by_source[s.id] for w in quoted_words(a.text)] for s in order}
    base = order[0]

    def shared(other: str) -> int:
        a, b = [w.lower() for w in words[base.id]], [w.lower() for w in words[other]]
        return difflib.SequenceMatcher(a=a, b=b, autojunk=False).find_longest_match().size

    # Passages that quote different words have nothing to compare word by word.
    if xref.relation != "same-quotation" and max(shared(s.id) for s in order[1:]) < 3:
        return []
    outlets = site_ctx.ann.outlets
    base_label = f"{outlets[base.outlet].short}, {date_label(base)}"
    lines = [
        "## The quoted words compared { #quotation-diff }",
        "",
        f"Each account's quoted words set against the oldest, {escape_text(base_label)}: "
        f"<del>struck</del> words are in {escape_text(outlets[base.outlet].short)}'s only, "
        "<ins>underlined</ins> words in the later account's only.",
        "{: .quotation-legend }",
        "",
        '<div class="quotation-diff" markdown data-search-exclude>',
        "",
        f"- {outlet_badge(outlets[base.outlet])} {escape_text(date_label(base))}: "
        f"“{escape_text(' '.join(words[base.id]))}”",
    ]
    for s in order[1:]:
        lines.append(
            f"- {outlet_badge(outlets[s.outlet])} {escape_text(date_label(s))}: "
            f"“{word_diff(words[base.id], words[s.id])}”"
        )
    return [*lines, "", "</div>", ""]


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
    lines += [
        _passage_card(xref, by_source[s.id], site_ctx) + "\n" for s in site_ctx.sources_by_date() if s.id in by_source
    ]
    lines += ["</div>", ""]
    return "\n".join(lines)


def _topic(xref: CrossRef) -> str:
    """The topic of a cross-reference: the name of its YAML file (``alliance.yml`` → Alliance)."""
    stem = xref.origin.path.rsplit("/", 1)[-1].removesuffix(".yml")
    return stem.replace("-", " ").capitalize()


def render_coverage_page(site_ctx: SiteContext) -> str:
    """Which source reports what: one row per cross-reference (grouped by topic), one column
    per source (oldest first). A cell links to the source's passage, with the relation; or
    says the source is *silent* (it covers the topic but says nothing of this, ``silent:`` in
    the YAML) or that it does not report it. On a phone each row is a list."""
    sources = [s for s in site_ctx.sources_by_date() if s.id in site_ctx.docs]
    outlets = site_ctx.ann.outlets
    lines = [
        front_matter(title="Coverage", description="Which source reports each claim, and which says nothing of it"),
        "# Coverage: who reports what",
        "",
        "One row per cross-reference, one column per text (oldest first). A cell links to the "
        "text's passage; *silent* means the text covers the same topic or event but says nothing "
        "of this; *not reported* means the text does not cover it.",
        "",
    ]
    heads = [
        f"[{escape_text(outlets[s.outlet].short)} {escape_text(s.date[:4] if s.date else 'undated')}]"
        f'(../{site.source_page(s.id)} "{escape_attr(s.display_title)}")'
        for s in sources
    ]
    by_topic: dict[str, list[CrossRef]] = defaultdict(list)
    for xref in site_ctx.ann.crossrefs:
        by_topic[_topic(xref)].append(xref)
    for topic in sorted(by_topic):
        lines += [f"## {escape_text(topic)}", ""]
        table = ["| Cross-reference | " + " | ".join(heads) + " |", "|---" * (len(sources) + 1) + "|"]
        cards: list[str] = []
        for xref in sorted(by_topic[topic], key=lambda x: x.title.lower()):
            anchors = site_ctx.xref_anchors.get(xref.id, [])
            silent = {q.source: q.why for q in xref.silent}
            cells, items = [], []
            for s in sources:
                mine = [a for a in anchors if a.source == s.id]
                who = f"{outlets[s.outlet].short}, {date_label(s)}"
                if mine:
                    count = f" ({len(mine)})" if len(mine) > 1 else ""
                    target = f"../{site.source_page(s.id)}#{site.crossref_anchor(xref.id, mine[0].passage)}"
                    cell = f"[{RELATIONS[xref.relation]}{count}]({target})"
                    items.append(f"    - {escape_text(who)}: {cell}")
                elif s.id in silent:
                    cell = f"[*silent*]({xref.id}.md#silent)"
                    items.append(f"    - {escape_text(who)}: *silent* — {escape_text(silent[s.id])}")
                else:
                    cell = "not reported"
                    items.append(f"    - {escape_text(who)}: not reported")
                cells.append(cell)
            title = f"[{escape_text(xref.title)}]({xref.id}.md)"
            table.append(f"| {title} | " + " | ".join(cells) + " |")
            cards += [f"- {title}", "", *items, ""]
        lines += ['<div class="coverage-table" markdown>', "", *table, "", "</div>", ""]
        lines += ['<div class="coverage-list" markdown data-search-exclude>', "", *cards, "</div>", ""]
    return "\n".join(lines)


def render_crossref_index(site_ctx: SiteContext) -> str:
    """Every cross-reference with its relation and the outlets it links."""
    lines = [
        front_matter(
            title="Cross-references", description="Passages of different outlets that speak of the same thing"
        ),
        "# Cross-references",
        "",
        "Passages in different sources that speak of the same event, quotation or claim, read side by side. "
        "[Coverage](coverage.md) shows, for each, which text reports it and which says nothing of it.",
        "",
    ]
    for xref in sorted(site_ctx.ann.crossrefs, key=lambda x: x.title.lower()):
        anchors = site_ctx.xref_anchors.get(xref.id, [])
        badges = " ".join(
            outlet_badge(site_ctx.ann.outlets[site_ctx.ann.sources[s].outlet])
            for s in dict.fromkeys(a.source for a in anchors)
        )
        lines.append(f"- [{escape_text(xref.title)}]({xref.id}.md) · *{RELATIONS[xref.relation]}* · {badges}")
    lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- outlets, sources, home


def render_outlets_page(site_ctx: SiteContext) -> str:
    """Every outlet with its description and its sources."""
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
        for s in by_outlet.get(outlet.id, []):
            lines.append(f"- {source_link(s, prefix='../')} · {escape_text(date_label(s))}")
        lines.append("")
    return "\n".join(lines)


def _timeline(site_ctx: SiteContext, *, prefix: str) -> list[str]:
    lines: list[str] = ['<div class="timeline" markdown>', ""]
    for year, group in groupby(site_ctx.sources_by_date(), key=lambda s: s.date[:4] if s.date else "Undated"):
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
    return "\n".join([total, "", *_timeline(site_ctx, prefix="")])


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


def render_sources_index(site_ctx: SiteContext) -> str:
    """All sources as a timeline, oldest first."""
    return "\n".join(
        [
            front_matter(title="Sources", description="The texts, by date"),
            "# Sources",
            "",
            "Every text, oldest first, with its outlet and how many notes, cross-references "
            "and glossary entries it carries.",
            "",
            *_timeline(site_ctx, prefix="../"),
        ]
    )


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
