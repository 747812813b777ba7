"""Reported scores on hand-computed examples."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from kakite.core.metrics import (
    accuracy,
    accuracy_by,
    linear_probe,
    macro_f1,
    purity,
    r,
    top_confusions,
    wilson_interval,
)


def test_round_to_four_digits():
    assert r(2 / 3) == 0.6667
    assert type(r(np.float32(0.5))) is float


def test_accuracy():
    assert accuracy(np.array([0, 1, 2, 2]), np.array([0, 1, 1, 2])) == 0.75
    assert accuracy(np.array([], int), np.array([], int)) == 0.0


def test_purity_hand_example():
    # y        = [0, 0, 0, 1, 1, 2]
    # clusters = [a, a, b, b, b, b]
    # cluster a holds labels {0, 0}       -> majority 0, 2 agree
    # cluster b holds labels {0, 1, 1, 2} -> majority 1, 2 agree
    # purity = (2 + 2) / 6 = 0.6667
    y = np.array([0, 0, 0, 1, 1, 2])
    clusters = np.array(["a", "a", "b", "b", "b", "b"])
    assert purity(y, clusters) == 0.6667


def test_purity_bounds():
    y = np.array([0, 1, 2, 0])
    assert purity(y, np.array([5, 6, 7, 5])) == 1.0  # clusters match labels
    assert purity(y, np.arange(4)) == 1.0  # singletons are trivially pure
    assert purity(y, np.zeros(4)) == 0.5  # one cluster: the majority share


def test_top_confusions_order_and_ties():
    #             true -> pred
    # (0 -> 1) x3, (2 -> 1) x2, (1 -> 0) x2, (1 -> 2) x1; correct rows are ignored.
    y_true = np.array([0, 0, 0, 2, 2, 1, 1, 1, 0, 1])
    y_pred = np.array([1, 1, 1, 1, 1, 0, 0, 2, 0, 1])
    got = top_confusions(y_true, y_pred, "あいう", k=3)
    assert got == [
        {"true": "あ", "predicted": "い", "count": 3},
        {"true": "い", "predicted": "あ", "count": 2},  # tie with (う -> い): class order decides
        {"true": "う", "predicted": "い", "count": 2},
    ]
    assert len(top_confusions(y_true, y_pred, "あいう")) == 4


def test_top_confusions_none_when_perfect():
    y = np.array([0, 1, 2])
    assert top_confusions(y, y, "abc") == []


@pytest.mark.filterwarnings("error")  # the class absent from both is scored 0 silently
def test_macro_f1_tiny_case():
    # y_true = [0, 0, 1, 1], y_pred = [0, 1, 1, 1]
    # class 0: precision 1, recall 1/2 -> F1 2/3; class 1: precision 2/3, recall 1 -> F1 4/5
    # macro over 2 classes = (2/3 + 4/5) / 2 = 0.7333
    y_true, y_pred = np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1])
    assert macro_f1(y_true, y_pred, 2) == 0.7333
    # n_classes fixes the label set: a third class never seen scores 0 (no warning): 22/15/3 = 0.4889
    assert macro_f1(y_true, y_pred, 3) == 0.4889
    assert macro_f1(y_true, y_true, 2) == 1.0


def blobs(rng: np.random.Generator, n: int, dims: int, separation: float) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 4, n)
    centres = np.eye(4, dims) * separation
    return centres[y] + rng.normal(size=(n, dims)), y


def test_linear_probe_reads_separable_labels():
    rng = np.random.default_rng(0)
    z_train, y_train = blobs(rng, 400, 6, separation=8.0)
    z_test, y_test = blobs(rng, 200, 6, separation=8.0)
    assert linear_probe(z_train, y_train, z_test, y_test, seed=0) >= 0.98


def test_linear_probe_is_near_chance_on_noise():
    rng = np.random.default_rng(1)
    z_train, y_train = blobs(rng, 400, 6, separation=0.0)
    z_test, y_test = blobs(rng, 400, 6, separation=0.0)
    assert linear_probe(z_train, y_train, z_test, y_test, seed=0) == pytest.approx(0.25, abs=0.08)


def test_linear_probe_flattens_image_shaped_codes():
    rng = np.random.default_rng(2)
    z, y = blobs(rng, 300, 8, separation=8.0)
    acc = linear_probe(z[:200].reshape(200, 2, 4), y[:200], z[200:].reshape(100, 2, 4), y[200:], seed=0)
    assert acc >= 0.98


def test_linear_probe_standardises_the_codes():
    """The label lives in one coordinate a thousand times smaller than the noise in the others: a
    standardised probe reads it, an unscaled L2-regularised one (C = 1) cannot afford the weight."""
    rng = np.random.default_rng(3)

    def codes(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, 2, n)
        z = rng.normal(size=(n, 4))
        z[:, 0] = (y - 0.5) * 2e-3 + rng.normal(scale=2e-4, size=n)
        return z, y

    (z_train, y_train), (z_test, y_test) = codes(400), codes(400)
    assert linear_probe(z_train, y_train, z_test, y_test, seed=0) == 1.0
    unscaled = LogisticRegression(max_iter=2000, random_state=0).fit(z_train, y_train).score(z_test, y_test)
    assert unscaled < 0.6  # the same data without the StandardScaler: near chance


def test_top_confusions_default_is_five():
    y_true = np.zeros(6, int)
    y_pred = np.arange(1, 7)  # six different mistakes, once each
    assert [c["predicted"] for c in top_confusions(y_true, y_pred, "abcdefg")] == list("bcdef")


def test_wilson_interval_hand_computed():
    """8 of 10 at z = 1.96: centre (0.8 + 0.19208) / 1.38416 = 0.71674, half 0.31362 / 1.38416 = 0.22658."""
    assert wilson_interval(8, 10) == (0.4902, 0.9433)
    assert wilson_interval(0, 0) == (0.0, 0.0)
    low, high = wilson_interval(0, 5)
    assert low == 0.0 and high == 0.4345  # 2 * 0.38416 / 1.76832: the interval never leaves [0, 1]
    assert wilson_interval(5, 5) == (round(1 - 0.4345, 4), 1.0)
    assert wilson_interval(8, 10, z=1.0)[0] > 0.4902  # a smaller z, a narrower interval


def test_accuracy_by_group_is_each_groups_own_accuracy():
    y_true = np.array([0, 1, 2, 3, 4, 5])
    y_pred = np.array([0, 9, 2, 9, 9, 5])
    groups = np.array(["b", "a", "b", "a", "c", "b"])
    assert accuracy_by(y_true, y_pred, groups) == {"a": 0.0, "b": 1.0, "c": 0.0}
    assert list(accuracy_by(y_true, y_pred, groups)) == ["a", "b", "c"]  # sorted
    assert accuracy_by(y_true[:0], y_pred[:0], groups[:0]) == {}
