"""Live preview: our own file watcher regenerates ``docs/``; ``mkdocs serve`` reloads the browser.

The preprocessor is not a MkDocs hook (Zensical ignores hooks): it runs here, watching
``sources/`` and ``annotations/`` with watchdog, and writes only the pages whose text
changed. ``mkdocs serve`` watches ``docs/`` as usual and reloads the page. When an edit
breaks something, the problems are printed and the previous pages stay in place.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .build import mkdocs_env, preprocess, serve_search_index, write_pages
from .errors import BuildFailed

WATCHED = ("sources", "annotations")
DEBOUNCE = 0.3
"""Seconds of quiet after the last change before regenerating (editors save in bursts)."""


class _Changes(FileSystemEventHandler):
    def __init__(self) -> None:
        self.last = 0.0
        self.lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        name = Path(str(event.src_path)).name
        if event.is_directory or name.startswith(".") or name.endswith(("~", ".swp", ".tmp")):
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


def regenerate(root: Path, progress: Callable[[str], None]) -> bool:
    """Preprocess and write changed pages; print problems. True on success."""
    t0 = time.perf_counter()
    try:
        pages, corpus = preprocess(root)
    except BuildFailed as exc:
        print(exc.report.render(), file=sys.stderr)
        progress(f"not updated: {exc.report.summary()} (the previous pages stay in place)")
        return False
    if corpus.report.problems:
        print(corpus.report.render(), file=sys.stderr)
    stats = write_pages(root, pages)
    progress(f"regenerated in {time.perf_counter() - t0:.2f} s: {stats.written} pages changed")
    return True


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(root: Path, *, port: int, progress: Callable[[str], None]) -> int:
    """Run the watcher and ``mkdocs serve`` until interrupted (Ctrl-C or SIGTERM); both stop."""
    signal.signal(signal.SIGTERM, _interrupt)  # so that the MkDocs server is stopped too
    regenerate(root, progress)
    progress(serve_search_index(root))
    handler = _Changes()
    observer = Observer()
    for folder in WATCHED:
        if (root / folder).is_dir():
            observer.schedule(handler, str(root / folder), recursive=True)
    observer.start()
    cmd = [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}", "--livereload"]
    server = subprocess.Popen(cmd, cwd=root, env=mkdocs_env())
    progress(f"watching {', '.join(WATCHED)}/ — preview at http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    try:
        while server.poll() is None:
            time.sleep(0.1)
            if handler.take():
                regenerate(root, progress)
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
