"""Pictures of the writer models: a few writers' own digits beside each VAE's decoding of their style, and
writer clustering against the number of a writer's images averaged. Both read better than a scatter of
a hundred colours: the first shows what z_style keeps, the second how much one image tells."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from kakite.core import plots
from kakite.writers.clustering import ami_by_mean_size
from kakite.writers.model_dir import Stylist

MEAN_SIZES = (1, 2, 3, 5, 8, 13, 20, 40)  # images averaged per point in the clustering plot
# K-Means restarts per point of that plot: a curve of 8 sizes × 3 feature spaces × 2 protocols at the
# table's 10 restarts on 784 raw pixels took most of the cluster stage; 3 draw the same trend.
PLOT_RESTARTS = 3


def style_sheet(x: np.ndarray, labels: np.ndarray, writers: np.ndarray, stylists: Mapping[str, Stylist],
                styles: Mapping[str, np.ndarray], shown: int, path: Path, title: str) -> list[str]:
    """`shown` writers (spread over the names), one row each: their first image of every digit (x: model inputs,
    ink = 1), then per model its decoding of every digit in the writer's mean z_style (`styles`: each model's
    z_style of x). Returns the writers shown."""
    digits = next(iter(stylists.values())).labels
    chosen = plots.spread(writers, shown)
    rows = []
    for writer in chosen:
        theirs = writers == writer
        own = np.full((len(digits), *x.shape[1:3]), np.nan)
        for d in range(len(digits)):
            found = np.flatnonzero(theirs & (labels == d))
            if len(found):
                own[d] = x[found[0], ..., 0]
        decoded = [stylist.render(styles[name][theirs].mean(axis=0, keepdims=True), digits)
                   for name, stylist in stylists.items()]
        rows.append(np.concatenate([own, *decoded]))
    groups = {0: "their own digits"} | {len(digits) * (i + 1): f"{name}: their mean style, every digit"
                                        for i, name in enumerate(stylists)}
    plots.tile_sheet(np.asarray(rows), path, title, row_labels=[str(w) for w in chosen], col_groups=groups, zoom=1.5)
    return [str(w) for w in chosen]


def clustering_by_mean_size(protocols: Mapping[str, tuple[np.ndarray, np.ndarray, Mapping[str, np.ndarray]]],
                            seed: int, path: Path, marked: int, sizes: Sequence[int] = MEAN_SIZES) -> dict:
    """Per protocol ({name: (x, writers, {model: z_style})}): K-Means AMI against images averaged per point, for
    raw pixels and each model's z_style, one panel each; `marked` (per_writer_mean) drawn as a line."""
    panels, found = {}, {}
    for protocol, (x, writers, latents) in protocols.items():
        curves = {"raw pixels": ami_by_mean_size(x, writers, sizes, seed, PLOT_RESTARTS)}
        curves |= {f"{model} z_style": ami_by_mean_size(z, writers, sizes, seed, PLOT_RESTARTS)
                   for model, z in latents.items()}
        name = f"{protocol.replace('_', ' ')}: {len(np.unique(writers))} writers"
        panels[name] = {label: (list(c), list(c.values()), {"marker": "o", "ls": ":" if label == "raw pixels" else "-"})
                        for label, c in curves.items() if c}
        found[protocol] = curves
    plots.line_panels(panels, path, "writer clustering sharpens as more of a writer's images are averaged",
                      "images of one writer averaged per point", "K-Means AMI (K = writers)",
                      marks={"cluster.per_writer_mean": marked}, xscale="log")
    return found
