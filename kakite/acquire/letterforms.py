"""The letterforms a hand may use for each hiragana: KanjiVG's, plus handwritten variants.

Real hands write き with its lower strokes joined, そ in two strokes, り in one (letterforms.yaml lists
the forms and the guidance behind them). A recognizer trained on KanjiVG's forms alone fails on whole
letterforms, so the writer model picks among these. Voiced kana reuse their base's variants: ぎ is a
variant of き plus ぎ's own dakuten strokes, so the file never repeats a drawing.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

import numpy as np
import yaml

from kakite.acquire.kanjivg import load_strokes, strokes_from_paths
from kakite.core.errors import DataError

DATA = Path(__file__).with_name("letterforms.yaml")
DAKUTEN, HANDAKUTEN = "\u3099", "\u309a"  # combining marks in a voiced char's NFD

Form = tuple[np.ndarray, ...]  # read-only (n,2) polylines in the unit box, in stroke order


@functools.lru_cache(maxsize=1)
def _variants() -> dict[str, tuple[Form, ...]]:
    """letterforms.yaml parsed once: char -> its variant forms (KanjiVG's own form not included)."""
    try:
        raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{DATA}: cannot read letterform variants ({exc})") from None
    sources = raw.get("sources", {})
    out: dict[str, tuple[Form, ...]] = {}
    for char, variants in raw.get("variants", {}).items():
        forms = []
        for v in variants:
            where = f"{DATA.name}: {char} {v.get('name', '?')}"
            if v.get("source") not in sources:
                raise DataError(f"{where}: source {v.get('source')!r} is not listed under sources")
            forms.append(strokes_from_paths(list(v["strokes"]), where))
        out[char] = tuple(forms)
    return out


def split_voiced(char: str) -> tuple[str, str]:
    """(base, mark): ('き', DAKUTEN) for ぎ, ('ぱ'→'は', HANDAKUTEN), (char, '') when unvoiced."""
    nfd = unicodedata.normalize("NFD", char)
    if len(nfd) == 2 and nfd[1] in (DAKUTEN, HANDAKUTEN):
        return nfd[0], nfd[1]
    return char, ""


def diacritic_strokes(char: str) -> int:
    """How many of char's KanjiVG strokes (the last ones) are its dakuten or handakuten."""
    base, mark = split_voiced(char)
    return len(load_strokes(char)) - len(load_strokes(base)) if mark else 0


@functools.lru_cache(maxsize=256)
def forms(char: str) -> tuple[Form, ...]:
    """Every form of char, KanjiVG's first; a voiced char gets its base's variants with its own marks."""
    base, _ = split_voiced(char)
    own = tuple(load_strokes(char))
    marks = own[len(own) - diacritic_strokes(char):] if base != char else ()
    return (own, *(variant + marks for variant in _variants().get(base, ())))
