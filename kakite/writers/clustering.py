"""Writer clustering, the seed article's protocol: the writers with the most test images, K = #writers,
K-Means and a Gaussian mixture on several feature spaces, scored by purity, ARI and AMI.

GMMs use diagonal covariances: a full 784 × 784 covariance per component cannot be estimated from a
few dozen images per writer; diagonal keeps raw pixels and latents comparable.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score
from sklearn.mixture import GaussianMixture

from kakite.core import metrics


def top_writers(writers: np.ndarray, n: int) -> np.ndarray:
    """The n writers with the most images (ties broken by writer id, so the choice is stable)."""
    names, counts = np.unique(writers, return_counts=True)
    order = sorted(range(len(names)), key=lambda i: (-counts[i], names[i]))[:n]
    return names[np.sort(order)]


def chunk_means(z: np.ndarray, writers: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Average each writer's rows in consecutive chunks of n (a remainder shorter than n is dropped)."""
    means, labels = [], []
    for writer in np.unique(writers):
        rows = z[writers == writer]
        for start in range(0, len(rows) - n + 1, n):
            means.append(rows[start:start + n].mean(axis=0))
            labels.append(writer)
    return np.asarray(means), np.asarray(labels)


def score(features: np.ndarray, writers: np.ndarray, k: int, seed: int) -> dict[str, dict]:
    """K-Means and GMM (K = k) on features; purity, ARI and AMI against the writer ids."""
    features = features.reshape(len(features), -1).astype(np.float64)
    found = {
        "K-Means": KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(features),
        "GMM": GaussianMixture(n_components=k, covariance_type="diag", reg_covar=1e-4, random_state=seed)
        .fit(features).predict(features),
    }
    return {
        method: {"purity": metrics.purity(writers, pred),
                 "ari": metrics.r(adjusted_rand_score(writers, pred)),
                 "ami": metrics.r(adjusted_mutual_info_score(writers, pred))}
        for method, pred in found.items()
    }
