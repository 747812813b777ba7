"""`kakite` console script: predict (hiragana), encode and restyle (digits), offline, from DVC's models.

    kakite predict [--model DIR] [--top K] PATH...      one JSON line per image
    kakite encode  [--model DIR] PATH... --out z.npz   z_content / z_style means per image
    kakite restyle [--model DIR] --style IMG --digits 0123456789 --out sheet.png

The default model directories are where `dvc repro` leaves them: data/models/cnn and data/models/vae.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from kakite import entry
from kakite.errors import ImageError, KakiteError, NoInkError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff"}
BATCH = 256


def iter_images(paths: list[str]) -> Iterator[Path]:
    """Files as given, and image files under directories (recursive, sorted)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            yield path


def _load_inputs(files: list[Path], prepare) -> tuple[list[Path], np.ndarray, list[dict]]:
    """Read and preprocess files; failures become error records instead of stopping the run."""
    from kakite.images import read_gray

    ok, arrays, errors = [], [], []
    for path in files:
        try:
            arrays.append(prepare(read_gray(path)))
            ok.append(path)
        except NoInkError as err:
            errors.append({"file": str(path), "top": [], "error": f"no character: {err}"})
        except (ImageError, OSError) as err:
            errors.append({"file": str(path), "error": str(err)})
    return ok, np.stack(arrays)[..., None] if arrays else np.zeros((0, 1, 1, 1), np.float32), errors


def predict(args: argparse.Namespace) -> int:
    from kakite.recognizer import Recognizer

    recognizer = Recognizer.load(Path(args.model))
    files = list(iter_images(args.paths))
    failed = 0
    for start in range(0, len(files), BATCH):
        ok, x, errors = _load_inputs(files[start:start + BATCH], recognizer.prepare)
        for record in errors:
            failed += "error" in record and bool(record.get("top") is None)
            print(json.dumps(record, ensure_ascii=False))
        for path, top in zip(ok, recognizer.top_k(x, args.top), strict=True):
            print(json.dumps({"file": str(path), "top": top}, ensure_ascii=False))
        sys.stdout.flush()
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kakite", description="書き手: what was written, and who wrote it.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("predict", help="recognise hiragana in images; one JSON line per file")
    p.add_argument("--model", default="data/models/cnn", help="trained CNN directory (default: %(default)s)")
    p.add_argument("--top", type=int, default=5, help="candidates per image (default: %(default)s)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files or directories (recursive)")
    p.set_defaults(run=predict)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    entry.run(lambda: args.run(args), "kakite")


__all__ = ["KakiteError", "main"]
