"""Safe reading of downloaded zip archives.

Archives come from the network, so every entry is checked before use: no path may leave the
extraction folder (zip-slip: absolute paths, '..', backslashes, drive letters, symlinks), and declared
sizes and compression ratios are bounded so that a zip bomb is refused before anything is inflated.
"""

from __future__ import annotations

import contextlib
import shutil
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath

from kakite.core import limits
from kakite.core.atomic import atomic_path
from kakite.core.errors import DataError


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open a zip for reading, with a DataError naming the file if it is missing, corrupt or not a zip."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise DataError(f"{path}: not a readable zip archive ({err})") from None


def safe_members(
    zf: zipfile.ZipFile,
    *,
    max_total_bytes: int = limits.ZIP_MAX_TOTAL_BYTES,
    max_ratio: float = limits.ZIP_MAX_RATIO,
    max_members: int = limits.ZIP_MAX_MEMBERS,
) -> list[zipfile.ZipInfo]:
    """The archive's file entries (directories left out), after refusing anything unsafe in it."""
    infos = zf.infolist()
    if len(infos) > max_members:
        raise DataError(f"{_archive(zf)}: {len(infos)} entries, more than the limit of {max_members}")
    total = 0
    files = []
    for info in infos:
        check_name(zf, info)
        if info.is_dir():
            continue
        total += info.file_size
        if total > max_total_bytes:
            raise DataError(f"{_archive(zf)}: entry {info.filename!r}: declared sizes add up to more than "
                            f"{max_total_bytes} bytes (zip bomb?)")
        if info.file_size >= limits.ZIP_RATIO_CHECK_MIN_BYTES and info.file_size > max_ratio * info.compress_size:
            raise DataError(f"{_archive(zf)}: entry {info.filename!r}: compression ratio "
                            f"{info.file_size}/{info.compress_size} exceeds {max_ratio:g} (zip bomb?)")
        files.append(info)
    return files


def check_name(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse an entry whose path could escape the folder it is extracted into, or that is a symlink."""
    name = info.filename
    parts = PurePosixPath(name).parts
    reason = ""
    if "\\" in name:
        reason = "contains a backslash"
    elif name.startswith("/") or PureWindowsPath(name).drive:
        reason = "is an absolute path"
    elif ".." in parts:
        reason = "contains a '..' component"
    elif not parts:
        reason = "has an empty name"
    elif stat.S_ISLNK(info.external_attr >> 16):
        reason = "is a symbolic link"
    if reason:
        raise DataError(f"{_archive(zf)}: entry {name!r} {reason}; refusing an unsafe archive")


def extract_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest_dir: Path) -> Path:
    """Extract one file entry under dest_dir (keeping its folders) atomically; return its path."""
    check_name(zf, info)
    target = Path(dest_dir, *PurePosixPath(info.filename).parts)
    with _reading(zf, info), zf.open(info) as src, atomic_path(target) as tmp, open(tmp, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
    return target


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, max_bytes: int) -> bytes:
    """An entry's bytes, never more than max_bytes, whatever size its header declares."""
    with _reading(zf, info), zf.open(info) as src:
        data = src.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DataError(f"{_archive(zf)}: entry {info.filename!r} is larger than {max_bytes} bytes")
    return data


@contextlib.contextmanager
def _reading(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[None]:
    """Turn what a damaged, encrypted or exotic entry raises into a DataError naming archive and entry."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as err:
        raise DataError(f"{_archive(zf)}: entry {info.filename!r} cannot be read ({err})") from None


def _archive(zf: zipfile.ZipFile) -> str:
    return str(zf.filename or "<zip>")
