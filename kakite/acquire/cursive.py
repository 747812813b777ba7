"""Cursive joins: a hand in a hurry links one stroke's end to the next stroke's start.

Which gaps a writer links is his habit (persistent per writer and char); how the link curves varies
per sample. A light link is a hairline the half-lifted pen leaves in the air-stroke; a heavy one is a
pen-down connection that merges both strokes into one, which is what changes a glyph's topology.
"""

from __future__ import annotations

import numpy as np

from kakite.acquire.kanjivg import SPACING, resample

MAX_GAP = 0.45  # longer air-strokes are never inked: a hand lifts the pen for those
PEN_DOWN = 0.6  # link ink at or above which the link is a pen-down connection
_HAIRLINE = 0.35  # width of a pen-lifted link relative to the writer's link ink


def _link(end: np.ndarray, out_dir: np.ndarray, start: np.ndarray, bend: float) -> np.ndarray:
    """A quadratic curve from end to start that leaves in the stroke's own direction (bent per sample)."""
    gap = float(np.linalg.norm(start - end))
    ctrl = end + out_dir * gap * (0.35 + bend)
    t = np.linspace(0.0, 1.0, 12)[:, None]
    curve = (1 - t) ** 2 * end + 2 * (1 - t) * t * ctrl + t**2 * start
    return resample(curve, SPACING)


def join(strokes: list[np.ndarray], linked: np.ndarray, ink: float,
         bends: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(xy, relative width) per stroke after linking gap i (stroke i -> i+1) where linked[i] is set.

    bends[i] is this sample's extra bow of link i (0 = the writer's usual curve).

    Gaps longer than MAX_GAP stay open. A pen-down link (ink >= PEN_DOWN) merges the strokes it joins.
    """
    out = [(strokes[0], np.ones(len(strokes[0])))]
    for i, nxt in enumerate(strokes[1:]):
        prev = out[-1][0]
        gap = float(np.linalg.norm(nxt[0] - prev[-1]))
        if not linked[i] or gap > MAX_GAP or gap < 1e-6:
            out.append((nxt, np.ones(len(nxt))))
            continue
        tangent = prev[-1] - prev[-2]
        tangent = tangent / max(float(np.linalg.norm(tangent)), 1e-9)
        link = _link(prev[-1], tangent, nxt[0], float(bends[i]))[1:-1]
        if ink >= PEN_DOWN:
            xy, scale = out.pop()
            out.append((np.vstack([xy, link, nxt]),
                        np.concatenate([scale, np.full(len(link), ink), np.ones(len(nxt))])))
        else:
            if len(link) >= 2:
                out.append((link, np.full(len(link), ink * _HAIRLINE)))
            out.append((nxt, np.ones(len(nxt))))
    return out
