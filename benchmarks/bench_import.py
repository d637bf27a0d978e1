"""Benchmark the import stage (``build_tools.importer``) on saved news pages.

Data: the Scrapinghub article-extraction benchmark (MIT licence), laid out as
``DIR/html/<sha>.html.gz`` plus ``DIR/ground-truth.json`` mapping each sha to
``{"articleBody": str, "url": str}``.  ``--data DIR`` defaults to
``../shared/benchmarks/article-extraction`` relative to the project root (the
parent of ``benchmarks/``); a relative ``--data`` is taken relative to the
current directory.

Scoring (function :func:`shingle_f1`), per page:

* Tokens: the text is lower-cased with ``str.lower()`` and split into the
  maximal runs of Unicode word characters (regular expression ``\\w+``:
  letters, digits and underscore); everything else separates tokens, so
  ``"Don't stop!"`` gives ``["don", "t", "stop"]``.
* Shingles: every run of 4 consecutive tokens, kept as a **multiset** (a
  4-gram occurring twice counts twice).  A text with 1-3 tokens has exactly
  one shingle, the tuple of all its tokens; a text with no tokens has none.
* precision = |E ∩ G| / |E|, recall = |E ∩ G| / |G|, with E and G the
  extracted and ground-truth multisets and ∩ the multiset intersection
  (minimum of the counts); F1 = 2PR / (P + R), 0 when P + R = 0.  Both
  empty scores 1/1/1; exactly one empty scores 0/0/0.
* A page whose extraction fails (``ImportProblem`` or any other error)
  scores 0/0/0.

Summary: mean precision, mean recall, mean F1 and median F1 across pages,
plus "F1 of the means" (2·P̄·R̄/(P̄+R̄)), the convention of the upstream
benchmark's published figures.  URL metadata matches when both URLs are equal
after normalisation: scheme, query and fragment dropped, host lower-cased, a
trailing ``/`` removed from the path.

Exit status: 0, or 1 when mean F1 < ``--min-f1``, or 2 for a usage or data
error (reported on one line, no traceback).  Full per-page results are
written to ``benchmarks/results/import.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
DEFAULT_DATA = Path("..") / "shared" / "benchmarks" / "article-extraction"
DEFAULT_OUTPUT = BENCH_DIR / "results" / "import.json"
SHINGLE_SIZE = 4
PROGRESS_EVERY = 20

_TOKEN = re.compile(r"\w+")


class Score(NamedTuple):
    """Precision, recall and F1 of one extracted text against its ground truth."""

    precision: float
    recall: float
    f1: float


def tokenize(text: str) -> list[str]:
    """Lower-case ``text`` and return its runs of Unicode word characters."""
    return _TOKEN.findall(text.lower())


def shingles(text: str, size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Multiset of word ``size``-grams; a 1..size-1 token text is one shingle."""
    tokens = tokenize(text)
    if not tokens:
        return Counter()
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def shingle_f1(extracted: str, truth: str, size: int = SHINGLE_SIZE) -> Score:
    """Score ``extracted`` against ``truth`` on multisets of word shingles.

    See the module docstring for the exact tokenisation and edge cases.
    """
    got, want = shingles(extracted, size), shingles(truth, size)
    n_got, n_want = sum(got.values()), sum(want.values())
    if n_got == 0 and n_want == 0:
        return Score(1.0, 1.0, 1.0)
    if n_got == 0 or n_want == 0:
        return Score(0.0, 0.0, 0.0)
    common = sum((got & want).values())
    precision, recall = common / n_got, common / n_want
    f1 = 2 * precision * recall / (precision + recall) if common else 0.0
    return Score(precision, recall, f1)


def normalise_url(url: str | None) -> str | None:
    """``host/path`` with scheme, query, fragment and a trailing slash dropped."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if not parts.netloc:
        return None
    return parts.netloc.lower() + parts.path.rstrip("/")


@dataclass(slots=True)
class PageResult:
    """What the benchmark records for one page."""

    sha: str
    truth_url: str
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    error: str | None = None
    url: str | None = None
    url_exact: bool = False
    url_match: bool = False
    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    language: str | None = None
    extracted_chars: int = 0
    truth_chars: int = 0
    seconds: float = 0.0


class DataError(Exception):
    """The benchmark data is missing or malformed."""


def load_ground_truth(data: Path) -> dict[str, dict[str, str]]:
    """Read ``ground-truth.json``; raise DataError if the folder is unusable."""
    truth_file = data / "ground-truth.json"
    if not data.is_dir():
        raise DataError(f"benchmark data folder not found: {data} (pass --data DIR)")
    if not (data / "html").is_dir() or not truth_file.is_file():
        raise DataError(f"{data} must contain html/ and ground-truth.json (pass --data DIR)")
    try:
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DataError(f"cannot read {truth_file}: {err}") from None
    if not isinstance(truth, dict) or not truth:
        raise DataError(f"{truth_file}: expected a non-empty JSON object")
    return truth


def score_page(data: Path, sha: str, truth: dict[str, str]) -> PageResult:
    """Extract one page and score it; never raises for a bad page."""
    # deferred import: main() puts the project root on sys.path first
    from build_tools.importer import extract_article

    body = truth.get("articleBody") or ""
    truth_url = truth.get("url") or ""
    result = PageResult(sha=sha, truth_url=truth_url, truth_chars=len(body))
    path = data / "html" / f"{sha}.html.gz"
    start = time.perf_counter()
    try:
        article = extract_article(path.read_bytes(), filename=path.name)
    except Exception as err:
        result.error = f"{type(err).__name__}: {err}"
    else:
        result.precision, result.recall, result.f1 = shingle_f1(article.text, body)
        normalised = normalise_url(article.url)
        result.url = article.url
        result.url_exact = article.url == truth_url
        result.url_match = normalised is not None and normalised == normalise_url(truth_url)
        result.title = article.title
        result.author = article.author
        result.date = article.date
        result.sitename = article.sitename
        result.language = article.language
        result.extracted_chars = len(article.text)
    result.seconds = time.perf_counter() - start
    return result


def summarise(results: list[PageResult], seconds: float, settings: dict[str, Any]) -> dict[str, Any]:
    """Aggregate per-page results into the summary figures."""
    n = len(results)
    mean_p = statistics.fmean(r.precision for r in results)
    mean_r = statistics.fmean(r.recall for r in results)
    worst = sorted(results, key=lambda r: (r.f1, r.sha))[:5]
    f1_of_means = 2 * mean_p * mean_r / (mean_p + mean_r) if mean_p + mean_r else 0.0
    return {
        "pages": n,
        "failures": sum(r.error is not None for r in results),
        "mean_precision": mean_p,
        "mean_recall": mean_r,
        "mean_f1": statistics.fmean(r.f1 for r in results),
        "median_f1": statistics.median(r.f1 for r in results),
        "f1_of_means": f1_of_means,
        "url_match": sum(r.url_match for r in results),
        "url_exact": sum(r.url_exact for r in results),
        "with_title": sum(r.title is not None for r in results),
        "with_date": sum(r.date is not None for r in results),
        "with_author": sum(r.author is not None for r in results),
        "with_language": sum(r.language is not None for r in results),
        "worst": [r.sha for r in worst],
        "seconds": seconds,
        "settings": settings,
    }


def print_summary(summary: dict[str, Any], by_sha: dict[str, PageResult]) -> None:
    """Print the human-readable summary on stdout."""
    n = summary["pages"]
    print(f"pages            {n} ({summary['failures']} failed)")
    print(f"mean precision   {summary['mean_precision']:.4f}")
    print(f"mean recall      {summary['mean_recall']:.4f}")
    print(f"mean F1          {summary['mean_f1']:.4f}")
    print(f"median F1        {summary['median_f1']:.4f}")
    print(f"F1 of means      {summary['f1_of_means']:.4f}  (upstream convention)")
    print("worst pages:")
    for sha in summary["worst"]:
        r = by_sha[sha]
        note = f"  [{r.error}]" if r.error else ""
        scores = f"F1 {r.f1:.3f}  P {r.precision:.3f}  R {r.recall:.3f}"
        print(f"  {sha[:12]}  {scores}  {r.truth_url}{note}")
    print("metadata:")
    urls = f"{summary['url_match']}/{n} normalised, {summary['url_exact']}/{n} exact"
    print(f"  url matches    {urls}")
    for field in ("title", "date", "author", "language"):
        print(f"  with {field:<9} {summary['with_' + field]}/{n}")
    seconds = summary["seconds"]
    print(f"time             {seconds:.1f} s ({seconds / n * 1000:.0f} ms/page)")


def _parse_setting(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    lowered = value.lower()
    if lowered in {"true", "false"}:
        return key, lowered == "true"
    return key, value


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of the benchmark."""
    parser = argparse.ArgumentParser(description="Score build_tools.importer on saved news pages.")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"benchmark folder (default: {DEFAULT_DATA} relative to the project root)",
    )
    parser.add_argument(
        "--min-f1",
        type=float,
        default=0.92,
        help="fail below this mean F1 (default 0.92)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="per-page results JSON")
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="score only the first N pages (sorted by sha)",
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        type=_parse_setting,
        default=[],
        metavar="KEY=VALUE",
        help="override an entry of importer.TRAFILATURA_OPTIONS for this run (true/false for booleans); "
        "KEY drop_title_from_body toggles importer.DROP_TITLE_FROM_BODY",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the process exit status."""
    args = build_parser().parse_args(argv)
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    from build_tools import importer

    data = args.data if args.data is not None else PROJECT_ROOT / DEFAULT_DATA
    data = data.resolve()
    try:
        truth = load_ground_truth(data)
    except DataError as err:
        print(f"bench_import.py: error: {err}", file=sys.stderr)
        return 2

    for key, value in args.settings:
        if key == "drop_title_from_body":
            importer.DROP_TITLE_FROM_BODY = bool(value)
        elif key in importer.TRAFILATURA_OPTIONS:
            importer.TRAFILATURA_OPTIONS[key] = value
        else:
            known = ", ".join(sorted(importer.TRAFILATURA_OPTIONS))
            print(
                f"bench_import.py: error: unknown setting {key!r} (known: {known})",
                file=sys.stderr,
            )
            return 2
    settings = {
        **importer.TRAFILATURA_OPTIONS,
        "drop_title_from_body": importer.DROP_TITLE_FROM_BODY,
    }

    shas = sorted(truth)[: args.limit] if args.limit else sorted(truth)
    results: list[PageResult] = []
    start = time.perf_counter()
    for i, sha in enumerate(shas, 1):
        results.append(score_page(data, sha, truth[sha]))
        if i % PROGRESS_EVERY == 0 or i == len(shas):
            running = statistics.fmean(r.f1 for r in results)
            print(f"[{i}/{len(shas)}] mean F1 so far {running:.4f}", file=sys.stderr)
    seconds = time.perf_counter() - start

    summary = summarise(results, seconds, settings)
    summary["extractor"] = f"trafilatura {version('trafilatura')}"
    summary["data"] = str(data)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {"summary": summary, "pages": [asdict(r) for r in results]},
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    print_summary(summary, {r.sha: r for r in results})
    print(f"results          {args.output}")
    if summary["mean_f1"] < args.min_f1:
        print(
            f"FAIL: mean F1 {summary['mean_f1']:.4f} < --min-f1 {args.min_f1}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
