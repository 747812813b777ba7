"""Pool workers die with their parent, even when the parent is SIGKILLed and cannot clean up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PARENT = """
import sys, time
from kakite.core.workers import worker_pool
pool = worker_pool(2)
futures = [pool.submit(time.sleep, 120) for _ in range(2)]
time.sleep(0.5)
print(*pool._processes, flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    """True while pid runs (a zombie, dead but not yet reaped by its new parent, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_sigkill_of_the_parent_takes_its_pool_workers_with_it() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(alive(pid) for pid in workers)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in workers), "orphaned pool workers still running"
    finally:
        parent.kill()
        parent.wait()
