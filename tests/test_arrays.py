"""Array files declare their sizes before their data: the loaders check the declarations first."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from kakite.acquire.arrays import load_mat, load_npz_array
from kakite.acquire.sources import iter_kuzushiji49
from kakite.core import limits
from kakite.core.errors import DataError
from tests.dataset_fixtures import write_emnist_mat, write_k49
from tests.memory import peak_rss_growth


def npz_declaring(path: Path, shape: tuple[int, ...], data: bytes) -> Path:
    """An npz whose arr_0.npy header declares `shape` (uint8) but holds only `data`."""
    npy = io.BytesIO()
    np.lib.format.write_array_header_1_0(npy, {"descr": "|u1", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("arr_0.npy", npy.getvalue() + data)
    return path


def test_a_3_mb_npz_declaring_3_gib_is_refused_before_allocating(tmp_path: Path) -> None:
    folder = write_k49(tmp_path / "k49", train_labels=[0], test_labels=[0])
    npz_declaring(folder / "k49-train-imgs.npz", (3 << 30,), np.random.default_rng(0).bytes(3 << 20))
    with peak_rss_growth() as growth, pytest.raises(DataError) as excinfo:
        list(iter_kuzushiji49(folder))
    message = str(excinfo.value)
    assert "k49-train-imgs.npz: arr_0 declares uint8 (3221225472,)" in message and "\n" not in message
    assert growth[0] < 100


def test_an_npz_declaring_more_than_it_holds_is_refused(tmp_path: Path) -> None:
    path = npz_declaring(tmp_path / "short.npz", (1000, 28, 28), bytes(100))
    with pytest.raises(DataError, match=r"short\.npz: arr_0 declares 784,000 bytes of data but holds 100$"):
        load_npz_array(path)


def test_an_honest_npz_loads(tmp_path: Path) -> None:
    np.savez_compressed(tmp_path / "ok.npz", np.arange(12, dtype=np.uint8).reshape(3, 4))
    np.testing.assert_array_equal(load_npz_array(tmp_path / "ok.npz"), np.arange(12).reshape(3, 4))


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04garbage", b"\x93NUMPY not a zip"])
def test_unreadable_npz_is_a_data_error(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "bad.npz").write_bytes(content)
    with pytest.raises(DataError, match=r"bad\.npz: "):
        load_npz_array(tmp_path / "bad.npz")


def test_a_mat_file_inflating_past_the_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A compressed variable is inflated a chunk at a time and counted, never held, before scipy reads it."""
    path = write_emnist_mat(tmp_path / "emnist-digits.mat")
    assert load_mat(path)["dataset"].size == 1
    monkeypatch.setattr(limits, "MAX_ARRAY_BYTES", 1000)
    with pytest.raises(DataError, match=r"emnist-digits\.mat: variables hold over 1,000 bytes once inflated$"):
        load_mat(path)


def test_a_mat_variable_declaring_bytes_past_the_end_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "liar.mat"
    scipy.io.savemat(path, {"x": np.zeros(10)})
    data = bytearray(path.read_bytes())
    data[132:136] = struct.pack("<I", 3 << 30)  # the first variable's byte count
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"liar\.mat: a variable declares 3,221,225,472 bytes, past the end"):
        load_mat(path)
