"""Real-dataset sources through the real stages: fetch downloads from 127.0.0.1, grayscale reads the download.

EMNIST (digits with writer ids) and NDL hiragana73 are served from fixtures built in their real
layouts (tests/dataset_fixtures.py); no network beyond loopback. Only the EMNIST writer test trains
(the tiny profile: train_vae and cluster on seven fixture writers).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.workspace import make_copy, run
from kakite.acquire.download import file_sha256
from kakite.core.atomic import load_npz
from tests.dataset_fixtures import emnist_writers, write_emnist_matlab_zip, write_hiragana73_zip
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


def test_emnist_writers_get_both_models_and_both_protocols(tmp_path):
    """With data.source.digits: emnist, train_vae and cluster give the same rows on EMNIST's writers."""
    served = tmp_path / "served"
    served.mkdir()
    write_emnist_matlab_zip(served / "matlab.zip", samples=emnist_writers(7, 3), styled=True)
    with LocalServer(served) as server:
        overrides = {
            "data": {"source": {"digits": "emnist"}},
            "fetch": {"sources": {"emnist": {"url": server.url("/matlab.zip"), "member": "matlab/emnist-digits.mat",
                                             "sha256": ""}}},
        }
        repo = make_copy(tmp_path / "repo", overrides)
        run(["dvc", "repro", "cluster"], repo)
    vae = json.loads((repo / "metrics/details/vae.json").read_text())
    assert (vae["writers"], vae["new_writers"]) == (5, 2) and set(vae["baselines"]) == {"seed"}
    meta = json.loads((repo / "data/models/vae/meta.json").read_text())
    assert len(meta["new_writers"]) == 2 and all(w.startswith("emnist") for w in meta["new_writers"])
    cluster = json.loads((repo / "metrics/details/cluster.json").read_text())
    assert set(cluster["protocols"]) == {"seen_writers", "new_writers"}
    assert cluster["protocols"]["new_writers"]["writers"] == 2
    for table in cluster["protocols"].values():
        assert set(table["ami_ratio_style_vs_pixels_kmeans"]) == {"kakite", "seed"}
        assert {row["model"] for row in table["rows"]} == {"", "kakite", "seed"}
