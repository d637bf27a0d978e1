"""Build the generated site with MkDocs, ProperDocs and Zensical and compare what they render.

Principle 4: the preprocessor writes plain Markdown that any reader of `mkdocs.yml` can
render. This script builds the same `docs/` with each tool and compares a structural
fingerprint of every page (block ids, highlights, note footnotes, glossary links,
cross-reference markers, abbreviations, the home timeline). Run it with `make
portability`, which installs ProperDocs and Zensical into their own virtualenvs.

    python scripts/check_portability.py --tool mkdocs=.venv/bin/mkdocs \
        --tool properdocs=.venv-properdocs/bin/properdocs --tool zensical=.venv-zensical/bin/zensical
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
FEATURES = {
    "block ids": "[id^=p-], [id^=q-], [id^=c-], [id^=h-], [id^=fn-]",
    "highlights": "mark.hl",
    "note footnotes": "div.footnote li",
    "glossary links": "a.gl",
    "xref markers": "a.xref-marker",
    "abbreviations": "abbr",
    "timeline items": ".timeline li",
    "permalinks": "a.permalink",
}


def fingerprint(site: Path) -> dict[str, dict[str, int]]:
    """Per page (relative path of its index.html): how many of each feature it has."""
    out: dict[str, dict[str, int]] = {}
    for html in sorted(site.rglob("index.html")):
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article") or soup
        out[html.relative_to(site).as_posix()] = {k: len(article.select(sel)) for k, sel in FEATURES.items()}
    return out


def build(tool: str, exe: str, dest: Path) -> float:
    """Build into ``dest`` with one tool; return the seconds it took."""
    import time

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    t0 = time.perf_counter()
    if tool == "zensical":
        # Zensical writes to the configured site_dir; build in a copy of the project.
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp) / "p"
            shutil.copytree(
                ROOT, work, ignore=shutil.ignore_patterns(".venv*", "node_modules", "site", ".git", ".cache")
            )
            subprocess.run([exe, "build", "--strict", "-f", "mkdocs.yml"], cwd=work, env=env, check=True)
            shutil.copytree(work / "site", dest)
    else:
        subprocess.run([exe, "build", "--strict", "--site-dir", str(dest)], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tool", action="append", required=True, help="NAME=EXECUTABLE; the first is the reference")
    args = parser.parse_args(argv)
    subprocess.run([sys.executable, "-m", "build_tools", "preprocess", "--quiet"], cwd=ROOT, check=True)
    prints: dict[str, dict[str, dict[str, int]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.tool:
            name, exe = spec.split("=", 1)
            exe = str(Path(exe).resolve()) if "/" in exe else exe
            seconds = build(name, exe, Path(tmp) / name)
            prints[name] = fingerprint(Path(tmp) / name)
            print(f"{name:12} built {len(prints[name])} pages in {seconds:.1f} s", file=sys.stderr)
    ref_name, *others = list(prints)
    ref = prints[ref_name]
    totals = {name: {k: sum(p[k] for p in fp.values()) for k in FEATURES} for name, fp in prints.items()}
    print(json.dumps(totals, indent=2))
    differ = 0
    for name in others:
        for page, features in ref.items():
            got = prints[name].get(page)
            if got != features:
                differ += 1
                print(f"{name}: {page} differs: {ref_name} {features} vs {got}", file=sys.stderr)
    print("identical structure" if not differ else f"{differ} pages differ", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
