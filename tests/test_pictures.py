"""The pipeline's pictures on tiny inputs: each draws what it claims, where it claims."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from kakite.core import plots
from kakite.curate import samples
from kakite.recognizer.confusion import confusion_figure, error_gallery
from kakite.training.curves import train_val_curves
from kakite.writers import clustering, figures


@pytest.fixture
def drawn(monkeypatch):
    """The figures handed to plots.save, kept open for inspection instead of written."""
    figs = []
    monkeypatch.setattr(plots, "save", lambda fig, path: figs.append(fig))
    return figs


@pytest.fixture
def sheets(monkeypatch):
    """The arguments of every plots.tile_sheet call, instead of drawing."""
    calls = []
    monkeypatch.setattr(plots, "tile_sheet", lambda tiles, path, title, **kw: calls.append({"tiles": tiles, **kw}))
    return calls


def test_tile_sheet_puts_a_tile_in_its_row_and_column_and_leaves_nan_blank(tmp_path):
    tiles = np.zeros((2, 3, 8, 8))
    tiles[1, 2] = 1.0  # the only ink: bottom row, last column
    tiles[0, 0] = np.nan
    plots.tile_sheet(tiles, tmp_path / "s.png", "")
    grey = np.asarray(Image.open(tmp_path / "s.png").convert("L"), dtype=float)
    y, x = np.argwhere(grey < 128).mean(axis=0)
    assert y > grey.shape[0] / 2 and x > 2 * grey.shape[1] / 3
    plots.tile_sheet(tiles, tmp_path / "big.png", "", zoom=3.0)
    assert Image.open(tmp_path / "big.png").width > 1.5 * Image.open(tmp_path / "s.png").width


def test_spread_keeps_the_first_and_last_names():
    assert plots.spread(np.array(["d", "a", "c", "b", "e", "a"]), 3).tolist() == ["a", "c", "e"]
    assert plots.spread(np.array(["b", "a"]), 5).tolist() == ["a", "b"]


def test_sample_headers_name_the_splits_and_put_kakites_domains_first():
    by_part = {"train": {"strokes": 5, "typeset": 3}, "val": {"strokes": 1},
               "test": {"handwriting_font": 2, "strokes": 1, "kuzushiji": 4}}
    headers = samples.headers(by_part)
    assert list(headers) == ["typeset", "strokes", "handwriting_font", "kuzushiji"]
    assert headers["handwriting_font"].endswith("(2 images; test only)")
    assert headers["strokes"].endswith("(7 images; train, val, test)")
    assert headers["kuzushiji"] == "kuzushiji (4 images; test only)"


def test_domain_sheet_rows_are_writers_columns_the_sample_kana(sheets, tmp_path):
    charset = samples.SAMPLE_KANA + "ん"
    a, i = charset.index("あ"), charset.index("い")
    data = {"images": np.array([np.full((4, 4), v, np.uint8) for v in (0, 255, 51, 102)]),
            "labels": np.array([a, i, a, a]), "domains": np.array(["typeset", "typeset", "strokes", "strokes"]),
            "writers": np.array(["f1", "f1", "w1", "w2"])}
    samples.domain_sheet(data, charset, {"typeset": "T", "strokes": "S"}, 3, tmp_path / "x.png")
    (call,) = sheets
    tiles = call["tiles"]
    assert tiles.shape == (3, len(samples.SAMPLE_KANA), 4, 4)
    assert call["row_labels"] == ["f1", "w1", "w2"] and call["row_groups"] == {0: "T", 1: "S"}
    assert tiles[0, 0].max() == 1.0 and tiles[0, 1].max() == 0.0  # あ dark ink, い blank paper
    assert tiles[1, 0].max() == pytest.approx(0.8) and np.isnan(tiles[1, 1]).all()  # w1 wrote no い


def test_confusion_marks_the_most_confused_pair_at_its_cell(tmp_path):
    y_true = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    y_pred = np.array([0, 0, 0, 1, 2, 2, 2, 2, 2, 0])  # い→う twice, う→あ once
    fig, pairs = confusion_figure(y_true, y_pred, "あいう", "t", marked=1)
    assert [(p["true"], p["predicted"], p["count"], p["row"], p["col"]) for p in pairs] == [("い", "う", 2, 1, 2)]
    ax = fig.axes[0]
    share = ax.images[0].get_array()
    assert share[1, 2] == pytest.approx(2 / 3) and share[2, 0] == pytest.approx(1 / 4)
    assert np.ma.is_masked(share[1, 1]) or np.isnan(share[1, 1])  # right answers are not coloured
    (marker,) = [line for line in ax.lines if line.get_marker() == "o"]
    assert (list(marker.get_xdata()), list(marker.get_ydata())) == ([2], [1])
    assert "い → う   2  (67%)" in fig.axes[1].texts[0].get_text()
    plots.save(fig, tmp_path / "c.png")
    assert Image.open(tmp_path / "c.png").size[0] > 500


def test_error_gallery_one_image_per_mistake_most_frequent_first():
    labels = np.array([0, 1, 1, 2, 2, 0, 0])
    pred = np.array([1, 2, 2, 0, 0, 1, 0])  # strokes: あ→い once (row 0), い→う twice; typeset: あ→い
    domains = np.array(["strokes"] * 5 + ["typeset"] * 2)
    domains[3:5] = "fonts"  # う→あ ×2 in its own domain
    test = {"images": np.arange(7)[:, None, None] * np.ones((1, 2, 2), np.uint8), "labels": labels,
            "domains": domains}
    gallery = error_gallery(test, pred, "あいう", per_domain=5)
    names = list(gallery)
    assert [n.split("\n")[0] for n in names] == ["fonts", "strokes", "typeset"]
    assert names[1] == "strokes\n0.0%, 3 wrong" and names[2] == "typeset\n50.0%, 1 wrong"
    images, captions = gallery[names[1]]
    assert captions == ["い→う ×2", "あ→い"] and images[:, 0, 0].tolist() == [1, 0]
    assert error_gallery(test, pred, "あいう", per_domain=1)[names[1]][1] == ["い→う ×2"]


def test_curves_put_training_and_validation_on_one_panel_per_measure(drawn):
    history = {"epoch": [1, 2, 3], "loss": [3.0, 2.0, 1.0], "val_loss": [2.5, 1.5, 1.2], "accuracy": [0.1, 0.5, 0.8]}
    train_val_curves(history, ("accuracy", "loss", "auc"), None, "t")
    axes = [ax for ax in drawn[0].axes if ax.get_title()]
    assert [ax.get_title() for ax in axes] == ["accuracy", "loss"]  # no auc in the history: no panel
    lines = {line.get_label(): list(line.get_ydata()) for line in axes[1].lines}
    assert lines == {"training": [3.0, 2.0, 1.0], "validation": [2.5, 1.5, 1.2]}
    assert [line.get_label() for line in axes[0].lines] == ["training"]
    assert list(axes[1].lines[0].get_xdata()) == [1, 2, 3]


def _writers(per_writer: int, n_writers: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Well-separated writer clusters in 4-D, rows interleaved."""
    rng = np.random.default_rng(seed)
    writers = np.tile(np.array([f"w{k}" for k in range(n_writers)]), per_writer)
    centres = 10.0 * np.eye(4)[:n_writers]
    return centres[np.searchsorted(np.unique(writers), writers)] + rng.normal(0, 0.3, (len(writers), 4)), writers


def test_ami_by_mean_size_agrees_with_the_table_and_skips_too_few_means():
    z, writers = _writers(per_writer=8)
    found = clustering.ami_by_mean_size(z, writers, (1, 2, 3, 8), seed=0)
    assert set(found) == {1, 2, 3}  # 8 images per writer in means of 8: 3 points for K = 3
    assert found[1] == 1.0
    table = clustering.protocol_table(z, {"m": (z, z)}, writers, 2, seed=0)
    want = ("m", "K-Means", "z_style, mean of 2 (4)")
    (row,) = [r for r in table["rows"] if (r["model"], r["method"], r["features"]) == want]
    assert found[2] == row["ami"]


class _Stylist:
    """Renders every digit as a tile filled with the style's first number."""

    labels = "0123456789"

    def render(self, z_style: np.ndarray, digits: str) -> np.ndarray:
        return np.full((len(digits), 2, 2), float(z_style[0, 0]))


def test_style_sheet_shows_the_writers_digits_then_each_models_mean_style(sheets):
    rows = [("a", d, d / 10) for d in range(10)] + [("a", 0, 0.95), ("b", 3, 0.5)]
    writers = np.array([w for w, _, _ in rows])
    labels = np.array([d for _, d, _ in rows])
    x = np.array([np.full((2, 2, 1), v) for _, _, v in rows])
    z = np.where(writers == "a", 0.2, 0.7)[:, None] * np.ones((1, 3))
    z[labels == 1] = 0.4
    shown = figures.style_sheet(x, labels, writers, {"m": _Stylist()}, {"m": z}, 8, None, "t")
    (call,) = sheets
    tiles = call["tiles"]
    assert shown == ["a", "b"] and tiles.shape == (2, 20, 2, 2)
    assert [tiles[0, d, 0, 0] for d in range(10)] == pytest.approx([d / 10 for d in range(10)])  # first of each
    assert tiles[0, 10:].ravel() == pytest.approx(z[writers == "a", 0].mean())  # the mean of a's styles
    assert np.isnan(tiles[1, 0]).all() and tiles[1, 3, 0, 0] == 0.5 and tiles[1, 12, 0, 0] == pytest.approx(0.7)
    assert list(call["col_groups"]) == [0, 10] and call["row_labels"] == ["a", "b"]


def test_clustering_by_mean_size_draws_a_curve_per_feature_space(tmp_path):
    z, writers = _writers(per_writer=6)
    x = z[:, :, None] * np.ones((1, 1, 3))
    found = figures.clustering_by_mean_size({"new_writers": (x, writers, {"m": z})}, 0, tmp_path / "c.png", 2,
                                            sizes=(1, 2, 3))
    assert set(found["new_writers"]) == {"raw pixels", "m z_style"}
    assert found["new_writers"]["m z_style"] == {1: 1.0, 2: 1.0, 3: 1.0}
    assert Image.open(tmp_path / "c.png").width > 300
