"""Dakuten and handakuten as hands write them: big or small, high or low, ticks, a joined pair, dots, a blob.

ば/ぱ, ぶ/ぷ and ぼ/ぽ differ only in the mark, and hands are careless with it: the circle left open or
shrunk to a blob, the two ticks run together or dabbed as one dot. A writer has a persistent way of
writing each mark; every sample varies its size and place a little.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kakite.acquire.kanjivg import SPACING, resample
from kakite.acquire.letterforms import DAKUTEN, HANDAKUTEN

DAKUTEN_STYLES = ("ticks", "joined", "dots", "blob")
HANDAKUTEN_STYLES = ("closed", "open", "small")
_SAMPLE_SD_LOG_SIZE = 0.12
_SAMPLE_SD_SHIFT = 0.02  # fraction of the box
_MARK_INK = 0.25  # widest mark line, relative to the mark's extent
_RING_MIN = 0.14  # smallest handakuten ring, fraction of the box (a hole of 3+ px at 48 px)
_RING_MIN_PENS = 1.4  # ... and in pen widths, so a fat pen's ring keeps its hole


@dataclass(frozen=True)
class MarkHabit:
    """How a writer writes the voicing marks: a style for each mark, a size factor, a shift (x, y)."""

    dakuten: str
    handakuten: str
    size: float
    shift: tuple[float, float]


def sample_habit(rng: np.random.Generator, size_range: tuple[float, float], max_shift: float) -> MarkHabit:
    return MarkHabit(dakuten=str(rng.choice(DAKUTEN_STYLES, p=[0.5, 0.25, 0.17, 0.08])),
                     handakuten=str(rng.choice(HANDAKUTEN_STYLES, p=[0.5, 0.35, 0.15])),
                     size=float(rng.uniform(*size_range)),
                     # mostly up and to the right: hands rarely crowd the mark into the letter's body
                     shift=(float(rng.uniform(-0.5 * max_shift, max_shift)),
                            float(rng.uniform(-max_shift, 0.5 * max_shift))))


def _shrink(stroke: np.ndarray, factor: float) -> np.ndarray:
    return _scale_about(stroke, factor, stroke.mean(axis=0))


def _scale_about(stroke: np.ndarray, factor: float, centre: np.ndarray) -> np.ndarray:
    return (stroke - centre) * factor + centre


def _styled(marks: list[np.ndarray], mark: str, habit: MarkHabit, rng: np.random.Generator) -> list[np.ndarray]:
    if mark == DAKUTEN:
        if habit.dakuten == "joined" and len(marks) == 2:
            return [resample(np.vstack(marks), SPACING)]
        if habit.dakuten == "dots":
            return [_shrink(m, 0.35) for m in marks]
        if habit.dakuten == "blob":
            return [_shrink(resample(np.vstack(marks), SPACING), 0.45)]
        return marks
    if habit.handakuten == "open":
        return [m[: max(2, int(len(m) * rng.uniform(0.7, 0.88)))] for m in marks]
    if habit.handakuten == "small":
        return [_shrink(m, 0.8) for m in marks]
    return marks


def restyle(strokes: list[np.ndarray], count: int, mark: str, habit: MarkHabit, rng: np.random.Generator,
            noise: float) -> list[np.ndarray]:
    """Replace the last `count` strokes (the mark) by this writer's version of it, for this sample."""
    if not count:
        return strokes
    body, marks = strokes[:-count], list(strokes[-count:])
    centre = np.vstack(marks).mean(axis=0)
    size = habit.size * float(np.exp(rng.normal(0, _SAMPLE_SD_LOG_SIZE * noise)))
    shift = np.asarray(habit.shift) + rng.normal(0, _SAMPLE_SD_SHIFT * noise, 2)
    placed = [np.clip((m - centre) * size + centre + shift, 0.0, 1.0) for m in marks]
    return body + _styled(placed, mark, habit, rng)


def keep_clear(body: list[np.ndarray], marks: list[np.ndarray], gap: float) -> list[np.ndarray]:
    """Move the marks right until they clear the body's ink at their height by `gap`.

    Hands place the mark by eye after the letter, whatever their slant: a back-slanted body must not
    swallow the mark it leans into.
    """
    if not body or not marks:
        return marks
    pts, ink = np.vstack(marks), np.vstack(body)
    band = (ink[:, 1] >= pts[:, 1].min() - gap) & (ink[:, 1] <= pts[:, 1].max() + gap)
    if not band.any():
        return marks
    push = max(0.0, float(ink[band, 0].max()) + gap - float(pts[:, 0].min()))
    return [m + np.array([push, 0.0]) for m in marks]


def legible_ring(marks: list[np.ndarray], mark: str, pen: float) -> list[np.ndarray]:
    """Grow a handakuten that is too small to show a hole (at 48 px, or for this pen) about its centre.

    A hand that can see its ring fill up draws it bigger; a 3 px ring from a marker is a dot that reads as
    a dakuten, so ぱ/ば would differ by a pixel the writer never meant. Dakuten are left as they are.
    """
    if mark != HANDAKUTEN or not marks:
        return marks
    pts = np.vstack(marks)
    extent = float(np.ptp(pts, axis=0).max())
    need = max(_RING_MIN, _RING_MIN_PENS * pen)
    return [_scale_about(m, need / extent, pts.mean(axis=0)) for m in marks] if 0 < extent < need else marks


def mark_ink(marks: list[np.ndarray], pen: float) -> float:
    """Relative width for the marks: a fat pen draws them lighter, so a ring stays a ring, two ticks two.

    Without it a felt marker fills a handakuten into the same blob as a dakuten, and the label is noise.
    """
    extent = float(np.ptp(np.vstack(marks), axis=0).max()) if marks else 0.0
    return min(1.0, _MARK_INK * extent / max(pen, 1e-9))
