"""KanjiVG loading, the writer style model and stroke rasterisation."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from kakite.acquire.kanjivg import load_strokes
from kakite.acquire.kanjivg import parse_path as _parse_path
from kakite.acquire.strokes import (
    rasterize,
    sample_writer,
    to_canvas_points,
    write_char,
)
from kakite.core.charset import DIGITS, HIRAGANA73
from kakite.core.errors import DataError, ParamsError

PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"


@pytest.fixture(scope="module")
def ranges() -> dict:
    return yaml.safe_load(PARAMS.read_text(encoding="utf-8"))["fetch"]["style"]


def writers(ranges: dict, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [sample_writer(rng, ranges) for _ in range(n)]


@pytest.mark.parametrize("char", list(HIRAGANA73 + DIGITS))
def test_every_class_loads_in_unit_box(char):
    strokes = load_strokes(char)
    assert len(strokes) >= 1
    for stroke in strokes:
        assert stroke.ndim == 2 and stroke.shape[1] == 2 and len(stroke) >= 2
        assert stroke.min() >= 0.0 and stroke.max() <= 1.0


@pytest.mark.parametrize(
    ("char", "count"),
    [
        ("あ", 3),
        ("い", 2),
        ("く", 1),
        ("け", 3),
        ("ば", 5),
        ("ぱ", 4),
        ("ゐ", 1),
        ("0", 1),
        ("4", 2),
        ("7", 2),
    ],
)
def test_known_stroke_counts(char, count):
    assert len(load_strokes(char)) == count


def test_stroke_order_kept():
    # あ: the horizontal bar comes first, then the long vertical stroke.
    first, second, _ = load_strokes("あ")
    assert np.ptp(first[:, 0]) > np.ptp(first[:, 1])
    assert np.ptp(second[:, 1]) > np.ptp(second[:, 0])


def test_cached_strokes_cannot_be_corrupted():
    strokes = load_strokes("あ")
    with pytest.raises(ValueError):
        strokes[0][0, 0] = 5.0
    strokes.clear()
    assert len(load_strokes("あ")) == 3


def test_missing_char_names_the_file():
    with pytest.raises(DataError, match=r"kanji/10fffd\.svg"):
        load_strokes("\U0010fffd")


def test_path_parser_handles_relative_absolute_and_smooth_commands():
    (line,) = _parse_path("M10,10l10,0L30,10h5V20v5c5,5,5,5,0,10s0,10,0,10H40", "test")
    np.testing.assert_allclose(line[0], [10, 10])
    np.testing.assert_allclose(line[-1], [40, 45])
    assert any(np.allclose(p, q) for p in line for q in [(20, 10), (35, 20), (35, 25), (35, 35)])
    # The c bulges right (x > 35); s mirrors its last control point (40,30) to (30,40), so it bulges left.
    curve_c = line[(line[:, 1] > 25) & (line[:, 1] < 35)]
    curve_s = line[(line[:, 1] > 35) & (line[:, 1] < 45)]
    assert curve_c[:, 0].max() > 37 and curve_s[:, 0].min() < 34
    (square,) = _parse_path("m1,1 h2 v2 h-2 z", "test")
    np.testing.assert_allclose(square[[0, 1, 2, 3, -1]], [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]])
    with pytest.raises(DataError, match="unsupported SVG path command 'A'"):
        _parse_path("M0,0A1,1,0,0,1,5,5", "test")
    with pytest.raises(DataError, match="numbers without a command"):
        _parse_path("M0,0 L1,1 Z 5,5", "test")


def test_sample_writer_draws_within_ranges(ranges):
    for style in writers(ranges, 20):
        assert ranges["slant_deg"][0] <= style.slant_deg <= ranges["slant_deg"][1]
        width = ranges["pen_width"] if style.pen.kind == "ballpoint" else ranges[f"{style.pen.kind}_width"]
        assert width[0] <= style.pen_width <= width[1]
        assert ranges["variant_rate"][0] <= style.variant_rate <= ranges["variant_rate"][1]
        assert max(abs(o) for o in style.offset) <= ranges["offset"]


def test_sample_writer_names_a_missing_key(ranges):
    incomplete = {k: v for k, v in ranges.items() if k != "aspect"}
    with pytest.raises(ParamsError, match=r"fetch\.style\.aspect"):
        sample_writer(np.random.default_rng(0), incomplete)


def test_written_strokes_stay_in_box(ranges):
    rng = np.random.default_rng(1)
    for style in writers(ranges, 10):
        for char in "あぱゐ8":
            strokes = write_char(char, style, rng, sample_noise=1.0)
            assert strokes
            for s in strokes:
                assert s.shape[1] == 3
                half = s[:, 2] / 2
                assert (s[:, :2] - half[:, None]).min() >= 0 and (s[:, :2] + half[:, None]).max() <= 1
                assert (s[:, 2] > 0).all()


def test_same_seed_same_pixels_and_writers_differ(ranges):
    def sample(seed: int, writer_index: int) -> np.ndarray:
        style = writers(ranges, 3)[writer_index]
        return rasterize(write_char("ね", style, np.random.default_rng(seed), 0.35), 48)

    np.testing.assert_array_equal(sample(5, 0), sample(5, 0))
    assert not np.array_equal(sample(5, 0), sample(6, 0))
    assert not np.array_equal(sample(5, 0), sample(5, 1))


def test_zero_sample_noise_writes_identically(ranges):
    style = writers(ranges, 1)[0]
    a = rasterize(write_char("す", style, np.random.default_rng(1), 0.0), 48)
    b = rasterize(write_char("す", style, np.random.default_rng(2), 0.0), 48)
    np.testing.assert_array_equal(a, b)


def test_samples_are_closer_to_their_own_writer(ranges):
    """Writer ids must be real labels: persistent traits dominate per-sample noise."""
    rng = np.random.default_rng(3)
    styles = writers(ranges, 6, seed=11)
    n_samples = 4
    owner = np.repeat(np.arange(len(styles)), n_samples)
    same = owner[:, None] == owner[None]
    off_diagonal = ~np.eye(len(owner), dtype=bool)
    for char in "あさね5":
        images = [rasterize(write_char(char, s, rng, 0.35), 32) for s in styles for _ in range(n_samples)]
        flat = np.array(images, dtype=np.float64).reshape(len(images), -1) / 255.0
        dist = np.linalg.norm(flat[:, None] - flat[None], axis=-1)
        assert dist[same & off_diagonal].mean() < 0.8 * dist[~same].mean()
        nearest = np.where(off_diagonal, dist, np.inf).argmin(axis=1)
        assert (owner[nearest] == owner).mean() > 0.6  # chance is 1/6


def test_rasterize_is_dark_ink_on_white():
    strokes = [np.array([[0.2, 0.5, 0.08], [0.8, 0.5, 0.08]])]
    image = rasterize(strokes, 28)
    assert image.dtype == np.uint8 and image.shape == (28, 28)
    assert image[0, 0] == 255 and image[-1, -1] == 255
    assert image[14, 14] < 40  # on the stroke
    assert (image < 128).mean() < 0.2


def test_rasterized_glyph_has_ink(ranges):
    style = writers(ranges, 1)[0]
    image = rasterize(write_char("ぬ", style, np.random.default_rng(0), 0.35), 48)
    assert image.shape == (48, 48)
    assert (image < 128).sum() > 40
    assert np.median(image) == 255


def test_to_canvas_points_scales_to_pixels():
    strokes = [np.array([[0.0, 0.5, 0.05], [1.0, 0.25, 0.05]])]
    assert to_canvas_points(strokes, 280) == [[(0.0, 140.0), (280.0, 70.0)]]
