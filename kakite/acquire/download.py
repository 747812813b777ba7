"""Resumable, verified downloads of the real datasets (stdlib urllib only).

A download grows in `<dest>.part`; only a complete file whose sha256 matches is renamed to `dest`, so
nothing half-written ever sits under the final name. An interrupted transfer resumes with an HTTP Range
request, both within one call (while each attempt makes progress) and on the next run.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tqdm import tqdm

from kakite import __version__
from kakite.core import limits
from kakite.core.errors import DownloadError

FALLBACK_HINT = "set data.source back to embedded in params.yaml"
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def prefer_https(url: str) -> str:
    """http:// becomes https:// except for loopback hosts (local mirrors, tests); other schemes are refused.

    Every dataset host kakite knows serves HTTPS, and with `sha256: ""` (trust on first use) the transport
    is the only integrity check the first download gets.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise DownloadError(f"{url}: only http(s) URLs can be downloaded")
    if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
        return urllib.parse.urlunsplit(parts._replace(scheme="https"))
    return url


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _HttpsRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Apply prefer_https to redirect targets too, so a redirect cannot downgrade the transfer."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return super().redirect_request(req, fp, code, msg, headers, prefer_https(newurl))


_OPENER = urllib.request.build_opener(_HttpsRedirectHandler)


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def download(
    url: str,
    dest: Path,
    sha256: str = "",
    *,
    source: str = "",
    progress: bool = True,
    chunk: int = 1 << 20,
    timeout: float = 30.0,
    retries: int = 3,
) -> str:
    """Fetch url to dest and return its sha256 hex digest.

    Skips the transfer when dest already exists and matches sha256 (or no sha256 is given); an existing
    dest that does not match is moved aside and fetched again. A download that does not match is moved
    to `<dest>.bad-<digest[:12]>` (kept for inspection, never read) and DownloadError is raised.
    `retries` bounds the extra attempts after a cut connection; an attempt that received nothing
    (refused, DNS, timeout) fails at once with a one-line error that says how to fall back.
    No file grows past `limits.MAX_DOWNLOAD_BYTES`, announced or not: with no Content-Length and no
    sha256, nothing else would stop a server that never ends its answer.
    """
    dest = Path(dest)
    expected = sha256.strip().lower()
    name = source or dest.name
    url = prefer_https(url)
    if dest.exists():
        digest = file_sha256(dest)
        if not expected or digest == expected:
            return digest
        _set_aside(dest, digest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    for _ in range(retries + 1):
        before = part.stat().st_size if part.exists() else 0
        try:
            if _fetch_into(url, part, progress=progress, chunk=chunk, timeout=timeout):
                break
        except (OSError, http.client.HTTPException) as err:
            if (part.stat().st_size if part.exists() else 0) <= before:
                raise DownloadError(_network_message(name, url, err)) from None
    else:
        raise DownloadError(f"{name}: {url}: connection kept dropping after {retries} resumes; "
                            f"run again to resume, or {FALLBACK_HINT}")
    digest = file_sha256(part)
    if expected and digest != expected:
        bad = _set_aside(part, digest, dest)
        raise DownloadError(f"{name}: {url}: sha256 mismatch: expected {expected}, got {digest} "
                            f"(kept aside as {bad.name})")
    os.replace(part, dest)
    return digest


def _fetch_into(url: str, part: Path, *, progress: bool, chunk: int, timeout: float) -> bool:
    """One HTTP attempt, appending to part; True when the body arrived complete.

    Resumes with `Range: bytes=N-` when part holds N bytes. A 206 answer is appended; a 200 answer (server
    ignores ranges) restarts from zero; 416 means the part is stale, so it is dropped and retried whole.
    """
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": f"kakite/{__version__}"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = _OPENER.open(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:
            part.unlink()
            return False
        raise
    with response:
        if response.status == 206:
            start, total = _parse_content_range(response.headers.get("Content-Range", ""))
            if start != offset:  # the server resumed elsewhere: do not stitch mismatched bytes
                part.unlink()
                return False
        else:
            offset, total = 0, _content_length(response)
        if total is not None and total > limits.MAX_DOWNLOAD_BYTES:
            raise _too_large(url, part, f"announces {total:,} bytes")
        with open(part, "ab" if offset else "wb") as out, tqdm(
            total=total, initial=offset, unit="B", unit_scale=True, desc=part.name.removesuffix(".part"),
            file=sys.stderr, disable=not progress, leave=False,
        ) as bar:
            while block := response.read(chunk):
                offset += len(block)
                if offset > limits.MAX_DOWNLOAD_BYTES:
                    raise _too_large(url, part, f"sent {offset:,} bytes")
                out.write(block)
                bar.update(len(block))
    # http.client returns a short body silently when the peer closes early; the length tells (without
    # a length, only the sha256 check can).
    return total is None or part.stat().st_size == total


def _too_large(url: str, part: Path, what: str) -> DownloadError:
    part.unlink(missing_ok=True)
    return DownloadError(f"{url}: the server {what}, over the {limits.MAX_DOWNLOAD_BYTES:,}-byte limit "
                         f"for one download (kakite/core/limits.py)")


def _parse_content_range(value: str) -> tuple[int, int | None]:
    match = _CONTENT_RANGE.fullmatch(value.strip())
    if not match:
        raise http.client.HTTPException(f"206 answer with unreadable Content-Range {value!r}")
    total = match.group(3)
    return int(match.group(1)), None if total == "*" else int(total)


def _content_length(response) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


def _set_aside(path: Path, digest: str, dest: Path | None = None) -> Path:
    """Move a file that failed verification to `<dest>.bad-<digest[:12]>` and return that path."""
    dest = dest or path
    bad = dest.with_name(f"{dest.name}.bad-{digest[:12]}")
    os.replace(path, bad)
    return bad


def _network_message(name: str, url: str, err: BaseException) -> str:
    if isinstance(err, urllib.error.HTTPError):
        reason = f"HTTP {err.code} {err.reason}"
    elif isinstance(err, urllib.error.URLError):
        reason = err.reason
    else:
        reason = err
    text = " ".join(str(reason).split()) or type(reason).__name__
    return f"cannot download {name} from {url}: {text}; without network access, {FALLBACK_HINT}"
