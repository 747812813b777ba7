"""What the CLI reads and writes: image files found under the given paths, batches of model inputs, out paths.

Directories are walked recursively in sorted order, following symbolic links to directories but
never twice into the same one (a link loop is reported, not walked forever). Only regular files with
an image suffix are taken; whatever cannot be listed or looked at (a subdirectory without
permission, a dangling link, a FIFO named `x.png`) is reported through `report`, never skipped
silently. An output path is checked before any model is loaded, so a typo costs nothing.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from kakite.core.errors import ImageError, KakiteError, NoInkError

if TYPE_CHECKING:  # numpy itself is imported with the first batch: `kakite --version` needs none of it
    import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff"}


def display(text: object) -> str:
    """A path or message as valid Unicode: bytes that are not UTF-8 (kept by Python as lone surrogates)
    become backslash escapes, so JSON output and terminals never choke on a file name."""
    return str(text).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def iter_images(paths: list[str], report: Callable[[str], None]) -> Iterator[Path]:
    """Files as given, and image files under directories; problems found while walking go to `report`."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path, report, set())
        else:
            yield path


def _walk(directory: Path, report: Callable[[str], None], seen: set[tuple[int, int]]) -> Iterator[Path]:
    try:
        info = directory.stat()
        if (info.st_dev, info.st_ino) in seen:
            report(f"{display(directory)}: symbolic link loop, not followed")
            return
        seen = seen | {(info.st_dev, info.st_ino)}  # the directories above this one, not its siblings
        names = sorted(os.listdir(directory))
    except OSError as exc:
        report(f"{display(directory)}: cannot list directory ({exc.strerror or exc})")
        return
    for name in names:
        path = directory / name
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            report(f"{display(path)}: cannot read ({exc.strerror or exc})")
            continue
        if stat.S_ISDIR(mode):
            yield from _walk(path, report, seen)
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            if stat.S_ISREG(mode):
                yield path
            else:
                report(f"{display(path)}: not a regular file, skipped")


def read_batches(files: list[Path], prepare: Callable[[np.ndarray], np.ndarray], size: int,
                 ahead: int = 2) -> Iterator[tuple]:
    """(readable files, their model inputs (N, H, W, 1), {file: problem}) per batch of `size` files, in order.

    With more than one batch, a background thread reads up to `ahead` batches ahead while the caller
    works on the current one: LiteRT lets go of the GIL while it infers, so decoding and preprocessing
    the next batch overlap the model's run instead of adding to it. One thread, not a pool: reading a small
    image is mostly Python (a second reader would only fight the first for the GIL), and
    `warnings.catch_warnings` in read_gray is not safe to run in two threads at once. A caller that
    stops early (a closed pipe, Ctrl-C) cancels the batches not yet started.
    """
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    if len(chunks) < 2 or ahead < 1:
        for chunk in chunks:
            yield _read_batch(chunk, prepare)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1, thread_name_prefix="kakite-read")
    try:
        pending = deque(pool.submit(_read_batch, chunk, prepare) for chunk in chunks[:ahead])
        for chunk in chunks[ahead:]:
            done = pending.popleft().result()
            pending.append(pool.submit(_read_batch, chunk, prepare))
            yield done
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _read_batch(files: list[Path], prepare: Callable[[np.ndarray], np.ndarray]) -> tuple:
    import numpy as np

    from kakite.core.images import read_gray

    ok, arrays, problems = [], [], {}
    for path in files:
        try:
            arrays.append(prepare(read_gray(path)))
            ok.append(path)
        except (ImageError, NoInkError) as err:
            problems[path] = err
    return ok, np.stack(arrays)[..., None] if arrays else None, problems


def writable_file(out: str) -> Path:
    """`out` as a path a file can be written to (its folder exists and is writable; not a folder itself)."""
    path = Path(out)
    if path.is_dir():
        raise KakiteError(f"{display(path)}: is a directory; --out needs a file name")
    folder = path.parent
    if not folder.is_dir():
        raise KakiteError(f"{display(path)}: folder {display(folder)} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise KakiteError(f"{display(path)}: folder {display(folder)} is not writable")
    return path
