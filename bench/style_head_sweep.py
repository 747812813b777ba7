"""The style head's settings, swept on one trained VAE: how many digit directions to erase, writer axes or not.

`python -m bench.style_head_sweep` trains kakite's VAE once with params.yaml (as train_vae does, same
data, writers and seed), then fits and folds the head (kakite/writers/style_head.py) for every
`erase_digit_directions` in ERASE, with and without `writer_axes`, and writes
metrics/style_head_sweep.json: per setting the leakage probe on the validation split (what the
choice is read from) and on the test split, the digit accuracy from z_content, both clustering
protocols' K-Means AMI ratios over raw pixels, and the reconstruction through the head. The head
changes nothing in training, so one VAE serves every setting.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.vae_sweep import WORK, SweepData
from kakite.core import metrics
from kakite.core.atomic import write_json
from kakite.core.params import load_params
from kakite.writers import disentangle

ERASE = range(7)
OUT = Path("metrics/style_head_sweep.json")


def main() -> None:
    from kakite.writers.network import bernoulli_nll, encode_means

    cfg, cluster_cfg = load_params("train_vae", "cluster")
    data = SweepData.load(cfg, cluster_cfg)
    tr, va, te = (data.parts[p] for p in disentangle.PARTS)
    start = time.perf_counter()
    model = disentangle.train(cfg, tr["x"], tr["y"], tr["w"], va["x"], va["y"], va["w"], cfg.z_content, cfg.z_style,
                              cfg.variant, cfg.epochs, None, WORK / "style_head", label="style_head_sweep")
    results = {"vae": {"params": "params.yaml train_vae", "epochs": cfg.epochs,
                       "seconds": round(time.perf_counter() - start)},
               "raw_pixels_kmeans_ami": data.raw_ami, "chosen": {"erase_digit_directions": cfg.erase_digit_directions,
                                                                 "writer_axes": cfg.writer_axes},
               "settings": {}}
    for writer_axes in (False, True):
        for erase in ERASE:
            encoder, decoder, _ = disentangle.with_style_head(model, tr, erase, writer_axes, cfg.variant,
                                                              cfg.z_content)
            row = data.scores(encoder, model.classifier, cfg.seed)
            zc, zs = encode_means(encoder, te["x"])
            decoded = decoder.predict([zc, zs], batch_size=512, verbose=0)
            row["reconstruction_bce_head"] = metrics.r(bernoulli_nll(te["x"], decoded).numpy().mean())
            name = f"erase {erase}" + (", writer axes" if writer_axes else "")
            results["settings"][name] = row
            print(f"style_head_sweep: {name}: {row}", flush=True)
    write_json(OUT, results)


if __name__ == "__main__":
    main()
