"""Writer clustering as the seed article did it: K = #writers, K-Means and a Gaussian mixture on several
feature spaces, scored by purity, ARI and AMI against the writer ids. Which images: protocols.py.

GMMs use diagonal covariances: a full 784 × 784 covariance per component cannot be estimated from a
few dozen images per writer; diagonal keeps raw pixels and latents comparable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score
from sklearn.mixture import GaussianMixture

from kakite.core import metrics


def chunk_means(z: np.ndarray, writers: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Average each writer's rows in consecutive chunks of n (a remainder shorter than n is dropped)."""
    means, labels = [], []
    for writer in np.unique(writers):
        rows = z[writers == writer]
        for start in range(0, len(rows) - n + 1, n):
            means.append(rows[start:start + n].mean(axis=0))
            labels.append(writer)
    return np.asarray(means), np.asarray(labels)


RESTARTS = 10  # K-Means runs from different k-means++ seeds; the table keeps the best (lowest inertia)


def _kmeans(features: np.ndarray, k: int, seed: int, restarts: int = RESTARTS) -> np.ndarray:
    features = features.reshape(len(features), -1).astype(np.float64)
    return KMeans(n_clusters=k, n_init=restarts, random_state=seed).fit_predict(features)


def ami_by_mean_size(features: np.ndarray, writers: np.ndarray, sizes: Sequence[int], seed: int,
                     restarts: int = RESTARTS) -> dict[int, float]:
    """K-Means AMI (K = #writers) on each writer's rows averaged in chunks of n (chunk_means), for every n in
    `sizes` that leaves more chunks than writers: how fast a writer's style sharpens with more samples."""
    names, labels = np.unique(writers, return_inverse=True)
    found = {}
    for n in sizes:
        means, truth = chunk_means(features.reshape(len(features), -1), labels, n)
        if len(means) > len(names):
            found[n] = metrics.r(adjusted_mutual_info_score(truth, _kmeans(means, len(names), seed, restarts)))
    return found


def score(features: np.ndarray, writers: np.ndarray, k: int, seed: int) -> dict[str, dict]:
    """K-Means and GMM (K = k) on features; purity, ARI and AMI against the writer ids."""
    features = features.reshape(len(features), -1).astype(np.float64)
    found = {
        "K-Means": _kmeans(features, k, seed),
        "GMM": GaussianMixture(n_components=k, covariance_type="diag", reg_covar=1e-4, random_state=seed)
        .fit(features).predict(features),
    }
    return {
        method: {"purity": metrics.purity(writers, pred),
                 "ari": metrics.r(adjusted_rand_score(writers, pred)),
                 "ami": metrics.r(adjusted_mutual_info_score(writers, pred))}
        for method, pred in found.items()
    }


def protocol_table(x: np.ndarray, latents: Mapping[str, tuple[np.ndarray, np.ndarray]], writers: np.ndarray,
                   per_writer_mean: int, seed: int) -> dict:
    """The seed's table for one set of images: K = #writers, on raw pixels (once) and, per model in
    `latents` ({model: (z_content, z_style)}), on z_content, z_style and per-writer z_style means;
    plus each model's headline K-Means AMI ratio, z_style over raw pixels."""
    names, labels = np.unique(writers, return_inverse=True)
    spaces = [("", "raw pixels", x, labels)]
    for model, (z_content, z_style) in latents.items():
        mean_z, mean_labels = chunk_means(z_style, labels, per_writer_mean)
        spaces += [(model, "z_content", z_content, labels), (model, "z_style", z_style, labels),
                   (model, f"z_style, mean of {per_writer_mean}", mean_z, mean_labels)]
    rows = []
    for model, name, features, truth in spaces:
        if len(features) <= len(names):
            continue  # fewer points than clusters (means of few images per writer): nothing to fit
        dims = features.reshape(len(features), -1).shape[1]
        for method, s in score(features, truth, len(names), seed).items():
            rows.append({"model": model, "method": method, "features": f"{name} ({dims})", **s})
    ami = {(row["model"], row["method"], row["features"].split(" (")[0]): row["ami"] for row in rows}
    raw = max(ami[("", "K-Means", "raw pixels")], 1e-9)
    return {"writers": len(names), "images": len(writers), "rows": rows,
            "ami_ratio_style_vs_pixels_kmeans": {m: metrics.r(ami[(m, "K-Means", "z_style")] / raw) for m in latents}}
