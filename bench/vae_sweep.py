"""Short train_vae runs over a grid of loss settings: leakage, digit accuracy and writer-clustering AMI.

`python -m bench.vae_sweep [epochs] [name ...]` trains kakite's VAE once per setting in SETTINGS (each
a set of train_vae overrides on params.yaml), on the same data and writers as the stage, and writes
metrics/vae_sweep_<epochs>ep.json (an earlier sweep's rows are kept): per setting the leakage
probe (digit from z_style), the classifier's digit accuracy from z_content, and K-Means AMI of z_style
over raw pixels in both clustering protocols (the VAE as trained: without the style head, whose own sweep
is bench/style_head_sweep.py).
Runs are short (few epochs): they rank settings, the stage's full run gives the reported numbers.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
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


@dataclass
class SweepData:
    """The stage's parts and writers, and each clustering protocol's images and raw-pixel K-Means AMI."""

    parts: dict
    new_x: np.ndarray
    new_writers: np.ndarray
    seen: np.ndarray  # mask of the test rows in the seen-writers protocol
    raw_ami: dict[str, float]
    cluster_seed: int

    @classmethod
    def load(cls, base, cluster_cfg) -> SweepData:
        parts, new = disentangle.load_digits(SPLIT, base.new_writers, base.seed)
        tr, te = parts["train"], parts["test"]
        raw = {p: load_npz(SPLIT / f"digits_{p}.npz") for p in disentangle.PARTS}
        everything = {k: np.concatenate([raw[p][k] for p in disentangle.PARTS]) for k in ("images", "writers")}
        fresh = protocols.protocol_rows(everything["writers"], new, cluster_cfg.writers)
        x_new, w_new = disentangle.digit_inputs(everything["images"][fresh]), everything["writers"][fresh]
        seen = protocols.protocol_rows(te["writers"], np.unique(tr["writers"]), cluster_cfg.writers)
        raw_ami = {"seen": _kmeans_ami(te["x"][seen], te["writers"][seen], cluster_cfg.seed),
                   "new": _kmeans_ami(x_new, w_new, cluster_cfg.seed)}
        return cls(parts, x_new, w_new, seen, raw_ami, cluster_cfg.seed)

    def scores(self, encoder, classifier, seed: int) -> dict:
        """Leakage (validation and test), digit accuracy and both protocols' AMI ratios for one encoder."""
        from kakite.writers.network import encode_means

        tr, va, te = (self.parts[p] for p in disentangle.PARTS)
        _, zs_tr = encode_means(encoder, tr["x"])
        _, zs_va = encode_means(encoder, va["x"])
        zc_te, zs_te = encode_means(encoder, te["x"])
        _, zs_new = encode_means(encoder, self.new_x)
        digit = classifier.predict(zc_te, verbose=0).argmax(axis=1)
        row = {"leakage_probe_style": metrics.linear_probe(zs_tr, tr["y"], zs_te, te["y"], seed),
               "leakage_probe_style_val": metrics.linear_probe(zs_tr, tr["y"], zs_va, va["y"], seed),
               "digit_accuracy_content": metrics.accuracy(te["y"], digit)}
        for protocol, (z, w) in {"seen": (zs_te[self.seen], te["writers"][self.seen]),
                                 "new": (zs_new, self.new_writers)}.items():
            ami = _kmeans_ami(z, w, self.cluster_seed)
            row[f"ami_ratio_{protocol}"] = metrics.r(ami / max(self.raw_ami[protocol], 1e-9))
        return row


def main(epochs: int, names: list[str]) -> None:
    base, cluster_cfg = load_params("train_vae", "cluster")
    data = SweepData.load(base, cluster_cfg)
    tr, va = data.parts["train"], data.parts["val"]
    out = Path(f"metrics/vae_sweep_{epochs}ep.json")
    results = {"epochs": epochs, "raw_pixels_kmeans_ami": data.raw_ami, "settings": {}}
    if out.is_file():  # add to an earlier sweep's rows
        results["settings"] = json.loads(out.read_text())["settings"]
    for name in names:
        cfg = base.model_copy(update=SETTINGS[name])
        start = time.perf_counter()
        model = disentangle.train(cfg, tr["x"], tr["y"], tr["w"], va["x"], va["y"], va["w"], cfg.z_content,
                                  cfg.z_style, cfg.variant, epochs, None, WORK / name.replace(" ", "_"))
        row = {"overrides": SETTINGS[name], "seconds": round(time.perf_counter() - start),
               **data.scores(model.encoder, model.classifier, cfg.seed)}
        results["settings"][name] = row
        print(f"vae_sweep: {name}: {row}", flush=True)
        write_json(out, results)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10, sys.argv[2:] or list(SETTINGS))
