"""This process's role in a multi-worker run, read from TF_CONFIG without importing TensorFlow.

WHY: under MultiWorkerMirroredStrategy every worker runs the same stage; exactly one (the chief) may
publish outputs, and no two may share a checkpoint directory. Stages ask before TensorFlow loads, so
their one-line errors stay one line.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _task() -> tuple[str, int, bool]:
    """(task type, index, whether the cluster names a chief) from TF_CONFIG; ("worker", 0, False) without it."""
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    task = config.get("task") or {}
    return task.get("type", "worker"), int(task.get("index", 0)), "chief" in (config.get("cluster") or {})


def is_chief() -> bool:
    """Whether this process publishes outputs: the "chief" task, or worker 0 of a cluster without one
    (TF's own rule); a process without TF_CONFIG is its own chief."""
    kind, index, has_chief = _task()
    return kind == "chief" if has_chief else kind == "worker" and index == 0


def worker_checkpoint_dir(directory: Path) -> Path:
    """The chief checkpoints into `directory`; every other worker into its own sibling of it."""
    kind, index, _ = _task()
    return directory if is_chief() else directory.with_name(f"{directory.name}-{kind}{index}")


@contextlib.contextmanager
def publish_dir(directory: Path) -> Iterator[Path]:
    """Where this worker saves a model: `directory` on the chief, a scratch folder deleted afterwards elsewhere.

    WHY: saving a model under MultiWorkerMirroredStrategy reads its replicated variables with collective
    ops, so every worker must save at the same time, or the chief waits for workers that have left.
    """
    if is_chief():
        yield directory
        return
    with tempfile.TemporaryDirectory(prefix="kakite-worker-save-") as scratch:
        yield Path(scratch) / directory.name
