"""The spec's "Cost": preprocessing memory is set by the output size and the input's pixels, never the
aspect ratio, and the bounded path changes no output that training or the canvas produces."""

from __future__ import annotations

import numpy as np
import pytest

from kakite.core import preprocess
from kakite.core.limits import MAX_PIXELS
from kakite.core.preprocess import DENSE_MAX_SIDE, HIRAGANA, Spec, area_weights, to_model_input
from tests import image_fixtures as fx
from tests.memory import peak_rss_growth

PREPROCESS_BUDGET_MB = 150  # the target for one image of any admitted size


def version_1_as_shipped(gray: np.ndarray, spec: Spec) -> np.ndarray:
    """The original implementation of steps 1-6 (dense weight matrices over the whole crop): the oracle."""
    bg = preprocess._border_lower_median(gray)
    d = (bg - np.minimum(gray, bg)) if bg >= 128 else (np.maximum(gray, bg) - bg)
    peak = int(d.max())
    mask = d > spec.ink_threshold * peak
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = d[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float32)
    h, w = crop.shape
    nh, nw = (max(1, int(np.floor(side * spec.box / max(h, w) + 0.5))) for side in (h, w))
    scaled = area_weights(h, nh) @ crop @ area_weights(w, nw).T
    out = np.zeros((spec.size, spec.size), np.float32)
    top, left = (spec.size - nh) // 2, (spec.size - nw) // 2
    np.clip(scaled / scaled.max(), 0.0, 1.0, out=out[top : top + nh, left : left + nw])
    return out


NORMAL = {  # what training data and the page produce: dataset sizes, rendered glyphs, both canvases
    "hiragana73_48": lambda: fx.glyph(canvas=(48, 48), box=(4, 4, 44, 44)),
    "emnist_28": lambda: fx.glyph(canvas=(28, 28), box=(4, 4, 24, 24)),
    "canvas_480": lambda: fx.glyph(canvas=(480, 480), box=(60, 90, 400, 380)),
    "canvas_336": lambda: fx.glyph(canvas=(336, 336), box=(30, 30, 300, 310)),
    "noise_1024": lambda: fx.elongated(DENSE_MAX_SIDE, 700),
    **fx.GRAY_FIXTURES,
}


@pytest.mark.parametrize("name", sorted(NORMAL))
@pytest.mark.parametrize("spec", [preprocess.HIRAGANA, preprocess.DIGITS], ids=["hiragana", "digits"])
def test_normal_images_are_unchanged_to_the_bit(name: str, spec: Spec) -> None:
    gray = NORMAL[name]()
    got, oracle = to_model_input(gray, spec), version_1_as_shipped(gray, spec)
    if max(gray.shape) <= DENSE_MAX_SIDE:
        np.testing.assert_array_equal(got, oracle)
    else:  # the banded path: the same exact sums, float32 rounding apart
        np.testing.assert_allclose(got, oracle, atol=2e-6)


@pytest.mark.parametrize("shape", [(DENSE_MAX_SIDE + 1, 40), (5, 5000), (5000, 5), (1500, 1400), (3, 70_000)])
def test_banded_path_matches_the_dense_formula(shape: tuple[int, int]) -> None:
    gray = fx.elongated(*shape)
    np.testing.assert_allclose(to_model_input(gray), version_1_as_shipped(gray, HIRAGANA), atol=2e-6)


@pytest.mark.parametrize("shape", [(2, MAX_PIXELS // 2), (MAX_PIXELS // 2, 2), (6300, 6300), (400_000, 3)])
def test_preprocessing_memory_is_bounded_whatever_the_aspect_ratio(shape: tuple[int, int]) -> None:
    """Dense weights made a 39,000,000 x 1 line ask for 11.6 GiB and a 6300 x 6300 image for 0.2 GB."""
    gray = np.full(shape, 255, np.uint8)
    gray[1, 1] = gray[-2, -2] = 0  # the crop spans (nearly) the whole image
    with peak_rss_growth() as growth:
        x = to_model_input(gray)
    assert x.max() == 1.0
    assert growth[0] < PREPROCESS_BUDGET_MB, f"{shape}: +{growth[0]:.0f} MB"
