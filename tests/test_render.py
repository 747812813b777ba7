"""Font resolution through fontconfig, glyph detection, and typeset / handwriting-font rendering."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from kakite.acquire.fonts import has_glyph, resolve_font
from kakite.acquire.render import render_handwriting_font, render_typeset
from kakite.core.errors import DataError

ABSENT_CJK = "\U0002a6d6"  # last CJK Extension B ideograph: not in IPAGothic, which draws tofu for it


def installed(family: str) -> Path:
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig (fc-list) is not installed")
    try:
        return resolve_font(family)
    except DataError:
        pytest.skip(f"font family {family!r} is not installed (see DEB_PACKAGES in the Makefile)")


@pytest.fixture(scope="module")
def ipagothic() -> Path:
    return installed("IPAGothic")


def test_resolve_font_matches_family_and_aliases(ipagothic):
    assert ipagothic.is_file() and ipagothic.suffix in {".ttf", ".otf", ".ttc"}
    assert resolve_font("ipagothic") == ipagothic
    assert resolve_font("IPAゴシック") == ipagothic  # the localized alias
    assert resolve_font("IPAPGothic") != ipagothic  # exact match, not a prefix


def test_resolve_font_missing_family_says_what_to_install(ipagothic):
    with pytest.raises(DataError, match=r"'IPAGothicNope' not found by fontconfig.*fonts-ipafont-gothic"):
        resolve_font("IPAGothicNope")


def test_has_glyph_tells_glyph_from_tofu(ipagothic):
    assert has_glyph(ipagothic, "あ")
    assert has_glyph(ipagothic, "ゑ")
    assert not has_glyph(ipagothic, ABSENT_CJK)
    assert not has_glyph(ipagothic, " ")  # no ink


@pytest.mark.parametrize("render", [render_typeset, render_handwriting_font])
def test_render_is_seeded_and_dark_on_light(ipagothic, render):
    image = render("ぬ", ipagothic, 48, np.random.default_rng(4))
    assert image.dtype == np.uint8 and image.shape == (48, 48)
    np.testing.assert_array_equal(image, render("ぬ", ipagothic, 48, np.random.default_rng(4)))
    assert not np.array_equal(image, render("ぬ", ipagothic, 48, np.random.default_rng(5)))
    background = np.median(image)
    assert background > 180
    assert (image < background - 80).sum() > 40  # ink


def test_handwriting_font_is_clean_white(ipagothic):
    image = render_handwriting_font("あ", ipagothic, 28, np.random.default_rng(0))
    assert image.shape == (28, 28)
    assert image[0].min() == 255 and image[:, 0].min() == 255  # margins, no paper noise


def test_typeset_crops_vary_like_book_crops(ipagothic):
    renders = [render_typeset("の", ipagothic, 48, np.random.default_rng(seed)) for seed in range(12)]
    backgrounds = [np.median(r) for r in renders]
    assert np.ptp(backgrounds) > 5  # paper tone varies
    centroids = []
    for r in renders:
        ink = (255.0 - r) - (255.0 - np.median(r))
        ink = np.clip(ink, 0, None)
        ys, xs = np.mgrid[0:48, 0:48]
        centroids.append(((ink * xs).sum() / ink.sum(), (ink * ys).sum() / ink.sum()))
    centroids = np.array(centroids)
    assert np.abs(centroids - 23.5).max() < 8  # roughly centred
    assert centroids.std(axis=0).min() > 0.5  # but not always in the same place


def test_render_refuses_a_missing_glyph(ipagothic):
    with pytest.raises(DataError, match="no glyph"):
        render_typeset(ABSENT_CJK, ipagothic, 48, np.random.default_rng(0))


def test_handwriting_fonts_render_rare_kana():
    font = installed("YOzC")
    for char in "ゐゑ":
        image = render_handwriting_font(char, font, 48, np.random.default_rng(0))
        assert (image < 128).sum() > 20
