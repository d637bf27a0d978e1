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

from build_tools.build import index_search, load_corpus, write_pages  # noqa: E402
from build_tools.render import render_site  # noqa: E402


def _dump(path: Path, data: object, schema: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = f"# yaml-language-server: $schema={schema}\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")


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
                xrefs.append(relink({**x, "id": x["id"] + suffix, "passages": passages}))
        n_xrefs += len(xrefs)
        _dump(ann / "crossrefs" / f"copy{k}.yml", {"crossrefs": xrefs}, "../schema/crossrefs.schema.json")
    _dump(ann / "sources.yml", {"sources": sources}, "schema/sources.schema.json")
    _dump(ann / "glossary" / "entries.yml", {"entries": glossary}, "../schema/glossary.schema.json")
    return {"sources": len(sources), "notes": n_notes, "crossrefs": n_xrefs, "glossary": len(glossary)}


def _incremental(root: Path) -> dict[str, object]:
    """After a cold run (which filled .cache/): edit one note and preprocess again; add one
    note with `note add`; add 100 notes with `note add --from-file`."""
    from build_tools.build import read_site_url
    from build_tools.scaffold import note_add, note_add_many

    notes = sorted((root / "annotations" / "notes").glob("*.yml"))
    data = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in notes[:100]]  # the bench's own setup, untimed
    rows = [(d["source"], d["notes"][0]["quote"]) for d in data]
    first = notes[0]
    text = first.read_text(encoding="utf-8")
    first.write_text(text.replace("body: ", "body: Edited. ", 1), encoding="utf-8")
    t0 = time.perf_counter()
    corpus = load_corpus(root)
    assert not corpus.report.errors, corpus.report.render()[:2000]
    pages = render_site(corpus.ann, corpus.docs, corpus.anchoring, site_url=read_site_url(root))
    write_pages(root, pages)
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
    return {
        "incremental": {
            "preprocess_after_one_note_edit": round(t1 - t0, 3),
            "note_add_one": round(t2 - t1, 3),
            "note_add_from_file": {"notes": len(rows), "seconds": round(t3 - t2, 3)},
        }
    }


def run(n_sources: int, *, mkdocs: bool) -> dict[str, object]:
    copies = max(1, n_sources // 5)
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        root = Path(tmp)
        counts = make_project(root, copies)
        t0 = time.perf_counter()
        corpus = load_corpus(root)
        assert not corpus.report.errors, corpus.report.render()[:2000]
        t1 = time.perf_counter()
        from build_tools.build import read_site_url

        pages = render_site(corpus.ann, corpus.docs, corpus.anchoring, site_url=read_site_url(root))
        t2 = time.perf_counter()
        write_pages(root, pages)
        t3 = time.perf_counter()
        warm = _incremental(root)
        result: dict[str, object] = {
            **counts,
            **warm,
            "anchors": len(corpus.anchoring.anchors),
            "mentions": len(corpus.anchoring.mentions),
            "pages": len(pages),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
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
        return result


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
            f" | one note edited {inc['preprocess_after_one_note_edit']:.2f} s, "  # type: ignore[index]
            f"note add {inc['note_add_one']:.2f} s, "  # type: ignore[index]
            f"--from-file {inc['note_add_from_file']['notes']} notes {inc['note_add_from_file']['seconds']:.2f} s"  # type: ignore[index]
        )
        if "mkdocs" in s:  # type: ignore[operator]
            line += (
                f" | mkdocs {s['mkdocs']:.1f} s, source page {r['page_kb']} KB "  # type: ignore[index]
                f"(nav {r['nav_kb']} KB), pagefind {s['pagefind']:.1f} s, bundle {r['search_index_mb']} MB on disk"  # type: ignore[index]
            )
        print(line)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
