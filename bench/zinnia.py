"""Zinnia, the online handwriting recognizer, as kakite's peer: pen trajectories in, ranked labels out.

Zinnia reads strokes, not pixels: each character is an s-expression
`(character (width W)(height H)(strokes ((x y) ...) ...))`, scored by the `zinnia` CLI (Debian
zinnia-utils) against the Japanese model of tegaki-zinnia-japanese. Its model knows thousands of kanji
and kana, so a hiragana answer is its best-ranked candidate that is one of the 73 classes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kakite.core.errors import KakiteError

MODEL = Path("/usr/share/tegaki/models/zinnia/handwriting-ja.model")
CANVAS = 1000  # the s-expressions' width and height; kakite's strokes are fractions of the box
_ALL = 1_000_000  # an n-best larger than any model: every class, ranked
_CHUNK = 100  # characters per call when ranking every class (each answer is thousands of lines)


def sexpr(strokes: Sequence[np.ndarray]) -> str:
    """One character for Zinnia: stroke centre lines (pen width dropped) on a CANVAS x CANVAS box, y down."""
    parts = []
    for stroke in strokes:
        points = np.rint(np.clip(stroke[:, :2], 0.0, 1.0) * CANVAS).astype(int)
        parts.append("(" + "".join(f"({x} {y})" for x, y in points) + ")")
    return f"(character (width {CANVAS})(height {CANVAS})(strokes {''.join(parts)}))"


def parse_nbest(output: str) -> list[list[str]]:
    """The CLI's output, an `Answer:` line then `label score` lines per character → labels, best first."""
    results: list[list[str]] = []
    for line in output.splitlines():
        if line.startswith("Answer:"):
            results.append([])
        elif line.strip():
            if not results:
                raise KakiteError(f"zinnia: a candidate before the first 'Answer:' line: {line[:60]!r}")
            results[-1].append(line.rsplit(" ", 1)[0])
    return results


@dataclass(frozen=True)
class Zinnia:
    model: Path = MODEL

    def check(self) -> None:
        if shutil.which("zinnia") is None or not self.model.is_file():
            raise KakiteError(f"zinnia: needs the `zinnia` CLI and {self.model} "
                              "(apt-get install zinnia-utils tegaki-zinnia-japanese, or `make system`)")

    def argv(self, characters_file: Path, nbest: int) -> list[str]:
        """The CLI call ranking every character of a file written by `write`."""
        return ["zinnia", "-m", str(self.model), "-n", str(nbest), str(characters_file)]

    @staticmethod
    def write(characters: Sequence[Sequence[np.ndarray]], path: Path) -> Path:
        path.write_text("\n".join(sexpr(c) for c in characters) + "\n", encoding="utf-8")
        return path

    def run(self, characters: Sequence[Sequence[np.ndarray]], nbest: int) -> tuple[list[list[str]], float]:
        """Rank every character with one CLI call; returns the n-best labels and the call's wall time."""
        self.check()
        with tempfile.TemporaryDirectory() as tmp:
            path = self.write(characters, Path(tmp) / "characters.s")
            start = time.perf_counter()
            proc = subprocess.run(self.argv(path, nbest), capture_output=True, text=True)
            seconds = time.perf_counter() - start
        if proc.returncode:
            raise KakiteError(f"zinnia exited {proc.returncode}: {proc.stderr.strip()[:200]}")
        ranked = parse_nbest(proc.stdout)
        if len(ranked) != len(characters):
            raise KakiteError(f"zinnia answered {len(ranked)} characters out of {len(characters)}")
        return ranked, seconds

    def classes(self) -> set[str]:
        """Every label the model knows: the full ranking of one dummy stroke."""
        ranked, _ = self.run([[np.array([[0.2, 0.5], [0.8, 0.5]])]], _ALL)
        return set(ranked[0])

    def rank_within(self, characters: Sequence[Sequence[np.ndarray]], charset: str, k: int) -> list[list[str]]:
        """The k best candidates per character among `charset` only, out of Zinnia's full ranking."""
        allowed, out = set(charset), []
        for start in range(0, len(characters), _CHUNK):
            ranked, _ = self.run(characters[start:start + _CHUNK], _ALL)
            out += [[label for label in labels if label in allowed][:k] for labels in ranked]
        return out
