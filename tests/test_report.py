"""The README's results block is generated from metrics/details/*.json and metrics/bench.json and must match them."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from kakite.report import readme
from tests.conftest import REPO


def _committed_metrics(dest: Path) -> Path | None:
    """metrics/**/*.json as committed at HEAD, copied under dest; None outside a git checkout."""
    listed = subprocess.run(["git", "ls-tree", "-r", "--name-only", "HEAD", "metrics/"], cwd=REPO,
                            capture_output=True, text=True)
    if listed.returncode != 0:
        return None
    for name in listed.stdout.split():
        if name.endswith(".json"):
            shown = subprocess.run(["git", "show", f"HEAD:{name}"], cwd=REPO, capture_output=True, check=True)
            copy = dest / Path(name).relative_to("metrics")
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(shown.stdout)
    return dest


def readme_block(text: str) -> str:
    block = re.search(re.escape(readme.START) + r"\n(.*?)" + re.escape(readme.END), text, re.S)
    assert block, "README.md lacks the generated results block"
    return block.group(1)


def stale_reason(block: str, metrics_dir: Path, committed_dir: Path | None) -> str | None:
    """Why the README's block is stale, or None when it shows this checkout's or the committed metrics.

    `make repro` on another machine retrains and gets its own numbers (a few tenths of a point apart), so
    the README, which documents the committed run, is then checked against the committed metrics. What
    fails is a README that matches neither: stale against the metrics it was committed with.
    """
    if block == readme.render(metrics_dir):
        return None
    if committed_dir is not None and block == readme.render(committed_dir):
        return None
    return "README is stale against the committed metrics: run `python -m kakite.report.readme` and commit both"


def test_readme_results_match_the_metrics_files(tmp_path):
    block = readme_block((REPO / "README.md").read_text(encoding="utf-8"))
    assert stale_reason(block, REPO / "metrics", _committed_metrics(tmp_path)) is None


def _details(metrics_dir: Path, name: str) -> Path:
    """Where a stage writes its bookkeeping (kakite.core.results), under a test's metrics folder."""
    (metrics_dir / "details").mkdir(parents=True, exist_ok=True)
    return metrics_dir / "details" / f"{name}.json"


def _cnn_metrics(directory: Path, typeset: float) -> Path:
    _details(directory, "cnn").write_text(json.dumps({"kakite": {"params": 10, "by_domain": {"typeset": typeset}},
                                                    "baselines": {}}))
    return directory


def test_stale_readme_is_told_apart_from_a_retrained_machine(tmp_path):
    committed = _cnn_metrics(tmp_path / "committed", 0.99)
    retrained = _cnn_metrics(tmp_path / "retrained", 0.992)
    documented = readme.render(committed)
    assert stale_reason(documented, committed, committed) is None  # the committed run, as shipped
    assert stale_reason(documented, retrained, committed) is None  # this machine got its own numbers
    assert stale_reason(readme.render(retrained), retrained, committed) is None  # README regenerated here
    stale = documented.replace("99.0 %", "98.0 %")
    assert "stale" in stale_reason(stale, retrained, committed)  # matches neither
    assert "stale" in stale_reason(stale, committed, None)  # no git: only the checkout's metrics count


def test_recognizer_table_reads_each_domain(tmp_path):
    scores = {"params": 1234, "by_domain": {"typeset": 0.995, "strokes": 0.9812, "handwriting_font": 0.5}}
    cnn = {"kakite": scores, "baselines": {"seed": {**scores, "params": 9, "by_domain": {"typeset": 0.02}}}}
    _details(tmp_path, "cnn").write_text(json.dumps(cnn))
    table = readme.render(tmp_path)
    assert "| kakite | 1,234 | 99.5 % | 98.1 % | 50.0 % |" in table
    assert "| baseline: seed | 9 | 2.0 % | – | – |" in table


def test_seed_baseline_table_shows_both_inputs_with_steps_and_brush_fonts(tmp_path):
    fonts = {"KouzanBrushFont": 0.25, "KouzanBrushFontGyousyo": 0.125, "YOzA": 0.9}
    recipe = {"epochs_run": 209, "optimizer_steps_run": 5643, "handwriting_font_by_font": fonts,
              "by_domain": {"typeset": 0.97, "strokes": 0.5, "handwriting_font": 0.6}}
    recipes = {"seed": recipe, "seed_spec": {**recipe, "by_domain": {"typeset": 1.0}}}
    (tmp_path / "seed_baseline.json").write_text(
        json.dumps({"optimizer_steps": 5628, "batch_size": 128, "recipes": recipes}))
    text = readme.render(tmp_path)
    assert "Adadelta, batch 128, class weights, typeset only, for the seed's 5,628 optimizer steps" in text
    assert "| seed | pixels / 255, as the seed | 209 | 5,643 | 97.0 % | 50.0 % | 60.0 % | 25.0 % / 12.5 % |" in text
    assert "| seed_spec | kakite's spec | 209 | 5,643 | 100.0 % | – | – | 25.0 % / 12.5 % |" in text


def test_cluster_tables_mark_the_article_rows_and_show_every_model_and_protocol(tmp_path):
    row = {"method": "K-Means", "purity": 0.5, "ari": 0.25, "ami": 0.125}
    rows = [{**row, "model": "", "features": "raw pixels (784)"}]
    rows += [{**row, "model": model, "features": "z_style (10)"} for model in ("kakite", "seed")]
    table = {"writers": 100, "images": 1600, "rows": rows,
             "ami_ratio_style_vs_pixels_kmeans": {"kakite": 2.5, "seed": 1.25}}
    cluster = {"protocols": {"seen_writers": table, "new_writers": {**table, "writers": 20}}}
    _details(tmp_path, "cluster").write_text(json.dumps(cluster))
    text = readme.render(tmp_path)
    article = "| article 3 | seed article, **EMNIST (another dataset)** | K-Means | z_b 10 | 0.1971 | 0.0275 | 0.0736 |"
    assert text.count(article) == 1  # only next to the seed's own protocol
    assert "| 1 | – | K-Means | raw pixels (784) | 0.5000 | 0.2500 | 0.1250 |" in text
    assert "| 3 | seed | K-Means | z_style (10) |" in text
    assert "Writer clustering, new writers" in text and "20 writers" in text
    assert "kakite 2.50×, seed 1.25×; the seed article on EMNIST: 1.27×" in text


def test_vae_table_puts_baselines_next_to_kakite(tmp_path):
    vae = {"digit_accuracy_content": 0.999, "leakage_probe_style": 0.12, "writer_probe_pixels": 0.5,
           "baselines": {"seed": {"digit_accuracy_content": 0.98, "leakage_probe_style": 0.6}}}
    _details(tmp_path, "vae").write_text(json.dumps(vae))
    text = readme.render(tmp_path)
    assert "| measure | kakite | baseline: seed |" in text
    assert "| leakage: digit probe on z_style (chance 10 %) | 12.0 % | 60.0 % |" in text
    assert "| writer probe on raw pixels | 50.0 % | 50.0 % |" in text


def _topk(n: int, top1: float, top5: float) -> dict:
    return {"n": n, "top1": top1, "top1_ci95": [top1 - 0.01, top1 + 0.01], "top5": top5,
            "top5_ci95": [top5 - 0.01, top5 + 0.01]}


def test_peer_accuracy_table_marks_what_zinnia_cannot_read(tmp_path):
    both = {"all_73": _topk(100, 0.9, 0.95), "zinnia_46": _topk(60, 0.92, 0.99)}
    bench = {"accuracy": {"zinnia_classes": 46, "systems": {
        "kakite": {"strokes": both, "handwriting_font": both},
        "zinnia": {"strokes": {"all_73": _topk(100, 0.5, 0.6), "zinnia_46": _topk(60, 0.75, 0.9)}}}}}
    (tmp_path / "bench.json").write_text(json.dumps(bench))
    table = readme.render(tmp_path)
    assert "knows 46 of the 73 classes" in table
    assert ("| kakite | strokes, unseen writers (n = 100 / 60) | 90.0 % (89.0–91.0) | 95.0 % (94.0–96.0) | "
            "92.0 % (91.0–93.0) | 99.0 % (98.0–100.0) |") in table
    assert "| zinnia | strokes, unseen writers (n = 100 / 60) | 50.0 % (49.0–51.0) |" in table
    assert "| zinnia | handwriting fonts | – (reads strokes; fonts have none) |" in table
    assert "Against its peers: speed" not in table  # no speed measured, no speed table
