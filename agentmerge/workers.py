"""Merging many roles in worker processes (``agentmerge consolidate --jobs``).

Roles are independent: :func:`agentmerge.merge.merge_agents` of one role reads only its own
documents and returns a value, so the roles of a collection can be merged by several processes
and the results are the values one process gives (:func:`agentmerge.merge.consolidate` sorts
them). On a platform that forks (Linux), the workers inherit the parsed documents instead of
receiving them pickled; elsewhere each worker receives them once, at start. Forking a program
that runs threads of its own can deadlock (a lock held by another thread is copied held): such a
program calls with ``jobs=1``, as the command line, single-threaded, need not. On ../shared/corpus
(714 roles, 2 cores) merging takes 7.3-8.7 s in two processes against 15.0 s in one.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from agentmerge.errors import WorkerError
from agentmerge.model import AgentDoc

if TYPE_CHECKING:
    from agentmerge.merge import MergeOptions
    from agentmerge.report import MergeResult

#: The documents of the run, in each worker (set by :func:`_start`).
_DOCS: Sequence[AgentDoc] = ()


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform has one), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def merge_in_workers(
    docs: Sequence[AgentDoc], groups: Sequence[Sequence[int]], *, options: MergeOptions,
    joined: Mapping[str, str], jobs: int,
) -> Iterator[MergeResult]:
    """:func:`agentmerge.merge.merge_agents` of each role of ``groups`` in ``jobs`` processes.

    Args:
        docs: the parsed documents; ``groups`` index into them (non-empty lists).
        options: the merge options of every role.
        joined: path -> how that file joined its role, for the report.
        jobs: worker processes, at least 2.

    Yields:
        One :class:`~agentmerge.report.MergeResult` per role, the roles with most files first
        (ties in the order of ``groups``), so that no worker is left with a big one at the end.
        When the caller stops early, is interrupted (Ctrl-C) or a worker raises, the roles not
        started are dropped and the workers end with the roles they are merging. Where no
        process pool can be made (no working ``sem_open``, as in containers without
        ``/dev/shm``), the roles are merged in this process.

    Raises:
        Whatever :func:`~agentmerge.merge.merge_agents` raises in a worker;
        :class:`~agentmerge.errors.WorkerError` when a worker dies.
    """
    order = sorted(range(len(groups)), key=lambda t: (-len(groups[t]), t))
    tasks = [(list(groups[t]), options, {doc.path: joined[doc.path] for doc in (docs[n] for n in groups[t])
                                         if doc.path in joined}) for t in order]
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    # concurrent.futures, not multiprocessing.Pool: a worker that dies (killed for memory) makes
    # the pool raise BrokenProcessPool instead of waiting forever for its role
    try:
        pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start, initargs=(docs,))
    except (NotImplementedError, OSError):  # no working sem_open (a container without /dev/shm)
        from agentmerge.merge import merge_agents

        for members, options_, joined_ in tasks:
            yield merge_agents([docs[n] for n in members], options=options_, joined=joined_)
        return
    try:
        yield from pool.map(_merge, tasks)
    except BrokenProcessPool as error:
        raise WorkerError("agentmerge", f"a worker process died ({error}); --jobs 1 merges in one process") from error
    finally:
        # on Ctrl-C, an error or a caller that stops early, the roles not started are dropped
        pool.shutdown(wait=True, cancel_futures=True)


def _start(docs: Sequence[AgentDoc]) -> None:
    """Worker setup: keep the documents, and leave Ctrl-C to the parent, which drops the roles not
    started and lets the workers end with the roles they are merging (under a second)."""
    global _DOCS
    _DOCS = docs
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _merge(task: tuple[list[int], MergeOptions, dict[str, str]]) -> MergeResult:
    from agentmerge.merge import merge_agents

    members, options, joined = task
    return merge_agents([_DOCS[n] for n in members], options=options, joined=joined)
