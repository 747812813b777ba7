"""Resumable fits shared by train_cnn and train_vae: strategy, epoch log, early stopping, a checkpoint per epoch.

Library pieces do what they can: DVCLive writes the per-epoch metrics and plots, Keras' EarlyStopping
decides when to stop and keeps the best weights. What is kept here is what they cannot do: the atomic,
data-keyed checkpoint of kakite/training/checkpoints.py (its docstring says why not BackupAndRestore).

The resume contract: everything random in epoch e is a function of (seed, e) alone. Batch order and
augmentation come from numpy generators seeded with (seed, e[, batch]). At the start of every epoch
the TF global seed is reset from (seed, e); a model that owns its random state (the VAE) reseeds it,
and a model with Keras random layers (dropout) has its train step re-traced so their stateful
kernels restart. A run killed in epoch k+1 and resumed from the checkpoint of epoch k therefore
replays epochs k+1... exactly as the uninterrupted run did; tests/test_training.py checks it.
Under MultiWorkerMirroredStrategy (TF_CONFIG set) every worker runs the same fit on its share of each
batch; only the chief (`is_chief`) writes the epoch log and the given checkpoint directory, the others
checkpoint into their own sibling directories (kakite/training/cluster.py), which the same worker resumes.
"""

from __future__ import annotations

import functools
import json
import math
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf
import tf_keras as keras

from kakite.core.errors import ParamsError
from kakite.training.batches import AugmentedSequence
from kakite.training.checkpoints import (
    TrainState,
    build_optimizer,
    latest_checkpoint,
    load_checkpoint,
    remove_checkpoints,
    save_checkpoint,
)
from kakite.training.cluster import is_chief, worker_checkpoint_dir
from kakite.training.progress import EpochLine

STRATEGIES = ("auto", "default", "mirrored", "multiworker")
LOG_DECIMALS = 5
RANDOM_LAYER = keras.__internal__.layers.BaseRandomLayer  # Dropout, GaussianNoise, ...: stateful TF random ops


def select_strategy(name: str = "auto") -> tf.distribute.Strategy:
    """"auto": MultiWorkerMirrored when TF_CONFIG is set, Mirrored when >1 GPU is visible, else default."""
    if name == "auto":
        if os.environ.get("TF_CONFIG"):
            name = "multiworker"
        elif len(tf.config.list_physical_devices("GPU")) > 1:
            name = "mirrored"
        else:
            name = "default"
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return _multiworker_strategy()
    raise ParamsError(f"strategy: unknown distribution strategy {name!r}; expected one of {', '.join(STRATEGIES)}")


@functools.cache
def _multiworker_strategy() -> tf.distribute.Strategy:
    """One per process: it joins the TF_CONFIG cluster, which train_cnn's several fits then share."""
    return tf.distribute.MultiWorkerMirroredStrategy()


def epoch_seed(seed: int, epoch: int) -> int:
    """A 32-bit seed for epoch `epoch` of a run seeded with `seed` (independent streams per epoch)."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


class EpochLog(keras.callbacks.Callback):
    """One DVCLive step per finished epoch: every value Keras logged, rounded, one TSV per metric under
    `directory`/plots/metrics (x: step, the 0-based epoch), for `dvc plots`.

    DVCLive's own DVCLiveCallback subclasses Keras 3's Callback (tf.keras in TF 2.19), which the tf_keras
    models here do not take, hence this adapter. `rows` are the epochs already done (a resumed run's,
    from its checkpoint): they are written again, because `dvc repro` removes the plots before a stage.
    """

    def __init__(self, directory: str | os.PathLike | None, rows: Iterable[Mapping[str, float]] = ()) -> None:
        super().__init__()
        self.rows: list[dict[str, float]] = [dict(row) for row in rows]
        self.live = None
        if directory is not None:
            from dvclive import Live

            self.live = Live(os.fspath(directory), save_dvc_exp=False, dvcyaml=None, report=None)
            for row in self.rows:
                self._write(row)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        row = {"epoch": epoch + 1}
        row.update({key: round(float(value), LOG_DECIMALS) for key, value in (logs or {}).items()})
        self.rows.append(row)
        self._write(row)

    def _write(self, row: Mapping[str, float]) -> None:
        if self.live is not None:
            for key, value in row.items():
                if key != "epoch":
                    self.live.log_metric(key, value)
            self.live.next_step()

    def history(self) -> dict[str, list[float]]:
        """Like keras History.history, over every epoch of the run, resumed ones included."""
        columns = list(dict.fromkeys(key for row in self.rows for key in row))
        return {key: [row.get(key, math.nan) for row in self.rows] for key in columns}


class _EpochSeeder(keras.callbacks.Callback):
    """Make epoch e's TF randomness a function of (seed, e), however many steps ran before it.

    A model that owns its random state (a `reseed(seed)` method, like the VAE's generator) reseeds
    it. Otherwise Keras's random layers (dropout) draw from stateful kernels that only restart when
    the train step is re-traced, so it is re-traced after the global seed is reset (a few seconds
    per epoch on 2 cores; skipped for models without random layers).
    """

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.seed = seed

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        seed = epoch_seed(self.seed, epoch)
        keras.utils.set_random_seed(seed)
        if hasattr(self.model, "reseed"):
            self.model.reseed(seed)
        elif any(isinstance(layer, RANDOM_LAYER) for layer in self.model.submodules):
            self.model.make_train_function(force=True)


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """Keras' EarlyStopping (best weights kept) that starts from a checkpoint's state instead of afresh,
    and refuses to run blind when the monitored value is missing (Keras only warns)."""

    def __init__(self, monitor: str, patience: int, state: TrainState, best_weights: list[np.ndarray] | None) -> None:
        super().__init__(monitor=monitor, patience=patience, restore_best_weights=True)
        self.resumed_state, self.resumed_weights = state, best_weights

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        state = self.resumed_state
        self.wait, self.best, self.best_epoch = state.wait, state.best, state.best_epoch - 1
        self.best_weights = self.resumed_weights

    def get_monitor_value(self, logs: Mapping[str, Any] | None) -> float:
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise ValueError(f"early stopping monitors {self.monitor!r}, which the logs lack (no validation data?)")
        return value


class _Checkpoint(keras.callbacks.Callback):
    """After each epoch: an atomic checkpoint of weights, optimizer, early-stopping state and the epoch log."""

    def __init__(self, state: TrainState, log: EpochLog, directory: Path | None,
                 stopper: ResumableEarlyStopping | None) -> None:
        super().__init__()
        self.state, self.log, self.directory, self.stopper = state, log, directory, stopper

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        state, stopper = self.state, self.stopper
        state.epoch, state.history = epoch + 1, self.log.rows
        if stopper is not None:
            state.best, state.best_epoch, state.wait = float(stopper.best), stopper.best_epoch + 1, stopper.wait
            state.stopped = bool(self.model.stop_training)
        if self.directory is not None:
            save_checkpoint(self.directory, self.model, state, stopper.best_weights if stopper else None)


def replica_batch(rows: int, batch: int, replicas: int) -> int:
    """The largest batch size ≤ `batch` whose batches, the last one included, give each of `replicas` a row.

    WHY: a distributed batch is split across replicas, and a replica given no rows makes TensorFlow's
    CPU convolution fail (e.g. 161 validation rows in batches of 16 leave one row for two workers).
    """
    sizes = range(batch, replicas - 1, -1)
    return next((b for b in sizes if rows % b == 0 or rows % b >= replicas), batch)


def fit_resumable(
    model: keras.Model,
    train: AugmentedSequence,
    validation_data: Any = None,
    *,
    epochs: int,
    seed: int,
    checkpoint_dir: str | os.PathLike | None = None,
    log_dir: str | os.PathLike | None = None,
    patience: int | None = None,
    monitor: str = "val_loss",
    config: Mapping[str, Any] | None = None,
    delete_checkpoint: bool = False,
    callbacks: Iterable[keras.callbacks.Callback] = (),
    verbose: int = 2,
    label: str = "training",
) -> dict[str, list[float]]:
    """model.fit that survives SIGKILL: resumes from the last complete checkpoint in `checkpoint_dir`.

    The model must be built and compiled. A checkpoint whose seed or `config` (e.g. the params block)
    differs from this call's is stale and is discarded. With `patience`, training stops after that many
    epochs without a better `monitor` and the best weights are restored at the end. Returns the
    history of all epochs, resumed ones included (the epoch log's rows). The checkpoint is removed at
    the end only if `delete_checkpoint`. Unless `verbose` is 0, each epoch logs one line that starts with
    `label` (training/progress.py), instead of Keras' unlabelled progress.
    """
    config = json.loads(json.dumps(dict(config or {})))  # tuples -> lists, as the JSON state holds them
    state, best_weights = TrainState(seed=seed, config=config), None
    directory = worker_checkpoint_dir(Path(checkpoint_dir)) if checkpoint_dir is not None else None
    log_dir = log_dir if is_chief() else None
    if directory is not None:
        latest = latest_checkpoint(directory)
        if latest is not None:
            saved = json.loads((latest / "state.json").read_text())
            if saved["seed"] == seed and saved["config"] == config:
                state, best_weights = load_checkpoint(latest, model)
            else:
                remove_checkpoints(directory)
    log = EpochLog(log_dir, rows=state.history)
    stopper = None if patience is None else ResumableEarlyStopping(monitor, patience, state, best_weights)
    replicas = model.distribute_strategy.num_replicas_in_sync
    for sequence in (train, validation_data):
        if isinstance(sequence, AugmentedSequence):
            sequence.min_last_batch = replicas
    if state.epoch < epochs and not state.stopped:
        build_optimizer(model)  # slots made now, not inside the first step (which would trace it twice)
        train.set_epoch(state.epoch)
        model.fit(
            train,
            validation_data=validation_data,
            # Arrays are validated in training-size batches (Keras would use 32); a Sequence batches itself.
            validation_batch_size=replica_batch(len(validation_data[0]), train.batch_size, replicas)
            if isinstance(validation_data, tuple) else None,
            epochs=epochs,
            initial_epoch=state.epoch,
            shuffle=False,
            callbacks=[_EpochSeeder(seed), log, *([stopper] if stopper else []),
                       _Checkpoint(state, log, directory, stopper), *callbacks,
                       *([EpochLine(label, epochs)] if verbose else [])],
            verbose=0,
        )
    elif best_weights is not None:
        model.set_weights(best_weights)  # a finished run resumed: what EarlyStopping restored at its end
    if delete_checkpoint and directory is not None:
        remove_checkpoints(directory)
    return log.history()


def train_throughput(model: keras.Model, x: Any, y: Any, batch_size: int, steps: int = 30, warmup: int = 5) -> float:
    """Images per second through model.fit's train step on in-memory batches (no augmentation)."""
    data = tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(batch_size).prefetch(2)
    model.fit(data, steps_per_epoch=warmup, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * batch_size / (time.perf_counter() - start)
