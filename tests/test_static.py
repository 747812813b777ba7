"""kakite.serve.static, the server of `make serve`: isolation and security headers, types, no listings,
gzip for the clients that take it (kakite.serve.gzipped)."""

from __future__ import annotations

import gzip
import os
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

import pytest

from kakite.serve.gzipped import GzipCache, accepts_gzip
from kakite.serve.static import HEADERS, make_handler

SCRIPT = "export const labels = [" + ", ".join(f"'{i}'" for i in range(400)) + "];\n"
PAGE = "<!doctype html><title>t</title>" + "<p>kakite</p>" * 50


@pytest.fixture
def served(tmp_path):
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "a.wasm").write_bytes(b"\0asm\1\0\0\0")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "x.js").write_text("export {};", encoding="utf-8")
    (tmp_path / "folder" / "labels.js").write_text(SCRIPT, encoding="utf-8")
    (tmp_path / "b.png").write_bytes(b"\x89PNG" + bytes(4000))
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler({"": tmp_path}, lambda path, code: None))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fetch(url: str, method: str = "GET", **headers: str):
    """The answer as it came (urllib neither asks for nor undoes gzip by itself)."""
    request = urllib.request.Request(url, method=method, headers={k.replace("_", "-"): v for k, v in headers.items()})
    try:
        return urllib.request.urlopen(request, timeout=10)
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


def test_without_accept_encoding_the_file_goes_as_it_is(served):
    answer = fetch(served + "/folder/labels.js")
    assert answer.headers["Content-Encoding"] is None and answer.headers["Vary"] == "Accept-Encoding"
    assert answer.read() == SCRIPT.encode() and answer.headers["Content-Length"] == str(len(SCRIPT))


@pytest.mark.parametrize("path, text", [("/folder/labels.js", SCRIPT), ("/", PAGE), ("/index.html", PAGE)])
def test_a_client_that_takes_gzip_gets_the_file_gzipped_with_every_header(served, path, text):
    answer = fetch(served + path, Accept_Encoding="gzip, deflate, br")
    body = answer.read()
    assert answer.status == 200 and answer.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == text.encode() and int(answer.headers["Content-Length"]) == len(body) < len(text)
    assert answer.headers["Vary"] == "Accept-Encoding"
    assert answer.headers["Content-Type"] == fetch(served + path).headers["Content-Type"]
    for name, value in HEADERS.items():
        assert answer.headers[name] == value, name


def test_gzip_refused_small_or_incompressible_files_go_as_they_are(served):
    assert fetch(served + "/folder/labels.js", Accept_Encoding="gzip;q=0, identity").read() == SCRIPT.encode()
    for path in ("/folder/x.js", "/a.wasm", "/b.png"):  # no gain, or not a compressible type
        answer = fetch(served + path, Accept_Encoding="gzip")
        assert answer.headers["Content-Encoding"] is None
        assert len(answer.read()) == int(answer.headers["Content-Length"])


def test_head_range_404_and_not_modified_are_unchanged_by_gzip(served):
    gzipped = len(fetch(served + "/folder/labels.js", Accept_Encoding="gzip").read())
    head = fetch(served + "/folder/labels.js", "HEAD", Accept_Encoding="gzip")
    assert head.headers["Content-Encoding"] == "gzip" and head.headers["Content-Length"] == str(gzipped)
    assert head.read() == b""
    assert fetch(served + "/folder/labels.js", "HEAD").headers["Content-Length"] == str(len(SCRIPT))
    ranged = fetch(served + "/folder/labels.js", Range="bytes=0-9")  # ranges are not served: the whole file
    assert ranged.status == 200 and ranged.read() == SCRIPT.encode()
    missing = fetch(served + "/missing.js", Accept_Encoding="gzip")
    assert missing.status == 404 and missing.headers["Content-Encoding"] is None
    assert missing.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    since = fetch(served + "/folder/labels.js").headers["Last-Modified"]
    unchanged = fetch(served + "/folder/labels.js", Accept_Encoding="gzip", If_Modified_Since=since)
    assert unchanged.status == 304 and unchanged.headers["Content-Encoding"] is None
    moved = fetch(served + "/folder", Accept_Encoding="gzip")  # urllib follows the redirect to /folder/: a 404
    assert moved.status == 404 and moved.headers["Content-Encoding"] is None


@pytest.mark.parametrize("value, takes", [
    (None, False), ("", False), ("gzip", True), ("deflate, gzip;q=0.5", True), ("GZIP", True), ("x-gzip", True),
    ("gzip;q=0", False), ("*", True), ("*;q=0", False), ("br, *", True), ("gzip;q=0, *", False), ("identity", False),
    ("gzip;q=zero", False),
])
def test_accept_encoding_is_read_with_its_weights(value, takes):
    assert accepts_gzip(value) is takes


def test_a_changed_file_is_compressed_again_and_memory_stays_bounded(tmp_path):
    files = [tmp_path / f"{i}.js" for i in range(3)]
    for i, path in enumerate(files):
        path.write_text(SCRIPT * (i + 1), encoding="utf-8")
    cache = GzipCache(max_bytes=2 * len(gzip.compress(SCRIPT.encode() * 3)), max_file_bytes=len(SCRIPT) * 3)
    assert all(gzip.decompress(cache.get(path)) == path.read_bytes() for path in files)
    assert 0 < cache.held_bytes <= cache.max_bytes
    files[0].write_text(SCRIPT + "//", encoding="utf-8")
    os.utime(files[0], ns=(1, 1))
    assert gzip.decompress(cache.get(files[0])) == (SCRIPT + "//").encode()
    files[0].write_text(SCRIPT * 4, encoding="utf-8")  # over max_file_bytes: streamed as it is
    assert cache.get(files[0]) is None and cache.get(tmp_path) is None and cache.get(tmp_path / "no.js") is None
