"""Work over many sources or pages on every core: forks of this process, which see what it
holds in memory (the corpus, the site context), so that only the items' numbers go to them
and only their results come back.

A cold run at 1,000 sources ingests, anchors and renders for about 20 of its 28 s; those are
independent per source and per page. :func:`map_forked` runs a function over a list in
``jobs`` forked workers when there is enough work to pay for them (:data:`MIN_ITEMS`), and in
this process otherwise: where ``fork`` is not available, in a process with other threads (the
live preview's watcher: a fork copies only the calling thread, and locks the others held), or
inside a worker. The result is the same list either way, in the same order.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 64
"""Items from which forking workers pays for starting them (about 20 ms each)."""

_work: Callable[[int], object] | None = None
"""What the workers run on each item's number: set before they are forked, so they inherit it."""
_in_worker = False


def default_jobs() -> int:
    """The cores this process may run on (``os.sched_getaffinity``), at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def usable(jobs: int, items: int) -> bool:
    """Whether :func:`map_forked` would fork ``jobs`` workers for ``items`` items."""
    return (
        jobs > 1
        and items >= MIN_ITEMS
        and not _in_worker
        and not _other_threads()
        and "fork" in multiprocessing.get_all_start_methods()
    )


def in_worker() -> bool:
    """Whether this process is a worker of :func:`map_forked`."""
    return _in_worker


def _other_threads() -> bool:
    """Whether this process runs other threads than this one (a fork would copy none of them,
    and any lock they hold would stay held in it)."""
    return threading.active_count() > 1


def _start() -> None:
    global _in_worker
    _in_worker = True
    gc.enable()  # forked where the loading stages pause it (cache.loading): a worker collects its own garbage


def _run(numbers: range) -> list[object]:
    assert _work is not None, "the work is set before the workers are forked"
    return [_work(i) for i in numbers]


def map_forked(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    jobs: int,
    progress: Callable[[int], None] | None = None,
) -> list[R]:
    """``[fn(item) for item in items]``, in ``jobs`` forked workers where :func:`usable`.

    ``fn`` and ``items`` need not be picklable (the workers inherit them); each result must
    be. ``progress`` is called with how many results are in, as chunks come back. An
    exception in a worker is raised here."""
    if not usable(jobs, len(items)):
        out = []
        for n, item in enumerate(items, 1):
            out.append(fn(item))
            if progress is not None and n % 100 == 0:
                progress(n)
        return out
    global _work
    size = max(1, len(items) // (jobs * 8))  # small enough chunks to share the load evenly
    chunks = [range(i, min(i + size, len(items))) for i in range(0, len(items), size)]
    _work = lambda i: fn(items[i])  # noqa: E731 - inherited by the forks, never pickled
    results: list[R] = []
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start) as pool:
            for chunk in pool.map(_run, chunks):
                results.extend(chunk)  # type: ignore[arg-type]
                if progress is not None:
                    progress(len(results))
    finally:
        _work = None
    return results
