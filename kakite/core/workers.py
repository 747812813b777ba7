"""Process pools whose workers die with their parent.

WHY: a SIGKILL (the OOM killer, ``kill -9``, a CI timeout) gives the parent no chance to shut its pool
down, and ProcessPoolExecutor's workers would live on as orphans, rendering for nobody while holding
CPU and memory. Each worker therefore asks, as it starts, to be killed when its parent dies: on Linux
the kernel does it (``prctl(PR_SET_PDEATHSIG, SIGKILL)``); elsewhere a daemon thread polls the parent.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 1.0


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A ProcessPoolExecutor whose workers exit when the process that made them dies.

    Linux ties the signal to the thread that forked the worker: create and use the pool from the
    thread that lives as long as the work (the main thread, in kakite's stages).
    """
    return ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent, initargs=(os.getpid(),))


def die_with_parent(parent: int) -> None:
    """Pool initializer: arrange for this process to end when `parent` (the pid that made it) dies."""
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
