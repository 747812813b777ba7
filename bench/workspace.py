"""A throw-away copy of the repository (by default with the tiny params profile), for end-to-end DVC runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "profiles" / "tiny.yaml"
SKIP = ("data/", "web/model/", "web/node_modules/", "web/vendor/", ".venv/")


def deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        nested = isinstance(value, dict) and isinstance(base.get(key), dict)
        out[key] = deep_merge(base[key], value) if nested else value
    return out


def env() -> dict[str, str]:
    """The venv's bin first on PATH, so `dvc` and the stages' `python` are the project's."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "DVC_NO_ANALYTICS": "1", "PYTHONHASHSEED": "0"}


def run(cmd: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True, timeout=1800)
    if check and proc.returncode:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def make_copy(dest: Path, overrides: dict | None = None, profile: Path | None = TINY) -> Path:
    """Copy the tracked and untracked-but-not-ignored files, apply a params profile, git-commit it.

    profile None keeps params.yaml's defaults (what `make bench` times).
    """
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = REPO / rel
        if rel.startswith(SKIP) or not src.is_file():
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)
    base = yaml.safe_load(profile.read_text(encoding="utf-8")) if profile else {}
    if base or overrides:
        set_params(dest, deep_merge(base, overrides or {}))
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tiny"]):
        run(cmd, dest)
    return dest


def set_params(repo: Path, overrides: dict) -> None:
    path = repo / "params.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump(deep_merge(params, overrides), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
