"""Search benchmark in a real browser, on loopback: what a reader's first search costs.

Builds the synthetic project of ``bench_build.py`` (N sources: the real corpus copied
N/5 times), preprocesses it, builds it with MkDocs, indexes it with Pagefind as
``python -m build_tools build`` does, serves it on 127.0.0.1 and opens the home page in
Debian's Chromium (Playwright). For each query, in a fresh browser context (cold cache):
open search, type the query key by key, and measure

* bytes transferred from opening search to the first results (every response under
  ``/pagefind/`` and ``/assets/search/``: the search box, Pagefind's API and worker, its
  WebAssembly, index chunks, fragments) — as served by
  Python's http.server (no compression) and gzipped (what a compressing host sends), and
* milliseconds from the last keystroke to the first result on screen.

Also the bytes a page load costs before any search (must be 0 under /pagefind/).

    python benchmarks/bench_search.py                 # N = 1000
    python benchmarks/bench_search.py --sources 100
    python benchmarks/bench_search.py --site ../big-project/site   # a site built already

Results go to stdout and to benchmarks/results/search.json.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_build import make_project  # noqa: E402

from build_tools.pipeline import load_corpus, read_site_url  # noqa: E402
from build_tools.stages.render import render_site  # noqa: E402
from build_tools.stages.search import index_search  # noqa: E402
from build_tools.stages.write import write_pages  # noqa: E402

QUERIES = ("Wang Wenbin", "Wengbin", "Zelensky", "Li Shangfu", "Jericho Wall", "multipolar")
CHROMIUM = Path("/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(root: Path, n_sources: int, base_url: str) -> dict[str, float]:
    make_project(root, max(1, n_sources // 5))
    os.environ["SITE_URL"] = base_url
    t0 = time.perf_counter()
    corpus = load_corpus(root)
    assert not corpus.report.errors, corpus.report.render()[:2000]
    write_pages(root, render_site(corpus.ann, corpus.docs, corpus.anchoring, site_url=read_site_url(root)))
    t1 = time.perf_counter()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")]
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    t2 = time.perf_counter()
    index_search(root / "site", corpus.ann)
    t3 = time.perf_counter()
    return {"preprocess": round(t1 - t0, 2), "mkdocs": round(t2 - t1, 2), "pagefind": round(t3 - t2, 2)}


def measure(
    site_dir: Path, base_url: str, queries: tuple[str, ...], *, repeat: int = 1, timeout_s: float = 60
) -> list[dict[str, object]]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    port = int(base_url.rsplit(":", 1)[1].strip("/"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Quiet, directory=str(site_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    out = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            for query in [q for q in queries for _ in range(repeat)]:
                context = browser.new_context(base_url=base_url, service_workers="block")
                context.route(
                    "**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort()
                )
                page = context.new_page()
                sizes: dict[str, int] = {}
                gzipped: dict[str, int] = {}

                def on_response(response, sizes: dict[str, int] = sizes, gzipped: dict[str, int] = gzipped) -> None:
                    if "/pagefind/" in response.url or "/assets/search/" in response.url:  # index, UI, shards
                        try:
                            body = response.body()
                        except Exception:  # a response without a body (redirect)
                            body = b""
                        sizes[response.url] = len(body)
                        gzipped[response.url] = len(gzip.compress(body, 6)) if body else 0

                page.on("response", on_response)
                page.goto("")
                page.wait_for_load_state("networkidle")
                before = sum(sizes.values())
                page.locator("button.pagefind-open").click()
                box = page.locator(".site-search__input")
                box.wait_for()
                box.press_sequentially(query, delay=30)
                t0 = time.perf_counter()
                try:
                    page.locator(".site-search__link").first.wait_for(timeout=timeout_s * 1000)
                    ms: float | None = (time.perf_counter() - t0) * 1000
                    page.wait_for_load_state("networkidle")
                except PlaywrightTimeout:  # no result in time: recorded as such, bytes so far
                    ms = None
                out.append(
                    {
                        "query": query,
                        "bytes_before_search": before,
                        "bytes_first_search": sum(sizes.values()),
                        "gzip_bytes_first_search": sum(gzipped.values()),
                        "requests": len(sizes),
                        "ms_to_results": None if ms is None else round(ms),
                    }
                )
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return out


def _ms(value: float | None, timeout: float) -> str:
    return f"{value:>5.0f} ms" if value is not None and value != float("inf") else f"none in {timeout:.0f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=1000, help="number of sources (default 1000)")
    parser.add_argument(
        "--site",
        type=Path,
        help="measure this built site (e.g. what `python -m build_tools build` made for a large project) "
        "instead of building a synthetic one",
    )
    parser.add_argument("--queries", nargs="+", default=list(QUERIES), help="queries to time (default: six)")
    parser.add_argument("--repeat", type=int, default=1, help="time each query this many times (cold each time)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for a first result (60)")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "search.json"))
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: install Debian's chromium", file=sys.stderr)
        return 2
    base_url = f"http://127.0.0.1:{_free_port()}/"
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        if args.site:
            site_dir, seconds = args.site.resolve(), {}
            if not (site_dir / "pagefind").is_dir():
                print(f"{site_dir} has no pagefind/ folder: build it with python -m build_tools build", file=sys.stderr)
                return 2
            args.sources = sum(1 for p in (site_dir / "sources").glob("*/index.html"))
        else:
            root = Path(tmp)
            print(f"building a synthetic site of {args.sources} sources…", file=sys.stderr)
            seconds = build(root, args.sources, base_url)
            site_dir = root / "site"
        bundle = site_dir / "pagefind"
        bundle_mb = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file()) / 2**20
        runs = measure(site_dir, base_url, tuple(args.queries), repeat=args.repeat, timeout_s=args.timeout)
    for r in runs:
        print(
            f"{r['query']!r:16} first search {r['bytes_first_search'] / 1024:7.1f} KB "
            f"({r['gzip_bytes_first_search'] / 1024:.0f} KB gzipped) in {r['requests']:>3} requests, "
            f"results {_ms(r['ms_to_results'], args.timeout)} after the last key "
            f"(before searching: {r['bytes_before_search']} B)"
        )
    kb = [r["bytes_first_search"] / 1024 for r in runs]
    gz = [r["gzip_bytes_first_search"] / 1024 for r in runs]
    ms = [r["ms_to_results"] if r["ms_to_results"] is not None else float("inf") for r in runs]
    print(
        f"{args.sources} sources: bundle {bundle_mb:.1f} MB on disk; "
        f"first search median {statistics.median(kb):.0f} KB ({statistics.median(gz):.0f} KB gzipped) "
        f"(max {max(kb):.0f}), results median {_ms(statistics.median(ms), args.timeout)} "
        f"(max {_ms(max(ms), args.timeout)}); build {seconds}"
    )
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {"sources": args.sources, "seconds": seconds, "bundle_mb": round(bundle_mb, 2), "queries": runs}
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
