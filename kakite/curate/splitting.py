"""Train/val/test assignment: stratified and seeded, writer-disjoint where asked, leak-checked.

Rules, in order:
1. Rows whose group is HELDOUT (handwriting fonts) go to test only: they measure transfer.
2. With group_by="writer", rows that carry a writer group are split by whole writers
   (GroupShuffleSplit), so test writers are never seen in training.
3. Every other row is split stratified on `strata` (the class, or the writer for the digits).
4. Byte-identical images are forced into one split (the first copy's), so the same picture can
   never be both trained on and tested; the final check proves no content hash crosses splits.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from kakite.core.errors import DataError
from kakite.core.records import HELDOUT, UNGROUPED
from kakite.curate.audit import image_hashes

SPLITS = ("train", "val", "test")
TRAIN, VAL, TEST = range(3)


def _stratified(idx: np.ndarray, strata: np.ndarray, val: float, test: float, seed: int) -> np.ndarray:
    out = np.full(len(idx), TRAIN, dtype=np.int8)
    if len(idx) == 0:
        return out
    rest, test_idx = train_test_split(np.arange(len(idx)), test_size=test, stratify=strata[idx], random_state=seed)
    _, val_idx = train_test_split(rest, test_size=val / (1 - test), stratify=strata[idx][rest], random_state=seed)
    out[test_idx], out[val_idx] = TEST, VAL
    return out


def _by_group(groups: np.ndarray, val: float, test: float, seed: int) -> np.ndarray:
    out = np.full(len(groups), TRAIN, dtype=np.int8)
    n_groups = len(set(groups.tolist()))
    if n_groups < 3:
        raise DataError(f"writer-disjoint split needs at least 3 writers, got {n_groups}")
    rest, test_idx = next(GroupShuffleSplit(1, test_size=test, random_state=seed).split(groups, groups=groups))
    inner = GroupShuffleSplit(1, test_size=val / (1 - test), random_state=seed)
    _, val_rel = next(inner.split(rest, groups=groups[rest]))
    out[test_idx], out[rest[val_rel]] = TEST, VAL
    return out


def assign(groups: np.ndarray, strata: np.ndarray, group_by: str, val: float, test: float, seed: int) -> np.ndarray:
    """Split index (TRAIN/VAL/TEST) per row."""
    split = np.full(len(groups), TEST, dtype=np.int8)
    heldout = groups == HELDOUT
    grouped = ~heldout & (groups != UNGROUPED) if group_by == "writer" else np.zeros(len(groups), bool)
    plain = ~heldout & ~grouped
    if grouped.any():
        split[grouped] = _by_group(groups[grouped], val, test, seed)
    idx = np.flatnonzero(plain)
    split[idx] = _stratified(idx, strata, val, test, seed)
    return split


def unify_duplicates(images: np.ndarray, split: np.ndarray) -> tuple[np.ndarray, int]:
    """Move every copy of a byte-identical image into its first copy's split; returns (split, moved)."""
    first: dict[str, int] = {}
    split = split.copy()
    moved = 0
    for i, h in enumerate(image_hashes(images)):
        j = first.setdefault(h, i)
        if split[i] != split[j]:
            split[i] = split[j]
            moved += 1
    return split, moved


def crossing_hashes(images: np.ndarray, split: np.ndarray) -> int:
    """How many content hashes occur in more than one split (must be 0)."""
    seen: dict[str, set[int]] = {}
    for h, s in zip(image_hashes(images), split.tolist(), strict=True):
        seen.setdefault(h, set()).add(s)
    return sum(len(s) > 1 for s in seen.values())
