"""Records -> arrays: bad files are reported, never dropped silently or raised."""

import io

import numpy as np
import pytest
from PIL import Image

from kakite.core.errors import KakiteError
from kakite.core.records import Record
from kakite.decode.dataset import FIELDS, GrayReport, collect, concat, select

CHARSET = "あいう"
SIZE = 8


def png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buf, format="PNG")
    return buf.getvalue()


def square(value: int, size: int = SIZE) -> np.ndarray:
    return np.full((size, size), value, np.uint8)


def record(file: str, label: str, *, data: bytes | None = None, pixels: np.ndarray | None = None) -> Record:
    return Record(file=file, label=label, domain="strokes", writer=f"w_{file}", group=f"g_{file}",
                  data=data, pixels=pixels)


def test_good_rows_kept_in_order_with_all_fields():
    report = GrayReport()
    data = collect([record("a.png", "う", data=png(square(10))), record("b", "あ", pixels=square(20)),
                    record("c.png", "い", data=png(square(30)))], CHARSET, SIZE, report)
    assert tuple(data) == FIELDS
    assert data["images"].shape == (3, SIZE, SIZE) and data["images"].dtype == np.uint8
    assert data["images"][:, 0, 0].tolist() == [10, 20, 30]
    assert data["labels"].tolist() == [2, 0, 1] and data["labels"].dtype == np.int16
    assert data["files"].tolist() == ["a.png", "b", "c.png"]
    assert data["writers"].tolist() == ["w_a.png", "w_b", "w_c.png"]
    assert data["groups"].tolist() == ["g_a.png", "g_b", "g_c.png"]
    assert data["domains"].tolist() == ["strokes"] * 3
    assert all(data[name].dtype.kind == "U" for name in FIELDS[2:])  # loads without pickle
    assert report.failed == [] and report.resized == []


def test_bad_records_are_reported_not_raised():
    report = GrayReport()
    records = [
        record("ok1.png", "あ", data=png(square(0))),
        record("corrupt.png", "い", data=png(square(0))[:30]),
        record("empty.png", "い", data=b""),
        record("katakana.png", "ア", data=png(square(0))),
        record("ok2.png", "う", data=png(square(255))),
    ]
    data = collect(records, CHARSET, SIZE, report)
    assert data["files"].tolist() == ["ok1.png", "ok2.png"]
    assert [f for f, _ in report.failed] == ["corrupt.png", "empty.png", "katakana.png"]
    reasons = dict(report.failed)
    assert not reasons["corrupt.png"].startswith("corrupt.png")  # the file is named once, in its column
    assert reasons["empty.png"] == "empty file"
    assert "unknown class 'ア'" in reasons["katakana.png"]


def test_mis_sized_image_is_resized_and_listed():
    report = GrayReport()
    wide = np.zeros((SIZE, 2 * SIZE), np.uint8)
    wide[:, SIZE:] = 200  # left half black, right half light
    data = collect([record("wide.png", "あ", data=png(wide)), record("ok", "い", pixels=square(7))],
                   CHARSET, SIZE, report)
    assert report.resized == [("wide.png", f"{2 * SIZE}x{SIZE}")]
    assert data["images"].shape == (2, SIZE, SIZE)
    resized = data["images"][0]
    assert (resized[:, : SIZE // 2] == 0).all() and (resized[:, SIZE // 2 :] == 200).all()
    assert report.failed == []


def test_no_usable_image_raises():
    report = GrayReport()
    with pytest.raises(KakiteError, match="no usable image"):
        collect([record("bad.png", "あ", data=b"not an image")], CHARSET, SIZE, report)
    assert [f for f, _ in report.failed] == ["bad.png"]


def test_multi_char_label_is_reported():
    report = GrayReport()
    collect([record("ok", "あ", pixels=square(0)), record("two.png", "xy", pixels=square(0))],
            CHARSET, SIZE, report)
    assert [f for f, _ in report.failed] == ["two.png"]


def test_concat_and_select():
    report = GrayReport()
    a = collect([record("a", "あ", pixels=square(1)), record("b", "い", pixels=square(2))],
                CHARSET, SIZE, report)
    b = collect([record("c", "う", pixels=square(3))], CHARSET, SIZE, report)
    both = concat([a, b])
    assert both["files"].tolist() == ["a", "b", "c"] and both["labels"].tolist() == [0, 1, 2]
    picked = select(both, both["labels"] != 1)
    assert picked["files"].tolist() == ["a", "c"]
    assert picked["images"][:, 0, 0].tolist() == [1, 3]
