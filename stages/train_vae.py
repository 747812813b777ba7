"""train_vae: the two-bottleneck VAE on digits with writer ids, its split measures, and seed experiment I.

Outputs: data/models/vae/ (encoder.h5, decoder.h5, meta.json), metrics/vae.json,
metrics/plots/vae/training/ (DVCLive: per-epoch curves), and experiment I's PNGs (1-D z_content × 1-D
z_style, the seed's model): metrics/plots/vae/experiment1_latents.png and metrics/plots/vae/experiment1_grid.png.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kakite.core import entry, plots
from kakite.core.atomic import load_npz, write_json
from kakite.core.charset import DIGITS
from kakite.core.params import load_params
from kakite.writers import disentangle
from kakite.writers.model_dir import Stylist

SPLIT, MODEL, PLOTS, WORK = Path("data/split"), Path("data/models/vae"), Path("metrics/plots/vae"), Path("data/work")
GRID = 15  # experiment I's decoded grid is GRID × GRID over ±2 standard deviations


def _load(part: str, known: np.ndarray | None = None) -> dict:
    data = load_npz(SPLIT / f"digits_{part}.npz")
    known = np.unique(data["writers"]) if known is None else known
    return {"x": disentangle.digit_inputs(data["images"]), "y": data["labels"].astype(np.int64),
            "w": disentangle.writer_ids(data["writers"], known), "names": known}


def _experiment_1d(cfg, tr: dict, va: dict, te: dict) -> None:
    from kakite.writers.network import decode, encode_means

    model = disentangle.train(cfg, tr["x"], tr["y"], tr["w"], va["x"], va["y"], va["w"], 1, 1, "seed",
                          cfg.experiment_1d_epochs, None, WORK)
    zc, zs = encode_means(model.encoder, te["x"])
    points = np.concatenate([zc, zs], axis=1)
    plots.scatter(points, te["y"], PLOTS / "experiment1_latents.png", "test latents by digit (seed model, 1-D + 1-D)",
                  "z_content (z_a)", "z_style (z_b)")
    a = np.linspace(*np.percentile(zc, [2, 98]), GRID)
    b = np.linspace(*np.percentile(zs, [98, 2]), GRID)
    za, zb = np.meshgrid(a, b)
    images = decode(model.decoder, za.reshape(-1, 1), zb.reshape(-1, 1))[..., 0]
    plots.image_grid(images.reshape(GRID, GRID, *images.shape[1:]), PLOTS / "experiment1_grid.png",
                     "decoded over (z_content, z_style)", "z_content →", "z_style ↓")


def main() -> None:
    cfg = load_params("train_vae")
    tr = _load("train")
    va, te = _load("val", tr["names"]), _load("test", tr["names"])
    model = disentangle.train(cfg, tr["x"], tr["y"], tr["w"], va["x"], va["y"], va["w"], cfg.z_content, cfg.z_style,
                          cfg.variant, cfg.epochs, PLOTS / "training", WORK)
    scores = disentangle.evaluate(model, cfg.seed, tr, te)
    scores.update({"variant": cfg.variant, "z_content": cfg.z_content, "z_style": cfg.z_style,
                   "writers": len(tr["names"])})
    Stylist.save(MODEL, model.encoder, model.decoder, DIGITS,
                 {"variant": cfg.variant, "z_content": cfg.z_content, "z_style": cfg.z_style,
                  **disentangle.latent_summary(model, tr["x"], tr["y"])})
    if cfg.experiment_1d_epochs:
        _experiment_1d(cfg, tr, va, te)
    write_json("metrics/vae.json", scores)
    print(f"train_vae: {scores}")


if __name__ == "__main__":
    entry.run(main, "train_vae", writes=(MODEL, PLOTS, WORK, "metrics"))
