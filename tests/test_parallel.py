"""Forked workers (build_tools.parallel): the same results, in order, as one process."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from build_tools import parallel
from build_tools.pipeline import RunState, run_stages

from .test_contrib_broken import make_case


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Fork for two items or more, whatever threads the test session runs (the children run
    only the function given), and count the pools started."""
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    monkeypatch.setattr(parallel, "_other_threads", lambda: False)
    pools: list[int] = []
    real = parallel.ProcessPoolExecutor

    class Counted(real):  # type: ignore[misc,valid-type]
        def __init__(self, *args, **kwargs) -> None:
            pools.append(kwargs["max_workers"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Counted)
    return pools


def test_map_forked_gives_the_results_in_order_from_other_processes(forks: list[int]) -> None:
    items = list(range(40))
    assert parallel.usable(2, len(items))
    pids = parallel.map_forked(lambda i: (i * i, os.getpid()), items, jobs=2)
    assert [r for r, _pid in pids] == [i * i for i in items]
    assert os.getpid() not in {pid for _r, pid in pids}  # not run here
    assert forks == [2]


def test_map_forked_raises_what_a_worker_raised(forks: list[int]) -> None:

    def fail(i: int) -> int:
        if i == 7:
            raise ValueError("item 7")
        return i

    with pytest.raises(ValueError, match="item 7"):
        parallel.map_forked(fail, list(range(20)), jobs=2)
    assert forks == [2]


def test_map_forked_stays_in_this_process_with_other_threads_or_little_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    assert not parallel.usable(2, 1) and not parallel.usable(1, 100)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert parallel._other_threads() and not parallel.usable(2, 100)
        assert {pid for pid in parallel.map_forked(lambda _i: os.getpid(), list(range(10)), jobs=2)} == {os.getpid()}
    finally:
        stop.set()
        other.join()


def _docs(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "docs").rglob("*")) if p.is_file()}


def test_a_run_on_two_cores_writes_what_a_run_on_one_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    """Every stage that forks (annotations, ingest, anchor, render, locks), cold: the same pages,
    lock files and problems."""
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    one = make_case(None, tmp_path / "one")
    two = tmp_path / "two"
    shutil.copytree(one, two)
    serial = run_stages(RunState(one, jobs=1), until="locks")
    forked = run_stages(RunState(two, jobs=2), until="locks")
    assert _docs(one) == _docs(two)
    locks = [sorted(p.read_bytes() for p in (r / "annotations" / "ids").glob("*.yml")) for r in (one, two)]
    assert locks[0] == locks[1] and locks[0]
    assert [p.render() for p in serial.report.problems] == [p.render() for p in forked.report.problems]
    assert len(forks) >= 5  # annotation files loaded and built, sources ingested and anchored, pages, locks
