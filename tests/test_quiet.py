"""TensorFlow's native start-up chatter stays off stderr once kakite is imported; warnings that matter don't."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import REPO

SCRIPT = """
import warnings
import kakite
import tf_keras
import tensorflow as tf
model = tf_keras.Sequential([tf_keras.layers.Dense(2, input_shape=(3,))])
model.predict(tf.zeros((1, 3)), verbose=0)
tf.function(lambda x: x * 2)(tf.ones(2))
warnings.warn("a warning that matters")
"""


def _stderr(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env={**clean, **env}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_tensorflow_is_quiet_but_python_warnings_still_show():
    err = _stderr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all("a warning that matters" in line for line in lines), err


def test_level_zero_shows_everything_again():
    """TensorFlow's native INFO lines ("<date> <time>: I <file>:<line>] ...") are back. Which ones depends on
    the machine: the oneDNN banner only where TensorFlow turns oneDNN on (not on every x86 CPU), the CUDA
    probes where no GPU is found."""
    assert re.search(r"^\d{4}-\d\d-\d\d [\d:.]+: I \S+:\d+\]", _stderr(TF_CPP_MIN_LOG_LEVEL="0"), re.M)
