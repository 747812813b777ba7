"""cluster: the seed's writer-clustering table on raw pixels, z_content, z_style and per-writer z_style means.

Outputs: metrics/cluster.json (rows laid out like the seed's table) and metrics/plots/cluster/tsne_style.png.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.manifold import TSNE

from kakite.core import entry, metrics, plots
from kakite.core.atomic import load_npz, write_json
from kakite.core.params import load_params
from kakite.writers import clustering, disentangle
from kakite.writers.model_dir import Stylist

MODEL, PLOTS = Path("data/models/vae"), Path("metrics/plots/cluster")


def main() -> None:
    cfg = load_params("cluster")
    from kakite.writers.network import encode_means

    test = load_npz("data/split/digits_test.npz")
    chosen = clustering.top_writers(test["writers"], cfg.writers)
    keep = np.isin(test["writers"], chosen)
    names = test["writers"][keep]
    labels = np.searchsorted(chosen, names)
    x = disentangle.digit_inputs(test["images"][keep])
    z_content, z_style = encode_means(Stylist.load(MODEL).encoder, x)
    mean_z, mean_labels = clustering.chunk_means(z_style, labels, cfg.per_writer_mean)
    spaces = [("raw pixels", x), ("z_content", z_content), ("z_style", z_style),
              (f"z_style, mean of {cfg.per_writer_mean}", mean_z)]
    rows = []
    for name, features in spaces:
        truth = mean_labels if name.startswith("z_style, mean") else labels
        dims = features.reshape(len(features), -1).shape[1]
        for method, s in clustering.score(features, truth, len(chosen), cfg.seed).items():
            rows.append({"method": method, "features": f"{name} ({dims})", **s})
    by = {(row["method"], row["features"].split(" (")[0]): row for row in rows}
    ratio = by[("K-Means", "z_style")]["ami"] / max(by[("K-Means", "raw pixels")]["ami"], 1e-9)
    tsne = TSNE(perplexity=min(cfg.tsne_perplexity, (len(z_style) - 1) / 3), random_state=cfg.seed, init="pca")
    plots.scatter(tsne.fit_transform(z_style), labels, PLOTS / "tsne_style.png",
                  f"t-SNE of z_style, {len(chosen)} writers (colour = writer)", "", "", legend=False)
    write_json("metrics/cluster.json", {"writers": len(chosen), "images": len(labels),
                                        "per_writer_mean": cfg.per_writer_mean, "rows": rows,
                                        "ami_ratio_style_vs_pixels_kmeans": metrics.r(ratio)})
    print(f"cluster: {len(chosen)} writers, K-Means AMI z_style / raw = {ratio:.2f}")


if __name__ == "__main__":
    entry.run(main, "cluster", writes=(PLOTS, "metrics"))
