"""Atomic writes: an artefact appears complete under its final name, or not at all."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from kakite.core.atomic import atomic_path, load_npz, save_npz, write_bytes, write_json, write_text
from kakite.core.errors import DataError


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".tmp-"))


class Boom(Exception):
    pass


def test_write_json_is_sorted_with_trailing_newline_and_no_temp(tmp_path):
    final = tmp_path / "sub" / "m.json"  # the parent is created
    write_json(final, {"b": 1, "a": "あ"})
    text = final.read_text(encoding="utf-8")
    assert text == '{\n  "a": "あ",\n  "b": 1\n}\n'
    assert json.loads(text) == {"a": "あ", "b": 1}
    assert leftovers(final.parent) == []


def test_write_text_and_bytes_replace_existing_file(tmp_path):
    final = tmp_path / "f.txt"
    write_text(final, "old")
    write_bytes(final, b"new")
    assert final.read_bytes() == b"new"
    assert leftovers(tmp_path) == []


def test_save_and_load_npz_round_trip_without_temp(tmp_path):
    final = tmp_path / "d.npz"
    arrays = {"images": np.arange(12, dtype=np.uint8).reshape(3, 2, 2), "files": np.array(["a", "bé"])}
    save_npz(final, **arrays)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.npz"]  # no d.npz.npz, no .tmp-*
    loaded = load_npz(final)
    assert loaded.keys() == arrays.keys()
    for key, arr in arrays.items():
        np.testing.assert_array_equal(loaded[key], arr)
        assert loaded[key].dtype == arr.dtype


def test_exception_inside_leaves_neither_final_nor_temp(tmp_path):
    final = tmp_path / "out.bin"
    with pytest.raises(Boom), atomic_path(final) as tmp:
        tmp.write_bytes(b"half")
        assert tmp.parent == tmp_path and tmp.name.startswith(".tmp-out.bin-")
        raise Boom
    assert not final.exists()
    assert leftovers(tmp_path) == []


def test_failed_write_keeps_the_existing_final_file(tmp_path):
    final = tmp_path / "out.json"
    write_json(final, {"version": 1})
    with pytest.raises(Boom), atomic_path(final) as tmp:
        tmp.write_text("{ trunc")
        raise Boom
    assert json.loads(final.read_text()) == {"version": 1}
    assert leftovers(tmp_path) == []


def test_final_appears_only_when_the_block_ends(tmp_path):
    final = tmp_path / "late.txt"
    with atomic_path(final) as tmp:
        tmp.write_text("done")
        assert not final.exists()
    assert final.read_text() == "done"


def test_save_npz_refuses_object_arrays_and_writes_nothing(tmp_path):
    final = tmp_path / "bad.npz"
    ragged = np.empty(2, dtype=object)
    ragged[:] = [[1], [1, 2]]
    with pytest.raises(TypeError, match=r"'files'.*allow_pickle=False"):
        save_npz(final, images=np.zeros(2, np.uint8), files=ragged)
    assert list(tmp_path.iterdir()) == []


def test_load_npz_never_unpickles(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, ok=np.zeros(2), evil=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataError, match=r"pickled\.npz: not a readable npz without pickle \(.*allow_pickle=False"):
        load_npz(path)


def test_final_file_gets_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        write_text(tmp_path / "m.json", "{}")
    finally:
        os.umask(old)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o644
