"""train_cnn: the hiragana recogniser, plus the baselines train_cnn.baselines lists (the typeset-only ablation).

Outputs: data/models/cnn/ (model.h5 + meta.json, what `kakite predict` and export_tfjs read),
data/eval/cnn_test_top5.npz (every recipe's five best classes per test row, for `make bench`),
metrics/cnn.json (test accuracy by domain), metrics/details/cnn.json (every recipe's scores, the most confused
pairs), metrics/plots/cnn/training/ (DVCLive: per-epoch curves), metrics/plots/cnn/confusion.csv, and
the kakite recipe's pictures under metrics/plots/cnn/: curves.png (training and validation per epoch),
confusion.png (the test confusion matrix, most confused pairs marked) and errors.png (one misclassified test
image per mistake and domain, most frequent first: the letterforms the model misses).
Under TF_CONFIG (train_cnn.strategy auto or multiworker) every worker runs this stage and trains; only the chief
writes these outputs.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kakite.core import entry, metrics, plots
from kakite.core.atomic import load_json, load_npz, save_npz, write_text
from kakite.core.charset import HIRAGANA73
from kakite.core.params import load_params
from kakite.core.results import write_results
from kakite.recognizer.confusion import confusion_image, error_gallery
from kakite.recognizer.recipes import evaluate, recipe, train
from kakite.training.cluster import is_chief, publish_dir
from kakite.training.curves import train_val_curves

SPLIT, MODEL, PLOTS, WORK = Path("data/split"), Path("data/models/cnn"), Path("metrics/plots/cnn"), Path("data/work")
TOP5 = Path("data/eval/cnn_test_top5.npz")
ERRORS_SHOWN = 24  # distinct mistakes per test domain in errors.png
METRIC_KEYS = {"handwriting_font": "handwriting"}  # domain -> metric key, short for `dvc exp show` (README)


def main() -> None:
    cfg = load_params("train_cnn")
    data = {part: load_npz(SPLIT / f"hiragana_{part}.npz") for part in ("train", "val", "test")}
    weights = load_json("data/audit/class_weights.json")["hiragana"]
    test = data["test"]

    main_recipe = recipe(cfg.recipe, cfg.train_domains)
    recognizer, history = train(main_recipe, cfg, data["train"], data["val"], weights, WORK, PLOTS / "training",
                                label=f"train_cnn {main_recipe.name}")
    others = {name: train(recipe(name, cfg.train_domains), cfg, data["train"], data["val"], weights, WORK, None,
                          label=f"train_cnn baseline {name}")[0]
              for name in cfg.baselines}  # train_cnn.baselines: [] skips them (a sweep over the main recipe)
    scores, ranked = evaluate(recognizer, test)
    pred = ranked[:, 0]
    strokes = test["domains"] == "strokes"
    scores.update({
        "recipe": main_recipe.name,
        "epochs_run": len(history.get("epoch", [])),
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
    with publish_dir(MODEL) as folder:  # multi-worker: every worker fits, evaluates and saves (collective ops)
        recognizer.save(folder, main_recipe.name)
    if not is_chief():
        return  # only the chief publishes
    save_npz(TOP5, files=test["files"], **top5)
    buf = io.StringIO()
    rows = [(HIRAGANA73[a], HIRAGANA73[p]) for a, p in zip(test["labels"], pred, strict=True)]
    csv.writer(buf, lineterminator="\n").writerows([("actual", "predicted"), *rows])
    write_text(PLOTS / "confusion.csv", buf.getvalue())
    plots.captioned_grid(error_gallery(test, pred, HIRAGANA73, ERRORS_SHOWN), PLOTS / "errors.png",
                         "misclassified test images, one per mistake, most frequent first (truth → prediction ×times)")
    confusion_image(test["labels"].astype(int), pred, HIRAGANA73, PLOTS / "confusion.png",
                    f"{main_recipe.name}: test confusions, every domain ({len(pred):,} images)")
    train_val_curves(history, ("accuracy", "loss"), PLOTS / "curves.png", f"train_cnn ({main_recipe.name} recipe)")
    headline = {METRIC_KEYS.get(domain, domain): accuracy for domain, accuracy in scores["by_domain"].items()}
    write_results("cnn", {"kakite": scores, "baselines": baselines}, headline)
    print(f"train_cnn: {main_recipe.name} test accuracy {scores['accuracy']}, by domain {scores['by_domain']}")


if __name__ == "__main__":
    entry.run(main, "train_cnn", writes=(MODEL, PLOTS, WORK, TOP5.parent, "metrics"))
