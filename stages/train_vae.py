"""train_vae: the two-bottleneck VAE on digits with writer ids, its baselines, their split measures, and
seed experiment I.

The `train_vae.new_writers` writers drawn by protocols.draw_new_writers are withheld from every model
here (all splits); their names go into meta.json for the cluster stage's "new writers" protocol.

kakite's model gets the style head (kakite/writers/style_head.py) folded in; the baselines stay as trained.

Outputs: data/models/vae/ (encoder.h5, decoder.h5, meta.json; each baseline the same under
baselines/<name>/), metrics/vae.json (the leakage: digit probe on
z_style), metrics/details/vae.json (kakite's measures, each baseline's under "baselines"),
metrics/plots/vae/training/ and metrics/plots/vae/baselines/<name>/ (DVCLive: per-epoch curves), and
experiment I's PNGs (1-D z_content × 1-D z_style, the seed's model): metrics/plots/vae/experiment1_latents.png
and metrics/plots/vae/experiment1_grid.png.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kakite.core import entry, plots
from kakite.core.charset import DIGITS
from kakite.core.params import load_params
from kakite.core.results import write_results
from kakite.writers import disentangle
from kakite.writers.model_dir import Stylist

SPLIT, MODEL, PLOTS, WORK = Path("data/split"), Path("data/models/vae"), Path("metrics/plots/vae"), Path("data/work")
GRID = 15  # experiment I's decoded grid is GRID × GRID over ±2 standard deviations


def _experiment_1d(cfg, tr: dict, va: dict, te: dict) -> None:
    from kakite.writers.network import decode, encode_means

    model = disentangle.train(cfg, tr["x"], tr["y"], tr["w"], va["x"], va["y"], va["w"], 1, 1, "seed",
                              cfg.experiment_1d_epochs, None, WORK, label="train_vae experiment I")
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


def _train_and_save(cfg, parts: dict, new: np.ndarray, folder: Path, log_dir: Path, variant: str, z_content: int,
                    z_style: int, epochs: int, label: str, weights: dict | None = None,
                    with_pixels: bool = True, with_head: bool = False) -> dict:
    """Train one model on the seen writers (with the params' style head: `with_head`), save it to
    `folder` and return its measures."""
    tr, va, te = (parts[p] for p in disentangle.PARTS)
    model = disentangle.train(cfg, tr["x"], tr["y"], tr["w"], va["x"], va["y"], va["w"], z_content, z_style,
                              variant, epochs, log_dir, WORK, weights=weights, label=label)
    facts = {"variant": variant, "z_content": z_content, "z_style": z_style, "new_writers": new.tolist()}
    encoder, decoder, head = model.encoder, model.decoder, None
    if with_head:
        encoder, decoder, head_facts = disentangle.with_style_head(model, tr, cfg.erase_digit_directions,
                                                                   cfg.writer_axes, variant, z_content)
        facts, head = {**facts, **head_facts}, (encoder, decoder)
    Stylist.save(folder, encoder, decoder, DIGITS, {**facts, **disentangle.latent_summary(encoder, tr["x"], tr["y"])})
    scores = disentangle.evaluate(model, cfg.seed, tr, te, with_pixels=with_pixels, head=head)
    return {**scores, **{k: v for k, v in facts.items() if k != "new_writers"}, "epochs": epochs}


def main() -> None:
    cfg = load_params("train_vae")
    parts, new = disentangle.load_digits(SPLIT, cfg.new_writers, cfg.seed)
    scores = _train_and_save(cfg, parts, new, MODEL, PLOTS / "training", cfg.variant, cfg.z_content, cfg.z_style,
                             cfg.epochs, label=f"train_vae {cfg.variant}", with_head=True)
    scores.update({"writers": len(np.unique(parts["train"]["writers"])), "new_writers": len(new), "baselines": {}})
    (PLOTS / "baselines").mkdir(parents=True, exist_ok=True)  # a declared output: stays empty with baselines: []
    for name in cfg.baselines:  # train_vae.baselines: [] skips them (a sweep over kakite's VAE)
        base = disentangle.BASELINES[name]
        scores["baselines"][name] = _train_and_save(
            cfg, parts, new, MODEL / "baselines" / name, PLOTS / "baselines" / name, base["variant"],
            base["z_content"], base["z_style"], cfg.baseline_epochs, f"train_vae baseline {name}", base["weights"],
            with_pixels=False)
    if cfg.experiment_1d_epochs:
        _experiment_1d(cfg, parts["train"], parts["val"], parts["test"])
    write_results("vae", scores, headline={"leakage": scores["leakage_probe_style"]})
    print(f"train_vae: {scores}")


if __name__ == "__main__":
    entry.run(main, "train_vae", writes=(MODEL, PLOTS, WORK, "metrics"))
