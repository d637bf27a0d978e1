"""Render stage: the anchored corpus → generated Markdown pages for MkDocs.

Everything is rendered into memory first (a mapping of ``docs/``-relative paths to
text); :mod:`build_tools.pipeline` writes it only if nothing failed. The pages use
standard Python-Markdown extensions and Material features only, so ProperDocs and
Zensical can render them from the same ``mkdocs.yml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import TypeVar

from build_tools import cache, paths
from build_tools.model import Annotations, Document
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

T = TypeVar("T")


class RenderedPages(dict[str, str]):
    """What :func:`render_site` returns: every generated file by path, and for the pages that
    came from the render cache, what they were made from (:attr:`made_from`)."""

    made_from: dict[str, str]
    """Path → a name of every input of its text (the page's cache key, and what is done to
    every page afterwards): an equal name means an equal text, so the *write* stage need not
    read a file it wrote from the same name (:func:`build_tools.stages.write.write_pages`)."""

    def __init__(self) -> None:
        super().__init__()
        self.made_from = {}


def render_site(
    ann: Annotations,
    docs: dict[str, Document],
    anchoring: Anchoring,
    *,
    site_url: str,
    store: cache.Cache | None = None,
    doc_keys: Mapping[str, str] | None = None,
    index_store: cache.Cache | None = None,
) -> RenderedPages:
    """Every generated file, by path relative to ``docs/``.

    With a ``store``, each source page, cross-reference page and glossary entry's pages come
    from it when none of their inputs changed (:mod:`.keys`; ``doc_keys``: source id → its
    ingest key, which names its document); the index pages, which are cheap, are rendered
    every time, and so is what is done to every page afterwards. The result is the same.
    ``index_store`` holds the coverage pages the same way (apart, so that the counts of
    ``store`` are those of the pages above).
    """
    ctx = SiteContext.build(ann, docs, anchoring)
    keys = PageKeys(ctx, site_url=site_url, doc_keys=doc_keys or {})
    pages = RenderedPages()
    made_from: dict[str, str] = {}
    """Path → the cache key of its text as rendered (before what is done to every page)."""

    def cached(
        paths_of: Callable[[T], list[str]],
        name: Callable[[], str],
        make: Callable[[], T],
        valid: Callable[[object], bool],
        on: cache.Cache | None,
    ) -> T:
        if on is None:
            return make()
        key = name()
        value = on.get_or_make(key, make, valid)
        for path in paths_of(value):
            made_from[path] = key
        return value

    for source in ann.sources.values():
        if source.id in docs:
            path = paths.source_page(source.id)
            pages[path] = cached(
                lambda _, path=path: [path],
                partial(keys.source_page, source),
                partial(render_source_page, source, site_ctx=ctx, site_url=site_url),
                _is_page,
                store,
            )
    for entry in ann.glossary.values():
        pages.update(
            cached(
                list,
                partial(keys.glossary_pages, entry),
                partial(render_glossary_pages, entry, site_ctx=ctx),
                _is_pages,
                store,
            )
        )
    for xref in ann.crossrefs:
        path = paths.crossref_page(xref.id)
        pages[path] = cached(
            lambda _, path=path: [path],
            partial(keys.crossref_page, xref),
            partial(render_crossref_page, xref, site_ctx=ctx),
            _is_page,
            store,
        )
    pages.update(render_sources_index(ctx))
    pages.update(render_glossary_index(ctx))
    pages.update(render_crossref_index(ctx))
    covered = [s for s in ctx.sources_by_date() if s.id in docs]
    pages.update(
        cached(list, partial(keys.coverage_pages, covered), partial(render_coverage_pages, ctx), _is_pages, index_store)
    )
    pages["outlets/index.md"] = render_outlets_page(ctx)
    pages["outlets/outlets.css"] = render_outlet_css(ctx)
    pages["_partials/timeline.md"] = render_home_partial(ctx)
    pages["_partials/start.md"] = render_home_start(ctx)
    pages["_partials/abbreviations.md"] = render_abbreviations(ctx)
    where = mention_pages(ctx)
    _link_later_mention_pages(pages, where)
    for path in pages:  # every page ends with how to report an error
        if path.endswith(".md") and not path.startswith("_partials/"):
            pages[path] = pages[path].rstrip("\n") + "\n\n" + correction_link(prefix=paths.up(path)) + "\n"
    if made_from:  # what is done to every page depends on these alone (and the code, in every key)
        after = cache.digest(repr(sorted(where.items())))
        pages.made_from = {path: f"{key}+{after}" for path, key in made_from.items()}
    return pages


def _is_page(value: object) -> bool:
    return isinstance(value, str)


def _is_pages(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


_MENTION_LINK = re.compile(r"\]\(\.\./glossary/([a-z0-9-]+)\.md#in-([a-z0-9-]+)\)")


def _link_later_mention_pages(pages: dict[str, str], where: dict[tuple[str, str], int]) -> None:
    """Point a body's ``glossary:ID#in-SOURCE`` link at the page of the entry that holds
    that source's mentions, when the entry's mentions take more than one page.

    Only a link to a later page changes (the first page keeps the entry's own path), and
    every link matched starts ``](../glossary/``: a page without that is not searched."""
    moved = {pair: number for pair, number in where.items() if number > 1}
    if not moved:
        return

    def fix(m: re.Match[str]) -> str:
        number = moved.get((m.group(1), m.group(2)))
        if number is None:
            return m.group(0)
        return f"](../{paths.paged(paths.glossary_page(m.group(1)), number)}#in-{m.group(2)})"

    for path, text in pages.items():
        if "](../glossary/" in text and "#in-" in text:
            pages[path] = _MENTION_LINK.sub(fix, text)
