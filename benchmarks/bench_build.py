"""Build-time benchmark: does the cost grow linearly with sources and annotations?

Makes synthetic projects of N sources by repeating the real corpus — every source,
note, cross-reference and glossary entry copied N/5 times under new ids — then times
each stage (load, ingest, anchor, render, write) and, for the largest N, the MkDocs
build, and measures page weight: the HTML size of a source page and of the navigation
Material embeds in every page, which must not grow with N.

    python benchmarks/bench_build.py                 # N = 50, 250, 1000; MkDocs at 1000
    python benchmarks/bench_build.py --sizes 100 --mkdocs-at 100

Results go to stdout and to benchmarks/results/build.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from build_tools.pipeline import load_corpus  # noqa: E402
from build_tools.stages.render import render_site  # noqa: E402
from build_tools.stages.search import index_search  # noqa: E402
from build_tools.stages.write import RACY_NS, write_pages  # noqa: E402


class _NoAliases(yaml.SafeDumper):
    """Writes a value shared by many copies out in full: annotation files refuse YAML aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _dump(path: Path, data: object, schema: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = f"# yaml-language-server: $schema={schema}\n" + yaml.dump(
        data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=2**16
    )
    path.write_text(text, encoding="utf-8")


CATALOG_PER_FILE = 500
"""Catalog entries per file: the first go to ``sources.yml``, the rest to ``sources/NNN.yml``
(one file of 10,000 entries would pass the 1 MB limit of an annotation file)."""


def write_catalog(ann: Path, sources: list[dict]) -> None:
    """The catalog, split as a contributor would split a large one."""
    chunks = [sources[i : i + CATALOG_PER_FILE] for i in range(0, len(sources), CATALOG_PER_FILE)]
    _dump(ann / "sources.yml", {"sources": chunks[0]}, "schema/sources.schema.json")
    for n, chunk in enumerate(chunks[1:], 1):
        _dump(ann / "sources" / f"{n:03d}.yml", {"sources": chunk}, "../schema/sources.schema.json")


def make_project(dest: Path, copies: int) -> dict[str, int]:
    """A project with ``copies`` × the real corpus; returns its counts."""
    for name in ("docs",):
        shutil.copytree(
            ROOT / name,
            dest / name,
            ignore=shutil.ignore_patterns("sources", "glossary", "crossrefs", "outlets", "_partials"),
        )
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    if (ROOT / "overrides").is_dir():
        shutil.copytree(ROOT / "overrides", dest / "overrides")
    ann = dest / "annotations"
    shutil.copytree(ROOT / "annotations" / "schema", ann / "schema")
    shutil.copy(ROOT / "annotations" / "outlets.yml", ann / "outlets.yml")
    (dest / "sources").mkdir()
    catalog = yaml.safe_load((ROOT / "annotations" / "sources.yml").read_text(encoding="utf-8"))["sources"]
    notes_files = {
        p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (ROOT / "annotations" / "notes").glob("*.yml")
    }
    xref_files = [
        yaml.safe_load(p.read_text(encoding="utf-8")) for p in (ROOT / "annotations" / "crossrefs").glob("*.yml")
    ]
    glossary = [
        e
        for p in (ROOT / "annotations" / "glossary").glob("*.yml")
        for e in yaml.safe_load(p.read_text(encoding="utf-8"))["entries"]
    ]
    sources, n_notes, n_xrefs = [], 0, 0
    link = re.compile(r"\((source|crossref):([a-z0-9-]+)")
    for k in range(copies):
        suffix = f"-c{k}"

        def relink(item: dict, suffix: str = suffix) -> dict:
            """Point `source:ID` / `crossref:ID` links in Markdown bodies at this copy."""
            return {
                key: link.sub(rf"(\1:\2{suffix}", v) if key in ("body", "note", "about") and isinstance(v, str) else v
                for key, v in item.items()
            }

        for entry in catalog:
            new = {**entry, "id": entry["id"] + suffix}
            raw = ROOT / entry["file"]
            new["file"] = f"sources/{raw.stem}{suffix}{raw.suffix}"
            shutil.copy(raw, dest / new["file"])
            new["date"] = str(new["date"]) if new.get("date") else None
            sources.append(new)
            nf = notes_files.get(entry["id"])
            if nf:
                notes = [relink({**n, "id": n["id"] + suffix}) for n in nf["notes"]]
                n_notes += len(notes)
                _dump(
                    ann / "notes" / f"{new['id']}.yml",
                    {"source": new["id"], "notes": notes},
                    "../schema/notes.schema.json",
                )
        xrefs = []
        for f in xref_files:
            for x in f["crossrefs"]:
                passages = [{**p, "source": p["source"] + suffix} for p in x["passages"]]
                new_x = {**x, "id": x["id"] + suffix, "passages": passages}
                if x.get("silent"):
                    new_x["silent"] = [{**q, "source": q["source"] + suffix} for q in x["silent"]]
                xrefs.append(relink(new_x))
        n_xrefs += len(xrefs)
        _dump(ann / "crossrefs" / f"copy{k}.yml", {"crossrefs": xrefs}, "../schema/crossrefs.schema.json")
    write_catalog(ann, sources)
    _dump(ann / "glossary" / "entries.yml", {"entries": glossary}, "../schema/glossary.schema.json")
    return {"sources": len(sources), "notes": n_notes, "crossrefs": n_xrefs, "glossary": len(glossary)}


def _edit_note(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("body: ", "body: Edited. ", 1), encoding="utf-8")


def _command_after_edit(root: Path, notes: list[Path], *options: str, command: str = "preprocess") -> float:
    """A command (`preprocess`, `check`) in a new process after one note edit, wall time (the
    interpreter's start and the imports included), median of 3."""
    times = []
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "build_tools", "--root", str(root), command, "--quiet", *options]
    for path in notes:
        _edit_note(path)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def _live_preview_after_edit(root: Path, notes: list[Path]) -> float:
    """What `make serve` does after one note edit: the stages up to *write* in the process that
    ran the ones before, with the cache kept in memory (``cache.keep_in_memory``) and the run
    settled after each (``serve.settle``); median of 3, after one run that fills the memory."""
    from build_tools import cache, serve
    from build_tools.pipeline import RunState, run_stages

    cache.keep_in_memory()
    try:
        run_stages(RunState(root), until="write")
        serve.settle()
        times = []
        for path in notes:
            _edit_note(path)
            t0 = time.perf_counter()
            state = run_stages(RunState(root), until="write")
            times.append(time.perf_counter() - t0)
            assert state.written is not None and state.written.written == 1, state.written
            serve.settle()
    finally:  # the next size starts as a new process would
        cache.keep_in_memory(False)
        cache.release()
    return sorted(times)[len(times) // 2]


def _incremental(root: Path) -> dict[str, object]:
    """After a cold run: one `preprocess` as the command runs it (the stage list, every cache:
    it writes the lock files and fills the render cache), then edit one note and time the next
    `preprocess` in this process (the quick run, build_tools.quick), and again with every
    stage (``quick=False``, what `--full` does); add one note with `note add`; add 100 notes
    with `note add --from-file`; then the `preprocess` command in a new process after one edit,
    with and without `--full`, and `check` the same way, and the live preview's regeneration
    after one edit (all medians of 3, each on another notes file)."""
    from build_tools.contrib.add import note_add, note_add_many
    from build_tools.pipeline import RunState, run_stages

    notes = sorted((root / "annotations" / "notes").glob("*.yml"))
    data = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in notes[:100]]  # the bench's own setup, untimed
    rows = [(d["source"], d["notes"][0]["quote"]) for d in data]
    run_stages(RunState(root), until="locks")
    # Once more: the lock files the cold run wrote had changed just before the run above began,
    # too recently for its record to go by their times (build_tools.quick), so that record
    # takes them as changed, and only the record this run leaves allows a quick run. On a quiet
    # machine that run can begin within RACY_NS of them too, so it waits that long first.
    time.sleep(RACY_NS / 1e9)
    run_stages(RunState(root), until="locks")
    in_process: list[float] = []
    full: list[float] = []
    for path in (notes[0], *notes[7:9], *notes[9:12]):  # medians of 3, each edit in another file
        _edit_note(path)
        quick = len(in_process) < 3
        t0 = time.perf_counter()
        state = run_stages(RunState(root, quick=quick), until="locks")
        (in_process if quick else full).append(time.perf_counter() - t0)
        assert state.written is not None and state.written.written == 1, state.written
        assert ("quick" in state.timings) == quick, state.timings
        del state
    t1 = time.perf_counter()
    note_add(root, rows[0][0], rows[0][1], body="One more note.", from_texts=True)
    t2 = time.perf_counter()
    bulk = root / "bulk.yml"
    bulk.write_text(
        yaml.safe_dump([{"source": s, "quote": q, "body": "Bulk note.", "from_texts": True} for s, q in rows]),
        encoding="utf-8",
    )
    note_add_many(root, bulk)
    t3 = time.perf_counter()
    run_stages(RunState(root), until="locks")  # after the notes added: pages and locks up to date
    command = _command_after_edit(root, notes[1:4])
    command_full = _command_after_edit(root, notes[12:15], "--full")
    check = _command_after_edit(root, notes[15:18], command="check")
    check_full = _command_after_edit(root, notes[18:21], "--full", command="check")
    preview = _live_preview_after_edit(root, notes[4:7])
    return {
        "incremental": {
            "preprocess_after_one_note_edit": round(sorted(in_process)[len(in_process) // 2], 3),
            "preprocess_full_after_one_note_edit": round(sorted(full)[len(full) // 2], 3),
            "preprocess_command_after_one_note_edit": round(command, 3),
            "preprocess_command_full_after_one_note_edit": round(command_full, 3),
            "check_command_after_one_note_edit": round(check, 3),
            "check_command_full_after_one_note_edit": round(check_full, 3),
            "live_preview_after_one_note_edit": round(preview, 3),
            "note_add_one": round(t2 - t1, 3),
            "note_add_from_file": {"notes": len(rows), "seconds": round(t3 - t2, 3)},
        }
    }


def page_type(path: str) -> str | None:
    """The kind of page at ``path`` (a ``docs/``-relative ``.md`` or a ``site/``-relative
    ``index.html``), or None for pages the benchmark does not track (404, assets)."""
    p = re.sub(r"(^|/)index\.html$", "", path.removesuffix(".md"))
    p = re.sub(r"(^|/)index$", "", p)
    parts = p.split("/") if p else []
    if not parts:
        return "home"
    section, rest = parts[0], parts[1:]
    if section == "sources":
        return "sources index" if not rest or rest[0] == "index" else "source"
    if section == "glossary":
        return "glossary index" if not rest or rest[0] == "index" else "glossary entry"
    if section == "crossrefs":
        if not rest or rest[0] == "index":
            return "cross-reference index"
        return "coverage" if rest[0] == "coverage" else "cross-reference"
    if section == "outlets":
        return "outlets"
    return "about" if p == "about" else None


def page_sizes(pages: dict[str, str], site_dir: Path | None) -> dict[str, dict[str, int]]:
    """Per page type: how many pages and the largest one's Markdown (and built HTML) bytes.
    The home page's Markdown is docs/index.md with the partials it includes."""
    sizes: dict[str, dict[str, int]] = {}

    def add(kind: str | None, key: str, n: int) -> None:
        if kind is None:
            return
        row = sizes.setdefault(kind, {"pages": 0, "max_md": 0, "max_html": 0, "md_pages": 0, "html_pages": 0})
        row[key] = max(row[key], n)
        row[f"{key[4:]}_pages"] += 1  # max_md → md_pages, max_html → html_pages
        row["pages"] = max(row["md_pages"], row["html_pages"])

    for rel, text in pages.items():
        if rel.endswith(".md") and not rel.startswith("_partials/"):
            add(page_type(rel), "max_md", len(text.encode()))
    home = sum(len(pages[p].encode()) for p in pages if p.startswith("_partials/"))
    add("home", "max_md", home + len((ROOT / "docs" / "index.md").read_bytes()))
    if site_dir is not None:
        for html in site_dir.rglob("index.html"):
            add(page_type(html.relative_to(site_dir).as_posix()), "max_html", html.stat().st_size)
    return sizes


def run(n_sources: int, *, mkdocs: bool) -> dict[str, object]:
    copies = max(1, n_sources // 5)
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        root = Path(tmp)
        counts = make_project(root, copies)
        t0 = time.perf_counter()
        corpus = load_corpus(root)
        assert not corpus.report.errors, corpus.report.render()[:2000]
        t1 = time.perf_counter()
        from build_tools.pipeline import read_site_url

        pages = render_site(corpus.ann, corpus.docs, corpus.anchoring, site_url=read_site_url(root))
        t2 = time.perf_counter()
        write_pages(root, pages)
        t3 = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the cold run's, before the runs below
        warm = _incremental(root)
        result: dict[str, object] = {
            **counts,
            **warm,
            "anchors": len(corpus.anchoring.anchors),
            "mentions": len(corpus.anchoring.mentions),
            "pages": len(pages),
            "peak_rss_mb": round(peak, 1),
            "seconds": {
                **{k: round(v, 3) for k, v in corpus.timings.items()},
                "load+ingest+anchor": round(t1 - t0, 3),
                "render": round(t2 - t1, 3),
                "write": round(t3 - t2, 3),
                "preprocess": round(t3 - t0, 3),
            },
        }
        if mkdocs:
            t4 = time.perf_counter()
            env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
            proc = subprocess.run(
                [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                raise SystemExit(proc.stderr[-3000:])
            result["seconds"]["mkdocs"] = round(time.perf_counter() - t4, 3)  # type: ignore[index]
            result["mkdocs_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
            page = root / "site" / "sources" / f"{next(iter(corpus.ann.sources))}" / "index.html"
            html = page.read_text(encoding="utf-8")
            nav = re.search(
                r'<div class="md-sidebar md-sidebar--primary".*?(?=<div class="md-sidebar md-sidebar--secondary")',
                html,
                re.S,
            )
            result["page_kb"] = round(len(html.encode()) / 1024, 1)
            result["nav_kb"] = round(len(nav.group(0).encode()) / 1024, 1) if nav else None
            t5 = time.perf_counter()
            index_search(root / "site", corpus.ann)
            result["seconds"]["pagefind"] = round(time.perf_counter() - t5, 3)  # type: ignore[index]
            bundle = root / "site" / "pagefind"
            result["search_index_mb"] = round(
                sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file()) / 2**20, 2
            )
        result["page_sizes"] = page_sizes(pages, root / "site" if mkdocs else None)
        return result


def _size_table(sizes: dict[str, dict[str, int]]) -> str:
    """The page-size figures as aligned lines: the largest page of each type."""
    rows = [f"  {'page type':<22} {'pages':>6} {'max Markdown':>13} {'max HTML':>10}"]
    for kind, row in sorted(sizes.items()):
        html = f"{row['max_html'] / 1024:8.1f} KB" if row["max_html"] else f"{'—':>11}"
        md = f"{row['max_md'] / 1024:10.1f} KB" if row["max_md"] else f"{'—':>13}"
        rows.append(f"  {kind:<22} {row['pages']:>6} {md} {html}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes", default="50,250,1000", help="comma-separated numbers of sources (default 50,250,1000)"
    )
    parser.add_argument("--mkdocs-at", default="1000", help="sizes at which to run mkdocs build too (default 1000)")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "build.json"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with_mkdocs = {int(s) for s in args.mkdocs_at.split(",") if s}
    results = []
    for n in sizes:
        print(f"building a synthetic project of {n} sources…", file=sys.stderr)
        r = run(n, mkdocs=n in with_mkdocs)
        results.append(r)
        s = r["seconds"]
        per = 1000 * s["preprocess"] / r["sources"]  # type: ignore[index]
        line = (
            f"{r['sources']:>5} sources {r['notes']:>6} notes {r['crossrefs']:>5} xrefs {r['mentions']:>6} mentions | "
            f"preprocess {s['preprocess']:6.2f} s ({per:.1f} ms/source: load {s['annotations']:.2f}, "  # type: ignore[index]
            f"ingest {s['ingest']:.2f}, anchor {s['anchor']:.2f}, render {s['render']:.2f}, write {s['write']:.2f}; "  # type: ignore[index]
            f"peak {r['peak_rss_mb']} MB)"
        )
        inc = r["incremental"]
        line += (
            f" | one note edited {inc['preprocess_after_one_note_edit']:.2f} s "  # type: ignore[index]
            f"(every stage {inc['preprocess_full_after_one_note_edit']:.2f} s; "  # type: ignore[index]
            f"command {inc['preprocess_command_after_one_note_edit']:.2f} s, "  # type: ignore[index]
            f"every stage {inc['preprocess_command_full_after_one_note_edit']:.2f} s, "  # type: ignore[index]
            f"check {inc['check_command_after_one_note_edit']:.2f} s, "  # type: ignore[index]
            f"--full {inc['check_command_full_after_one_note_edit']:.2f} s, "  # type: ignore[index]
            f"live preview {inc['live_preview_after_one_note_edit']:.2f} s), "  # type: ignore[index]
            f"note add {inc['note_add_one']:.2f} s, "  # type: ignore[index]
            f"--from-file {inc['note_add_from_file']['notes']} notes {inc['note_add_from_file']['seconds']:.2f} s"  # type: ignore[index]
        )
        if "mkdocs" in s:  # type: ignore[operator]
            line += (
                f" | mkdocs {s['mkdocs']:.1f} s (preprocessing {100 * s['preprocess'] / s['mkdocs']:.1f} % of it), "  # type: ignore[index]
                f"source page {r['page_kb']} KB "  # type: ignore[index]
                f"(nav {r['nav_kb']} KB), pagefind {s['pagefind']:.1f} s, bundle {r['search_index_mb']} MB on disk"  # type: ignore[index]
            )
        print(line)
        print(_size_table(r["page_sizes"]))  # type: ignore[arg-type]
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
