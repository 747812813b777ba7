"""How train_cnn and `kakite predict` times grow with the data, at three sizes (a DVC plot).

train: kakite's recipe exactly as train_cnn runs it (preprocessing, augmentation, class weights,
validation), for SCALING_EPOCHS epochs on a seeded random subset of the training split: a quarter,
a half, all of it.
predict: the `kakite predict` console script on 1, 4 and 16 copies of the test split as PNG files,
start-up included.
Each time is the median of `runs` runs (3 by default): fixed costs (start-up, graph tracing) take
seconds and vary.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from bench.speed import median_seconds
from bench.workspace import env
from kakite.core.atomic import load_npz, write_text
from kakite.core.params import load_params
from kakite.decode.dataset import select
from kakite.recognizer.recipes import recipe, train

FRACTIONS = (0.25, 0.5, 1.0)
PREDICT_COPIES = (1, 4, 16)
SCALING_EPOCHS = 2
PLOTS = Path("metrics/plots/bench")


def _write_csv(path: Path, rows: list[dict]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, buf.getvalue())


def _train_seconds(n: int, cfg, data: dict, weights: list[float], runs: int) -> float:
    keep = np.zeros(len(data["train"]["labels"]), dtype=bool)
    keep[np.random.default_rng(cfg.seed).permutation(len(keep))[:n]] = True
    subset = select(data["train"], keep)
    with tempfile.TemporaryDirectory() as work:
        return median_seconds(lambda: train(recipe("kakite", cfg.train_domains), cfg, subset, data["val"], weights,
                                            Path(work), None), runs)


def _predict_rows(repo: Path, images: np.ndarray, runs: int) -> list[dict]:
    """Folders of 1, 3 and 12 copies: predicting the first one, two, three folders reads 1, 4, 16 copies."""
    rows, folders, n = [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for copies in np.diff((0, *PREDICT_COPIES)):
            folder = Path(tmp) / f"part{len(folders)}"
            folder.mkdir()
            for i in range(int(copies) * len(images)):
                Image.fromarray(images[i % len(images)]).save(folder / f"{i:06d}.png")
            folders.append(str(folder))
            n += int(copies) * len(images)
            cmd = [str(Path(sys.executable).parent / "kakite"), "predict", *folders]
            seconds = median_seconds(lambda cmd=cmd: subprocess.run(cmd, cwd=repo, env=env(), check=True,
                                                                    capture_output=True), runs)
            rows.append({"images": n, "seconds": round(seconds, 2), "images_per_s": round(n / seconds)})
    return rows


def scaling(repo: Path, runs: int = 3) -> dict:
    cfg = load_params("train_cnn", path=repo / "params.yaml").model_copy(update={"epochs": SCALING_EPOCHS})
    data = {part: load_npz(repo / f"data/split/hiragana_{part}.npz") for part in ("train", "val", "test")}
    weights = json.loads((repo / "data/audit/class_weights.json").read_text(encoding="utf-8"))["hiragana"]
    train_rows = []
    for fraction in FRACTIONS:
        n_train = round(fraction * len(data["train"]["labels"]))
        seconds = _train_seconds(n_train, cfg, data, weights, runs)
        train_rows.append({"images": n_train, "seconds": round(seconds, 2), "images_per_s": round(n_train / seconds)})
    predict_rows = _predict_rows(repo, data["test"]["images"], runs)
    _write_csv(repo / PLOTS / "scaling_train_cnn.csv", train_rows)
    _write_csv(repo / PLOTS / "scaling_predict.csv", predict_rows)
    return {"train_cnn_epochs": SCALING_EPOCHS, "runs": runs, "train_cnn": train_rows, "predict": predict_rows}
