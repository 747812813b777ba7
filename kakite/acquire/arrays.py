"""Array files from the network (npz, MATLAB .mat), opened only after their declared sizes are checked.

WHY: numpy and scipy allocate what a header declares before reading the data, so a 3 MB npz that
declares a 3 GiB array ends in MemoryError, not in an error naming the file. Each loader here reads
the declarations first, compares them with ``limits.MAX_ARRAY_BYTES`` and with the bytes actually
present, and raises a one-line DataError naming the file; only then does numpy or scipy load it.
"""

from __future__ import annotations

import math
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
import scipy.io

from kakite.acquire.archive import open_zip, safe_members
from kakite.core import limits
from kakite.core.errors import DataError

_NPY_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
_MAT_HEADER_BYTES = 128
_MI_COMPRESSED = 15
_INFLATE_CHUNK = 1 << 20


def load_npz_array(path: Path, key: str = "arr_0") -> np.ndarray:
    """One array of an npz (never with pickle), after checking its declared shape and dtype."""
    path = Path(path)
    with open_zip(path) as zf:
        members = {info.filename: info for info in safe_members(zf)}
        info = members.get(f"{key}.npy")
        if info is None:
            raise DataError(f"{path}: no array {key!r}")
        try:
            with zf.open(info) as fh:
                shape, dtype, header_bytes = _npy_declaration(fh)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
            raise DataError(f"{path}: {key}: unreadable npy header ({err})") from None
    if dtype.hasobject:
        raise DataError(f"{path}: not a readable npz file ({key} holds Python objects, which need pickle)")
    declared = math.prod(shape) * dtype.itemsize
    if declared > limits.MAX_ARRAY_BYTES:
        raise DataError(f"{path}: {key} declares {dtype} {shape}, {declared:,} bytes, over the limit of "
                        f"{limits.MAX_ARRAY_BYTES:,}")
    if declared != info.file_size - header_bytes:
        raise DataError(f"{path}: {key} declares {declared:,} bytes of data but holds "
                        f"{info.file_size - header_bytes:,}")
    try:
        with np.load(path, allow_pickle=False) as data:
            return data[key]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        raise DataError(f"{path}: not a readable npz file ({err})") from None


def _npy_declaration(fh: BinaryIO) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, header length in bytes) from the start of an .npy stream."""
    version = np.lib.format.read_magic(fh)
    reader = _NPY_HEADER_READERS.get(version)
    if reader is None:
        raise ValueError(f"npy format version {version} is not supported")
    shape, _, dtype = reader(fh)
    return shape, dtype, fh.tell()


def load_mat(path: Path) -> dict:
    """A MATLAB v5 file as scipy.io.loadmat returns it, after bounding what its variables inflate to."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            _check_mat_sizes(fh, path)
        return scipy.io.loadmat(path)
    except (OSError, ValueError, NotImplementedError, scipy.io.matlab.MatReadError, zlib.error) as err:
        raise DataError(f"{path}: not a readable MATLAB file ({err})") from None


def _check_mat_sizes(fh: BinaryIO, path: Path) -> None:
    """Walk the top-level data elements: each must fit in the file, and all of them together, inflated
    (compressed ones are inflated a chunk at a time and only counted), within MAX_ARRAY_BYTES."""
    header = fh.read(_MAT_HEADER_BYTES)
    if len(header) < _MAT_HEADER_BYTES or header[126:128] not in (b"IM", b"MI"):
        return  # not MATLAB v5: scipy refuses it or reads it uncompressed, bounded by the file itself
    order = "<" if header[126:128] == b"IM" else ">"
    size = fh.seek(0, 2)
    fh.seek(_MAT_HEADER_BYTES)
    total = 0
    while (tag := fh.read(8)) and len(tag) == 8:
        kind, nbytes = struct.unpack(order + "II", tag)
        start = fh.tell()
        if nbytes > size - start:
            raise DataError(f"{path}: a variable declares {nbytes:,} bytes, past the end of the file")
        total += _inflated_size(fh, nbytes, path) if kind == _MI_COMPRESSED else nbytes
        if total > limits.MAX_ARRAY_BYTES:
            raise DataError(f"{path}: variables hold over {limits.MAX_ARRAY_BYTES:,} bytes once inflated")
        fh.seek(start + nbytes + (-nbytes % 8 if kind != _MI_COMPRESSED else 0))


def _inflated_size(fh: BinaryIO, nbytes: int, path: Path) -> int:
    """Bytes that nbytes of zlib data inflate to, stopping just past MAX_ARRAY_BYTES."""
    inflater = zlib.decompressobj()
    out, left = 0, nbytes
    while left and out <= limits.MAX_ARRAY_BYTES:
        data = fh.read(min(left, _INFLATE_CHUNK))
        left -= len(data)
        out += len(inflater.decompress(data, _INFLATE_CHUNK))
        while inflater.unconsumed_tail and out <= limits.MAX_ARRAY_BYTES:
            out += len(inflater.decompress(inflater.unconsumed_tail, _INFLATE_CHUNK))
    return out
