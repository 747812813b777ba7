"""Where a stage's numbers go: headline numbers are DVC metrics, bookkeeping is a plain JSON output.

`dvc metrics show` and `dvc exp show` give every metric key its own column, so metrics/<name>.json holds
only the few numbers an experiment is judged by, under short flat keys that no other metrics file uses.
Counts, lists and per-model tables go to metrics/details/<name>.json (dvc.yaml `outs`, cache: false),
which the README generator and `make bench` read; `git diff` still shows their changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kakite.core.atomic import write_json

METRICS = Path("metrics")
DETAILS = METRICS / "details"


def write_results(name: str, details: dict[str, Any], headline: dict[str, float] | None = None) -> None:
    """details to metrics/details/<name>.json; the headline numbers, if any, to metrics/<name>.json."""
    write_json(DETAILS / f"{name}.json", details)
    if headline is not None:
        write_json(METRICS / f"{name}.json", headline)
