"""THE preprocessing spec: one grey image -> one model input. Training, the CLI and the browser all run it.

The seed project failed because its browser fed the model something training never saw: the canvas
alpha channel (light ink on dark), thin strokes, the glyph wherever it was drawn. This module is the
single definition of "model input"; ``web/preprocess.js`` ports it line by line and must agree with
it to within 1/255 mean absolute difference. Constants reach the page through ``spec_constants``.

Input: ``gray``, a uint8 2-D array (H x W, both >= 1). Decoding and compositing transparency over
white happen before this (kakite/core/images.py; the browser composites its canvas over white with the
same formula). All arithmetic below is IEEE float64 unless said otherwise.

1. Polarity. ``bg`` = the LOWER median of the 1-pixel border frame: sort the border pixels
   (each pixel once; the whole image when H or W < 3) and take element ``(n - 1) // 2`` (0-based),
   an integer. If ``bg >= 128`` the ink is dark: ``d = max(bg - g, 0)``; else ``d = max(g - bg, 0)``.
   WHY: scans are dark-on-light, a canvas alpha channel is light-on-dark; the border is paper
   almost always, and a median ignores strokes that touch it. The lower median keeps ``bg`` an
   integer, so Python and JS need no tie rule.
2. Contrast. ``peak = max(d)``. If ``peak < min_contrast`` raise NoInkError: a blank page or a
   faint smudge is "no character", never a confident guess. Otherwise ``ink = d / peak``, in [0, 1].
   WHY: a pencil photo and a black canvas stroke should look the same to the model.
3. Crop to the bounding box of the pixels with ``d > ink_threshold * peak`` (float64 product;
   the same pixels as ``ink > ink_threshold``, stated without a division so JS gets identical
   booleans). The box is never empty: the peak pixel is in it.
   WHY: a glyph drawn small in a corner of a 240-px canvas and a tight 48-px crop of a book page
   must become the same thing; pale noise below the threshold does not stretch the box.
   Extent. If the box's longer side is below ``min_extent * min(H, W)`` (float64 product) raise
   NoInkError: a dot or a speck is "no character". WHY: a tap on the canvas is a pen-wide dot (about
   1/22 of the hiragana pad, 1/14 of the digit pad), which step 4 would blow up into a disc the model
   reads with confidence; every training image spans at least 0.43 of its shorter side. Images whose
   shorter side is under ``1 / min_extent`` pixels always pass (their box is at least one pixel).
4. Scale the crop (h x w, ``longer = max(h, w)``) to ``nh x nw``, ``nh = max(1, floor(h * box / longer
   + 0.5))`` and likewise ``nw`` (round half up, spelled out: Python's round() is half-to-even), by
   EXACT area averaging, separably: ``scaled = Wy @ crop @ Wx.T`` where, for n input and m output pixels,
   ``W[j, i] = max(0, min((j + 1) * n, (i + 1) * m) - max(j * n, i * m)) / n``
   is the overlap of output pixel j (input span [j*n/m, (j+1)*n/m)) with input pixel i, counted in
   integer units of 1/m and normalised so each row sums to 1. Then renormalise:
   ``scaled /= max(scaled)``. That cancels the ``1 / peak`` of step 2, so ``d`` itself may be scaled
   (done here, in float32; JS may use float64 and loop over the few non-zero weights of each row).
   WHY: the longer side always spans ``box`` pixels, whatever the drawing size, with the aspect
   ratio kept; each output pixel is the mean of the input it covers, so upscaling a 5-px glyph and
   downscaling a 4000-px photo are both well defined. The renormalisation keeps "strongest ink = 1":
   one-pixel strokes averaged down from a big canvas would otherwise fade to a grey the model never
   saw in training.
5. Centre by bounding box: paste ``scaled`` into zeros (size x size) at row ``(size - nh) // 2``,
   column ``(size - nw) // 2`` (floor division; both operands are non-negative).
   WHY: the model never has to search for the glyph; the margin ``size - box`` leaves room for
   augmentation shifts.
6. Clip to [0, 1] and return float32 (size x size), ink = 1, background = 0.

Cost, whatever the aspect ratio (H x W input, the crop's longer side scaled to ``box``):
time O(H * W); memory on top of the input at most H * W bytes (``d``, uint8) plus ~4 MiB plus
O(box * (H + W)) floats. Steps 1-3 keep no H x W array but ``d`` (the crop box comes from row and
column maxima of ``d``). Step 4 never builds a matrix over the input: each output pixel overlaps at
most ``ceil(n / m) + 1`` input pixels, so the longer side is averaged first, band by band (a band is
the input lines one output line covers, converted to float32 a bounded chunk at a time), leaving at
most box x (shorter side) values for the second pass. Crops up to ``DENSE_MAX_SIDE`` on both sides
(every training image, the 480-px canvas) take the two dense products instead, as they always
have, so their outputs are unchanged to the bit; the two paths are the same exact sums, equal up to
float32 rounding. kakite/core/images.py caps H * W and each side (kakite/core/limits.py), which bounds
both. No pre-downscale is needed, so none is part of the spec.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np

from kakite.core.errors import NoInkError
from kakite.core.images import LUMA

SPEC_VERSION = 2  # bump whenever the algorithm above changes; the web page checks it
DENSE_MAX_SIDE = 1024  # crops up to this size use cached dense weights (see "Cost" above)
_CHUNK_VALUES = 1 << 20  # float32 values converted at once by the banded path (4 MiB)
CACHED_SIDE = 64  # area weights of crop sides up to this are cached (see _area_weights)


@dataclass(frozen=True)
class Spec:
    """Sizes in pixels: the model input is size x size, the glyph's longer side spans box."""

    size: int = 48
    box: int = 40
    min_contrast: float = 32.0  # on the 0..255 scale: weaker "ink" is a blank page
    ink_threshold: float = 0.2  # fraction of peak ink that counts for the bounding box
    min_extent: float = 0.1  # the box's longer side, as a fraction of the image's shorter side

    def __post_init__(self) -> None:
        if not 1 <= self.box <= self.size:
            raise ValueError(f"Spec: need 1 <= box <= size, got box={self.box}, size={self.size}")
        if not 0 < self.min_contrast <= 255:
            raise ValueError(f"Spec: min_contrast must be in (0, 255], got {self.min_contrast}")
        if not 0 <= self.ink_threshold < 1:
            raise ValueError(f"Spec: ink_threshold must be in [0, 1), got {self.ink_threshold}")
        if not 0 <= self.min_extent <= 1:
            raise ValueError(f"Spec: min_extent must be in [0, 1], got {self.min_extent}")


HIRAGANA = Spec(48, 40)
DIGITS = Spec(28, 20)


def to_model_input(gray: np.ndarray, spec: Spec = HIRAGANA) -> np.ndarray:
    """uint8 2-D grey image -> float32 (size, size) in [0, 1], ink = 1; NoInkError if no character."""
    out = np.zeros((spec.size, spec.size), dtype=np.float32)
    _render_into(gray, spec, out)
    return out


def batch(grays: Iterable[np.ndarray], spec: Spec) -> np.ndarray:
    """Many grey images -> (N, size, size, 1) float32; NoInkError names the index of a blank one."""
    grays = list(grays)
    out = np.zeros((len(grays), spec.size, spec.size, 1), dtype=np.float32)
    for i, gray in enumerate(grays):
        try:
            _render_into(gray, spec, out[i, :, :, 0])
        except NoInkError as exc:
            raise NoInkError(f"image {i}: {exc}") from None
    return out


def spec_constants(spec: Spec) -> dict:
    """The JSON-able constants web/preprocess.js reads, so nothing is duplicated by hand."""
    return {**asdict(spec), "version": SPEC_VERSION, "luma": list(LUMA), "composite_over": 255}


def area_weights(n: int, m: int) -> np.ndarray:
    """(m, n) float32 matrix averaging n input pixels into m output pixels by exact overlap (step 4)."""
    return _area_weights(n, m).copy()


def _area_weights(n: int, m: int) -> np.ndarray:
    """W of step 4, read-only; cached for the short sides every batch of small images repeats.

    A batch of 48-px images crops to up to 48 x 40 distinct (n, m) pairs, which a small LRU cache
    thrashes through (a CLI run over 2,000 files spent a third of its preprocessing rebuilding
    weights); longer sides are rare, and building their W costs far less than the product using it.
    """
    return _cached_weights(n, m) if n <= CACHED_SIDE else _weights(n, m)


@functools.lru_cache(maxsize=CACHED_SIDE * 64)  # entries <= CACHED_SIDE * m floats: 12 KiB for m = 48
def _cached_weights(n: int, m: int) -> np.ndarray:
    return _weights(n, m)


def _weights(n: int, m: int) -> np.ndarray:
    """The (m, n) matrix in one broadcast: the same integer overlaps and division as `_band`, so the same floats."""
    j = np.arange(m, dtype=np.int64)[:, None]
    i = np.arange(n, dtype=np.int64)[None, :]
    overlap = np.minimum((j + 1) * n, (i + 1) * m) - np.maximum(j * n, i * m)
    weights = (np.maximum(overlap, 0) / n).astype(np.float32)
    weights.flags.writeable = False
    return weights


def _band(n: int, m: int, j: int) -> tuple[int, np.ndarray]:
    """Output pixel j's row of W (step 4): its first overlapped input pixel, and the weights from there."""
    first, end = j * n // m, -(-(j + 1) * n // m)
    i = np.arange(first, end)
    overlap = np.minimum((j + 1) * n, (i + 1) * m) - np.maximum(j * n, i * m)
    return first, (np.maximum(overlap, 0) / n).astype(np.float32)


def _render_into(gray: np.ndarray, spec: Spec, out: np.ndarray) -> None:
    """Steps 1-6 of the module docstring, writing into the zeroed (size, size) view ``out``."""
    gray = np.asarray(gray)
    if gray.ndim != 2 or gray.dtype != np.uint8 or gray.size == 0:
        raise ValueError(f"expected a non-empty uint8 2-D image, got dtype {gray.dtype} shape {gray.shape}")
    bg = _border_lower_median(gray)
    if bg >= 128:
        d = np.minimum(gray, bg)
        np.subtract(bg, d, out=d)
    else:
        d = np.maximum(gray, bg)
        d -= bg
    peak = int(d.max())
    if peak < spec.min_contrast:
        raise NoInkError(
            f"no character: ink contrast {peak} is below {spec.min_contrast:g} (blank or near-blank image)"
        )
    cut = spec.ink_threshold * peak
    rows = np.flatnonzero(d.max(axis=1) > cut)
    cols = np.flatnonzero(d.max(axis=0) > cut)
    crop = d[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = crop.shape
    longer = max(h, w)
    if longer < spec.min_extent * min(gray.shape):
        raise NoInkError(
            f"no character: the ink spans {longer} px, below {spec.min_extent:g} of the image's "
            f"shorter side ({min(gray.shape)} px): a dot or a speck"
        )
    nh, nw = (max(1, int(np.floor(side * spec.box / longer + 0.5))) for side in (h, w))
    scaled = _scale(crop, nh, nw)
    top, left = (spec.size - nh) // 2, (spec.size - nw) // 2
    np.clip(scaled / scaled.max(), 0.0, 1.0, out=out[top : top + nh, left : left + nw])


def _scale(crop: np.ndarray, nh: int, nw: int) -> np.ndarray:
    """Step 4's area average of the uint8 crop to (nh, nw) float32, in bounded memory (see "Cost")."""
    h, w = crop.shape
    if max(h, w) <= DENSE_MAX_SIDE:
        return _area_weights(h, nh) @ crop.astype(np.float32) @ _area_weights(w, nw).T
    if h >= w:
        return _average_rows(_average_rows(crop, nh).T, nw).T
    return _average_rows(_average_rows(crop.T, nw).T, nh)


def _average_rows(x: np.ndarray, m: int) -> np.ndarray:
    """(n, k) -> (m, k) float32: output row j is the W-weighted sum of the input rows it overlaps."""
    n, k = x.shape
    out = np.zeros((m, k), dtype=np.float32)
    step = max(1, _CHUNK_VALUES // k)
    for j in range(m):
        first, band = _band(n, m, j)
        for start in range(0, band.size, step):
            part = band[start : start + step]
            out[j] += part @ x[first + start : first + start + part.size].astype(np.float32)
    return out


def _border_lower_median(gray: np.ndarray) -> int:
    frame = (gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1])
    border = gray.ravel() if min(gray.shape) < 3 else np.concatenate(frame)
    k = (border.size - 1) // 2
    return int(np.partition(border, k)[k])
