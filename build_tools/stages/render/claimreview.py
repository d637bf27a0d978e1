"""Corrections as fact checks: schema.org ``ClaimReview`` JSON-LD, one for each.

Each correction (a note with ``kind: correction``) already has its own anchor on the
source page — the highlighted passage, ``#a-NOTE`` — and this module writes one
``<script type="application/ld+json">`` per page holding an array with a ClaimReview for
each, which fact-check readers (Google's Fact Check Explorer, ClaimReview aggregators)
understand::

    [{"@context": "https://schema.org", "@type": "ClaimReview",
     "url": "SITE/sources/SOURCE/#a-NOTE",            the correction's own address
     "claimReviewed": "…the passage as printed…",
     "author": {"@type": "Organization", "name": PROJECT, "url": "SITE/"},
     "reviewRating": {"@type": "Rating", "ratingValue": 1, "worstRating": 1, "bestRating": 2,
                      "alternateName": "Needs correction", "name": …},
     "itemReviewed": {"@type": "Claim", "author": …,
                      "appearance": {"@type": "NewsArticle", "headline": …, "url": ORIGINAL,
                                     "datePublished": DATE, "publisher": OUTLET, "author": …}}}, …]

The rating scale (documented in docs/interchange.md): the project gives one verdict,
1 = "Needs correction" — the passage as printed has an error, leaves out a fact that
changes its meaning, or states as settled what other sources contradict; the note says
which. 2 = "No correction needed" is the top of the scale and is never written (a passage
without a correction gets no ClaimReview). No finer verdict is given: the notes explain
and attribute rather than grade outlets.

What is not known is left out rather than guessed: the original's URL, the byline (the
claim's author is then the outlet), a date that is only inferred, a publisher for an
outlet that is not one (an unattributed repost has no ``url`` in outlets.yml). A source
whose outlet has a website appears as a ``NewsArticle``; otherwise as a ``CreativeWork``.

The JSON is safe inside ``<script>``: ``<``, ``>``, ``&``, U+2028 and U+2029 are written
as ``\\u00XX`` escapes, so no text in an annotation can close the element or start markup.
"""

from __future__ import annotations

import json
from typing import Any

from build_tools import paths
from build_tools.model import Anchor, Note, Source
from build_tools.stages.render.context import SiteContext

PROJECT = "Annotated reading"
"""The reviews' author: the project, not a person."""
RATING_SCALE = {1: "Needs correction", 2: "No correction needed"}
"""The documented scale: rating value → its name (only 1 is ever written)."""

_SCRIPT_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: Any) -> str:
    """``data`` as JSON that can sit inside ``<script type="application/ld+json">`` as is."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return "".join(_SCRIPT_SAFE.get(ch, ch) for ch in text)


def claim_review(note: Note, anchor: Anchor, /, *, source: Source, site_ctx: SiteContext, page_url: str) -> dict:
    """The ClaimReview of one correction (see the module docstring)."""
    outlet = site_ctx.ann.outlets[source.outlet]
    site_url = page_url.split("/sources/", 1)[0] + "/"
    work: dict[str, Any] = {"@type": "NewsArticle" if outlet.url else "CreativeWork"}
    work["headline"] = source.display_title
    if source.url:
        work["url"] = source.url
    if source.date and "date" not in source.inferred:
        work["datePublished"] = source.date
    publisher = {"@type": "Organization", "name": outlet.name, "url": outlet.url} if outlet.url else None
    if publisher:
        work["publisher"] = publisher
    byline = {"@type": "Person", "name": source.byline} if source.byline else None
    if byline:
        work["author"] = byline
    claim: dict[str, Any] = {"@type": "Claim", "appearance": work}
    if byline or publisher:
        claim["author"] = byline or publisher
    if "datePublished" in work:
        claim["datePublished"] = work["datePublished"]
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{page_url}#{paths.note_anchor(note.id)}",
        "claimReviewed": anchor.text,
        "author": {"@type": "Organization", "name": PROJECT, "url": site_url},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": 1,
            "worstRating": 1,
            "bestRating": 2,
            "alternateName": RATING_SCALE[1],
            "name": "Needs correction: see the project's note on this passage",
        },
        "itemReviewed": claim,
    }


def claim_reviews(source: Source, /, *, site_ctx: SiteContext, page_url: str) -> list[str]:
    """Page parts: one ``<script type="application/ld+json">`` holding the ClaimReview of every
    correction of ``source``, then an empty line (a raw HTML block Markdown passes through);
    ``[]`` if the source has no correction.

    The JSON is an array even for one review: Material's instant navigation re-runs the
    page's inline scripts as JavaScript, where an array of objects is a harmless expression
    but a bare object is a syntax error.
    """
    reviews = [
        claim_review(note, a, source=source, site_ctx=site_ctx, page_url=page_url)
        for note, a in site_ctx.notes_by_source.get(source.id, [])
        if note.kind == "correction"
    ]
    if not reviews:
        return []
    return ['<script type="application/ld+json">' + script_json(reviews) + "</script>", ""]
