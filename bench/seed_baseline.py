"""The seed article's recogniser trained to its own standard, on kakite's data, read on every domain.

`python -m bench.seed_baseline` (after the pipeline) trains the seed's CNN exactly as the seed trained it
(Adadelta at 1.0, batch 128, class weights, no augmentation, typeset only) for `train_cnn.seed_steps`
optimizer steps, the seed's own count, twice: on raw pixels / 255 (recipe "seed", the seed's
preprocessing) and on kakite's spec (recipe "seed_spec"). It writes metrics/seed_baseline.json: per
recipe the test accuracy by domain and by handwriting font, the epochs and steps run, and the time.
Read against kakite's row, the two answer what cured the seed: the preprocessing, the data, or the model.
About 40 minutes per recipe on 2 cores (metrics/seed_baseline.json keeps the time), so it is not a
pipeline stage; each recipe checkpoints every epoch and resumes after a kill.
"""

from __future__ import annotations

import time
from pathlib import Path

from kakite.core.atomic import load_json, load_npz, write_json
from kakite.core.params import load_params
from kakite.recognizer.recipes import SEED_BATCH, evaluate, recipe, train

RECIPES = ("seed", "seed_spec")
SPLIT, WORK, OUT = Path("data/split"), Path("data/work/seed_baseline"), Path("metrics/seed_baseline.json")


def main() -> None:
    cfg = load_params("train_cnn")
    data = {part: load_npz(SPLIT / f"hiragana_{part}.npz") for part in ("train", "val", "test")}
    weights = load_json("data/audit/class_weights.json")["hiragana"]
    results = {"optimizer_steps": cfg.seed_steps, "batch_size": SEED_BATCH, "recipes": {}}
    for name in RECIPES:
        start = time.perf_counter()
        recognizer, history = train(recipe(name, cfg.train_domains), cfg, data["train"], data["val"], weights,
                                    WORK, None, label=f"seed_baseline {name}")
        scores, _ = evaluate(recognizer, data["test"])
        results["recipes"][name] = {**scores, "epochs_run": len(history.get("epoch", [])),
                                    # the optimizer's own count, which a resumed run restores with its state
                                    "optimizer_steps_run": int(recognizer.model.optimizer.iterations.numpy()),
                                    "params": int(recognizer.model.count_params()),
                                    "seconds": round(time.perf_counter() - start)}
        print(f"seed_baseline: {name}: {scores['by_domain']}", flush=True)
    write_json(OUT, results)


if __name__ == "__main__":
    main()
