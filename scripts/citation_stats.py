"""Count the citations of a project by the kind of their domain, using the citation policy.

    python scripts/citation_stats.py                       # this project
    python scripts/citation_stats.py --annotations DIR     # another annotations/ folder,
                                                           # classified by this project's policy

Each citation (and further-reading link) of outlets, catalog entries, notes,
cross-references and glossary entries is counted once, under the kind of the longest
policy domain its host belongs to; state-run and partisan citations are split into
labelled and unlabelled. Hosts the policy does not list are counted as ``unclassified``
and named, and malformed hosts as ``malformed``.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from build_tools.errors import Report  # noqa: E402
from build_tools.stages.citations import KINDS, LABELLED, _cited, host_problem, load_policy, url_host  # noqa: E402
from build_tools.stages.load import load_annotations  # noqa: E402


def count(annotations_dir: Path, *, policy_root: Path) -> tuple[Counter[str], Counter[str]]:
    """(citations per kind, unclassified hosts) for the annotations in ``annotations_dir``
    (loaded with its own project's schemas), classified by the policy of ``policy_root``."""
    ann = load_annotations(annotations_dir.resolve().parent, Report())
    policy = load_policy(policy_root, Report())
    if policy is None:
        raise SystemExit(f"{policy_root / 'annotations/citation-policy.yml'} is missing or invalid: run check")
    kinds: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    for c in _cited(ann):
        host = url_host(c.url)
        if host_problem(host):
            kinds["malformed"] += 1
            continue
        rule = policy.rule_for(host)
        if rule is None:
            kinds["unclassified"] += 1
            unknown[host] += 1
        elif rule.kind in LABELLED:
            labelled = any(label.casefold() in c.title.casefold() for label in rule.label)
            kinds[f"{rule.kind} ({'labelled' if labelled else 'unlabelled'})"] += 1
        else:
            kinds[rule.kind] += 1
    return kinds, unknown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Count citations by the kind of their domain (annotations/citation-policy.yml).",
        epilog="example: python scripts/citation_stats.py --annotations ../main/annotations",
    )
    parser.add_argument(
        "--annotations",
        type=Path,
        default=ROOT / "annotations",
        help="the annotations/ folder to count (default: this project's); always classified by this project's policy",
    )
    args = parser.parse_args(argv)
    kinds, unknown = count(args.annotations, policy_root=ROOT)
    order = [
        k for kind in KINDS for k in ((f"{kind} (labelled)", f"{kind} (unlabelled)") if kind in LABELLED else (kind,))
    ] + ["unclassified", "malformed"]
    total = sum(kinds.values())
    print(f"citations in {args.annotations}: {total}")
    for k in order:
        if kinds[k]:
            print(f"  {k:<26} {kinds[k]:>4}")
    if unknown:
        print("unclassified hosts: " + ", ".join(f"{h} ({n})" for h, n in sorted(unknown.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
