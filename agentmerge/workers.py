"""Independent tasks in worker processes (``agentmerge consolidate --jobs``, ``dedup --jobs``).

Merging one role (:func:`agentmerge.merge.merge_agents`) and aligning one file's rules with
themselves (:func:`agentmerge.align.align_items`) read only their own inputs and return values,
so several processes can do them and the results are the values one process gives. On a
platform that forks (Linux), the workers inherit the inputs (the parsed documents, the rules)
instead of receiving them pickled; elsewhere each worker receives them once, at start. Forking a
program that runs threads of its own can deadlock (a lock held by another thread is copied
held): such a program calls with ``jobs=1``, as the command line, single-threaded, need not.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from agentmerge.errors import WorkerError
from agentmerge.model import AgentDoc

if TYPE_CHECKING:
    from agentmerge.align import Contradiction, Group, Item
    from agentmerge.merge import MergeOptions
    from agentmerge.report import MergeResult

Task = TypeVar("Task")
Result = TypeVar("Result")

#: What every worker shares (set by :func:`_start`): the inputs the tasks index into.
_SHARED: Any = None
#: Tasks a worker takes at a time: each hand-over costs an exchange with the parent. On
#: ../shared/corpus (2 cores): merging its 714 roles takes 6.2 s in chunks of 1, 5.7 s in chunks
#: of 4, 5.3 s in chunks of 8 (10.1-11.0 s in one process); aligning its 1,136 distinct bodies
#: for dedup 4.6 s in chunks of 1, 3.7 s in chunks of 8 (5.3-5.5 s in one process).
CHUNK = 8


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform has one), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def run_in_workers(work: Callable[[Any, Task], Result], tasks: Sequence[Task], *, shared: Any,
                   jobs: int) -> Iterator[Result]:
    """``work(shared, task)`` for each of ``tasks``, in ``jobs`` worker processes.

    Args:
        work: a module-level function (workers find it by name), pure in its arguments.
        tasks: small picklable values; results come back pickled, so they should be small too.
        shared: the inputs the tasks index into, inherited by forked workers.
        jobs: worker processes, at least 2.

    Yields:
        The results in the order of ``tasks``. When the caller stops early, is interrupted
        (Ctrl-C) or a task raises, the tasks not started are dropped and the workers end with the
        tasks they are doing. Where no process pool can be made (no working ``sem_open``, as in
        containers without ``/dev/shm``), the tasks run in this process.

    Raises:
        Whatever ``work`` raises; :class:`~agentmerge.errors.WorkerError` when a worker dies.
    """
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    # concurrent.futures, not multiprocessing.Pool: a worker that dies (killed for memory) makes
    # the pool raise BrokenProcessPool instead of waiting forever for its task
    try:
        pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start, initargs=(shared,))
    except (NotImplementedError, OSError):  # no working sem_open (a container without /dev/shm)
        for task in tasks:
            yield work(shared, task)
        return
    try:
        yield from pool.map(partial(_call, work), tasks, chunksize=CHUNK)
    except BrokenProcessPool as error:
        raise WorkerError("agentmerge", f"a worker process died ({error}); --jobs 1 works in one process") from error
    finally:
        # on Ctrl-C, an error or a caller that stops early, the tasks not started are dropped
        pool.shutdown(wait=True, cancel_futures=True)


def merge_in_workers(
    docs: Sequence[AgentDoc], groups: Sequence[Sequence[int]], *, options: MergeOptions,
    joined: Mapping[str, str], jobs: int,
) -> Iterator[MergeResult]:
    """:func:`agentmerge.merge.merge_agents` of each role of ``groups`` in ``jobs`` processes
    (:func:`run_in_workers`).

    Args:
        docs: the parsed documents; ``groups`` index into them (non-empty lists).
        options: the merge options of every role.
        joined: path -> how that file joined its role, for the report.
        jobs: worker processes, at least 2.

    Yields:
        One :class:`~agentmerge.report.MergeResult` per role, the roles with most files first
        (ties in the order of ``groups``), so that no worker is left with a big one at the end.
    """
    order = sorted(range(len(groups)), key=lambda t: (-len(groups[t]), t))
    tasks = [(list(groups[t]), options, {doc.path: joined[doc.path] for doc in (docs[n] for n in groups[t])
                                         if doc.path in joined}) for t in order]
    return run_in_workers(_merge, tasks, shared=docs, jobs=jobs)


def align_in_workers(bodies: Sequence[tuple[Item, ...]], *, jobs: int,
                     strict_repeats: bool) -> Iterator[tuple[tuple[Group, ...], tuple[Contradiction, ...]]]:
    """:func:`agentmerge.align.align_items` of the rules of each one-document body, in ``jobs``
    processes (:func:`run_in_workers`): only the groups and contradictions come back.

    Yields:
        ``(groups, contradictions)`` per body, in the order of ``bodies``.
    """
    return run_in_workers(partial(_align, strict_repeats=strict_repeats), range(len(bodies)), shared=bodies,
                          jobs=jobs)


def _start(shared: Any) -> None:
    """Worker setup: keep the shared inputs, and leave Ctrl-C to the parent, which drops the tasks
    not started and lets the workers end with the tasks they are doing (under a second)."""
    global _SHARED
    _SHARED = shared
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call(work: Callable[[Any, Any], Any], task: Any) -> Any:
    return work(_SHARED, task)


def _merge(docs: Sequence[AgentDoc], task: tuple[list[int], MergeOptions, dict[str, str]]) -> MergeResult:
    from agentmerge.merge import merge_agents

    members, options, joined = task
    return merge_agents([docs[n] for n in members], options=options, joined=joined)


def _align(bodies: Sequence[tuple[Item, ...]], body: int, *,
           strict_repeats: bool) -> tuple[tuple[Group, ...], tuple[Contradiction, ...]]:
    from agentmerge.align import align_items

    alignment = align_items(bodies[body], documents=1, strict_repeats=strict_repeats)
    return alignment.groups, alignment.contradictions
