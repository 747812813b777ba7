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


# Kana captions need a CJK font; matplotlib falls back along the list, so a machine without one still plots.
CJK_FONTS = ["IPAexGothic", "IPAGothic", "Noto Sans CJK JP", "DejaVu Sans"]


def captioned_grid(sections: dict[str, tuple[np.ndarray, list[str]]], path: Path, title: str,
                   cols: int = 12) -> None:
    """Blocks of captioned thumbnails, one block per section: (n,H,W) uint8 images, dark ink on white."""
    blocks = {name: max(1, -(-len(images) // cols)) for name, (images, _) in sections.items()}
    with plt.rc_context({"font.family": CJK_FONTS}):
        fig, axes = plt.subplots(sum(blocks.values()), cols, figsize=(cols * 0.8, sum(blocks.values()) * 0.95 + 0.5),
                                 squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        row = 0
        for name, (images, captions) in sections.items():
            axes[row, 0].text(-0.15, 0.5, name, transform=axes[row, 0].transAxes, rotation=90, ha="right",
                              va="center", fontsize=8)
            if not len(images):
                axes[row, 0].text(0.0, 0.5, "(none)", transform=axes[row, 0].transAxes, fontsize=8)
            for i, (image, caption) in enumerate(zip(images, captions, strict=True)):
                ax = axes[row + i // cols, i % cols]
                ax.imshow(image, cmap="gray", vmin=0, vmax=255)
                ax.set_title(caption, fontsize=8, pad=2)
            row += blocks[name]
        fig.suptitle(title, fontsize=10)
        _save(fig, path)
