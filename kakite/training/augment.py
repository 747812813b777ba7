"""Training augmentation on model inputs: make typeset and synthetic glyphs look like handwriting.

Applied to preprocessed inputs (float32, ink = 1, background = 0), so every size below is in model-
input pixels, and the browser never sees any of it. Per image, in this order:

1. stroke width: grey dilation (radius r > 0) or erosion (r < 0) with a disk, r drawn uniformly
   from the integer range ``stroke_width``. Typeset strokes are uniform; pens are not. An erosion
   that would leave less than 30 % of the ink (thin strokes vanishing) is skipped for that image;
   radius 1 leaves about half of a typical 4-px stroke.
2. warp: one bilinear resampling per image (scipy ``map_coordinates``, zero outside) through a
   random affine map about the centre (rotation, horizontal shear, isotropic scale, translation
   as a fraction of the side) plus an elastic field: white noise smoothed by a Gaussian of
   ``elastic_sigma`` px, scaled to an RMS displacement drawn from [0, ``elastic_alpha``] px.
   Hands slant, wobble and drift; printers do not.
3. blur: Gaussian, sigma drawn uniformly from ``blur_sigma`` (soft pencil and camera focus).
4. noise: additive Gaussian noise, its std drawn uniformly from [0, ``noise``].
Then clip to [0, 1]. A step whose config is neutral is skipped, so ``AugmentConfig()`` is the identity.

Speed: all Gaussian smoothing is done as batched products with small Gaussian matrices; the only
Python loops are over images for the resampling and over radii for the stroke width.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from kakite.core.errors import ParamsError

CHUNK = 256  # images augmented at once: temporaries stay in cache-friendly sizes (measured: 256 beats 1024)
MIN_KEPT_BY_EROSION = 0.3  # an erosion keeping less of the ink mass than this is not applied
TRUNCATE = 4.0  # Gaussian kernels are cut to zero beyond this many sigmas


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges from params.yaml ``train_cnn.augment`` (same key names); the defaults change nothing."""

    rotate_deg: float = 0.0  # max |rotation|, degrees
    shear: float = 0.0  # max |horizontal shear| (x += shear * y)
    scale: tuple[float, float] = (1.0, 1.0)  # isotropic scale range
    translate: float = 0.0  # max |shift|, fraction of the image side
    elastic_alpha: float = 0.0  # max RMS elastic displacement, pixels
    elastic_sigma: float = 5.0  # smoothness of the elastic field, pixels
    stroke_width: tuple[int, int] = (0, 0)  # erode (-) / dilate (+) radius range, pixels
    blur_sigma: tuple[float, float] = (0.0, 0.0)  # Gaussian blur sigma range, pixels
    noise: float = 0.0  # max std of additive Gaussian noise

    def __post_init__(self) -> None:
        for name in ("scale", "stroke_width", "blur_sigma"):
            pair = tuple(getattr(self, name))
            if len(pair) != 2 or pair[0] > pair[1]:
                raise ParamsError(f"augment.{name}: expected a [low, high] pair with low <= high, got {pair}")
            object.__setattr__(self, name, pair)
        if any(int(r) != r for r in self.stroke_width):
            raise ParamsError(f"augment.stroke_width: radii must be integers, got {self.stroke_width}")
        object.__setattr__(self, "stroke_width", tuple(int(r) for r in self.stroke_width))
        non_negative = {
            "rotate_deg": self.rotate_deg,
            "shear": self.shear,
            "translate": self.translate,
            "elastic_alpha": self.elastic_alpha,
            "blur_sigma": self.blur_sigma[0],
            "noise": self.noise,
        }
        positive = {"scale": self.scale[0], "elastic_sigma": self.elastic_sigma}
        for name, value in non_negative.items():
            if value < 0:
                raise ParamsError(f"augment.{name}: must not be negative, got {getattr(self, name)}")
        for name, value in positive.items():
            if value <= 0:
                raise ParamsError(f"augment.{name}: must be positive, got {getattr(self, name)}")

    @property
    def warps(self) -> bool:
        """Whether any geometric step is active (if not, the resampling is skipped)."""
        return any((self.rotate_deg, self.shear, self.translate, self.elastic_alpha)) or self.scale != (1, 1)


def augment_batch(x: np.ndarray, cfg: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    """(N, H, W, 1) float32 model inputs (ink = 1) -> augmented copy of the same shape, clipped to [0, 1]."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 4 or x.shape[-1] != 1:
        raise ValueError(f"expected model inputs of shape (N, H, W, 1), got {x.shape}")
    out = np.empty_like(x)
    for start in range(0, len(x), CHUNK):
        out[start : start + CHUNK, :, :, 0] = _augment_chunk(x[start : start + CHUNK, :, :, 0], cfg, rng)
    return out


def _augment_chunk(img: np.ndarray, cfg: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    n = len(img)
    if cfg.stroke_width != (0, 0):
        img = _change_stroke_width(img, rng.integers(cfg.stroke_width[0], cfg.stroke_width[1] + 1, size=n))
    if cfg.warps:
        img = _warp(img, cfg, rng)
    if cfg.blur_sigma != (0, 0):
        sigmas = rng.uniform(*cfg.blur_sigma, size=n)
        img = _separable(img, _blur_matrices(img.shape[1], sigmas), _blur_matrices(img.shape[2], sigmas))
    if cfg.noise:
        noise = rng.standard_normal(img.shape, dtype=np.float32)
        noise *= rng.uniform(0.0, cfg.noise, size=(n, 1, 1)).astype(np.float32)
        img = img + noise
    return np.clip(img, 0.0, 1.0)


def _change_stroke_width(img: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Dilate (r > 0) or erode (r < 0) each image with a disk of radius |r|, one call per radius."""
    out = img.copy()
    for r in np.unique(radii[radii != 0]):
        idx = np.flatnonzero(radii == r)
        footprint = _disk(abs(int(r)))[None]
        morph = ndimage.grey_dilation if r > 0 else ndimage.grey_erosion
        changed = morph(img[idx], footprint=footprint, mode="nearest")
        if r < 0:
            kept = changed.sum(axis=(1, 2)) >= MIN_KEPT_BY_EROSION * img[idx].sum(axis=(1, 2))
            idx, changed = idx[kept], changed[kept]
        out[idx] = changed
    return out


def _disk(radius: int) -> np.ndarray:
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    return yy**2 + xx**2 <= radius**2


def _warp(img: np.ndarray, cfg: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    """Resample every image through its own random affine map plus elastic field."""
    n, h, w = img.shape
    theta = np.deg2rad(rng.uniform(-cfg.rotate_deg, cfg.rotate_deg, size=n))
    shear = rng.uniform(-cfg.shear, cfg.shear, size=n)
    scale = rng.uniform(*cfg.scale, size=n)
    shift = rng.uniform(-cfg.translate, cfg.translate, size=(2, n)) * np.array([[h], [w]])
    # Forward map on (y, x) about the centre: scale * rotation @ shear, then shift. Sampling uses its inverse.
    cos, sin = np.cos(theta), np.sin(theta)
    rotation = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)
    shearing = np.zeros((n, 2, 2))
    shearing[:, 0, 0] = shearing[:, 1, 1] = 1.0
    shearing[:, 1, 0] = shear
    inverse = np.linalg.inv(scale[:, None, None] * rotation @ shearing)
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    yy = (np.arange(h) - cy)[None, :, None] - shift[0][:, None, None]
    xx = (np.arange(w) - cx)[None, None, :] - shift[1][:, None, None]
    src_y = inverse[:, 0, 0, None, None] * yy + inverse[:, 0, 1, None, None] * xx + cy
    src_x = inverse[:, 1, 0, None, None] * yy + inverse[:, 1, 1, None, None] * xx + cx
    if cfg.elastic_alpha:
        rms = rng.uniform(0.0, cfg.elastic_alpha, size=(n, 1, 1)).astype(np.float32)
        dy, dx = _unit_elastic_field(n, h, w, cfg.elastic_sigma, rng)
        src_y, src_x = src_y + rms * dy, src_x + rms * dx
    out = np.empty_like(img)
    for i in range(n):  # one 2-D call per image: half the taps of a 3-D call over the stack, so faster
        ndimage.map_coordinates(img[i], (src_y[i], src_x[i]), output=out[i], order=1, mode="constant")
    return out


def _unit_elastic_field(
    n: int, h: int, w: int, sigma: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Two (n, h, w) displacement fields: white noise smoothed by sigma px, RMS 1 px away from the borders.

    The noise is drawn on a grid of pitch sigma / 2 (rounded down, at least 1), not per pixel: a
    field this smooth looks the same and needs a quarter of the random numbers or fewer.
    """
    step = max(1, int(sigma / 2))
    ky, kx = (
        _gaussian_weights(np.arange(side), np.arange(0, side, step) + (step - 1) / 2, np.array([sigma]))
        for side in (h, w)
    )
    noise = rng.standard_normal((2 * n, ky.shape[2], kx.shape[2]), dtype=np.float32)
    # Away from the borders each smoothed value sums sum(k**2) units of noise variance per axis.
    gain = 1.0 / np.sqrt((ky[0, h // 2] ** 2).sum() * (kx[0, w // 2] ** 2).sum())
    field = _separable(noise, ky * np.float32(gain), kx)
    return field[:n], field[n:]


def _blur_matrices(side: int, sigmas: np.ndarray) -> np.ndarray:
    """(len(sigmas), side, side) Gaussian blur matrices, zero outside the image; sigma 0 is the identity.

    Built from one kernel per image over every offset a matrix can use, normalised to sum 1 there.
    """
    offsets = np.arange(-(side - 1), side)
    kernels = _gaussian_weights(offsets, np.zeros(1), sigmas)[:, :, 0]
    kernels /= kernels.sum(axis=1, keepdims=True)
    return np.take(kernels, np.arange(side)[:, None] - np.arange(side)[None, :] + side - 1, axis=1)


def _gaussian_weights(out_pos: np.ndarray, in_pos: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
    """(len(sigmas), len(out_pos), len(in_pos)) float32 exp(-d**2 / (2 sigma**2)), d = out - in.

    Cut to 0 beyond TRUNCATE sigmas, as scipy's gaussian_filter does; this also keeps denormal
    floats, which make matrix products many times slower, out of the matrices.
    """
    d = (out_pos[:, None] - in_pos[None, :])[None]
    sig = np.maximum(np.asarray(sigmas, dtype=np.float64), 1e-6)[:, None, None]
    weights = np.where(np.abs(d) <= TRUNCATE * sig, np.exp(-(d**2) / (2.0 * sig**2)), 0.0)
    return weights.astype(np.float32)


def _separable(img: np.ndarray, ky: np.ndarray, kx: np.ndarray) -> np.ndarray:
    """ky @ img @ kx.T per image; ky / kx hold one matrix per image, or a single shared one."""
    return np.matmul(np.matmul(ky, img), kx.transpose(0, 2, 1))
