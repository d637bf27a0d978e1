"""Benchmark the import stage (``build_tools.contrib.extract``) on saved news pages.

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

Metadata (title, byline, date) is scored against hand-checked labels of what
each page prints (``benchmarks/data/import/labels.json``, see the README
there): title *exact* when equal after collapsing white space; a byline is
*right* when the case-folded words of one (``and`` aside) are all in the other,
*wrong* when it differs, *missing* when the label has one and the import none,
*unconfirmed* when the import has one but the label none (the page prints none
that the labelling found); dates the same, compared exactly.

``--compare`` runs, side by side on the same pages: the importer as it was at
``--before REV`` (git), plain trafilatura with its defaults, plain trafilatura
with comments excluded, and the importer as it is.  Captions the importer keeps
(as ``caption`` blocks) are not in the ground truth: its F1 is computed on the
text without them, and also reported with them ("F1 +capt").

Exit status: 0, or 1 when mean F1 < ``--min-f1``, the title is exact on fewer
than ``--min-title`` of the pages, or (with ``--compare``) the importer's mean
F1 is below plain trafilatura's best; 2 for a usage or data error (reported on
one line, no traceback).  Full per-page results are written to
``benchmarks/results/import.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import subprocess
import sys
import time
import types
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
DEFAULT_DATA = Path("..") / "shared" / "benchmarks" / "article-extraction"
DEFAULT_OUTPUT = BENCH_DIR / "results" / "import.json"
DEFAULT_LABELS = BENCH_DIR / "data" / "import" / "labels.json"
DEFAULT_BEFORE = "fa0051d"  # main before issue 12's import work
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
    f1_with_captions: float = 0.0
    title_label: str | None = None
    title_exact: bool = False
    byline_label: str | None = None
    byline: str = "none"  # right | wrong | missing | unconfirmed | none
    date_label: str | None = None
    date_verdict: str = "none"


class Extraction(NamedTuple):
    """What one extractor gives for one page."""

    text: str
    captions: tuple[str, ...]
    title: str | None
    author: str | None
    date: str | None
    url: str | None
    sitename: str | None
    language: str | None


Extractor = Callable[[bytes, str], Extraction]


def project_extractor(module: Any) -> Extractor:
    """``extract_article`` of ``module`` (build_tools.contrib.extract, now or at another revision)."""

    def run(raw: bytes, filename: str) -> Extraction:
        article = module.extract_article(raw, filename=filename)
        paragraphs = article.text.split("\n\n")
        hints = [h.quote for h in getattr(article, "structure", ()) if h.as_kind == "caption"]
        captions = tuple(p for p in paragraphs if any(p.startswith(q) for q in hints))
        return Extraction(
            article.text, captions, article.title, article.author, article.date,
            article.url, article.sitename, article.language,
        )  # fmt: skip

    return run


def trafilatura_extractor(**options: Any) -> Extractor:
    """Plain trafilatura on the page's bytes (its own decoding), metadata on, ``options`` else defaults."""
    import trafilatura

    def run(raw: bytes, filename: str) -> Extraction:
        html = gzip.decompress(raw) if filename.endswith(".gz") else raw
        doc = trafilatura.bare_extraction(html, with_metadata=True, **options)
        text = (getattr(doc, "text", None) or "") if doc is not None else ""
        if not text.strip():
            raise ValueError("trafilatura extracted no text")
        meta = {k: getattr(doc, k, None) for k in ("title", "author", "date", "url", "sitename", "language")}
        return Extraction(text, (), **meta)

    return run


EXTRACTOR_PATHS = ("build_tools/contrib/extract.py", "build_tools/importer.py")
"""Where the extractor lives now, and where it lived before the pipeline layout."""


def importer_at(rev: str) -> Any:
    """The article extractor as it was at git revision ``rev``, as a module.

    It is ``build_tools/contrib/extract.py`` now and was ``build_tools/importer.py`` before
    the pipeline layout; both are tried, so ``--before`` can name a revision of either age."""
    errors = []
    for path in EXTRACTOR_PATHS:
        source = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "show", f"{rev}:{path}"], capture_output=True, text=True, check=False
        )
        if source.returncode == 0:
            break
        errors.append(source.stderr.strip())
    else:
        raise DataError(f"cannot read the extractor at {rev!r}: {'; '.join(errors)}")
    module = types.ModuleType("build_tools._importer_before")
    module.__package__ = "build_tools"
    sys.modules[module.__name__] = module
    exec(compile(source.stdout, f"{rev}:{path}", "exec"), module.__dict__)
    return module


def _fold(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def verdict(got: str | None, label: str | None, *, same: Callable[[str, str], bool]) -> str:
    """right / wrong / missing / unconfirmed / none (neither has a value)."""
    if got is None:
        return "missing" if label is not None else "none"
    if label is None:
        return "unconfirmed"
    return "right" if same(got, label) else "wrong"


def same_byline(got: str, label: str) -> bool:
    """The same people: the words of one (``and`` aside) are all in the other."""
    a, b = (set(re.findall(r"\w+", t.casefold())) - {"and", "by"} for t in (got, label))
    return bool(a and b) and (a <= b or b <= a)


def same_title(got: str, label: str) -> bool:
    return " ".join(got.split()) == " ".join(label.split())


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


def score_page(
    data: Path,
    sha: str,
    truth: dict[str, str],
    *,
    extract: Extractor,
    label: dict[str, Any] | None = None,
) -> PageResult:
    """Extract one page and score it; never raises for a bad page."""
    body = truth.get("articleBody") or ""
    truth_url = truth.get("url") or ""
    result = PageResult(sha=sha, truth_url=truth_url, truth_chars=len(body))
    label = label or {}
    result.title_label, result.byline_label, result.date_label = (label.get(k) for k in ("title", "byline", "date"))
    path = data / "html" / f"{sha}.html.gz"
    start = time.perf_counter()
    try:
        got = extract(path.read_bytes(), path.name)
    except Exception as err:
        result.error = f"{type(err).__name__}: {err}"
        result.byline = verdict(None, result.byline_label, same=same_byline)
        result.date_verdict = verdict(None, result.date_label, same=str.__eq__)
    else:
        text = "\n\n".join(p for p in got.text.split("\n\n") if p not in got.captions) if got.captions else got.text
        result.precision, result.recall, result.f1 = shingle_f1(text, body)
        result.f1_with_captions = shingle_f1(got.text, body).f1 if got.captions else result.f1
        normalised = normalise_url(got.url)
        result.url = got.url
        result.url_exact = got.url == truth_url
        result.url_match = normalised is not None and normalised == normalise_url(truth_url)
        result.title = got.title
        result.author = got.author
        result.date = got.date
        result.sitename = got.sitename
        result.language = got.language
        result.extracted_chars = len(got.text)
        result.title_exact = bool(got.title and result.title_label and same_title(got.title, result.title_label))
        result.byline = verdict(got.author, result.byline_label, same=same_byline)
        result.date_verdict = verdict(got.date, result.date_label, same=str.__eq__)
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
        "mean_f1_with_captions": statistics.fmean(r.f1_with_captions for r in results),
        "title_exact": sum(r.title_exact for r in results),
        "byline": dict(Counter(r.byline for r in results)),
        "date": dict(Counter(r.date_verdict for r in results)),
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
    print(f"  title exact    {summary['title_exact']}/{n} ({summary['title_exact'] / n:.1%})")
    for field in ("byline", "date"):
        print(f"  {field:<14} {_verdicts(summary[field])}")
    seconds = summary["seconds"]
    print(f"time             {seconds:.1f} s ({seconds / n * 1000:.0f} ms/page)")


def _verdicts(counts: dict[str, int]) -> str:
    return " ".join(f"{k} {counts.get(k, 0)}" for k in ("right", "wrong", "missing", "unconfirmed", "none"))


def print_comparison(rows: list[tuple[str, dict[str, Any]]]) -> None:
    """One line per configuration, same pages, same scoring."""
    print(
        f"{'configuration':<34} {'failed':>6} {'F1':>7} {'F1+capt':>7} {'P':>7} {'R':>7} {'title':>6}"
        "  byline r/w/m/u        date r/w/m/u"
    )
    for name, s in rows:
        n = s["pages"]
        b, d = s["byline"], s["date"]
        bw = "/".join(str(b.get(k, 0)) for k in ("right", "wrong", "missing", "unconfirmed"))
        dw = "/".join(str(d.get(k, 0)) for k in ("right", "wrong", "missing", "unconfirmed"))
        print(
            f"{name:<34} {s['failures']:>6} {s['mean_f1']:>7.4f} {s['mean_f1_with_captions']:>7.4f} "
            f"{s['mean_precision']:>7.4f} {s['mean_recall']:>7.4f} {s['title_exact'] / n:>6.1%}  {bw:<20} {dw}"
        )


def load_labels(path: Path) -> dict[str, dict[str, Any]]:
    """The hand-checked title/byline/date labels; DataError if unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DataError(f"cannot read the labels {path}: {err} (pass --labels FILE)") from None
    pages = data.get("pages") if isinstance(data, dict) else None
    if not isinstance(pages, dict):
        raise DataError(f"{path}: expected an object with a 'pages' object")
    return pages


def source_add_cost(sizes: tuple[int, ...], *, before: str | None, repeats: int = 3) -> list[tuple[str, int, float]]:
    """CPU seconds of one ``source add`` of a saved page into projects of ``sizes`` x the real corpus.

    Each run is a fresh process (``python -m build_tools --root P source add …``) on the
    same project, the catalog restored in between; the median of ``repeats`` runs is
    reported, for this version and (``before``) the importer's revision from git.
    """
    import resource
    import shutil
    import tempfile

    from bench_build import make_project

    page = PROJECT_ROOT / "tests" / "fixtures" / "import" / "article.html"
    versions = [("this version", PROJECT_ROOT)]
    rows: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if before:
            code = Path(tmp) / "before"
            code.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(PROJECT_ROOT), "archive", before, "build_tools"], capture_output=True, check=False
            )
            if archive.returncode != 0:
                raise DataError(f"cannot read build_tools at {before!r}: {archive.stderr.decode().strip()}")
            subprocess.run(["tar", "-x", "-C", str(code)], input=archive.stdout, check=True)
            versions.insert(0, (f"before ({before})", code))
        for copies in sizes:
            project = Path(tmp) / f"p{copies}"
            counts = make_project(project, copies)
            catalog = project / "annotations" / "sources.yml"
            saved = catalog.read_bytes()
            for name, code_root in versions:
                times = []
                for _ in range(repeats):
                    start = resource.getrusage(resource.RUSAGE_CHILDREN)
                    done = subprocess.run(
                        [sys.executable, "-m", "build_tools", "--root", str(project), "source", "add", str(page),
                         "--outlet", "euronews", "--id", "bench-new"],
                        cwd=code_root, capture_output=True, text=True, check=False,
                    )  # fmt: skip
                    end = resource.getrusage(resource.RUSAGE_CHILDREN)
                    if done.returncode != 0:
                        raise DataError(f"source add failed ({name}): {done.stderr.strip()}")
                    times.append(end.ru_utime + end.ru_stime - start.ru_utime - start.ru_stime)
                    catalog.write_bytes(saved)
                    for new in project.glob("sources/bench-new.*"):
                        new.unlink()
                rows.append((name, counts["sources"], statistics.median(times)))
            shutil.rmtree(project)
    return rows


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
    parser = argparse.ArgumentParser(description="Score build_tools.contrib.extract on saved news pages.")
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
        "--labels", type=Path, default=DEFAULT_LABELS, help="title/byline/date labels (default: benchmarks/data/import)"
    )
    parser.add_argument(
        "--min-title",
        type=float,
        default=0.85,
        help="fail when the title is exact on fewer than this share of the pages (default 0.85)",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also run the importer at --before, plain trafilatura and trafilatura without comments, side by side",
    )
    parser.add_argument(
        "--source-add",
        action="store_true",
        help="also measure the CPU time of one `source add` into projects of 5 and 1,000 sources",
    )
    parser.add_argument(
        "--before",
        default=DEFAULT_BEFORE,
        help=f"git revision of the importer to compare with (default {DEFAULT_BEFORE})",
    )
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
        help="override an entry of extract.TRAFILATURA_OPTIONS for this run (true/false for booleans); "
        "KEY drop_title_from_body toggles extract.DROP_TITLE_FROM_BODY",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the process exit status."""
    args = build_parser().parse_args(argv)
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    from build_tools.contrib import extract

    data = args.data if args.data is not None else PROJECT_ROOT / DEFAULT_DATA
    data = data.resolve()
    try:
        truth = load_ground_truth(data)
    except DataError as err:
        print(f"bench_import.py: error: {err}", file=sys.stderr)
        return 2

    for key, value in args.settings:
        if key == "drop_title_from_body":
            extract.DROP_TITLE_FROM_BODY = bool(value)
        elif key in extract.TRAFILATURA_OPTIONS:
            extract.TRAFILATURA_OPTIONS[key] = value
        else:
            known = ", ".join(sorted(extract.TRAFILATURA_OPTIONS))
            print(
                f"bench_import.py: error: unknown setting {key!r} (known: {known})",
                file=sys.stderr,
            )
            return 2
    settings = {
        **extract.TRAFILATURA_OPTIONS,
        "drop_title_from_body": extract.DROP_TITLE_FROM_BODY,
    }

    shas = sorted(truth)[: args.limit] if args.limit else sorted(truth)
    try:
        labels = load_labels(args.labels)
        configs: list[tuple[str, Extractor]] = []
        if args.compare:
            configs += [
                (f"importer before ({args.before})", project_extractor(importer_at(args.before))),
                ("trafilatura defaults", trafilatura_extractor()),
                ("trafilatura, comments excluded", trafilatura_extractor(include_comments=False)),
            ]
    except DataError as err:
        print(f"bench_import.py: error: {err}", file=sys.stderr)
        return 2
    configs.append(("importer (this version)", project_extractor(extract)))

    rows: list[tuple[str, dict[str, Any]]] = []
    for name, extractor in configs:
        results: list[PageResult] = []
        start = time.perf_counter()
        for i, sha in enumerate(shas, 1):
            results.append(score_page(data, sha, truth[sha], extract=extractor, label=labels.get(sha)))
            if i % PROGRESS_EVERY == 0 or i == len(shas):
                running = statistics.fmean(r.f1 for r in results)
                print(f"[{name}: {i}/{len(shas)}] mean F1 so far {running:.4f}", file=sys.stderr)
        rows.append((name, summarise(results, time.perf_counter() - start, settings)))

    summary = rows[-1][1]
    summary["extractor"] = f"trafilatura {version('trafilatura')}"
    summary["data"] = str(data)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {"summary": summary, "compared": dict(rows), "pages": [asdict(r) for r in results]},
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    print_summary(summary, {r.sha: r for r in results})
    if len(rows) > 1:
        print()
        print_comparison(rows)
    if args.source_add:
        try:
            cost = source_add_cost((1, 200), before=args.before if args.compare else None)
        except DataError as err:
            print(f"bench_import.py: error: {err}", file=sys.stderr)
            return 2
        print()
        print("one `source add` of a saved page (CPU seconds, median of 3 fresh processes)")
        for name, n_sources, seconds in cost:
            print(f"  {name:<24} {n_sources:>5} sources  {seconds:.2f} s")
    print(f"results          {args.output}")
    status = 0
    if summary["mean_f1"] < args.min_f1:
        print(f"FAIL: mean F1 {summary['mean_f1']:.4f} < --min-f1 {args.min_f1}", file=sys.stderr)
        status = 1
    if summary["title_exact"] < args.min_title * summary["pages"]:
        share = summary["title_exact"] / summary["pages"]
        print(f"FAIL: title exact on {share:.1%} of the pages < --min-title {args.min_title:.0%}", file=sys.stderr)
        status = 1
    plain = [s["mean_f1"] for name, s in rows if name.startswith("trafilatura")]
    if plain and summary["mean_f1"] < max(plain):
        print(f"FAIL: mean F1 {summary['mean_f1']:.4f} < plain trafilatura's best {max(plain):.4f}", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
