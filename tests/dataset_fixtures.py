"""Small fixtures in the real datasets' layouts, for any test that reads a real source.

- write_hiragana73_zip: NDL's hiragana73/U3042/*.png (48x48 RGB), with optional faults.
- write_manifest_zip: kakite's own zip + manifest CSV.
- write_emnist_mat / write_emnist_matlab_zip: EMNIST's MATLAB struct (column-major rows, light on black).
- write_k49: Kuzushiji-49 npz files (arr_0) and k49_classmap.csv.
Digits are drawn as seven-segment figures, so a test can tell an upright digit from a transposed one.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import scipy.io
from PIL import Image, ImageDraw

from kakite.core.charset import folder_name

# Seven-segment figure in a 28x28 box: segment -> line (x0, y0, x1, y1).
_SEGMENTS = {
    "a": (8, 5, 19, 5), "b": (19, 5, 19, 13), "c": (19, 13, 19, 22), "d": (8, 22, 19, 22),
    "e": (8, 13, 8, 22), "f": (8, 5, 8, 13), "g": (8, 13, 19, 13),
}
_DIGIT_SEGMENTS = {
    "0": "abcdef", "1": "bc", "2": "abged", "3": "abgcd", "4": "fgbc",
    "5": "afgcd", "6": "afgedc", "7": "abc", "8": "abcdefg", "9": "abcdfg",
}
EMNIST_SAMPLES = {"train": [("7", 11), ("1", 11), ("4", 12)], "test": [("7", 13), ("0", 12)]}
K49_CLASSES = ("あ", "い", "う", "ゝ")  # the real map ends with the iteration mark ゝ, not a hiragana73 class


def draw_digit(digit: str) -> np.ndarray:
    """An upright 28x28 seven-segment digit, light ink (255) on black, as EMNIST stores them."""
    image = Image.new("L", (28, 28), 0)
    draw = ImageDraw.Draw(image)
    for segment in _DIGIT_SEGMENTS[digit]:
        draw.line(_SEGMENTS[segment], fill=255, width=3)
    return np.asarray(image)


def glyph_png(rng: np.random.Generator, size: int = 48) -> bytes:
    """A made-up glyph: dark strokes on a light RGB background, like a hiragana73 scan."""
    image = Image.new("RGB", (size, size), (246, 244, 240))
    draw = ImageDraw.Draw(image)
    for _ in range(3):
        x0, y0, x1, y1 = rng.integers(6, size - 6, 4).tolist()
        draw.line((x0, y0, x1, y1), fill=(30, 30, 30), width=int(rng.integers(2, 5)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_zip(path: Path, entries: list[tuple[str | bytes, bytes | None]]) -> Path:
    """A deflated zip of (name, data) entries; data None makes a directory entry.

    A bytes name is stored raw with the UTF-8 flag unset, as old Windows/Japanese zip tools do: zipfile
    cannot write that, so the entry is written under an ASCII stand-in of the same length, then patched.
    """
    patches = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(entries):
            if isinstance(name, bytes):
                stand_in = f"~{i:0{len(name) - 1}d}"[: len(name)]
                patches[stand_in.encode()] = name
                name = stand_in
            if data is None:
                zf.writestr(name.rstrip("/") + "/", b"")
            else:
                zf.writestr(name, data)
    raw = path.read_bytes()
    for stand_in, name in patches.items():
        assert raw.count(stand_in) == 2, "stand-in name must occur once in each header"
        raw = raw.replace(stand_in, name)
    path.write_bytes(raw)
    return path


def write_hiragana73_zip(
    path: Path,
    chars: str = "あいう",
    per_class: int = 3,
    *,
    top_folder: bool = True,
    empty_class: str | None = None,
    unknown_folder: str | None = None,
    truncated: bool = False,
    non_utf8_name: bool = False,
    seed: int = 0,
) -> Path:
    """hiragana73's layout: [hiragana73/]U3042/<n>.png. Faults, each optional: a class folder with no
    image, a folder that is no class, a truncated PNG and a Shift-JIS member name (first class)."""
    rng = np.random.default_rng(seed)
    top = "hiragana73/" if top_folder else ""
    entries: list[tuple[str | bytes, bytes | None]] = [("hiragana73", None)] if top_folder else []
    for char in chars:
        entries.append((f"{top}{folder_name(char)}", None))
        entries += [(f"{top}{folder_name(char)}/{k:04d}.png", glyph_png(rng)) for k in range(per_class)]
    if truncated:
        entries.append((f"{top}{folder_name(chars[0])}/truncated.png", glyph_png(rng)[:60]))
    if non_utf8_name:
        shift_jis_name = f"{top}{folder_name(chars[0])}/".encode() + "あ.png".encode("shift_jis")
        entries.append((shift_jis_name, glyph_png(rng)))
    if empty_class:
        entries.append((f"{top}{folder_name(empty_class)}", None))
    if unknown_folder:
        entries.append((f"{top}{unknown_folder}/x.png", glyph_png(rng)))
    return write_zip(path, entries)


def write_manifest_zip(
    zip_path: Path, manifest_csv: Path, samples: list[tuple[str, str, str]], seed: int = 0
) -> list[dict[str, str]]:
    """kakite's own zip and manifest from (label, domain, writer) samples; returns the manifest rows."""
    rng = np.random.default_rng(seed)
    rows = [
        {"file": f"{folder_name(label)}/{i:05d}.png", "label": label, "domain": domain, "writer": writer,
         "group": writer}
        for i, (label, domain, writer) in enumerate(samples)
    ]
    write_zip(zip_path, [(row["file"], glyph_png(rng)) for row in rows])
    with open(manifest_csv, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["file", "label", "domain", "writer", "group"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def emnist_writers(writers: int, samples: int) -> dict[str, list[tuple[str, int]]]:
    """EMNIST_SAMPLES' layout for `writers` writers with `samples` of each digit in train and one in test."""
    train = [(str(d), 100 + w) for w in range(writers) for d in range(10) for _ in range(samples)]
    return {"train": train, "test": [(str(d), 100 + w) for w in range(writers) for d in range(10)]}


def _written(digit: str, writer: int, nth: int) -> np.ndarray:
    """draw_digit shifted: vertically by the writer (a persistent style, 7 distinct), sideways by the
    sample (no two of one writer and digit alike, for up to 4 samples across the splits)."""
    return np.roll(draw_digit(digit), (writer % 7 - 3, 2 * (nth % 4) - 3), axis=(0, 1))


def emnist_dataset(samples: dict[str, list[tuple[str, int]]] = EMNIST_SAMPLES, styled: bool = False) -> dict:
    """EMNIST's MATLAB struct as nested dicts (savemat writes dicts as structs): dataset.{train,test}
    .{images,labels,writers} and dataset.mapping. Each image row is the upright digit in column-major
    order, which is how MATLAB stores a 28x28 matrix flattened. `styled` draws each writer's digits
    shifted (_written), so that writers differ and no two samples are byte-identical."""

    count: dict[tuple[str, int], int] = {}  # samples so far per (digit, writer), across the splits

    def split(items: list[tuple[str, int]]) -> dict:
        drawn = []
        for d, w in items:
            count[d, w] = count.get((d, w), 0) + 1
            drawn.append(_written(d, w, count[d, w] - 1) if styled else draw_digit(d))
        images = np.stack([image.flatten(order="F") for image in drawn]).astype(np.uint8)
        return {
            "images": images,
            "labels": np.array([[int(d)] for d, _ in items], dtype=np.uint8),
            "writers": np.array([[w] for _, w in items], dtype=np.uint16),
        }

    mapping = np.array([[d, ord(str(d))] for d in range(10)], dtype=np.uint8)
    return {"dataset": {name: split(items) for name, items in samples.items()} | {"mapping": mapping}}


def write_emnist_mat(path: Path, samples: dict[str, list[tuple[str, int]]] = EMNIST_SAMPLES,
                     styled: bool = False) -> Path:
    scipy.io.savemat(path, emnist_dataset(samples, styled), do_compression=True)
    return path


def write_emnist_matlab_zip(zip_path: Path, member: str = "matlab/emnist-digits.mat",
                            samples: dict[str, list[tuple[str, int]]] = EMNIST_SAMPLES, styled: bool = False) -> Path:
    """matlab.zip as NIST ships it: one .mat per EMNIST split under matlab/ (here only the digits)."""
    mat = write_emnist_mat(zip_path.with_name("fixture-emnist-digits.mat"), samples, styled)
    write_zip(zip_path, [("matlab", None), (member, mat.read_bytes())])
    mat.unlink()
    return zip_path


def write_k49(
    dir_path: Path,
    train_labels: list[int],
    test_labels: list[int],
    classes: tuple[str, ...] = K49_CLASSES,
    seed: int = 0,
) -> Path:
    """Kuzushiji-49 files: light ink on black 28x28 uint8 images, labels as class indexes."""
    rng = np.random.default_rng(seed)
    dir_path.mkdir(parents=True, exist_ok=True)
    for split, labels in (("train", train_labels), ("test", test_labels)):
        images = np.zeros((len(labels), 28, 28), dtype=np.uint8)
        images[:, 4:24, 4:24] = rng.integers(0, 256, (len(labels), 20, 20), dtype=np.uint8)
        np.savez_compressed(dir_path / f"k49-{split}-imgs.npz", images)
        np.savez_compressed(dir_path / f"k49-{split}-labels.npz", np.array(labels, dtype=np.uint8))
    with open(dir_path / "k49_classmap.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write("index,codepoint,char\n")
        fh.writelines(f"{i},U+{ord(c):04X},{c}\n" for i, c in enumerate(classes))
    return dir_path
