"""Train/val/test assignment: held-out rows, writer-disjointness, stratification, seeds, leaks."""

import numpy as np
import pytest

from kakite.core.errors import DataError
from kakite.core.records import HELDOUT, UNGROUPED
from kakite.curate.splitting import TEST, TRAIN, VAL, assign, crossing_hashes, unify_duplicates

N_CLASSES = 5


def mixed_rows(writers: int = 10, per_writer: int = 10, typeset: int = 20, heldout: int = 6):
    """Groups and class strata: stroke writers (each writes every class twice), typeset and held-out rows."""
    groups = [f"w{w:02d}" for w in range(writers) for _ in range(per_writer)]
    groups += [UNGROUPED] * (typeset * N_CLASSES) + [HELDOUT] * heldout
    strata = np.arange(len(groups)) % N_CLASSES
    return np.array(groups), strata


def split_of(group_by: str = "writer", seed: int = 0, **rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    groups, strata = mixed_rows(**rows)
    return groups, strata, assign(groups, strata, group_by, val=0.15, test=0.2, seed=seed)


def stroke_rows(groups: np.ndarray) -> np.ndarray:
    return (groups != HELDOUT) & (groups != UNGROUPED)


@pytest.mark.parametrize("group_by", ["writer", "none"])
def test_heldout_rows_all_go_to_test(group_by):
    groups, _, split = split_of(group_by)
    assert (split[groups == HELDOUT] == TEST).all()


def test_every_row_gets_a_split():
    _, _, split = split_of()
    assert set(split.tolist()) == {TRAIN, VAL, TEST}
    assert split.dtype == np.int8


def test_writer_disjoint():
    groups, _, split = split_of("writer")
    in_split = {k: set(groups[stroke_rows(groups) & (split == k)].tolist()) for k in (TRAIN, VAL, TEST)}
    assert in_split[TRAIN] and in_split[VAL] and in_split[TEST]
    assert not in_split[TRAIN] & in_split[TEST]
    assert not in_split[TRAIN] & in_split[VAL]
    assert not in_split[VAL] & in_split[TEST]


def test_group_by_none_mixes_writers():
    groups, _, split = split_of("none")
    train = set(groups[stroke_rows(groups) & (split == TRAIN)].tolist())
    test = set(groups[stroke_rows(groups) & (split == TEST)].tolist())
    assert train & test  # the seed's protocol: the same writers on both sides


def test_stratified_every_class_in_every_split():
    # 20 typeset rows per class: test 20 % -> 4 per class, val 15 % -> 3 per class.
    groups, strata, split = split_of("writer")
    typeset = groups == UNGROUPED
    for k, expected in ((TRAIN, 13), (VAL, 3), (TEST, 4)):
        counts = np.bincount(strata[typeset & (split == k)], minlength=N_CLASSES)
        assert counts.tolist() == [expected] * N_CLASSES


def test_deterministic_for_a_seed_and_different_for_another():
    _, _, a = split_of(seed=3)
    _, _, b = split_of(seed=3)
    _, _, c = split_of(seed=4)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()


def test_writer_split_needs_three_writers():
    groups = np.array(["w0"] * 5 + ["w1"] * 5)
    with pytest.raises(DataError, match="at least 3 writers, got 2"):
        assign(groups, np.zeros(10, int), "writer", 0.15, 0.2, 0)


def test_three_writers_are_enough_one_per_split():
    groups = np.array(["w0"] * 4 + ["w1"] * 4 + ["w2"] * 4)
    split = assign(groups, np.zeros(12, int), "writer", 0.15, 0.2, 0)
    assert sorted(np.bincount(split, minlength=3).tolist()) == [4, 4, 4]


def images_with_copies(rng: np.random.Generator, n: int, copies: dict[int, list[int]]) -> np.ndarray:
    images = rng.integers(0, 256, (n, 6, 6), dtype=np.uint8)
    for original, dups in copies.items():
        images[dups] = images[original]
    return images


def test_crossing_hashes_detects_a_planted_crossing():
    images = images_with_copies(np.random.default_rng(0), 6, {0: [4]})
    split = np.array([TRAIN, TRAIN, VAL, TEST, TRAIN, TEST], np.int8)
    assert crossing_hashes(images, split) == 0  # the copy sits in the same split
    split[4] = TEST
    assert crossing_hashes(images, split) == 1


def test_unify_duplicates_moves_copies_to_the_first_copy_split():
    images = images_with_copies(np.random.default_rng(1), 8, {1: [3, 6], 2: [7]})
    split = np.array([TRAIN, VAL, TEST, TRAIN, TEST, TRAIN, VAL, TEST], np.int8)
    #                        ^1 (VAL): copies 3 (TRAIN) and 6 (VAL); ^2 (TEST): copy 7 (TEST)
    assert crossing_hashes(images, split) == 1
    unified, moved = unify_duplicates(images, split)
    assert moved == 1
    assert unified.tolist() == [TRAIN, VAL, TEST, VAL, TEST, TRAIN, VAL, TEST]
    assert crossing_hashes(images, unified) == 0
    assert split[3] == TRAIN  # the input is not modified


def test_unify_duplicates_counts_every_moved_copy():
    images = images_with_copies(np.random.default_rng(2), 5, {0: [2, 3, 4]})
    _, moved = unify_duplicates(images, np.array([TEST, TRAIN, TRAIN, VAL, TRAIN], np.int8))
    assert moved == 3


def test_crossing_hashes_refuses_a_split_of_another_length():
    """One split label per image: a length mismatch is a bug upstream, not 'no crossing'."""
    images = images_with_copies(np.random.default_rng(3), 4, {})
    with pytest.raises(ValueError):
        crossing_hashes(images, np.zeros(3, np.int8))


@pytest.mark.parametrize(("group_by", "groups"), [
    ("writer", np.array([f"w{i:03d}" for i in range(100)])),  # 100 writers, one row each
    ("none", np.full(100, UNGROUPED)),
])
@pytest.mark.parametrize(("val", "test", "counts"), [(0.15, 0.2, [65, 15, 20]), (0.1, 0.25, [65, 10, 25])])
def test_fractions_are_of_the_whole(group_by, groups, val, test, counts):
    """val=0.15, test=0.2 of 100 rows: 20 test, then 15 val = 0.15 / (1 - 0.2) of the 80 left (not 12)."""
    split = assign(groups, np.arange(100) % N_CLASSES, group_by, val=val, test=test, seed=0)
    assert np.bincount(split, minlength=3).tolist() == counts
