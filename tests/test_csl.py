"""Citations as data: `export --csl` (build_tools/contrib/csl.py) rendered with citeproc-py, and the
citation_* meta tags Zotero reads on the built source pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup

from build_tools.cli import main

from .conftest import ROOT

SYMONDS = (
    "Peter Symonds (2023) “Chinese and Russian presidents meet as US targets both countries”, "
    "World Socialist Web Site, 23 March. Available at: https://www.wsws.org/en/articles/2023/03/23/ddpk-m23.html."
)
TASS = (
    "Russian-Chinese military-political ties outperform Cold War-era unions – Chinese minister (TASS, Russian state news agency, 16 April 2023) "
    "(no date) Russian-Chinese military-political ties outperform Cold War-era unions – Chinese minister "
    "(TASS, Russian state news agency, 16 April 2023). Available at: https://tass.com/world/1605087 (Accessed: November 22, 2026)."
)


def _cited_urls(root: Path) -> set[str]:
    """Every URL under a `citations:` or `links:` key of any annotation file, read straight from the YAML."""
    urls: set[str] = set()

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                if key in ("citations", "links") and isinstance(v, dict):
                    urls.add(v["url"].strip())
                else:
                    walk(v, key)

    for path in (root / "annotations").rglob("*.yml"):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return urls


@pytest.fixture(scope="module")
def works(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("csl") / "works.json"
    assert main(["--root", str(ROOT), "export", "--csl", "-o", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_every_text_and_every_cited_work_once(works: list[dict[str, Any]]) -> None:
    texts = [w for w in works if not w["id"].startswith("cite-")]
    cited = [w for w in works if w["id"].startswith("cite-")]
    assert [w["id"] for w in texts] == sorted(p.stem for p in (ROOT / "sources").iterdir())
    assert len({w["URL"] for w in cited}) == len(cited)
    assert {w["URL"] for w in cited} == _cited_urls(ROOT)
    assert len({w["id"] for w in works}) == len(works)


def test_what_is_not_known_is_not_written(works: list[dict[str, Any]]) -> None:
    by_id = {w["id"]: w for w in works}
    euronews = by_id["euronews-2023-04-16-li-shangfu-putin"]
    assert "author" not in euronews and "URL" not in euronews
    assert euronews["issued"] == {"date-parts": [[2023, 4, 16]], "circa": True}  # inferred: marked
    repost = by_id["repost-undated-gaza-multipolar-illusion"]
    assert repost["type"] == "webpage" and not {"issued", "author", "publisher", "URL"} & set(repost)
    assert by_id["wsws-2024-02-12-dong-jun-support"]["author"] == [{"literal": "Alex Lantier"}]
    assert by_id["wsws-2024-02-12-dong-jun-support"]["issued"] == {"date-parts": [[2024, 2, 12]]}


def test_citeproc_renders_the_bibliography(works: list[dict[str, Any]]) -> None:
    import citeproc
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    style_path = Path(citeproc.__file__).parent / "data" / "styles" / "harvard-cite-them-right.csl"
    style = CitationStylesStyle(str(style_path), validate=False)
    bib = CitationStylesBibliography(style, CiteProcJSON(works), formatter.plain)
    for w in works:
        bib.register(Citation([CitationItem(w["id"])]))
    entries = [str(e) for e in bib.bibliography()]
    assert len(entries) == len(works)
    assert SYMONDS in entries
    assert TASS in entries
    assert (
        "Euronews (2023) “[Untitled Euronews report: Li Shangfu meets Putin in Moscow]”, Euronews, 16 April." in entries
    )


def test_export_needs_one_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(ROOT), "export"]) == 1
    assert capsys.readouterr().err == (
        "error: say which format: --w3c (notes as W3C Web Annotations) or --csl (bibliography)\n"
    )


def _meta(site_dir: Path, sid: str) -> dict[str, str]:
    soup = BeautifulSoup((site_dir / "sources" / sid / "index.html").read_text(encoding="utf-8"), "html.parser")
    return {m["name"]: m["content"] for m in soup.head.find_all("meta") if m.get("name", "").startswith("citation_")}


@pytest.mark.e2e
def test_source_pages_carry_the_citation_meta_tags(built_site) -> None:
    site_dir, base_url = built_site
    assert _meta(site_dir, "wsws-2023-03-23-xi-putin-moscow") == {
        "citation_title": "Chinese and Russian presidents meet as US targets both countries",
        "citation_author": "Peter Symonds",
        "citation_publication_date": "2023/03/23",
        "citation_date": "2023/03/23",
        "citation_publisher": "World Socialist Web Site",
        "citation_public_url": f"{base_url}sources/wsws-2023-03-23-xi-putin-moscow/",
    }
    # No byline, an inferred date: neither is written.
    assert _meta(site_dir, "euronews-2023-04-16-li-shangfu-putin") == {
        "citation_title": "[Untitled Euronews report: Li Shangfu meets Putin in Moscow]",
        "citation_publisher": "Euronews",
        "citation_public_url": f"{base_url}sources/euronews-2023-04-16-li-shangfu-putin/",
    }
    # Other pages have none.
    soup = BeautifulSoup((site_dir / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert not soup.head.find_all("meta", attrs={"name": lambda n: n and n.startswith("citation_")})
