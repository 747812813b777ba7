"""`kakite` console script: predict (hiragana), encode and restyle (digits), offline, from DVC's models.

    kakite predict [--model DIR] [--top K] PATH...            one JSON line per image
    kakite encode  [--model DIR] PATH... --out z.npz         z_content / z_style means per image
    kakite restyle [--model DIR] --style IMG [--digits 0123456789] --out sheet.png

The models are the LiteRT copies export_tfjs leaves in data/models/runtime/{cnn,vae} of the kakite
checkout (found from the package, whatever the current directory); TensorFlow is never imported, so
a run starts in a fraction of a second. PATH is a file or a directory (searched recursively for
images; see kakite/serve/inputs.py). An unreadable image gets its own JSON line with an "error" field
(predict) and makes the exit code non-zero at the end; the run goes on. A blank image is not an
error: predict answers it with an empty "top" and "no_character": true. JSON lines are UTF-8
whatever the locale, with undecodable bytes of file names escaped.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import kakite
from kakite.core import entry
from kakite.core.errors import KakiteError, NoInkError
from kakite.serve.inputs import display, iter_images, read_batches, writable_file

BATCH = 64
EXIT_SOME_FAILED = 3
RUNTIME_MODELS = Path(kakite.__file__).resolve().parent.parent / "data" / "models" / "runtime"


class Problems:
    """Counts what went wrong; walking problems are reported on stderr as they are found."""

    def __init__(self) -> None:
        self.count = 0

    def report(self, message: str) -> None:
        self.count += 1
        print(f"kakite: {message}", file=sys.stderr)


def _images(paths: list[str], problems: Problems) -> list[Path]:
    files = list(iter_images(paths, problems.report))
    if not files:
        raise KakiteError(f"no image files in {', '.join(display(p) for p in paths)}")
    return files


def _emit(records: list[dict]) -> None:
    """One UTF-8 JSON line per record, in one write: a batch's lines reach a pipe together, in order."""
    lines = (json.dumps({k: display(v) if isinstance(v, str | Path) else v for k, v in record.items()},
                        ensure_ascii=False) for record in records)
    sys.stdout.flush()
    sys.stdout.buffer.write("".join(line + "\n" for line in lines).encode("utf-8"))
    sys.stdout.buffer.flush()


def predict(args: argparse.Namespace) -> int:
    from kakite.recognizer.model_dir import Recognizer

    recognizer = Recognizer.load(Path(args.model), runtime=True)
    problems = Problems()
    for ok, x, failed in read_batches(_images(args.paths, problems), recognizer.prepare, BATCH):
        records = []
        for path, err in failed.items():
            if isinstance(err, NoInkError):
                records.append({"file": path, "top": [], "no_character": True})
            else:
                problems.count += 1
                records.append({"file": path, "error": str(err)})
        if x is not None:
            records += [{"file": path, "top": top} for path, top in zip(ok, recognizer.top_k(x, args.top), strict=True)]
        _emit(records)
    if problems.count:
        print(f"kakite: {problems.count} file(s) could not be read", file=sys.stderr)
    return EXIT_SOME_FAILED if problems.count else 0


def encode(args: argparse.Namespace) -> int:
    import numpy as np

    from kakite.core.atomic import save_npz
    from kakite.writers.model_dir import Stylist

    out = writable_file(args.out)
    stylist = Stylist.load(Path(args.model), runtime=True)
    files, z_content, z_style, problems = [], [], [], Problems()
    for ok, x, failed in read_batches(_images(args.paths, problems), stylist.prepare, BATCH):
        for path, err in failed.items():
            problems.report(f"skipped {display(path)}: {display(err)}" if isinstance(err, NoInkError)
                            else f"skipped {display(err)}")
        if x is not None:
            zc, zs = stylist.encode(x)
            files += [display(p) for p in ok]
            z_content.append(zc)
            z_style.append(zs)
    if not files:
        raise KakiteError("no image could be encoded")
    save_npz(out, files=np.asarray(files, dtype=str), z_content=np.concatenate(z_content),
             z_style=np.concatenate(z_style))
    print(f"kakite: encoded {len(files)} image(s) into {display(out)}", file=sys.stderr)
    return EXIT_SOME_FAILED if problems.count else 0


def restyle(args: argparse.Namespace) -> int:
    from kakite.core.images import read_gray
    from kakite.writers.model_dir import Stylist

    out = writable_file(args.out)
    stylist = Stylist.load(Path(args.model), runtime=True)
    x = stylist.prepare(read_gray(Path(args.style)))[None, ..., None]
    stylist.write_sheet(stylist.restyle(x, args.digits), out)
    print(f"kakite: wrote {display(out)}", file=sys.stderr)
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
    parser.add_argument("--version", action="version", version=f"kakite {kakite.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    cnn, vae = str(RUNTIME_MODELS / "cnn"), str(RUNTIME_MODELS / "vae")
    p = sub.add_parser("predict", help="recognise hiragana in images; one JSON line per file")
    p.add_argument("--model", default=cnn, help="CNN runtime directory (default: %(default)s)")
    p.add_argument("--top", type=_positive, default=5, help="candidates per image (default: %(default)s)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files or directories (recursive)")
    p.set_defaults(run=predict)
    e = sub.add_parser("encode", help="digit images -> z_content and z_style (posterior means) in an npz")
    e.add_argument("--model", default=vae, help="VAE runtime directory (default: %(default)s)")
    e.add_argument("--out", required=True, help="output .npz (files, z_content, z_style)")
    e.add_argument("paths", nargs="+", metavar="PATH", help="image files or directories (recursive)")
    e.set_defaults(run=encode)
    r = sub.add_parser("restyle", help="draw digits in the style of a sample digit")
    r.add_argument("--model", default=vae, help="VAE runtime directory (default: %(default)s)")
    r.add_argument("--style", required=True, help="an image of one handwritten digit")
    r.add_argument("--digits", type=_digits, default="0123456789", help="digits to draw (default: %(default)s)")
    r.add_argument("--out", required=True, help="output PNG sheet")
    r.set_defaults(run=restyle)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    entry.run(lambda: args.run(args), "kakite")


if __name__ == "__main__":
    main()
