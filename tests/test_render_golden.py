"""Golden files: a small fixture project (tests/fixtures/render/project) rendered to Markdown.

The project is made to exercise the renderer: overlapping highlights, a quote crossing
italics and a link, a note on a paragraph that arrived split in two, a correction, a
cross-reference, glossary links, an author's footnote, captions, and characters that must
stay literal. `pytest --update-goldens` rewrites tests/fixtures/render/expected/.
"""

from __future__ import annotations

import shutil

import pytest

from build_tools.paths import GENERATED_DIRS
from build_tools.pipeline import preprocess

from .conftest import FIXTURES, ROOT

PROJECT = FIXTURES / "render" / "project"
EXPECTED = FIXTURES / "render" / "expected"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("render") / "project"
    shutil.copytree(PROJECT, root)
    shutil.copytree(ROOT / "annotations" / "schema", root / "annotations" / "schema")
    pages, corpus = preprocess(root, strict=True)
    return pages, corpus


def test_fixture_project_is_clean(rendered):
    _, corpus = rendered
    assert corpus.report.render() == ""


def test_rendered_files_are_exactly_the_expected_ones(rendered, update_goldens):
    pages, _ = rendered
    expected = {p.relative_to(EXPECTED).as_posix() for p in EXPECTED.rglob("*") if p.is_file()}
    if update_goldens:  # start from scratch so that files no longer produced disappear
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for path, text in pages.items():
            (EXPECTED / path).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / path).write_text(text, encoding="utf-8")
        return
    assert set(pages) == expected


@pytest.mark.parametrize(
    "rel",
    sorted(p.relative_to(EXPECTED).as_posix() for p in EXPECTED.rglob("*") if p.is_file()) or ["(none yet)"],
)
def test_page_matches_golden(rendered, golden, rel):
    pages, _ = rendered
    if rel == "(none yet)":
        for path, text in pages.items():
            golden(EXPECTED / path, text)
        return
    golden(EXPECTED / rel, pages[rel])


def test_fixture_site_builds_strict_and_renders_as_intended(tmp_path):
    """The rendered Markdown goes through `mkdocs build --strict` (links and anchors checked)."""
    from bs4 import BeautifulSoup

    from build_tools.pipeline import RunState, run_stages

    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    shutil.copytree(ROOT / "annotations" / "schema", root / "annotations" / "schema")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", root / "overrides")  # theme.custom_dir
    shutil.copytree(ROOT / "docs", root / "docs", ignore=shutil.ignore_patterns(*GENERATED_DIRS))
    run_stages(RunState(root, strict=True, site_dir=root / "site"), until="publish")  # as `build` does

    alpha = BeautifulSoup((root / "site/sources/alpha-2024-01-01-summit/index.html").read_text(), "html.parser")
    p1 = alpha.find(id="p-1")
    # the overlapping notes nest: "Vladimir Putin" is inside both highlights
    inner = alpha.find(id="a-putin-in-moscow")
    assert inner.find_parent("mark")["id"] == "a-summit"
    assert inner.get_text() == "Vladimir Putin"
    # a highlight is split around the source's own link, never the link itself
    assert [a.get_text() for a in p1.find_all("a", href="https://example.org/moscow")] == ["Moscow"]
    # note markers are footnote references with Material's footnote tooltips
    refs = [sup["id"] for sup in p1.find_all("sup")]
    assert refs == ["fnref:c-daily-example", "fnref:n-summit", "fnref:n-putin-in-moscow"]
    # glossary links carry their one-line description as the tooltip
    gl = p1.find("a", class_="gl")
    assert (gl.get_text(), gl["title"]) == ("Xi Jinping", 'A name in the render tests "with quotes" & ampersands.')
    beta = BeautifulSoup((root / "site/sources/beta-undated-summit/index.html").read_text(), "html.parser")
    assert beta.find(id="p-2").get_text().startswith("1. Numbers at the start of a line, # hashes and _underscores_")
    assert "<some>" in beta.find(id="x-historic-2").get_text()
    assert beta.find(id="fnref-1")["href"] == "#fn-1" and beta.find(id="fn-1").find("a")["href"] == "#fnref-1"


def test_word_diff_marks_what_an_account_drops_and_adds():
    from build_tools.stages.render.pages import quoted_words, word_diff

    base = quoted_words("urging “the United States to stop undermining international security”")
    other = quoted_words("attacked the West for “undermining” <international> security")
    assert base == ["the", "United", "States", "to", "stop", "undermining", "international", "security"]
    assert other == ["undermining"]  # only the words inside quotation marks
    assert word_diff(base, other) == (
        "<del>the United States to stop</del> undermining <del>international security</del>"
    )
    assert word_diff(["a", "new", "era"], ["a", "<new>", "era"]) == "a <del>new</del> <ins>&lt;new&gt;</ins> era"


def test_an_outlet_badge_has_a_tooltip_only_when_it_adds_the_full_name(rendered):
    from dataclasses import replace

    from build_tools.stages.render.common import outlet_badge

    _, corpus = rendered
    beta = corpus.ann.outlets["beta"]
    assert outlet_badge(beta) == '[Beta](../outlets/index.md#beta "Beta Wire"){ .outlet-badge .outlet-beta }'
    same = replace(beta, name="Beta")
    assert outlet_badge(same) == "[Beta](../outlets/index.md#beta){ .outlet-badge .outlet-beta }"
