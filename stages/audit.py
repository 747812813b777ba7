"""audit: class counts by domain, imbalance, missing classes, exact duplicates, class weights.

Outputs: data/audit/class_weights.json (what train_cnn uses), metrics/details/audit.json, and
metrics/plots/audit/class_counts.csv (a bar plot of counts per class and domain).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from kakite.core import entry
from kakite.core.atomic import load_npz, write_json, write_text
from kakite.core.charset import DIGITS, HIRAGANA73
from kakite.core.params import load_params
from kakite.core.records import HELDOUT
from kakite.core.results import write_results
from kakite.curate.audit import (
    class_counts,
    class_weights,
    duplicate_groups,
    image_hashes,
    imbalance_ratio,
    require_all_classes,
)

GRAY = Path("data/gray")


def _audit(name: str, charset: str, method: str) -> tuple[dict, list[float], list[tuple]]:
    data = load_npz(GRAY / f"{name}.npz")
    labels, domains = data["labels"], data["domains"]
    require_all_classes(labels, charset, str(GRAY / f"{name}.npz"))
    trainable = data["groups"] != HELDOUT
    require_all_classes(labels[trainable], charset, f"{GRAY / f'{name}.npz'} (trainable rows)")
    counts = class_counts(labels[trainable], len(charset))
    dups = duplicate_groups(image_hashes(data["images"]))
    by_domain = {d: class_counts(labels[domains == d], len(charset)) for d in sorted(set(domains.tolist()))}
    rows = [(charset[i], d, int(c[i])) for d, c in by_domain.items() for i in range(len(charset))]
    summary = {
        "images": len(labels),
        "classes": len(charset),
        "imbalance_ratio": imbalance_ratio(counts),
        "min_class_count": int(counts.min()),
        "max_class_count": int(counts.max()),
        "duplicate_sets": len(dups),
        "duplicate_images": int(sum(len(g) - 1 for g in dups)),
        "by_domain": {d: int(c.sum()) for d, c in by_domain.items()},
    }
    return summary, class_weights(labels[trainable], len(charset), method), rows


def main() -> None:
    cfg = load_params("audit")
    hira, hira_w, hira_rows = _audit("hiragana", HIRAGANA73, cfg.class_weight)
    digits, digit_w, _ = _audit("digits", DIGITS, cfg.class_weight)
    weights = {"method": cfg.class_weight, "hiragana": hira_w, "digits": digit_w}
    write_json("data/audit/class_weights.json", weights)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([("class", "domain", "count"), *hira_rows])
    write_text("metrics/plots/audit/class_counts.csv", buf.getvalue())
    hira["weight_max"], hira["weight_min"] = float(np.max(hira_w)), float(np.min(hira_w))
    write_results("audit", {"hiragana": hira, "digits": digits})
    print(f"audit: hiragana imbalance {hira['imbalance_ratio']}, {hira['duplicate_images']} duplicate images")


if __name__ == "__main__":
    entry.run(main, "audit", writes=("data/audit", "metrics/plots/audit", "metrics"))
