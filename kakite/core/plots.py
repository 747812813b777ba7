"""PNG plots that DVC tracks (matplotlib, headless). Written atomically like every artefact."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from kakite.core.atomic import atomic_path


def _save(fig, path: Path) -> None:
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def scatter(points: np.ndarray, colour: np.ndarray, path: Path, title: str, xlabel: str, ylabel: str,
            legend: bool = True) -> None:
    """2-D points coloured by an integer label (digits: a legend; writers: too many for one)."""
    fig, ax = plt.subplots(figsize=(6, 5))
    cmap = plt.get_cmap("tab10" if legend else "nipy_spectral")
    labels = np.unique(colour)
    for i, label in enumerate(labels):
        mask = colour == label
        ax.scatter(points[mask, 0], points[mask, 1], s=6, alpha=0.7, color=cmap(i / max(len(labels) - 1, 1)),
                   label=str(label))
    if legend:
        ax.legend(markerscale=3, fontsize=8, loc="best")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    _save(fig, path)


def image_grid(images: np.ndarray, path: Path, title: str, xlabel: str = "", ylabel: str = "") -> None:
    """A (rows, cols, H, W) array of ink=1 images shown as dark ink on white, one tile each."""
    rows, cols, h, w = images.shape
    sheet = 1.0 - images.transpose(0, 2, 1, 3).reshape(rows * h, cols * w)
    fig, ax = plt.subplots(figsize=(cols * 0.6 + 1, rows * 0.6 + 1))
    ax.imshow(sheet, cmap="gray", vmin=0, vmax=1)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xticks=[], yticks=[])
    _save(fig, path)
