"""Records → arrays: the grayscale stage's core, and the one on-disk array format every later stage reads.

A dataset file is one compressed npz with parallel arrays (row i of each belongs together):
    images  uint8 (N, S, S)  stored polarity, dark ink on light
    labels  int16 (N,)       index into the charset (kakite.core.charset)
    domains, writers, groups, files  unicode (N,)
Unicode arrays keep `np.load(..., allow_pickle=False)` possible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from kakite.core.charset import class_index
from kakite.core.errors import ImageError, KakiteError
from kakite.core.images import decode_gray
from kakite.core.records import Record

FIELDS = ("images", "labels", "domains", "writers", "groups", "files")


@dataclass
class GrayReport:
    """Files that could not be used (never dropped silently) and files that needed resizing."""

    failed: list[tuple[str, str]] = field(default_factory=list)
    resized: list[tuple[str, str]] = field(default_factory=list)


def _to_size(pixels: np.ndarray, size: int) -> np.ndarray:
    return np.asarray(Image.fromarray(pixels).resize((size, size), Image.Resampling.BOX))


def collect(records: Iterable[Record], charset: str, size: int, report: GrayReport) -> dict[str, np.ndarray]:
    """Decode every record to a size×size grey image; bad files go to the report instead of crashing."""
    rows: dict[str, list] = {name: [] for name in FIELDS}
    for rec in records:
        try:
            pixels = rec.pixels if rec.pixels is not None else decode_gray(rec.data or b"", rec.file)
            label = class_index(charset, rec.label)
        except (ImageError, ValueError) as err:
            report.failed.append((rec.file, str(err).removeprefix(f"{rec.file}: ")))
            continue
        if pixels.shape != (size, size):
            report.resized.append((rec.file, f"{pixels.shape[1]}x{pixels.shape[0]}"))
            pixels = _to_size(pixels, size)
        for name, value in zip(FIELDS, (pixels, label, rec.domain, rec.writer, rec.group, rec.file), strict=True):
            rows[name].append(value)
    if not rows["images"]:
        raise KakiteError("no usable image in the selected sources (see the grayscale report)")
    return {
        "images": np.stack(rows["images"]).astype(np.uint8),
        "labels": np.asarray(rows["labels"], dtype=np.int16),
        **{name: np.asarray(rows[name], dtype=str) for name in FIELDS[2:]},
    }


def concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([p[name] for p in parts]) for name in FIELDS}


def select(data: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    """The rows of a dataset where mask holds (or at the given indices)."""
    return {name: arr[mask] for name, arr in data.items()}
