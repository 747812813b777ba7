"""`python -m kakite.serve.static`: the web page on 127.0.0.1, cross-origin isolated and locked to itself.

Why these headers:
- COOP `same-origin` + COEP `require-corp` make the page `crossOriginIsolated`, which is what lets
  TF.js's WASM backend use SharedArrayBuffer, i.e. threads; without them it runs single-threaded
  (still correct, only slower), which is what any static host without the headers gets.
- CORP `same-origin`: every file may be embedded by this origin only, as COEP requires.
- CSP: scripts, styles, models and WASM from this origin only; 'wasm-unsafe-eval' lets WebAssembly
  compile (and nothing else be eval'd). The threaded WASM backend starts its workers from blob: URLs
  that import its own code again as a blob: script, so blob: is allowed for workers and scripts (only
  this origin's scripts can make such a URL).
- `nosniff`: a file is what its Content-Type says, and every type the page uses is set explicitly.
- No directory listings: a folder without index.html is a 404, not an inventory.
- gzip (kakite/serve/gzipped.py) for a client that accepts it, `Vary: Accept-Encoding` on every answer:
  the first visit downloads a third of the bytes. Everything else (HEAD, 304, redirects, 404) is the
  standard library's.
The server binds to 127.0.0.1 unless told otherwise. `mounts` maps URL prefixes to folders (the test
suite mounts a model fixture at /model); "." and ".." never leave a mounted folder.
"""

from __future__ import annotations

import argparse
import io
import tempfile
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

import kakite
from kakite.serve.gzipped import GzipCache, accepts_gzip

WEB = Path(kakite.__file__).resolve().parent.parent / "web"
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' blob:; worker-src 'self' blob:; "
       "connect-src 'self' blob: data:; img-src 'self' data: blob:; style-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript",
         ".css": "text/css; charset=utf-8", ".json": "application/json", ".wasm": "application/wasm",
         ".bin": "application/octet-stream", ".png": "image/png", ".svg": "image/svg+xml", ".txt": "text/plain"}


def make_handler(mounts: dict[str, Path], on_request: Callable[[str, int], None] | None = None,
                 headers: dict[str, str] | None = None) -> type[SimpleHTTPRequestHandler]:
    """A request handler serving `mounts` ({"": web folder, "model": ...}; longest prefix wins)."""
    table = sorted(((tuple(filter(None, prefix.split("/"))), Path(root)) for prefix, root in mounts.items()),
                   key=lambda entry: -len(entry[0]))
    extra = HEADERS if headers is None else headers
    gzipped = GzipCache()

    class Handler(SimpleHTTPRequestHandler):
        extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map, **TYPES}
        gzip_body: bytes | None = None  # this answer's file gzipped, when it goes out gzipped

        def send_head(self):
            """The standard answer, with the gzipped file in place of the file when the client takes gzip."""
            self.gzip_body = None
            if accepts_gzip(self.headers.get("Accept-Encoding")):
                target = Path(self.translate_path(self.path))
                folder = urlsplit(self.path).path.endswith("/")
                self.gzip_body = gzipped.get(target / "index.html" if folder else target)
            answer = super().send_head()
            if answer is None or self.gzip_body is None:
                return answer
            answer.close()
            return io.BytesIO(self.gzip_body)

        def send_response(self, code: int, message: str | None = None) -> None:
            if code != 200:
                self.gzip_body = None  # a 304, redirect or error says nothing of the file
            super().send_response(code, message)

        def send_header(self, keyword: str, value: str) -> None:
            if self.gzip_body is not None and keyword.lower() == "content-length":
                super().send_header("Content-Encoding", "gzip")
                value = str(len(self.gzip_body))
            super().send_header(keyword, value)

        def translate_path(self, path: str) -> str:
            url_path = unquote(urlsplit(path).path)
            parts = tuple(p for p in url_path.split("/") if p not in ("", ".", ".."))
            for prefix, root in table:
                if parts[: len(prefix)] == prefix:
                    target = str(root.joinpath(*parts[len(prefix):]))
                    return target + "/" if url_path.endswith("/") else target
            return str(Path(tempfile.gettempdir()) / "kakite-no-such-mount")

        def list_directory(self, path):
            self.send_error(404, "Not Found")
            return None

        def end_headers(self) -> None:
            self.send_header("Vary", "Accept-Encoding")
            for name, value in extra.items():
                self.send_header(name, value)
            super().end_headers()

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            if on_request is not None:
                on_request(self.path, int(code) if str(code).isdigit() else 0)
            else:
                super().log_request(code, size)

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kakite.serve.static", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default: %(default)s)")
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--directory", type=Path, default=WEB, help="folder to serve (default: %(default)s)")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.bind, args.port), make_handler({"": args.directory}))
    print(f"kakite demo: http://{args.bind}:{server.server_address[1]}/ (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
