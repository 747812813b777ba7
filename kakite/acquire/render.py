"""Font glyphs as images: degraded "scans" that stand in for hiragana73, and clean handwriting-font glyphs.

hiragana73 holds 48x48 crops of printed kana cut from books: not quite centred, slightly rotated, blurred
by print and scan, ink bleeding into paper that is never evenly white. render_typeset imitates that from
the Debian Japanese fonts. render_handwriting_font draws the same glyphs with only light placement
changes, for the held-out handwriting-font test domain. Both share one glyph-placing core.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from kakite.acquire.fonts import has_glyph, open_font
from kakite.core.errors import DataError

_SUPERSAMPLE = 4  # glyphs are placed and degraded at this multiple of the output size
_MASTER_EM_PX = 256  # each (font, char) is drawn once at this em size, then scaled by an affine
_REFERENCE_CHAR = "あ"  # its ink size calibrates fonts whose glyphs fill the em box very differently


@dataclass(frozen=True)
class _Placement:
    """How a glyph may sit in its crop."""

    reference_ink: tuple[float, float]  # ink size of the font's あ, fraction of the crop: sets the margins
    rotate_deg: float  # max absolute rotation
    shift: float  # max offset of the ink centre from the crop centre, fraction of the crop


_BOOK_CROP = _Placement(reference_ink=(0.66, 0.88), rotate_deg=3.0, shift=0.06)
_CLEAN = _Placement(reference_ink=(0.7, 0.84), rotate_deg=1.5, shift=0.03)


@functools.lru_cache(maxsize=2048)
def _master_glyph(font_path: str, char: str) -> tuple[Image.Image, float, float]:
    """The glyph's ink (255) cropped to its bounding box, and that box's centre; drawn once per font."""
    if not has_glyph(font_path, char):
        raise DataError(f"font {font_path} has no glyph for {char!r} (U+{ord(char):04X})")
    font = open_font(font_path, _MASTER_EM_PX)
    canvas = Image.new("L", (2 * _MASTER_EM_PX, 2 * _MASTER_EM_PX), 0)
    ImageDraw.Draw(canvas).text((_MASTER_EM_PX // 2, _MASTER_EM_PX // 2), char, font=font, fill=255)
    left, top, right, bottom = canvas.getbbox()
    return canvas.crop((left, top, right, bottom)), (right - left) / 2, (bottom - top) / 2


@functools.lru_cache(maxsize=64)
def _reference_ink_px(font_path: str) -> int:
    """Longer side of the reference glyph's ink at the master em size (the em size if the font lacks it)."""
    if not has_glyph(font_path, _REFERENCE_CHAR):
        return _MASTER_EM_PX
    return max(_master_glyph(font_path, _REFERENCE_CHAR)[0].size)


def _place_glyph(
    char: str, font_path: Path, size: int, rng: np.random.Generator, placement: _Placement
) -> Image.Image:
    """The glyph's ink (255 on 0) at size*_SUPERSAMPLE: scaled with its font, rotated and shifted."""
    glyph, cx, cy = _master_glyph(str(font_path), char)
    big = size * _SUPERSAMPLE
    scale = rng.uniform(*placement.reference_ink) * big / _reference_ink_px(str(font_path))
    angle = math.radians(rng.uniform(-placement.rotate_deg, placement.rotate_deg))
    centre = big / 2 + rng.uniform(-placement.shift, placement.shift, 2) * big
    # PIL's affine maps output pixels back to input pixels: inverse rotation, then inverse scale.
    cos, sin = math.cos(angle) / scale, math.sin(angle) / scale
    a, b, d, e = cos, sin, -sin, cos
    c = cx - a * centre[0] - b * centre[1]
    f = cy - d * centre[0] - e * centre[1]
    return glyph.transform((big, big), Image.Transform.AFFINE, (a, b, c, d, e, f), Image.Resampling.BICUBIC)


def _downsample(ink: Image.Image, size: int) -> np.ndarray:
    """Supersampled ink -> float ink coverage in [0,1] at the output size."""
    return np.asarray(ink.resize((size, size), Image.Resampling.BOX), dtype=np.float32) / 255.0


def _print_and_scan(ink: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Ink bleed or faint print, then the blur of printing and scanning, at supersampled resolution."""
    # Re-thresholding softened ink below half coverage thickens strokes (bleed), above half thins them.
    level = rng.uniform(0.2, 0.62)
    ramp = np.clip((np.arange(256) / 255.0 - level) / 0.3 + 0.5, 0.0, 1.0)
    ink = ink.filter(ImageFilter.GaussianBlur(2.5)).point(np.rint(255 * ramp).astype(np.uint8).tolist())
    return ink.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 2.8)))


def _on_paper(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ink coverage -> a uint8 photo of it on uneven, noisy paper; sometimes binarised like old scans."""
    if rng.random() < 0.15:
        ink = (ink > rng.uniform(0.3, 0.45)).astype(np.float32)
    size = ink.shape[0]
    yy, xx = np.mgrid[0:size, 0:size] / size - 0.5
    tilt = rng.normal(0, 0.04, 2)
    paper = rng.uniform(0.8, 0.98) + tilt[0] * xx + tilt[1] * yy
    darkness = rng.uniform(0.65, 0.95)
    image = paper * (1.0 - darkness * ink)
    image += rng.normal(0, rng.uniform(0.005, 0.04), image.shape)
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def render_typeset(char: str, font_path: Path, size: int, rng: np.random.Generator) -> np.ndarray:
    """A uint8 (size,size) dark-on-light glyph that looks like a crop from a printed, scanned book."""
    ink = _print_and_scan(_place_glyph(char, font_path, size, rng, _BOOK_CROP), rng)
    return _on_paper(_downsample(ink, size), rng)


def render_handwriting_font(char: str, font_path: Path, size: int, rng: np.random.Generator) -> np.ndarray:
    """A uint8 (size,size) clean dark-on-white glyph with light placement variation (test domain)."""
    ink = _downsample(_place_glyph(char, font_path, size, rng, _CLEAN), size)
    return np.rint(255 * (1.0 - ink)).astype(np.uint8)
