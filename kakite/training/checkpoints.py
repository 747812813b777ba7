"""Atomic training checkpoints: weights, optimizer, early-stopping state and epoch log in one directory.

Keras' BackupAndRestore keeps weights, optimizer and epoch but not the rest, in files a SIGKILL can leave out
of step. Here a checkpoint is written under a temp name and renamed, so an `epoch-*` directory is always
complete; its `state.json` carries the params and data digest it was made for.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import tf_keras as keras

from kakite.core.atomic import load_npz, write_text

CHECKPOINT_PREFIX = "epoch-"


@dataclass
class TrainState:
    """What a checkpoint records besides the weights: enough to continue exactly where it stopped."""

    seed: int
    config: dict[str, Any] = field(default_factory=dict)
    epoch: int = 0  # epochs finished
    best: float = math.inf  # best monitored value so far (early stopping)
    best_epoch: int = 0
    wait: int = 0  # epochs since the best
    stopped: bool = False  # early stopping fired
    history: list[dict[str, float]] = field(default_factory=list)  # the epoch log's rows so far


def save_checkpoint(
    directory: str | os.PathLike, model: keras.Model, state: TrainState, best_weights: list[np.ndarray] | None
) -> Path:
    """Write epoch-NNNN/ (state.json, model.npz, optimizer.npz[, best.npz]) into a temp dir, then rename.

    A directory named epoch-* is therefore always complete. Older checkpoints are removed afterwards.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"{CHECKPOINT_PREFIX}{state.epoch:04d}"
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=directory))
    try:
        _save_arrays(tmp / "model.npz", model.get_weights())
        _save_arrays(tmp / "optimizer.npz", [v.numpy() for v in model.optimizer.variables])
        if best_weights is not None:
            _save_arrays(tmp / "best.npz", best_weights)
        # Not write_json: its sorted keys would reorder the log's columns on resume.
        write_text(tmp / "state.json", json.dumps(asdict(state), indent=1))
        _fsync(*tmp.iterdir(), tmp)
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        _fsync(directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    remove_checkpoints(directory, keep=final)
    return final


def remove_checkpoints(directory: str | os.PathLike, keep: Path | None = None) -> None:
    """Remove every checkpoint (and stray temp dir) in `directory` but `keep`."""
    directory = Path(directory)
    if directory.is_dir():
        for old in directory.iterdir():
            if old != keep and old.name.startswith((CHECKPOINT_PREFIX, ".tmp-")):
                shutil.rmtree(old, ignore_errors=True)


def latest_checkpoint(directory: str | os.PathLike) -> Path | None:
    """The newest complete checkpoint directory, or None."""
    directory = Path(directory)
    if not directory.is_dir():
        return None
    done = sorted(p for p in directory.glob(f"{CHECKPOINT_PREFIX}*") if (p / "state.json").is_file())
    return done[-1] if done else None


def load_checkpoint(path: str | os.PathLike, model: keras.Model) -> tuple[TrainState, list[np.ndarray] | None]:
    """Restore weights and optimizer state into the compiled `model`; return its TrainState and best weights."""
    path = Path(path)
    state = TrainState(**json.loads((path / "state.json").read_text()))
    model.set_weights(_load_arrays(path / "model.npz"))
    optimizer = build_optimizer(model)
    saved = _load_arrays(path / "optimizer.npz")
    if len(saved) != len(optimizer.variables):
        raise ValueError(f"{path}: the checkpoint holds {len(saved)} optimizer arrays, the optimizer has "
                         f"{len(optimizer.variables)}")
    for variable, value in zip(optimizer.variables, saved, strict=True):
        variable.assign(value)
    best = _load_arrays(path / "best.npz") if (path / "best.npz").is_file() else None
    return state, best


def build_optimizer(model: keras.Model) -> keras.optimizers.Optimizer:
    with model.distribute_strategy.scope():
        model.optimizer.build(model.trainable_variables)
    return model.optimizer


def _save_arrays(path: Path, arrays: list[np.ndarray]) -> None:
    np.savez(path, **{f"a{i:05d}": np.asarray(a) for i, a in enumerate(arrays)})


def _load_arrays(path: Path) -> list[np.ndarray]:
    arrays = load_npz(path)
    return [arrays[key] for key in sorted(arrays)]


def _fsync(*paths: Path) -> None:
    """Flush files and directories to disk, so a rename never publishes data still in the page cache."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
