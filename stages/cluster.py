"""cluster: the seed's writer-clustering table, for kakite's VAE and each baseline, in two protocols
(protocols.py): "seen_writers" (test images of the writers the VAEs trained on, as the seed did) and
"new_writers" (every image of the writers withheld from training).

Outputs: metrics/details/cluster.json (per protocol: rows laid out like the seed's table, with a `model`
column, and each model's K-Means AMI ratio z_style / raw pixels), metrics/cluster.json (kakite's ratio
per protocol: ami_ratio_seen, ami_ratio_new), and two pictures under metrics/plots/cluster/: styles.png (a few
writers' own digits beside each VAE's decoding of their mean style, new writers when there are any) and
by_mean_size.png (K-Means AMI against the number of a writer's images averaged, per protocol).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kakite.core import entry
from kakite.core.atomic import load_npz
from kakite.core.params import load_params
from kakite.core.results import write_results
from kakite.writers import clustering, disentangle, figures, protocols
from kakite.writers.model_dir import Stylist

SPLIT, MODEL, PLOTS = Path("data/split"), Path("data/models/vae"), Path("metrics/plots/cluster")
RATIO = "ami_ratio_style_vs_pixels_kmeans"
SHOWN = 8  # writers in styles.png


def _models() -> dict[str, Stylist]:
    """kakite's VAE and every baseline saved next to it by train_vae."""
    baselines = sorted(p for p in (MODEL / "baselines").glob("*") if p.is_dir())
    return {"kakite": Stylist.load(MODEL), **{p.name: Stylist.load(p) for p in baselines}}


def _images(new: np.ndarray, n: int) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per protocol: (images, writer names, digit labels)."""
    raw = {part: load_npz(SPLIT / f"digits_{part}.npz") for part in disentangle.PARTS}
    test = raw["test"]
    seen = protocols.protocol_rows(test["writers"], np.setdiff1d(raw["train"]["writers"], new), n)
    every = {k: np.concatenate([raw[p][k] for p in disentangle.PARTS]) for k in ("images", "writers", "labels")}
    fresh = protocols.protocol_rows(every["writers"], new, n)
    chosen = {"seen_writers": {k: test[k][seen] for k in every}, "new_writers": {k: every[k][fresh] for k in every}}
    return {name: (disentangle.digit_inputs(rows["images"]), rows["writers"], rows["labels"])
            for name, rows in chosen.items() if len(rows["writers"])}


def main() -> None:
    cfg = load_params("cluster")
    models = _models()
    new = np.asarray(models["kakite"].meta.get("new_writers", []), dtype=str)
    images, tables, styles = _images(new, cfg.writers), {}, {}
    for protocol, (x, writers, _) in images.items():
        latents = {name: stylist.encode(x) for name, stylist in models.items()}
        tables[protocol] = clustering.protocol_table(x, latents, writers, cfg.per_writer_mean, cfg.seed)
        styles[protocol] = {name: z_style for name, (_, z_style) in latents.items()}
        print(f"cluster: {protocol}, {tables[protocol]['writers']} writers, K-Means AMI z_style / raw = "
              f"{tables[protocol][RATIO]}")
    shown = "new_writers" if "new_writers" in images else "seen_writers"
    x, writers, labels = images[shown]
    seen = "never trained on" if shown == "new_writers" else "trained on, their test images"
    figures.style_sheet(x, labels, writers, models, styles[shown], SHOWN, PLOTS / "styles.png",
                        f"{min(SHOWN, len(np.unique(writers)))} writers the VAEs {seen}: their digits, and each "
                        f"VAE's decoding of their mean z_style (all their images here)")
    figures.clustering_by_mean_size({p: (images[p][0], images[p][1], styles[p]) for p in images}, cfg.seed,
                                    PLOTS / "by_mean_size.png", cfg.per_writer_mean)
    headline = {f"ami_ratio_{protocol.removesuffix('_writers')}": table[RATIO]["kakite"]
                for protocol, table in tables.items()}
    write_results("cluster", {"per_writer_mean": cfg.per_writer_mean, "protocols": tables}, headline)


if __name__ == "__main__":
    entry.run(main, "cluster", writes=(PLOTS, "metrics"))
