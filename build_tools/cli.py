"""Command line: ``python -m build_tools COMMAND``.

Every command has help and an example; a mistake in the input is reported as
``file:line:col: error: message`` and exit status 1, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .errors import BuildFailed, UserError

EPILOG = """\
commands, with an example each:
  build        python -m build_tools build            preprocess, then mkdocs build --strict into site/
  preprocess   python -m build_tools preprocess       only write the generated pages under docs/
  serve        python -m build_tools serve            live preview at http://127.0.0.1:8000/
  check        python -m build_tools check            validate and anchor everything, print problems
  anchors      python -m build_tools anchors --json   where every annotation sits (stable JSON contract)
  blocks       python -m build_tools blocks SOURCE    how ingest split a source into blocks

Run `python -m build_tools COMMAND --help` for the options of a command.
"""


def _root(args: argparse.Namespace) -> Path:
    root = Path(args.root).resolve()
    if not (root / "annotations").is_dir():
        raise UserError(f"{root} has no annotations/ folder; run from the project root or pass --root DIR")
    return root


def _progress(args: argparse.Namespace) -> Callable[[str], None]:
    if getattr(args, "quiet", False):
        return lambda _msg: None
    return lambda msg: print(f"  {msg}", file=sys.stderr)


def _print_report(report, fmt: str = "text") -> None:
    if report.problems:
        print(report.render(fmt), file=sys.stdout if fmt != "text" else sys.stderr)


# --------------------------------------------------------------------------- commands


def cmd_check(args: argparse.Namespace) -> int:
    """Load, validate and anchor everything; print each problem; exit 1 on any error."""
    from .build import load_corpus

    root = _root(args)
    corpus = load_corpus(root, progress=_progress(args) if args.format == "text" else None)
    report = corpus.report
    if args.format == "json":
        print(report.render("json"))
    else:
        if report.problems:
            print(report.render(args.format))
        if args.format == "text":
            print(f"check: {report.summary()}", file=sys.stderr)
    return 1 if report.failed(strict=args.strict) else 0


def _preprocess(args: argparse.Namespace, root: Path) -> tuple[float, object]:
    from .build import preprocess, write_pages

    say = _progress(args)
    t0 = time.perf_counter()
    pages, corpus = preprocess(root, strict=args.strict, progress=say)
    stats = write_pages(root, pages)
    elapsed = time.perf_counter() - t0
    _print_report(corpus.report)
    say(
        f"wrote {stats.written} pages under docs/ ({stats.unchanged} unchanged, {stats.removed} removed) "
        f"in {elapsed:.2f} s"
    )
    return elapsed, corpus


def cmd_preprocess(args: argparse.Namespace) -> int:
    """Write the generated pages under docs/ (no MkDocs)."""
    _preprocess(args, _root(args))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Preprocess, then build the site with MkDocs (strict) into site/."""
    from .build import run_mkdocs_build

    root = _root(args)
    pre, _ = _preprocess(args, root)
    site_dir = Path(args.site_dir).resolve() if args.site_dir else root / "site"
    t0 = time.perf_counter()
    run_mkdocs_build(root, site_dir=site_dir, strict=True)
    mk = time.perf_counter() - t0
    rel = site_dir.relative_to(root) if site_dir.is_relative_to(root) else site_dir
    print(
        f"Built the site in {pre + mk:.1f} s (preprocessing {pre:.2f} s, MkDocs {mk:.1f} s).\n"
        f"It is in {rel}/. To read it (search needs a web server, not file://):\n"
        f"    python -m http.server --directory {rel} 8000   then open http://127.0.0.1:8000/\n"
        f"or run `make serve` for a live preview.",
        file=sys.stderr,
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Live preview: regenerate pages when sources or annotations change; MkDocs reloads."""
    from .serve import serve

    return serve(_root(args), port=args.port, progress=_progress(args))


def cmd_anchors(args: argparse.Namespace) -> int:
    """Print where every annotation sits, as JSON (see docs/contract.md)."""
    from .build import load_corpus
    from .contract import anchors_json

    root = _root(args)
    corpus = load_corpus(root)
    if args.report:
        from .drift import drift_report

        return drift_report(root, against=args.against, corpus=corpus)
    print(json.dumps(anchors_json(corpus), indent=2, ensure_ascii=False))
    return 1 if corpus.report.errors else 0


def cmd_blocks(args: argparse.Namespace) -> int:
    """Show how ingest split a source into typed blocks, and which rule decided each."""
    from .annotations import load_annotations
    from .errors import Report
    from .ingest import ingest
    from .schema import did_you_mean

    root = _root(args)
    report = Report()
    ann = load_annotations(root, report)
    src = ann.sources.get(args.source)
    if src is None:
        raise UserError(f"unknown source '{args.source}'{did_you_mean(args.source, ann.sources)}")
    doc = ingest(src, root=root, outlet=ann.outlets.get(src.outlet), report=report)
    _print_report(report)
    if doc is None:
        return 1
    if args.json:
        print(
            json.dumps(
                [
                    {"id": b.id, "kind": str(b.kind), "lines": list(b.lines), "rule": b.rule, "text": b.text}
                    for b in doc.blocks
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    for b in doc.blocks:
        text = " ".join(b.text.split())
        print(f"{b.id:9} {b.kind:10} {b.lines[0]:>4}  {text[:60]!r}  [{b.rule}]")
    for d in doc.dropped:
        print(f"{'(dropped)':9} {'':10} {d.lines[0]:>4}  {' '.join(d.text.split())[:60]!r}  [{d.reason}]")
    return 0


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the docs test to list every command)."""
    parser = argparse.ArgumentParser(
        prog="python -m build_tools",
        description="Annotated-reading site generator: sources + YAML annotations → a MkDocs site.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--root", default=".", help="project root (default: the current folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, fn: Callable[[argparse.Namespace], int], example: str, **kw: object) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=fn.__doc__.splitlines()[0] if fn.__doc__ else "",
            description=fn.__doc__,
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
            **kw,
        )
        p.set_defaults(func=fn)
        return p

    p = add("build", cmd_build, "python -m build_tools build")
    p.add_argument("--site-dir", help="where to write the site (default: site/)")
    p.add_argument("--strict", action="store_true", help="treat warnings (e.g. fuzzy quotes) as errors")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")

    p = add("preprocess", cmd_preprocess, "python -m build_tools preprocess")
    p.add_argument("--strict", action="store_true", help="treat warnings (e.g. fuzzy quotes) as errors")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")

    p = add("serve", cmd_serve, "python -m build_tools serve --port 8000")
    p.add_argument("--port", type=int, default=8000, help="port of the preview server (default: 8000)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")

    p = add("check", cmd_check, "python -m build_tools check --format github")
    p.add_argument(
        "--format",
        choices=("text", "github", "json"),
        default="text",
        help="text (file:line:col: message), github (workflow annotations) or json",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")

    p = add("anchors", cmd_anchors, "python -m build_tools anchors --json > anchors.json")
    p.add_argument("--json", action="store_true", help="print the JSON contract (the default output)")
    p.add_argument("--report", action="store_true", help="drift report: compare anchors with another revision")
    p.add_argument("--against", default="HEAD", help="git revision to compare with for --report (default: HEAD)")

    p = add("blocks", cmd_blocks, "python -m build_tools blocks newsweek-2022-02-28-not-allies")
    p.add_argument("source", help="a source id from annotations/sources.yml")
    p.add_argument("--json", action="store_true", help="print the blocks as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except BuildFailed as exc:
        report = exc.report
        print(report.render(), file=sys.stderr)
        print(f"{args.command}: failed with {report.summary()}; nothing was written", file=sys.stderr)
        return 1
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
