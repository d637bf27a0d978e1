"""Live preview: our own file watcher regenerates ``docs/``; ``mkdocs serve`` reloads the browser.

The preprocessor is not a MkDocs hook (Zensical ignores hooks): it runs here, watching
``sources/`` and ``annotations/`` with watchdog, and writes only the pages whose text
changed. ``mkdocs serve`` watches ``docs/`` as usual and reloads the page. When an edit
breaks something, the problems are printed and the previous pages stay in place.

Only modifications count (created, modified, moved, deleted): regenerating reads every
file, and counting those reads (``opened``, ``closed_no_write``) as changes would
regenerate forever. SIGTERM, SIGHUP and Ctrl-C stop the watcher and ``mkdocs serve``;
on Linux the server also dies if this process is killed outright (``PR_SET_PDEATHSIG``).
MkDocs' start-up list of pages outside the nav (every generated page) is left out.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import (
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from build_tools import cache
from build_tools.errors import BuildFailed, Report
from build_tools.pipeline import RunState, run_stages
from build_tools.stages.mkdocs import mkdocs_env
from build_tools.stages.search import serve_search_index

WATCHED = ("sources", "annotations")
DEBOUNCE = 0.3
"""Seconds of quiet after the last change before regenerating (editors save in bursts)."""
MODIFICATIONS = frozenset({EVENT_TYPE_CREATED, EVENT_TYPE_MODIFIED, EVENT_TYPE_MOVED, EVENT_TYPE_DELETED})
"""The events that mean a file changed; opening, reading and closing one do not."""
OMITTED_FILES = 'The following pages exist in the docs directory, but are not included in the "nav"'
"""MkDocs' start-up listing of pages outside the nav, one line per generated page."""


class _Changes(FileSystemEventHandler):
    def __init__(self) -> None:
        self.last = 0.0
        self.lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in MODIFICATIONS or event.is_directory:
            return
        paths = (
            [event.src_path, getattr(event, "dest_path", "")]
            if event.event_type == EVENT_TYPE_MOVED
            else [event.src_path]
        )
        if all(_ignored(Path(str(p)).name) for p in paths if p):
            return
        with self.lock:
            self.last = time.monotonic()

    def take(self) -> bool:
        """True once the changes have settled; resets."""
        with self.lock:
            if self.last and time.monotonic() - self.last >= DEBOUNCE:
                self.last = 0.0
                return True
            return False


def _ignored(name: str) -> bool:
    """Editor backups, swap and temporary files."""
    return not name or name.startswith(".") or name.endswith(("~", ".swp", ".tmp"))


def regenerate(root: Path, progress: Callable[[str], None]) -> bool:
    """Run the stages up to *write* (no lock files: a preview publishes nothing); print
    problems. True on success."""
    state = RunState(root, show_problems=_print_problems)
    try:
        run_stages(state, until="write")
    except BuildFailed as exc:
        _print_problems(exc.report)
        progress(f"not updated: {exc.report.summary()} (the previous pages stay in place)")
        return False
    written = state.written.written if state.written else 0
    progress(f"regenerated in {state.elapsed():.2f} s: {written} pages changed")
    return True


def settle() -> None:
    """After a regeneration, in the live preview (:func:`build_tools.cache.keep_in_memory`):
    forget the cached values the run did not use, then collect the garbage while nobody is
    waiting and set the rest aside (:func:`build_tools.cache.set_aside`)."""
    cache.end_run()
    cache.set_aside()


def _print_problems(report: Report) -> None:
    print(report.render(), file=sys.stderr)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has Linux send the child SIGTERM when this process dies."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    parent = os.getpid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no C library to call
        return None

    def preexec() -> None:
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def _relay(stream, out) -> None:
    """Copy the server's output, leaving out MkDocs' listing of pages outside the nav."""
    skipping = False
    for line in stream:
        if OMITTED_FILES in line:
            skipping = True
            continue
        if skipping and line.lstrip().startswith("- "):
            continue
        skipping = False
        out.write(line)
        out.flush()


def serve(root: Path, *, port: int, progress: Callable[[str], None]) -> int:
    """Run the watcher and ``mkdocs serve`` until interrupted (Ctrl-C, SIGTERM or SIGHUP); both stop."""
    signal.signal(signal.SIGTERM, _interrupt)  # so that the MkDocs server is stopped too
    signal.signal(signal.SIGHUP, _interrupt)  # a closed terminal, too
    cache.keep_in_memory()  # each regeneration takes from memory what the last one read
    regenerate(root, progress)
    settle()
    cmd = [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}", "--livereload"]
    server = subprocess.Popen(
        cmd,
        cwd=root,
        env=mkdocs_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        preexec_fn=_die_with_parent(),  # called before the watcher and relay threads start
    )
    relay = threading.Thread(target=_relay, args=(server.stdout, sys.stderr), daemon=True)
    relay.start()
    progress(serve_search_index(root))
    handler = _Changes()
    observer = Observer()
    for folder in WATCHED:
        if (root / folder).is_dir():
            observer.schedule(handler, str(root / folder), recursive=True)
    observer.start()
    progress(f"watching {', '.join(WATCHED)}/ — preview at http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    try:
        while server.poll() is None:
            time.sleep(0.1)
            if handler.take():
                regenerate(root, progress)
                settle()
        return server.returncode or 0
    except KeyboardInterrupt:
        return 0
    finally:
        observer.stop()
        observer.join(timeout=5)
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        relay.join(timeout=2)
