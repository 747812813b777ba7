"""Style directions for the explorer's sliders: the ways z_style actually changes the written digits.

The VAE leaves many z_style dimensions nearly unused, so a slider per dimension can move the decoded
digits by a grey level or less. Instead, the principal directions of the training writers' z_style are
decoded along their 1-99 % range, and the ones that move the most pixels get a slider. A direction is
named after the measured ink properties (slant, width, height, stroke weight) that follow the slider
closely (|Pearson r| >= MIN_R, within each digit) AND change by at least MIN_EFFECT times their spread
among the training writers; at most two names, strongest first. Otherwise it has no name ("style
direction k" on the page). Correlation alone is not enough: every smooth property follows a slider
that hardly moves the pixels.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

PROPERTIES = ("slant", "width", "height", "stroke_weight")
MIN_R = 0.9  # a name needs the property to follow the slider this closely
MIN_EFFECT = 1.0  # ... and to change by this many of its standard deviations among the writers
MAX_NAMES = 2
STEPS = 9  # slider positions decoded per direction
REFERENCE_WRITERS = 200  # z_style rows decoded to measure each property's spread among writers


def ink_properties(images: np.ndarray) -> dict[str, np.ndarray]:
    """Per image (N, H, W), ink = 1: slant in degrees (top to the right > 0), the ink's spread in
    x and y (2 standard deviations, pixels), and stroke weight: the width of the rectangle with the
    ink's area A and edge length P (pixels; about 2A / P for a long stroke)."""
    ink = np.clip(np.asarray(images, dtype=np.float64), 0, 1)
    ys, xs = np.mgrid[: ink.shape[1], : ink.shape[2]]
    mass = ink.sum(axis=(1, 2)) + 1e-9
    mean = lambda v: (ink * v).sum(axis=(1, 2)) / mass  # noqa: E731
    x0, y0 = mean(xs), mean(ys)
    dx, dy = xs - x0[:, None, None], ys - y0[:, None, None]
    var_x, var_y, cov = mean(dx * dx), mean(dy * dy), mean(dx * dy)
    edges = np.hypot(np.diff(ink, axis=1)[:, :, :-1], np.diff(ink, axis=2)[:, :-1, :]).sum(axis=(1, 2))
    weight = (edges / 2 - np.sqrt(np.maximum(edges**2 / 4 - 4 * mass, 0))) / 2  # w of w + L = P / 2, w L = A
    return {"slant": np.degrees(np.arctan(-cov / (var_y + 1e-9))), "width": 2 * np.sqrt(var_x),
            "height": 2 * np.sqrt(var_y), "stroke_weight": weight}


def principal_axes(z_style: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mean of z_style (N, D) and its principal directions, (D, D) unit rows, largest variance first."""
    z = np.asarray(z_style, dtype=np.float64)
    centre = z.mean(axis=0)
    _, _, axes = np.linalg.svd(z - centre, full_matrices=False)
    return centre, axes * np.where(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)] < 0, -1, 1)[:, None]


def within_r(t: np.ndarray, values: np.ndarray) -> float:
    """Pearson r of a property with the slider position t, both (steps, digits), digit means removed."""
    a, b = t - t.mean(axis=0), values - values.mean(axis=0)
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else 0.0


def style_directions(decode: Callable[[np.ndarray, np.ndarray], np.ndarray], content_means: np.ndarray,
                     z_style: np.ndarray, count: int = 4) -> dict:
    """The `count` principal directions of z_style that move the decoded digits most, as the page needs them.

    decode(z_content (N, C), z_style (N, D)) -> images (N, H, W) with ink = 1. Returns {"centre": the
    mean z_style, "directions": [{"vector" (unit), "range" (1-99 % of the writers' positions along it,
    from the centre), "names" (empty when unnamed), "r" (of each name), "effect_sd" (each property's
    change in standard deviations among writers), "pixel_change", "property_change" (left end to
    right end)}]}; pixel_change is the mean |difference| in grey levels (of 255) between the two ends of
    the range, over all pixels of the ten digits.
    """
    z_style = np.asarray(z_style, dtype=np.float32)
    centre, axes = principal_axes(z_style)
    spread = _spread(decode, content_means, z_style)
    spans = np.percentile((z_style - centre) @ axes.T, [1, 99], axis=0).T  # (D, 2)
    means = np.asarray(content_means, dtype=np.float32)
    found = []
    for axis, (lo, hi) in zip(axes, spans, strict=True):
        t = np.linspace(lo, hi, STEPS)
        z = (centre + t[:, None] * axis).astype(np.float32)  # (steps, D)
        images = decode(np.tile(means, (STEPS, 1)), np.repeat(z, len(means), axis=0))
        images = np.asarray(images, dtype=np.float64).reshape(STEPS, len(means), *images.shape[-2:])
        flat = ink_properties(images.reshape(-1, *images.shape[2:]))
        props = {k: v.reshape(STEPS, len(means)) for k, v in flat.items()}
        grid = np.repeat(t[:, None], len(means), axis=1)
        found.append({"axis": axis, "range": [float(lo), float(hi)],
                      "pixel_change": float(np.abs(images[-1] - images[0]).mean() * 255),
                      "r": {k: within_r(grid, v) for k, v in props.items()},
                      "change": {k: float((v[-1] - v[0]).mean()) for k, v in props.items()}})
    chosen = sorted(found, key=lambda d: -d["pixel_change"])[:count]
    return {"centre": _rounded(centre), "directions": [_entry(d, spread) for d in chosen]}


def _spread(decode: Callable, content_means: np.ndarray, z_style: np.ndarray) -> dict[str, float]:
    """Each property's standard deviation among writers (REFERENCE_WRITERS styles), averaged over digits."""
    rows = z_style[np.linspace(0, len(z_style) - 1, min(REFERENCE_WRITERS, len(z_style))).astype(int)]
    means = np.asarray(content_means, dtype=np.float32)
    images = np.asarray(decode(np.tile(means, (len(rows), 1)), np.repeat(rows, len(means), axis=0)))
    props = ink_properties(images.reshape(-1, *images.shape[-2:]))
    return {k: float(v.reshape(len(rows), len(means)).std(axis=0).mean()) + 1e-9 for k, v in props.items()}


def _entry(direction: dict, spread: dict[str, float]) -> dict:
    """One slider, oriented so that its first-named property grows to the right (see the module doc)."""
    effect = {k: abs(direction["change"][k]) / spread[k] for k in PROPERTIES}
    names = sorted((k for k in PROPERTIES if abs(direction["r"][k]) >= MIN_R and effect[k] >= MIN_EFFECT),
                   key=lambda k: -effect[k])[:MAX_NAMES]
    sign = -1.0 if names and direction["change"][names[0]] < 0 else 1.0
    lo, hi = direction["range"]
    return {"vector": _rounded(sign * direction["axis"]), "range": _rounded(sorted([sign * lo, sign * hi])),
            "names": names, "r": {k: round(abs(direction["r"][k]), 3) for k in names},
            "effect_sd": {k: round(effect[k], 2) for k in PROPERTIES},
            "pixel_change": round(direction["pixel_change"], 2),
            "property_change": {k: round(sign * v, 2) for k, v in direction["change"].items()}}


def _rounded(values) -> list[float]:
    return [round(float(v), 5) for v in values]
