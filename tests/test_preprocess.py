"""THE preprocessing spec: one glyph, however it was drawn or stored, gives one model input."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pytest

from kakite.core import preprocess
from kakite.core.errors import NoInkError
from kakite.core.images import composite_over_white
from kakite.core.preprocess import DIGITS, HIRAGANA, Spec, area_weights, batch, spec_constants, to_model_input
from tests import image_fixtures as fx

# A one-pixel shift of the reference input differs from it by ~0.07 mean abs: "nearly the same" is tighter.
SAME_GLYPH_TOLERANCE = 0.045


def ink_box(x: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, height, width) of the pixels with any ink."""
    rows, cols = np.flatnonzero(x.any(axis=1)), np.flatnonzero(x.any(axis=0))
    return rows[0], cols[0], rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return to_model_input(fx.dark_on_light())


@pytest.mark.parametrize("name", sorted(fx.GRAY_FIXTURES))
def test_output_is_float32_in_unit_range_with_ink_one(name: str) -> None:
    x = to_model_input(fx.GRAY_FIXTURES[name]())
    assert x.shape == (48, 48) and x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() == 1.0
    assert x[0].max() == x[-1].max() == x[:, 0].max() == x[:, -1].max() == 0.0  # paper is 0, margin kept


@pytest.mark.parametrize("name", sorted(fx.GRAY_FIXTURES))
@pytest.mark.parametrize("spec", [HIRAGANA, DIGITS], ids=["hiragana", "digits"])
def test_longer_side_of_ink_box_is_box_and_centred(name: str, spec: Spec) -> None:
    x = to_model_input(fx.GRAY_FIXTURES[name](), spec)
    top, left, h, w = ink_box(x)
    assert max(h, w) == spec.box
    assert (top, left) == ((spec.size - h) // 2, (spec.size - w) // 2)


@pytest.mark.parametrize("name", ["light_on_dark", "off_centre"])
def test_polarity_and_position_do_not_matter(name: str, reference: np.ndarray) -> None:
    np.testing.assert_array_equal(to_model_input(fx.GRAY_FIXTURES[name]()), reference)


def test_browser_canvas_with_ink_only_in_alpha_matches_the_scan(reference: np.ndarray) -> None:
    """The seed's bug: the canvas alpha channel is light-on-dark. Composited over white it is a scan."""
    canvas = fx.rgba_canvas()
    assert canvas[..., :3].max() == 0  # all information is in alpha
    np.testing.assert_array_equal(to_model_input(composite_over_white(canvas)), reference)


@pytest.mark.parametrize("name", ["scaled_up", "huge", "noisy_paper"])
def test_same_glyph_at_other_sizes_or_on_noisy_paper_is_nearly_alike(name: str, reference: np.ndarray) -> None:
    x = to_model_input(fx.GRAY_FIXTURES[name]())
    assert np.abs(x - reference).mean() < SAME_GLYPH_TOLERANCE


@pytest.mark.parametrize("name", sorted(fx.NO_INK_FIXTURES))
def test_blank_and_near_blank_are_no_character(name: str) -> None:
    with pytest.raises(NoInkError, match=r"^no character: ink contrast \d+ is below 32"):
        to_model_input(fx.NO_INK_FIXTURES[name]())


@pytest.mark.parametrize("name", sorted(fx.SPECK_FIXTURES))
def test_a_dot_or_a_speck_is_no_character(name: str) -> None:
    for spec in (HIRAGANA, DIGITS):
        with pytest.raises(NoInkError, match=r"^no character: the ink spans \d+ px, below 0.1 .*a dot or a speck"):
            to_model_input(fx.SPECK_FIXTURES[name](), spec)


def test_min_extent_is_the_boundary() -> None:
    assert to_model_input(fx.EDGE_FIXTURES["speck_at_min_extent"]()).max() == 1.0
    assert to_model_input(fx.speck(9), Spec(min_extent=0.09)).max() == 1.0
    assert to_model_input(fx.speck(1), Spec(min_extent=0)).max() == 1.0  # 0 turns the rule off


def test_min_contrast_is_the_boundary() -> None:
    g = fx.near_blank()  # contrast exactly 20
    with pytest.raises(NoInkError):
        to_model_input(g, Spec(min_contrast=21))
    assert to_model_input(g, Spec(min_contrast=20)).max() == 1.0


def test_thin_strokes_keep_full_ink(reference: np.ndarray) -> None:
    """1-px strokes averaged down 5x would fade to ~0.38; renormalisation keeps them at 1."""
    x = to_model_input(fx.thin_strokes())
    assert x.max() == 1.0
    assert (x > 0.5).sum() >= 2 * HIRAGANA.box  # at least two box-lengths of solid stroke
    assert np.corrcoef(x.ravel(), reference.ravel())[0, 1] > 0.3  # still the same character


def test_thick_strokes_give_more_ink_than_the_reference(reference: np.ndarray) -> None:
    x = to_model_input(fx.thick_strokes())
    assert x.sum() > 1.5 * reference.sum()
    assert np.corrcoef(x.ravel(), reference.ravel())[0, 1] > 0.6


def test_strokes_touching_the_border_do_not_flip_polarity() -> None:
    """The border median ignores ink that reaches the edge (here: the down-stroke, top and bottom)."""
    g = fx.glyph(canvas=(64, 64), box=(8, 0, 56, 64))
    assert (g[0] < 128).any() and (g[-1] < 128).any()
    np.testing.assert_array_equal(to_model_input(g), to_model_input(255 - g))


def test_area_weights_hand_computed() -> None:
    np.testing.assert_allclose(area_weights(4, 2), [[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    np.testing.assert_allclose(area_weights(3, 2), [[2 / 3, 1 / 3, 0], [0, 1 / 3, 2 / 3]], rtol=1e-6)
    np.testing.assert_allclose(area_weights(2, 3), [[1, 0], [0.5, 0.5], [0, 1]])
    np.testing.assert_allclose(area_weights(1, 4), np.ones((4, 1)))


@pytest.mark.parametrize(("n", "m"), [(7, 3), (3, 7), (40, 40), (4000, 40), (5, 40)])
def test_area_weights_average_and_conserve_area(n: int, m: int) -> None:
    w = area_weights(n, m)
    assert (w >= 0).all()
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-5)  # each output is a mean
    np.testing.assert_allclose(w.sum(axis=0), m / n, rtol=1e-5)  # each input pixel counts by its area


def test_four_by_four_crop_to_two_by_two_is_the_block_mean() -> None:
    d = np.array([[200, 100, 0, 40], [100, 0, 60, 20], [0, 80, 0, 0], [60, 0, 0, 100]])
    gray = np.full((6, 6), 255, dtype=np.uint8)
    gray[1:5, 1:5] = 255 - d
    x = to_model_input(gray, Spec(size=4, box=2))
    expected = np.zeros((4, 4))
    expected[1:3, 1:3] = np.array([[100, 30], [35, 25]]) / 100  # block means, renormalised by the largest
    np.testing.assert_allclose(x, expected, atol=1e-6)


def test_sides_round_half_up_as_in_javascript() -> None:
    """A 5 x 8 crop into box 4: 5 * 4 / 8 = 2.5 rounds to 3 (Python's round() would give 2)."""
    gray = np.full((12, 12), 255, dtype=np.uint8)
    gray[2:7, 2:10] = 0
    top, left, h, w = ink_box(to_model_input(gray, Spec(size=8, box=4)))
    assert (h, w) == (3, 4)
    assert (top, left) == (2, 2)


def test_tiny_images_work() -> None:
    """2 x 2: the border is the whole image; its lower median (255) is the paper."""
    x = to_model_input(np.array([[0, 255], [255, 255]], dtype=np.uint8))
    assert ink_box(x) == (4, 4, 40, 40)
    assert x.sum() == 40 * 40


@pytest.mark.parametrize(
    "bad", [np.zeros((4, 4), np.float32), np.zeros((4, 4, 3), np.uint8), np.zeros((0, 5), np.uint8)]
)
def test_rejects_anything_but_uint8_2d(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="uint8 2-D"):
        to_model_input(bad)


def test_batch_matches_single_images_and_names_a_blank_one() -> None:
    grays = [fx.dark_on_light(), fx.off_centre(), fx.tiny()]
    out = batch(grays, HIRAGANA)
    assert out.shape == (3, 48, 48, 1) and out.dtype == np.float32
    for x, g in zip(out, grays, strict=True):
        np.testing.assert_array_equal(x[..., 0], to_model_input(g))
    assert batch([], DIGITS).shape == (0, 28, 28, 1)
    with pytest.raises(NoInkError, match=r"^image 1: no character"):
        batch([fx.dark_on_light(), fx.blank()], HIRAGANA)


def test_spec_constants_are_json_and_complete() -> None:
    constants = json.loads(json.dumps(spec_constants(DIGITS)))
    assert {k: constants[k] for k in ("size", "box", "min_contrast", "ink_threshold")} == {
        "size": 28,
        "box": 20,
        "min_contrast": 32.0,
        "ink_threshold": 0.2,
    }
    assert constants["version"] == preprocess.SPEC_VERSION
    assert constants["luma"] == pytest.approx([0.299, 0.587, 0.114])
    assert constants["composite_over"] == 255  # web/preprocess.js composites the canvas over this grey
    assert set(constants) == {"size", "box", "min_contrast", "ink_threshold", "min_extent", "version", "luma",
                              "composite_over"}
    assert Spec(**{k: constants[k] for k in ("size", "box", "min_contrast", "ink_threshold", "min_extent")}) == DIGITS


@pytest.mark.parametrize(
    "kwargs", [{"size": 20, "box": 21}, {"box": 0}, {"min_contrast": 0}, {"ink_threshold": 1.0}, {"min_extent": 1.5}]
)
def test_invalid_spec_is_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="Spec"):
        Spec(**kwargs)


# --- the spec's edges (tests/image_fixtures.py EDGE_FIXTURES; the browser runs the same arrays) --------


def block_input(spec: Spec, top: int, left: int, values: np.ndarray) -> np.ndarray:
    """The exact model input holding ``values`` at (top, left) and zeros elsewhere."""
    x = np.zeros((spec.size, spec.size), np.float32)
    x[top : top + values.shape[0], left : left + values.shape[1]] = values
    return x


@pytest.mark.parametrize("spec", [HIRAGANA, DIGITS])
def test_background_is_the_lower_border_median(spec: Spec) -> None:
    """Border 100 / 110 half and half: bg = 100 makes the ink levels 155 : 80 (110 would give 145 : 70)."""
    scale = spec.box // 4  # the 4 x 4 ink block, upscaled by an integer factor: exact copies
    ink = np.ones((spec.box, spec.box), np.float32)
    ink[:, spec.box // 2 :] = np.float32(80) / np.float32(155)
    expected = block_input(spec, (spec.size - spec.box) // 2, (spec.size - spec.box) // 2, ink)
    assert scale * 4 == spec.box
    np.testing.assert_allclose(to_model_input(fx.border_bimodal(), spec), expected, rtol=1e-6, atol=0)


@pytest.mark.parametrize(("bg", "dark_ink"), [(127, False), (128, True), (129, True)])
def test_polarity_boundary_is_bg_128(bg: int, dark_ink: bool) -> None:
    """bg >= 128 means dark ink (the wide 4 x 8 bar); below, light ink (the tall 8 x 4 bar)."""
    x = to_model_input(fx.two_polarities(bg))
    expected = block_input(HIRAGANA, 14, 4, np.ones((20, 40))) if dark_ink else block_input(
        HIRAGANA, 4, 14, np.ones((40, 20)))
    np.testing.assert_array_equal(x, expected)


def test_a_pixel_exactly_at_the_ink_threshold_is_outside_the_box() -> None:
    """d == 0.2 * peak (51 of 255) does not stretch the crop; d = 52 does (strict ``>``, step 3)."""
    assert HIRAGANA.ink_threshold * 255 == 51.0
    for at in (to_model_input(fx.at_threshold()), to_model_input(fx.at_threshold(below=True))):
        np.testing.assert_array_equal(at, block_input(HIRAGANA, 4, 4, np.ones((40, 40))))
    above = to_model_input(fx.at_threshold(203))
    assert ink_box(above) == (13, 4, 21, 40)  # the crop grows to 8 x 15: 8 * 40 / 15 = 21.3 -> 21 rows


@pytest.mark.parametrize(("name", "spec", "box"), [
    ("odd_margin", HIRAGANA, (4, 11, 40, 25)),  # (48 - 25) // 2 = 11: floor, not round
    ("even_margin", HIRAGANA, (4, 9, 40, 30)),
    ("odd_margin", DIGITS, (4, 7, 20, 13)),  # 5 * 20 / 8 = 12.5 -> 13 (half up), (28 - 13) // 2 = 7
    ("even_margin", DIGITS, (4, 6, 20, 15)),  # (28 - 15) // 2 = 6
    ("half_up_box20", DIGITS, (10, 4, 8, 20)),  # 3 * 20 / 8 = 7.5 -> 8
    ("half_up_box20", HIRAGANA, (16, 4, 15, 40)),
    ("half_up_box40", HIRAGANA, (22, 4, 3, 40)),  # 1 * 40 / 16 = 2.5 -> 3
    ("half_up_box40", DIGITS, (13, 4, 1, 20)),  # 1.25 -> 1
    ("hairline", HIRAGANA, (23, 4, 1, 40)),  # 0.2 + 0.5 floors to 0, kept at 1
])
def test_scaled_size_rounds_half_up_and_centres_by_floor(name: str, spec: Spec, box: tuple) -> None:
    """A solid bar: the output is exactly ones in the (top, left, height, width) the spec's steps 4-5 give."""
    top, left, h, w = box
    x = to_model_input(fx.EDGE_FIXTURES[name](), spec)
    np.testing.assert_array_equal(x, block_input(spec, top, left, np.ones((h, w))))


@pytest.mark.parametrize("shape", [(1, 7), (2, 6), (3, 3), (3, 8), (4, 7), (9, 5), (7, 1)])
def test_border_median_is_the_frame_each_pixel_once(shape: tuple[int, int]) -> None:
    """Random pixels against a mask-and-sort oracle of step 1: the frame (whole image below 3 px), element (n-1)//2."""
    rng = np.random.default_rng(shape[0] * 31 + shape[1])
    for _ in range(20):
        g = rng.integers(0, 256, shape, dtype=np.uint8)
        i, j = np.indices(shape)
        frame = g if min(shape) < 3 else g[(i == 0) | (i == shape[0] - 1) | (j == 0) | (j == shape[1] - 1)]
        values = sorted(frame.ravel().tolist())
        assert preprocess._border_lower_median(g) == values[(len(values) - 1) // 2]


@pytest.mark.parametrize("kwargs", [{"size": 1, "box": 1}, {"size": 40, "box": 40}, {"min_contrast": 255},
                                    {"min_contrast": 0.5}, {"ink_threshold": 0.0}, {"min_extent": 0.0},
                                    {"min_extent": 1.0}])
def test_spec_bounds_are_inclusive_where_documented(kwargs: dict) -> None:
    assert Spec(**kwargs) == Spec(**{**asdict(Spec()), **kwargs})


def test_min_contrast_above_255_is_refused() -> None:
    with pytest.raises(ValueError, match="min_contrast"):
        Spec(min_contrast=255.5)


# --- step 4's two paths (see "Cost" in the module docstring) ----------------------------------------------


@pytest.fixture(autouse=True)
def uncached_weights():
    """Each test computes the weights it reads: a cache filled earlier (by another test, or by a process this
    one was forked from) must not stand in for the code under test."""
    preprocess._cached_weights.cache_clear()


def dense_scale(crop: np.ndarray, nh: int, nw: int) -> np.ndarray:
    """Step 4 as written in the spec, in float64: the exact sums both paths must give."""
    h, w = crop.shape
    return area_weights(h, nh).astype(np.float64) @ crop.astype(np.float64) @ area_weights(w, nw).T.astype(np.float64)


def noise(shape: tuple[int, int]) -> np.ndarray:
    return np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)


@pytest.mark.parametrize(("shape", "out"), [
    ((preprocess.DENSE_MAX_SIDE + 1, 37), (40, 1)),  # taller than wide: rows first
    ((29, preprocess.DENSE_MAX_SIDE + 3), (1, 40)),  # wider than tall: columns first
    ((preprocess.DENSE_MAX_SIDE + 200, 700), (40, 27)),
    ((900, preprocess.DENSE_MAX_SIDE + 9), (35, 40)),
])
@pytest.mark.parametrize("chunk", [1 << 20, 200], ids=["one_chunk", "many_chunks"])
def test_banded_path_is_the_dense_sums(monkeypatch, shape: tuple, out: tuple, chunk: int) -> None:
    """Crops just over DENSE_MAX_SIDE, with a chunk small enough to split every band into several chunks."""
    monkeypatch.setattr(preprocess, "_CHUNK_VALUES", chunk)
    crop = noise(shape)
    got = preprocess._scale(crop, *out)
    assert got.shape == out and got.dtype == np.float32
    np.testing.assert_allclose(got, dense_scale(crop, *out), rtol=2e-6)


@pytest.mark.parametrize("shape", [(preprocess.DENSE_MAX_SIDE, 300), (70, preprocess.DENSE_MAX_SIDE), (100, 65)])
def test_crops_up_to_dense_max_side_take_the_dense_products_to_the_bit(shape: tuple[int, int]) -> None:
    crop = noise(shape)
    nh, nw = 40, max(1, int(np.floor(min(shape) * 40 / max(shape) + 0.5)))
    if shape[0] < shape[1]:
        nh, nw = nw, nh
    got = preprocess._scale(crop, nh, nw)
    assert got.dtype == np.float32
    dense = area_weights(shape[0], nh) @ crop.astype(np.float32) @ area_weights(shape[1], nw).T
    np.testing.assert_array_equal(got, dense)


def test_area_weights_are_float32_and_the_shared_copy_is_read_only() -> None:
    for n in (preprocess.CACHED_SIDE, preprocess.CACHED_SIDE + 1):
        shared = preprocess._area_weights(n, 40)
        assert shared.dtype == np.float32 and not shared.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            shared[0, 0] = 1.0
        mine = area_weights(n, 40)
        assert mine.dtype == np.float32 and mine.flags.writeable
        mine[0, 0] = 1.0
        assert preprocess._area_weights(n, 40)[0, 0] != 1.0


def test_only_short_sides_are_cached() -> None:
    cache = preprocess._cached_weights
    a = preprocess._area_weights(preprocess.CACHED_SIDE, 40)
    assert preprocess._area_weights(preprocess.CACHED_SIDE, 40) is a and cache.cache_info().currsize == 1
    long_side = preprocess._area_weights(preprocess.CACHED_SIDE + 1, 40)
    assert preprocess._area_weights(preprocess.CACHED_SIDE + 1, 40) is not long_side
    assert cache.cache_info().currsize == 1
