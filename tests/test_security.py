"""Untrusted data is never code: no pickle anywhere in the library, and the demo server stays on loopback."""

from __future__ import annotations

import re

from tests.conftest import REPO

SOURCES = sorted([*(REPO / "kakite").rglob("*.py"), *(REPO / "stages").rglob("*.py")])


def test_every_np_load_refuses_pickles():
    calls = [(p.name, line) for p in SOURCES for line in p.read_text(encoding="utf-8").splitlines()
             if "np.load(" in line]
    assert calls, "expected the loaders to be found"
    assert all("allow_pickle=False" in line for _, line in calls), calls


def test_no_pickle_and_no_h5_models_with_custom_code():
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+(pickle|cloudpickle|dill|joblib)\b", text, re.M), path
        assert "safe_mode=False" not in text, path


def test_make_serve_binds_to_loopback_only():
    serve = re.search(r"^serve:.*?(?=^\S)", (REPO / "Makefile").read_text(encoding="utf-8"), re.M | re.S).group(0)
    assert "--bind 127.0.0.1" in serve and "0.0.0.0" not in serve
