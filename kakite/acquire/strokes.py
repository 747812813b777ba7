"""A writer style model over KanjiVG strokes: pseudo-handwriting with known writer ids.

A synthetic writer is a set of persistent traits (slant, proportions, placement, pen, personal stroke
habits, a smooth deformation field) and habits (which letterform of each kana he uses, which strokes he
links, how he writes the voicing marks); each sample he writes perturbs the traits a little. Because the
persistent part dominates, writer ids are real labels with a known ground truth, which the VAE and
clustering stages need (design.md, seed 003). Letterforms, pens, joins and marks live in their own modules.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from kakite.acquire import cursive, diacritics, letterforms, pens
from kakite.core.errors import ParamsError

_FIT_MARGIN = 0.01  # a writer keeps his ink this far inside the box
_DEFORM_WAVES = 3  # sinusoids per axis in a writer's deformation field

# Per-sample deviation of each global trait at sample_noise = 1. These equal the between-writer standard
# deviation under the default params ranges, so sample_noise reads as "within-writer / between-writer".
_SAMPLE_SD_SLANT_DEG = 10.0
_SAMPLE_SD_ASPECT = 0.12
_SAMPLE_SD_SIZE = 0.08
_SAMPLE_SD_OFFSET = 0.04
_SAMPLE_SD_LOG_PEN = 0.25
_SAMPLE_SD_PHASE = 1.0  # radians of deformation-field phase
_SAMPLE_SD_BEND = 0.25  # how much a cursive link's curve varies between samples


@dataclass(frozen=True)
class WriterStyle:
    """A writer's persistent traits; every sample he writes varies around these."""

    slant_deg: float  # italic shear, positive leans right
    aspect: float  # width / height of his characters
    size: float  # fraction of the box his characters fill
    offset: tuple[float, float]  # where in the box he writes (x, y), fraction of the box
    pen_width: float  # fraction of the box (drawn from the range of his pen kind)
    thickness_var: float  # relative thinning at stroke ends (pressure)
    stroke_jitter: float  # scale of per-stroke rotation / shear / log-scale (and half of it as translation)
    deform_amp: float  # amplitude of his smooth deformation field, fraction of the box
    habit_seed: int  # seeds his habits: per-stroke misplacements, pen attack, deformation waves and phases
    pen: pens.PenHabit  # his tool and his way with it
    variant_rate: float  # chance that he writes a kana in one of its handwritten letterforms
    join_rate: float  # chance that he links a given pair of consecutive strokes
    join_ink: float  # how much ink his links leave: < cursive.PEN_DOWN a hairline, above a pen-down join
    marks: diacritics.MarkHabit  # how he writes dakuten and handakuten


def _param(ranges: dict, key: str):
    if key not in ranges:
        raise ParamsError(f"fetch.style.{key} is missing")
    return ranges[key]


def sample_writer(rng: np.random.Generator, ranges: dict) -> WriterStyle:
    """Draw one writer's traits, each uniform over its params.yaml fetch.style range (his pen by weight)."""

    def uniform(key: str) -> float:
        lo, hi = _param(ranges, key)
        return float(rng.uniform(lo, hi))

    max_offset = float(_param(ranges, "offset"))
    traits = dict(
        slant_deg=uniform("slant_deg"),
        aspect=uniform("aspect"),
        size=uniform("size"),
        offset=(float(rng.uniform(-max_offset, max_offset)), float(rng.uniform(-max_offset, max_offset))),
        pen_width=uniform("pen_width"),
        thickness_var=uniform("thickness_var"),
        stroke_jitter=uniform("stroke_jitter"),
        deform_amp=uniform("deform_amp"),
        habit_seed=int(rng.integers(0, 2**63 - 1)),
    )
    weights = np.array([_param(ranges, "pens")[kind] for kind in pens.PENS], dtype=float)
    kind = pens.PENS[int(rng.choice(len(pens.PENS), p=weights / weights.sum()))]
    if kind != "ballpoint":
        traits["pen_width"] = uniform(f"{kind}_width")
    habit_rng = np.random.default_rng([traits["habit_seed"], 2])
    return WriterStyle(
        **traits,
        pen=pens.sample_habit(kind, habit_rng, traits["thickness_var"]),
        variant_rate=uniform("variant_rate"),
        join_rate=uniform("join_rate"),
        join_ink=uniform("join_ink"),
        marks=diacritics.sample_habit(habit_rng, _param(ranges, "mark_size"), float(_param(ranges, "mark_shift"))),
    )


@functools.lru_cache(maxsize=4096)
def _deform_waves(habit_seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The writer's field: per axis, _DEFORM_WAVES sinusoids of 0.5-1.5 cycles per box (freq, amp, phase)."""
    rng = np.random.default_rng([habit_seed, 0])
    angle = rng.uniform(0, 2 * np.pi, (2, _DEFORM_WAVES))
    cycles = rng.uniform(0.5, 1.5, (2, _DEFORM_WAVES))
    freq = 2 * np.pi * cycles[..., None] * np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    amp = rng.normal(size=(2, _DEFORM_WAVES))
    amp *= math.sqrt(2.0) / np.linalg.norm(amp, axis=1, keepdims=True)  # unit RMS displacement per axis
    phase = rng.uniform(0, 2 * np.pi, (2, _DEFORM_WAVES))
    return freq, amp, phase


@functools.lru_cache(maxsize=65536)
def _stroke_habits(habit_seed: int, char: str, n_strokes: int) -> np.ndarray:
    """How this writer habitually misplaces each stroke of this char: (n,6) unit-scale affine offsets."""
    return np.random.default_rng([habit_seed, 1, ord(char)]).normal(size=(n_strokes, 6))


@functools.lru_cache(maxsize=65536)
def _char_habits(style: WriterStyle, char: str) -> tuple[int, np.ndarray]:
    """This writer's letterform of char (0 = KanjiVG's) and which of its stroke gaps he links.

    Keyed by the base kana, so a writer who writes き joined writes ぎ joined too.
    """
    base, _ = letterforms.split_voiced(char)
    rng = np.random.default_rng([style.habit_seed, 3, ord(base)])
    forms = letterforms.forms(char)
    form = int(rng.integers(1, len(forms))) if len(forms) > 1 and rng.random() < style.variant_rate else 0
    linked = rng.random(len(forms[form])) < style.join_rate  # one per gap (and a spare)
    return form, linked


def _jitter_stroke(xy: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Small affine about the stroke's centre: rotation, shear, log-scale x/y, translation x/y."""
    rot, shear, log_sx, log_sy, tx, ty = params
    c, s = math.cos(rot), math.sin(rot)
    m = np.array([[c, -s], [s, c]]) @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag(np.exp([log_sx, log_sy]))
    centre = xy.mean(axis=0)
    return (xy - centre) @ m.T + centre + (tx, ty)


def _fit_in_box(strokes: list[np.ndarray]) -> list[np.ndarray]:
    """Shrink (if needed) and shift the ink so it stays inside the box, as a writer keeps to his cell."""
    pts = np.vstack(strokes)
    half = pts[:, 2:3] / 2
    lo = (pts[:, :2] - half).min(axis=0)
    hi = (pts[:, :2] + half).max(axis=0)
    extent = hi - lo
    scale = min(1.0, (1.0 - 2 * _FIT_MARGIN) / max(float(extent.max()), 1e-9))
    scaled_lo = (lo + hi) / 2 - extent * scale / 2
    new_lo = np.clip(scaled_lo, _FIT_MARGIN, 1.0 - _FIT_MARGIN - extent * scale)
    out = []
    for s in strokes:
        xy = (s[:, :2] - lo) * scale + new_lo
        out.append(np.column_stack([xy, s[:, 2] * scale]))
    return out


def write_char(
    char: str, style: WriterStyle, rng: np.random.Generator, sample_noise: float
) -> list[np.ndarray]:
    """One sample of char by this writer: (n,3) polylines of x, y, pen width, all as fractions of the box.

    sample_noise scales this sample's deviation from the writer's persistent traits (0 = he writes
    exactly the same way every time, 1 = about as much spread within a writer as between writers
    under the default fetch.style ranges).
    """
    noise = float(sample_noise)
    slant = math.radians(style.slant_deg + rng.normal(0, _SAMPLE_SD_SLANT_DEG * noise))
    aspect = max(0.3, style.aspect + rng.normal(0, _SAMPLE_SD_ASPECT * noise))
    size = max(0.3, style.size + rng.normal(0, _SAMPLE_SD_SIZE * noise))
    offset = np.asarray(style.offset) + rng.normal(0, _SAMPLE_SD_OFFSET * noise, 2)
    pen = style.pen_width * math.exp(rng.normal(0, _SAMPLE_SD_LOG_PEN * noise))

    # His letterform of char; its voicing mark (the last strokes) rewritten his way for this sample.
    form, linked = _char_habits(style, char)
    strokes = letterforms.forms(char)[form]
    marks = letterforms.diacritic_strokes(char)
    body = len(strokes) - marks
    mark = letterforms.split_voiced(char)[1]
    base = diacritics.restyle(list(strokes), marks, mark, style.marks, rng, noise)
    # Per-stroke affine: the writer's habit (persistent) plus this sample's slip.
    scale = style.stroke_jitter * np.array([1.0, 1.0, 1.0, 1.0, 0.5, 0.5])
    habits = _stroke_habits(style.habit_seed, char, len(base))
    per_stroke = (habits + rng.normal(0, noise, habits.shape)) * scale

    freq, amp, phase = _deform_waves(style.habit_seed)
    phase = phase + rng.normal(0, _SAMPLE_SD_PHASE * noise, phase.shape)

    # Global affine about the box centre: aspect, size and slant (top leans right for positive slant).
    sx, sy = size * math.sqrt(aspect), size / math.sqrt(aspect)
    glob = np.array([[sx, -math.tan(slant) * sy], [0.0, sy]])

    placed = []
    for stroke, params in zip(base, per_stroke, strict=True):
        xy = _jitter_stroke(stroke, params)
        waves = np.sin(np.einsum("nd,akd->nak", xy, freq) + phase)  # (n, axis, wave)
        xy = xy + style.deform_amp * np.einsum("nak,ak->na", waves, amp)
        placed.append((xy - 0.5) @ glob.T + 0.5 + offset)
    rings = diacritics.legible_ring(placed[body:], mark, pen)
    placed[body:] = diacritics.keep_clear(placed[:body], rings, 0.6 * pen + 0.01)
    bends = rng.normal(0, _SAMPLE_SD_BEND * noise, len(placed))
    lines = cursive.join(placed[:body], linked, style.join_ink, bends) if body else []
    mark_ink = diacritics.mark_ink(placed[body:], pen)
    lines += [(xy, np.full(len(xy), mark_ink)) for xy in placed[body:]]
    ink_rng = np.random.default_rng([style.habit_seed, 4, ord(char)])  # hooks, tapers, dry tails: habits
    written = [piece for xy, rel in lines for piece in pens.ink(xy, rel, pen, style.pen, ink_rng)]
    return _fit_in_box(written)


def _draw_stroke(draw: ImageDraw.ImageDraw, xy: np.ndarray, radius: np.ndarray) -> None:
    """A variable-width stroke: one quad per segment, round caps, and round joins where it turns sharply."""
    seg = np.diff(xy, axis=0)
    seg_len = np.linalg.norm(seg, axis=1, keepdims=True)
    seg_normal = np.column_stack([-seg[:, 1], seg[:, 0]]) / np.maximum(seg_len, 1e-9)
    normal = np.vstack([seg_normal[:1], seg_normal[:-1] + seg_normal[1:], seg_normal[-1:]])
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
    left = (xy + normal * radius[:, None]).tolist()
    right = (xy - normal * radius[:, None]).tolist()
    for i in range(len(xy) - 1):
        draw.polygon([tuple(left[i]), tuple(left[i + 1]), tuple(right[i + 1]), tuple(right[i])], fill=255)
    turn = np.einsum("nd,nd->n", seg_normal[:-1], seg_normal[1:]) < 0.94  # more than ~20 degrees
    joints = np.concatenate([[True], turn, [True]])
    for (x, y), r in zip(xy[joints].tolist(), radius[joints].tolist(), strict=True):
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)


def rasterize(strokes: list[np.ndarray], size: int, supersample: int = 4) -> np.ndarray:
    """Draw (n,3) strokes as a uint8 (size,size) image: dark ink (0) on white (255), antialiased."""
    big = size * supersample
    canvas = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(canvas)
    for stroke in strokes:
        # Keep every stroke at least ~one output pixel wide, so thin pens never vanish.
        radius = np.maximum(stroke[:, 2] * big / 2, supersample / 2)
        _draw_stroke(draw, stroke[:, :2] * big, radius)
    ink = np.asarray(canvas.resize((size, size), Image.Resampling.BOX))
    return 255 - ink


def to_canvas_points(strokes: list[np.ndarray], canvas_px: int) -> list[list[tuple[float, float]]]:
    """Strokes as pixel coordinates on a canvas_px square canvas, e.g. to replay them as mouse drags."""
    return [[(float(x) * canvas_px, float(y) * canvas_px) for x, y in s[:, :2]] for s in strokes]
