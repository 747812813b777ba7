"""Shared fixtures: the repo's params.yaml, and copies of it with chosen keys changed."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PARAMS = REPO / "params.yaml"


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
