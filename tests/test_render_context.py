"""The render context's orderings: a page that lists a few sources orders them as the
corpus-wide date order does, without going through the corpus."""

from __future__ import annotations

import random

from build_tools.stages.render.context import SiteContext


def test_a_few_sources_come_in_the_corpus_date_order(corpus) -> None:
    ctx = SiteContext.build(corpus.ann, corpus.docs, corpus.anchoring)
    everyone = ctx.sources_by_date()
    assert [s.id for s in everyone] == [
        s.id for s in sorted(corpus.ann.sources.values(), key=lambda s: (s.date is None, s.date or "", s.id))
    ]
    rng = random.Random(3)
    for _ in range(50):
        few = rng.sample([s.id for s in everyone], rng.randint(0, len(everyone)))
        assert ctx.in_date_order(few) == [s for s in everyone if s.id in few]
    everyone.reverse()  # a new list each call: the caller may change it
    assert ctx.sources_by_date() != everyone or len(everyone) < 2
