"""Seeded fuzzing of the two doors hostile input comes through: image bytes (decode + preprocess, what
`kakite predict` runs per file) and params.yaml. Only documented errors may come out, memory stays
bounded. The normal suite runs 2,000 image files (one in ten read from disk), 2,000 arrays and 500
params files in about ten seconds; the `slow` variant runs ten more seeds."""

from __future__ import annotations

import copy
import io
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from kakite.core.errors import ImageError, NoInkError, ParamsError
from kakite.core.images import ALLOWED_FORMATS, decode_gray, read_gray
from kakite.core.params import load_all
from kakite.core.preprocess import DIGITS, HIRAGANA, to_model_input
from tests import image_fixtures as fx
from tests.conftest import PARAMS, set_dotted
from tests.memory import peak_rss_growth

RSS_BOUND_MB = 200  # the fuzz files are small: a few MB at most; many must not accumulate


def seed_images(rng: np.random.Generator) -> list[bytes]:
    """Small valid files in every accepted format, the material the mutations start from."""
    pixels = rng.integers(0, 256, (int(rng.integers(1, 40)), int(rng.integers(1, 40)), 4), dtype=np.uint8)
    im = Image.fromarray(pixels, "RGBA")
    out = []
    for fmt in ALLOWED_FORMATS:
        buf = io.BytesIO()
        (im if fmt in ("PNG", "TIFF", "WEBP", "GIF") else im.convert("RGB")).save(buf, fmt)
        out.append(buf.getvalue())
    return out


def hostile_image(rng: np.random.Generator, seeds: list[bytes]) -> bytes:
    kind = rng.integers(5)
    if kind == 0:  # random bytes, sometimes behind a real signature
        prefix = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"BM", b"II*\x00", b"RIFF"][rng.integers(7)]
        return prefix + rng.bytes(int(rng.integers(0, 300)))
    if kind == 1:  # a PNG header declaring any size, from empty to absurd
        side = lambda: int(rng.choice([0, 1, 2, int(rng.integers(1, 5000)), 65_535, 65_536, 2**31 - 1]))  # noqa: E731
        return fx.png_with_header(side(), side())
    data = bytearray(seeds[rng.integers(len(seeds))])
    if kind == 2:  # flipped bytes
        for _ in range(int(rng.integers(1, 8))):
            data[rng.integers(len(data))] = rng.integers(256)
    elif kind == 3:  # truncated
        del data[int(rng.integers(len(data))):]
    return bytes(data)  # kind 4: intact


def random_gray(rng: np.random.Generator) -> np.ndarray:
    h, w = (int(rng.choice([1, 2, 3, int(rng.integers(1, 200)), int(rng.integers(1, 3000))])) for _ in "hw")
    if h * w > 200_000:
        h = max(1, 200_000 // w)
    low, high = sorted(rng.integers(0, 257, 2))
    return rng.integers(low, max(high, low + 1), (h, w), dtype=np.uint8)


def predict_path(data: bytes, path: Path | None) -> None:
    """What `kakite predict` does with one file: bytes (or the file at ``path``, holding them) -> model input."""
    name = str(path) if path else "fuzz.png"
    try:
        if path:
            path.write_bytes(data)
        gray = read_gray(path) if path else decode_gray(data, name)
    except ImageError as exc:
        assert str(exc).startswith(f"{name}: ") and "\n" not in str(exc)
        return
    try:
        x = to_model_input(gray, HIRAGANA)
    except NoInkError:
        return
    assert x.shape == (48, 48) and np.isfinite(x).all() and x.max() == 1.0


def run_image_cases(seed: int, cases: int, tmp_path: Path) -> None:
    rng = np.random.default_rng(seed)
    seeds = seed_images(rng)
    for _ in range(cases):
        predict_path(hostile_image(rng, seeds), tmp_path / "fuzz.png" if rng.integers(10) == 0 else None)
        gray = random_gray(rng)
        for spec in (HIRAGANA, DIGITS):
            try:
                x = to_model_input(gray, spec)
            except NoInkError:
                continue
            assert np.isfinite(x).all() and x.min() >= 0 and x.max() == 1.0


def hostile_value(rng: np.random.Generator):
    return [math.inf, -math.inf, math.nan, 10**30, -(10**30), 1e308, 0, -1, 0.5, 2**63, True, None, "", "x" * 1000,
            [], {}, [1, 2, 3], {"a": 1}, "1e21", 3.0][rng.integers(20)]


def leaves(tree: dict, prefix: str = "") -> list[str]:
    out = []
    for key, value in tree.items():
        out += leaves(value, f"{prefix}{key}.") if isinstance(value, dict) and value else [f"{prefix}{key}"]
    return out


def run_params_cases(seed: int, cases: int, tmp_path) -> None:
    rng = np.random.default_rng(seed)
    base = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
    keys = leaves(base)
    path = tmp_path / "params.yaml"
    for _ in range(cases):
        tree = copy.deepcopy(base)
        for _ in range(int(rng.integers(1, 4))):
            set_dotted(tree, keys[rng.integers(len(keys))], hostile_value(rng))
        text = yaml.safe_dump(tree, allow_unicode=True)
        if rng.integers(4) == 0:  # and sometimes broken YAML
            cut = int(rng.integers(len(text)))
            text = text[:cut] + rng.choice(["\t", ":", "- [", "{", "&a *b", "\x00", "\n  "]) + text[cut:]
        path.write_text(text, encoding="utf-8")
        try:
            load_all(path)
        except ParamsError as exc:
            assert str(exc).startswith(str(path)) and "\n" not in str(exc)


def test_fuzz_predict_path_and_params(tmp_path: Path) -> None:
    with peak_rss_growth() as growth:
        run_image_cases(seed=0, cases=2000, tmp_path=tmp_path)  # 2,000 hostile files + 2,000 random arrays
        run_params_cases(seed=0, cases=500, tmp_path=tmp_path)
    assert growth[0] < RSS_BOUND_MB


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 11))
def test_fuzz_more_seeds(seed: int, tmp_path: Path) -> None:
    with peak_rss_growth() as growth:
        run_image_cases(seed=seed, cases=2000, tmp_path=tmp_path)
        run_params_cases(seed=seed, cases=500, tmp_path=tmp_path)
    assert growth[0] < RSS_BOUND_MB
