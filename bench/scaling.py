"""How train_cnn and `kakite predict` times grow with the data, at three sizes (a DVC plot).

train: kakite's recipe exactly as train_cnn runs it (preprocessing, augmentation, class weights,
validation), for SCALING_EPOCHS epochs on a seeded random subset of the training split.
predict: the `kakite predict` console script on that many PNG files, start-up included.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from kakite.atomic import load_npz, write_text
from kakite.dataset import select
from kakite.params import load_params
from kakite.recipes import recipe, train
from tests.pipeline import env

FRACTIONS = (0.25, 0.5, 1.0)
SCALING_EPOCHS = 2
PLOTS = Path("metrics/plots/bench")


def _write_csv(path: Path, rows: list[dict]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, buf.getvalue())


def _train_seconds(n: int, cfg, data: dict, weights: list[float]) -> float:
    keep = np.zeros(len(data["train"]["labels"]), dtype=bool)
    keep[np.random.default_rng(cfg.seed).permutation(len(keep))[:n]] = True
    subset = select(data["train"], keep)
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        train(recipe("kakite", cfg.train_domains), cfg, subset, data["val"], weights, Path(work), None)
        return time.perf_counter() - start


def _predict_seconds(repo: Path, images: np.ndarray) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        for i, image in enumerate(images):
            Image.fromarray(image).save(Path(tmp) / f"{i:05d}.png")
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "kakite"), "predict", tmp], cwd=repo, env=env(),
                       check=True, capture_output=True)
        return time.perf_counter() - start


def scaling(repo: Path) -> dict:
    cfg = load_params("train_cnn", path=repo / "params.yaml").model_copy(update={"epochs": SCALING_EPOCHS})
    data = {part: load_npz(repo / f"data/split/hiragana_{part}.npz") for part in ("train", "val", "test")}
    weights = json.loads((repo / "data/audit/class_weights.json").read_text(encoding="utf-8"))["hiragana"]
    train_rows, predict_rows = [], []
    for fraction in FRACTIONS:
        n_train = round(fraction * len(data["train"]["labels"]))
        seconds = _train_seconds(n_train, cfg, data, weights)
        train_rows.append({"images": n_train, "seconds": round(seconds, 2), "images_per_s": round(n_train / seconds)})
        n_test = round(fraction * len(data["test"]["labels"]))
        seconds = _predict_seconds(repo, data["test"]["images"][:n_test])
        predict_rows.append({"images": n_test, "seconds": round(seconds, 2), "images_per_s": round(n_test / seconds)})
    _write_csv(repo / PLOTS / "scaling_train_cnn.csv", train_rows)
    _write_csv(repo / PLOTS / "scaling_predict.csv", predict_rows)
    return {"train_cnn_epochs": SCALING_EPOCHS, "train_cnn": train_rows, "predict": predict_rows}
