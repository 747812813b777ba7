"""Pens: how a writer's tool turns a centre line into ink of varying width.

A ballpoint draws a thin, even line that thins where it lands and lifts. A felt marker draws a thick,
round, even line that nearly closes small counters (あ, ね, ゆ). A brush draws wide on verticals and
narrow on horizontals, presses in at the entry, swells where it slows in turns, tapers out (はらい),
may flick up in a hook (はね) and, running dry, splits into bristle streaks. All of it is per-point
width arithmetic on the polyline, vectorised with numpy; the rasteriser stays pen-agnostic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PENS = ("ballpoint", "marker", "brush")
_BRISTLES = 3  # streaks a dry brush splits into
_HOOK_LEN = 0.06  # length of a brush hook, fraction of the box


@dataclass(frozen=True)
class PenHabit:
    """A writer's persistent way with his pen (brush traits are unused by the other pens)."""

    kind: str  # one of PENS
    thickness_var: float  # relative thinning at stroke ends (pressure)
    attack: float  # fraction of a stroke over which the pen lands and lifts
    nib_angle: float  # radians: the direction in which a brush draws its thinnest line
    hook_rate: float  # chance that a downward stroke ends in a hook
    taper_rate: float  # chance that a stroke tapers out instead of stopping
    dryness: float  # chance that a long stroke runs dry at its tail


def _arc(xy: np.ndarray) -> np.ndarray:
    seg = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    return np.concatenate([[0.0], np.cumsum(seg)])


def _pressure(n: int, thickness_var: float, attack: float) -> np.ndarray:
    """Relative width along a stroke: full in the middle, thinner where the pen lands and lifts."""
    t = np.linspace(0.0, 1.0, n)
    ends = np.minimum(1.0, np.minimum(t / attack, (1.0 - t) / (1.5 * attack)))
    return 1.0 - thickness_var * (1.0 - np.sqrt(ends))


def _hook(xy: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Append a short flick up and to the left of a stroke that ends going down."""
    n = max(3, int(_HOOK_LEN / 0.015))
    tip = xy[-1] + _HOOK_LEN * np.array([-math.sqrt(0.5), -math.sqrt(0.5)])
    t = np.linspace(0.0, 1.0, n + 1)[1:, None]
    return np.vstack([xy, xy[-1] + t * (tip - xy[-1])]), np.concatenate([scale, scale[-1] * (1 - 0.85 * t[:, 0])])


def _brush(xy: np.ndarray, scale: np.ndarray, habit: PenHabit, rng: np.random.Generator) -> list[np.ndarray]:
    """Brush widths along one stroke, with its hook, taper and dry-brush streaks."""
    d = np.gradient(xy, axis=0)
    theta = np.arctan2(d[:, 1], d[:, 0])
    direction = 0.45 + 0.55 * np.abs(np.sin(theta - habit.nib_angle))
    turning = np.abs(np.gradient(np.unwrap(theta)))  # radians per step: the brush slows in turns
    slow = np.convolve(np.pad(np.tanh(2.0 * turning), 2, mode="edge"), np.ones(5) / 5, mode="valid")
    arc = _arc(xy)
    entry = 1.0 + 0.35 * np.exp(-arc / 0.02)  # pressed in where it lands
    width = scale * direction * (1.0 + 0.3 * slow) * entry
    going_down = d[-1, 1] > 0.5 * np.linalg.norm(d[-1])
    if going_down and rng.random() < habit.hook_rate:
        xy, width = _hook(xy, width)
    elif rng.random() < habit.taper_rate:
        left = arc[-1] - arc
        width = width * np.clip(left / max(0.3 * arc[-1], 1e-6), 0.12, 1.0) ** 0.8
    if len(xy) < 8 or rng.random() >= habit.dryness:
        return [np.column_stack([xy, width])]
    start = int(len(xy) * rng.uniform(0.45, 0.8))
    d = np.gradient(xy, axis=0)  # again: a hook has lengthened the stroke
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-9)
    pieces = [np.column_stack([xy[: start + 1], width[: start + 1]])]
    for offset in np.linspace(-0.33, 0.33, _BRISTLES):
        end = int(rng.integers(start + 2, len(xy) + 1))
        part = slice(start, end)
        shifted = xy[part] + normal[part] * (offset * width[part, None])
        pieces.append(np.column_stack([shifted, width[part] * 0.3]))
    return pieces


def ink(xy: np.ndarray, scale: np.ndarray, width: float, habit: PenHabit,
        rng: np.random.Generator) -> list[np.ndarray]:
    """One centre line as (n,3) pieces of x, y, width; scale is a per-point relative width (joins)."""
    if habit.kind == "brush":
        return _brush(xy, scale * width, habit, rng)
    var = habit.thickness_var * (0.15 if habit.kind == "marker" else 1.0)
    return [np.column_stack([xy, width * scale * _pressure(len(xy), var, habit.attack)])]


def sample_habit(kind: str, rng: np.random.Generator, thickness_var: float) -> PenHabit:
    """A writer's pen habits, drawn once from his habit RNG."""
    return PenHabit(kind=kind, thickness_var=thickness_var, attack=float(0.08 + 0.12 * rng.random()),
                    nib_angle=float(rng.uniform(-0.5, 0.3)), hook_rate=float(rng.uniform(0.3, 0.9)),
                    taper_rate=float(rng.uniform(0.2, 0.8)), dryness=float(rng.uniform(0.0, 0.5)))
