"""Command line: ``python -m build_tools COMMAND``.

Every command has help and an example; a mistake in the input is reported as
``file:line:col: error: message`` and exit status 1, never as a traceback.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from build_tools import __version__, kinds
from build_tools.errors import BuildFailed, Report, UserError

if TYPE_CHECKING:  # the pipeline is imported by the commands that run it
    from build_tools.pipeline import RunState

EPILOG = """\
commands, with an example each:
  build        python -m build_tools build            preprocess, then mkdocs build --strict into site/
  preprocess   python -m build_tools preprocess       only write the generated pages under docs/
  serve        python -m build_tools serve            live preview at http://127.0.0.1:8000/
  check        python -m build_tools check            validate and anchor everything, print problems
  anchors      python -m build_tools anchors --json   where every annotation sits (stable JSON contract)
  blocks       python -m build_tools blocks newsweek-2022-02-28-not-allies
               how ingest split a source into blocks
  note add     python -m build_tools note add euronews-2023-04-16-li-shangfu-putin "new era" --occurrence 2 --body "…"
               append a note (--occurrence N: the N-th place the quote occurs)
  crossref add python -m build_tools crossref add newsweek-2022-02-28-not-allies:"Chinese Citizens in Ukraine" \\
                 euronews-2023-04-16-li-shangfu-putin#2:"new era"
               append a cross-reference (SOURCE#N: the N-th place the quote occurs)
  source add   python -m build_tools source add ~/Downloads/article.html --outlet euronews
               store a source (a saved page, .txt or .md), catalog it
  export       python -m build_tools export --w3c -o notes.jsonld       notes as W3C Web Annotations
               python -m build_tools export --csl -o works.json         CSL-JSON bibliography
  import       python -m build_tools import --w3c notes.jsonld --dry-run   W3C Web Annotations into notes
               python -m build_tools import --hypothesis export.json     Hypothesis annotations into notes
  anchors --report   python -m build_tools anchors --report --against main
               what a corrected source does to every annotation (unchanged, moved, fuzzy, orphaned)
  anchors --fix      python -m build_tools anchors --fix
               then rewrite the quotes (and prefix/suffix) of the fuzzy passages it is sure of

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


def _print_report(report: Report, fmt: str = "text") -> None:
    if report.problems:
        print(report.render(fmt), file=sys.stdout if fmt != "text" else sys.stderr)


# --------------------------------------------------------------------------- commands


def cmd_check(args: argparse.Namespace) -> int:
    """Load, validate and anchor everything; print each problem; exit 1 on any error."""
    from build_tools import quick
    from build_tools.pipeline import load_corpus

    root = _root(args)
    progress = _progress(args) if args.format == "text" else None
    if not args.full and quick.quick_check(root, progress or (lambda _line: None)):
        report = Report()  # what the whole check would find (see build_tools.quick.quick_check)
    else:
        report = load_corpus(root, progress=progress).report
    if args.format == "json":
        print(report.render("json"))
    else:
        if report.problems:
            print(report.render(args.format))
        if args.format == "text":
            print(f"check: {report.summary()}", file=sys.stderr)
    return 1 if report.failed(strict=args.strict) else 0


_kept: list[object] | None = None
"""Set by :func:`run_and_exit`: what the command's run built, kept until the process ends."""


def _run(args: argparse.Namespace, root: Path, *, until: str, site_dir: Path | None = None) -> RunState:
    """Run the stages up to ``until`` (:data:`build_tools.pipeline.STAGES`) with this command's
    progress lines; warnings are printed once everything is checked."""
    from build_tools.pipeline import RunState, run_stages

    state = RunState(
        root,
        say=_progress(args),
        strict=args.strict,
        site_dir=site_dir,
        show_problems=_print_report,
        quick=not getattr(args, "full", False),
    )
    if _kept is not None:
        _kept.append(state)
    return run_stages(state, until=until)


def cmd_preprocess(args: argparse.Namespace) -> int:
    """Write the generated pages under docs/ (no MkDocs)."""
    _run(args, _root(args), until="locks")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Preprocess, then build the site with MkDocs (strict) into site/.

    Nothing is written unless everything passed: the pages are checked and rendered in
    memory, MkDocs builds from a staging copy of docs/ into a new folder, and only then are
    the generated folders of docs/ and the site swapped in (site/ is a link flipped in one
    step). A second build started meanwhile waits for the first.
    """
    root = _root(args)
    site_dir = Path(args.site_dir).resolve() if args.site_dir else root / "site"
    state = _run(args, root, until="locks", site_dir=site_dir)
    pre, mk = state.elapsed(until="render"), state.elapsed(after="render")
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
    from build_tools.serve import serve

    return serve(_root(args), port=args.port, progress=_progress(args))


def cmd_anchors(args: argparse.Namespace) -> int:
    """Print where every annotation sits, as JSON (see docs/contract.md)."""
    from build_tools.contract import anchors_json
    from build_tools.pipeline import load_corpus

    root = _root(args)
    if args.fix:
        from build_tools.contrib.fix import fix_quotes

        return fix_quotes(root, load_corpus(root, verify_sources=False))  # also for a corrected copy
    if args.report:  # a corrected copy of a source is read on purpose: its checksum changed
        from build_tools.contrib.drift import drift_report

        return drift_report(root, against=args.against, corpus=load_corpus(root, verify_sources=False))
    corpus = load_corpus(root)
    print(json.dumps(anchors_json(corpus), indent=2, ensure_ascii=False))
    return 1 if corpus.report.errors else 0


def cmd_blocks(args: argparse.Namespace) -> int:
    """Show how ingest split a source into typed blocks, and which rule decided each."""
    from build_tools.pipeline import RunState, run_stages
    from build_tools.schema import did_you_mean
    from build_tools.stages.ingest import ingest

    root = _root(args)
    state = run_stages(RunState(root), until="annotations")
    ann, report = state.ann, state.report
    assert ann is not None
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


def cmd_note_add(args: argparse.Namespace) -> int:
    """Append a note on a passage to annotations/notes/SOURCE.yml (created if missing).

    The quote must be in the source; where it occurs more than once, --occurrence N
    picks one and the shortest prefix or suffix that singles it out is written. Without
    --body the body is a TODO placeholder and without --from-texts no citation is
    written, so `check` fails until you fill them in. The rest of the file is untouched.
    --from-file FILE adds every note of a YAML list or CSV in one run, or none if any
    of them fails.
    """
    from build_tools.contrib.add import note_add, note_add_many

    if args.from_file:
        if args.source or args.quote:
            raise UserError('give either SOURCE "quote" or --from-file FILE, not both')
        print(note_add_many(_root(args), Path(args.from_file)))
        return 0
    if not args.source or not args.quote:
        raise UserError('note add needs SOURCE and "quote" (or --from-file FILE)')
    return _print_added(args, note_add, args.source, args.quote, options=("body", "kind", "occurrence"))


def cmd_crossref_add(args: argparse.Namespace) -> int:
    """Append a cross-reference between passages of different sources to annotations/crossrefs/FILE.yml.

    Each passage is SOURCE:"quote" (SOURCE#N:"quote" for the N-th occurrence). Every
    passage is placed before anything is written. Without --title/--note they are TODO
    placeholders and without --from-texts no citation is written, so `check` fails
    until you fill them in.
    """
    from build_tools.contrib.add import crossref_add

    return _print_added(args, crossref_add, args.passages, options=("title", "relation", "note", "file"))


def _print_added(args: argparse.Namespace, add: Callable[..., str], *given: object, options: Sequence[str]) -> int:
    """Run a contributor command's scaffold function and print what it appended.

    The options are the parsed arguments of the same names; every such command also takes
    ``--id`` (as ``ident``) and ``--from-texts``.
    """
    values = {name: getattr(args, name) for name in options}
    print(add(_root(args), *given, ident=args.id, from_texts=args.from_texts, **values))
    return 0


def cmd_source_add(args: argparse.Namespace) -> int:
    """Add a source: store the file under sources/ and append its catalog entry to annotations/sources.yml.

    FILE is plain text (.txt), Markdown (.md) or a saved web page (.html, .htm, also
    gzipped). Text and Markdown are stored byte-identical. A page is stored
    byte-identical as sources/ID.html for provenance, and the article text extracted
    from it (trafilatura) as sources/ID.txt, which the catalog entry points at. Extracted
    metadata is marked `# confirm` and `about:` starts with TODO, so `check` fails until
    a person has confirmed the entry. Captions and block quotations of the page become
    `structure:` overrides; what was left out (figures, tables, boilerplate) is listed.

    --title, --byline, --date, --url and --about set those fields instead of what is
    extracted or detected (not marked `# confirm`; with --about there is no TODO).
    A date goes into the id only when it is given, printed in the text or stated in the
    page's markup; otherwise the id says `undated`.
    """
    from build_tools.contrib.sources import source_add

    print(
        source_add(
            _root(args),
            Path(args.file),
            outlet=args.outlet,
            ident=args.id,
            title=args.title,
            byline=args.byline,
            date_=args.date,
            url=args.url,
            about=args.about,
        )
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write every anchored note as W3C Web Annotation JSON-LD, or a CSL-JSON bibliography.

    --w3c: an AnnotationCollection. Selectors: a TextQuoteSelector (exact, prefix, suffix)
    and a TextPositionSelector whose offsets count code points in the source's normalised
    reading text (see build_tools/contrib/w3c.py). Exit 1 if a note had to be left out because it
    does not anchor.

    --csl: the five texts and every work cited in notes, cross-references, the glossary,
    outlets and the catalog, once per URL, as CSL-JSON for Zotero, Pandoc or citeproc
    (see build_tools/contrib/csl.py), e.g. python -m build_tools export --csl -o works.json
    """
    from build_tools.contrib.w3c import export_w3c
    from build_tools.pipeline import load_corpus

    if args.w3c == args.csl:
        raise UserError("say which format: --w3c (notes as W3C Web Annotations) or --csl (bibliography)")
    root = _root(args)
    if args.csl:
        return _export_csl(args, root)
    corpus = load_corpus(root)
    collection, skipped = export_w3c(root, corpus)
    text = json.dumps(collection, indent=2, ensure_ascii=False) + "\n"
    if args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {collection['total']} annotations to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if skipped:
        print(f"left out {len(skipped)} notes that do not anchor: {', '.join(skipped)} (run check)", file=sys.stderr)
        return 1
    return 0


def _export_csl(args: argparse.Namespace, root: Path) -> int:
    from build_tools.contrib.csl import bibliography
    from build_tools.pipeline import RunState, read_site_url, run_stages

    state = run_stages(RunState(root), until="annotations")  # the catalog is all it needs
    ann = state.ann
    if state.report.errors or ann is None:
        raise BuildFailed(state.report)
    items = bibliography(ann, site_url=read_site_url(root))
    text = json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    if args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
        print(
            f"wrote {len(items)} works ({len(ann.sources)} texts, {len(items) - len(ann.sources)} cited) "
            f"to {args.output}",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Read W3C Web Annotations (JSON-LD) or a Hypothesis export into annotations/notes/SOURCE.yml, anchoring each.

    An annotation whose quote does not anchor in this project's sources is refused with
    the closest passage and not written; exit 1 if any was refused. --dry-run only
    reports what would be written.

    --hypothesis reads Hypothesis's search-API JSON ({"rows": [...]}) or its client
    export ({"annotations": [...]}): each annotation goes to the source whose catalog url
    is its uri; page notes, replies and highlights without a comment are refused (see
    build_tools/contrib/hypothesis.py), e.g. python -m build_tools import --hypothesis export.json --dry-run
    """
    from build_tools.contrib.w3c import import_w3c

    if args.w3c == args.hypothesis:
        raise UserError("say which format: --w3c (W3C Web Annotations) or --hypothesis (a Hypothesis export)")
    if args.hypothesis:
        from build_tools.contrib.hypothesis import import_hypothesis

        text, status = import_hypothesis(_root(args), Path(args.file), dry_run=args.dry_run)
        print(text)
        return status
    text, status = import_w3c(_root(args), Path(args.file), dry_run=args.dry_run)
    print(text)
    return status


# --------------------------------------------------------------------------- parser


def _add_command(
    parent: argparse._SubParsersAction, name: str, fn: Callable[[argparse.Namespace], int], example: str
) -> argparse.ArgumentParser:
    """A command under ``parent`` whose help is ``fn``'s docstring (first line in the list) and an example."""
    p = parent.add_parser(
        name,
        help=fn.__doc__.splitlines()[0] if fn.__doc__ else "",
        description=inspect.cleandoc(fn.__doc__ or ""),
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(func=fn)
    return p


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

    def add(name: str, fn: Callable[[argparse.Namespace], int], example: str) -> argparse.ArgumentParser:
        return _add_command(sub, name, fn, example)

    p = add("build", cmd_build, "python -m build_tools build")
    p.add_argument("--site-dir", help="where to write the site (default: site/)")
    p.add_argument("--strict", action="store_true", help="treat warnings (e.g. fuzzy quotes) as errors")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")

    p = add("preprocess", cmd_preprocess, "python -m build_tools preprocess")
    p.add_argument("--strict", action="store_true", help="treat warnings (e.g. fuzzy quotes) as errors")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    p.add_argument(
        "--full",
        action="store_true",
        help="run every stage even when only notes changed since the last run (no quick run)",
    )

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
    p.add_argument(
        "--full",
        action="store_true",
        help="check everything even when only notes changed since the last preprocess (no quick check)",
    )

    p = add("anchors", cmd_anchors, "python -m build_tools anchors --json > anchors.json")
    p.add_argument("--json", action="store_true", help="print the JSON contract (the default output)")
    p.add_argument("--report", action="store_true", help="drift report: compare anchors with another revision")
    p.add_argument("--against", default="HEAD", help="git revision to compare with for --report (default: HEAD)")
    p.add_argument(
        "--fix",
        action="store_true",
        help="rewrite in the YAML files the quotes (and prefix/suffix) of passages placed approximately but surely",
    )

    p = add("blocks", cmd_blocks, "python -m build_tools blocks newsweek-2022-02-28-not-allies")
    p.add_argument("source", help="a source id from annotations/sources.yml")
    p.add_argument("--json", action="store_true", help="print the blocks as JSON")

    def group(name: str, help_text: str) -> argparse._SubParsersAction:
        g = sub.add_parser(name, help=help_text, description=help_text)
        g.set_defaults(func=lambda _args, g=g: (g.print_help(), 2)[1])
        return g.add_subparsers(dest="action", metavar="ACTION")

    add_to = _add_command

    p = add_to(
        group("note", "add a context note or correction"),
        "add",
        cmd_note_add,
        'python -m build_tools note add euronews-2023-04-16-li-shangfu-putin "Cold War era" --body "…" --from-texts',
    )
    p.add_argument("source", nargs="?", help="a source id from annotations/sources.yml")
    p.add_argument("quote", nargs="?", help="the passage, copied from the source")
    p.add_argument("--body", help="the note (Markdown); default: a TODO placeholder that `check` rejects")
    p.add_argument("--id", help="the note's id (default: made from the outlet and the quote)")
    p.add_argument(
        "--kind",
        choices=kinds.choices("notes", "kind"),
        default=kinds.default("notes", "kind"),
        help=f"default: {kinds.default('notes', 'kind')}",
    )
    p.add_argument("--occurrence", type=int, metavar="N", help="which occurrence of the quote (1 = first)")
    p.add_argument("--from-texts", action="store_true", help="the note explains only from the texts: no citation")
    p.add_argument(
        "--from-file",
        metavar="FILE",
        help="add many notes at once from a YAML list or a CSV (columns: source,quote,body,id,kind,"
        "occurrence,from_texts); all are checked before any is written",
    )

    p = add_to(
        group("crossref", "add a cross-reference between sources"),
        "add",
        cmd_crossref_add,
        'python -m build_tools crossref add euronews-2023-04-16-li-shangfu-putin#2:"new era" '
        'wsws-2023-03-23-xi-putin-moscow:"reached the highest level in history" --relation context --file summits',
    )
    p.add_argument("passages", nargs="+", metavar='SOURCE:"quote"', help="two or more passages, from different sources")
    p.add_argument("--title", help="the event, quotation or claim (default: a TODO placeholder)")
    p.add_argument(
        "--relation",
        choices=kinds.choices("crossrefs", "relation"),
        default=kinds.default("crossrefs", "relation"),
        help=f"default: {kinds.default('crossrefs', 'relation')}",
    )
    p.add_argument("--note", help="how the accounts differ (Markdown; default: a TODO placeholder)")
    p.add_argument("--file", help="annotations/crossrefs/FILE.yml to append to (default: misc)")
    p.add_argument("--id", help="the cross-reference's id (default: made from the title)")
    p.add_argument("--from-texts", action="store_true", help="it only compares the texts: no citation")

    p = add_to(
        group("source", "add a source text to the catalog"),
        "add",
        cmd_source_add,
        "python -m build_tools source add ~/Downloads/article.txt --outlet euronews --date 2023-04-16 "
        '--url https://www.euronews.com/2023/04/16/example --title "Li Shangfu meets Putin" '
        '--byline "Euronews with AP" --about "Copied from the page on 2023-04-17."',
    )
    p.add_argument("file", help="a .txt, .md or saved .html page")
    p.add_argument("--outlet", help="an outlet id from annotations/outlets.yml (default: guessed from the page)")
    p.add_argument("--id", help="the source id (default: OUTLET-DATE-TITLE-WORDS, or OUTLET-undated-TITLE-WORDS)")
    p.add_argument("--title", help="the title as printed (default: extracted from the page or the text)")
    p.add_argument("--byline", help="the author(s) as printed (default: extracted or detected; none if unknown)")
    p.add_argument("--date", help="publication date YYYY-MM-DD (default: from the page's markup or a dateline)")
    p.add_argument("--url", help="the original's address, https://… (default: the page's canonical URL)")
    p.add_argument("--about", help="provenance shown on the source page (default: a TODO to fill in)")

    p = add("export", cmd_export, "python -m build_tools export --w3c -o annotations.jsonld")
    p.add_argument("--w3c", action="store_true", help="W3C Web Annotation JSON-LD of every anchored note")
    p.add_argument("--csl", action="store_true", help="CSL-JSON bibliography: the texts and every cited work")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")

    p = add("import", cmd_import, "python -m build_tools import --w3c annotations.jsonld --dry-run")
    p.add_argument("--w3c", action="store_true", help="W3C Web Annotation JSON-LD")
    p.add_argument("--hypothesis", action="store_true", help="a Hypothesis export (search API or client JSON)")
    p.add_argument("file", help="the JSON-LD or JSON file to read")
    p.add_argument("--dry-run", action="store_true", help="only report what would be written")
    return parser


def _closed_pipe() -> int:
    """The reader of our output went away (``… | head -1``): stop quietly, as ``cat`` does.

    Standard output is pointed at /dev/null so that Python's flush at exit does not fail
    a second time; the exit status is 141 (128 + SIGPIPE), what a shell reports for it.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141


def run_and_exit() -> NoReturn:
    """``python -m build_tools``: run the command line, then end the process at once.

    The run's records (about a million at 1,000 sources) are not freed one by one, which took
    0.1 s after a one-note edit, nor by the interpreter's shutdown: the output is flushed and
    the process exits (as mypy's ``util.hard_exit`` does). Nothing is left to clean up by then:
    every file is written and closed, and every temporary folder removed, inside the command.
    """
    global _kept
    _kept = []
    status = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        status = _closed_pipe()
    os._exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except BrokenPipeError:
        return _closed_pipe()
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
