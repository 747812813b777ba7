"""Gzip for the static server: scripts, WASM, models and pages are 2-8x smaller on the wire, which is most
of what a first visit waits for. Each file is compressed once, at the highest level, and kept in memory
(bounded; a changed file is compressed again); a file gzip does not shrink is served as it is.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from pathlib import Path

COMPRESSIBLE = frozenset({".html", ".js", ".mjs", ".css", ".json", ".wasm", ".svg", ".txt", ".bin"})


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding value allows gzip: named (or x-gzip, or `*`) with a q above 0."""
    weights = {}
    for item in (accept_encoding or "").split(","):
        name, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[name.lower()] = weight
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


class GzipCache:
    """Gzipped bytes of files, by path, size and modification time; at most max_bytes of them in memory
    (held_bytes; least recently used go first), files over max_file_bytes never compressed (they are
    streamed)."""

    def __init__(self, max_bytes: int = 64 << 20, max_file_bytes: int = 8 << 20) -> None:
        self.max_bytes = max_bytes
        self.max_file_bytes = max_file_bytes
        self._entries: OrderedDict[tuple[str, int, int], bytes | None] = OrderedDict()
        self.held_bytes = 0
        self._lock = threading.Lock()

    def get(self, path: Path) -> bytes | None:
        """The file gzipped, or None: not a regular file, not a compressible type, too big, or no gain."""
        if path.suffix.lower() not in COMPRESSIBLE:
            return None
        try:
            stat = path.stat()
            if not path.is_file() or stat.st_size > self.max_file_bytes:
                return None
            key = (str(path), stat.st_mtime_ns, stat.st_size)
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return self._entries[key]
            data = path.read_bytes()
        except OSError:
            return None
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        body = packed if len(packed) < len(data) else None
        with self._lock:
            if key not in self._entries:
                self._entries[key] = body
                self.held_bytes += len(body or b"")
            while self.held_bytes > self.max_bytes:
                self.held_bytes -= len(self._entries.popitem(last=False)[1] or b"")
        return body
