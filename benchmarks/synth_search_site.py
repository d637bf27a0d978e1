"""A large built site for the search benchmark, without a large build (issue 11).

A 10,000-source build takes about an hour and a half; what search costs at that size depends
only on the pages Pagefind indexes. This script takes a built site (the five-text ``site/``
that ``python -m build_tools build`` wrote, its pages already marked for Pagefind by the
search stage) and clones its indexed pages as the synthetic corpus of ``bench_build.py``
does: per copy of the corpus, every source page and every cross-reference page once more,
under new ids (``ID-cK``); the glossary entries once, as at 10,000 sources. At 60,000 pages
that is 2,000 copies (10,000 source pages and 50,000 cross-reference pages), the shape of the
10,000-source site (60,088 pages indexed).

In each clone a share of the words of every passage is swapped with a neighbour (the same
words, so a query finds as many pages as in a copied corpus, but not byte-identical pages),
and ``--outlets`` / ``--years`` can spread the clones over more filter values than the
corpus has (default: the corpus's own, as in the copied corpus). Then Pagefind indexes it
as the search stage does (:func:`build_tools.stages.search.run_pagefind`: in shards of
``PAGES_PER_SHARD`` pages; ``--one-index`` for the single index of before, for comparison).

    python benchmarks/synth_search_site.py --pages 60000 --out /tmp/synth60k
    python benchmarks/bench_search.py --site /tmp/synth60k

``--from`` names the built site to clone (default ``site/``; run ``make site`` first).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from build_tools.stages import search  # noqa: E402
from build_tools.stages.search import PAGEFIND_DIR, run_pagefind  # noqa: E402

_TEXT = re.compile(r">([^<>]{30,})<")
_FILTER = re.compile(r'(<span data-pagefind-filter="(outlet|year)">)([^<]*)(</span>)')


def _shuffle_words(body: str, rng: random.Random, share: float) -> str:
    """Swap about ``share`` of the words of each long text node with their right neighbour."""

    def swap(m: re.Match[str]) -> str:
        words = m.group(1).split(" ")
        for i in range(len(words) - 1):
            if rng.random() < share and "&" not in words[i] + words[i + 1]:
                words[i], words[i + 1] = words[i + 1], words[i]
        return ">" + " ".join(words) + "<"

    return _TEXT.sub(swap, body)


def clone_page(page: str, k: int, rng: random.Random, *, share: float, outlets: int, years: int) -> str:
    """Copy ``k`` of one marked page: words swapped in its body, filters spread if asked."""
    start = page.find("data-pagefind-body")
    stop = page.find("</article>", start)
    if start < 0 or stop < 0:
        return page

    def refilter(m: re.Match[str]) -> str:
        kind, value = m.group(2), m.group(3)
        if kind == "outlet" and outlets:
            value = f"{value} {k % outlets}" if k % outlets else value
        elif kind == "year" and years and value.isdigit():
            value = str(int(value) - k % years)
        return m.group(1) + value + m.group(4)

    body = _FILTER.sub(refilter, page[start:stop])
    return page[:start] + _shuffle_words(body, rng, share) + page[stop:]


def make_site(
    src: Path, out: Path, pages: int, *, share: float = 0.1, outlets: int = 0, years: int = 0, seed: int = 11
) -> list[Path]:
    """Write a site of about ``pages`` indexed pages into ``out``; returns them."""
    if not (src / "sources").is_dir():
        raise SystemExit(f"{src} is not a built site: run `make site` (or python -m build_tools build) first")
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(src, out, ignore=shutil.ignore_patterns(PAGEFIND_DIR))
    originals = [
        p
        for folder in ("sources", "crossrefs")
        for p in sorted((src / folder).glob("*/index.html"))
        if "data-pagefind-body" in p.read_text(encoding="utf-8")
    ]
    marked = [
        out / p.relative_to(src)
        for p in sorted(src.glob("*/*/index.html"))
        if "data-pagefind-body" in p.read_text("utf-8")
    ]
    glossary = len(marked) - len(originals)
    copies = max(1, round((pages - glossary) / len(originals)))
    rng = random.Random(seed)
    texts = {p: p.read_text(encoding="utf-8") for p in originals}
    for k in range(1, copies):
        for path, page in texts.items():
            dest = out / path.parent.parent.name / f"{path.parent.name}-c{k}" / "index.html"
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(clone_page(page, k, rng, share=share, outlets=outlets, years=years), encoding="utf-8")
            marked.append(dest)
    return marked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=60_000, help="indexed pages to make (default 60000)")
    parser.add_argument("--out", type=Path, required=True, help="the folder to write (replaced)")
    parser.add_argument("--from", dest="src", type=Path, default=ROOT / "site", help="the built site to clone")
    parser.add_argument("--shuffle", type=float, default=0.1, help="share of words swapped per clone (0.1)")
    parser.add_argument("--outlets", type=int, default=0, help="spread clones over N variants of each outlet")
    parser.add_argument("--years", type=int, default=0, help="spread clones over N years back from each year")
    parser.add_argument("--one-index", action="store_true", help="one Pagefind index, not shards (as before)")
    parser.add_argument("--no-index", action="store_true", help="write the pages only; do not run Pagefind")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    marked = make_site(args.src, args.out, args.pages, share=args.shuffle, outlets=args.outlets, years=args.years)
    t1 = time.perf_counter()
    print(f"wrote {len(marked)} indexed pages in {t1 - t0:.0f} s", flush=True)
    if args.no_index:
        return 0
    if args.one_index:
        search.PAGES_PER_SHARD = len(marked)
    proc = run_pagefind(args.out, marked)
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
        return proc.returncode
    bundle = args.out / PAGEFIND_DIR
    mb = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file()) / 2**20
    print(f"Pagefind indexed it in {time.perf_counter() - t1:.0f} s into a {mb:.1f} MB bundle", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
