"""Style directions for the explorer: measured ink properties, and names only where the data supports them."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from kakite.writers import directions

SIZE = 28


def stroke(slant_deg: float, weight: float, length: float = 16.0) -> np.ndarray:
    """One straight down-stroke through the centre, its top leaning right by slant_deg, weight px wide."""
    s = 4
    im = Image.new("L", (SIZE * s, SIZE * s), 0)
    dx, dy = np.sin(np.radians(slant_deg)) * length / 2, np.cos(np.radians(slant_deg)) * length / 2
    c = SIZE * s / 2
    ImageDraw.Draw(im).line([(c - dx * s, c + dy * s), (c + dx * s, c - dy * s)], fill=255, width=round(weight * s))
    return np.asarray(im.reduce(s), dtype=np.float64) / 255


def fake_decoder(z_content: np.ndarray, z_style: np.ndarray) -> np.ndarray:
    """z_style[0] slants the stroke (10 degrees a unit), z_style[1] thickens it; the other dimensions do nothing."""
    return np.stack([stroke(10 * a, 3 + b) for a, b in z_style[:, :2]])


def test_ink_properties_measure_slant_spread_and_stroke_weight():
    props = directions.ink_properties(np.stack([stroke(0, 3), stroke(20, 3), stroke(-20, 3), stroke(0, 5)]))
    assert abs(props["slant"][0]) < 1 and props["slant"][1] == pytest.approx(20, abs=3)
    assert props["slant"][2] == pytest.approx(-20, abs=3)
    assert props["stroke_weight"][0] == pytest.approx(3, abs=0.6)
    assert props["stroke_weight"][3] == pytest.approx(5, abs=0.8)
    assert props["height"][0] > 3 * props["width"][0]  # an upright stroke is tall and narrow


def test_directions_that_move_pixels_are_named_after_what_they_change():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 1, (500, 4)) * [1.5, 0.6, 1.0, 0.8]  # dims 2 and 3 vary but change nothing
    found = directions.style_directions(fake_decoder, np.zeros((10, 2)), z, count=4)
    names = [d["names"] for d in found["directions"]]
    changes = [d["pixel_change"] for d in found["directions"]]
    assert names[0] == ["slant"] and names[1][0] == "stroke_weight", found  # a thicker stroke is also wider
    assert changes[0] > changes[1] > 5 and changes[1] > 3 * max(changes[2:])  # ordered by pixel change
    assert names[2:] == [[], []]  # no effect, so no name
    slant = found["directions"][0]
    assert slant["property_change"]["slant"] > 20  # oriented: the named property grows to the right
    assert abs(slant["vector"][0]) > 0.99 and slant["range"][0] < 0 < slant["range"][1]
    assert np.linalg.norm(slant["vector"]) == pytest.approx(1, abs=1e-4)
    assert found["centre"] == pytest.approx(z.mean(axis=0), abs=1e-4)


def test_a_smooth_but_tiny_effect_gets_no_name():
    """Correlation alone would name it: slant follows the slider perfectly, but by a fraction of a degree."""
    z = np.random.default_rng(1).normal(0, 1, (300, 2)) * [1.0, 0.02]
    tiny = lambda zc, zs: np.stack([stroke(0.05 * a + 30 * np.sign(i % 2 - 0.5), 3) for i, (a, _) in enumerate(zs)])  # noqa: E731
    found = directions.style_directions(tiny, np.zeros((10, 2)), z, count=1)
    assert found["directions"][0]["names"] == []
