"""Fonts by family name, found through fontconfig, and whether a font really has a glyph.

params.yaml names fonts by family ("IPAGothic", "Noto Sans CJK JP"), not by path, so the same params
work on any machine with the Debian font packages. Handwriting fonts often lack rare kana (ゐ, ゑ);
has_glyph tells a real glyph from the tofu box a font draws for a character it does not have.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from kakite.core.errors import DataError

_ABSENT = "\U0010fffd"  # last private-use code point of plane 16: no font maps it, so it draws .notdef
_PROBE_PX = 64
_REGULAR_WEIGHT = 80  # fontconfig's FC_WEIGHT_REGULAR
_FORMAT = "%{family}\t%{weight}\t%{slant}\t%{index}\t%{file}\n"
# Family-name prefix -> the Debian package that ships it, for the "not found" hint (first match wins).
_DEBIAN_PACKAGES = (
    ("ipaex", "fonts-ipaexfont"),
    ("ipamincho", "fonts-ipafont-mincho"),
    ("ipapmincho", "fonts-ipafont-mincho"),
    ("ipa", "fonts-ipafont-gothic"),
    ("noto", "fonts-noto-cjk"),
    ("takao", "fonts-takao"),
    ("vl ", "fonts-vlgothic"),
    ("yoz", "fonts-yozvox-yozfont"),
    ("kouzan", "fonts-kouzan-mouhitsu"),
)


def _first_number(text: str, default: float) -> float:
    match = re.search(r"-?\d+(?:\.\d+)?", text)
    return float(match.group()) if match else default


@functools.lru_cache(maxsize=1)
def _fc_list() -> tuple[tuple[tuple[str, ...], float, float, int, str], ...]:
    """Every installed face: (family aliases lower-cased, weight, slant, face index, file)."""
    if shutil.which("fc-list") is None:
        raise DataError("fc-list not found; install the Debian package fontconfig")
    out = subprocess.run(["fc-list", "--format", _FORMAT], capture_output=True, text=True, check=True).stdout
    faces = []
    for line in out.splitlines():
        fields = line.split("\t")
        if len(fields) != 5:
            continue
        family, weight, slant, index, file = fields
        aliases = tuple(name.strip().lower() for name in family.split(","))
        weight_value = _first_number(weight, _REGULAR_WEIGHT)
        faces.append((aliases, weight_value, _first_number(slant, 0), int(_first_number(index, 0)), file))
    return tuple(faces)


def resolve_font(family: str) -> Path:
    """The file of `family`'s upright regular face (exact, case-insensitive match on any alias)."""
    wanted = family.strip().lower()
    faces = [face for face in _fc_list() if wanted in face[0]]
    if not faces:
        hint = next((pkg for prefix, pkg in _DEBIAN_PACKAGES if wanted.startswith(prefix)), "fonts-noto-cjk")
        raise DataError(f"font family {family!r} not found by fontconfig; install e.g. Debian package {hint}")
    # Upright, regular weight, face 0, a real file rather than an alternatives symlink.
    _, _, _, index, file = min(
        faces, key=lambda f: (f[2] != 0, abs(f[1] - _REGULAR_WEIGHT), f[3], os.path.islink(f[4]), f[4])
    )
    if index != 0:
        # PIL opens face 0 of a collection unless told otherwise; a path alone cannot say which face.
        raise DataError(
            f"font family {family!r} is face {index} of collection {file}; only face 0 is supported"
        )
    return Path(file)


@functools.lru_cache(maxsize=64)
def open_font(font_path: str | os.PathLike, px: int) -> ImageFont.FreeTypeFont:
    """A cached PIL font; raises DataError naming the file if it cannot be read."""
    try:
        return ImageFont.truetype(str(font_path), px, layout_engine=ImageFont.Layout.BASIC)
    except OSError as err:
        raise DataError(f"cannot open font {font_path}: {err}") from None


def _glyph_bitmap(font: ImageFont.FreeTypeFont, char: str) -> np.ndarray:
    canvas = Image.new("L", (3 * _PROBE_PX, 3 * _PROBE_PX), 0)
    ImageDraw.Draw(canvas).text((_PROBE_PX, _PROBE_PX), char, font=font, fill=255)
    return np.asarray(canvas)


@functools.lru_cache(maxsize=8192)
def _has_glyph(font_path: str, char: str) -> bool:
    font = open_font(font_path, _PROBE_PX)
    bitmap = _glyph_bitmap(font, char)
    return bool(bitmap.any()) and not np.array_equal(bitmap, _glyph_bitmap(font, _ABSENT))


def has_glyph(font_path: str | os.PathLike, char: str) -> bool:
    """True if the font draws char with ink and not as its .notdef (tofu) glyph."""
    return _has_glyph(str(font_path), char)
