"""A tiny threaded HTTP server on 127.0.0.1 for download tests: no network, real sockets.

    with LocalServer({"/a.zip": data}) as server:
        server.cut_after("/a.zip", 1000)     # the next answer for /a.zip stops after 1000 bytes
        download(server.url("/a.zip"), dest)
        assert server.requests[-1].range == "bytes=1000-"
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_RANGE = re.compile(r"bytes=(\d+)-(\d*)")


@dataclass(frozen=True)
class Request:
    path: str
    range: str | None  # the Range header as sent, None when absent


class LocalServer:
    """Serve a dict {url path: bytes}, or every file under a folder, with Range support (206)."""

    def __init__(self, files: dict[str, bytes] | Path, *, ranges: bool = True, lengths: bool = True):
        if isinstance(files, Path):
            files = {"/" + p.relative_to(files).as_posix(): p.read_bytes() for p in files.rglob("*")
                     if p.is_file()}
        self.files = dict(files)
        self.ranges = ranges
        self.lengths = lengths  # False: no Content-Length on 200 answers, the body ends when the line closes
        self.requests: list[Request] = []
        self._cuts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def cut_after(self, path: str, nbytes: int) -> None:
        """Drop the connection after nbytes of the body, once, on the next request for path."""
        self._cuts[path] = nbytes

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def _answer(self, path: str, range_header: str | None) -> tuple[int, dict[str, str], bytes, int | None]:
        """(status, headers, body, cut) for one GET; cut is the byte count after which to drop the line."""
        with self._lock:
            self.requests.append(Request(path, range_header))
            cut = self._cuts.pop(path, None)
        if path not in self.files:
            return 404, {}, b"not found", None
        body = self.files[path]
        match = _RANGE.fullmatch(range_header or "") if self.ranges else None
        if not match:
            return 200, {"Content-Length": str(len(body))} if self.lengths else {}, body, cut
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else len(body) - 1
        if start >= len(body):
            return 416, {"Content-Range": f"bytes */{len(body)}"}, b"", None
        part = body[start : end + 1]
        headers = {"Content-Length": str(len(part)), "Content-Range": f"bytes {start}-{end}/{len(body)}"}
        return 206, headers, part, cut


def _handler_for(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body, cut = server._answer(self.path, self.headers.get("Range"))
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            # A cut still announces the full Content-Length, as a dropped connection does.
            self.wfile.write(body if cut is None else body[:cut])
            self.close_connection = True

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

    return Handler
