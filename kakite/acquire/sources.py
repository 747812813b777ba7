"""The real datasets: how to fetch each one, and readers that turn each into kakite's common Record.

Every reader yields Records so that the grayscale stage treats all sources alike, and fills an optional
ScanReport with what it saw but did not yield (empty classes, skipped classes, odd member names) so the
stage can list it in its report. Readers validate the layout up front and fail with a DataError that
names the file and the entry, field or line at fault.

Local layout written by fetch_source and read by iter_source, under the `raw_dir` given to both:
    hiragana73/hiragana73.zip                NDL Lab, hiragana73/U3042/*.png (typeset, 48x48 RGB)
    emnist/matlab.zip, emnist/<member>       NIST EMNIST MATLAB release, the digits split extracted
    kuzushiji49/k49-*.npz, k49_classmap.csv  CODH Kuzushiji-49

Why one file of about 300 lines: the three readers share the layout above and the validation helpers
below; each reader on its own is short.
"""

from __future__ import annotations

import csv
import urllib.parse
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from kakite.acquire.archive import extract_member, open_zip, read_member, safe_members
from kakite.acquire.arrays import load_mat, load_npz_array
from kakite.acquire.download import download
from kakite.core.charset import DIGITS, HIRAGANA73, char_from_folder
from kakite.core.errors import DataError, ParamsError
from kakite.core.limits import MAX_IMAGE_BYTES
from kakite.core.records import MANIFEST_COLUMNS, Record

SOURCES = ("hiragana73", "emnist", "kuzushiji49")
_UTF8_NAME_FLAG = 0x800  # zip general-purpose flag bit 11: the entry name is UTF-8


@dataclass
class ScanReport:
    """What a reader saw besides the Records it yielded; complete once the iterator is exhausted."""

    records: int = 0
    empty_classes: list[str] = field(default_factory=list)  # hiragana73 classes without a single image
    non_utf8_names: list[str] = field(default_factory=list)  # names kept as zipfile decoded them (cp437)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + count


# --- hiragana73 and kakite's own zips ------------------------------------------------------------------


def iter_hiragana73(zip_path: Path, *, report: ScanReport | None = None) -> Iterator[Record]:
    """NDL Lab's hiragana73 zip: `hiragana73/U3042/*.png`, or the same without the top folder.

    The class is the folder directly above each PNG. A folder that is not one of the 73 classes is an
    error (before any Record is yielded); classes with no image are listed in report.empty_classes.
    """
    report = report if report is not None else ScanReport()
    with open_zip(zip_path) as zf:
        counts = dict.fromkeys(HIRAGANA73, 0)
        plan = []
        for info in _visible_members(zf, report):
            if PurePosixPath(info.filename).suffix.lower() != ".png":
                report.skip("not a .png file")
                continue
            label = _hiragana73_class(zip_path, info.filename)
            counts[label] += 1
            plan.append((info, label))
        report.empty_classes.extend(char for char, count in counts.items() if count == 0)
        for info, label in plan:
            report.records += 1
            yield Record(file=info.filename, label=label, domain="typeset", writer="ndl", group=info.filename,
                         data=read_member(zf, info, MAX_IMAGE_BYTES))


def iter_manifest_zip(
    zip_path: Path, manifest_csv: Path, *, report: ScanReport | None = None
) -> Iterator[Record]:
    """kakite's own zips: the hiragana73 layout plus a manifest CSV (file,label,domain,writer,group)
    that gives each member its labels. Records come in manifest order."""
    report = report if report is not None else ScanReport()
    rows = _read_manifest(manifest_csv)
    with open_zip(zip_path) as zf:
        members = {info.filename: info for info in _visible_members(zf, report)}
        for line, row in rows:
            if row["file"] not in members:
                raise DataError(f"{manifest_csv}:{line}: file {row['file']!r} is not in {zip_path}")
            folder = PurePosixPath(row["file"]).parent.name
            if folder and _folder_char(zip_path, folder) != row["label"]:
                raise DataError(f"{manifest_csv}:{line}: label {row['label']!r} does not match the "
                                f"class folder of {row['file']!r}")
        unlisted = len(members) - len(rows)
        if unlisted:
            report.skip("in the zip but not in the manifest", unlisted)
        for _, row in rows:
            report.records += 1
            yield Record(**row, data=read_member(zf, members[row["file"]], MAX_IMAGE_BYTES))


def _visible_members(zf: zipfile.ZipFile, report: ScanReport) -> list[zipfile.ZipInfo]:
    """Safe file members minus hidden and macOS metadata entries; notes names not stored as UTF-8."""
    visible = []
    for info in safe_members(zf):
        if any(part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(info.filename).parts):
            report.skip("hidden or macOS metadata entry")
            continue
        if not (info.flag_bits & _UTF8_NAME_FLAG or info.filename.isascii()):
            report.non_utf8_names.append(info.filename)
        visible.append(info)
    return visible


def _hiragana73_class(zip_path: Path, name: str) -> str:
    parts = PurePosixPath(name).parts
    if len(parts) < 2:
        raise DataError(f"{zip_path}: entry {name!r} is not inside a class folder "
                        f"(expected hiragana73/U3042/*.png)")
    char = _folder_char(zip_path, parts[-2])
    if char not in HIRAGANA73:
        raise DataError(f"{zip_path}: folder {parts[-2]!r} ({char}) is not one of the 73 hiragana73 classes")
    return char


def _folder_char(zip_path: Path, folder: str) -> str:
    try:
        return char_from_folder(folder)
    except ValueError as err:
        raise DataError(f"{zip_path}: {err}") from None


def _read_manifest(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a validated manifest: exact columns, no empty cell, no duplicate file."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != MANIFEST_COLUMNS:
                raise DataError(f"{path}: header {reader.fieldnames} should be {','.join(MANIFEST_COLUMNS)}")
            rows, seen = [], set()
            for row in reader:
                if None in row or any(not row[key] for key in MANIFEST_COLUMNS):
                    raise DataError(f"{path}:{reader.line_num}: expected 5 non-empty cells")
                if row["file"] in seen:
                    raise DataError(f"{path}:{reader.line_num}: file {row['file']!r} is listed twice")
                seen.add(row["file"])
                rows.append((reader.line_num, row))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"{path}: cannot read the manifest ({err})") from None
    return rows


# --- EMNIST and Kuzushiji-49 (arrays) ------------------------------------------------------------------


def iter_emnist_digits(mat_path: Path, *, report: ScanReport | None = None) -> Iterator[Record]:
    """EMNIST digits from the MATLAB release, with its writer ids.

    `dataset.{train,test}.images` is N x 784, each row a 28x28 image in MATLAB's column-major order,
    light ink on black: rows are transposed back to upright and inverted to dark ink on light.
    """
    report = report if report is not None else ScanReport()
    dataset = _mat_field(load_mat(mat_path), "dataset", mat_path)
    for split in ("train", "test"):
        part = _mat_field(dataset, split, mat_path)
        images = np.asarray(_mat_field(part, "images", mat_path))
        labels = np.asarray(_mat_field(part, "labels", mat_path)).reshape(-1)
        writers = np.asarray(_mat_field(part, "writers", mat_path)).reshape(-1)
        if images.dtype != np.uint8 or images.ndim != 2 or images.shape[1] != 28 * 28:
            raise DataError(f"{mat_path}: dataset.{split}.images is {images.dtype} {images.shape}, "
                            f"expected uint8 N x 784")
        _check_lengths(mat_path, f"dataset.{split}", images, labels, writers)
        _check_labels(mat_path, f"dataset.{split}.labels", labels, len(DIGITS))
        pixels = np.ascontiguousarray(images.reshape(-1, 28, 28).transpose(0, 2, 1))
        np.subtract(255, pixels, out=pixels)
        for i, (label, writer) in enumerate(zip(labels.tolist(), writers.tolist(), strict=True)):
            report.records += 1
            yield Record(file=f"{mat_path.name}:{split}/{i}", label=DIGITS[label], domain="emnist",
                         writer=f"emnist{writer}", group=f"{split}/{i}", pixels=pixels[i])


def iter_kuzushiji49(dir_path: Path, *, report: ScanReport | None = None) -> Iterator[Record]:
    """Kuzushiji-49: k49-{train,test}-{imgs,labels}.npz and k49_classmap.csv, light ink on black.

    Classes outside hiragana73 (K49's iteration mark ゝ) are skipped and counted in the report.
    """
    report = report if report is not None else ScanReport()
    dir_path = Path(dir_path)
    classes = _k49_classes(dir_path / "k49_classmap.csv")
    for split in ("train", "test"):
        imgs_name = f"k49-{split}-imgs.npz"
        imgs = load_npz_array(dir_path / imgs_name)
        labels = load_npz_array(dir_path / f"k49-{split}-labels.npz").reshape(-1)
        if imgs.dtype != np.uint8 or imgs.ndim != 3:
            raise DataError(f"{dir_path / imgs_name}: images are {imgs.dtype} {imgs.shape}, "
                            f"expected uint8 N x H x W")
        _check_lengths(dir_path, f"k49-{split}", imgs, labels)
        _check_labels(dir_path / f"k49-{split}-labels.npz", "arr_0", labels, len(classes))
        pixels = 255 - imgs
        for i, index in enumerate(labels.tolist()):
            char = classes[index]
            if char not in HIRAGANA73:
                report.skip(f"class {char} (U+{ord(char):04X}) is not a hiragana73 class")
                continue
            report.records += 1
            yield Record(file=f"{imgs_name}:{i}", label=char, domain="kuzushiji", writer="k49",
                         group=f"{split}/{i}", pixels=pixels[i])


def _mat_field(struct, name: str, path: Path):
    """A field of a loadmat dict or 1x1 MATLAB struct, with a DataError naming the file and the field."""
    if isinstance(struct, dict):
        if name not in struct:
            raise DataError(f"{path}: no variable {name!r} (expected the EMNIST layout dataset.train.images)")
        return struct[name]
    names = getattr(getattr(struct, "dtype", None), "names", None) or ()
    if name not in names or struct.size != 1:
        raise DataError(f"{path}: struct has no field {name!r} "
                        f"(expected the EMNIST layout dataset.train.images)")
    return struct[name].reshape(-1)[0]


def _k49_classes(path: Path) -> list[str]:
    """Characters by class index, from the codepoint column (immune to the CSV's text encoding)."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        by_index = {int(row["index"]): chr(int(row["codepoint"].removeprefix("U+"), 16)) for row in rows}
    except (OSError, UnicodeDecodeError, csv.Error, KeyError, TypeError, ValueError) as err:
        raise DataError(f"{path}: not a readable classmap (columns index,codepoint,char): {err}") from None
    if sorted(by_index) != list(range(len(by_index))) or not by_index:
        raise DataError(f"{path}: class indexes are not 0..N-1")
    return [by_index[i] for i in range(len(by_index))]


def _check_lengths(path: Path, what: str, *arrays: np.ndarray) -> None:
    if len({len(a) for a in arrays}) != 1:
        lengths = [len(a) for a in arrays]
        raise DataError(f"{path}: {what}: images, labels (and writers) differ in length: {lengths}")


def _check_labels(path: Path, what: str, labels: np.ndarray, n_classes: int) -> None:
    if not labels.size:
        return
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= n_classes:
        raise DataError(f"{path}: {what} holds labels outside 0..{n_classes - 1}")


# --- fetching ------------------------------------------------------------------------------------------


def fetch_source(
    name: str, cfg: dict, raw_dir: Path, *, progress: bool = True, digests: dict[str, str] | None = None
) -> list[Path]:
    """Download what source `name` needs into raw_dir/name (cfg is params fetch.sources.<name>).

    Returns the local files the source's reader takes. Each downloaded file's sha256 goes into `digests`
    (file name -> digest) when given, so the fetch stage can record it (trust on first use).
    """
    folder = Path(raw_dir) / name
    digests = {} if digests is None else digests

    def get(url: str, sha256: str) -> Path:
        dest = folder / _url_file_name(url)
        digests[dest.name] = download(url, dest, sha256, source=name, progress=progress)
        return dest

    if name == "hiragana73":
        return [get(cfg["url"], cfg.get("sha256", ""))]
    if name == "emnist":
        zip_path = get(cfg["url"], cfg.get("sha256", ""))
        with open_zip(zip_path) as zf:
            members = {info.filename: info for info in safe_members(zf)}
            if cfg["member"] not in members:
                raise DataError(f"{zip_path}: no entry {cfg['member']!r} (fetch.sources.emnist.member)")
            return [extract_member(zf, members[cfg["member"]], folder)]
    if name == "kuzushiji49":
        base = cfg["url"].rstrip("/") + "/"
        sha256 = cfg.get("sha256") or {}
        return [get(urllib.parse.urljoin(base, file), sha256.get(file, "")) for file in cfg["files"]]
    raise ParamsError(f"fetch.sources: unknown source {name!r}; known: {', '.join(SOURCES)}")


def iter_source(name: str, cfg: dict, raw_dir: Path, *, report: ScanReport | None = None) -> Iterator[Record]:
    """Read a source from where fetch_source left it."""
    folder = Path(raw_dir) / name
    if name == "hiragana73":
        return iter_hiragana73(folder / _url_file_name(cfg["url"]), report=report)
    if name == "emnist":
        return iter_emnist_digits(folder.joinpath(*PurePosixPath(cfg["member"]).parts), report=report)
    if name == "kuzushiji49":
        return iter_kuzushiji49(folder, report=report)
    raise ParamsError(f"data.source: unknown source {name!r}; known: {', '.join(SOURCES)}")


def _url_file_name(url: str) -> str:
    name = PurePosixPath(urllib.parse.urlsplit(url).path).name
    if not name:
        raise ParamsError(f"fetch.sources: URL {url!r} does not end in a file name")
    return name
