"""Which writers the VAE may see, and which images each clustering protocol clusters.

Two protocols, for every model:
- "seen writers" (the seed article's): the `cluster.writers` writers with the most *test* images among
  those the VAE trained on. With `split.digits_group_by: none` (the default, the seed's protocol) the
  digit split is stratified per writer, so these are unseen images of writers the VAE has seen.
- "new writers": `train_vae.new_writers` writers drawn (seeded) before training and withheld from
  the VAE in every split; all their images, train, val and test, are clustered (K = their number,
  at most `cluster.writers`). This is what a deployed model meets: hands it never learned.
The draw is written into the VAE's meta.json, so the cluster stage reads the same writers back.
(With `split.digits_group_by: writer` the test writers are already unseen: both protocols then
measure new writers, the second on writers also absent from validation.)
"""

from __future__ import annotations

import numpy as np

from kakite.core.errors import ParamsError


def draw_new_writers(writers: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n writer names drawn without replacement from the distinct `writers` (sorted, so stable)."""
    names = np.unique(writers)
    if n and n > len(names) - 2:
        raise ParamsError(f"train_vae.new_writers: {n} held out of {len(names)} writers leaves too few to train on")
    return np.sort(np.random.default_rng(seed).choice(names, size=n, replace=False)) if n else names[:0]


def top_writers(writers: np.ndarray, n: int) -> np.ndarray:
    """The n writers with the most images (ties broken by writer id, so the choice is stable)."""
    names, counts = np.unique(writers, return_counts=True)
    order = sorted(range(len(names)), key=lambda i: (-counts[i], names[i]))[:n]
    return names[np.sort(order)]


def protocol_rows(writers: np.ndarray, allowed: np.ndarray, n: int) -> np.ndarray:
    """Mask of the rows whose writer is among the n most frequent of `allowed`."""
    present = writers[np.isin(writers, allowed)]
    return np.isin(writers, top_writers(present, n)) if len(present) else np.zeros(len(writers), bool)
