"""split: train/val/test npz files per dataset, stratified, seeded, writer-disjoint when asked.

Outputs: data/split/{hiragana,digits}_{train,val,test}.npz, metrics/details/split.json and
metrics/plots/split/hiragana_samples.png (a few writers or fonts of every hiragana domain, side by side).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from kakite.core import entry
from kakite.core.atomic import load_npz, save_npz
from kakite.core.charset import HIRAGANA73
from kakite.core.errors import DataError
from kakite.core.params import load_params
from kakite.core.results import write_results
from kakite.curate import samples
from kakite.curate.splitting import SPLITS, assign, crossing_hashes, unify_duplicates
from kakite.decode.dataset import select

GRAY, OUT, SHEET = Path("data/gray"), Path("data/split"), Path("metrics/plots/split/hiragana_samples.png")
SHEET_ROWS = 3  # writers or fonts shown per domain


def _split(name: str, data: dict, group_by: str, strata_field: str, cfg) -> dict:
    split = assign(data["groups"], data[strata_field], group_by, cfg.val_size, cfg.test_size, cfg.seed)
    split, moved = unify_duplicates(data["images"], split)
    crossing = crossing_hashes(data["images"], split)
    if crossing:
        raise DataError(f"{name}: {crossing} images sit in two splits after de-duplication")
    summary: dict = {"duplicates_moved": moved, "images_in_two_splits": crossing}
    writers = {}
    for k, part in enumerate(SPLITS):
        rows = select(data, split == k)
        save_npz(OUT / f"{name}_{part}.npz", **rows)
        summary[part] = {"images": len(rows["labels"]),
                         "by_domain": dict(sorted(Counter(rows["domains"].tolist()).items()))}
        writers[part] = set(rows["writers"][rows["domains"] == "strokes"].tolist())
    summary["strokes_writers"] = {part: len(w) for part, w in writers.items()}
    summary["strokes_writers_shared_train_test"] = len(writers["train"] & writers["test"])
    return summary


def main() -> None:
    cfg = load_params("split")
    hiragana = load_npz(GRAY / "hiragana.npz")
    metrics = {
        "hiragana": _split("hiragana", hiragana, cfg.hiragana_group_by, "labels", cfg),
        "digits": _split("digits", load_npz(GRAY / "digits.npz"), cfg.digits_group_by, "writers", cfg),
    }
    write_results("split", metrics)
    by_part = {part: metrics["hiragana"][part]["by_domain"] for part in SPLITS}
    samples.domain_sheet(hiragana, HIRAGANA73, samples.headers(by_part), SHEET_ROWS, SHEET)
    print(f"split: hiragana {[metrics['hiragana'][s]['images'] for s in SPLITS]}, "
          f"digits {[metrics['digits'][s]['images'] for s in SPLITS]}")


if __name__ == "__main__":
    entry.run(main, "split", writes=(OUT, SHEET.parent, "metrics"))
