"""In CI a skip is a failure, except the intended ones: a suite run in a fresh pytest process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

SKIPPING = '''
import pytest

def test_needs_a_browser():
    pytest.skip("{reason}")
'''


@pytest.mark.parametrize(
    ("ci", "reason", "passes"),
    [
        ("true", "/usr/bin/chromium is not installed", False),
        ("", "/usr/bin/chromium is not installed", True),
        ("false", "font family 'IPAGothic' is not installed", True),
        ("1", "no WebGL in this Chromium: context lost", True),
    ],
)
def test_ci_turns_unintended_skips_into_failures(tmp_path, ci, reason, passes):
    shutil.copy(REPO / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_skip.py").write_text(SKIPPING.format(reason=reason))
    env = {**os.environ, "CI": ci}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                           "--rootdir", str(tmp_path), str(tmp_path)], env=env, capture_output=True, text=True,
                          cwd=tmp_path)
    assert (done.returncode == 0) is passes, done.stdout
    assert ("CI forbids skips" in done.stdout) is not passes
