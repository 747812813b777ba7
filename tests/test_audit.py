"""Label audit: class weights, missing classes, duplicates and imbalance."""

import numpy as np
import pytest

from kakite.core.errors import DataError
from kakite.curate.audit import (
    class_counts,
    class_weights,
    duplicate_groups,
    image_hashes,
    imbalance_ratio,
    require_all_classes,
)


def labels_from_counts(counts: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(counts)), counts).astype(np.int16)


def test_class_counts_include_empty_trailing_classes():
    assert class_counts(np.array([0, 2, 2], np.int16), 4).tolist() == [1, 0, 2, 0]


def test_seed_formula_max_over_count():
    # The seed article's example: あ has 1,208 images and ぽ 261, so w = max / count:
    # あ: 1208 / 1208 = 1.0; ぽ: 1208 / 261 = 4.62835... -> 4.6284.
    weights = class_weights(labels_from_counts([1208, 261]), 2, "max_over_count")
    assert weights == [1.0, 4.6284]


def test_sklearn_balanced():
    # balanced: n / (k * count) with n = 1469, k = 2: 1469 / 2416 = 0.60803..., 1469 / 522 = 2.81417...
    weights = class_weights(labels_from_counts([1208, 261]), 2, "balanced")
    assert weights == [0.608, 2.8142]
    # Same shape as the seed's formula, scaled: the ratio between classes is identical.
    assert weights[1] / weights[0] == pytest.approx(1208 / 261, rel=1e-3)


def test_weights_are_plain_floats_for_json():
    weights = class_weights(labels_from_counts([3, 1, 2]), 3, "max_over_count")
    assert weights == [1.0, 3.0, 1.5]
    assert all(type(w) is float for w in weights)


def test_missing_class_is_named():
    labels = labels_from_counts([2, 0, 1, 0])
    with pytest.raises(DataError, match=r"^hira\.npz: 2 class\(es\) have no image: いえ$"):
        require_all_classes(labels, "あいうえ", "hira.npz")


def test_all_classes_present_passes():
    require_all_classes(labels_from_counts([1, 1, 1]), "あいう", "x")


def test_duplicate_groups_find_byte_identical_images():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 8, 8), dtype=np.uint8)
    images[3] = images[0]
    images[5] = images[0]
    images[4] = images[1]
    images[2] = images[1].copy()
    images[2, 0, 0] ^= 1  # one bit off: not a duplicate
    hashes = image_hashes(images)
    assert len(hashes) == 6 and hashes[0] == hashes[3] != hashes[1]
    assert sorted(duplicate_groups(hashes)) == [[0, 3, 5], [1, 4]]


def test_hashes_see_pixels_not_object_identity():
    a = np.zeros((2, 4, 4), np.uint8)
    assert duplicate_groups(image_hashes(a)) == [[0, 1]]
    assert duplicate_groups(image_hashes(np.arange(32, dtype=np.uint8).reshape(2, 4, 4))) == []


def test_imbalance_ratio_ignores_empty_classes():
    assert imbalance_ratio(np.array([0, 10, 5, 20])) == 4.0
    assert imbalance_ratio(np.array([1208, 261])) == 4.628
    assert imbalance_ratio(np.array([0, 0])) == 0.0
    assert imbalance_ratio(np.array([7, 1, 0])) == 7.0  # a class of one image is present


def test_hashes_are_96_bit_hex_digests():
    """12 bytes (24 hex digits): enough that distinct images never collide in practice, and stable."""
    hashes = image_hashes(np.arange(512, dtype=np.uint16).reshape(2, 16, 16))
    assert [len(h) for h in hashes] == [24, 24]
    assert all(set(h) <= set("0123456789abcdef") for h in hashes)
    assert hashes[0] != hashes[1]
