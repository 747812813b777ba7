"""Peak resident memory of a block of code, for the tests that bound the cost of hostile input.

Linux resets the process's peak RSS (VmHWM) when 5 is written to /proc/self/clear_refs, so one test
process can measure several blocks without forking. Bounds asserted with it are generous: they tell
"megabytes" from "gigabytes", not one allocator from another.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kb(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


@contextlib.contextmanager
def peak_rss_growth() -> Iterator[list[float]]:
    """Yields a list that receives, on exit, the peak RSS reached inside the block minus RSS at entry (MB)."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        pytest.skip("needs Linux /proc/self/clear_refs to reset the peak RSS")
    result: list[float] = []
    before = _status_kb("VmRSS")
    yield result
    result.append((_status_kb("VmHWM") - before) / 1024)
