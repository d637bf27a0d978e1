"""Render stage: the anchored corpus → generated Markdown pages for MkDocs.

Everything is rendered into memory first (a mapping of ``docs/``-relative paths to
text); :mod:`build_tools.pipeline` writes it only if nothing failed. The pages use
standard Python-Markdown extensions and Material features only, so ProperDocs and
Zensical can render them from the same ``mkdocs.yml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from functools import partial

from build_tools import cache, parallel, paths
from build_tools.model import Annotations, Document, Source
from build_tools.stages.anchor import Anchoring
from build_tools.stages.render.context import SiteContext
from build_tools.stages.render.keys import PageKeys
from build_tools.stages.render.pages import (
    correction_link,
    mention_pages,
    render_abbreviations,
    render_coverage_pages,
    render_crossref_index,
    render_crossref_page,
    render_glossary_index,
    render_glossary_pages,
    render_home_partial,
    render_home_start,
    render_outlet_css,
    render_outlets_page,
    render_sources_index,
)
from build_tools.stages.render.source_page import render_source_page

__all__ = ["RenderedPages", "SiteContext", "render_site"]


class RenderedPages(MutableMapping[str, str]):
    """What :func:`render_site` returns: every generated file's text by path, and for the pages
    that came from the render cache, what they were made from (:attr:`made_from`) and each
    cached group of pages (:attr:`groups`).

    A page the last run wrote from the same cache entry is not read from the cache until
    something asks for its text (the *write* stage does not, when the file on disk is the one
    it wrote: :func:`build_tools.stages.write.write_pages`); every other text is in memory."""

    made_from: dict[str, str]
    """Path → a name of every input of its text (the page's cache key, and what is done to
    every page afterwards): an equal name means an equal text, so the *write* stage need not
    read a file it wrote from the same name (:func:`build_tools.stages.write.write_pages`)."""
    groups: dict[str, dict[str, tuple[tuple[str, str], ...]]]
    """Render cache key → path → links (as :data:`Finished`) of every page stored under it:
    what the write stage records, so that the next run knows an entry's pages unread."""

    def __init__(self) -> None:
        self._texts: dict[str, str | _Later] = {}
        self.made_from = {}
        self.groups = {}
        self.deferred = 0
        """How many entries' pages were not read when rendered."""
        self.context: SiteContext | None = None
        """What the pages were rendered from."""
        self.moved: dict[tuple[str, str], int] = {}
        """(entry, source) → the page of the entry's mentions that source's begin on, where
        not the first (what :func:`_link_later_mention_pages` points links at)."""

    def __getitem__(self, path: str) -> str:
        text = self._texts[path]
        if isinstance(text, _Later):
            text = self._texts[path] = text.text(path)
        return text

    def __setitem__(self, path: str, text: str) -> None:
        self._texts[path] = text

    def __delitem__(self, path: str) -> None:
        del self._texts[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, path: object) -> bool:
        return path in self._texts

    def text_if_read(self, path: str) -> str | None:
        """A page's text if it is in memory (not left in the cache unread), else ``None``."""
        text = self._texts.get(path)
        return text if isinstance(text, str) else None


class _Later:
    """One cache entry's pages, read when the first of them is asked for (rendered again
    if the entry is gone), each with its links pointed at later pages as ``moved`` says."""

    def __init__(
        self, store: cache.Cache, key: str, make: Callable[[], dict[str, Finished]], moved: dict[tuple[str, str], int]
    ) -> None:
        self.store, self.key, self.make, self.moved = store, key, make, moved
        self.pages: dict[str, Finished] | None = None

    def text(self, path: str) -> str:
        if self.pages is None:
            self.pages = self.store.get_or_make(self.key, self.make, _is_finished)
        text, linked = self.pages[path]
        return _pointed(text, linked, self.moved)


def render_site(
    ann: Annotations,
    docs: dict[str, Document],
    anchoring: Anchoring,
    *,
    site_url: str,
    store: cache.Cache | None = None,
    doc_keys: Mapping[str, str] | None = None,
    index_store: cache.Cache | None = None,
    last_groups: Mapping[str, dict[str, tuple[tuple[str, str], ...]]] | None = None,
    jobs: int = 1,
) -> RenderedPages:
    """Every generated file, by path relative to ``docs/``.

    With a ``store``, each source page, cross-reference page and glossary entry's pages come
    from it when none of their inputs changed (:mod:`.keys`; ``doc_keys``: source id → its
    ingest key, which names its document), with the line every page ends with; the index
    pages, which are cheap, are rendered every time, and so is pointing links at the later
    pages of a glossary entry, which depends on the whole corpus. The result is the same.
    ``index_store`` holds the coverage pages the same way (apart, so that the counts of
    ``store`` are those of the pages above).

    ``last_groups`` (:attr:`RenderedPages.groups` as the last run's *write* stage recorded
    them, of the entries whose pages are still in ``docs/`` as it wrote them:
    :meth:`~build_tools.stages.write.Manifest.intact_groups`) names the pages of each entry
    of ``store`` without reading it: the pages of an entry named there are read from
    ``store`` only when their text is asked for.

    The pages to render anew (not in ``store``) are rendered in ``jobs`` forked workers
    where it pays (:func:`build_tools.parallel.map_forked`), which store them.
    """
    ctx = SiteContext.build(ann, docs, anchoring)
    keys = PageKeys(ctx, site_url=site_url, doc_keys=doc_keys or {})
    pages = RenderedPages()
    pages.context = ctx
    links: dict[str, tuple[tuple[str, str], ...]] = {}
    """Path → the ``glossary:ID#in-SOURCE`` links its text has, where it has any."""
    made_from: dict[str, str] = {}
    """Path → the cache key of its text."""
    moved = pages.moved
    """Known once every page is rendered (the texts not yet read are pointed on reading)."""
    known = last_groups or {}

    def put(finished: dict[str, Finished], key: str | None = None) -> None:
        for path, (text, linked) in finished.items():
            pages[path] = text
            if linked:
                links[path] = linked
            if key is not None:
                made_from[path] = key
        if key is not None:
            pages.groups[key] = {path: linked for path, (_, linked) in finished.items()}

    def made(
        make: Callable[[], dict[str, str]], name: Callable[[], str], on: cache.Cache | None, key: str | None = None
    ) -> None:
        if on is None:
            put(_finish(make()))
            return
        key = key or name()
        group = known.get(key) if on is store else None
        if group:  # the last run wrote these pages from this entry: read it only if asked
            later = _Later(on, key, lambda: _finish(make()), moved)
            for path, linked in group.items():
                pages._texts[path] = later
                if linked:
                    links[path] = linked
                made_from[path] = key
            pages.groups[key] = group
            pages.deferred += 1
        else:
            put(on.get_or_make(key, lambda: _finish(make()), _is_finished), key)

    def one(path: str, make: Callable[[], str]) -> Callable[[], dict[str, str]]:
        return lambda: {path: make()}

    cached: list[tuple[Callable[[], dict[str, str]], Callable[[], str]]] = []
    """Each source page, glossary entry's pages and cross-reference page: how to make it, and its key."""
    for source in ann.sources.values():
        if source.id in docs:
            make = partial(render_source_page, source, site_ctx=ctx, site_url=site_url)
            cached.append((one(paths.source_page(source.id), make), partial(keys.source_page, source)))
    for entry in ann.glossary.values():
        cached.append((partial(render_glossary_pages, entry, site_ctx=ctx), partial(keys.glossary_pages, entry)))
    for xref in ann.crossrefs:
        make = partial(render_crossref_page, xref, site_ctx=ctx)
        cached.append((one(paths.crossref_page(xref.id), make), partial(keys.crossref_page, xref)))
    names = [name() if store is not None else None for _make, name in cached]
    todo = [i for i, key in enumerate(names) if key is None or (key not in known and not store.has(key))]  # type: ignore[union-attr]

    def render(i: int) -> dict[str, Finished]:  # in a worker, perhaps: it stores what it made
        finished = _finish(cached[i][0]())
        if store is not None and names[i] is not None:
            store.put(names[i], finished)  # type: ignore[arg-type]
        return finished

    if parallel.usable(jobs, len(todo)):
        with cache.loading():  # once here, not in each worker that renders a page of an entry
            anchoring.mentions.make_all()
    fresh = dict(zip(todo, parallel.map_forked(render, todo, jobs=jobs), strict=True))
    for i, ((make, name), key) in enumerate(zip(cached, names, strict=True)):
        if i not in fresh:
            made(make, name, store, key)
            continue
        put(fresh[i], key)
        if store is not None:
            store.misses += 1
    put(_finish(render_sources_index(ctx)))
    put(_finish(render_glossary_index(ctx)))
    by_date = ctx.sources_by_date()
    covered = [s for s in by_date if s.id in docs]
    made(partial(_crossref_indexes, ctx), partial(keys.crossref_indexes, covered), index_store)
    put(
        _finish(
            {
                "outlets/index.md": render_outlets_page(ctx),
                "outlets/outlets.css": render_outlet_css(ctx),
                "_partials/timeline.md": render_home_partial(ctx),
                "_partials/start.md": render_home_start(ctx),
                "_partials/abbreviations.md": render_abbreviations(ctx),
            }
        )
    )
    if index_store is None:
        where = mention_pages(ctx)
    else:
        where = index_store.get_or_make(keys.mention_pages(by_date), partial(mention_pages, ctx), _is_where)
    moved.update((pair, number) for pair, number in where.items() if number > 1)
    read = {path: linked for path, linked in links.items() if not isinstance(pages._texts[path], _Later)}
    _link_later_mention_pages(pages, where, read)
    pages.made_from = {  # a page's text is its key's, with its links as moved now
        path: f"{key}+{[moved.get(pair, 1) for pair in links[path]]}" if path in links else key
        for path, key in made_from.items()
    }
    return pages


def source_page_text(
    source: Source,
    ctx: SiteContext,
    *,
    site_url: str,
    store: cache.Cache,
    doc_keys: Mapping[str, str],
    moved: Mapping[tuple[str, str], int],
) -> str:
    """One source page's text as :func:`render_site` gives it: from ``store`` under the same key
    (rendered and stored if it is not there), its links pointed at the pages ``moved`` names.

    ``ctx`` need only hold what that page shows (:mod:`.keys` lists it): the catalog, the
    outlets and the glossary, and of the corpus the source's document, the notes and the
    cross-references placed in it, every passage of those cross-references and its mentions."""
    path = paths.source_page(source.id)
    name = PageKeys(ctx, site_url=site_url, doc_keys=doc_keys).source_page(source)
    made = store.get_or_make(
        name, lambda: _finish({path: render_source_page(source, site_ctx=ctx, site_url=site_url)}), _is_finished
    )
    text, linked = made[path]
    return _pointed(text, linked, {pair: number for pair, number in moved.items() if number > 1})


Finished = tuple[str, tuple[tuple[str, str], ...]]
"""A page's text, ending with how to report an error, and the ``glossary:ID#in-SOURCE`` links in it."""


def _finish(made: dict[str, str]) -> dict[str, Finished]:
    """Every page ends with how to report an error; its links are found once, with it.

    That line has no link, and a link has no line break: so the line may go before the
    links are pointed at later pages (:func:`_link_later_mention_pages`), as it is stored."""
    finished = {}
    for path, text in made.items():
        if path.endswith(".md") and not path.startswith("_partials/"):
            text = text.rstrip("\n") + "\n\n" + correction_link(prefix=paths.up(path)) + "\n"
        finished[path] = (text, tuple(_MENTION_LINK.findall(text)) if "#in-" in text else ())
    return finished


def _crossref_indexes(ctx: SiteContext) -> dict[str, str]:
    return {**render_crossref_index(ctx), **render_coverage_pages(ctx)}


def _is_where(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, tuple) and len(k) == 2 and isinstance(v, int) for k, v in value.items()
    )


def _is_finished(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str)
        and isinstance(v, tuple)
        and len(v) == 2
        and isinstance(v[0], str)
        and isinstance(v[1], tuple)
        and all(isinstance(p, tuple) and len(p) == 2 for p in v[1])
        for k, v in value.items()
    )


_MENTION_LINK = re.compile(r"\]\(\.\./glossary/([a-z0-9-]+)\.md#in-([a-z0-9-]+)\)")


def _link_later_mention_pages(
    pages: MutableMapping[str, str],
    where: dict[tuple[str, str], int],
    links: dict[str, tuple[tuple[str, str], ...]] | None = None,
) -> None:
    """Point a body's ``glossary:ID#in-SOURCE`` link at the page of the entry that holds
    that source's mentions, when the entry's mentions take more than one page.

    Only a link to a later page changes: with ``links`` (the links of each page that has
    any, as :func:`_finish` found them) only a page with such a link is searched."""
    moved = {pair: number for pair, number in where.items() if number > 1}
    if not moved:
        return
    if links is None:
        links = {path: tuple(_MENTION_LINK.findall(text)) for path, text in pages.items() if "#in-" in text}
    for path, linked in links.items():
        pages[path] = _pointed(pages[path], linked, moved)


def _pointed(text: str, linked: tuple[tuple[str, str], ...], moved: Mapping[tuple[str, str], int]) -> str:
    """``text`` with each of its ``linked`` links to an entry's mentions of a source pointed at
    the page ``moved`` says they begin on (those on the first page, not in ``moved``, stay)."""
    if not any(pair in moved for pair in linked):
        return text

    def fix(m: re.Match[str]) -> str:
        number = moved.get((m.group(1), m.group(2)))
        if number is None:  # on the first page, whose path is the entry's own
            return m.group(0)
        return f"](../{paths.paged(paths.glossary_page(m.group(1)), number)}#in-{m.group(2)})"

    return _MENTION_LINK.sub(fix, text)


def rekey_pages(
    ann: Annotations,
    docs: dict[str, Document],
    anchoring: Anchoring,
    *,
    site_url: str,
    store: cache.Cache,
    doc_keys: Mapping[str, str],
    new_doc_keys: Mapping[str, str],
    new_anchor_names: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Store each cached page again under the key it has when its documents are named by
    ``new_doc_keys`` instead of ``doc_keys`` (source id → ingest key; see :mod:`.keys`), and
    their anchors by ``new_anchor_names`` (source id → anchor entry name) where given.

    For a document whose new key gives the same document (a lock file just written: see
    :func:`build_tools.pipeline.locks_stage`) every page is what it was, so the next run
    need not render them again. Returns each old key → its new key, of the entries stored
    (signed copies of the files, as they are)."""
    ctx = SiteContext.build(ann, docs, anchoring)
    old = PageKeys(ctx, site_url=site_url, doc_keys=doc_keys)
    anchor_names = {**anchoring.entry_names, **(new_anchor_names or {})}
    new = PageKeys(ctx, site_url=site_url, doc_keys={**doc_keys, **new_doc_keys}, anchor_names=anchor_names)
    names: list[tuple[str, str]] = []
    for source in ann.sources.values():
        if source.id in docs:
            names.append((old.source_page(source), new.source_page(source)))
    for entry in ann.glossary.values():
        names.append((old.glossary_pages(entry), new.glossary_pages(entry)))
    for xref in ann.crossrefs:
        names.append((old.crossref_page(xref), new.crossref_page(xref)))
    return {before: after for before, after in names if before != after and store.copy(before, after)}
