"""Deterministic image fixtures for the decoding and preprocessing tests, and for the browser test.

Grey fixtures are uint8 2-D arrays (dark ink on light paper unless the name says otherwise); the
browser test can feed the same arrays to web/preprocess.js and compare with kakite.core.preprocess.
File fixtures are written into a caller's directory (tmp_path) in a chosen mode and format.
No fonts are needed: the test character is a few strokes drawn with PIL.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

PAPER = 255
INK = 0

# An あ-like character in unit coordinates of its box: a bar, a long down-stroke and a loop.
_LINES = (((0.10, 0.22), (0.90, 0.14)), ((0.40, 0.00), (0.56, 1.00)))
_LOOP = ((0.05, 0.36, 0.95, 1.00), 200, 120)  # ellipse box, start and end angle (degrees, clockwise)


def glyph(
    canvas: tuple[int, int] = (96, 96),
    box: tuple[int, int, int, int] = (16, 16, 80, 80),
    stroke: float = 0.09,
    supersample: int = 4,
    ink: int = INK,
    paper: int = PAPER,
) -> np.ndarray:
    """The test character drawn in ``box`` = (left, top, right, bottom) of a (height, width) canvas.

    ``stroke`` is the pen width as a fraction of the box's longer side (at least one pixel), so a
    glyph drawn at another size keeps its proportions. Drawing at ``supersample`` x and box-
    averaging down gives antialiased edges like a browser canvas.
    """
    height, width = canvas
    s = supersample
    left, top, right, bottom = (v * s for v in box)
    bw, bh = right - left, bottom - top
    pen = max(1, round(stroke * max(bw, bh)))
    im = Image.new("L", (width * s, height * s), paper)
    draw = ImageDraw.Draw(im)

    def at(u: float, v: float) -> tuple[float, float]:
        return left + u * (bw - 1), top + v * (bh - 1)

    for a, b in _LINES:
        draw.line([at(*a), at(*b)], fill=ink, width=pen)
    (u0, v0, u1, v1), start, end = _LOOP
    draw.arc([at(u0, v0), at(u1, v1)], start, end, fill=ink, width=pen)
    if s > 1:
        im = im.reduce(s)
    return np.asarray(im, dtype=np.uint8).copy()


def dark_on_light() -> np.ndarray:
    return glyph()


def light_on_dark() -> np.ndarray:
    return 255 - glyph()


def off_centre() -> np.ndarray:
    """The same 64-px glyph in the lower-right corner of a wider canvas."""
    return glyph(canvas=(120, 160), box=(90, 50, 154, 114))


def scaled_up() -> np.ndarray:
    return glyph(canvas=(240, 240), box=(30, 30, 210, 210))


def tiny() -> np.ndarray:
    """A 5-px glyph in a 48-px canvas: upscaling must still give a full-size input."""
    return glyph(canvas=(48, 48), box=(20, 20, 25, 25), stroke=0.2)


def huge() -> np.ndarray:
    """2000 x 2000, a photo-sized canvas (drawn without supersampling to stay cheap)."""
    return glyph(canvas=(2000, 2000), box=(250, 300, 1750, 1800), supersample=1)


def thin_strokes() -> np.ndarray:
    """1-px pen on a 200-px glyph: averaged down 5x, the strokes must not fade away."""
    return glyph(canvas=(240, 240), box=(20, 20, 220, 220), stroke=0.0, supersample=1)


def thick_strokes() -> np.ndarray:
    return glyph(stroke=0.2)


def blank() -> np.ndarray:
    return np.full((64, 64), PAPER, dtype=np.uint8)


def near_blank() -> np.ndarray:
    """A glyph whose ink is only 20 grey levels darker than the paper: below min_contrast=32."""
    return glyph(ink=PAPER - 20)


def noisy_paper() -> np.ndarray:
    """Dark glyph on grey, slightly noisy paper, like a phone photo (seeded)."""
    rng = np.random.default_rng(7)
    g = glyph(ink=40, paper=200).astype(np.int16) + rng.integers(-6, 7, size=(96, 96))
    return np.clip(g, 0, 255).astype(np.uint8)


def rgba_canvas() -> np.ndarray:
    """(H, W, 4) uint8 as a browser canvas gives it: black ink, transparent paper, ink only in alpha."""
    return rgba_canvas_of(dark_on_light())


# --- the spec's edges: each fixture separates one rule of kakite/core/preprocess.py's docstring ------


def border_bimodal() -> np.ndarray:
    """12 x 12, border alternating 100 / 110 (22 each): lower median 100, upper 110 (step 1).

    Light ink (255 | 180, a 4 x 4 block, left | right half) on a 100 background: the ink's two
    levels keep the ratio (255 - bg) : (180 - bg), so bg itself shows in the output.
    """
    gray = np.full((12, 12), 100, dtype=np.uint8)
    i, j = np.indices(gray.shape)
    frame = (i == 0) | (i == 11) | (j == 0) | (j == 11)
    gray[frame & ((i + j) % 2 == 1)] = 110
    gray[4:8, 4:6] = 255
    gray[4:8, 6:8] = 180
    return gray


def two_polarities(bg: int) -> np.ndarray:
    """Uniform ``bg`` paper with a dark 4 x 8 bar and a light 8 x 4 bar: the polarity picks one (step 1)."""
    gray = np.full((20, 30), bg, dtype=np.uint8)
    gray[2:6, 2:10] = 0  # dark, wide: the ink when bg >= 128
    gray[8:16, 20:24] = 255  # light, tall: the ink when bg < 128
    return gray


def at_threshold(faint: int = 204, below: bool = False) -> np.ndarray:
    """A black 8 x 8 block (peak 255) and one ``faint`` pixel 6 px to its right (step 3).

    0.2 * 255 == 51.0 exactly in float64; the default faint pixel has d = 255 - 204 = 51, exactly
    the cut, so the strict ``>`` leaves it out of the crop box; 203 (d = 52) is inside. ``below``
    puts it 4 px under the block instead, so the row rule is tested as well as the column rule.
    """
    gray = np.full((20, 30), PAPER, dtype=np.uint8)
    gray[6:14, 4:12] = INK
    gray[(18, 8) if below else (10, 18)] = faint
    return gray


def bar(height: int, width: int) -> np.ndarray:
    """A solid black height x width bar with a 3-px paper margin: the crop is exactly the bar."""
    gray = np.full((height + 6, width + 6), PAPER, dtype=np.uint8)
    gray[3 : 3 + height, 3 : 3 + width] = INK
    return gray


EDGE_FIXTURES: dict[str, Callable[[], np.ndarray]] = {
    "border_bimodal": border_bimodal,
    "bg_127": lambda: two_polarities(127),
    "bg_128": lambda: two_polarities(128),
    "bg_129": lambda: two_polarities(129),
    "at_threshold": at_threshold,
    "above_threshold": lambda: at_threshold(203),
    "at_threshold_below": lambda: at_threshold(below=True),
    "odd_margin": lambda: bar(8, 5),  # 8 x 5 -> 40 x 25: (48 - 25) // 2 = 11, not 12
    "even_margin": lambda: bar(8, 6),  # 8 x 6 -> 40 x 30: (48 - 30) // 2 = 9
    "half_up_box20": lambda: bar(3, 8),  # 3 * 20 / 8 = 7.5 -> 8 (digits); 15 (hiragana)
    "half_up_box40": lambda: bar(1, 16),  # 1 * 40 / 16 = 2.5 -> 3 (hiragana); 1.25 -> 1 (digits)
    "hairline": lambda: bar(1, 200),  # 1 * 40 / 200 = 0.2 -> 0, kept at 1 by max(1, ...)
    "speck_at_min_extent": lambda: speck(10),  # 10 px = 0.1 x 100: just long enough to be read
}

GRAY_FIXTURES: dict[str, Callable[[], np.ndarray]] = {
    "dark_on_light": dark_on_light,
    "light_on_dark": light_on_dark,
    "off_centre": off_centre,
    "scaled_up": scaled_up,
    "tiny": tiny,
    "huge": huge,
    "thin_strokes": thin_strokes,
    "thick_strokes": thick_strokes,
    "noisy_paper": noisy_paper,
}


def dot(canvas: int = 480, diameter: float = 480 / 22, supersample: int = 4) -> np.ndarray:
    """A tap on the pad: one pen-wide antialiased disc (the page's hiragana pen is 1/22 of the canvas)."""
    s = supersample
    im = Image.new("L", (canvas * s, canvas * s), PAPER)
    centre, radius = canvas * s * 0.37, diameter * s / 2
    ImageDraw.Draw(im).ellipse([centre - radius, centre - radius, centre + radius, centre + radius], fill=INK)
    return np.asarray(im.reduce(s), dtype=np.uint8).copy()


def speck(extent: int, side: int = 100) -> np.ndarray:
    """A solid extent x 2 ink mark on a side x side page: no character below min_extent * side."""
    gray = np.full((side, side), PAPER, dtype=np.uint8)
    gray[40:42, 30 : 30 + extent] = INK
    return gray


NO_INK_FIXTURES: dict[str, Callable[[], np.ndarray]] = {"blank": blank, "near_blank": near_blank}
# Enough contrast, too little extent: "no character" by the spec's extent rule.
SPECK_FIXTURES: dict[str, Callable[[], np.ndarray]] = {
    "dot": dot,
    "digit_pad_dot": lambda: dot(336, 336 / 14),  # the explorer's pen is 1/14 of its pad
    "speck_below_min_extent": lambda: speck(9),  # 9 px < 0.1 x 100
}


# --- files -----------------------------------------------------------------------------------------


def mode_images() -> dict[str, tuple[Image.Image, str, np.ndarray]]:
    """mode name -> (PIL image in that mode, format to save it in, the exact grey it must decode to).

    Modes with alpha carry the ink only in alpha (as a canvas does), so they decode correctly only
    if transparency is composited over white.
    """
    gray = glyph(canvas=(64, 64), box=(8, 8, 56, 56))
    binary = np.where(gray < 128, 0, 255).astype(np.uint8)
    alpha = 255 - gray
    zeros = np.zeros_like(gray)
    palette_canvas = Image.fromarray((gray < 128).astype(np.uint8), "P")
    palette_canvas.putpalette([0, 0, 0, 0, 0, 0])  # index 0 paper, index 1 ink: both black ...
    palette_canvas.info["transparency"] = 0  # ... but the paper is transparent
    grey_palette = Image.fromarray(gray, "P")
    grey_palette.putpalette([v for v in range(256) for _ in range(3)])
    cmyk = np.stack([zeros, zeros, zeros, 255 - gray], axis=-1)
    return {
        "1": (Image.fromarray(binary).convert("1"), "PNG", binary),
        "L": (Image.fromarray(gray), "PNG", gray),
        "LA": (Image.fromarray(np.stack([zeros, alpha], axis=-1), "LA"), "PNG", gray),
        "P": (grey_palette, "PNG", gray),
        "P_transparent": (palette_canvas, "PNG", binary),
        "RGB": (Image.fromarray(np.stack([gray] * 3, axis=-1)), "PNG", gray),
        "RGBA": (Image.fromarray(rgba_canvas_of(gray)), "PNG", gray),
        "I;16": (Image.fromarray(gray.astype(np.uint16) * 257), "PNG", gray),
        "I": (Image.fromarray(gray.astype(np.int32) * 1000 - 5000), "TIFF", gray),
        "F": (Image.fromarray(gray.astype(np.float32) / 255.0), "TIFF", gray),
        "CMYK": (Image.fromarray(cmyk, "CMYK"), "TIFF", gray),
    }


def rgba_canvas_of(gray: np.ndarray) -> np.ndarray:
    """The canvas form of a dark-on-light grey image: RGB all 0, alpha = 255 - grey."""
    rgba = np.zeros((*gray.shape, 4), dtype=np.uint8)
    rgba[..., 3] = 255 - gray
    return rgba


def write_mode_files(directory: Path) -> dict[str, tuple[Path, np.ndarray]]:
    """Save every mode_images() entry; mode name -> (file, expected grey)."""
    files = {}
    for mode, (im, fmt, expected) in mode_images().items():
        path = directory / f"mode_{mode.replace(';', '_')}.{fmt.lower()}"
        im.save(path, fmt)
        files[mode] = (path, expected)
    return files


def encode(im: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kwargs)
    return buf.getvalue()


def truncated_png() -> bytes:
    """A noisy PNG cut off at 60 %: the header parses, the pixel data ends early."""
    noise = np.random.default_rng(3).integers(0, 256, size=(128, 128), dtype=np.uint8)
    data = encode(Image.fromarray(noise), "PNG")
    return data[: len(data) * 6 // 10]


def not_an_image() -> bytes:
    return b"hiragana,label\n\xe3\x81\x82,0\n" * 20


def exif_rotated_jpeg() -> tuple[bytes, np.ndarray]:
    """A 32 x 64 JPEG tagged Orientation=6 (display rotated 90 degrees clockwise).

    Returns the file and the grey image a viewer shows (64 x 32): the dark block stored top-left
    appears top-right.
    """
    stored = np.full((32, 64), PAPER, dtype=np.uint8)
    stored[:16, :24] = INK
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(Image.fromarray(stored), "JPEG", quality=95, exif=exif.tobytes())
    return data, np.rot90(stored, k=-1)


def animated_gif() -> tuple[bytes, np.ndarray]:
    """Two frames (block left, then block right); returns the file and its first frame."""
    frames = []
    for cols in (slice(4, 20), slice(44, 60)):
        frame = np.full((64, 64), PAPER, dtype=np.uint8)
        frame[16:48, cols] = INK
        frames.append(frame)
    ims = [Image.fromarray(f) for f in frames]
    data = encode(ims[0], "GIF", save_all=True, append_images=ims[1:], duration=100, loop=0)
    return data, frames[0]


def png_with_header(width: int, height: int) -> bytes:
    """A 1-bit grey PNG that CLAIMS width x height but holds at most 4 rows and 4 kB of data.

    Narrow ones (up to 8,192 px) hold whole white rows and decode; wider ones hold part of one row, so
    building the file costs kilobytes whatever the claim (a whole row of a 2**31 px line is 256 MiB,
    which once made the fuzz test take 9 minutes and 1.3 GB). The size must be refused from the header.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row_bytes = (width + 7) // 8
    rows = min(height, 4) if row_bytes <= 1024 else 1
    data = (b"\x00" + b"\xff" * min(row_bytes, 1024)) * rows  # filter byte + white, row by row
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(data)) + chunk(b"IEND", b"")


def elongated(height: int, width: int) -> np.ndarray:
    """Random ink inside a one-pixel paper frame, any aspect ratio: large ones take step 4's banded path."""
    gray = np.full((height, width), PAPER, dtype=np.uint8)
    rng = np.random.default_rng(height * 100_003 + width)
    gray[1:-1, 1:-1] = rng.integers(0, 256, (height - 2, width - 2), dtype=np.uint8)
    return gray
