"""Training machinery shared by train_cnn and train_vae: strategy, batches, epoch log, checkpoints, resume.

The resume contract: everything random in epoch e is a function of (seed, e) alone. Batch order and
augmentation come from numpy generators seeded with (seed, e[, batch]). At the start of every epoch
the TF global seed is reset from (seed, e); a model that owns its random state (the VAE) reseeds it,
and a model with Keras random layers (dropout) has its train step re-traced so their stateful
kernels restart. A run killed in epoch k+1 and resumed from the checkpoint of epoch k therefore
replays epochs k+1... exactly as the uninterrupted run did; tests/test_training.py checks it.
Under MultiWorkerMirroredStrategy every worker would write the same checkpoint directory: give
each worker its own (only the chief's matters).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf
import tf_keras as keras

from kakite.core.atomic import load_npz, write_text
from kakite.core.errors import ParamsError

STRATEGIES = ("auto", "default", "mirrored", "multiworker")
CHECKPOINT_PREFIX = "epoch-"
LOG_DECIMALS = 5
RANDOM_LAYER = keras.__internal__.layers.BaseRandomLayer  # Dropout, GaussianNoise, ...: stateful TF random ops

Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]


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
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ParamsError(f"strategy: unknown distribution strategy {name!r}; expected one of {', '.join(STRATEGIES)}")


def fingerprint(*arrays: np.ndarray) -> str:
    """A digest of the training data, for checkpoint configs: a checkpoint of other data must not resume."""
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def epoch_seed(seed: int, epoch: int) -> int:
    """A 32-bit seed for epoch `epoch` of a run seeded with `seed` (independent streams per epoch)."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


def grouped_order(groups: np.ndarray, group_size: int, rng: np.random.Generator) -> np.ndarray:
    """A permutation of range(len(groups)) made of runs of `group_size` indices from one group.

    For the VAE's writer term: a batch cut from this order holds several images of each of its
    writers. Each writer's images are shuffled and cut into runs; the runs are shuffled together.
    """
    by_group = np.argsort(groups, kind="stable")
    starts = np.flatnonzero(np.diff(groups[by_group])) + 1
    runs = []
    for members in np.split(by_group, starts):
        members = rng.permutation(members)
        runs.extend(members[i : i + group_size] for i in range(0, len(members), group_size))
    return np.concatenate([runs[i] for i in rng.permutation(len(runs))])


class AugmentedSequence(keras.utils.Sequence):
    """Batches (x, y[, weight]) in a per-epoch order, each batch of x passed through `augment(x, rng)`.

    Order and augmentation depend only on (seed, epoch, batch index), never on how many batches were
    drawn before, so a resumed run sees the batches an uninterrupted one would. `y` is an array or a
    dict of arrays (the VAE takes {"label", "writer"}). Weights: `class_weight` is a list indexed by
    class (the audit stage's), or `sample_weight` one value per sample. `order(rng)` replaces the plain
    shuffle (e.g. grouped_order). Pass this to fit with shuffle=False; fit_resumable does.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray | Mapping[str, np.ndarray],
        batch_size: int,
        seed: int,
        augment: Augment | None = None,
        class_weight: Iterable[float] | None = None,
        sample_weight: np.ndarray | None = None,
        order: Callable[[np.random.Generator], np.ndarray] | None = None,
    ) -> None:
        super().__init__()
        self.x, self.y, self.batch_size, self.seed = x, y, batch_size, seed
        self.augment = augment
        self.order = order or (lambda rng: rng.permutation(len(x)))
        self.weights = _sample_weights(y, class_weight, sample_weight)
        self.epoch = 0
        self._cached_order: tuple[int, np.ndarray] | None = None

    def set_epoch(self, epoch: int) -> None:
        """Start from `epoch` (0-based); fit's data adapter advances it through on_epoch_end."""
        self.epoch = epoch

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index: int) -> tuple:
        idx = self._epoch_order()[index * self.batch_size : (index + 1) * self.batch_size]
        xb = self.x[idx]
        if self.augment is not None:
            xb = self.augment(xb, np.random.default_rng([self.seed, self.epoch, index]))
        xb = np.asarray(xb, dtype=np.float32)
        yb = {k: v[idx] for k, v in self.y.items()} if isinstance(self.y, Mapping) else self.y[idx]
        return (xb, yb) if self.weights is None else (xb, yb, self.weights[idx])

    def on_epoch_end(self) -> None:
        self.epoch += 1

    def _epoch_order(self) -> np.ndarray:
        epoch = self.epoch
        if self._cached_order is None or self._cached_order[0] != epoch:
            rng = np.random.default_rng([self.seed, epoch])
            self._cached_order = (epoch, np.asarray(self.order(rng)))
        return self._cached_order[1]


def _sample_weights(
    y: np.ndarray | Mapping[str, np.ndarray],
    class_weight: Iterable[float] | None,
    sample_weight: np.ndarray | None,
) -> np.ndarray | None:
    if class_weight is not None and sample_weight is not None:
        raise ValueError("give class_weight or sample_weight, not both")
    if sample_weight is not None:
        return np.asarray(sample_weight, dtype=np.float32)
    if class_weight is None:
        return None
    table = np.asarray(list(class_weight), dtype=np.float32)
    labels = np.asarray(y)
    if labels.min() < 0 or labels.max() >= len(table):
        raise ValueError(f"class_weight has {len(table)} entries but labels reach {labels.max()}")
    return table[labels]


class EpochLog(keras.callbacks.Callback):
    """One CSV row per finished epoch (epoch is 1-based, then every value Keras logged, rounded).

    The whole file is rewritten atomically each epoch, so `dvc plots show` (x: epoch) never reads a
    half-written row. `rows` are the rows of epochs already done (a resumed run's, from its checkpoint).
    """

    def __init__(self, path: str | os.PathLike | None, rows: Iterable[Mapping[str, float]] = ()) -> None:
        super().__init__()
        self.path = Path(path) if path is not None else None
        self.rows: list[dict[str, float]] = [dict(row) for row in rows]

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        row = {"epoch": epoch + 1}
        row.update({key: round(float(value), LOG_DECIMALS) for key, value in (logs or {}).items()})
        self.rows.append(row)
        self.write()

    def write(self) -> None:
        if self.path is not None and self.rows:
            write_text(self.path, _format_rows(self.rows))

    def history(self) -> dict[str, list[float]]:
        """Like keras History.history, over every epoch of the run, resumed ones included."""
        return {key: [row.get(key, math.nan) for row in self.rows] for key in _columns(self.rows)}


def _columns(rows: list[dict[str, float]]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def _format_rows(rows: list[dict[str, float]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_columns(rows), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


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


class _StopAndCheckpoint(keras.callbacks.Callback):
    """Early-stopping bookkeeping, then an atomic checkpoint of weights, optimizer and TrainState."""

    def __init__(
        self, state: TrainState, log: EpochLog, directory: Path | None, monitor: str, patience: int | None
    ) -> None:
        super().__init__()
        self.state, self.log, self.directory, self.monitor, self.patience = state, log, directory, monitor, patience
        self.best_weights: list[np.ndarray] | None = None

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        state = self.state
        state.epoch, state.history = epoch + 1, self.log.rows
        if self.patience is not None:
            value = (logs or {}).get(self.monitor)
            if value is None:
                raise ValueError(f"early stopping monitors {self.monitor!r}, which the logs lack (no validation data?)")
            if value < state.best:
                state.best, state.best_epoch, state.wait = float(value), epoch + 1, 0
                self.best_weights = self.model.get_weights()
            else:
                state.wait += 1
                state.stopped = state.wait >= self.patience
                self.model.stop_training = state.stopped
        if self.directory is not None:
            save_checkpoint(self.directory, self.model, state, self.best_weights)


def fit_resumable(
    model: keras.Model,
    train: AugmentedSequence,
    validation_data: Any = None,
    *,
    epochs: int,
    seed: int,
    checkpoint_dir: str | os.PathLike | None = None,
    log_path: str | os.PathLike | None = None,
    patience: int | None = None,
    monitor: str = "val_loss",
    config: Mapping[str, Any] | None = None,
    delete_checkpoint: bool = False,
    callbacks: Iterable[keras.callbacks.Callback] = (),
    verbose: int = 2,
) -> dict[str, list[float]]:
    """model.fit that survives SIGKILL: resumes from the last complete checkpoint in `checkpoint_dir`.

    The model must be built and compiled. A checkpoint whose seed or `config` (e.g. the params block)
    differs from this call's is stale and is discarded. With `patience`, training stops after that many
    epochs without a better `monitor` and the best weights are restored at the end. Returns the
    history of all epochs, resumed ones included (the epoch log's rows). The checkpoint is removed at
    the end only if `delete_checkpoint`.
    """
    config = json.loads(json.dumps(dict(config or {})))  # tuples -> lists, as the JSON state holds them
    state, best_weights = TrainState(seed=seed, config=config), None
    directory = Path(checkpoint_dir) if checkpoint_dir is not None else None
    if directory is not None:
        latest = latest_checkpoint(directory)
        if latest is not None:
            saved = json.loads((latest / "state.json").read_text())
            if saved["seed"] == seed and saved["config"] == config:
                state, best_weights = load_checkpoint(latest, model)
            else:
                remove_checkpoints(directory)
    log = EpochLog(log_path, rows=state.history)
    log.write()  # the resumed rows: the file may be gone (dvc repro removes outputs) or hold a lost epoch
    checkpointer = _StopAndCheckpoint(state, log, directory, monitor, patience)
    checkpointer.best_weights = best_weights
    if state.epoch < epochs and not state.stopped:
        _build_optimizer(model)  # slots made now, not inside the first step (which would trace it twice)
        train.set_epoch(state.epoch)
        model.fit(
            train,
            validation_data=validation_data,
            # Arrays are validated in training-size batches (Keras would use 32); a Sequence batches itself.
            validation_batch_size=train.batch_size if isinstance(validation_data, tuple) else None,
            epochs=epochs,
            initial_epoch=state.epoch,
            shuffle=False,
            callbacks=[_EpochSeeder(seed), log, checkpointer, *callbacks],
            verbose=verbose,
        )
    if patience is not None and checkpointer.best_weights is not None:
        model.set_weights(checkpointer.best_weights)
    if delete_checkpoint and directory is not None:
        remove_checkpoints(directory)
    return log.history()


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
    optimizer = _build_optimizer(model)
    saved = _load_arrays(path / "optimizer.npz")
    if len(saved) != len(optimizer.variables):
        raise ValueError(f"{path}: the checkpoint holds {len(saved)} optimizer arrays, the optimizer has "
                         f"{len(optimizer.variables)}")
    for variable, value in zip(optimizer.variables, saved, strict=True):
        variable.assign(value)
    best = _load_arrays(path / "best.npz") if (path / "best.npz").is_file() else None
    return state, best


def _build_optimizer(model: keras.Model) -> keras.optimizers.Optimizer:
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


def train_throughput(model: keras.Model, x: Any, y: Any, batch_size: int, steps: int = 30, warmup: int = 5) -> float:
    """Images per second through model.fit's train step on in-memory batches (no augmentation)."""
    data = tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(batch_size).prefetch(2)
    model.fit(data, steps_per_epoch=warmup, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * batch_size / (time.perf_counter() - start)
