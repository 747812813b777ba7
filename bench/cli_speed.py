"""`kakite predict` as a user runs it: a fresh process each time, start-up included.

- cold: one image per process, wall time and peak resident memory, median of COLD_RUNS, next to
  Zinnia's CLI scoring the same character (its strokes) the same way. Peak memory comes from GNU time
  (Debian `time`), whose own few MiB are all a child inherits: Linux keeps a process's peak across
  fork and exec, so a child forked straight from this Python (with TensorFlow loaded, if it is) would
  report this process's size instead of its own;
- throughput: one process over a folder of THROUGHPUT_FILES PNG files, images per second.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from bench.zinnia import Zinnia
from kakite.core.errors import KakiteError

COLD_RUNS = 7
THROUGHPUT_FILES = 2000
THROUGHPUT_RUNS = 5


GNU_TIME = Path("/usr/bin/time")


def process_cost(argv: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one run of argv, which must succeed."""
    if not GNU_TIME.is_file():
        raise KakiteError(f"{GNU_TIME} missing: apt-get install time (or `make system`)")
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
        start = time.perf_counter()
        done = subprocess.run([str(GNU_TIME), "-f", "%M", "-o", report.name, *argv], cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        if done.returncode:
            raise KakiteError(f"{' '.join(argv[:6])}... exited {done.returncode}")
        return seconds, int(report.read().split()[-1]) / 1024  # %M: KiB


def kakite_predict(model: Path, *paths: Path) -> list[str]:
    return [sys.executable, "-m", "kakite.serve.cli", "predict", "--model", str(model), *map(str, paths)]


def _median_costs(argv: list[str], cwd: Path, runs: int) -> dict:
    costs = [process_cost(argv, cwd) for _ in range(runs)]
    return {"wall_ms": round(1000 * statistics.median(c[0] for c in costs), 1),
            "peak_rss_mib": round(statistics.median(c[1] for c in costs), 1)}


def cold(repo: Path, model: Path, image: np.ndarray, strokes: list, runs: int = COLD_RUNS) -> dict:
    """kakite predict on one image against zinnia on the same character, each a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "one.png"
        Image.fromarray(image).save(png)
        kakite = _median_costs(kakite_predict(model, png), repo, runs)
        zinnia = Zinnia()
        zinnia.check()
        peer = _median_costs(zinnia.argv(zinnia.write([strokes], Path(tmp) / "one.s"), 5), repo, runs)
    return {"runs": runs, "kakite_predict": kakite, "zinnia_cli": peer}


def throughput(repo: Path, model: Path, images: np.ndarray, n: int = THROUGHPUT_FILES,
               runs: int = THROUGHPUT_RUNS) -> dict:
    """One `kakite predict DIR` over n PNG files (the test images, repeated as needed)."""
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            Image.fromarray(images[i % len(images)]).save(Path(tmp) / f"{i:05d}.png")
        seconds = statistics.median(process_cost(kakite_predict(model, Path(tmp)), repo)[0] for _ in range(runs))
    return {"files": n, "runs": runs, "seconds": round(seconds, 3), "images_per_s": round(n / seconds)}
