"""Process pools that leave the parent in charge: of their lifetime, and of Ctrl-C.

WHY: a SIGKILL (the OOM killer, ``kill -9``, a CI timeout) gives the parent no chance to shut its pool
down, and ProcessPoolExecutor's workers would live on as orphans, rendering for nobody while holding
CPU and memory. Each worker therefore asks, as it starts, to be killed when its parent dies: on Linux
the kernel does it (``prctl(PR_SET_PDEATHSIG, SIGKILL)``); elsewhere a daemon thread polls the parent.

A terminal's Ctrl-C reaches the whole process group. A worker that took it would print its own
KeyboardInterrupt traceback, and the pool would break under the parent. Workers are therefore born with
SIGINT blocked and ignore it from their first instruction; the parent alone answers it, by cancelling
the work not yet started.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 1.0


def parallel_map(fn: Callable, *iterables: Iterable, workers: int) -> Iterator:
    """fn(*args) for each args of zip(*iterables), computed in `workers` processes, yielded in order.

    Call it from the thread that lives as long as the work (the main thread, in kakite's stages): Linux
    ties the parent-death signal to the thread that forked the worker. Leaving early (an exception, a
    Ctrl-C, a closed generator) cancels the jobs not yet started and waits for those running.
    """
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(os.getpid(),))
    try:
        with _sigint_blocked():  # every worker, and the pool's threads, start inside submit()
            pending = deque(pool.submit(fn, *args) for args in zip(*iterables, strict=True))
        while pending:
            yield pending.popleft().result()  # popped, so a yielded result is not kept alive here
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT held back from this thread, and from the processes and threads it starts meanwhile;
    one that arrives is delivered when the block ends."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_worker(parent: int) -> None:
    """Pool initializer: leave Ctrl-C to the parent, and end when `parent` (the pid that made us) dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # also discards a SIGINT that came while blocked
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    else:
        threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before we asked
        os._exit(1)


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_POLL_SECONDS)
    os._exit(1)
