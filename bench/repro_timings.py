"""`dvc repro` wall times on a fresh copy of this repository with the default params.

fresh: every stage from nothing (no outputs, an empty DVC cache; `--force`, because a stage whose only
outputs are git-tracked metrics, like cluster, would otherwise be skipped as up to date once its inputs
come out byte-identical); no-op: again, nothing to do; one param: `train_cnn.epochs` lowered by one,
which reruns train_cnn and export_tfjs only.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import yaml

from bench.workspace import make_copy, run, set_params


def _timed_repro(repo: Path, *flags: str) -> tuple[float, list[str]]:
    start = time.perf_counter()
    out = run(["dvc", "repro", *flags], repo).stdout
    return round(time.perf_counter() - start, 2), re.findall(r"Running stage '([^']+)'", out)


def repro_timings(repo: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="kakite-bench-") as tmp:
        copy = make_copy(Path(tmp), profile=None)
        fresh, fresh_stages = _timed_repro(copy, "--force")
        noop, noop_stages = _timed_repro(copy)
        epochs = yaml.safe_load((copy / "params.yaml").read_text(encoding="utf-8"))["train_cnn"]["epochs"]
        set_params(copy, {"train_cnn": {"epochs": epochs - 1}})
        one_param, one_param_stages = _timed_repro(copy)
    return {"fresh_s": fresh, "fresh_stages": fresh_stages,
            "noop_s": noop, "noop_stages": noop_stages,
            "one_param_change": f"train_cnn.epochs {epochs} -> {epochs - 1}",
            "one_param_s": one_param, "one_param_stages": one_param_stages}
