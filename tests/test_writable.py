"""Stages prove their output folders writable before the work, not after hours of training."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kakite.core.atomic import check_writable
from kakite.core.errors import OutputError
from tests.conftest import PARAMS
from tests.test_stage_errors import assert_one_line_error, run_stage


def test_check_writable_accepts_missing_folders_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    check_writable(tmp_path / "a" / "b", tmp_path / "c")
    assert [p.name for p in tmp_path.rglob("*")] == ["c"]


def test_a_file_where_the_folder_should_be_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "models").write_text("not a folder")
    with pytest.raises(OutputError, match=rf"^{tmp_path}/models/vae: cannot write there \(.+\)$"):
        check_writable(tmp_path / "metrics", tmp_path / "models" / "vae")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "ro").mkdir(mode=0o555)
    with pytest.raises(OutputError, match="ro: cannot write there"):
        check_writable(tmp_path / "ro")


@pytest.mark.parametrize(("stage", "blocked"), [("train_vae", "data/models/vae"), ("train_cnn", "metrics"),
                                                ("cluster", "metrics/plots/cluster")])
def test_a_stage_with_an_unwritable_output_stops_before_reading_anything(
    tmp_path: Path, stage: str, blocked: str
) -> None:
    """No data at all in tmp_path: the stage must fail on its output folder, not on its inputs."""
    shutil.copy(PARAMS, tmp_path / "params.yaml")
    (tmp_path / blocked).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / blocked).write_text("a file where the stage writes a folder")
    line = assert_one_line_error(run_stage(stage, tmp_path), stage, OutputError.exit_code)
    assert "cannot write there" in line and blocked in line
