"""Scores kakite reports, rounded so that `dvc metrics diff` shows changes, not float noise."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

DIGITS_ROUND = 4


def r(x: float) -> float:
    """Round a metric for JSON."""
    return round(float(x), DIGITS_ROUND)


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return r(np.mean(y_true == y_pred)) if len(y_true) else 0.0


def accuracy_by(y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """Accuracy within each group (a test domain, a font), keyed by the group's name in sorted order."""
    return {str(g): accuracy(y_true[groups == g], y_pred[groups == g]) for g in sorted(set(groups.tolist()))}


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    return r(f1_score(y_true, y_pred, labels=np.arange(n_classes), average="macro", zero_division=0))


def top_confusions(y_true: np.ndarray, y_pred: np.ndarray, charset: str, k: int = 5) -> list[dict]:
    """The k most frequent (true → predicted) mistakes, most frequent first, ties by class order."""
    wrong = y_true != y_pred
    pairs, counts = np.unique(np.stack([y_true[wrong], y_pred[wrong]], 1), axis=0, return_counts=True)
    order = sorted(range(len(counts)), key=lambda i: (-counts[i], *pairs[i]))[:k]
    return [{"true": charset[pairs[i][0]], "predicted": charset[pairs[i][1]], "count": int(counts[i])} for i in order]


def purity(y_true: np.ndarray, clusters: np.ndarray) -> float:
    """Purity: each cluster votes for its most common true label; the share of points that agree.

    purity = (1/N) * sum over clusters c of max over labels l of |c ∩ l|.
    """
    total = 0
    for c in np.unique(clusters):
        _, counts = np.unique(y_true[clusters == c], return_counts=True)
        total += counts.max()
    return r(total / len(y_true))


def linear_probe(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray,
                 seed: int) -> float:
    """Test accuracy of a standardised logistic regression: how linearly readable y is from z."""
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))
    probe.fit(z_train.reshape(len(z_train), -1), y_train)
    return accuracy(y_test, probe.predict(z_test.reshape(len(z_test), -1)))


def wilson_interval(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion: sound near 0 and 1, where the normal one is not.

    It treats items as independent; samples of one writer are correlated, so read it as a lower
    bound on the real uncertainty.
    """
    if n == 0:
        return 0.0, 0.0
    p = hits / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return r(max(0.0, centre - half)), r(min(1.0, centre + half))
