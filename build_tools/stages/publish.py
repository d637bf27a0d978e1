"""All or nothing: stage the generated pages, build the site beside the old one, then swap.

``build`` used to write ``docs/`` before MkDocs ran, so a page that made MkDocs fail left
``docs/`` holding the new pages while the command said "nothing was written". Now:

1. a lock (``.build.lock`` in the project root) serialises builds; a second build waits
   for the first and says so;
2. the hand-written ``docs/`` and every generated page are written to a staging folder
   (``.build-*`` in the project root), and MkDocs builds from it — ``mkdocs build --strict``
   through MkDocs' own Python API (:mod:`build_tools.stages.mkdocs`), ``docs_dir`` pointing at
   the stage — into a new folder beside the published site;
3. only when that succeeded are the generated folders of ``docs/`` renamed into place, one
   folder at a time, and ``site/`` flipped to the new build: ``site`` is a symbolic link to
   ``.site-builds/<build>/``, replaced with one atomic ``rename``, so at every instant a
   complete site is in place (a kill between two steps leaves the old or the new site);
4. leftovers of killed builds (stages, unused builds) are removed by the next build.

These are steps of the build's stages (:data:`build_tools.pipeline.STAGES`): *write* opens the
build (:func:`open_build`, the lock held until the run ends) and stages the pages, *mkdocs*
builds, *search* indexes the new site, *publish* swaps it in (:func:`put_in_place`).

Errors while writing (a full disk, permissions) are reported as :class:`UserError`
naming the file, and leave ``docs/`` and ``site/`` as they were.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from build_tools import paths
from build_tools.errors import BuildFailed, Origin, Report, UserError
from build_tools.stages.mkdocs import mkdocs_env

LOCK_NAME = ".build.lock"
STAGE_PREFIX = ".build-"


def builds_dir(site_dir: Path) -> Path:
    """Where the builds behind the ``site_dir`` link live: ``.site-builds/`` beside it."""
    return site_dir.with_name(f".{site_dir.name}-builds")


@contextlib.contextmanager
def build_lock(root: Path, *, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the project's build lock; wait, saying so, while another build holds it."""
    path = root / LOCK_NAME
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            say(f"another build is running in this folder ({holder}); waiting for it to finish…")
            fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}\n")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


def remove_leftovers(root: Path, site_dir: Path) -> int:
    """Delete stages of killed builds and builds no longer published; return how many."""
    removed = 0
    for stage in root.glob(f"{STAGE_PREFIX}*"):
        if stage.is_dir() and not stage.is_symlink():
            shutil.rmtree(stage, ignore_errors=True)
            removed += 1
    legacy = [p for p in root.glob(".site-*") if not p.name.endswith("-builds")]  # older versions' temp folders
    for path in [*legacy, site_dir.with_name(site_dir.name + ".old")]:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    for link in site_dir.parent.glob(f".{site_dir.name}.link-*"):
        if link.is_symlink():
            link.unlink()
    builds = builds_dir(site_dir)
    current = site_dir.resolve() if site_dir.is_symlink() else None
    if builds.is_dir():
        for build in builds.iterdir():
            if build.resolve() != current:
                shutil.rmtree(build, ignore_errors=True)
                removed += 1
    return removed


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def stage_docs(root: Path, stage: Path, pages: Mapping[str, str]) -> Path:
    """Copy the hand-written ``docs/`` and write every generated page into ``stage/docs``."""
    docs = root / "docs"
    dest = stage / "docs"
    shutil.copytree(docs, dest, ignore=lambda folder, names: paths.GENERATED_DIRS if Path(folder) == docs else ())
    for rel, content in pages.items():
        _write(dest / rel, content.encode("utf-8"))
    return dest


def run_mkdocs(root: Path, *, docs_dir: Path, site_dir: Path, cwd: Path) -> None:
    """``mkdocs build --strict`` of ``root/mkdocs.yml`` with ``docs_dir`` into ``site_dir``.

    Raises :class:`BuildFailed` with MkDocs' own messages if the build fails.
    """
    cmd = [
        sys.executable, "-m", "build_tools.stages.mkdocs",
        "--config", str(root / "mkdocs.yml"), "--docs-dir", str(docs_dir), "--site-dir", str(site_dir),
    ]  # fmt: skip
    env = {**mkdocs_env(), "PYTHONPATH": _package_path()}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        report = Report()
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
        report.error(
            Origin("mkdocs.yml"),
            "mkdocs build --strict failed; docs/ and site/ are unchanged",
            details=[ln.replace(str(docs_dir), "docs") for ln in lines[-40:]],
            hint="the messages above name the page and link; run `python -m build_tools check` and report "
            "what it missed",
            code="mkdocs",
        )
        raise BuildFailed(report)


def _package_path() -> str:
    here = str(Path(__file__).resolve().parents[2])
    return os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)


def swap_docs(root: Path, staged_docs: Path, trash: Path) -> None:
    """Rename each generated folder of ``staged_docs`` into ``docs/`` (the old one into ``trash``)."""
    docs = root / "docs"
    trash.mkdir(exist_ok=True)
    for name in paths.GENERATED_DIRS:
        new, live = staged_docs / name, docs / name
        if live.exists() or live.is_symlink():
            os.replace(live, trash / name)
        if new.exists():
            os.replace(new, live)


def flip_site(site_dir: Path, build: Path) -> None:
    """Point ``site_dir`` at ``build`` with one atomic rename of a symbolic link."""
    target = os.path.relpath(build, site_dir.parent)
    link = site_dir.with_name(f".{site_dir.name}.link-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    os.symlink(target, link, target_is_directory=True)
    if site_dir.exists() and not site_dir.is_symlink():
        # A site built before builds were swapped: keep it as a build until the link is in place.
        os.replace(site_dir, builds_dir(site_dir) / f"previous-{int(time.time())}")
    os.replace(link, site_dir)


@dataclass(slots=True)
class Build:
    """One site build in progress: its staging folder and the folder MkDocs builds into."""

    root: Path
    site_dir: Path
    stage: Path
    folder: Path | None = None
    """The new site, once the pages are staged."""
    placing: bool = False
    """Set once the swap began: from then on the new site is not removed on an error."""

    @property
    def staged_docs(self) -> Path:
        return self.stage / "docs"


@contextlib.contextmanager
def open_build(root: Path, site_dir: Path, *, say: Callable[[str], None]) -> Iterator[Build]:
    """Hold the build lock and a fresh staging folder for the stages of one build.

    On an error before :func:`put_in_place`, the new site is removed; the stage always is,
    and after a success so are the leftovers of earlier builds.
    """
    with build_lock(root, say=say):
        removed = remove_leftovers(root, site_dir)
        if removed:
            say(f"removed {removed} folders left by earlier builds")
        build = Build(root, site_dir, Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=root)))
        try:
            yield build
        except BaseException:
            if build.folder is not None and not build.placing:
                shutil.rmtree(build.folder, ignore_errors=True)
            raise
        finally:
            shutil.rmtree(build.stage, ignore_errors=True)
        remove_leftovers(root, site_dir)


def stage_pages(build: Build, pages: Mapping[str, str]) -> None:
    """Write the staging copy of ``docs/`` and make the new site's folder."""
    try:
        stage_docs(build.root, build.stage, pages)
        builds = builds_dir(build.site_dir)
        builds.mkdir(parents=True, exist_ok=True)
        build.folder = Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=builds))
    except OSError as exc:
        raise _write_error(exc) from None


def build_site(build: Build) -> None:
    """MkDocs from the staged docs into the new site's folder."""
    assert build.folder is not None
    run_mkdocs(build.root, docs_dir=build.staged_docs, site_dir=build.folder, cwd=build.stage)


def put_in_place(build: Build) -> None:
    """Swap the generated ``docs/`` folders and then ``site/`` to the new build."""
    assert build.folder is not None
    build.placing = True
    try:
        swap_docs(build.root, build.staged_docs, build.stage / "old-docs")
        flip_site(build.site_dir, build.folder)
    except OSError as exc:  # renames within one file system: not expected to fail
        raise UserError(f"the build succeeded but could not be put in place: {exc}") from None


def _write_error(exc: OSError) -> UserError:
    where = f" ({exc.filename})" if exc.filename else ""
    return UserError(f"cannot write the build: {exc.strerror or exc}{where}; docs/ and site/ are unchanged")
