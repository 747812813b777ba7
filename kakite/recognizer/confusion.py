"""The recogniser's mistakes as pictures: the confusion matrix with its most confused pairs marked, and a
gallery of misclassified test images per domain, one example per mistake, most frequent first."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import PowerNorm

from kakite.core import metrics, plots

MARK = "#1f5fd6"  # the marked pairs' circles and numbers


def confusion_figure(y_true: np.ndarray, y_pred: np.ndarray, charset: str, title: str, marked: int = 8):
    """The figure, and the marked pairs (metrics.top_confusions plus their row and column).

    Cells are the share of a true class's test images given each predicted class; the diagonal (right
    answers, a grey line) is left out, so that the mistakes carry the colour scale.
    """
    n = len(charset)
    counts = np.zeros((n, n), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    np.fill_diagonal(share, np.nan)
    share[share == 0] = np.nan  # blank: no image went there
    pairs = [dict(p, row=charset.index(p["true"]), col=charset.index(p["predicted"]))
             for p in metrics.top_confusions(y_true, y_pred, charset, k=marked)]
    with plt.rc_context({"font.family": plots.CJK_FONTS}):
        fig, (ax, key) = plt.subplots(1, 2, figsize=(9.6, 7.2), gridspec_kw={"width_ratios": [4, 1]})
        top = np.nanmax(share) if np.isfinite(share).any() and np.nanmax(share) > 0 else 1.0
        shown = ax.imshow(share, cmap="Reds", norm=PowerNorm(0.5, vmin=0, vmax=top), interpolation="nearest")
        ax.plot([-0.5, n - 0.5], [-0.5, n - 0.5], color="0.85", lw=0.8, zorder=0)  # the right answers' diagonal
        fig.colorbar(shown, ax=ax, fraction=0.04, pad=0.02, label="share of the true class's test images")
        ticks = np.arange(n)
        ax.set_xticks(ticks, list(charset), fontsize=6)
        ax.set_yticks(ticks, list(charset), fontsize=6)
        ax.set(xlabel="predicted", ylabel="true")
        ax.set_title(title, fontsize=11)
        lines = []
        for i, pair in enumerate(pairs, start=1):
            ax.plot(pair["col"], pair["row"], "o", ms=14, mfc="none", mec=MARK, mew=1.6)
            ax.annotate(str(i), (pair["col"], pair["row"]), xytext=(7, 7), textcoords="offset points", color=MARK,
                        fontsize=9)
            rate = pair["count"] / max(counts[pair["row"]].sum(), 1)
            lines.append(f"{i}  {pair['true']} → {pair['predicted']}   {pair['count']}  ({rate:.0%})")
        key.axis("off")
        key.text(0, 1, "most confused\n(true → predicted, images)\n\n" + "\n".join(lines or ["none"]),
                 va="top", fontsize=10, color="0.1", transform=key.transAxes, linespacing=1.6)
    return fig, pairs


def confusion_image(y_true: np.ndarray, y_pred: np.ndarray, charset: str, path: Path, title: str,
                    marked: int = 8) -> list[dict]:
    """confusion_figure, written as a PNG; returns the marked pairs."""
    fig, pairs = confusion_figure(y_true, y_pred, charset, title, marked)
    plots.save(fig, path)
    return pairs


def error_gallery(test: dict, pred: np.ndarray, charset: str, per_domain: int) -> dict[str, tuple[np.ndarray, list]]:
    """Per test domain (labelled with its accuracy), one image of each distinct mistake, most frequent first,
    captioned truth → prediction and, when it happened more than once, how often: at most `per_domain`."""
    gallery = {}
    for domain in sorted(set(test["domains"].tolist())):
        mine = test["domains"] == domain
        wrong = np.flatnonzero(mine & (test["labels"] != pred))
        pairs, first, counts = np.unique(np.stack([test["labels"][wrong], pred[wrong]], 1), axis=0,
                                         return_index=True, return_counts=True)
        order = sorted(range(len(pairs)), key=lambda i: (-counts[i], first[i]))[:per_domain]
        rows = wrong[first[order]]
        captions = [f"{charset[a]}→{charset[b]}" + (f" ×{c}" if c > 1 else "")
                    for (a, b), c in zip(pairs[order], counts[order], strict=True)]
        name = f"{domain}\n{1 - len(wrong) / max(mine.sum(), 1):.1%}, {len(wrong)} wrong"
        gallery[name] = (test["images"][rows], captions)
    return gallery
