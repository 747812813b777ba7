"""train_cnn: the hiragana recogniser, plus the seed recipe and the typeset-only ablation as baselines.

Outputs: data/models/cnn/ (model.h5 + meta.json, what `kakite predict` and export_tfjs read),
data/eval/cnn_test_top5.npz (every recipe's five best classes per test row, for `make bench`),
metrics/cnn.json (test accuracy by domain), metrics/details/cnn.json (every recipe's scores, the most confused
pairs), metrics/plots/cnn/training/ (DVCLive: per-epoch curves), metrics/plots/cnn/confusion.csv and
metrics/plots/cnn/errors.png (misclassified test images per domain: the letterforms the model misses).
Under TF_CONFIG (train_cnn.strategy auto or multiworker) every worker runs this stage and trains; only the chief
writes these outputs.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from kakite.core import entry, metrics, plots
from kakite.core.atomic import load_npz, save_npz, write_text
from kakite.core.charset import HIRAGANA73
from kakite.core.params import load_params
from kakite.core.results import write_results
from kakite.recognizer.recipes import evaluate, recipe, train
from kakite.training.cluster import is_chief

SPLIT, MODEL, PLOTS, WORK = Path("data/split"), Path("data/models/cnn"), Path("metrics/plots/cnn"), Path("data/work")
TOP5 = Path("data/eval/cnn_test_top5.npz")
ERRORS_SHOWN = 24  # misclassified test images per domain in errors.png
METRIC_KEYS = {"handwriting_font": "handwriting"}  # domain -> metric key, short for `dvc exp show` (README)


def error_gallery(test: dict, pred: np.ndarray) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Per test domain, its first ERRORS_SHOWN misclassified images captioned truth → prediction."""
    gallery = {}
    for domain in sorted(set(test["domains"].tolist())):
        rows = np.flatnonzero((test["domains"] == domain) & (test["labels"] != pred))[:ERRORS_SHOWN]
        gallery[domain] = (test["images"][rows],
                           [f"{HIRAGANA73[test['labels'][r]]}→{HIRAGANA73[pred[r]]}" for r in rows])
    return gallery


def main() -> None:
    cfg = load_params("train_cnn")
    data = {part: load_npz(SPLIT / f"hiragana_{part}.npz") for part in ("train", "val", "test")}
    weights = json.loads(Path("data/audit/class_weights.json").read_text(encoding="utf-8"))["hiragana"]
    test = data["test"]

    main_recipe = recipe(cfg.recipe, cfg.train_domains)
    recognizer, epochs = train(main_recipe, cfg, data["train"], data["val"], weights, WORK,
                               PLOTS / "training", label=f"train_cnn {main_recipe.name}")
    others = {name: train(recipe(name, cfg.train_domains), cfg, data["train"], data["val"], weights, WORK, None,
                          label=f"train_cnn baseline {name}")[0]
              for name in cfg.baselines}  # train_cnn.baselines: [] skips them (a sweep over the main recipe)
    if not is_chief():
        return  # a multi-worker run: this worker took part in every fit; the chief evaluates and publishes
    scores, ranked = evaluate(recognizer, test)
    pred = ranked[:, 0]
    strokes = test["domains"] == "strokes"
    scores.update({
        "recipe": main_recipe.name,
        "epochs_run": epochs,
        "params": int(recognizer.model.count_params()),
        "strokes_unseen_writers": scores["by_domain"].get("strokes", 0.0),
        "strokes_test_writers": len(set(test["writers"][strokes].tolist())),
        "most_confused": metrics.top_confusions(test["labels"].astype(int), pred, HIRAGANA73, k=5),
    })
    baselines, top5 = {}, {main_recipe.name: ranked}
    for name, model in others.items():
        base_scores, top5[name] = evaluate(model, test)
        baselines[name] = {k: base_scores[k] for k in ("accuracy", "by_domain")}
        baselines[name]["params"] = int(model.model.count_params())
    recognizer.save(MODEL, main_recipe.name)
    save_npz(TOP5, files=test["files"], **top5)
    buf = io.StringIO()
    rows = [(HIRAGANA73[a], HIRAGANA73[p]) for a, p in zip(test["labels"], pred, strict=True)]
    csv.writer(buf, lineterminator="\n").writerows([("actual", "predicted"), *rows])
    write_text(PLOTS / "confusion.csv", buf.getvalue())
    plots.captioned_grid(error_gallery(test, pred), PLOTS / "errors.png",
                         "misclassified test images (truth → prediction)")
    headline = {METRIC_KEYS.get(domain, domain): accuracy for domain, accuracy in scores["by_domain"].items()}
    write_results("cnn", {"kakite": scores, "baselines": baselines}, headline)
    print(f"train_cnn: {main_recipe.name} test accuracy {scores['accuracy']}, by domain {scores['by_domain']}")


if __name__ == "__main__":
    entry.run(main, "train_cnn", writes=(MODEL, PLOTS, WORK, TOP5.parent, "metrics"))
