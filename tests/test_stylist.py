"""Stylist (kakite/writers/model_dir.py) against hand-built linear models: known inputs, known outputs."""

import json

import numpy as np
import pytest
from PIL import Image

from kakite.core import preprocess
from kakite.core.errors import KakiteError
from kakite.writers.model_dir import META_FILE, Stylist


class Encoder:
    """x (n, 2, 2, 1) -> (mu_c, logvar_c, mu_s, logvar_s): content = top-row sum, style = bottom-row sum."""

    def predict(self, x, batch_size=None, verbose=0):
        x = x[..., 0]
        mu_c, mu_s = x[:, 0].sum(axis=1, keepdims=True), x[:, 1].sum(axis=1, keepdims=True)
        return mu_c, np.zeros_like(mu_c), mu_s, np.zeros_like(mu_s)


class Decoder:
    """[z_content (n, 1), z_style (n, 1)] -> (n, 1, 2, 1): pixels (content, style)."""

    def predict(self, z, verbose=0):
        z_content, z_style = z
        return np.stack([z_content, z_style], axis=-1)[:, :, :, None].reshape(len(z_content), 1, 2, 1)


def stylist() -> Stylist:
    means = np.array([[0.0], [0.1], [0.2]], np.float32)  # content means of "0", "1", "2"
    return Stylist(Encoder(), Decoder(), preprocess.DIGITS, means, {"labels": ["0", "1", "2"]})


def test_encode_returns_the_means_not_the_log_variances():
    x = np.array([[[1.0, 2.0], [3.0, 4.0]]])[..., None]
    mu_c, mu_s = stylist().encode(x)
    assert (mu_c.tolist(), mu_s.tolist()) == ([[3.0]], [[7.0]])


def test_restyle_pairs_each_digit_content_mean_with_the_style_of_x():
    x = np.array([[[0.0, 0.0], [0.25, 0.25]]])[..., None]  # style 0.5
    images = stylist().restyle(x, "201")
    np.testing.assert_allclose(images, [[[0.2, 0.5]], [[0.0, 0.5]], [[0.1, 0.5]]])


def test_labels_and_prepare_use_the_meta_and_the_digit_spec():
    s = stylist()
    assert s.labels == "012"
    gray = np.full((10, 10), 255, np.uint8)
    gray[2:8, 4:6] = 0
    assert s.prepare(gray).shape == (28, 28)


def test_write_sheet_is_dark_ink_on_white_enlarged(tmp_path):
    images = np.array([[[0.0, 1.0]], [[0.5, 0.2]]])  # two 1 x 2 images side by side -> 1 x 4
    Stylist.write_sheet(images, tmp_path / "sheet.png", scale=2)
    sheet = np.asarray(Image.open(tmp_path / "sheet.png"))
    row = [255, 0, 128, 204]  # 255 * (1 - v), rounded half to even at 127.5
    assert sheet.tolist() == [[v for v in row for _ in range(2)]] * 2


def test_load_names_what_is_missing(tmp_path):
    with pytest.raises(KakiteError, match="no trained style VAE"):
        Stylist.load(tmp_path)
    (tmp_path / META_FILE).write_text(json.dumps({"labels": ["0"]}), encoding="utf-8")
    with pytest.raises(KakiteError, match="not a style VAE"):
        Stylist.load(tmp_path)
