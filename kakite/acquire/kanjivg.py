"""KanjiVG stroke paths: SVG centre lines in stroke order, as polylines in the unit box.

The `kanjivg` wheel ships one SVG per character (109x109 box). Letterform variants (letterforms.py) use the
same path syntax, so both go through `parse_path` and come out with the same resampling.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
from pathlib import Path

import numpy as np

from kakite.core.errors import DataError

VIEWBOX = 109.0  # KanjiVG draws in a 109x109 box
_POINTS_PER_CURVE = 16  # samples per cubic Bézier before arc-length resampling
SPACING = 0.015  # arc-length step of the returned polylines, fraction of the box

_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d*\.\d+|\d+\.?)(?:[eE][-+]?\d+)?")
_PATH_D = re.compile(r"<path\b[^>]*?\sd=\"([^\"]*)\"")
_ARITY = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Z": 0}


def _kanjivg_dir() -> Path:
    """The `kanji/` folder the kanjivg wheel installs at the top level of site-packages."""
    spec = importlib.util.find_spec("kanji")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        if Path(location, "03042.svg").is_file():
            return Path(location)
    raise DataError("KanjiVG data not found: no kanji/03042.svg on sys.path; pip install kanjivg")


def _svg_path(char: str) -> Path:
    name = f"{ord(char):05x}.svg"
    path = _kanjivg_dir() / name
    if not path.is_file():
        raise DataError(
            f"no KanjiVG strokes for {char!r} (U+{ord(char):04X}): kanji/{name} is not in kanjivg"
        )
    return path


def _cubic(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, p3: np.ndarray) -> np.ndarray:
    t = np.linspace(0.0, 1.0, _POINTS_PER_CURVE)[1:, None]
    u = 1.0 - t
    return u**3 * p0 + 3 * u**2 * t * p1 + 3 * u * t**2 * p2 + t**3 * p3


def parse_path(d: str, where: str) -> list[np.ndarray]:
    """SVG path data (M, L, H, V, C, S, Z, absolute and relative) -> polylines, one per subpath."""
    tokens = _TOKEN.findall(d)
    pieces: list[list[np.ndarray]] = []
    pos = start = np.zeros(2)
    last_ctrl: np.ndarray | None = None
    i, cmd = 0, ""
    while i < len(tokens):
        if tokens[i].isalpha():
            cmd = tokens[i]
            i += 1
        if not cmd:
            raise DataError(f"{where}: path data has numbers without a command at token {i}")
        upper = cmd.upper()
        if upper not in _ARITY:
            raise DataError(f"{where}: unsupported SVG path command {cmd!r}")
        n = _ARITY[upper]
        try:
            args = np.array([float(tok) for tok in tokens[i : i + n]])
        except ValueError:
            raise DataError(f"{where}: malformed path data near token {i}") from None
        if len(args) < n:
            raise DataError(f"{where}: path command {cmd!r} is missing arguments")
        i += n
        rel = cmd.islower()
        if upper == "M":
            pos = start = args + pos if rel else args
            pieces.append([pos[None]])
            cmd = "l" if rel else "L"  # implicit lineto after a moveto
            last_ctrl = None
            continue
        if not pieces:
            raise DataError(f"{where}: path does not start with a moveto")
        if upper == "Z":
            new = [start[None]]
            pos, last_ctrl, cmd = start, None, ""  # closepath takes no numbers and does not repeat
        elif upper in "LHV":
            if upper == "H":
                args = np.array([args[0] + pos[0] if rel else args[0], pos[1]])
            elif upper == "V":
                args = np.array([pos[0], args[0] + pos[1] if rel else args[0]])
            elif rel:
                args = args + pos
            new, pos, last_ctrl = [args[None]], args, None
        else:
            pts = args.reshape(-1, 2) + (pos if rel else 0.0)
            if upper == "S":  # first control point mirrors the previous curve's second one
                c1 = 2 * pos - last_ctrl if last_ctrl is not None else pos
                pts = np.vstack([c1, pts])
            new = [_cubic(pos, pts[0], pts[1], pts[2])]
            last_ctrl, pos = pts[1], pts[2]
        pieces[-1].extend(new)
    return [np.vstack(piece) for piece in pieces]


def resample(line: np.ndarray, spacing: float) -> np.ndarray:
    """Evenly spaced points along a polyline, so that deformation and width act per unit of length."""
    seg = np.linalg.norm(np.diff(line, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    n = max(2, math.ceil(arc[-1] / spacing) + 1)
    s = np.linspace(0.0, arc[-1], n)
    return np.column_stack([np.interp(s, arc, line[:, 0]), np.interp(s, arc, line[:, 1])])


@functools.lru_cache(maxsize=256)
def _cached_strokes(char: str) -> tuple[np.ndarray, ...]:
    path = _svg_path(char)
    paths = _PATH_D.findall(path.read_text(encoding="utf-8"))
    if not paths:
        raise DataError(f"{path}: no stroke paths for {char!r}")
    return strokes_from_paths(paths, str(path))


def strokes_from_paths(paths: list[str], where: str) -> tuple[np.ndarray, ...]:
    """Path `d` strings in the 109 box -> read-only resampled (n,2) polylines in [0,1], one per subpath."""
    strokes = []
    for d in paths:
        for line in parse_path(d, where):
            stroke = np.clip(resample(line / VIEWBOX, SPACING), 0.0, 1.0)
            stroke.setflags(write=False)
            strokes.append(stroke)
    return tuple(strokes)


def load_strokes(char: str) -> list[np.ndarray]:
    """The char's KanjiVG strokes in stroke order: read-only (n,2) polylines in [0,1] box coords."""
    return list(_cached_strokes(char))
