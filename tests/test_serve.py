"""`make serve`: editing a source or an annotation regenerates the pages and the preview shows it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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


def test_editing_an_annotation_updates_the_live_preview(project, tmp_path):
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    log = tmp_path / "serve.log"  # a file, not a pipe: read while the server runs
    out_file = log.open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "build_tools", "--root", str(project), "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=out_file,
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
        refused = "not updated: 1 error, 0 warnings (the previous pages stay in place)"
        assert _wait_for(lambda: refused in log.read_text(encoding="utf-8")), log.read_text(encoding="utf-8")[-2000:]
        assert "A marker for the live-preview test" in generated.read_text(encoding="utf-8")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        out_file.close()
    out = log.read_text(encoding="utf-8")
    assert f"preview at http://127.0.0.1:{port}/" in out


# --------------------------------------------------------------------------- faults (issue 8)


def test_the_watcher_counts_modifications_not_reads(tmp_path):
    """Regenerating reads every file; those reads must not count as changes (69 regenerations in 30 s)."""
    from watchdog.events import (
        DirModifiedEvent,
        FileClosedEvent,
        FileClosedNoWriteEvent,
        FileCreatedEvent,
        FileDeletedEvent,
        FileModifiedEvent,
        FileMovedEvent,
        FileOpenedEvent,
    )

    from build_tools import serve

    handler = serve._Changes()
    path = str(tmp_path / "notes.yml")
    for event in (FileOpenedEvent(path), FileClosedNoWriteEvent(path), DirModifiedEvent(str(tmp_path))):
        handler.on_any_event(event)
    handler.on_any_event(FileModifiedEvent(str(tmp_path / ".notes.yml.swp")))
    time.sleep(serve.DEBOUNCE + 0.05)
    assert handler.take() is False
    for event in (
        FileCreatedEvent(path),
        FileModifiedEvent(path),
        FileMovedEvent(str(tmp_path / ".notes.yml.tmp"), path),
        FileDeletedEvent(path),
    ):
        handler.on_any_event(event)
        time.sleep(serve.DEBOUNCE + 0.05)
        assert handler.take() is True, event
    handler.on_any_event(FileClosedEvent(path))  # close after write: the modified event already counted
    time.sleep(serve.DEBOUNCE + 0.05)
    assert handler.take() is False


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_serve(project, port):
    return subprocess.Popen(
        [sys.executable, "-m", "build_tools", "--root", str(project), "serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_serve_regenerates_once_per_edit_and_stops_with_its_server_on_sighup(project):
    port = free_port()
    proc = _start_serve(project, port)
    try:
        assert _wait_for(lambda: _get(f"http://127.0.0.1:{port}/")), "the preview server did not start"
        (server,) = _children(proc.pid)
        path = project / NOTE_FILE
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        time.sleep(5)  # the edit, then quiet: one regeneration, not one after every read
        proc.send_signal(signal.SIGHUP)
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert out.count("regenerated in") == 2, out  # at start, and after the edit
    assert "not included in the" not in out and ".md\n" not in out, out
    assert "Traceback" not in out, out
    alive = not _wait_for(lambda: not _alive(server), timeout=10)
    if alive:
        os.kill(server, signal.SIGKILL)  # do not leave it serving
    assert not alive, "mkdocs serve outlived serve"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_server_dies_when_serve_is_killed(project):
    port = free_port()
    proc = _start_serve(project, port)
    try:
        assert _wait_for(lambda: _get(f"http://127.0.0.1:{port}/")), "the preview server did not start"
        (server,) = _children(proc.pid)
        proc.kill()  # SIGKILL: no handler runs
        proc.communicate(timeout=20)
        assert _wait_for(lambda: not _alive(server), timeout=10), "mkdocs serve outlived a killed serve"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        if "server" in locals() and _alive(server):
            os.kill(server, signal.SIGKILL)  # the test failed: do not leave it serving
