"""DVC's tables stay readable: `dvc metrics show` on the committed metrics, and the README's `dvc exp show`
command after a parameter change, fit a terminal (the metrics are headline numbers, kakite/core/results.py)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import yaml

from bench.workspace import env, make_copy, set_params
from tests.conftest import REPO

METRICS_WIDTH, EXP_WIDTH = 160, 120


def readme_exp_show() -> list[str]:
    """The `dvc exp show ...` command the README documents, as argv."""
    found = re.findall(r"^(dvc exp show [^#\n]*?)\s*(?:#.*)?$", (REPO / "README.md").read_text(encoding="utf-8"), re.M)
    assert len(found) == 1, found
    return shlex.split(found[0])


def table_width(cmd: list[str], cwd: Path) -> tuple[int, str]:
    """The widest line of a DVC table printed with room to spare, so that nothing is squeezed to fit."""
    out = subprocess.run(cmd, cwd=cwd, env={**env(), "COLUMNS": "1000"}, capture_output=True, text=True,
                         check=True, timeout=300).stdout
    return max(map(len, out.splitlines())), out


def test_metrics_show_fits_in_160_columns():
    width, out = table_width(["dvc", "metrics", "show"], REPO)
    assert width <= METRICS_WIDTH, out
    assert {"typeset", "strokes", "handwriting", "leakage", "ami_ratio_seen", "cnn_kib"} <= set(out.split())


def test_headline_metrics_are_flat_numbers_under_keys_no_other_metrics_file_uses():
    """A list is ignored by DVC, and a key two files share becomes a `path:key` column."""
    declared = [next(iter(m)) for stage in yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"].values()
                for m in stage.get("metrics", [])]
    keys = []
    for path in declared:
        values = json.loads((REPO / path).read_text())
        assert all(isinstance(v, int | float) for v in values.values()), path
        keys += values
    assert len(keys) == len(set(keys)), keys


def test_readme_exp_show_fits_in_120_columns_and_shows_what_changed(tmp_path):
    repo = make_copy(tmp_path, profile=None)
    set_params(repo, {"train_cnn": {"epochs": 16, "learning_rate": 0.004, "baselines": []}})  # the README's sweep
    cnn = json.loads((repo / "metrics/cnn.json").read_text())
    (repo / "metrics/cnn.json").write_text(json.dumps({**cnn, "strokes": 0.5, "handwriting": 0.25}))
    width, out = table_width(readme_exp_show(), repo)
    assert width <= EXP_WIDTH, out
    header = out.splitlines()[1].split()
    assert {"train_cnn.epochs", "train_cnn.learning_rate", "strokes", "handwriting"} <= set(header), out
    assert not {"Created", "train_cnn.baselines"} & set(header) and not any("/" in c for c in header), out
