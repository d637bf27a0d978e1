"""The page of one source: header, the text with notes, cross-references and glossary
links woven in, the author's footnotes, the notes as endnotes, and how other outlets
told the same things."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from urllib.parse import quote

from build_tools import paths
from build_tools.contrib.csl import citation_meta
from build_tools.mdsafe import escape_attr, escape_text, md_url
from build_tools.model import RELATIONS, Anchor, Block, BlockKind, CrossRef, Document, Note, Source
from build_tools.stages.anchor import LINKED_KINDS
from build_tools.stages.render.claimreview import claim_reviews
from build_tools.stages.render.common import citation_list, date_label, fence, front_matter, indent, outlet_badge
from build_tools.stages.render.context import SiteContext, format_date
from build_tools.stages.render.inline import (
    RANK_HIGHLIGHT,
    RANK_LINK,
    Decorations,
    Wrapper,
    crosses,
    link_spans,
    render_inline,
    source_wrappers,
)

XREF_ACCOUNTS_SHOWN = 6
"""Other accounts listed in a passage's endnote (and named by its marker); the rest are on the
comparison page. A cross-reference quoted in N texts would otherwise put N lines on each of
those N pages, so a page would grow with the corpus."""


def _highlight(
    decos: dict[str, Decorations], site_ctx: SiteContext, a: Anchor, *, key: object, html_id: str, cls: str
) -> None:
    for n, (b, s, e) in enumerate(site_ctx.blocks_covered(a)):
        first = f'<mark class="{cls}" id="{html_id}">' if n == 0 else ""
        decos[b.id].wrappers.append(
            Wrapper((key, b.id), s, e, f'<mark class="{cls}">', "</mark>", RANK_HIGHLIGHT, first)
        )


def _glossary_links(doc: Document, site_ctx: SiteContext, decos: dict[str, Decorations]) -> None:
    """Link the first mention of each entry in each block (no link inside a source link)."""
    by_block: dict[str, list[Anchor]] = defaultdict(list)
    for m in site_ctx.mentions_by_source.get(doc.source_id, []):
        assert m.start is not None
        by_block[m.start.block].append(m)
    glossary = site_ctx.ann.glossary
    described: set[str] = set()  # an entry's description goes on its first link of the page only
    for b in doc.blocks:
        if b.kind not in LINKED_KINDS or b.id not in by_block:
            continue
        formats = [(w.start, w.end) for w in source_wrappers(b)]
        links = link_spans(b)
        done: set[str] = set()
        for m in by_block[b.id]:
            assert m.start is not None and m.end is not None
            s, e = m.start.offset, m.end.offset
            if m.annotation in done or crosses(s, e, formats) or any(ls <= s and e <= le for ls, le in links):
                continue
            done.add(m.annotation)
            entry = glossary[m.annotation]
            title = "" if entry.id in described else f' "{escape_attr(entry.description)}"'
            described.add(entry.id)
            close = f"](../{paths.glossary_page(entry.id)}{title}){{ .gl }}"
            decos[b.id].wrappers.append(Wrapper(("gl", m.annotation, b.id), s, e, "[", close, RANK_LINK, is_link=True))


def xref_endnote_anchor(crossref_id: str, passage: int) -> str:
    """Id of the endnote (under "How the other outlets told this") of one passage."""
    return "xn-" + paths.crossref_anchor(crossref_id, passage).removeprefix("x-")


def account_label(site_ctx: SiteContext, other: Anchor, *, here: str) -> str:
    """Which text a passage is in, for readers: ``WSWS, 12 February 2024`` or ``this text``."""
    if other.source == here:
        return "this text"
    src = site_ctx.ann.sources[other.source]
    return f"{site_ctx.ann.outlets[src.outlet].short}, {date_label(src)}"


def _xref_marker(site_ctx: SiteContext, items: list[tuple[CrossRef, Anchor]]) -> str:
    """One marker after a passage, ``⇄ 3``: it leads to the passage's endnote, which lists
    the other accounts (reader.js opens that endnote as a panel). Its accessible name says
    which texts those are; the passages' own text is on the page once, in the endnote."""
    labels: list[str] = []
    for xref, a in items:
        for other in site_ctx.xref_anchors[xref.id]:
            if other.passage != a.passage:
                labels.append(account_label(site_ctx, other, here=a.source))
    counted = Counter(labels)
    names = [f"{k}, {n} passages" if n > 1 else k for k, n in counted.items()]
    if len(names) > XREF_ACCOUNTS_SHOWN:
        names[XREF_ACCOUNTS_SHOWN:] = [f"{len(names) - XREF_ACCOUNTS_SHOWN} more texts"]
    n = len(labels)
    label = f"{n} other {'passage' if n == 1 else 'passages'}: {'; '.join(names)}"
    first = xref_endnote_anchor(items[0][0].id, items[0][1].passage)
    more = " ".join(xref_endnote_anchor(x.id, a.passage) for x, a in items[1:])
    extra = f' data-more="{more}"' if more else ""
    return (
        f'[<span aria-hidden="true">⇄</span> {n}](#{first}){{ .xref-marker aria-label="{escape_attr(label)}"{extra} }}'
    )


def decorate(doc: Document, site_ctx: SiteContext) -> dict[str, Decorations]:
    """Highlights, markers and glossary links for every block of ``doc``."""
    decos: dict[str, Decorations] = defaultdict(Decorations)
    for note, a in site_ctx.notes_by_source.get(doc.source_id, []):
        assert a.end is not None
        cls = "hl hl-correction" if note.kind == "correction" else "hl hl-note"
        _highlight(decos, site_ctx, a, key=("note", note.id), html_id=paths.note_anchor(note.id), cls=cls)
        decos[a.end.block].add_marker(a.end.offset, f"[^{paths.footnote_label(note.id, note.kind)}]")
    ends: dict[tuple[str, int], list[tuple[CrossRef, Anchor]]] = defaultdict(list)
    for xref, a in site_ctx.xrefs_by_source.get(doc.source_id, []):
        assert a.end is not None
        html_id = paths.crossref_anchor(xref.id, a.passage)
        _highlight(decos, site_ctx, a, key=("xref", xref.id, a.passage), html_id=html_id, cls="hl hl-xref")
        ends[(a.end.block, a.end.offset)].append((xref, a))
    for (block_id, offset), items in ends.items():  # one marker per passage (or passages ending together)
        decos[block_id].add_marker(offset, _xref_marker(site_ctx, items))
    _glossary_links(doc, site_ctx, decos)
    return decos


def _permalink(b: Block) -> str:
    """The ¶ after a block: a plain link to its own id, so it works without JavaScript.

    Its accessible name ("Link to paragraph 7") is given by docs/assets/reader.js from
    the id, not written here: on a long text the label on every block was 5 KB of each
    page; without JavaScript the link is named "¶" and still leads to the block."""
    return f"[¶](#{b.id}){{ .permalink }}"


def render_block(b: Block, deco: Decorations) -> str:
    """One body block as Markdown, with its id and permalink."""
    inline = render_inline(b, deco)
    if b.kind is BlockKind.HEADING:
        return f"{'#' * max(2, b.level or 2)} {inline} {{ #{b.id} }}"
    if b.kind is BlockKind.QUOTATION:
        return f"> {inline} {_permalink(b)}\n> {{: #{b.id} }}"
    if b.kind is BlockKind.CAPTION:
        return f"{inline} {_permalink(b)}\n{{: #{b.id} .caption }}"
    return f"{inline} {_permalink(b)}\n{{: #{b.id} }}"


def _author_footnotes(blocks: list[Block], decos: dict[str, Decorations]) -> str:
    out = ["## Footnotes { #footnotes }", ""]
    seen: set[str] = set()
    for b in blocks:
        inline = render_inline(b, decos[b.id])
        if b.footnote not in seen:
            seen.add(b.footnote)
            back = (
                f"[\\[{b.footnote}\\]](#fnref-{b.footnote}){{ .author-fn-backref "
                f'aria-label="Back to the text of footnote {b.footnote}" }} '
            )
            inline = back + inline
        out += [f"{inline} {_permalink(b)}\n{{: #{b.id} .author-footnote }}", ""]
    return "\n".join(out)


def _note_definition(note: Note) -> str:
    body = note.body
    if note.kind == "correction":
        first = body.split("\n", 1)[0]
        # A list or quotation cannot take a leading label; give it its own paragraph.
        sep = "\n\n" if first.startswith(("- ", "1. ", "> ")) else " "
        body = "**Correction.**" + sep + body
    cites = citation_list(note.citations)
    if cites:
        body += "\n\n" + cites
    return f"[^{paths.footnote_label(note.id, note.kind)}]:\n{indent(body)}"


def _xref_endnotes(source: Source, site_ctx: SiteContext) -> str:
    """One endnote per passage: the cross-reference, how the accounts differ, and every
    other account (outlet, date, passage, a link to it). A passage's marker leads here,
    so without JavaScript every account is one link away; reader.js shows the same
    endnote as the marker's panel."""
    items = site_ctx.xrefs_by_source.get(source.id, [])
    if not items:
        return ""
    out = [
        # Excluded from search: the cross-reference pages hold the same text, once.
        "## How the other outlets told this { #crossrefs data-search-exclude }",
        "",
        "Passages of this text that other sources also speak of, and how their accounts differ.",
        "",
    ]
    for n, (xref, a) in enumerate(items, start=1):
        compare = f"../{paths.crossref_page(xref.id)}"
        lines = [
            f"**[{escape_text(xref.title)}]({compare})** · *{RELATIONS[xref.relation]}*",
            f"{{: #{xref_endnote_anchor(xref.id, a.passage)} .xref-endnote-title }}",
            "",
            xref.note,
        ]
        cites = citation_list(xref.citations)
        if cites:
            lines += ["", cites]
        lines.append("")
        here = paths.crossref_anchor(xref.id, a.passage)
        lines.append(f"- This text: [“{escape_text(a.text)}”](#{here})")
        others = [o for o in site_ctx.xref_anchors[xref.id] if o.passage != a.passage]
        for other in others[:XREF_ACCOUNTS_SHOWN]:
            src = site_ctx.ann.sources[other.source]
            outlet = site_ctx.ann.outlets[src.outlet]
            anchor = paths.crossref_anchor(xref.id, other.passage)
            target = f"#{anchor}" if other.source == source.id else f"{quote(other.source)}.md#{anchor}"
            who = (
                "This text, elsewhere"
                if other.source == source.id
                else f"{outlet_badge(outlet)} {escape_text(date_label(src))}"
            )
            # reader.js names the link from its line ("Go to the passage: WSWS, 12 February
            # 2024"); without JavaScript the line itself says which account it leads to.
            lines.append(f"- {who}: “{escape_text(other.text)}” [Go to the passage →]({target}){{ .xref-go }}")
        hidden = len(others) - XREF_ACCOUNTS_SHOWN
        if hidden > 0:
            lines.append(f"- and {hidden} more {'account' if hidden == 1 else 'accounts'}, on the comparison page")
        lines += ["", f"[Compare side by side →]({compare}){{ .xref-compare }}"]
        body = indent("\n".join(lines))
        out += [f"{n}.  {body.lstrip()}", ""]
    return "\n".join(out)


def _meta_line(source: Source, doc: Document, site_ctx: SiteContext, decos: dict[str, Decorations]) -> str:
    outlet = site_ctx.ann.outlets[source.outlet]
    parts = [outlet_badge(outlet)]
    byline = doc.front(BlockKind.BYLINE)
    if byline is not None:
        parts.append("By " + render_inline(byline, decos[byline.id]))
    elif source.byline:
        parts.append("By " + escape_text(source.byline))
    else:
        parts.append("Author unknown")
    dateline = doc.front(BlockKind.DATELINE)
    if dateline is not None and "date" not in source.inferred:
        parts.append(render_inline(dateline, decos[dateline.id]))
    elif source.date and "date" in source.inferred:
        basis = escape_attr(source.inferred["date"])
        parts.append(f'{escape_text(format_date(source.date))} ([inferred](#about-this-text "{basis}"))')
    elif source.date:
        parts.append(escape_text(format_date(source.date)))
    else:
        parts.append("[Date unknown](#about-this-text)")
    words = site_ctx.word_count(source.id)
    parts.append(f"{words:,} words · {site_ctx.reading_minutes(words)} min read")
    if source.url and "url" in source.inferred:
        basis = escape_attr(source.inferred["url"])
        parts.append(f'[Original]({md_url(source.url)}) ([address inferred](#about-this-text "{basis}"))')
    elif source.url:
        parts.append(f"[Original]({md_url(source.url)})")
    else:
        parts.append("Original address unknown")
    return " · ".join(parts) + "\n{: .source-meta }"


def _about(source: Source, site_ctx: SiteContext) -> str:
    outlet = site_ctx.ann.outlets[source.outlet]
    rows = [
        f"**Outlet:** {escape_text(outlet.name)}" + (" (inferred)" if "outlet" in source.inferred else ""),
        f"**Title:** {escape_text(source.title) if source.title else 'none in the text'}",
        f"**Author:** {escape_text(source.byline) if source.byline else 'unknown'}",
        f"**Date:** {escape_text(date_label(source))}",
        f"**Original:** {f'[{escape_text(source.url)}]({md_url(source.url)})' if source.url else 'address unknown'}",
        f"**Language:** {escape_text(source.language)}",
    ]
    lines = ["\n".join(r + "  " for r in rows).rstrip(), ""]
    for field, basis in source.inferred.items():
        lines += [f"*{field.capitalize()} inferred:* {escape_text(basis)}", ""]
    if source.dating:
        lines += [f"*Dating:* {escape_text(source.dating)}", ""]
    if source.about:
        lines += [source.about, ""]
    cites = citation_list(source.citations)
    if cites:
        lines += [cites, ""]
    lines += [f"**About {escape_text(outlet.name)}:** " + outlet.description]
    return "## About this text { #about-this-text }\n\n" + "\n".join(lines)


def _surname_first(name: str) -> tuple[str, str]:
    parts = name.split()
    if len(parts) == 1:
        return parts[0], ""
    return parts[-1], " ".join(p[0] + "." for p in parts[:-1])


def _cite(source: Source, site_ctx: SiteContext, page_url: str) -> str:
    outlet = site_ctx.ann.outlets[source.outlet]
    inferred = source.inferred

    def mark(field: str, value: str) -> str:
        """``value [date inferred]`` if the catalog says the field is inferred: a student
        citing the text must not cite an inferred fact as printed."""
        word = {"url": "address"}.get(field, field)
        return f"{value} [{word} inferred]" if field in inferred else value

    title = mark("title", source.title or source.display_title)
    byline = mark("byline", source.byline) if source.byline else ""
    outlet_name = mark("outlet", outlet.name)
    year = source.date[:4] if source.date else "n.d."
    when = mark("date", format_date(source.date)) if source.date else "undated"
    url = mark("url", source.url) if source.url else ""
    original = url or "original address unknown"
    plain = (
        f"{byline}, " if byline else ""
    ) + f"“{title}”, {outlet_name}, {when}. {original}. Annotated edition: {page_url}"
    if source.byline:
        last, initials = _surname_first(source.byline)
        author = f"{last}, {initials} " if initials else f"{last}. "
        if "byline" in inferred:
            author = f"{author.rstrip()} [author inferred] "
    else:
        author = ""
    apa_date = year
    if source.date:
        d = date.fromisoformat(source.date)
        apa_date = mark("date", f"{d.year}, {d:%B} {d.day}")
    apa = f"{author}({apa_date}). {title}. {outlet_name}." + (f" {url}" if url else "")
    if not author:
        apa = f"{title}. ({apa_date}). {outlet_name}." + (f" {url}" if url else "")
    apa += f" Annotated edition: {page_url}"
    guessed = [{"url": "address"}.get(f, f) for f in ("outlet", "title", "byline", "date", "url") if f in inferred]
    caveat = "; ".join(f"{w} inferred" for w in guessed).capitalize()
    caveat = f"{caveat} (not printed in the text). " if guessed else ""
    bib_fields = [
        f"  title        = {{{source.title or source.display_title}}},",
        *([f"  author       = {{{source.byline}}},"] if source.byline else []),
        f"  organization = {{{outlet.name}}},",
        *([f"  date         = {{{source.date}}},"] if source.date else []),
        *([f"  url          = {{{source.url}}},"] if source.url else []),
        f"  note         = {{{caveat}Annotated edition: {page_url}}},",
    ]
    bibtex = "@online{" + source.id + ",\n" + "\n".join(bib_fields) + "\n}"
    body = "\n\n".join(
        [
            f"To cite one paragraph, use the link of its ¶ mark (for example `{page_url}#p-1`).",
            "**Plain text**",
            fence(plain),
            "**APA**",
            fence(apa),
            "**BibTeX**",
            fence(bibtex, "bibtex"),
        ]
    )
    # The "cite" class lets docs/assets/reader.js put the paragraph in the address into the links.
    return '??? quote cite "Cite this text"\n\n' + indent(body)


def render_source_page(source: Source, /, *, site_ctx: SiteContext, site_url: str) -> str:
    """The Markdown of a source's page."""
    doc = site_ctx.docs[source.id]
    decos = decorate(doc, site_ctx)
    page_url = f"{site_url.rstrip('/')}/sources/{source.id}/"
    title_block = doc.front(BlockKind.TITLE)
    if title_block is not None:
        h1 = render_inline(title_block, decos[title_block.id])
    else:
        h1 = escape_text(source.display_title)
    outlet = site_ctx.ann.outlets[source.outlet]
    parts = [
        front_matter(
            title=source.display_title,
            description=f"{outlet.name}, {date_label(source)}",
            **citation_meta(source, outlet, page_url=page_url),
        ),
        f"# {h1} {{ #title }}",
        "",
        _meta_line(source, doc, site_ctx, decos),
        "",
    ]
    body = [b for b in doc.body if b.kind is not BlockKind.FOOTNOTE]
    footnotes = [b for b in doc.body if b.kind is BlockKind.FOOTNOTE]
    for b in body:
        parts += [render_block(b, decos[b.id]), ""]
    if footnotes:
        parts += [_author_footnotes(footnotes, decos), ""]
    notes = site_ctx.notes_by_source.get(source.id, [])
    if notes:
        parts += ["## Notes { #notes }", "", "///Footnotes Go Here///", ""]
    xrefs = _xref_endnotes(source, site_ctx)
    if xrefs:
        parts += [xrefs, ""]
    parts += [_about(source, site_ctx), "", _cite(source, site_ctx, page_url), ""]
    parts += claim_reviews(source, site_ctx=site_ctx, page_url=page_url)
    for note, _a in notes:
        parts += [_note_definition(note), ""]
    return "\n".join(parts)
