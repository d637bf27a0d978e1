"""Shared fixtures: the project root, the real corpus, throw-away project copies, goldens."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from build_tools import cache
from build_tools.errors import Origin
from build_tools.model import Source

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite the expected files under tests/fixtures/ from the current output",
    )


@pytest.fixture(autouse=True)
def _collectable_after_each_test():
    """A run sets what it loaded aside from the garbage collector (``cache.loading``), for a
    process that ends with it; the test session goes on, so it is put back after each test."""
    yield
    cache.release()


@pytest.fixture(autouse=True)
def _every_stage(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """``preprocess`` runs every stage in a test, and ``check`` checks everything, whether or
    not only notes changed since the last run: the tests of the stages and their caches see
    them run. Whether a quick run would
    be taken depends on the files' times (build_tools.quick), so without this it would depend
    on how fast a test ran. ``tests/test_quick.py`` (marked ``quick_run``) tests the quick run."""
    if request.node.get_closest_marker("quick_run") is None:
        from build_tools import quick

        monkeypatch.setattr(quick, "quick_run", lambda state, site_url: False)
        monkeypatch.setattr(quick, "quick_check", lambda root, say: False)
    yield


@pytest.fixture(scope="session")
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture
def golden(update_goldens: bool):
    """``golden(path, actual)``: compare with the expected file, showing a unified diff."""

    def check(path: Path, actual: str) -> None:
        if update_goldens or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            if not update_goldens:
                pytest.fail(f"{path.relative_to(ROOT)} did not exist; written — review it and run again")
            return
        expected = path.read_text(encoding="utf-8")
        if expected != actual:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    actual.splitlines(keepends=True),
                    fromfile=f"expected {path.relative_to(ROOT)}",
                    tofile="actual",
                )
            )
            pytest.fail(f"output differs from the golden file (run pytest --update-goldens to accept):\n{diff}")

    return check


@pytest.fixture(scope="session")
def corpus():
    """The real project, loaded, ingested and anchored once."""
    from build_tools.pipeline import load_corpus

    return load_corpus(ROOT)


def make_source(fmt: str = "text", *, file: str = "sources/t.txt") -> Source:
    """A minimal catalog entry for tests that ingest a text directly (id ``t``)."""
    return Source(
        id="t", file=file, format=fmt, outlet="x", title=None, label="t", byline=None, date=None,
        url=None, language="en", sha256="", inferred={}, dating=None, about="", structure=(), citations=(),
        origin=Origin("annotations/sources.yml", 1),
    )  # fmt: skip


def copy_project(dest: Path, *, annotations: bool = True) -> Path:
    """A copy of the project's inputs (not .venv, site or generated pages) under ``dest``."""
    for name in ("sources", "docs", "annotations"):
        if name == "annotations" and not annotations:
            (dest / "annotations").mkdir(parents=True)
            shutil.copytree(ROOT / "annotations" / "schema", dest / "annotations" / "schema")
            continue
        shutil.copytree(
            ROOT / name,
            dest / name,
            ignore=shutil.ignore_patterns("sources", "glossary", "crossrefs", "outlets", "_partials")
            if name == "docs"
            else None,
        )
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", dest / "overrides")  # theme.custom_dir: the search box
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A throw-away copy of the whole project to run commands in."""
    return copy_project(tmp_path / "project")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory):
    """The real site, built once with `mkdocs build --strict` and served on localhost.

    Yields ``(site_dir, base_url)``. The site is built with ``SITE_URL`` set to the
    address it is served from, as a hosted site would be (instant navigation and the
    "Cite this" links depend on it).
    """
    import functools
    import http.server
    import os
    import subprocess
    import sys
    import threading

    port = free_port()
    base_url = f"http://127.0.0.1:{port}/"
    site_dir = tmp_path_factory.mktemp("site") / "site"
    env = {**os.environ, "SITE_URL": base_url, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "build_tools", "build", "--quiet", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Quiet, directory=str(site_dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site_dir, base_url
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory):
    """The hostile project of tests/hostile.py (every XSS payload in some field), built
    with the real pipeline and, if it built, served on localhost (tests/test_xss_site.py,
    tests/browser/test_xss_dom.py)."""
    from .hostile import hostile_site_fixture

    yield from hostile_site_fixture(tmp_path_factory)
