"""kakite.acquire.sources: each real dataset's reader on a fixture in its real layout, and fetch_source offline."""

import hashlib
import io
from collections import Counter

import numpy as np
import pytest
import scipy.io
from PIL import Image

from kakite.acquire.sources import (
    ScanReport,
    fetch_source,
    iter_emnist_digits,
    iter_hiragana73,
    iter_kuzushiji49,
    iter_manifest_zip,
    iter_source,
)
from kakite.core.charset import HIRAGANA73
from kakite.core.errors import DataError, DownloadError, ParamsError
from tests.dataset_fixtures import (
    draw_digit,
    emnist_dataset,
    write_emnist_mat,
    write_emnist_matlab_zip,
    write_hiragana73_zip,
    write_k49,
    write_manifest_zip,
    write_zip,
)
from tests.http_server import LocalServer


@pytest.mark.parametrize("top_folder", [True, False])
def test_hiragana73_records(tmp_path, top_folder):
    path = write_hiragana73_zip(tmp_path / "hiragana73.zip", "あいう", per_class=2, top_folder=top_folder)
    report = ScanReport()
    records = list(iter_hiragana73(path, report=report))
    assert Counter(r.label for r in records) == {"あ": 2, "い": 2, "う": 2}
    assert {(r.domain, r.writer) for r in records} == {("typeset", "ndl")}
    prefix = "hiragana73/" if top_folder else ""
    assert records[0].file == records[0].group == f"{prefix}U3042/0000.png"
    image = Image.open(io.BytesIO(records[0].data))
    assert (image.size, image.mode) == ((48, 48), "RGB")
    assert report.records == 6


def test_hiragana73_empty_class_folder_is_reported(tmp_path):
    chars = HIRAGANA73.replace("ぽ", "")
    path = write_hiragana73_zip(tmp_path / "h.zip", chars, per_class=1, empty_class="ぽ")
    report = ScanReport()
    assert len(list(iter_hiragana73(path, report=report))) == 72
    assert report.empty_classes == ["ぽ"]


@pytest.mark.parametrize(
    ("folder", "why"), [("misc", "not a hiragana73 class folder"), ("U0041", "not one of the 73")]
)
def test_hiragana73_unknown_folder_fails_before_any_record(tmp_path, folder, why):
    path = write_hiragana73_zip(tmp_path / "h.zip", unknown_folder=folder)
    records = iter_hiragana73(path)
    with pytest.raises(DataError) as err:
        next(records)
    assert "h.zip" in str(err.value) and folder in str(err.value) and why in str(err.value)


def test_hiragana73_odd_members_pass_through_or_are_counted(tmp_path):
    path = write_hiragana73_zip(tmp_path / "h.zip", "あ", per_class=1, truncated=True, non_utf8_name=True)
    report = ScanReport()
    records = {r.file: r for r in iter_hiragana73(path, report=report)}
    odd_name = "hiragana73/U3042/" + "あ.png".encode("shift_jis").decode("cp437")
    assert report.non_utf8_names == [odd_name]
    assert records[odd_name].label == "あ"
    # Decoding, and refusing, a truncated PNG is kakite.core.images' job: the reader passes the bytes on.
    assert len(records["hiragana73/U3042/truncated.png"].data) == 60

    junk = write_zip(tmp_path / "junk.zip", [
        ("hiragana73/U3042/0000.png", b"png"), ("hiragana73/README.txt", b"readme"),
        ("__MACOSX/hiragana73/U3042/._0000.png", b"meta"), ("hiragana73/.DS_Store", b"meta"),
    ])
    report = ScanReport()
    assert [r.file for r in iter_hiragana73(junk, report=report)] == ["hiragana73/U3042/0000.png"]
    assert report.skipped == {"not a .png file": 1, "hidden or macOS metadata entry": 2}


def test_manifest_zip_records_follow_the_manifest(tmp_path):
    samples = [("あ", "strokes", "w01"), ("い", "typeset", "IPAGothic"), ("あ", "strokes", "w02")]
    rows = write_manifest_zip(tmp_path / "e.zip", tmp_path / "e.csv", samples)
    records = list(iter_manifest_zip(tmp_path / "e.zip", tmp_path / "e.csv"))
    fields = [{"file": r.file, "label": r.label, "domain": r.domain, "writer": r.writer, "group": r.group}
              for r in records]
    assert fields == rows
    assert all(Image.open(io.BytesIO(r.data)).size == (48, 48) for r in records)


def test_manifest_problems_name_the_file_and_line(tmp_path):
    samples = [("あ", "strokes", "w01"), ("い", "strokes", "w01")]
    rows = write_manifest_zip(tmp_path / "e.zip", tmp_path / "e.csv", samples)
    csv_path = tmp_path / "e.csv"
    text = csv_path.read_text(encoding="utf-8")

    csv_path.write_text(text.replace(rows[1]["file"], "U3044/missing.png"), encoding="utf-8")
    with pytest.raises(DataError, match=r"e\.csv:3: file 'U3044/missing.png' is not in"):
        list(iter_manifest_zip(tmp_path / "e.zip", csv_path))

    csv_path.write_text(text.replace("file,label", "path,label"), encoding="utf-8")
    with pytest.raises(DataError, match=r"e\.csv: header .* should be file,label,domain,writer,group"):
        list(iter_manifest_zip(tmp_path / "e.zip", csv_path))

    csv_path.write_text(text.replace(",い,", ",う,"), encoding="utf-8")
    with pytest.raises(DataError, match=r"e\.csv:3: label 'う' does not match"):
        list(iter_manifest_zip(tmp_path / "e.zip", csv_path))

    csv_path.write_text("\n".join(text.splitlines()[:2]) + "\n", encoding="utf-8")  # one member left unlisted
    report = ScanReport()
    assert len(list(iter_manifest_zip(tmp_path / "e.zip", csv_path, report=report))) == 1
    assert report.skipped == {"in the zip but not in the manifest": 1}


def test_emnist_digits_are_upright_dark_on_light_with_writers(tmp_path):
    path = write_emnist_mat(tmp_path / "emnist-digits.mat")
    records = list(iter_emnist_digits(path))
    assert [(r.label, r.writer, r.group) for r in records] == [
        ("7", "emnist11", "train/0"), ("1", "emnist11", "train/1"), ("4", "emnist12", "train/2"),
        ("7", "emnist13", "test/0"), ("0", "emnist12", "test/1"),
    ]
    assert {r.domain for r in records} == {"emnist"}
    for r in records:
        assert r.pixels.dtype == np.uint8 and r.pixels.shape == (28, 28)
        np.testing.assert_array_equal(r.pixels, 255 - draw_digit(r.label))
    seven = records[0].pixels < 128  # ink
    assert seven[0, 0] == 0  # light background
    assert seven[:14].sum() > seven[14:].sum()  # the 7's bar is at the top...
    assert seven[:, 14:].sum() > seven[:, :14].sum()  # ...and its stem on the right: upright, not transposed


def test_emnist_bad_layout_names_file_and_field(tmp_path):
    data = emnist_dataset()
    del data["dataset"]["test"]["writers"]
    scipy.io.savemat(tmp_path / "bad.mat", data)
    with pytest.raises(DataError, match=r"bad\.mat: struct has no field 'writers'"):
        list(iter_emnist_digits(tmp_path / "bad.mat"))
    scipy.io.savemat(tmp_path / "other.mat", {"images": np.zeros((2, 784), np.uint8)})
    with pytest.raises(DataError, match=r"other\.mat: no variable 'dataset'"):
        list(iter_emnist_digits(tmp_path / "other.mat"))
    (tmp_path / "text.mat").write_text("not matlab")
    with pytest.raises(DataError, match=r"text\.mat: not a readable MATLAB file"):
        list(iter_emnist_digits(tmp_path / "text.mat"))


def test_kuzushiji49_maps_classes_inverts_and_skips_the_iteration_mark(tmp_path):
    folder = write_k49(tmp_path / "k49", train_labels=[0, 1, 3, 2], test_labels=[3, 0])
    report = ScanReport()
    records = list(iter_kuzushiji49(folder, report=report))
    assert [(r.label, r.group) for r in records] == [("あ", "train/0"), ("い", "train/1"), ("う", "train/3"),
                                                    ("あ", "test/1")]
    assert {(r.domain, r.writer) for r in records} == {("kuzushiji", "k49")}
    with np.load(folder / "k49-train-imgs.npz") as data:
        np.testing.assert_array_equal(records[2].pixels, 255 - data["arr_0"][3])
    assert report.records == 4
    assert report.skipped == {"class ゝ (U+309D) is not a hiragana73 class": 2}


def test_kuzushiji49_bad_files_are_data_errors(tmp_path):
    folder = write_k49(tmp_path / "k49", train_labels=[0, 7], test_labels=[0])
    with pytest.raises(DataError, match=r"k49-train-labels\.npz: arr_0 holds labels outside 0..3"):
        list(iter_kuzushiji49(folder))
    write_k49(folder, train_labels=[0], test_labels=[0])
    np.savez(folder / "k49-test-imgs.npz", np.array([{"pickled": True}], dtype=object))
    with pytest.raises(DataError, match=r"k49-test-imgs\.npz: not a readable npz"):
        list(iter_kuzushiji49(folder))


def test_fetch_then_read_every_source_from_a_local_server(tmp_path):
    served = tmp_path / "served"
    (served / "dataset").mkdir(parents=True)
    write_hiragana73_zip(served / "dataset" / "hiragana73.zip")
    write_emnist_matlab_zip(served / "matlab.zip")
    write_k49(served / "k49", train_labels=[0, 1], test_labels=[2])
    k49_files = ["k49-train-imgs.npz", "k49-train-labels.npz", "k49-test-imgs.npz", "k49-test-labels.npz",
                 "k49_classmap.csv"]
    classmap_digest = hashlib.sha256((served / "k49" / "k49_classmap.csv").read_bytes()).hexdigest()
    raw = tmp_path / "raw"
    with LocalServer(served) as server:
        cfgs = {
            "hiragana73": {"url": server.url("/dataset/hiragana73.zip"), "sha256": ""},
            "emnist": {"url": server.url("/matlab.zip"), "member": "matlab/emnist-digits.mat", "sha256": ""},
            "kuzushiji49": {"url": server.url("/k49"), "files": k49_files,
                            "sha256": {"k49_classmap.csv": classmap_digest}},
        }
        digests = {}
        paths = {name: fetch_source(name, cfg, raw, progress=False, digests=digests)
                 for name, cfg in cfgs.items()}
    assert paths == {
        "hiragana73": [raw / "hiragana73" / "hiragana73.zip"],
        "emnist": [raw / "emnist" / "matlab" / "emnist-digits.mat"],
        "kuzushiji49": [raw / "kuzushiji49" / f for f in k49_files],
    }
    assert digests["k49_classmap.csv"] == classmap_digest
    assert digests["matlab.zip"] == hashlib.sha256((served / "matlab.zip").read_bytes()).hexdigest()
    counts = {name: Counter(r.label for r in iter_source(name, cfg, raw)) for name, cfg in cfgs.items()}
    assert counts == {
        "hiragana73": {"あ": 3, "い": 3, "う": 3},
        "emnist": {"7": 2, "1": 1, "4": 1, "0": 1},
        "kuzushiji49": {"あ": 1, "い": 1, "う": 1},
    }


def test_fetch_source_errors(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    write_emnist_matlab_zip(served / "matlab.zip")
    (served / "k49_classmap.csv").write_text("index,codepoint,char\n")
    with LocalServer(served) as server:
        with pytest.raises(DataError, match=r"matlab\.zip: no entry 'matlab/emnist-letters.mat'"):
            fetch_source("emnist", {"url": server.url("/matlab.zip"), "member": "matlab/emnist-letters.mat"},
                         tmp_path / "raw", progress=False)
        k49 = {"url": server.url("/"), "files": ["k49_classmap.csv"],
               "sha256": {"k49_classmap.csv": "ab" * 32}}
        with pytest.raises(DownloadError, match="sha256 mismatch"):
            fetch_source("kuzushiji49", k49, tmp_path / "raw", progress=False)
    with pytest.raises(ParamsError, match="unknown source 'mnist'"):
        fetch_source("mnist", {}, tmp_path / "raw")
