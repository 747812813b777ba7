"""Stages run as DVC runs them (`python -m stages.X`): a known error is one stderr line and an exit code."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kakite.core.atomic import save_npz
from kakite.core.charset import DIGITS, HIRAGANA73
from kakite.core.errors import DataError, ParamsError
from tests.conftest import REPO


def run_stage(stage: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", f"stages.{stage}"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


def assert_one_line_error(result: subprocess.CompletedProcess, stage: str, code: int) -> str:
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{stage}: error: ")
    assert result.returncode == code
    return lines[0]


@pytest.mark.parametrize(
    ("stage", "dotted", "value"),
    [
        ("audit", "audit.class_weight", "inverse"),
        ("grayscale", "train_cnn.epochs", 0),  # a bad key in another stage's block fails too
        ("split", "split.test_size", 0.7),
        ("fetch", "fetch.hiragana.writerz", 3),
    ],
)
def test_bad_params_exit_2_with_one_line(params_with, tmp_path, stage, dotted, value):
    params_with({dotted: value})
    result = run_stage(stage, tmp_path)
    line = assert_one_line_error(result, stage, ParamsError.exit_code)
    assert f"params.yaml: {dotted}: " in line
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]  # nothing written


def write_gray(root: Path, name: str, charset: str, labels: np.ndarray) -> None:
    n = len(labels)
    save_npz(root / "data" / "gray" / f"{name}.npz",
             images=np.arange(n, dtype=np.uint8)[:, None, None].repeat(4, 1).repeat(4, 2),
             labels=labels.astype(np.int16), domains=np.full(n, "strokes"), writers=np.full(n, "w0"),
             groups=np.full(n, "w0"), files=np.array([f"f{i}.png" for i in range(n)]))


def test_audit_missing_class_exit_5_naming_file_and_class(params_with, tmp_path):
    params_with({})
    write_gray(tmp_path, "hiragana", HIRAGANA73, np.arange(len(HIRAGANA73) - 1))  # no ん
    write_gray(tmp_path, "digits", DIGITS, np.arange(len(DIGITS)))
    result = run_stage("audit", tmp_path)
    line = assert_one_line_error(result, "audit", DataError.exit_code)
    assert line.endswith("data/gray/hiragana.npz: 1 class(es) have no image: ん")
    assert not (tmp_path / "data" / "audit").exists()


def test_missing_input_is_one_line(params_with, tmp_path):
    params_with({})
    result = run_stage("audit", tmp_path)
    line = assert_one_line_error(result, "audit", DataError.exit_code)
    assert "data/gray/hiragana.npz: missing" in line


def test_missing_json_input_is_one_line(params_with, tmp_path):
    params_with({})
    write_gray(tmp_path, "hiragana", HIRAGANA73, np.arange(len(HIRAGANA73)))
    split = tmp_path / "data" / "split"
    split.mkdir(parents=True)
    for part in ("train", "val", "test"):
        (split / f"hiragana_{part}.npz").write_bytes((tmp_path / "data/gray/hiragana.npz").read_bytes())
    result = run_stage("train_cnn", tmp_path)
    line = assert_one_line_error(result, "train_cnn", DataError.exit_code)
    assert line.endswith(
        "data/audit/class_weights.json: missing (run the stage that writes it first, e.g. `dvc repro`)"
    )
