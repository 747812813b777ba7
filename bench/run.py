"""`make bench`: kakite next to its peers on this machine, written to metrics/bench.json.

Benchmarks measure; tests assert. Nothing here fails on a slow machine: it records what it saw.
Parts (all by default; `--only` reruns some and keeps the others' last results):
- accuracy: kakite, its train_cnn baselines and Zinnia on the same test items (bench/accuracy.py);
- speed: recognition latency against Zinnia, the browser page, training images/s against the seed
  model (bench/speed.py); `kakite predict` cold on one image against Zinnia's CLI, and its throughput
  on a folder of 2,000 files (bench/cli_speed.py);
- scaling: train_cnn and `kakite predict` at three data sizes, a DVC plot (bench/scaling.py);
- repro: `dvc repro` fresh, no-op and after one param change, on a fresh copy (bench/repro_timings.py).
Needs `dvc repro` first (the trained and exported models).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench import accuracy, cli_speed, repro_timings, scaling, speed
from kakite.core.atomic import load_npz, write_json
from kakite.core.params import load_params

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "metrics/bench.json"
PARTS = ("accuracy", "speed", "scaling", "repro")


def _strokes_items() -> dict:
    test = load_npz(REPO / "data/split/hiragana_test.npz")
    trajectories = accuracy.regenerate_trajectories(test, load_params("fetch", path=REPO / "params.yaml"))
    return {"images": test["images"][test["domains"] == "strokes"], "trajectories": trajectories}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), help="parts to (re)measure")
    parser.add_argument("--runs", type=int, default=3, help="scaling: runs per point, the median is kept")
    args = parser.parse_args(argv)
    parts = args.only
    results = json.loads(BENCH.read_text(encoding="utf-8")) if BENCH.is_file() and len(parts) < len(PARTS) else {}
    items = None
    if "accuracy" in parts:
        results["accuracy"], items = accuracy.compare(REPO)
    if "speed" in parts:
        from bench.browser import HIRAGANA_A

        items = items or _strokes_items()
        results["recognition"] = speed.recognition(REPO, items["images"], items["trajectories"])
        results["browser"] = speed.browser(REPO, HIRAGANA_A)
        results["browser"]["zinnia_cli_over_browser_warm"] = round(
            results["recognition"]["ms_per_character"]["zinnia_cli_batch"]
            / max(results["browser"]["warm_prediction_median_ms"], 0.01), 2)
        results["training"] = speed.training(REPO)
        runtime = REPO / "data/models/runtime/cnn"
        results["cli"] = {"cold": cli_speed.cold(REPO, runtime, items["images"][0], items["trajectories"][0]),
                          "throughput": cli_speed.throughput(REPO, runtime, items["images"])}
    if "scaling" in parts:
        results["scaling"] = scaling.scaling(REPO, args.runs)
    if "repro" in parts:
        results["dvc"] = repro_timings.repro_timings(REPO)
    write_json(BENCH, results)
    print(f"bench: wrote {BENCH.relative_to(REPO)} ({', '.join(parts)})")


if __name__ == "__main__":
    main()
