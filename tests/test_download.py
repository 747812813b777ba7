"""kakite.acquire.download against a local HTTP server: verification, resume, failures."""

import hashlib

import numpy as np
import pytest

from kakite.acquire.download import download, prefer_https
from kakite.core import limits
from kakite.core.errors import DownloadError
from tests.http_server import LocalServer

DATA = np.random.default_rng(7).integers(0, 256, 5000, dtype=np.uint8).tobytes()
DIGEST = hashlib.sha256(DATA).hexdigest()


def test_download_verifies_and_renames_atomically(tmp_path, capsys):
    dest = tmp_path / "raw" / "a.zip"
    with LocalServer({"/a.zip": DATA}) as server:
        digest = download(server.url("/a.zip"), dest, DIGEST.upper(), source="hiragana73", chunk=512)
    assert digest == DIGEST
    assert dest.read_bytes() == DATA
    assert sorted(p.name for p in dest.parent.iterdir()) == ["a.zip"]  # no .part left behind
    assert "a.zip" in capsys.readouterr().err  # the progress bar goes to stderr


def test_existing_file_is_not_fetched_again(tmp_path):
    dest = tmp_path / "a.zip"
    dest.write_bytes(DATA)
    with LocalServer({"/a.zip": DATA}) as server:
        assert download(server.url("/a.zip"), dest, DIGEST, progress=False) == DIGEST
        assert download(server.url("/a.zip"), dest, progress=False) == DIGEST  # no digest: trust the file
        assert server.requests == []


def test_existing_file_that_does_not_match_is_set_aside_and_refetched(tmp_path):
    dest = tmp_path / "a.zip"
    dest.write_bytes(b"stale")
    with LocalServer({"/a.zip": DATA}) as server:
        download(server.url("/a.zip"), dest, DIGEST, progress=False)
    assert dest.read_bytes() == DATA
    stale = hashlib.sha256(b"stale").hexdigest()
    assert (tmp_path / f"a.zip.bad-{stale[:12]}").read_bytes() == b"stale"


def test_digest_mismatch_keeps_the_file_aside_and_raises(tmp_path):
    dest = tmp_path / "a.zip"
    wrong = "0" * 64
    with LocalServer({"/a.zip": DATA}) as server, pytest.raises(DownloadError) as err:
        download(server.url("/a.zip"), dest, wrong, source="emnist", progress=False)
    message = str(err.value)
    assert "/a.zip" in message and wrong in message and DIGEST in message
    assert not dest.exists()
    assert not dest.with_name("a.zip.part").exists()
    assert (tmp_path / f"a.zip.bad-{DIGEST[:12]}").read_bytes() == DATA


def test_cut_connection_is_resumed_with_a_range_request(tmp_path):
    dest = tmp_path / "a.zip"
    with LocalServer({"/a.zip": DATA}) as server:
        server.cut_after("/a.zip", 1234)
        assert download(server.url("/a.zip"), dest, DIGEST, progress=False, chunk=256) == DIGEST
    assert [r.range for r in server.requests] == [None, "bytes=1234-"]
    assert dest.read_bytes() == DATA


@pytest.mark.parametrize("ranges", [True, False], ids=["server-resumes-206", "server-restarts-200"])
def test_partial_file_from_an_earlier_run_is_completed(tmp_path, ranges):
    dest = tmp_path / "a.zip"
    dest.with_name("a.zip.part").write_bytes(DATA[:3000])
    with LocalServer({"/a.zip": DATA}, ranges=ranges) as server:
        download(server.url("/a.zip"), dest, DIGEST, progress=False)
    assert [r.range for r in server.requests] == ["bytes=3000-"]
    assert dest.read_bytes() == DATA


def test_partial_file_longer_than_the_remote_one_is_restarted(tmp_path):
    dest = tmp_path / "a.zip"
    dest.with_name("a.zip.part").write_bytes(DATA + b"junk")
    with LocalServer({"/a.zip": DATA}) as server:
        download(server.url("/a.zip"), dest, DIGEST, progress=False)
    assert [r.range for r in server.requests] == [f"bytes={len(DATA) + 4}-", None]  # 416, then whole
    assert dest.read_bytes() == DATA


def test_server_down_gives_one_line_naming_source_and_fallback(tmp_path):
    with LocalServer({}) as server:
        url = server.url("/a.zip")
    with pytest.raises(DownloadError) as err:
        download(url, tmp_path / "a.zip", source="kuzushiji49", progress=False, timeout=2)
    message = str(err.value)
    assert "\n" not in message
    assert "kuzushiji49" in message and url in message
    assert "set data.source back to embedded in params.yaml" in message
    assert not (tmp_path / "a.zip").exists()


def test_http_error_is_a_download_error(tmp_path):
    with LocalServer({}) as server, pytest.raises(DownloadError, match="HTTP 404"):
        download(server.url("/missing.zip"), tmp_path / "m.zip", source="hiragana73", progress=False)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://lab.ndl.go.jp/dataset/hiragana73.zip", "https://lab.ndl.go.jp/dataset/hiragana73.zip"),
        ("https://codh.rois.ac.jp/k49/", "https://codh.rois.ac.jp/k49/"),
        ("http://127.0.0.1:8000/a.zip", "http://127.0.0.1:8000/a.zip"),
        ("http://localhost/a.zip", "http://localhost/a.zip"),
        ("http://[::1]:81/a.zip", "http://[::1]:81/a.zip"),
    ],
)
def test_prefer_https_upgrades_all_but_loopback(url, expected):
    assert prefer_https(url) == expected


def test_non_http_schemes_are_refused(tmp_path):
    with pytest.raises(DownloadError, match="only http"):
        download("file:///etc/passwd", tmp_path / "x", progress=False)


@pytest.mark.parametrize("lengths", [True, False], ids=["announced", "unannounced"])
def test_a_download_past_the_size_cap_is_refused_and_removed(tmp_path, monkeypatch, lengths):
    """No Content-Length and an empty sha256: only the cap stops a server that keeps sending."""
    monkeypatch.setattr(limits, "MAX_DOWNLOAD_BYTES", 1000)
    dest = tmp_path / "big.zip"
    with LocalServer({"/big.zip": bytes(5000)}, lengths=lengths) as server:
        with pytest.raises(DownloadError, match=r"big\.zip: the server (announces 5,000|sent \d[\d,]*) bytes, "
                                                r"over the 1,000-byte limit"):
            download(server.url("/big.zip"), dest, "", progress=False, chunk=256)
        assert not dest.exists() and not dest.with_name("big.zip.part").exists()
    monkeypatch.setattr(limits, "MAX_DOWNLOAD_BYTES", 5000)
    with LocalServer({"/big.zip": bytes(5000)}, lengths=lengths) as server:
        download(server.url("/big.zip"), dest, "", progress=False)
    assert dest.stat().st_size == 5000
