"""Who wrote it, compared fairly: which writers the VAE may see, which images each protocol clusters,
and the seed's table for several models at once (no TensorFlow)."""

from __future__ import annotations

import numpy as np
import pytest

from kakite.core.atomic import save_npz
from kakite.core.errors import ParamsError
from kakite.writers import clustering, disentangle, protocols


def test_new_writers_are_a_stable_seeded_draw_that_leaves_writers_to_train_on():
    writers = np.array([f"w{i:02d}" for i in range(12)] * 3)
    new = protocols.draw_new_writers(writers, 4, seed=3)
    assert len(new) == 4 and set(new) <= set(writers) and list(new) == sorted(new)
    assert list(protocols.draw_new_writers(writers[::-1], 4, seed=3)) == list(new)  # order-free
    assert len(protocols.draw_new_writers(writers, 0, seed=3)) == 0
    with pytest.raises(ParamsError, match="new_writers"):
        protocols.draw_new_writers(writers, 11, seed=3)


def test_protocol_rows_keep_the_most_frequent_allowed_writers():
    writers = np.array(["a", "a", "a", "b", "b", "c", "d", "d", "d", "d"])
    assert list(writers[protocols.protocol_rows(writers, np.array(["a", "b", "c"]), 2)]) == ["a"] * 3 + ["b"] * 2
    assert protocols.protocol_rows(writers, np.array(["d"]), 5).sum() == 4
    assert not protocols.protocol_rows(writers, np.array([], dtype=str), 5).any()


def test_load_digits_withholds_the_new_writers_from_every_part(tmp_path):
    rng = np.random.default_rng(0)
    for part, n in (("train", 120), ("val", 30), ("test", 40)):
        writers = np.array([f"w{i % 10}" for i in range(n)])
        save_npz(tmp_path / f"digits_{part}.npz", images=rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
                 labels=rng.integers(0, 10, n), writers=writers)
    parts, new = disentangle.load_digits(tmp_path, 3, seed=1)
    assert len(new) == 3
    for part in disentangle.PARTS:
        assert not set(parts[part]["writers"]) & set(new)
        assert parts[part]["x"].shape[1:] == (28, 28, 1)
        assert parts[part]["w"].max() == 6  # ids over the 7 writers left
    assert len(parts["train"]["y"]) == 120 * 7 // 10


def test_protocol_table_scores_pixels_once_and_every_model():
    rng = np.random.default_rng(0)
    writers = np.repeat(np.array(["w0", "w1", "w2"]), 8)
    centres = rng.normal(0, 5, (3, 4))
    style = centres[np.unique(writers, return_inverse=True)[1]] + rng.normal(0, 0.1, (24, 4))
    noise = rng.normal(0, 1, (24, 4))
    x = rng.random((24, 28, 28, 1))
    table = clustering.protocol_table(x, {"good": (noise, style), "bad": (style, noise)}, writers, 4, seed=0)
    assert (table["writers"], table["images"]) == (3, 24)
    models = [(row["model"], row["features"]) for row in table["rows"] if row["method"] == "K-Means"]
    assert models == [("", "raw pixels (784)"), ("good", "z_content (4)"), ("good", "z_style (4)"),
                      ("good", "z_style, mean of 4 (4)"), ("bad", "z_content (4)"), ("bad", "z_style (4)"),
                      ("bad", "z_style, mean of 4 (4)")]
    by = {(row["model"], row["method"], row["features"]): row["ami"] for row in table["rows"]}
    assert by[("good", "K-Means", "z_style (4)")] == 1.0
    ratios = table["ami_ratio_style_vs_pixels_kmeans"]
    assert set(ratios) == {"good", "bad"} and ratios["good"] > ratios["bad"]
