"""Short train_vae runs over a grid of loss settings: leakage, digit accuracy and writer-clustering AMI.

`python -m bench.vae_sweep [epochs] [name ...]` trains kakite's VAE once per setting in SETTINGS (each
a set of train_vae overrides on params.yaml), on the same data and writers as the stage, and writes
metrics/vae_sweep_<epochs>ep.json (an earlier sweep's rows are kept): per setting the leakage
probe (digit from z_style), the classifier's digit accuracy from z_content, and K-Means AMI of z_style
over raw pixels in both clustering protocols.
Runs are short (few epochs): they rank settings, the stage's full run gives the reported numbers.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from kakite.core import metrics
from kakite.core.atomic import load_npz, write_json
from kakite.core.params import load_params
from kakite.writers import clustering, disentangle, protocols

SPLIT, WORK = Path("data/split"), Path("data/work/sweep")
SETTINGS = {
    "default": {},  # params.yaml as it stands
    "digit 0": {"digit_weight": 0.0},
    "adversary 5": {"adversary_weight": 5.0},
    "adversary 10": {"adversary_weight": 10.0},
    "crosscov 5": {"crosscov_weight": 5.0},
    "z_style 6": {"z_style": 6},
    "group 40": {"group_weight": 40.0},
    "digit 1": {"digit_weight": 1.0},
    "digit 5": {"digit_weight": 5.0},
    "digit 20": {"digit_weight": 20.0},
    "digit 20, adversary 0": {"digit_weight": 20.0, "adversary_weight": 0.0},
}


def _kmeans_ami(features: np.ndarray, writers: np.ndarray, seed: int) -> float:
    labels = np.unique(writers, return_inverse=True)[1]
    return clustering.score(features, labels, labels.max() + 1, seed)["K-Means"]["ami"]


def main(epochs: int, names: list[str]) -> None:
    base, cluster_cfg = load_params("train_vae", "cluster")
    parts, new = disentangle.load_digits(SPLIT, base.new_writers, base.seed)
    tr, va, te = (parts[p] for p in disentangle.PARTS)
    raw = {p: load_npz(SPLIT / f"digits_{p}.npz") for p in disentangle.PARTS}
    everything = {k: np.concatenate([raw[p][k] for p in disentangle.PARTS]) for k in ("images", "writers")}
    fresh = protocols.protocol_rows(everything["writers"], new, cluster_cfg.writers)
    x_new, w_new = disentangle.digit_inputs(everything["images"][fresh]), everything["writers"][fresh]
    seen = protocols.protocol_rows(te["writers"], np.unique(tr["writers"]), cluster_cfg.writers)
    raw_ami = {"seen": _kmeans_ami(te["x"][seen], te["writers"][seen], cluster_cfg.seed),
               "new": _kmeans_ami(x_new, w_new, cluster_cfg.seed)}
    out = Path(f"metrics/vae_sweep_{epochs}ep.json")
    results = {"epochs": epochs, "raw_pixels_kmeans_ami": raw_ami, "settings": {}}
    if out.is_file():  # add to an earlier sweep's rows
        results["settings"] = json.loads(out.read_text())["settings"]
    from kakite.writers.network import encode_means

    for name in names:
        cfg = base.model_copy(update=SETTINGS[name])
        start = time.perf_counter()
        model = disentangle.train(cfg, tr["x"], tr["y"], tr["w"], va["x"], va["y"], va["w"], cfg.z_content,
                                  cfg.z_style, cfg.variant, epochs, None, WORK / name.replace(" ", "_"))
        _, zs_tr = encode_means(model.encoder, tr["x"])
        zc_te, zs_te = encode_means(model.encoder, te["x"])
        _, zs_new = encode_means(model.encoder, x_new)
        digit = model.classifier.predict(zc_te, verbose=0).argmax(axis=1)
        row = {"overrides": SETTINGS[name], "seconds": round(time.perf_counter() - start),
               "leakage_probe_style": metrics.linear_probe(zs_tr, tr["y"], zs_te, te["y"], cfg.seed),
               "digit_accuracy_content": metrics.accuracy(te["y"], digit)}
        for protocol, (z, w) in {"seen": (zs_te[seen], te["writers"][seen]), "new": (zs_new, w_new)}.items():
            ami = _kmeans_ami(z, w, cluster_cfg.seed)
            row[f"ami_ratio_{protocol}"] = metrics.r(ami / max(raw_ami[protocol], 1e-9))
        results["settings"][name] = row
        print(f"vae_sweep: {name}: {row}", flush=True)
        write_json(out, results)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10, sys.argv[2:] or list(SETTINGS))
