"""Accuracy on the same test items: kakite's CNN, the baselines train_cnn trained, and Zinnia.

The CNN recipes' five best classes per test row come from train_cnn (data/eval/cnn_test_top5.npz).
Zinnia reads strokes, so it is fed the pen trajectories that were rasterized into the `strokes` test
images, regenerated from params.yaml and checked pixel for pixel against those images. The
handwriting fonts have no trajectories, so Zinnia has no score there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.zinnia import Zinnia
from kakite.acquire import strokes, synth
from kakite.core.atomic import load_npz
from kakite.core.charset import HIRAGANA73
from kakite.core.errors import KakiteError
from kakite.core.metrics import r, wilson_interval
from kakite.core.params import load_params

DOMAINS = ("strokes", "handwriting_font")
TOP_K = 5


def regenerate_trajectories(test: dict, fetch_cfg) -> list[list[np.ndarray]]:
    """The strokes behind every `strokes` test row, in row order, each verified against its image."""
    rows = {f: i for i, f in enumerate(test["files"].tolist()) if test["domains"][i] == "strokes"}
    writers = set(test["writers"][list(rows.values())].tolist())
    found: dict[int, list[np.ndarray]] = {}
    for job, plan in synth.hiragana_jobs(fetch_cfg):
        if job.domain != "strokes" or job.name not in writers:
            continue
        for char, k, written in synth.written_samples(job, plan):
            row = rows.get(synth.member_name(job, plan, char, k))
            if row is None:
                continue
            if not np.array_equal(strokes.rasterize(written, plan.size), test["images"][row]):
                raise KakiteError(f"{test['files'][row]}: params.yaml's fetch block no longer draws this test "
                                  "image; run `dvc repro` before `make bench`")
            found[row] = written
    if len(found) != len(rows):
        raise KakiteError(f"only {len(found)} of {len(rows)} strokes test rows could be regenerated")
    return [found[row] for row in sorted(found)]


def score(truth: np.ndarray, ranked: list[list[str]]) -> dict:
    """Top-1 and top-5 accuracy with 95 % Wilson intervals; `ranked` holds labels, best first."""
    top1 = sum(bool(r_) and r_[0] == t for t, r_ in zip(truth, ranked, strict=True))
    top5 = sum(t in r_[:TOP_K] for t, r_ in zip(truth, ranked, strict=True))
    n = len(truth)
    return {"n": n, "top1": r(top1 / n) if n else 0.0, "top1_ci95": list(wilson_interval(top1, n)),
            "top5": r(top5 / n) if n else 0.0, "top5_ci95": list(wilson_interval(top5, n))}


def _subsets(truth: np.ndarray, ranked: list[list[str]], covered: set[str]) -> dict:
    inside = np.array([t in covered for t in truth], dtype=bool)
    return {"all_73": score(truth, ranked),
            "zinnia_46": score(truth[inside], [x for x, keep in zip(ranked, inside, strict=True) if keep])}


def compare(repo: Path) -> tuple[dict, dict]:
    """The accuracy block of bench.json, and what the speed bench reuses (strokes items for Zinnia)."""
    fetch_cfg = load_params("fetch", path=repo / "params.yaml")
    test = load_npz(repo / "data/split/hiragana_test.npz")
    top5 = load_npz(repo / "data/eval/cnn_test_top5.npz")
    if top5["files"].tolist() != test["files"].tolist():
        raise KakiteError("data/eval/cnn_test_top5.npz does not match data/split/hiragana_test.npz; run `dvc repro`")
    zinnia = Zinnia()
    covered = set(HIRAGANA73) & zinnia.classes()
    truth = np.array([HIRAGANA73[i] for i in test["labels"]])
    systems: dict[str, dict] = {}
    for name in (k for k in top5 if k != "files"):
        labels = [[HIRAGANA73[i] for i in row] for row in top5[name]]
        systems[name] = {d: _subsets(truth[test["domains"] == d],
                                     [x for x, dom in zip(labels, test["domains"], strict=True) if dom == d], covered)
                         for d in DOMAINS}
    trajectories = regenerate_trajectories(test, fetch_cfg)
    is_strokes = test["domains"] == "strokes"
    systems["zinnia"] = {"strokes": _subsets(truth[is_strokes], zinnia.rank_within(trajectories, HIRAGANA73, TOP_K),
                                             covered)}
    kakite, peer = systems["kakite"]["strokes"]["zinnia_46"], systems["zinnia"]["strokes"]["zinnia_46"]
    block = {"zinnia_classes": len(covered), "zinnia_model": str(zinnia.model), "systems": systems,
             "kakite_minus_zinnia_top1_strokes_46": r(kakite["top1"] - peer["top1"])}
    return block, {"images": test["images"][is_strokes], "trajectories": trajectories}
