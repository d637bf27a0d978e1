"""One executable stage list: every command runs a prefix of ``pipeline.STAGES``, and nothing else.

Each stage in the list is wrapped to record that it ran, and every function that does a
stage's work (loading, ingesting, anchoring, rendering, writing, MkDocs, Pagefind, the
lock files) is wrapped, wherever a module holds it, to record which stage was running when
it was called. A command that assembled its own order, or called a stage's work outside
the runner, would show up as a call outside its stage.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest

from build_tools import idlock, pipeline, serve
from build_tools.cli import main
from build_tools.stages import anchor, citations, consistency, load, publish, render, search, write
from build_tools.stages.ingest import corpus as ingest_corpus

CHECK = ("annotations", "citations", "ingest", "anchor", "consistency")
SERVE = (*CHECK, "render", "write")
PREPROCESS = (*SERVE, "locks")
BUILD = (*SERVE, "mkdocs", "search", "publish", "locks")

WORK = {
    (load, "load_annotations"): "annotations",
    (citations, "check_citations"): "citations",
    (ingest_corpus, "ingest_all"): "ingest",
    (anchor, "anchor_all"): "anchor",
    (consistency, "check_consistency"): "consistency",
    (consistency, "check_fragments"): "consistency",
    (render, "render_site"): "render",
    (write, "write_pages"): "write",
    (publish, "stage_docs"): "write",
    (publish, "run_mkdocs"): "mkdocs",
    (search, "index_search"): "search",
    (publish, "swap_docs"): "publish",
    (publish, "flip_site"): "publish",
    (idlock, "write_locks"): "locks",
}
"""Each function doing a stage's work, and the stage it belongs to."""


class Recorder:
    """What ran: stage names in order, and every call of a stage's work with the stage running then."""

    def __init__(self) -> None:
        self.stages: list[str] = []
        self.calls: list[tuple[str | None, str, str]] = []  # (running stage, function, its stage)
        self.running: str | None = None

    def take(self) -> tuple[tuple[str, ...], list[tuple[str | None, str, str]]]:
        stages, calls = tuple(self.stages), self.calls
        self.stages, self.calls = [], []
        return stages, calls


@pytest.fixture
def recorder(monkeypatch) -> Recorder:
    rec = Recorder()

    def stage(original: pipeline.Stage) -> pipeline.Stage:
        def run(state: pipeline.RunState) -> None:
            rec.stages.append(original.name)
            rec.running = original.name
            try:
                original.run(state)
            finally:
                rec.running = None

        return dataclasses.replace(original, run=run)

    monkeypatch.setattr(pipeline, "STAGES", tuple(stage(s) for s in pipeline.STAGES))

    def work(fn, owner: str):
        def wrapper(*args, **kwargs):
            rec.calls.append((rec.running, fn.__name__, owner))
            return fn(*args, **kwargs)

        return wrapper

    for (module, name), owner in WORK.items():
        original = getattr(module, name)
        wrapped = work(original, owner)
        for mod in [m for n, m in sys.modules.items() if n == "build_tools" or n.startswith("build_tools.")]:
            for attr, value in list(vars(mod).items()):
                if value is original:
                    monkeypatch.setattr(mod, attr, wrapped)
    return rec


def assert_ran(rec: Recorder, expected: tuple[str, ...]) -> None:
    stages, calls = rec.take()
    assert stages == expected
    assert [name for name in (s.name for s in pipeline.STAGES) if name in expected] == list(expected)  # in list order
    outside = [(fn, running) for running, fn, owner in calls if running != owner]
    assert not outside, f"stage work called outside its stage: {outside}"
    assert {owner for _, _, owner in calls} <= set(expected)


def test_each_command_runs_its_prefix_of_the_stage_list_and_nothing_else(project, recorder, capsys):
    root = ["--root", str(project)]
    assert main([*root, "check", "-q"]) == 0
    assert_ran(recorder, CHECK)
    assert main([*root, "anchors"]) == 0
    assert_ran(recorder, CHECK)
    assert main([*root, "export", "--csl", "-o", str(project / "works.json")]) == 0
    assert_ran(recorder, ("annotations",))
    assert main([*root, "preprocess"]) == 0
    assert_ran(recorder, PREPROCESS)
    assert serve.regenerate(project, progress=lambda _msg: None)
    assert_ran(recorder, SERVE)
    assert main([*root, "build", "-q"]) == 0
    assert_ran(recorder, BUILD)
    # the progress lines come from the runner, in stage order, in the format they always had
    err = capsys.readouterr().err
    lines = [ln.strip() for ln in err.splitlines() if re.match(r"  (loaded|ingested|anchored|wrote) ", ln)]
    assert [ln.split()[0] for ln in lines] == ["loaded", "ingested", "anchored", "wrote"]
    assert re.fullmatch(r"wrote \d+ pages under docs/ \(\d+ unchanged, \d+ removed\) in \d+\.\d\d s", lines[-1])
    assert re.search(r"Built the site in \d+\.\d s \(preprocessing \d+\.\d\d s, MkDocs \d+\.\d s\)", err)


def test_a_failed_check_stops_every_command_before_anything_is_written(project, recorder, capsys):
    notes = project / "annotations" / "notes" / "newsweek-2022-02-28-not-allies.yml"
    text = notes.read_text(encoding="utf-8")
    quote = re.search(r"quote: (.+)", text).group(1)
    notes.write_text(text.replace(quote, '"a passage that is in no source"', 1), encoding="utf-8")
    root = ["--root", str(project)]
    for command in ("preprocess", "build"):
        assert main([*root, command, "-q"]) == 1
        assert_ran(recorder, CHECK)
        assert f"{command}: failed with" in capsys.readouterr().err
    assert not serve.regenerate(project, progress=lambda _msg: None)
    assert_ran(recorder, CHECK)
    assert not (project / "site").exists() and not list(Path(project).glob(".build-*"))


def test_timings_are_recorded_per_stage_in_the_order_run(project):
    state = pipeline.run_stages(pipeline.RunState(project), until="render")
    assert tuple(state.timings) == (*CHECK, "render")
    assert state.elapsed() == pytest.approx(sum(state.timings.values()))
    assert state.elapsed(after="consistency") == pytest.approx(state.timings["render"])
    with pytest.raises(ValueError, match="no stage 'mkdcos'"):
        pipeline.plan("mkdcos")


def test_site_url_is_read_as_mkdocs_reads_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``!ENV`` with a default or a variable, and the ``!!python/name`` tags Material's
    configuration uses (not run: nothing is imported), as MkDocs reads them."""
    from build_tools.pipeline import DEFAULT_SITE_URL, read_site_url

    config = tmp_path / "mkdocs.yml"
    config.write_text(
        'site_url: !ENV [READING_SITE_URL, "https://example.org/default/"]\n'
        "markdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("READING_SITE_URL", raising=False)
    assert read_site_url(tmp_path) == "https://example.org/default/"
    monkeypatch.setenv("READING_SITE_URL", "https://example.org/set/")
    assert read_site_url(tmp_path) == "https://example.org/set/"
    config.write_text("site_url: [unclosed\n", encoding="utf-8")
    assert read_site_url(tmp_path) == DEFAULT_SITE_URL
