"""The README's results block is generated from metrics/*.json and must match them."""

from __future__ import annotations

import json
import re

from kakite import report
from tests.conftest import REPO


def test_readme_results_match_the_metrics_files():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(re.escape(report.START) + r"\n(.*?)" + re.escape(report.END), text, re.S)
    assert block, "README.md lacks the generated results block"
    assert block.group(1) == report.render(REPO / "metrics"), "README is stale: run `python -m kakite.report`"


def test_recognizer_table_reads_each_domain(tmp_path):
    scores = {"params": 1234, "by_domain": {"typeset": 0.995, "strokes": 0.9812, "handwriting_font": 0.5}}
    cnn = {"kakite": scores, "baselines": {"seed": {**scores, "params": 9, "by_domain": {"typeset": 0.02}}}}
    (tmp_path / "cnn.json").write_text(json.dumps(cnn))
    table = report.render(tmp_path)
    assert "| kakite | 1,234 | 99.5 % | 98.1 % | 50.0 % |" in table
    assert "| baseline: seed | 9 | 2.0 % | – | – |" in table


def test_cluster_table_keeps_the_seed_reference_rows(tmp_path):
    rows = [{"method": "K-Means", "features": "z_style (10)", "purity": 0.5, "ari": 0.25, "ami": 0.125}]
    (tmp_path / "cluster.json").write_text(json.dumps({"writers": 100, "rows": rows}))
    table = report.render(tmp_path)
    assert "| seed 3 | K-Means | z_b 10 (seed article, EMNIST) | 0.1971 | 0.0275 | 0.0736 |" in table
    assert "| 1 | K-Means | z_style (10) | 0.5000 | 0.2500 | 0.1250 |" in table


def _topk(n: int, top1: float, top5: float) -> dict:
    return {"n": n, "top1": top1, "top1_ci95": [top1 - 0.01, top1 + 0.01], "top5": top5,
            "top5_ci95": [top5 - 0.01, top5 + 0.01]}


def test_peer_accuracy_table_marks_what_zinnia_cannot_read(tmp_path):
    both = {"all_73": _topk(100, 0.9, 0.95), "zinnia_46": _topk(60, 0.92, 0.99)}
    bench = {"accuracy": {"zinnia_classes": 46, "systems": {
        "kakite": {"strokes": both, "handwriting_font": both},
        "zinnia": {"strokes": {"all_73": _topk(100, 0.5, 0.6), "zinnia_46": _topk(60, 0.75, 0.9)}}}}}
    (tmp_path / "bench.json").write_text(json.dumps(bench))
    table = report.render(tmp_path)
    assert "knows 46 of the 73 classes" in table
    assert ("| kakite | strokes, unseen writers (n = 100 / 60) | 90.0 % (89.0–91.0) | 95.0 % (94.0–96.0) | "
            "92.0 % (91.0–93.0) | 99.0 % (98.0–100.0) |") in table
    assert "| zinnia | strokes, unseen writers (n = 100 / 60) | 50.0 % (49.0–51.0) |" in table
    assert "| zinnia | handwriting fonts | – (reads strokes; fonts have none) |" in table
    assert "Against its peers: speed" not in table  # no speed measured, no speed table
