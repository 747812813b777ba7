"""Native libraries' start-up chatter kept off the user's terminal; Python warnings and real errors still show.

TensorFlow prints a dozen lines on import (CUDA factories registered twice, absl's "before InitializeLog"
notice, oneDNN and CPU-feature notes) straight to file descriptor 2, where neither `warnings` nor
logging can filter them, and LiteRT announces its XNNPACK delegate the same way. `silenced_stderr`
points descriptor 2 at /dev/null for the span of such a call only; an exception raised inside still
reaches the user, since Python prints it after the descriptor is restored. `install` makes the first
`import tensorflow` anywhere (kakite, tf_keras, tensorflowjs) go through it, and drops the one Python
warnings every model load or predict repeats (unbuilt metrics: nothing is trained then; "retracing":
each model gets its own predict graph, as it must).
TF_CPP_MIN_LOG_LEVEL defaults to 1 (INFO hidden, warnings and errors shown); set to 0, everything shows.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import logging
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def silenced_stderr() -> Iterator[None]:
    """File descriptor 2 goes to /dev/null inside the block (unless TF_CPP_MIN_LOG_LEVEL=0)."""
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0":
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class _QuietTensorFlowFinder:
    """Finds `tensorflow` as usual, then runs its import (and the CUDA probe) with stderr silenced.

    The finder and loader protocols are duck-typed (find_spec; create_module and exec_module), as the
    import system allows: importlib.abc would pull importlib.resources, tempfile and random into the
    start-up of every kakite command, TensorFlow or not."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader:
    def __init__(self, inner: importlib.abc.Loader) -> None:
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module) -> None:
        with silenced_stderr():
            self.inner.exec_module(module)
            if not os.environ.get("TF_CONFIG"):  # a multi-worker run must configure collectives before TF runs
                module.config.list_physical_devices()  # the failed cuInit of a machine without a GPU is logged here
                module.function(lambda: module.constant(1.0) + 1.0)()  # the first graph run's one-time MLIR notice
        logging.getLogger("tensorflow").addFilter(_drop_repeated_notices)


REPEATED_NOTICES = ("compiled metrics have yet to be built", "triggered tf.function retracing")


def _drop_repeated_notices(record: logging.LogRecord) -> bool:
    return not any(notice in record.getMessage() for notice in REPEATED_NOTICES)


def install() -> None:
    """Quiet TensorFlow's import from now on (idempotent, cheap: nothing is imported here)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    if not any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())
