"""Decode any image a user points us at into one uint8 grey array, or fail with a one-line ImageError.

The result follows the stored-image convention: a 2-D uint8 array with the picture's own polarity
(dark ink on light paper for scans; preprocess.py detects and normalises polarity later).

Rules, and why:
- Size is checked from the header, right after ``Image.open`` and before any pixel is decoded, against
  our own ``MAX_PIXELS`` and ``MAX_SIDE`` bounds (kakite/core/limits.py). PIL's global
  ``Image.MAX_IMAGE_PIXELS`` is left alone (other code may rely on it) and not relied on (other code
  may have disabled it).
- Only raster formats that PIL decodes in-process are accepted: EPS, for one, would run Ghostscript
  on untrusted input.
- EXIF orientation is applied, so a phone photo is read the way it is displayed.
- Animated GIF/WebP/TIFF: the first frame is used. It is the frame every viewer shows first, and a
  still character rarely needs more; refusing the file would help nobody.
- Transparency (LA, RGBA, PA, P or L/RGB with a transparent colour) is composited over WHITE:
  a browser canvas is transparent where nothing was drawn, and paper is white. Colour becomes grey
  by ITU-R 601 luma (``LUMA``); with a = alpha / 255, ``gray = floor(a * luma + (1 - a) * 255 + 0.5)``
  (``composite_over_white``; the web page reproduces it for its canvas).
- 16-bit greys (I;16 and its byte orders) are scaled by the fixed full-scale factor 257
  (65535 -> 255), as PNG and TIFF define them; absolute contrast survives, so a faint 16-bit scan
  is still refused as blank downstream. 32-bit integer (I) and float (F) images have no standard
  full scale, so their actual min..max range is stretched to 0..255 (a constant image becomes white).
- Memory: PIL holds the decoded frame (at most 4 bytes a pixel); the grey result (1 byte a pixel) is
  then filled strip by strip, so the float64 arithmetic below never spans more than ``STRIP_PIXELS``.
- Only regular files are read: a FIFO or a device named `x.png` would block or never end. The file is
  opened without blocking and checked on the open descriptor, so nothing can swap it in between.
- Truncated, empty or non-image data, 0x0 images and decoder failures all become ImageError naming
  the file. ``ImageFile.LOAD_TRUNCATED_IMAGES`` is global PIL state this module never sets.
"""

from __future__ import annotations

import functools
import io
import os
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps

from kakite.core.errors import ImageError
from kakite.core.limits import MAX_PIXELS, MAX_SIDE

ALLOWED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "PPM")
LUMA = (0.299, 0.587, 0.114)  # ITU-R 601 weights for R, G, B (those of PIL's "L" conversion)
_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")
STRIP_PIXELS = 1 << 18  # pixels converted to grey at once (their float64 RGBA temporaries: 8 MiB)
READ_AT_ONCE = 1 << 20  # files up to this many bytes are read whole before decoding (see read_gray)


def decode_gray(data: bytes, name: str) -> np.ndarray:
    """Decode image bytes to a uint8 2-D grey array; ``name`` labels any ImageError."""
    if not data:
        raise ImageError(f"{name}: empty file")
    return _decode(io.BytesIO(data), name)


def read_gray(path: Path) -> np.ndarray:
    """Decode an image file to a uint8 2-D grey array (PIL reads it lazily; the size check comes first)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO with no writer would block a plain open
        with open(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ImageError(f"{path}: not a regular file")
            os.set_blocking(fd, True)
            size = fh.seek(0, io.SEEK_END)
            if size == 0:
                raise ImageError(f"{path}: empty file")
            fh.seek(0)
            # A small file is read in one call: PIL's many little reads and seeks then cost no system calls.
            return _decode(io.BytesIO(fh.read()) if size <= READ_AT_ONCE else fh, str(path))
    except OSError as exc:
        raise ImageError(f"{path}: cannot read file ({exc.strerror or exc})") from None


def composite_over_white(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 RGBA -> (H, W) uint8 grey: luma, composited over white, rounded half up.

    gray = floor(a * luma + (1 - a) * 255 + 0.5) with a = alpha / 255. A browser canvas with black
    ink on a transparent background (ink only in alpha) becomes dark ink on white paper.
    """
    rgba = np.asarray(rgba, dtype=np.float64)
    luma = rgba[..., 0] * LUMA[0] + rgba[..., 1] * LUMA[1] + rgba[..., 2] * LUMA[2]
    alpha = rgba[..., 3] / 255.0
    return _round_to_uint8(alpha * luma + (1.0 - alpha) * 255.0)


def _decode(fp: BinaryIO, name: str) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            # Our own MAX_PIXELS bound, stricter than PIL's, refuses these images just below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(fp, formats=ALLOWED_FORMATS)
        with im:
            width, height = im.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise ImageError(f"{name}: image too large ({width}x{height} pixels, limit {MAX_PIXELS:,} "
                                 f"pixels and {MAX_SIDE:,} a side)")
            if width == 0 or height == 0:
                raise ImageError(f"{name}: image has no pixels ({width}x{height})")
            ImageOps.exif_transpose(im, in_place=True)
            return _to_gray(im)
    except ImageError:
        raise
    except Image.DecompressionBombError:
        # PIL refuses at twice its MAX_IMAGE_PIXELS, far above ours, before we see the size.
        raise ImageError(f"{name}: image too large (over {MAX_PIXELS:,} pixels)") from None
    except Image.UnidentifiedImageError:
        raise ImageError(f"{name}: not an image, or not one of {', '.join(ALLOWED_FORMATS)}") from None
    except Exception as exc:  # PIL decoders raise many types (OSError, SyntaxError, struct.error, ...)
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ImageError(f"{name}: cannot decode image ({reason})") from None


def _to_gray(im: Image.Image) -> np.ndarray:
    """One decoded frame of any PIL mode -> uint8 2-D grey, transparency composited over white."""
    im.load()
    if im.mode in ("I", "F"):
        lo, hi = _finite_range(im)
        convert = functools.partial(_stretch_to_uint8, lo=lo, hi=hi)
    elif im.mode in _SIXTEEN_BIT_MODES:
        convert = _sixteen_bit_to_uint8
    elif im.mode == "L" and not im.has_transparency_data:
        convert = functools.partial(np.asarray, dtype=np.uint8)
    elif im.mode == "1":
        convert = _bilevel_to_uint8
    else:
        convert = _rgba_to_uint8
    gray = np.empty((im.height, im.width), dtype=np.uint8)
    for top, strip in _strips(im):
        gray[top : top + strip.height] = convert(strip)
    return gray


def _strips(im: Image.Image) -> Iterator[tuple[int, Image.Image]]:
    """(first row, strip) for consecutive strips of about STRIP_PIXELS pixels (a small image: itself, uncopied)."""
    rows = max(1, STRIP_PIXELS // im.width)
    if rows >= im.height:
        yield 0, im
        return
    for top in range(0, im.height, rows):
        yield top, im.crop((0, top, im.width, min(top + rows, im.height)))


def _rgba_to_uint8(strip: Image.Image) -> np.ndarray:
    return composite_over_white(np.asarray(strip.convert("RGBA")))


def _bilevel_to_uint8(strip: Image.Image) -> np.ndarray:
    return np.asarray(strip.convert("L"), dtype=np.uint8)


def _sixteen_bit_to_uint8(strip: Image.Image) -> np.ndarray:
    """16-bit grey scaled by the fixed full-scale factor 257 (65535 -> 255)."""
    return _round_to_uint8(np.asarray(strip, dtype=np.float64) / 257.0)


def _finite_range(im: Image.Image) -> tuple[float, float]:
    """min and max of a 32-bit (I or F) image, strip by strip; ValueError on NaN or infinity."""
    lo, hi = np.inf, -np.inf
    for _, strip in _strips(im):
        values = np.asarray(strip, dtype=np.float64)
        if not np.isfinite(values).all():
            raise ValueError("non-finite pixel values")
        lo, hi = min(lo, float(values.min())), max(hi, float(values.max()))
    return lo, hi


def _stretch_to_uint8(strip: Image.Image, lo: float, hi: float) -> np.ndarray:
    """The image's own lo..hi range stretched to 0..255 (a constant image becomes white)."""
    values = np.asarray(strip, dtype=np.float64)
    if hi == lo:
        return np.full(values.shape, 255, dtype=np.uint8)
    return _round_to_uint8((values - lo) * (255.0 / (hi - lo)))


def _round_to_uint8(values: np.ndarray) -> np.ndarray:
    """Round half up (floor(x + 0.5)), the rule JavaScript's Math.round also follows for x >= 0."""
    return np.clip(np.floor(values + 0.5), 0, 255).astype(np.uint8)
