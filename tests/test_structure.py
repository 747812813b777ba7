"""The package shows the pipeline, and DVC's caching covers every line of code a stage runs.

Both checks read the source with `ast`, so they cost no imports: each module's `kakite` imports
(top-level and deferred alike) are resolved to files, followed transitively from each stage script,
and compared with the stage's deps in dvc.yaml.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

# The DAG's phases, earliest first. A module may import its own phase or an earlier one, never a later
# one, and never a sibling of the same rank (recognizer and writers are independent branches).
PHASES = (("core",), ("acquire",), ("decode",), ("curate",), ("training",), ("recognizer", "writers"),
          ("export",), ("serve", "report"))
RANK = {name: rank for rank, names in enumerate(PHASES) for name in names}


def kakite_imports(path: Path, repo: Path = REPO) -> set[Path]:
    """The kakite files that `path` imports, resolved to modules (or a package's __init__.py)."""
    found: set[Path] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "kakite":
            targets = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names if alias.name.split(".")[0] == "kakite"]
        else:
            continue
        for dotted in targets:
            base = repo.joinpath(*dotted.split("."))
            for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                if candidate.is_file():
                    found.add(candidate)
                    break
    # importing kakite.a.b runs kakite/__init__.py and kakite/a/__init__.py first
    for module in list(found):
        for parent in module.relative_to(repo).parents:
            if str(parent) != "." and (repo / parent / "__init__.py").is_file():
                found.add(repo / parent / "__init__.py")
    return found


def closure(start: Path, repo: Path = REPO) -> set[Path]:
    seen: set[Path] = set()
    todo = [start]
    while todo:
        for module in kakite_imports(todo.pop(), repo) - seen:
            seen.add(module)
            todo.append(module)
    return seen


def uncovered(stage: dict, repo: Path = REPO) -> set[str]:
    """The files a stage's script runs that none of its deps (file or folder) covers."""
    script = repo / stage["cmd"].split()[-1].replace(".", "/")
    script = script.with_suffix(".py")
    deps = [repo / dep for dep in stage.get("deps", [])]
    files = closure(script, repo) | {script}
    return {str(f.relative_to(repo)) for f in files if not any(f == d or d in f.parents for d in deps)}


STAGES = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


@pytest.mark.parametrize("name", sorted(STAGES))
def test_stage_deps_cover_its_transitive_imports(name):
    assert uncovered(STAGES[name]) == set(), f"dvc.yaml stage {name} runs code it does not depend on"


def test_coverage_check_notices_a_missing_dependency():
    stage = dict(STAGES["train_vae"], deps=[d for d in STAGES["train_vae"]["deps"] if d != "kakite/training"])
    assert "kakite/training/loop.py" in uncovered(stage)


def _phase(path: Path) -> str:
    return path.relative_to(REPO / "kakite").parts[0]


@pytest.mark.parametrize("module", sorted(p.relative_to(REPO).as_posix() for p in (REPO / "kakite").rglob("*.py")
                                          if p.parent != REPO / "kakite"))
def test_modules_import_only_their_own_phase_or_earlier(module):
    path = REPO / module
    own = _phase(path)
    for target in kakite_imports(path):
        if target.parent == REPO / "kakite":
            continue  # kakite/__init__.py: the version, below every phase
        other = _phase(target)
        assert other == own or RANK[other] < RANK[own], f"{module} imports {target.relative_to(REPO)} (a later phase)"


def test_every_phase_folder_is_ranked():
    folders = {p.name for p in (REPO / "kakite").iterdir() if (p / "__init__.py").is_file()}
    assert folders == set(RANK)


@pytest.mark.parametrize("name", sorted(STAGES))
def test_stage_scripts_import_no_later_phase_than_their_outputs_need(name):
    """A stage script may use its own phase and earlier ones; `serve` and `report` serve users, not stages."""
    script = REPO / STAGES[name]["cmd"].split()[-1].replace(".", "/")
    phases = {_phase(t) for t in kakite_imports(script.with_suffix(".py")) if t.parent != REPO / "kakite"}
    assert not phases & {"serve", "report"}


def test_bench_imports_nothing_from_tests():
    for path in (REPO / "bench").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            assert not any(n.split(".")[0] == "tests" for n in names), f"{path.name} imports from tests/"
