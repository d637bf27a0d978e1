"""Work a contributor can make unbounded is bounded, and reported with file:line (issue 14)."""

from __future__ import annotations

import time

import regex

from build_tools.errors import Origin, Report
from build_tools.model import BoilerplateRule, Outlet
from build_tools.stages.ingest import ingest_text

from .conftest import make_source


def test_a_catastrophic_boilerplate_pattern_is_stopped_and_reported():
    origin = Origin("annotations/outlets.yml", 12, 20)
    outlet = Outlet(
        id="x", name="X", short="X", description="", url=None, color="#000000",
        boilerplate=(BoilerplateRule(regex.compile(r"^(a|a)+$"), "block", origin),),
        citations=(), origin=Origin("annotations/outlets.yml", 3),
    )  # fmt: skip
    text = "A title line\n\n" + "\n\n".join(["a" * 3000 + "!"] * 20) + "\n\nThe last paragraph.\n"
    report = Report()
    t0 = time.perf_counter()
    doc = ingest_text(text, make_source(), outlet=outlet, report=report)
    assert time.perf_counter() - t0 < 5
    assert [p.format() for p in report.problems] == [
        "annotations/outlets.yml:12:20: error: boilerplate pattern '^(a|a)+$' took more than 0.25 s on one block "
        "of 't' and was stopped\n"
        "    hint: a nested repetition such as (a+)+ or (a|a)+ can take for ever; anchor the pattern on the fixed "
        "words of the boilerplate, e.g. ^To contact the WSWS"
    ]
    assert len(doc.blocks) == 22  # nothing dropped by the stopped pattern
