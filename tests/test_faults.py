"""Fault injection: SIGKILL the heavy stages mid-run. Nothing half-written ever sits under a final name,
and a rerun completes; train_cnn resumes from its last epoch checkpoint instead of starting over.
Ctrl-C (SIGINT to the whole process group, as a terminal sends it) ends a stage with one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bench.workspace import env, make_copy, run
from kakite.core.atomic import load_npz
from tests.conftest import as_from_a_terminal, read_epoch_log

pytestmark = pytest.mark.slow


def kill_when(repo: Path, module: str, ready, timeout: float = 300, ctrl_c: bool = False) -> tuple[int, str]:
    """Start `python -m stages.<module>`, SIGKILL it as soon as ready() holds (or fail if it finishes first);
    with ctrl_c, SIGINT its process group instead. Returns the exit code and stderr."""
    proc = subprocess.Popen([sys.executable, "-m", f"stages.{module}"], cwd=repo, env=env(), text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=as_from_a_terminal)
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, f"{module} finished before the kill point"
        assert time.monotonic() < deadline, f"{module}: kill point not reached in {timeout}s"
        time.sleep(0.05)
    if ctrl_c:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def final_files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")]


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return make_copy(tmp_path_factory.mktemp("faults"), {"train_cnn": {"epochs": 3, "baselines": []}})


def test_killed_fetch_and_grayscale_leave_no_partial_artefacts(repo):
    raw, gray = repo / "data/raw", repo / "data/gray"
    kill_when(repo, "fetch", lambda: any(raw.glob(".tmp-hiragana.zip-*")))
    assert not (raw / "hiragana.zip").exists()  # the zip was being written under its temp name only
    run(["dvc", "repro", "split"], repo)
    for path in final_files(raw):
        if path.suffix == ".zip":
            assert zipfile.ZipFile(path).testzip() is None
    before = (gray / "hiragana.npz").read_bytes()
    (gray / "hiragana.npz").unlink()
    kill_when(repo, "grayscale", lambda: any(gray.glob(".tmp-*")))
    assert not (gray / "hiragana.npz").exists()
    run([sys.executable, "-m", "stages.grayscale"], repo)
    assert (gray / "hiragana.npz").read_bytes() == before


def test_killed_train_cnn_resumes_from_its_checkpoint(repo):
    run(["dvc", "repro", "audit", "split"], repo)
    work = repo / "data/work/checkpoint-kakite"
    kill_when(repo, "train_cnn", lambda: any(work.glob("epoch-0001/state.json")))
    assert not (repo / "data/models/cnn/model.h5").exists()
    log = read_epoch_log(repo / "metrics/plots/cnn/training")
    assert [row["step"] for row in log] == ["0"]  # epoch 1 finished and logged before the kill
    run([sys.executable, "-m", "stages.train_cnn"], repo)
    log = read_epoch_log(repo / "metrics/plots/cnn/training")
    assert [row["step"] for row in log] == ["0", "1", "2"]
    assert not work.exists() or not any(work.iterdir())  # the finished run removed its checkpoint
    probs_after_resume = _test_probabilities(repo)
    run([sys.executable, "-m", "stages.train_cnn"], repo)  # the same run, uninterrupted
    np.testing.assert_allclose(_test_probabilities(repo), probs_after_resume, atol=1e-4)


def test_ctrl_c_ends_fetch_and_train_cnn_with_one_line(repo):
    run(["dvc", "repro", "audit", "split"], repo)
    log = repo / "metrics/plots/cnn/training/plots/metrics/loss.tsv"
    log.unlink(missing_ok=True)
    for module, ready in (("fetch", lambda: any((repo / "data/raw").glob(".tmp-*"))),
                          ("train_cnn", log.exists)):  # mid-render in the pool; mid-training
        code, err = kill_when(repo, module, ready, ctrl_c=True)
        assert (code, err) == (130, f"{module}: interrupted\n")


def _test_probabilities(repo: Path) -> np.ndarray:
    from kakite.recognizer.model_dir import Recognizer

    recognizer = Recognizer.load(repo / "data/models/cnn")
    images = load_npz(repo / "data/split/hiragana_test.npz")["images"][:64]
    return recognizer.probabilities(recognizer.prepare_batch(images))
