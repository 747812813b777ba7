"""Batches for model.fit, in an order and with augmentation that depend only on (seed, epoch, batch).

That is what lets a killed run resume exactly (kakite/training/loop.py); `fingerprint` keys its
checkpoints on the data the batches come from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import tf_keras as keras

Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def fingerprint(*arrays: np.ndarray) -> str:
    """A digest of the training data, for checkpoint configs: a checkpoint of other data must not resume."""
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


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
        # The smallest last batch kept. fit_resumable raises it to the replica count under a multi-worker
        # strategy, where a batch with fewer rows than replicas leaves one empty and TensorFlow's CPU
        # convolution fails on it; the rows left out come back in the next epoch's order.
        self.min_last_batch = 1
        self._cached_order: tuple[int, np.ndarray] | None = None

    def set_epoch(self, epoch: int) -> None:
        """Start from `epoch` (0-based); fit's data adapter advances it through on_epoch_end."""
        self.epoch = epoch

    def __len__(self) -> int:
        full, tail = divmod(len(self.x), self.batch_size)
        return full + (tail >= self.min_last_batch)

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
