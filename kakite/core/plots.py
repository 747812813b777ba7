"""PNG plots that DVC tracks (matplotlib, headless): the drawing primitives every stage's pictures share.
Written atomically like every artefact."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from kakite.core.atomic import atomic_path

DPI = 110  # PNG pixels per figure inch


def save(fig, path: Path) -> None:
    """Write `fig` as a PNG under `path`, atomically, and free it."""
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)


def spread(names: np.ndarray, n: int) -> np.ndarray:
    """n of the sorted distinct `names`, evenly spaced (the first and last included): variety on a sheet."""
    names = np.unique(names)
    return names[np.unique(np.linspace(0, len(names) - 1, min(n, len(names))).round().astype(int))]


def scatter(points: np.ndarray, colour: np.ndarray, path: Path, title: str, xlabel: str, ylabel: str) -> None:
    """2-D points coloured by an integer label with a legend: a few labels (digits), not a hundred writers."""
    fig, ax = plt.subplots(figsize=(6, 5))
    cmap = plt.get_cmap("tab10")
    labels = np.unique(colour)
    for i, label in enumerate(labels):
        mask = colour == label
        ax.scatter(points[mask, 0], points[mask, 1], s=6, alpha=0.7, color=cmap(i / max(len(labels) - 1, 1)),
                   label=str(label))
    ax.legend(markerscale=3, fontsize=8, loc="best")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    save(fig, path)


def image_grid(images: np.ndarray, path: Path, title: str, xlabel: str = "", ylabel: str = "") -> None:
    """A (rows, cols, H, W) array of ink=1 images shown as dark ink on white, one tile each."""
    rows, cols, h, w = images.shape
    sheet = 1.0 - images.transpose(0, 2, 1, 3).reshape(rows * h, cols * w)
    fig, ax = plt.subplots(figsize=(cols * 0.6 + 1, rows * 0.6 + 1))
    ax.imshow(sheet, cmap="gray", vmin=0, vmax=1)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xticks=[], yticks=[])
    save(fig, path)


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
        save(fig, path)


def _offsets(count: int, size: int, pad: int, group_starts: Sequence[int], group_gap: int) -> tuple[np.ndarray, int]:
    """Pixel offset of each of `count` tiles along one axis, with an extra gap before every group."""
    offsets, at = [], 0
    for i in range(count):
        at += group_gap if i in group_starts else 0
        offsets.append(at)
        at += size + pad
    return np.asarray(offsets), at - pad


def tile_sheet(tiles: np.ndarray, path: Path, title: str, *, row_labels: Sequence[str] = (),
               col_labels: Sequence[str] = (), row_groups: Mapping[int, str] | None = None,
               col_groups: Mapping[int, str] | None = None, zoom: float = 1.0) -> None:
    """A sample sheet: (rows, cols, H, W) images, ink = 1 (NaN: left blank), dark on white, `zoom` PNG pixels
    per image pixel.

    Each row and column may have a label (kana welcome); `row_groups` and `col_groups` map a first row or
    column to a header drawn in a gap before it, so that groups (domains, models) read apart.
    """
    rows, cols, h, w = tiles.shape
    row_groups, col_groups = dict(row_groups or {}), dict(col_groups or {})
    pad, head = max(2, h // 12), int(h * 0.7)
    ys, height = _offsets(rows, h, pad, list(row_groups), head)
    xs, width = _offsets(cols, w, pad, [c for c in col_groups if c], w // 2)
    top = head if col_groups else 0
    canvas = np.zeros((height + top, width))
    for r in range(rows):
        for c in range(cols):
            canvas[top + ys[r]:top + ys[r] + h, xs[c]:xs[c] + w] = np.nan_to_num(tiles[r, c])
    with plt.rc_context({"font.family": CJK_FONTS}):
        fig = plt.figure(figsize=(canvas.shape[1] * zoom / DPI, canvas.shape[0] * zoom / DPI))
        ax = fig.add_axes((0, 0, 1, 1))  # `zoom` PNG pixels per image pixel; labels land outside, in the tight box
        ax.imshow(1.0 - canvas, cmap="gray", vmin=0, vmax=1, interpolation="antialiased")
        ax.set_yticks(top + ys + h / 2, list(row_labels) or [""] * rows, fontsize=9)
        ax.set_xticks(xs + w / 2, list(col_labels) or [""] * cols, fontsize=11)
        ax.tick_params(length=0, top=not col_groups, labeltop=not col_groups, bottom=bool(col_groups),
                       labelbottom=bool(col_groups))
        for r, text in row_groups.items():
            ax.text(0, top + ys[r] - (head + pad) / 2, text, va="center", fontsize=10)
        for first, last in itertools.pairwise([*sorted(col_groups), cols]):
            ax.text((xs[first] + xs[last - 1] + w) / 2, head / 2, col_groups[first], ha="center", va="center",
                    fontsize=10)
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_title(title, fontsize=11, pad=6 if col_groups else 24)
        save(fig, path)


def line_panels(panels: Mapping[str, Mapping[str, tuple[Sequence[float], Sequence[float], dict]]], path: Path,
                title: str, xlabel: str, ylabel: str = "", marks: Mapping[str, float] | None = None,
                xscale: str = "linear") -> None:
    """Side-by-side line plots: panel title -> {line label: (x, y, matplotlib style)}; `marks` draws a
    labelled vertical line (label -> x) in every panel."""
    panels = dict(panels) or {"(nothing to plot)": {}}
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.6), squeeze=False)
    for ax, (name, lines) in zip(axes[0], panels.items(), strict=True):
        for label, (x, y, style) in lines.items():
            ax.plot(x, y, label=label, **style)
        for label, x in (marks or {}).items():
            ax.axvline(x, color="0.6", lw=1, ls=":", label=label)
        ax.set(title=name, xlabel=xlabel, ylabel=ylabel, xscale=xscale)
        if xscale == "log":  # ticks at the data's x, not at powers of ten
            ax.set_xticks(sorted({v for xs, _, _ in lines.values() for v in xs}))
            ax.xaxis.set_major_formatter("{x:g}")
            ax.minorticks_off()
        ax.grid(alpha=0.3)
        if lines:
            ax.legend(fontsize=8, loc="best")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    save(fig, path)
