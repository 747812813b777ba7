"""Label audit: class balance, missing classes, exact duplicates, and the class weights training uses.

The seed article weighted each class by max_count / count (あ: 1,208 images → 1.06; ぽ: 261 → 4.92),
so a rare class costs as much as a common one. sklearn's "balanced" (n / (k * count)) is the same
shape scaled to mean 1; both are offered.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from kakite.core.errors import DataError


def class_counts(labels: np.ndarray, n_classes: int) -> np.ndarray:
    return np.bincount(labels.astype(np.int64), minlength=n_classes)


def require_all_classes(labels: np.ndarray, charset: str, dataset: str) -> None:
    """A class with no image can never be learned or scored: fail, naming the classes."""
    missing = [charset[i] for i, n in enumerate(class_counts(labels, len(charset))) if n == 0]
    if missing:
        raise DataError(f"{dataset}: {len(missing)} class(es) have no image: {''.join(missing)}")


def class_weights(labels: np.ndarray, n_classes: int, method: str) -> list[float]:
    """Per-class weights, indexed by class."""
    counts = class_counts(labels, n_classes)
    if method == "max_over_count":
        return [round(float(counts.max() / c), 4) for c in counts]
    weights = compute_class_weight("balanced", classes=np.arange(n_classes), y=labels.astype(np.int64))
    return [round(float(w), 4) for w in weights]


def image_hashes(images: np.ndarray) -> list[str]:
    """A content hash per image; equal hashes mean byte-identical pixels."""
    return [hashlib.blake2b(img.tobytes(), digest_size=12).hexdigest() for img in images]


def duplicate_groups(hashes: list[str]) -> list[list[int]]:
    """Row indices of every set of byte-identical images (sets of two or more)."""
    rows: dict[str, list[int]] = defaultdict(list)
    for i, h in enumerate(hashes):
        rows[h].append(i)
    return [idx for idx in rows.values() if len(idx) > 1]


def imbalance_ratio(counts: np.ndarray) -> float:
    present = counts[counts > 0]
    return round(float(present.max() / present.min()), 3) if len(present) else 0.0
