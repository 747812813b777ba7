"""Atomic writes: an artefact appears under its final name complete, or not at all.

Every writer here writes to a temp file in the same directory, fsyncs, then os.replace()s it,
so a SIGKILL mid-write leaves at most a stray `.tmp-*` file, never a truncated artefact.
tempfile, zipfile and numpy are imported where used: every kakite command imports this module (through
kakite.core.entry), and `kakite predict` writes nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kakite.core.errors import DataError, OutputError

if TYPE_CHECKING:
    import numpy as np


def check_writable(*folders: str | os.PathLike) -> None:
    """Prove each folder (or, if missing, its nearest existing ancestor) takes a new file, leaving nothing
    behind; OutputError names the first that fails.

    WHY: a stage that only finds out when it saves would train for nothing, or leave its log
    rewritten and its model stale. Trying a real file catches what os.access misses (root, read-only
    mounts, a file where the folder should be).
    """
    for folder in map(Path, folders):
        import tempfile

        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        try:
            if not existing.is_dir():
                raise NotADirectoryError(f"{existing} is not a folder")
            with tempfile.TemporaryFile(dir=existing):
                pass
        except OSError as exc:
            raise OutputError(f"{folder}: cannot write there ({exc.strerror or exc})") from None


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temp path next to `final`; on success it is renamed to `final`, on error removed."""
    import tempfile

    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{final.name}-", suffix=suffix, dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; artefacts follow the umask like any file
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, final)
    finally:
        tmp_path.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(final: str | os.PathLike, data: bytes) -> None:
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)


def write_text(final: str | os.PathLike, text: str) -> None:
    write_bytes(final, text.encode("utf-8"))


def write_json(final: str | os.PathLike, obj: Any) -> None:
    """JSON with sorted keys and a trailing newline, so diffs and `dvc metrics diff` stay stable."""
    write_text(final, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def save_npz(final: str | os.PathLike, **arrays: np.ndarray) -> None:
    """Compressed npz; object arrays are refused so that loading never needs pickle."""
    import numpy as np

    for key, arr in arrays.items():
        if np.asarray(arr).dtype == object:
            raise TypeError(f"array {key!r} has dtype object; npz files must load with allow_pickle=False")
    with atomic_path(final, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load every array eagerly, never with pickle; a missing or unreadable file is a one-line DataError."""
    import zipfile

    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise DataError(f"{path}: missing (run the stage that writes it first, e.g. `dvc repro`)") from None
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a readable npz without pickle ({str(exc).splitlines()[0]})") from None


def load_json(path: str | os.PathLike) -> Any:
    """A stage input written by write_json; missing or damaged is a one-line DataError, as for load_npz."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: missing (run the stage that writes it first, e.g. `dvc repro`)") from None
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not readable JSON ({str(exc).splitlines()[0]})") from None
