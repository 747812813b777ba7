"""One labelled log line per epoch, in place of Keras' own progress output.

A stage trains several models in one process (train_cnn: its recipe and each baseline; train_vae: the
VAE, its baselines and experiment I). Keras prints `Epoch 3/12` and a row of numbers that name no model,
so in `dvc repro` or `dvc exp run` output nobody can tell a baseline's epochs from the main model's.
Every line written here starts with the model's label.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO

import tf_keras as keras


def epoch_line(label: str, epoch: int, epochs: int, seconds: float, logs: Mapping[str, Any]) -> str:
    """`label: epoch 3/12, 5.2 s, loss 0.4123, val_loss 0.5011` (epoch is 1-based)."""
    values = ", ".join(f"{key} {float(value):.4g}" for key, value in logs.items())
    return f"{label}: epoch {epoch}/{epochs}, {seconds:.1f} s" + (f", {values}" if values else "")


class EpochLine(keras.callbacks.Callback):
    """Writes epoch_line() to `stream` at the end of every epoch."""

    def __init__(self, label: str, epochs: int, stream: TextIO | None = None) -> None:
        super().__init__()
        self.label, self.epochs, self.stream = label, epochs, stream
        self._started = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        line = epoch_line(self.label, epoch + 1, self.epochs, time.perf_counter() - self._started, logs or {})
        print(line, file=self.stream or sys.stdout, flush=True)
