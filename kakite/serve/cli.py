"""`kakite` console script: predict (hiragana), encode and restyle (digits), offline, from DVC's models.

    kakite predict [--model DIR] [--top K] PATH...            one JSON line per image
    kakite encode  [--model DIR] PATH... --out z.npz         z_content / z_style means per image
    kakite restyle [--model DIR] --style IMG [--digits 0123456789] --out sheet.png

PATH is a file or a directory (searched recursively for images). The default model directories are
where `dvc repro` leaves them: data/models/cnn and data/models/vae. An unreadable image gets its own
JSON line with an "error" field (predict) and makes the exit code non-zero at the end; the run goes on.
A blank image is not an error: predict answers it with an empty "top" and "no_character": true.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from kakite.core import entry
from kakite.core.errors import ImageError, KakiteError, NoInkError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff"}
BATCH = 512
EXIT_SOME_FAILED = 3


def iter_images(paths: list[str]) -> Iterator[Path]:
    """Files as given, and image files under directories (recursive, sorted)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            yield path


def read_batches(files: list[Path], prepare: Callable[[np.ndarray], np.ndarray]) -> Iterator[tuple]:
    """(readable files, their model inputs (N, H, W, 1), {file: problem}) per batch of BATCH files."""
    from kakite.core.images import read_gray

    for start in range(0, len(files), BATCH):
        ok, arrays, problems = [], [], {}
        for path in files[start:start + BATCH]:
            try:
                arrays.append(prepare(read_gray(path)))
                ok.append(path)
            except (ImageError, NoInkError) as err:
                problems[path] = err
        yield ok, np.stack(arrays)[..., None] if arrays else None, problems


def _emit(record: dict) -> None:
    print(json.dumps(record, ensure_ascii=False))


def predict(args: argparse.Namespace) -> int:
    from kakite.recognizer.model_dir import Recognizer

    recognizer = Recognizer.load(Path(args.model))
    failed = 0
    for ok, x, problems in read_batches(list(iter_images(args.paths)), recognizer.prepare):
        for path, err in problems.items():
            if isinstance(err, NoInkError):
                _emit({"file": str(path), "top": [], "no_character": True})
            else:
                failed += 1
                _emit({"file": str(path), "error": str(err)})
        if x is not None:
            for path, top in zip(ok, recognizer.top_k(x, args.top), strict=True):
                _emit({"file": str(path), "top": top})
        sys.stdout.flush()
    if failed:
        print(f"kakite: {failed} file(s) could not be read", file=sys.stderr)
    return EXIT_SOME_FAILED if failed else 0


def encode(args: argparse.Namespace) -> int:
    from kakite.core.atomic import save_npz
    from kakite.writers.model_dir import Stylist

    stylist = Stylist.load(Path(args.model))
    files, z_content, z_style, failed = [], [], [], 0
    for ok, x, problems in read_batches(list(iter_images(args.paths)), stylist.prepare):
        for path, err in problems.items():
            failed += 1
            print(f"kakite: skipped {path}: {err}" if isinstance(err, NoInkError) else f"kakite: skipped {err}",
                  file=sys.stderr)
        if x is not None:
            zc, zs = stylist.encode(x)
            files += [str(p) for p in ok]
            z_content.append(zc)
            z_style.append(zs)
    if not files:
        raise KakiteError("no image could be encoded")
    save_npz(args.out, files=np.asarray(files, dtype=str), z_content=np.concatenate(z_content),
             z_style=np.concatenate(z_style))
    print(f"kakite: encoded {len(files)} image(s) into {args.out}", file=sys.stderr)
    return EXIT_SOME_FAILED if failed else 0


def restyle(args: argparse.Namespace) -> int:
    from kakite.core.images import read_gray
    from kakite.writers.model_dir import Stylist

    stylist = Stylist.load(Path(args.model))
    x = stylist.prepare(read_gray(Path(args.style)))[None, ..., None]
    stylist.write_sheet(stylist.restyle(x, args.digits), Path(args.out))
    print(f"kakite: wrote {args.out}", file=sys.stderr)
    return 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--top must be a positive integer, got {text!r}")
    return int(text)


def _digits(text: str) -> str:
    if not text or any(c not in "0123456789" for c in text):
        raise argparse.ArgumentTypeError(f"--digits must be digits 0-9, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kakite", description="書き手: what was written, and who wrote it.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("predict", help="recognise hiragana in images; one JSON line per file")
    p.add_argument("--model", default="data/models/cnn", help="trained CNN directory (default: %(default)s)")
    p.add_argument("--top", type=_positive, default=5, help="candidates per image (default: %(default)s)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files or directories (recursive)")
    p.set_defaults(run=predict)
    e = sub.add_parser("encode", help="digit images -> z_content and z_style (posterior means) in an npz")
    e.add_argument("--model", default="data/models/vae", help="trained VAE directory (default: %(default)s)")
    e.add_argument("--out", required=True, help="output .npz (files, z_content, z_style)")
    e.add_argument("paths", nargs="+", metavar="PATH", help="image files or directories (recursive)")
    e.set_defaults(run=encode)
    r = sub.add_parser("restyle", help="draw digits in the style of a sample digit")
    r.add_argument("--model", default="data/models/vae", help="trained VAE directory (default: %(default)s)")
    r.add_argument("--style", required=True, help="an image of one handwritten digit")
    r.add_argument("--digits", type=_digits, default="0123456789", help="digits to draw (default: %(default)s)")
    r.add_argument("--out", required=True, help="output PNG sheet")
    r.set_defaults(run=restyle)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    entry.run(lambda: args.run(args), "kakite")
