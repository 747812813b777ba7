"""kakite.acquire.archive: unsafe or damaged zips are refused with a DataError naming archive and entry."""

import stat
import struct
import zipfile

import pytest

from kakite.acquire.archive import extract_member, open_zip, read_member, safe_members
from kakite.core.errors import DataError
from tests.dataset_fixtures import write_zip


def _declare_size(path, size):
    """Make the (single) central-directory entry of a zip claim another uncompressed size."""
    raw = bytearray(path.read_bytes())
    at = raw.index(b"PK\x01\x02") + 24
    raw[at : at + 4] = struct.pack("<I", size)
    path.write_bytes(bytes(raw))


def test_corrupt_truncated_and_missing_zips_are_data_errors(tmp_path):
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"this is not a zip archive at all" * 10)
    whole = write_zip(tmp_path / "whole.zip", [("a.txt", b"x" * 1000)])
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(whole.read_bytes()[:-30])
    for path in (garbage, truncated, tmp_path / "missing.zip"):
        with pytest.raises(DataError, match=path.name):
            open_zip(path)


@pytest.mark.parametrize(
    "name",
    ["../evil.png", "a/../../evil.png", "/etc/evil", "a\\..\\..\\evil.png", "C:/evil.png", "//host/share/x"],
)
def test_path_escapes_are_refused(tmp_path, name):
    path = write_zip(tmp_path / "slip.zip", [("ok/fine.png", b"png"), (name, b"evil")])
    with open_zip(path) as zf, pytest.raises(DataError) as err:
        safe_members(zf)
    assert "slip.zip" in str(err.value) and repr(name) in str(err.value)


def test_symlink_entries_are_refused(tmp_path):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("hiragana73/U3042/link.png")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with open_zip(path) as zf, pytest.raises(DataError, match="symbolic link"):
        safe_members(zf)


def test_high_compression_ratio_is_refused_but_small_regular_files_pass(tmp_path):
    bomb = write_zip(tmp_path / "bomb.zip", [("zeros.bin", bytes(2 << 20))])
    with open_zip(bomb) as zf, pytest.raises(DataError, match=r"'zeros.bin'.*compression ratio"):
        safe_members(zf)
    small = write_zip(tmp_path / "small.zip", [("blank.bin", bytes(100_000)), ("dir", None)])
    with open_zip(small) as zf:
        assert [info.filename for info in safe_members(zf)] == ["blank.bin"]  # directories left out


def test_huge_declared_size_is_refused_before_inflating(tmp_path):
    path = write_zip(tmp_path / "liar.zip", [("big.mat", b"tiny")])
    _declare_size(path, 0xF000_0000)
    with open_zip(path) as zf, pytest.raises(DataError, match="zip bomb"):
        safe_members(zf)


def test_total_size_and_member_count_limits(tmp_path):
    path = write_zip(tmp_path / "many.zip", [(f"f{i}.png", bytes(range(200))) for i in range(5)])
    with open_zip(path) as zf:
        with pytest.raises(DataError, match=r"'f2.png'.*add up to more than 500"):
            safe_members(zf, max_total_bytes=500)
        with pytest.raises(DataError, match="more than the limit of 4"):
            safe_members(zf, max_members=4)
        assert len(safe_members(zf, max_total_bytes=1000, max_members=5)) == 5


def test_read_member_caps_bytes_even_when_the_header_lies(tmp_path):
    path = write_zip(tmp_path / "a.zip", [("a.png", bytes(range(256)) * 20)])
    with open_zip(path) as zf:
        (info,) = safe_members(zf)
        assert read_member(zf, info, 5120) == bytes(range(256)) * 20
        with pytest.raises(DataError, match=r"'a\.png' is larger than 1000 bytes"):
            read_member(zf, info, 1000)
    _declare_size(path, 100)  # the header now claims 100 bytes: reading stops there and the CRC fails
    with open_zip(path) as zf, pytest.raises(DataError, match=r"a\.zip: entry 'a.png' cannot be read"):
        read_member(zf, zf.getinfo("a.png"), 1000)


def test_damaged_member_data_is_a_data_error(tmp_path):
    path = tmp_path / "crc.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.png", b"A" * 64)
    path.write_bytes(path.read_bytes().replace(b"A" * 64, b"A" * 63 + b"B"))
    with open_zip(path) as zf, pytest.raises(DataError, match=r"entry 'a\.png' cannot be read"):
        read_member(zf, zf.getinfo("a.png"), 1000)


def test_extract_member_writes_only_inside_dest(tmp_path):
    entries = [("matlab", None), ("matlab/emnist-digits.mat", b"MATLAB" * 100)]
    path = write_zip(tmp_path / "matlab.zip", entries)
    out = tmp_path / "out"
    with open_zip(path) as zf:
        (info,) = safe_members(zf)
        target = extract_member(zf, info, out)
    assert target == out / "matlab" / "emnist-digits.mat"
    assert target.read_bytes() == b"MATLAB" * 100
    assert [p.name for p in target.parent.iterdir()] == ["emnist-digits.mat"]  # no temp file left


def test_extract_member_checks_the_name_itself(tmp_path):
    path = write_zip(tmp_path / "slip.zip", [("../escaped.txt", b"x")])
    with open_zip(path) as zf, pytest.raises(DataError, match=r"'\.\.' component"):
        extract_member(zf, zf.infolist()[0], tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()
