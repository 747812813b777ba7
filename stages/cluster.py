"""cluster: the seed's writer-clustering table, for kakite's VAE and each baseline, in two protocols
(protocols.py): "seen_writers" (test images of the writers the VAEs trained on, as the seed did) and
"new_writers" (every image of the writers withheld from training).

Outputs: metrics/details/cluster.json (per protocol: rows laid out like the seed's table, with a `model`
column, and each model's K-Means AMI ratio z_style / raw pixels), metrics/cluster.json (kakite's ratio
per protocol: ami_ratio_seen, ami_ratio_new) and metrics/plots/cluster/tsne_style.png (kakite, seen writers).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.manifold import TSNE

from kakite.core import entry, plots
from kakite.core.atomic import load_npz
from kakite.core.params import load_params
from kakite.core.results import write_results
from kakite.writers import clustering, disentangle, protocols
from kakite.writers.model_dir import Stylist

SPLIT, MODEL, PLOTS = Path("data/split"), Path("data/models/vae"), Path("metrics/plots/cluster")
RATIO = "ami_ratio_style_vs_pixels_kmeans"


def _models() -> dict[str, Stylist]:
    """kakite's VAE and every baseline saved next to it by train_vae."""
    baselines = sorted(p for p in (MODEL / "baselines").glob("*") if p.is_dir())
    return {"kakite": Stylist.load(MODEL), **{p.name: Stylist.load(p) for p in baselines}}


def _images(new: np.ndarray, n: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per protocol: (images, writer names)."""
    raw = {part: load_npz(SPLIT / f"digits_{part}.npz") for part in disentangle.PARTS}
    test = raw["test"]
    seen = protocols.protocol_rows(test["writers"], np.setdiff1d(raw["train"]["writers"], new), n)
    every = {k: np.concatenate([raw[p][k] for p in disentangle.PARTS]) for k in ("images", "writers")}
    fresh = protocols.protocol_rows(every["writers"], new, n)
    chosen = {"seen_writers": (test["images"][seen], test["writers"][seen]),
              "new_writers": (every["images"][fresh], every["writers"][fresh])}
    return {name: (disentangle.digit_inputs(images), writers) for name, (images, writers) in chosen.items()
            if len(writers)}


def main() -> None:
    cfg = load_params("cluster")
    models = _models()
    new = np.asarray(models["kakite"].meta.get("new_writers", []), dtype=str)
    images, tables = _images(new, cfg.writers), {}
    for protocol, (x, writers) in images.items():
        latents = {name: stylist.encode(x) for name, stylist in models.items()}
        tables[protocol] = clustering.protocol_table(x, latents, writers, cfg.per_writer_mean, cfg.seed)
        print(f"cluster: {protocol}, {tables[protocol]['writers']} writers, K-Means AMI z_style / raw = "
              f"{tables[protocol][RATIO]}")
    x, writers = images["seen_writers"]
    z_style = models["kakite"].encode(x)[1]
    tsne = TSNE(perplexity=min(cfg.tsne_perplexity, (len(z_style) - 1) / 3), random_state=cfg.seed, init="pca")
    plots.scatter(tsne.fit_transform(z_style), np.unique(writers, return_inverse=True)[1], PLOTS / "tsne_style.png",
                  f"t-SNE of kakite's z_style, {len(np.unique(writers))} seen writers (colour = writer)", "", "",
                  legend=False)
    headline = {f"ami_ratio_{protocol.removesuffix('_writers')}": table[RATIO]["kakite"]
                for protocol, table in tables.items()}
    write_results("cluster", {"per_writer_mean": cfg.per_writer_mean, "protocols": tables}, headline)


if __name__ == "__main__":
    entry.run(main, "cluster", writes=(PLOTS, "metrics"))
