"""Corrections as schema.org ClaimReview (build_tools/stages/render/claimreview.py).

Checked against schema.org's own definitions (a vendored extract of release 30.0, see
tests/data/schemaorg/SOURCE.md): every property is defined for the type it is used on,
and every value is of a type the property accepts; and against Google's fact-check
requirements (required: claimReviewed, reviewRating.alternateName, url). On the built
site, each block is in the page unchanged and its url points at the correction's highlight.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from build_tools import paths as layout
from build_tools.stages.render.claimreview import claim_reviews, script_json

VOCAB = Path(__file__).resolve().parent / "data" / "schemaorg" / "schemaorg-claimreview.jsonld"
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>')


@cache
def _vocab() -> tuple[dict[str, set[str]], dict[str, tuple[set[str], set[str]]]]:
    """Each class's superclasses (itself included), and each property's (domains, ranges)."""

    def ids(v: Any) -> set[str]:
        items = v if isinstance(v, list) else [v]
        return {i["@id"].removeprefix("schema:") for i in items if isinstance(i, dict)}

    graph = json.loads(VOCAB.read_text(encoding="utf-8"))["@graph"]
    parents = {n["@id"].removeprefix("schema:"): ids(n.get("rdfs:subClassOf")) for n in graph}
    props = {
        n["@id"].removeprefix("schema:"): (ids(n.get("schema:domainIncludes")), ids(n.get("schema:rangeIncludes")))
        for n in graph
        if n["@type"] == "rdf:Property"
    }

    def up(t: str) -> set[str]:
        out = {t}
        for p in parents.get(t, ()):
            out |= up(p)
        return out

    return {t: up(t) for t in parents}, props


def schema_problems(node: dict[str, Any], path: str = "") -> list[str]:
    """Every property of ``node`` (and of the nodes inside it) that schema.org does not allow there."""
    classes, props = _vocab()
    kind = node["@type"]
    if kind not in classes:
        return [f"{path}: unknown type {kind}"]
    problems = []
    for key, value in node.items():
        if key.startswith("@"):
            continue
        where = f"{path}.{key}"
        if key not in props:
            problems.append(f"{where}: no such property")
            continue
        domains, ranges = props[key]
        if not domains & classes[kind]:
            problems.append(f"{where}: not a property of {kind}")
        if isinstance(value, dict):
            if not ranges & classes.get(value.get("@type", ""), set()):
                problems.append(f"{where}: a {value.get('@type')} is not one of {sorted(ranges)}")
            problems += schema_problems(value, where)
        elif isinstance(value, bool) or not isinstance(value, str | int | float):
            problems.append(f"{where}: unexpected value {value!r}")
        else:
            literal = {"Text", "URL", "Date", "DateTime"} if isinstance(value, str) else {"Number", "Integer", "Float"}
            if not any(classes.get(r, {r}) & literal for r in ranges):
                problems.append(f"{where}: a literal is not one of {sorted(ranges)}")
    return problems


def _reviews(corpus) -> list[tuple[str, dict[str, Any]]]:
    from build_tools.stages.render.context import SiteContext

    ctx = SiteContext.build(corpus.ann, corpus.docs, corpus.anchoring)
    out = []
    for sid, source in corpus.ann.sources.items():
        page = f"https://example.org/sources/{sid}/"
        for part in claim_reviews(source, site_ctx=ctx, page_url=page):
            out += [(sid, review) for m in SCRIPT.findall(part) for review in json.loads(m)]
    return out


def test_every_correction_has_one_review_that_schema_org_allows(corpus) -> None:
    reviews = _reviews(corpus)
    corrections = [n for n in corpus.ann.notes if n.kind == "correction"]
    assert len(reviews) == len(corrections) == 9  # the editorial review (issue 10) made 4 of 13 context notes
    urls = {r["url"] for _sid, r in reviews}
    assert urls == {f"https://example.org/sources/{n.selector.source}/#{layout.note_anchor(n.id)}" for n in corrections}
    for sid, review in reviews:
        assert schema_problems(review, "ClaimReview") == [], sid
        # Google's required fact-check fields, and the recommended ones we can fill truthfully.
        assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
        assert review["claimReviewed"] and review["url"] and review["reviewRating"]["alternateName"]
        assert review["reviewRating"] == {
            "@type": "Rating",
            "ratingValue": 1,
            "worstRating": 1,
            "bestRating": 2,
            "alternateName": "Needs correction",
            "name": "Needs correction: see the project's note on this passage",
        }
        assert review["author"]["@type"] == "Organization"
        assert review["itemReviewed"]["@type"] == "Claim"


def test_the_claim_is_the_passage_and_the_work_says_only_what_is_known(corpus) -> None:
    anchors = {a.annotation: a for a in corpus.anchoring.anchors if a.kind == "note"}
    by_url = {r["url"].rsplit("#a-", 1)[1]: (sid, r) for sid, r in _reviews(corpus)}
    _sid, ws = by_url["ws24-wengbin"]
    assert ws["claimReviewed"] == anchors["ws24-wengbin"].text == "Chinese Foreign Minister spokesman Wang Wengbin"
    assert ws["itemReviewed"]["appearance"] == {
        "@type": "NewsArticle",
        "headline": "Chinese regime announces “support” for Russia in war with NATO in Ukraine",
        "url": "https://www14.wsws.org/en/articles/2024/02/13/fpsx-f13.html",
        "datePublished": "2024-02-12",
        "publisher": {"@type": "Organization", "name": "World Socialist Web Site", "url": "https://www.wsws.org"},
        "author": {"@type": "Person", "name": "Alex Lantier"},
    }
    # Euronews: no title, byline or URL, and the date is inferred: all left out, the outlet is the author.
    _sid, en = by_url["en-publically"]
    assert en["itemReviewed"] == {
        "@type": "Claim",
        "appearance": {
            "@type": "NewsArticle",
            "headline": "[Untitled Euronews report: Li Shangfu meets Putin in Moscow]",
            "publisher": {"@type": "Organization", "name": "Euronews", "url": "https://www.euronews.com"},
        },
        "author": {"@type": "Organization", "name": "Euronews", "url": "https://www.euronews.com"},
    }
    # The unattributed repost has no publisher to name.
    _sid, es = by_url["es-whampoa-date"]
    assert es["itemReviewed"] == {
        "@type": "Claim",
        "appearance": {"@type": "CreativeWork", "headline": "The Gaza Genocide and China’s multipolar illusion"},
    }


@pytest.mark.parametrize(
    "hostile",
    ["</script><script>alert(1)</script>", "<!-- <script>", "a & b > c", "line\u2028sep\u2029para"],
)
def test_the_json_cannot_leave_its_script_element(hostile: str) -> None:
    text = script_json({"claimReviewed": hostile})
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == {"claimReviewed": hostile}


@pytest.mark.e2e
def test_the_built_pages_carry_the_reviews_at_the_corrections(built_site, corpus) -> None:
    site_dir, base_url = built_site
    n = 0
    for sid in corpus.docs:
        soup = BeautifulSoup((site_dir / "sources" / sid / "index.html").read_text(encoding="utf-8"), "html.parser")
        scripts = soup.find_all("script", type="application/ld+json")
        assert len(scripts) <= 1  # one per page, an array of every correction's review
        for review in (r for script in scripts for r in json.loads(script.string)):
            page, anchor = review["url"].split("#", 1)
            assert page == f"{base_url}sources/{sid}/"
            mark = soup.find(id=anchor)
            assert mark is not None and mark.name == "mark" and "hl-correction" in mark["class"]
            n += 1
    assert n == sum(1 for note in corpus.ann.notes if note.kind == "correction") == 9


def test_the_schema_check_catches_what_schema_org_does_not_define() -> None:
    bad = {
        "@type": "ClaimReview",
        "verdict": "False",
        "reviewRating": {"@type": "Rating", "headline": "x", "ratingValue": 1},
        "itemReviewed": {"@type": "Claim", "appearance": {"@type": "Rating"}},
        "author": {"@type": "Organisation"},
    }
    assert schema_problems(bad, "r") == [
        "r.verdict: no such property",
        "r.reviewRating.headline: not a property of Rating",
        "r.itemReviewed.appearance: a Rating is not one of ['CreativeWork']",
        "r.author: a Organisation is not one of ['Organization', 'Person']",
        "r.author: unknown type Organisation",
    ]
