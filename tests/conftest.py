"""Shared fixtures: the repo's params.yaml, and copies of it with chosen keys changed; in CI, no silent skips."""

from __future__ import annotations

import copy
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PARAMS = REPO / "params.yaml"

# Skips CI accepts, each with its reason. Any other skip (no Chromium, a missing font, no node) fails CI:
# `make test` installs all of them, so a skip there means a test that silently tested nothing.
INTENDED_SKIPS = {
    "no WebGL in this Chromium": "headless Chromium without a GPU may lack WebGL; the WASM backend is tested anyway",
    "root writes into read-only folders": "as root, permissions stop no write; a file blocking the path tests the same",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With CI set, a skip outside INTENDED_SKIPS becomes a failure that names its reason."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not any(allowed in reason for allowed in INTENDED_SKIPS):
            report.outcome = "failed"
            report.longrepr = f"CI forbids skips, and this test skipped: {reason}"


def as_from_a_terminal() -> None:
    """preexec_fn for a child that Ctrl-C must reach: SIGINT back to its default action.

    A background job of a non-interactive shell (`pytest ... &` in a script, some CI runners) starts
    with SIGINT ignored, every child inherits that, and Python then keeps it ignored, as POSIX asks."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def set_dotted(tree: dict, dotted: str, value: Any) -> None:
    """tree["a"]["b"]["c"] = value for dotted "a.b.c" (the last key may be new: an unknown key)."""
    *parents, last = dotted.split(".")
    for key in parents:
        tree = tree[key]
    tree[last] = value


@pytest.fixture(scope="session")
def repo_params() -> dict:
    return yaml.safe_load(PARAMS.read_text(encoding="utf-8"))


@pytest.fixture
def params_with(repo_params: dict, tmp_path: Path) -> Callable[..., Path]:
    """Write tmp_path/params.yaml: the repo's params with the given dotted keys set."""

    def write(changes: dict[str, Any]) -> Path:
        tree = copy.deepcopy(repo_params)
        for dotted, value in changes.items():
            set_dotted(tree, dotted, value)
        path = tmp_path / "params.yaml"
        path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
        return path

    return write


def read_epoch_log(directory: Path) -> list[dict[str, str]]:
    """The epoch log DVCLive wrote under `directory` (one TSV per metric), as one row per step."""
    import csv

    rows: dict[str, dict[str, str]] = {}
    for tsv in sorted((Path(directory) / "plots" / "metrics").glob("*.tsv")):
        with open(tsv, newline="") as fh:
            for record in csv.DictReader(fh, delimiter="\t"):
                rows.setdefault(record["step"], {"step": record["step"]})[tsv.stem] = record[tsv.stem]
    return [rows[step] for step in sorted(rows, key=int)]
