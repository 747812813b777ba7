"""Pool workers die with their parent, even when the parent is SIGKILLed and cannot clean up; and a
Ctrl-C to the whole process group ends the parent with its one line, never a worker's traceback."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import as_from_a_terminal

REPO = Path(__file__).resolve().parents[1]
SLEEPERS = """
import time
from kakite.core.workers import parallel_map
print(list(parallel_map(time.sleep, [120, 120], workers=2)))
"""
BUSY = """
import time
from kakite.core.entry import run
from kakite.core.workers import parallel_map
def main():
    print("ready", flush=True)
    for _ in parallel_map(time.sleep, [0.002] * 20000, workers=2):
        pass
run(main, "busy")
"""


def alive(pid: int) -> bool:
    """True while pid runs (a zombie, dead but not yet reaped by its new parent, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_sigkill_of_the_parent_takes_its_pool_workers_with_it() -> None:
    parent = subprocess.Popen([sys.executable, "-c", SLEEPERS], cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while len(workers := children(parent.pid)) < 2:
            assert time.monotonic() < deadline, "the pool's workers never started"
            time.sleep(0.1)
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


def test_ctrl_c_at_any_moment_ends_the_parent_with_one_line() -> None:
    """SIGINT to the process group while the jobs are submitted and the workers start, or mid-run."""
    rng = random.Random(0)
    for delay in [0.0, 0.01, 0.05] + [rng.uniform(0, 1.5) for _ in range(7)]:
        proc = subprocess.Popen([sys.executable, "-c", BUSY], cwd=REPO, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True,
                                preexec_fn=as_from_a_terminal)
        assert proc.stdout.readline() == "ready\n"
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert (proc.returncode, err) == (130, "busy: interrupted\n"), f"SIGINT {delay:.2f}s after start"
