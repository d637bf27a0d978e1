"""Incremental preprocessing: every cache gives what a run without it gives, a changed
input misses, and a damaged entry is rebuilt, never used."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from build_tools import cache, idlock
from build_tools.cli import main
from build_tools.errors import Report
from build_tools.model import Anchor, Citation, CrossRef, Note
from build_tools.pipeline import load_corpus
from build_tools.stages import anchor, render, write
from build_tools.stages.load import load_annotations, schemas_digest
from build_tools.stages.render import keys

from .test_contrib_broken import BROKEN, CASES, make_case, run_check

NOTES = Path("annotations/notes/gazette-2024-05-02-bridge.yml")


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return make_case(None, tmp_path / "base")


def _entries(root: Path, stage: str) -> list[Path]:
    return sorted(p for p in (root / cache.CACHE_DIR / stage).rglob("*") if p.is_file())


def _load(root: Path, *, use_cache: bool = True) -> tuple[object, list]:
    report = Report()
    return load_annotations(root, report, use_cache=use_cache), report.problems


# --------------------------------------------------------------------------- annotation files


@pytest.mark.parametrize("case", CASES)
def test_every_mistake_reads_the_same_from_a_warm_cache(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second ``check`` takes every annotation file from the cache: the same messages,
    with the same lines, as the golden output of the first."""
    root = make_case(case, tmp_path / case)
    cold = run_check(root, capsys)
    assert _entries(root, "annotations"), "the first run stored nothing"
    warm = run_check(root, capsys)
    assert warm == cold == (BROKEN / case / "expected.txt").read_text(encoding="utf-8")


def test_cached_annotations_are_the_same(base: Path) -> None:
    plain = _load(base, use_cache=False)
    assert not (base / cache.CACHE_DIR).exists()
    first = _load(base)
    files, bodies = _entries(base, "annotations"), _entries(base, "bodies")
    assert files and bodies
    assert _load(base) == first == plain
    assert (_entries(base, "annotations"), _entries(base, "bodies")) == (files, bodies)  # every file a hit


def test_an_edited_note_is_read_again(base: Path) -> None:
    _load(base)
    path = base / NOTES
    path.write_text(path.read_text(encoding="utf-8").replace("12.4 million", "13 million"), encoding="utf-8")
    ann, problems = _load(base)
    body = next(n.body for n in ann.notes if n.id == "gz-cost")
    assert "13 million" in body and "12.4" not in body
    assert (ann, problems) == _load(base, use_cache=False)


def test_a_renamed_link_target_is_reported_though_the_body_did_not_change(base: Path) -> None:
    """A body's sanitised form depends on the ids its links resolve to, not on its text alone."""
    _load(base)
    glossary = base / "annotations" / "glossary" / "places.yml"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace("id: westport", "id: westport-town"), "utf-8")
    ann, problems = _load(base)
    assert [p.code for p in problems] == ["body-dangling-link"], problems
    assert (ann, problems) == _load(base, use_cache=False)


def test_damaged_annotation_entries_are_rebuilt(base: Path) -> None:
    plain = _load(base, use_cache=False)
    _load(base)
    damaged = _entries(base, "annotations") + _entries(base, "bodies")
    for i, entry in enumerate(damaged):
        data = entry.read_bytes()
        entry.write_bytes(data[:-5] + b"xxxxx" if i % 2 else data[:10])  # flipped, or truncated
    assert _load(base) == plain
    store = cache.Cache(base, "annotations")
    assert all(store.get(p.name) is not None for p in _entries(base, "annotations"))  # rewritten, valid again


def test_the_schemas_are_part_of_the_key(base: Path) -> None:
    before = schemas_digest(base)
    schema = next((base / "annotations" / "schema").glob("notes.schema.json"))
    schema.write_text(schema.read_text(encoding="utf-8").replace("{", '{"$comment": "x", ', 1), "utf-8")
    assert schemas_digest(base) != before


def test_the_pipeline_uses_the_annotation_cache(base: Path) -> None:
    first = load_corpus(base)
    assert _entries(base, "annotations")
    second = load_corpus(base)
    assert (first.ann, first.report.problems) == (second.ann, second.report.problems)
    plain = load_corpus(base, use_cache=False)
    assert (plain.ann, plain.report.problems) == (second.ann, second.report.problems)


# --------------------------------------------------------------------------- anchoring


def test_cached_anchoring_is_the_same(base: Path) -> None:
    plain = load_corpus(base, use_cache=False)
    first = load_corpus(base)
    entries = _entries(base, "anchor")
    assert len(entries) == len(plain.docs)
    second = load_corpus(base)
    assert first.anchoring == second.anchoring == plain.anchoring
    assert first.report.problems == second.report.problems == plain.report.problems
    assert _entries(base, "anchor") == entries  # every source a hit


def test_an_edited_quote_is_placed_again(base: Path) -> None:
    load_corpus(base)
    path = base / NOTES
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("quote: The bridge will cost 12 million euros.", "quote: 12 million euros"), "utf-8")
    warm = load_corpus(base)
    anchor = next(a for a in warm.anchoring.anchors if a.annotation == "gz-cost")
    assert anchor.text == "12 million euros"
    plain = load_corpus(base, use_cache=False)
    assert (warm.anchoring, warm.report.problems) == (plain.anchoring, plain.report.problems)


def test_a_new_alias_is_found_in_every_source(base: Path) -> None:
    before = load_corpus(base)
    glossary = base / "annotations" / "glossary" / "places.yml"
    glossary.write_text(
        glossary.read_text(encoding="utf-8").replace("aliases: [council]", "aliases: [council, bridge]")
    )
    warm = load_corpus(base)
    assert len(warm.anchoring.mentions) > len(before.anchoring.mentions)
    assert warm.anchoring == load_corpus(base, use_cache=False).anchoring


def test_damaged_anchor_entries_are_rebuilt(base: Path) -> None:
    plain = load_corpus(base, use_cache=False)
    load_corpus(base)
    for entry in _entries(base, "anchor"):
        entry.write_bytes(entry.read_bytes()[:-3] + b"bad")
    again = load_corpus(base)
    assert (again.anchoring, again.report.problems) == (plain.anchoring, plain.report.problems)


# --------------------------------------------------------------------------- lock files


def _preprocess(root: Path) -> None:
    assert main(["--root", str(root), "preprocess", "--quiet"]) == 0


def _locks(root: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((root / "annotations" / "ids").glob("*.yml"))}


def test_an_up_to_date_lock_file_is_not_rendered_again(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(2):  # the first writes the lock files, the second finds them up to date
        _preprocess(base)
    locks = _locks(base)
    assert len(_entries(base, "locks")) == len(locks)
    rendered: list[str] = []
    real = idlock.render_lock
    monkeypatch.setattr(idlock, "render_lock", lambda doc, lock: rendered.append(doc.source_id) or real(doc, lock))
    _preprocess(base)
    assert rendered == [] and _locks(base) == locks


def test_an_edited_lock_file_is_rewritten(base: Path) -> None:
    for _ in range(2):
        _preprocess(base)
    locks = _locks(base)
    name, text = next(iter(locks.items()))
    path = base / "annotations" / "ids" / name
    path.write_text(text.replace("kind: paragraph", "kind: quotation", 1), encoding="utf-8")
    _preprocess(base)
    assert _locks(base) == locks


def test_a_cold_run_reads_each_lock_file_once(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingest, which reads a lock file to give the blocks their ids, also finds it up to date,
    so the locks stage does not read it again."""
    _preprocess(base)
    locks = _locks(base)
    shutil.rmtree(base / cache.CACHE_DIR)
    read: list[str] = []
    real = idlock.load_lock
    monkeypatch.setattr(idlock, "load_lock", lambda root, sid, report: read.append(sid) or real(root, sid, report))
    monkeypatch.setattr("build_tools.stages.ingest.load_lock", idlock.load_lock)
    _preprocess(base)
    assert sorted(read) == sorted(name.removesuffix(".yml") for name in locks) and _locks(base) == locks


def test_a_lock_file_out_of_date_is_rewritten_by_a_cold_run(base: Path) -> None:
    _preprocess(base)
    locks = _locks(base)
    shutil.rmtree(base / cache.CACHE_DIR)
    name, text = next(iter(locks.items()))
    (base / "annotations" / "ids" / name).write_text(text.replace("kind: paragraph", "kind: quotation", 1), "utf-8")
    _preprocess(base)
    assert _locks(base) == locks


def test_damaged_lock_entries_are_rebuilt(base: Path) -> None:
    for _ in range(2):
        _preprocess(base)
    locks = _locks(base)
    for entry in _entries(base, "locks"):
        entry.write_bytes(b"\x80" + entry.read_bytes()[1:])
    _preprocess(base)
    assert _locks(base) == locks
    store = cache.Cache(base, "locks")
    assert all(store.get(p.name) is True for p in _entries(base, "locks"))


# --------------------------------------------------------------------------- new lock files


def _pages(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "docs").rglob("*")) if p.is_file()}


def test_the_run_after_a_new_lock_takes_the_ingest_from_the_cache(
    base: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run writes each text's lock file, which is part of the ingest key; the entry is
    stored under the new key as well, and so are the anchors and the lock file's "up to date"
    made from that document, so the second run ingests, anchors and renders no lock file — and
    gives what a run that does everything again with those lock files gives."""
    shutil.rmtree(base / "annotations" / "ids", ignore_errors=True)
    assert main(["--root", str(base), "preprocess"]) == 0
    assert "ingest cache: 0 reused, 2 ingested" in capsys.readouterr().err
    locks = _locks(base)
    assert sorted(locks) == ["courier-2024-05-03-bridge-vote.yml", "gazette-2024-05-02-bridge.yml"]
    done: list[str] = []
    real_anchor, real_lock = anchor._anchor, idlock.render_lock
    monkeypatch.setattr(
        anchor, "_anchor", lambda doc, *a: done.append(f"anchor:{doc.source_id}") or real_anchor(doc, *a)
    )
    monkeypatch.setattr(
        idlock, "render_lock", lambda doc, lock: done.append(f"lock:{doc.source_id}") or real_lock(doc, lock)
    )
    assert main(["--root", str(base), "preprocess"]) == 0
    assert "ingest cache: 2 reused, 0 ingested" in capsys.readouterr().err
    assert done == []
    warm = _pages(base)
    shutil.rmtree(base / cache.CACHE_DIR)
    assert main(["--root", str(base), "preprocess"]) == 0
    assert "ingest cache: 0 reused, 2 ingested" in capsys.readouterr().err
    assert sorted(done) == [f"anchor:{s}" for s in (COURIER, GAZETTE)] + [f"lock:{s}" for s in (COURIER, GAZETTE)]
    assert _pages(base) == warm and _locks(base) == locks


# --------------------------------------------------------------------------- rendering

GAZETTE, COURIER = "gazette-2024-05-02-bridge", "courier-2024-05-03-bridge-vote"


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each run renders (``source:ID``, ``glossary:ID``, ``crossref:ID``), not taken from the cache."""
    calls: list[str] = []
    for name, what in (
        ("render_source_page", "source"),
        ("render_glossary_pages", "glossary"),
        ("render_crossref_page", "crossref"),
    ):
        real = getattr(render, name)

        def spy(item: object, /, *args: object, real=real, what=what, **kwargs: object) -> object:
            calls.append(f"{what}:{item.id}")  # type: ignore[attr-defined]
            return real(item, *args, **kwargs)

        monkeypatch.setattr(render, name, spy)
    return calls


def _cold_pages(root: Path) -> dict[str, bytes]:
    """What a run without ``.cache/`` writes for the project as it is now."""
    cold = root.with_name(root.name + "-cold")
    shutil.rmtree(cold, ignore_errors=True)
    shutil.copytree(root, cold, ignore=shutil.ignore_patterns(cache.CACHE_DIR, "docs"))
    _preprocess(cold)
    return _pages(cold)


def _warm(root: Path) -> None:
    """Two runs: the first writes the lock files, which are part of each document's ingest key
    and so of its pages' keys; the second renders under those keys."""
    for _ in range(2):
        _preprocess(root)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def _page(root: Path, rel: str) -> str:
    return (root / "docs" / rel).read_text(encoding="utf-8")


def test_a_warm_run_renders_nothing_and_writes_what_a_cold_one_writes(base: Path, rendered: list[str]) -> None:
    _warm(base)
    assert sorted(set(rendered)) == [
        "crossref:two-halves",
        "glossary:town-council",
        "glossary:westport",
        f"source:{COURIER}",
        f"source:{GAZETTE}",
    ]
    rendered.clear()
    _preprocess(base)
    assert rendered == []
    assert _pages(base) == _cold_pages(base)


def test_an_edited_note_body_renders_its_source_page_again(base: Path, rendered: list[str]) -> None:
    _warm(base)
    rendered.clear()
    _edit(base / NOTES, "12.4 million", "13 million")
    _preprocess(base)
    assert rendered == [f"source:{GAZETTE}"]  # nothing else shows a note
    assert "13 million" in _page(base, f"sources/{GAZETTE}.md")
    assert _pages(base) == _cold_pages(base)


def test_an_edited_note_quote_renders_its_source_page_again(base: Path, rendered: list[str]) -> None:
    """A source page's key names the anchors placed in it by the source's anchor entry: a quote
    placed elsewhere is a new entry, and renders that page again (its mentions, which do not
    depend on the quotes, are named apart: the glossary pages stay)."""
    _warm(base)
    rendered.clear()
    _edit(base / NOTES, "quote: The bridge will cost 12 million euros.", "quote: 12 million euros")
    _preprocess(base)
    assert rendered == [f"source:{GAZETTE}"]
    assert _pages(base) == _cold_pages(base)


def test_an_edited_note_citation_renders_its_source_page_again(base: Path, rendered: list[str]) -> None:
    _warm(base)
    rendered.clear()
    _edit(base / NOTES, "accessed: 2024-06-01", "accessed: 2024-06-02")
    _preprocess(base)
    assert rendered == [f"source:{GAZETTE}"]
    assert "accessed 2 June 2024" in _page(base, f"sources/{GAZETTE}.md")
    assert _pages(base) == _cold_pages(base)


def test_an_edited_glossary_description_changes_every_page_that_shows_it(base: Path, rendered: list[str]) -> None:
    """The description is the title of an entry's first link on a source page, and the top of its own page."""
    _warm(base)
    rendered.clear()
    places = base / "annotations" / "glossary" / "places.yml"
    _edit(places, "An invented town on both banks of a river.", "A town made up for the tests, on a river.")
    _preprocess(base)
    assert sorted(rendered) == ["glossary:westport", f"source:{COURIER}", f"source:{GAZETTE}"]
    for rel in (f"sources/{GAZETTE}.md", f"sources/{COURIER}.md", "glossary/westport.md"):
        assert "A town made up for the tests" in _page(base, rel), rel
    assert _pages(base) == _cold_pages(base)


def test_the_other_source_of_a_cross_reference_is_part_of_a_source_page(base: Path, rendered: list[str]) -> None:
    """The Gazette's page shows, in its cross-reference panel, the Courier's outlet and date:
    a new date in the Courier's catalog entry renders the Gazette's page again, though
    nothing of the Gazette changed."""
    _warm(base)
    rendered.clear()
    catalog = base / "annotations" / "sources.yml"
    _edit(catalog, "date: 2024-05-03", "date: 2024-05-04")
    _edit(catalog, "title: Bridge vote splits Westport", "title: Bridge vote divides Westport")
    _preprocess(base)
    assert sorted(rendered) == [
        "crossref:two-halves",
        "glossary:town-council",
        "glossary:westport",
        f"source:{COURIER}",
        f"source:{GAZETTE}",
    ]
    gazette = _page(base, f"sources/{GAZETTE}.md")
    assert "4 May 2024 (inferred)" in gazette and "3 May 2024" not in gazette
    assert "Bridge vote divides Westport" in _page(base, "crossrefs/two-halves.md")
    assert _pages(base) == _cold_pages(base)


def test_an_edited_other_passage_changes_the_panel(base: Path, rendered: list[str]) -> None:
    """The Gazette's panel quotes the Courier's passage: a new quote in the cross-reference renders
    the Gazette's page again (and the cross-reference page), not the glossary's."""
    _warm(base)
    rendered.clear()
    xrefs = base / "annotations" / "crossrefs" / "bridge.yml"
    _edit(xrefs, 'quote: the bridge would "join the two halves of the town"', 'quote: would "join the two halves')
    _preprocess(base)
    assert sorted(rendered) == ["crossref:two-halves", f"source:{COURIER}", f"source:{GAZETTE}"]
    assert '“would "join the two halves”' in _page(base, f"sources/{GAZETTE}.md")
    assert _pages(base) == _cold_pages(base)


def test_the_site_url_is_part_of_a_source_page(base: Path, rendered: list[str], monkeypatch) -> None:
    _warm(base)
    rendered.clear()
    monkeypatch.setenv("SITE_URL", "https://example.org/reading/")
    (base / "mkdocs.yml").write_text("site_url: !ENV [SITE_URL, 'http://127.0.0.1:8000/']\n", encoding="utf-8")
    _preprocess(base)
    assert sorted(rendered) == [f"source:{COURIER}", f"source:{GAZETTE}"]
    assert "https://example.org/reading/sources/" in _page(base, f"sources/{GAZETTE}.md")


def test_damaged_render_entries_are_rebuilt(base: Path, rendered: list[str], capsys) -> None:
    _warm(base)
    shutil.rmtree(base / cache.CACHE_DIR / "render")  # only the entries of the current keys
    _preprocess(base)
    good = _pages(base)
    entries = _entries(base, "render")
    assert len(entries) == 5
    for i, entry in enumerate(entries):
        data = entry.read_bytes()
        entry.write_bytes(data[:-5] + b"xxxxx" if i % 2 else data[:10])  # flipped, or truncated
    (base / "docs" / "sources" / f"{GAZETTE}.md").unlink()  # so that the run must write it again
    (base / write.MANIFEST).unlink()  # and read every entry: no page is known to be on disk as written
    rendered.clear()
    assert main(["--root", str(base), "preprocess"]) == 0
    assert "render cache: 0 reused, 5 rendered (5 damaged entries rebuilt)" in capsys.readouterr().err
    assert len(rendered) == 5 and _pages(base) == good
    store = cache.Cache(base, "render")
    assert all(store.get(p.name) is not None for p in entries)  # rewritten, valid again


def test_pages_on_disk_as_written_are_not_read_from_the_cache(
    base: Path, rendered: list[str], capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write manifest names each render entry's pages: while they are in docs/ as the last
    run wrote them, the entry is not even read (damaged, it is not used either); a page gone
    from docs/ has its entry read, found damaged and rendered again."""
    monkeypatch.setattr(write, "RACY_NS", 0)  # the files are seconds old
    _warm(base)
    good = _pages(base)
    entries = _entries(base, "render")
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:-5] + b"xxxxx")
    rendered.clear()
    capsys.readouterr()
    assert main(["--root", str(base), "preprocess"]) == 0
    assert "render cache: 5 reused, 0 rendered (0 damaged entries rebuilt)" in capsys.readouterr().err
    assert rendered == [] and _pages(base) == good
    (base / "docs" / "sources" / f"{GAZETTE}.md").unlink()
    assert main(["--root", str(base), "preprocess"]) == 0
    assert "render cache: 4 reused, 1 rendered (1 damaged entries rebuilt)" in capsys.readouterr().err
    assert rendered == [f"source:{GAZETTE}"] and _pages(base) == good


def test_a_signed_entry_of_the_wrong_kind_is_not_used(base: Path, rendered: list[str], capsys) -> None:
    """An entry this machine signed that does not hold a page (a bug, or another stage's value)
    is rendered again rather than written into docs/."""
    _warm(base)
    good = _pages(base)
    store = cache.Cache(base, "render")
    for entry in _entries(base, "render"):
        store.put(entry.name, 42)
    rendered.clear()
    capsys.readouterr()
    assert main(["--root", str(base), "preprocess"]) == 0
    assert "render cache: 0 reused, 5 rendered (5 damaged entries rebuilt)" in capsys.readouterr().err
    assert len(rendered) == 5 and _pages(base) == good


def test_every_field_of_a_note_an_anchor_and_a_cross_reference_is_in_its_key_or_said_to_be_unread() -> None:
    """A field added to one of these classes must be added to the key (or to what no page shows)."""
    for cls, kept, left_out in (
        (Note, keys.NOTE_FIELDS, keys.NOTE_LEFT_OUT),
        (Anchor, keys.ANCHOR_FIELDS, keys.ANCHOR_LEFT_OUT),
        (CrossRef, keys.XREF_FIELDS, keys.XREF_LEFT_OUT),
        (Citation, keys.CITATION_FIELDS, keys.CITATION_LEFT_OUT),
    ):
        names = [f.name for f in dataclasses.fields(cls)]
        assert sorted(names) == sorted([*kept, *left_out]), cls
        assert not set(kept) & left_out, cls


def test_an_edited_cross_reference_title_changes_its_index_and_coverage_lines(base: Path, rendered: list[str]) -> None:
    """The cross-reference index and the coverage pages come from the cache as one entry: a new
    title renders them again (and the cross-reference's page and the pages whose panels show it)."""
    _warm(base)
    indexes = ("crossrefs/index.md", "crossrefs/coverage.md")
    assert all("halves of the town" in _page(base, rel) for rel in indexes)
    rendered.clear()
    _edit(base / "annotations" / "crossrefs" / "bridge.yml", 'two halves of the town"\n', 'two halves"\n')
    _preprocess(base)
    assert sorted(rendered) == ["crossref:two-halves", f"source:{COURIER}", f"source:{GAZETTE}"]
    assert not any("halves of the town" in _page(base, rel) for rel in indexes)
    assert _pages(base) == _cold_pages(base)


def test_a_moved_source_changes_the_coverage_columns(base: Path, rendered: list[str]) -> None:
    """The coverage columns are the texts oldest first: a new date (the Courier before the
    Gazette) reorders them, from the cache as without it."""
    _warm(base)
    before = _page(base, "crossrefs/coverage.md")
    _edit(base / "annotations" / "sources.yml", "date: 2024-05-03", "date: 2024-05-01")
    _preprocess(base)
    assert _page(base, "crossrefs/coverage.md") != before
    assert _pages(base) == _cold_pages(base)


def test_a_warm_run_reads_no_page_it_wrote_and_rewrites_one_edited_by_hand(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write stage's manifest: an unchanged page named as before is not read again; a page
    edited by hand — of the same size, its time set back — is compared and rewritten."""

    _warm(base)
    _preprocess(base)  # the pages written by the runs above are older than RACY_NS now, or are compared
    monkeypatch.setattr(write, "RACY_NS", 0)
    _preprocess(base)  # records every page
    good = _pages(base)
    reads: list[str] = []
    real = write._same_bytes

    def spy(path: str, data: bytes) -> bool:
        reads.append(path)
        return real(path, data)

    monkeypatch.setattr(write, "_same_bytes", spy)
    _preprocess(base)
    docs = base / "docs"
    cached = [f"sources/{GAZETTE}.md", f"sources/{COURIER}.md", "crossrefs/two-halves.md", "crossrefs/coverage.md"]
    cached += ["crossrefs/index.md", "glossary/westport.md"]
    assert not {str(docs / rel) for rel in cached} & set(reads)  # only the pages rendered on every run
    assert _pages(base) == good
    unread = set(reads)
    reads.clear()
    page = base / "docs" / "sources" / f"{GAZETTE}.md"
    text = page.read_text(encoding="utf-8")
    st = page.stat()
    assert "Westport" in text
    page.write_text(text.replace("Westport", "Eastport", 1), encoding="utf-8")  # same size
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert page.stat().st_size == st.st_size and page.stat().st_mtime_ns == st.st_mtime_ns
    _preprocess(base)
    assert set(reads) == unread | {str(page)} and _pages(base) == good


def test_a_damaged_or_foreign_write_manifest_is_not_trusted(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    monkeypatch.setattr(write, "RACY_NS", 0)
    _warm(base)
    manifest = base / write.MANIFEST
    assert write.read_manifest(base).pages and write.read_manifest(base).groups
    page = base / "docs" / "sources" / f"{GAZETTE}.md"
    good = page.read_bytes()
    data = manifest.read_bytes()
    manifest.write_bytes(data[:-3] + b"xx}")  # not what this machine signed
    assert write.read_manifest(base) == write.Manifest({}, {})
    page.write_bytes(good.replace(b"Westport", b"Eastport", 1))
    _preprocess(base)
    assert page.read_bytes() == good


def test_the_run_after_new_lock_files_renders_nothing(base: Path, rendered: list[str]) -> None:
    """The first run's lock files change every document's ingest key, and so every page's key;
    the pages are stored under their new keys too (the documents are the same), so the second
    run renders nothing — and writes what a run without a cache writes."""
    shutil.rmtree(base / "annotations" / "ids", ignore_errors=True)
    _preprocess(base)
    assert len(set(rendered)) == 5
    rendered.clear()
    _preprocess(base)
    assert rendered == []
    assert _pages(base) == _cold_pages(base)


def test_the_run_after_new_lock_files_reads_no_page(
    base: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write manifest names the pages by their new keys too (``write.rename_in_manifest``):
    the second run finds every page in docs/ as written, and reads none from the cache."""
    monkeypatch.setattr(write, "RACY_NS", 0)  # the files are seconds old
    shutil.rmtree(base / "annotations" / "ids", ignore_errors=True)
    _preprocess(base)
    reads: list[str] = []
    real = cache.Cache.get

    def spy(self: cache.Cache, name: str) -> object | None:
        if self.base.name == "render":
            reads.append(name)
        return real(self, name)

    monkeypatch.setattr(cache.Cache, "get", spy)
    capsys.readouterr()
    assert main(["--root", str(base), "preprocess"]) == 0
    assert "render cache: 5 reused, 0 rendered (0 damaged entries rebuilt)" in capsys.readouterr().err
    assert reads == []
    assert _pages(base) == _cold_pages(base)


# --------------------------------------------------------------------------- the live preview's memory


@pytest.fixture
def in_memory(monkeypatch: pytest.MonkeyPatch):
    """What ``serve`` does: cached values kept in this process from one run to the next."""
    from build_tools import serve

    monkeypatch.setattr(cache, "_memory", None)
    cache.keep_in_memory()
    return serve.settle


def test_runs_that_keep_the_cache_in_memory_write_what_cold_runs_write(
    base: Path, rendered: list[str], in_memory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each edit, in a process that keeps what it read (and rebuilt) from one run to the next:
    the same pages as a run without a cache, and only what depends on the edit rendered."""
    settle = in_memory
    _warm(base)
    settle()
    places = base / "annotations" / "glossary" / "places.yml"
    edits = [
        (base / NOTES, "12.4 million", "13 million", [f"source:{GAZETTE}"]),
        (
            base / NOTES,
            "quote: The bridge will cost 12 million euros.",
            "quote: 12 million euros",
            [f"source:{GAZETTE}"],
        ),
        (places, "An invented town on both banks of a river.", "A town made up for the tests.", None),
    ]
    for path, old, new, expected in edits:
        rendered.clear()
        _edit(path, old, new)
        _preprocess(base)
        settle()
        if expected is not None:
            assert rendered == expected
        assert _pages(base) == _cold_pages(base), (old, new)
    settle()
    kept = cache._memory
    assert kept is not None and kept.values and not kept.used  # what the last runs used, and nothing in use
    rendered.clear()
    rebuilt: list[str] = []
    real = anchor._rebuild
    monkeypatch.setattr(
        anchor, "_rebuild", lambda entry, doc, requests: rebuilt.append(doc.source_id) or real(entry, doc, requests)
    )
    _preprocess(base)
    assert rendered == [] and rebuilt == []  # the anchors rebuilt by an earlier run, kept
    assert _pages(base) == _cold_pages(base)


def test_a_value_kept_in_memory_comes_back_without_reading_the_file(tmp_path: Path, in_memory) -> None:
    store = cache.Cache(tmp_path, "ingest")
    store.put("aa01", ("kept",))
    path = Path(store._path("aa01"))
    path.write_bytes(b"damaged")  # never read again while the process keeps the value
    assert store.get("aa01") == ("kept",) and store.hits == 1
    cache.end_run()  # used in this run: kept
    cache.end_run()  # not used in the one after: forgotten
    assert store.get("aa01") is None and store.rebuilt == 1
