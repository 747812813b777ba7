"""Training and validation curves on one plot per measure, from a fit's history (fit_resumable's, resumed epochs
included): over- or under-fitting shows at a glance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from kakite.core import plots


def train_val_curves(history: Mapping[str, Sequence[float]], measures: Sequence[str], path: Path, title: str) -> None:
    """One panel per measure in `history` (Keras names: `m` for training, `val_m` for validation), per epoch."""
    panels = {}
    for measure in measures:
        lines = {}
        for label, key, style in (("training", measure, {"marker": "."}),
                                  ("validation", f"val_{measure}", {"marker": ".", "ls": "--"})):
            if history.get(key):
                lines[label] = (range(1, len(history[key]) + 1), history[key], style)
        if lines:
            panels[measure] = lines
    plots.line_panels(panels, path, title, "epoch")
