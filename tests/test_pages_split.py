"""Pages that would grow with the corpus are split in parts of a fixed size (issue 11).

The five-text site is far below every bound (its pages are the goldens'); here the bounds
are lowered so that the real corpus and the fixture project split, and the split pages are
checked: every mention, entry and row on exactly one page, stable paths, a pager of a fixed
size with previous and next, links that resolve (a strict MkDocs build).
"""

from __future__ import annotations

import re
import shutil

import pytest

from build_tools import paths
from build_tools.paths import GENERATED_DIRS
from build_tools.pipeline import read_site_url
from build_tools.stages.render import pages as pages_mod
from build_tools.stages.render import render_site, source_page

from .conftest import FIXTURES, ROOT

LINK = re.compile(r"\]\(([^)\s]+)")


@pytest.fixture
def small_pages(monkeypatch):
    """Bounds small enough that the real corpus splits everywhere."""
    monkeypatch.setattr(pages_mod, "MENTIONS_PER_PAGE", 10)
    monkeypatch.setattr(pages_mod, "ITEMS_PER_PAGE", 2)
    monkeypatch.setattr(pages_mod, "COVERAGE_ROWS_PER_PAGE", 10)
    monkeypatch.setattr(pages_mod, "COVERAGE_ALL_COLUMNS", 2)
    monkeypatch.setattr(pages_mod, "OUTLET_SOURCES_SHOWN", 0)


@pytest.fixture
def split(corpus, small_pages):
    return render_site(corpus.ann, corpus.docs, corpus.anchoring, site_url=read_site_url(ROOT))


def _parts(pages: dict[str, str], base: str) -> list[str]:
    """The pages of ``base`` in order: the first, then ``…/2.md`` and so on while they exist."""
    out = [base]
    while paths.paged(base, len(out) + 1) in pages:
        out.append(paths.paged(base, len(out) + 1))
    return out


def test_paged_paths_keep_the_first_page_where_it_was():
    assert paths.paged("glossary/nato.md", 1) == "glossary/nato.md"
    assert paths.paged("glossary/nato.md", 2) == "glossary/nato/2.md"
    assert paths.up("glossary/nato.md") == "../"
    assert paths.up("glossary/nato/2.md") == "../../"


def test_pager_has_a_fixed_number_of_links_however_many_pages():
    for total in (10, 100, 10_000):
        line = pages_mod.pager("glossary/x.md", 5, total)[0]
        assert len(LINK.findall(line)) <= 2 * pages_mod.PAGER_WINDOW + 4
    line = pages_mod.pager("glossary/x.md", 5, 100)[0]
    assert line.startswith("Page 5 of 100:")
    assert '[← Previous](4.md){ rel="prev" }' in line and '[Next →](6.md){ rel="next" }' in line
    assert "[1](../x.md)" in line and "[100](100.md)" in line and "**5**" in line
    first = pages_mod.pager("glossary/x.md", 1, 3)[0]
    assert "Previous" not in first and "[Next →](x/2.md)" in first
    assert pages_mod.pager("glossary/x.md", 1, 1) == []


def test_every_mention_is_on_exactly_one_page_of_its_entry(split, corpus):
    entry = "chinese-communist-party"
    mentions = corpus.anchoring.mentions
    expected = sum(1 for m in mentions if m.annotation == entry)
    parts = _parts(split, paths.glossary_page(entry))
    assert len(parts) == -(-expected // pages_mod.MENTIONS_PER_PAGE) > 1
    listed = [line for p in parts for line in split[p].splitlines() if line.startswith("- ") and "<strong>" in line]
    assert len(listed) == expected
    later = split[parts[1]]
    assert "[What it is](../chinese-communist-party.md)" in later
    assert "](../../sources/" in later and "](../sources/" not in later
    assert "[Suggest a correction](../../about.md#corrections)" in later
    description = corpus.ann.glossary[entry].description
    assert f"**{description}**" in split[parts[0]] and f"**{description}**" not in later


def test_indexes_and_coverage_split_with_every_line_once(split, corpus):
    xref_lines = [
        line for p in _parts(split, "crossrefs/index.md") for line in split[p].splitlines() if line.startswith("- [")
    ]
    assert len(xref_lines) == len(corpus.ann.crossrefs)
    assert all("](../" in line for line in split["crossrefs/index/2.md"].splitlines() if line.startswith("- ["))
    rows = [
        line for p in _parts(split, "crossrefs/coverage.md") for line in split[p].splitlines() if line.startswith("| [")
    ]
    assert len(rows) == len(corpus.ann.crossrefs)
    assert len(_parts(split, "crossrefs/coverage.md")) == -(-len(rows) // pages_mod.COVERAGE_ROWS_PER_PAGE)
    assert "one column per text that reports one of a table's" in split["crossrefs/coverage.md"]
    entries = [
        line for p in _parts(split, "glossary/index.md") for line in split[p].splitlines() if line.startswith("- [")
    ]
    assert len(entries) == len(corpus.ann.glossary)
    sources = [
        line for p in _parts(split, "sources/index.md") for line in split[p].splitlines() if line.startswith("- **")
    ]
    assert len(sources) == len(corpus.ann.sources)
    assert "every text is on the [Sources](sources/index.md) pages" in split["_partials/timeline.md"]


def test_coverage_columns_are_the_texts_a_topic_concerns(split, corpus):
    """Above the bound, a topic's table has a column only for a text that reports one of its
    cross-references or is silent on one: no column is "not reported" all the way down."""
    tables = 0
    for path in _parts(split, "crossrefs/coverage.md"):
        for table in re.findall(r"^\| Cross-reference \|.*?(?=\n\n)", split[path], re.M | re.S):
            rows = [line.strip("|").split(" | ") for line in table.splitlines()[2:]]
            for j in range(1, len(rows[0])):
                assert any(row[j].strip() != "not reported" for row in rows), (path, j)
            tables += 1
    assert tables


def test_an_endnote_lists_a_fixed_number_of_other_accounts(corpus, monkeypatch):
    """However many texts quote a cross-reference, each of their endnotes and markers names at
    most XREF_ACCOUNTS_SHOWN other accounts and says how many more the comparison page holds."""
    monkeypatch.setattr(source_page, "XREF_ACCOUNTS_SHOWN", 1)
    pages = render_site(corpus.ann, corpus.docs, corpus.anchoring, site_url=read_site_url(ROOT))
    xref = "wang-wenbin-and-newsweek"  # five passages: four other accounts each
    passages = [a for a in corpus.anchoring.placed() if a.annotation == xref]
    assert len(passages) == 5
    for a in passages:
        page = pages[paths.source_page(a.source)]
        endnote = page.split(f"{{: #{source_page.xref_endnote_anchor(xref, a.passage)} .xref-endnote-title }}", 1)[1]
        endnote = endnote.split("{ .xref-compare }", 1)[0]
        assert endnote.count("[Go to the passage →]") == 1, endnote
        assert "    - and 3 more accounts, on the comparison page\n" in endnote
    compare = pages[paths.crossref_page(xref)]
    assert all(a.text[:40] in compare.replace("\\", "") for a in passages)  # every account is there
    labels = re.findall(r'aria-label="(4 other passages: [^"]*)"', pages[paths.source_page(passages[0].source)])
    assert labels and all(label.endswith("more texts") for label in labels), labels


def test_a_body_link_to_a_later_pages_mentions_follows_them():
    pages = {"sources/s.md": "see [there](../glossary/e.md#in-b) and [here](../glossary/e.md#in-a)"}
    from build_tools.stages.render import _link_later_mention_pages

    _link_later_mention_pages(pages, {("e", "a"): 1, ("e", "b"): 3})
    assert pages["sources/s.md"] == "see [there](../glossary/e/3.md#in-b) and [here](../glossary/e.md#in-a)"


def test_split_fixture_site_builds_strict(tmp_path, monkeypatch):
    """The split pages' links and anchors resolve: `mkdocs build --strict` on the fixture
    project with one mention and one index line per page."""
    from build_tools.pipeline import RunState, run_stages

    monkeypatch.setattr(pages_mod, "MENTIONS_PER_PAGE", 1)
    monkeypatch.setattr(pages_mod, "ITEMS_PER_PAGE", 1)
    monkeypatch.setattr(pages_mod, "COVERAGE_ROWS_PER_PAGE", 1)
    monkeypatch.setattr(pages_mod, "COVERAGE_ALL_COLUMNS", 1)
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "render" / "project", root)
    shutil.copytree(ROOT / "annotations" / "schema", root / "annotations" / "schema")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", root / "overrides")
    shutil.copytree(ROOT / "docs", root / "docs", ignore=shutil.ignore_patterns(*GENERATED_DIRS))
    state = run_stages(RunState(root, strict=True, site_dir=root / "site"), until="publish")  # as `build` does
    assert "glossary/vladimir-putin/4.md" in state.pages and "glossary/index/3.md" in state.pages
    assert "sources/index/2.md" in state.pages
    page = (root / "site" / "glossary" / "vladimir-putin" / "2" / "index.html").read_text(encoding="utf-8")
    assert 'rel="prev"' in page and 'rel="next"' in page and 'class="pager"' in page
