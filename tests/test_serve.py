"""`make serve`: editing a source or an annotation regenerates the pages and the preview shows it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import ROOT, free_port

pytestmark = pytest.mark.e2e

NOTE_FILE = "annotations/notes/newsweek-2022-02-28-not-allies.yml"
PAGE = "sources/newsweek-2022-02-28-not-allies/"


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.read().decode("utf-8")
    except OSError:
        return None


def _wait_for(predicate, timeout: float = 60.0, step: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def test_editing_an_annotation_updates_the_live_preview(project):
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "build_tools", "--root", str(project), "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/{PAGE}"
        first = _wait_for(lambda: _get(url))
        assert first is not None, "the preview server did not start"
        assert "A marker for the live-preview test" not in first

        path = project / NOTE_FILE
        path.write_text(
            path.read_text(encoding="utf-8")
            + "  - id: live-preview-probe\n"
            + "    quote: Chinese Citizens in Ukraine\n"
            + "    body: A marker for the live-preview test.\n"
            + "    from_texts: true\n",
            encoding="utf-8",
        )
        generated = project / "docs" / "sources" / "newsweek-2022-02-28-not-allies.md"
        assert _wait_for(lambda: "A marker for the live-preview test" in generated.read_text(encoding="utf-8"))
        assert _wait_for(lambda: "A marker for the live-preview test" in (_get(url) or ""))

        # A broken edit keeps the previous pages and says why.
        path.write_text(path.read_text(encoding="utf-8") + "  - id: [broken\n", encoding="utf-8")
        time.sleep(2)
        assert "A marker for the live-preview test" in generated.read_text(encoding="utf-8")
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "not updated: 1 error, 0 warnings (the previous pages stay in place)" in out
    assert f"preview at http://127.0.0.1:{port}/" in out
