"""The words every phase shares about one image: its record, its domain and its split group.

Kept low in the graph so that decoding, splitting and auditing need not import the downloaders or the
synthesiser that happen to produce the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MANIFEST_COLUMNS = ("file", "label", "domain", "writer", "group")  # kakite's own zips carry this manifest
DOMAINS = ("strokes", "typeset", "handwriting_font", "digits")
HELDOUT = "heldout"  # split group of rows that only ever go to test
UNGROUPED = "none"  # split group of rows split by class alone (typeset: no writer to keep apart)
HIRAGANA_SIZE = 48  # stored image side: NDL hiragana73's crops
DIGITS_SIZE = 28  # stored image side: EMNIST's digits


@dataclass(frozen=True)
class Record:
    """One image of any source. `data` holds encoded bytes (decoded by kakite.core.images); `pixels` holds an
    already-decoded uint8 2-D array, dark ink on light, for sources stored as arrays."""

    file: str
    label: str
    domain: str
    writer: str
    group: str
    data: bytes | None = None
    pixels: np.ndarray | None = None
