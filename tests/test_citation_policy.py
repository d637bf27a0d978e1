"""The citation policy (build_tools/stages/citations.py, annotations/citation-policy.yml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.errors import Report
from build_tools.stages.citations import KINDS, LABELLED, check_citations, host_problem, load_policy, url_host
from build_tools.stages.load import load_annotations

from .conftest import ROOT
from .test_contrib_broken import make_case

POLICY = """\
# yaml-language-server: $schema=schema/citation-policy.schema.json
domains:
  - host: example.net
    kind: press
    why: Invented press.
  - host: copies.example.net
    kind: aggregator
    why: Invented aggregator.
  - host: party.example.com
    kind: partisan
    why: Invented party site.
    label: [Westport Party]
"""


@pytest.mark.parametrize(
    ("host", "problem"),
    [
        ("thediplomat.com", None),
        ("www.trtworld.com", None),
        ("hist_marxism.academic.ru", None),
        ("xn--p1ai", "has no top-level domain (such as .org)"),
        ("site.xn--p1ai", None),
        ("thediplomat.com.", "ends with a dot"),
        ("web.archive.org.", "ends with a dot"),
        ("localhost", "has no top-level domain (such as .org)"),
        ("", "has no host name"),
        ("example..org", "is not a valid host name (letters, digits and hyphens between dots)"),
        ("-bad.example.org", "is not a valid host name (letters, digits and hyphens between dots)"),
        ("example.c0m", "ends in '.c0m', which is not a top-level domain"),
    ],
)
def test_host_problem(host: str, problem: str | None) -> None:
    assert host_problem(host) == problem


def test_url_host_drops_port_and_user_and_folds_case() -> None:
    assert url_host("https://www.trtworld.com:443/x") == "www.trtworld.com"
    assert url_host("http://Kids.Britannica.com/x") == "kids.britannica.com"
    assert url_host("https://user@example.org/x") == "example.org"
    assert url_host("https://") == ""


def _project(tmp_path: Path, policy: str, note_citations: str, *, glossary_links: str = "") -> Path:
    root = make_case(None, tmp_path / "p")
    (root / "annotations" / "citation-policy.yml").write_text(policy, encoding="utf-8")
    note = root / "annotations" / "notes" / "gazette-2024-05-02-bridge.yml"
    text = note.read_text(encoding="utf-8")
    old = (
        "      - title: Westport regional budget 2024 (invented, for the tests)\n"
        "        url: https://budget.example.org/2024\n"
        "        accessed: 2024-06-01\n"
    )
    assert old in text
    note.write_text(text.replace(old, note_citations), encoding="utf-8")
    if glossary_links:
        places = root / "annotations" / "glossary" / "places.yml"
        places.write_text(places.read_text(encoding="utf-8").rstrip("\n") + "\n" + glossary_links, encoding="utf-8")
    return root


def _check(root: Path) -> list[str]:
    report = Report()
    ann = load_annotations(root, report)
    assert report.errors == [], report.render()
    check_citations(ann, root, report)
    return [f"{p.origin} {p.code} {p.message}" for p in report.sorted()]


def test_longest_domain_wins_and_labels_match_in_any_case(tmp_path: Path) -> None:
    cites = (
        "      - {title: Press report, url: 'https://news.example.net/a', accessed: 2024-06-01}\n"
        "      - {title: Copied report, url: 'https://copies.example.net/a', accessed: 2024-06-01}\n"
        "      - title: Manifesto (westport party)\n"
        "        url: https://www.party.example.com/m\n"
        "        accessed: 2024-06-01\n"
        "      - title: Manifesto\n"
        "        accessed: 2024-06-01\n"
        "        url: https://party.example.com/m\n"
    )
    p = "annotations/notes/gazette-2024-05-02-bridge.yml"
    assert _check(_project(tmp_path, POLICY, cites)) == [
        f"{p}:10:38 citation-aggregator copies.example.net is an aggregator, which is not citable",
        f"{p}:16:14 citation-unlabelled party.example.com is partisan, but the citation title does not say so: "
        "'Manifesto'",
    ]


def test_further_reading_links_are_checked_too(tmp_path: Path) -> None:
    cites = "      - {title: Budget, url: 'https://example.net/b', accessed: 2024-06-01}\n"
    text = (ROOT / "tests/fixtures/broken/base/annotations/glossary/places.yml").read_text(encoding="utf-8")
    assert "links:" not in text
    root = _project(tmp_path, POLICY, cites)
    places = root / "annotations" / "glossary" / "places.yml"
    lines = places.read_text(encoding="utf-8").rstrip("\n").split("\n")
    lines.append("    links:")
    lines.append("      - {title: Copy, url: 'https://copies.example.net/c', accessed: 2024-06-01}")
    places.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = _check(root)
    assert len(problems) == 1 and "citation-aggregator copies.example.net" in problems[0], problems
    assert problems[0].startswith(f"annotations/glossary/places.yml:{len(lines)}:")


def test_without_a_policy_file_only_hosts_are_checked(tmp_path: Path) -> None:
    cites = (
        "      - {title: Copied, url: 'https://copies.example.net/a', accessed: 2024-06-01}\n"
        "      - {title: Dot, url: 'https://example.net./a', accessed: 2024-06-01}\n"
    )
    root = _project(tmp_path, POLICY, cites)
    (root / "annotations" / "citation-policy.yml").unlink()
    assert _check(root) == [
        "annotations/notes/gazette-2024-05-02-bridge.yml:10:28 citation-host url 'https://example.net./a': "
        "host 'example.net.' ends with a dot"
    ]


def test_the_real_policy_is_valid_and_classifies_every_cited_host() -> None:
    report = Report()
    policy = load_policy(ROOT, report)
    assert report.problems == [] and policy is not None
    ann = load_annotations(ROOT, Report())
    from build_tools.stages.citations import _cited

    unlisted = sorted({url_host(c.url) for c in _cited(ann) if policy.rule_for(url_host(c.url)) is None})
    assert unlisted == []
    for rule in policy.rules.values():
        assert rule.kind in KINDS
        assert bool(rule.label) == (rule.kind in LABELLED), rule.host


def test_citation_stats_counts_by_kind(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "citation_stats.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ann = load_annotations(ROOT, Report())
    from build_tools.stages.citations import _cited

    total = len(list(_cited(ann)))
    lines = out.splitlines()
    assert lines[0] == f"citations in {ROOT / 'annotations'}: {total}"
    counts = {line[:28].strip(): int(line[28:]) for line in lines[1:] if line.startswith("  ")}
    assert sum(counts.values()) == total
    # The real corpus passes check, so nothing blocked, unlabelled, unlisted or malformed is left.
    assert not {k for k in counts if k in ("mirror", "aggregator", "content-farm", "unclassified", "malformed")}
    assert not {k for k in counts if k.endswith("(unlabelled)")}
    assert counts["primary"] > 0 and counts["press"] > 0
