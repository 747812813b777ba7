"""Robust decoding: every PIL mode to uint8 grey, and a one-line ImageError for everything else."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from kakite.core import images
from kakite.core.errors import ImageError
from kakite.core.images import MAX_PIXELS, MAX_SIDE, composite_over_white, decode_gray, read_gray
from tests import image_fixtures as fx
from tests.memory import peak_rss_growth


def assert_one_line_error(excinfo: pytest.ExceptionInfo, name: str) -> str:
    message = str(excinfo.value)
    assert message.startswith(f"{name}: ") and "\n" not in message
    return message


@pytest.mark.parametrize("mode", sorted(fx.mode_images()))
def test_every_mode_decodes_to_dark_on_light_uint8(mode: str, tmp_path: Path) -> None:
    path, expected = fx.write_mode_files(tmp_path)[mode]
    gray = read_gray(path)
    assert gray.dtype == np.uint8 and gray.ndim == 2
    np.testing.assert_array_equal(gray, expected)
    assert gray[0, 0] == 255 and gray.min() == 0  # paper white, ink black (alpha composited over white)
    np.testing.assert_array_equal(decode_gray(path.read_bytes(), path.name), expected)


def test_sixteen_bit_is_scaled_by_257_not_stretched() -> None:
    """A faint 16-bit scan stays faint (so the spec can still call it blank)."""
    faint = np.full((8, 8), 65535, dtype=np.uint16)
    faint[2:6, 2:6] = 60000
    gray = decode_gray(fx.encode(Image.fromarray(faint), "PNG"), "faint.png")
    assert set(np.unique(gray)) == {233, 255}  # 60000 / 257 = 233.46


def test_float_and_int32_images_are_stretched_to_their_range() -> None:
    values = np.array([[0.25, 0.5], [0.75, 0.25]], dtype=np.float32)
    gray = decode_gray(fx.encode(Image.fromarray(values), "TIFF"), "f.tif")
    np.testing.assert_array_equal(gray, [[0, 128], [255, 0]])
    flat = np.full((3, 3), 7, dtype=np.int32)
    assert (decode_gray(fx.encode(Image.fromarray(flat), "TIFF"), "flat.tif") == 255).all()


def test_composite_over_white_formula() -> None:
    pixels = [[0, 0, 0, 0], [0, 0, 0, 255], [0, 0, 0, 128], [255, 0, 0, 255], [10, 20, 30, 51]]
    rgba = np.array([pixels], dtype=np.uint8)
    # transparent -> white; opaque black -> 0; half-transparent black -> 127; red -> luma 76;
    # 20 % of luma 17.9 over white: 0.2 * 17.91 + 0.8 * 255 = 207.58 -> 208
    np.testing.assert_array_equal(composite_over_white(rgba), [[255, 0, 127, 76, 208]])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (fx.truncated_png(), "cannot decode image"),
        (fx.not_an_image(), "not an image"),
        (b"", "empty file"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "not an image"),  # would run Ghostscript
    ],
    ids=["truncated", "not-an-image", "empty", "eps"],
)
def test_bad_data_is_a_one_line_image_error(data: bytes, reason: str, tmp_path: Path) -> None:
    with pytest.raises(ImageError) as excinfo:
        decode_gray(data, "upload.png")
    assert reason in assert_one_line_error(excinfo, "upload.png")
    path = tmp_path / "bad file.png"
    path.write_bytes(data)
    with pytest.raises(ImageError) as excinfo:
        read_gray(path)
    assert reason in assert_one_line_error(excinfo, str(path))


@pytest.mark.parametrize("size", [(20_000, 20_000), (6_400, 6_400)], ids=["20000^2", "just-over-limit"])
@pytest.mark.parametrize("pil_limit", ["default", "disabled"])
def test_decompression_bomb_is_refused_before_decoding(size, pil_limit, monkeypatch) -> None:
    """Refused from the header alone, by kakite's own bound, also when other code disabled PIL's.

    A spy on PIL's pixel loading proves no decoding (and so no width * height allocation) happens.
    """
    if pil_limit == "disabled":
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    loaded = []
    real_load = ImageFile.ImageFile.load

    def spy_load(self: ImageFile.ImageFile):
        loaded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    data = fx.png_with_header(*size)
    assert len(data) < 10_000 and size[0] * size[1] > MAX_PIXELS
    with pytest.raises(ImageError) as excinfo:
        decode_gray(data, "bomb.png")
    assert "too large" in assert_one_line_error(excinfo, "bomb.png")
    assert loaded == []
    decode_gray(fx.png_with_header(64, 4), "small.png")  # the spy does see ordinary decoding
    assert set(loaded) == {(64, 4)}


def test_size_check_leaves_pil_global_state_alone() -> None:
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(ImageError):
        decode_gray(fx.png_with_header(20_000, 20_000), "bomb.png")
    assert before == Image.MAX_IMAGE_PIXELS
    assert before > images.MAX_PIXELS  # our bound is the stricter one


def test_zero_size_image_is_an_image_error() -> None:
    with pytest.raises(ImageError) as excinfo:
        decode_gray(fx.png_with_header(0, 0), "empty.png")
    assert_one_line_error(excinfo, "empty.png")


def test_exif_orientation_is_applied() -> None:
    data, displayed = fx.exif_rotated_jpeg()
    gray = decode_gray(data, "photo.jpg")
    assert gray.shape == displayed.shape == (64, 32)
    assert np.abs(gray.astype(int) - displayed).mean() < 4  # JPEG noise only: the dark block is top-right
    assert gray[:24, 16:].mean() < 60 and gray[:24, :16].mean() > 200


def test_animated_gif_gives_its_first_frame() -> None:
    data, first = fx.animated_gif()
    assert Image.open(io.BytesIO(data)).n_frames == 2
    np.testing.assert_array_equal(decode_gray(data, "anim.gif"), first)


def test_unreadable_paths_are_image_errors(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.png", tmp_path):
        with pytest.raises(ImageError) as excinfo:
            read_gray(path)
        assert "cannot read file" in assert_one_line_error(excinfo, str(path))


@pytest.mark.parametrize("size", [(MAX_SIDE + 1, 1), (1, MAX_SIDE + 1), (39_000_000, 1)])
def test_a_side_longer_than_max_side_is_refused_from_the_header(size: tuple[int, int]) -> None:
    with pytest.raises(ImageError) as excinfo:
        decode_gray(fx.png_with_header(*size), "line.png")
    assert "too large" in assert_one_line_error(excinfo, "line.png")


@pytest.mark.slow
def test_decoding_a_24_megapixel_rgba_png_stays_near_pil_s_own_buffer(tmp_path: Path) -> None:
    """PIL holds 4 bytes a pixel; compositing strip by strip adds the grey result, not GBs of float64."""
    path = tmp_path / "big.png"
    im = Image.new("RGBA", (6000, 4000), (255, 255, 255, 0))
    im.putpixel((10, 10), (0, 0, 0, 255))
    im.save(path)
    del im
    with peak_rss_growth() as growth:
        gray = read_gray(path)
    assert gray.shape == (4000, 6000) and gray[10, 10] == 0 and gray[0, 0] == 255
    assert growth[0] < 6000 * 4000 * 6 / 2**20, f"+{growth[0]:.0f} MB"  # was +3,000 MB at 40 MP
