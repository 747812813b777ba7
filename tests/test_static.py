"""kakite.serve.static, the server of `make serve`: isolation and security headers, types, no listings."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

import pytest

from kakite.serve.static import HEADERS, make_handler


@pytest.fixture
def served(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")
    (tmp_path / "a.wasm").write_bytes(b"\0asm\1\0\0\0")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "x.js").write_text("export {};", encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler({"": tmp_path}, lambda path, code: None))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fetch(url: str):
    try:
        return urllib.request.urlopen(url, timeout=10)
    except urllib.error.HTTPError as err:
        return err


def test_every_answer_carries_the_isolation_and_security_headers(served):
    for path in ("/", "/a.wasm", "/folder/x.js", "/missing"):
        answer = fetch(served + path)
        for name, value in HEADERS.items():
            assert answer.headers[name] == value, (path, name)
    assert "'wasm-unsafe-eval'" in HEADERS["Content-Security-Policy"]


def test_types_are_explicit_and_folders_are_not_listed(served):
    assert fetch(served + "/a.wasm").headers["Content-Type"] == "application/wasm"
    assert fetch(served + "/folder/x.js").headers["Content-Type"].startswith("text/javascript")
    assert fetch(served + "/folder/").status == 404
    assert fetch(served + "/../../etc/passwd").status == 404
