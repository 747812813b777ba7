"""Real-dataset sources through the real stages: fetch downloads from 127.0.0.1, grayscale reads the download.

EMNIST (digits with writer ids) and NDL hiragana73 are served from fixtures built in their real
layouts (tests/dataset_fixtures.py); no network beyond loopback, no training.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.workspace import make_copy, run
from kakite.acquire.download import file_sha256
from kakite.core.atomic import load_npz
from tests.dataset_fixtures import write_emnist_matlab_zip, write_hiragana73_zip
from tests.http_server import LocalServer

pytestmark = pytest.mark.slow


def test_emnist_and_hiragana73_are_fetched_and_read_like_the_embedded_data(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    write_emnist_matlab_zip(served / "matlab.zip")
    write_hiragana73_zip(served / "hiragana73.zip")
    with LocalServer(served) as server:
        overrides = {
            "data": {"source": {"hiragana": ["embedded", "hiragana73"], "digits": "emnist"}},
            "fetch": {"sources": {
                "emnist": {"url": server.url("/matlab.zip"), "member": "matlab/emnist-digits.mat", "sha256": ""},
                "hiragana73": {"url": server.url("/hiragana73.zip"),
                               "sha256": file_sha256(served / "hiragana73.zip")}}},
        }
        repo = make_copy(tmp_path / "repo", overrides)
        run(["dvc", "repro", "grayscale"], repo)
    digits = load_npz(repo / "data/gray/digits.npz")
    assert set(digits["domains"].tolist()) == {"emnist"}
    assert all(w.startswith("emnist") for w in digits["writers"].tolist())
    assert digits["images"].shape[1:] == (28, 28)
    # EMNIST is light ink on black; kakite stores dark ink on light, as every other source
    assert np.median(digits["images"][:, 0, :]) == 255
    hira = load_npz(repo / "data/gray/hiragana.npz")
    assert {"typeset", "strokes", "handwriting_font"} <= set(hira["domains"].tolist())
    assert (hira["writers"] == "ndl").sum() > 0
    digests = json.loads((repo / "data/raw/digests.json").read_text())
    assert digests["matlab.zip"] == file_sha256(served / "matlab.zip")
