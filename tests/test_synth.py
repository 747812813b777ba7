"""The embedded data: deterministic, worker-count independent, laid out like hiragana73.zip."""

import csv
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from kakite.acquire import synth
from kakite.acquire.fonts import resolve_font
from kakite.acquire.sources import ScanReport, iter_manifest_zip
from kakite.core.charset import HIRAGANA73
from kakite.core.errors import DataError
from kakite.core.images import decode_gray
from kakite.core.params import load_params
from kakite.core.records import HELDOUT, HIRAGANA_SIZE, MANIFEST_COLUMNS, UNGROUPED
from tests.conftest import PARAMS

CHARS = "あい"
ABSENT_CJK = "\U0002a6d6"  # a CJK Extension B ideograph no Japanese font has


def font(family: str) -> str:
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig (fc-list) is not installed")
    try:
        return str(resolve_font(family))
    except DataError:
        pytest.skip(f"font family {family!r} is not installed (see DEB_PACKAGES in the Makefile)")


@pytest.fixture(scope="module")
def style() -> dict:
    return load_params("fetch", path=PARAMS).style.model_dump()


def recipe(style: dict, seed: int = 7, charset: str = CHARS) -> synth.RenderPlan:
    return synth.RenderPlan(seed, charset, HIRAGANA_SIZE, 1, style, 0.35, "hiragana73")


@pytest.fixture(scope="module")
def jobs(style) -> list[tuple[synth.Job, synth.RenderPlan]]:
    """Two stroke writers, one typeset font and one handwriting font: 8 images."""
    r = recipe(style)
    return [
        (synth.Job("strokes", 0, "w000"), r),
        (synth.Job("strokes", 1, "w001"), r),
        (synth.Job("typeset", 0, "IPAGothic", font("IPAGothic")), r),
        (synth.Job("handwriting_font", 0, "YOzN", font("YOzN")), r),
    ]


def manifest_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == MANIFEST_COLUMNS
        return list(reader)


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_render_job_is_deterministic(jobs, index):
    job, r = jobs[index]
    assert synth.render_job(job, r) == synth.render_job(job, r)


def test_render_job_depends_on_seed_and_index(jobs, style):
    def pngs(job, r):
        return [png for _, png, _ in synth.render_job(job, r)]

    base = pngs(*jobs[0])
    assert pngs(jobs[0][0], recipe(style, seed=8)) != base
    assert pngs(jobs[1][0], jobs[0][1]) != base  # another writer writes differently
    # A typeset job with the same index as a stroke writer draws from another RNG stream.
    typeset = pngs(*jobs[2])
    assert pngs(jobs[2][0], recipe(style, seed=8)) != typeset


def test_render_job_output(jobs):
    out = synth.render_job(*jobs[0])
    assert [member for member, _, _ in out] == ["hiragana73/U3042/strokes_w000_00.png",
                                                "hiragana73/U3044/strokes_w000_00.png"]
    for member, png, row in out:
        pixels = decode_gray(png, member)
        assert pixels.shape == (HIRAGANA_SIZE, HIRAGANA_SIZE) and pixels.dtype == np.uint8
        assert pixels.min() < 128 < pixels.max()  # dark ink on light paper
        assert row[0] == member and len(row) == len(MANIFEST_COLUMNS)


def test_font_without_the_glyph_is_skipped(style):
    job = synth.Job("typeset", 0, "IPAGothic", font("IPAGothic"))
    out = synth.render_job(job, recipe(style, charset="あ" + ABSENT_CJK))
    assert [row[1] for _, _, row in out] == ["あ"]


def test_font_names_with_spaces_become_underscores(style):
    job = synth.Job("typeset", 0, "Noto Sans CJK JP", font("Noto Sans CJK JP"))
    members = [member for member, _, _ in synth.render_job(job, recipe(style, charset="あ"))]
    assert members == ["hiragana73/U3042/typeset_Noto_Sans_CJK_JP_00.png"]


@pytest.fixture(scope="module")
def written(jobs, tmp_path_factory) -> dict[int, tuple[Path, Path, int]]:
    out = {}
    for workers in (1, 2):
        root = tmp_path_factory.mktemp(f"workers{workers}")
        zip_path, manifest = root / "raw" / "hiragana.zip", root / "raw" / "hiragana_manifest.csv"
        out[workers] = zip_path, manifest, synth.write_dataset(jobs, zip_path, manifest, workers)
    return out


def test_output_is_independent_of_worker_count(written):
    (zip1, man1, n1), (zip2, man2, n2) = written[1], written[2]
    assert n1 == n2 == 8
    assert zip1.read_bytes() == zip2.read_bytes()
    assert man1.read_bytes() == man2.read_bytes()
    assert sorted(p.name for p in zip1.parent.iterdir()) == ["hiragana.zip", "hiragana_manifest.csv"]


def test_zip_layout_and_fixed_timestamps(written):
    zip_path, manifest, _ = written[1]
    with zipfile.ZipFile(zip_path) as zf:
        infos = zf.infolist()
        names = [info.filename for info in infos]
        assert {info.date_time for info in infos} == {(2018, 12, 1, 0, 0, 0)}
        assert all(info.compress_type == zipfile.ZIP_STORED for info in infos)  # PNG is compressed already
        assert all(zf.read(name).startswith(b"\x89PNG") for name in names)
    assert {name.split("/")[0] for name in names} == {"hiragana73"}
    assert {name.split("/")[1] for name in names} == {"U3042", "U3044"}
    assert names == [row["file"] for row in manifest_rows(manifest)]


def test_manifest_labels_domains_and_groups(written):
    rows = manifest_rows(written[1][1])
    got = [(r["label"], r["domain"], r["writer"], r["group"]) for r in rows]
    assert got == [
        ("あ", "strokes", "w000", "w000"), ("い", "strokes", "w000", "w000"),
        ("あ", "strokes", "w001", "w001"), ("い", "strokes", "w001", "w001"),
        ("あ", "typeset", "IPAGothic", UNGROUPED), ("い", "typeset", "IPAGothic", UNGROUPED),
        ("あ", "handwriting_font", "YOzN", HELDOUT), ("い", "handwriting_font", "YOzN", HELDOUT),
    ]
    assert (UNGROUPED, HELDOUT) == ("none", "heldout")


def test_written_dataset_reads_back_as_records(written):
    zip_path, manifest, _ = written[1]
    report = ScanReport()
    records = list(iter_manifest_zip(zip_path, manifest, report=report))
    assert [r.file for r in records] == [row["file"] for row in manifest_rows(manifest)]
    assert {decode_gray(r.data, r.file).shape for r in records} == {(48, 48)}
    assert report.empty_classes == [] and report.skipped == {}


def test_digit_writers_are_stroke_rows_grouped_by_writer():
    cfg = load_params("fetch", path=PARAMS)
    jobs = synth.digit_jobs(cfg)
    assert len(jobs) == cfg.digits.writers
    job, r = jobs[3]
    assert (job.domain, job.name, r.size, r.prefix) == ("digits", "d003", 28, "digits")
    assert r.charset == "0123456789"
    small = synth.RenderPlan(r.seed, "7", r.size, 1, r.style, r.sample_noise, r.prefix)
    [(member, _, row)] = synth.render_job(job, small)
    assert member == "digits/U0037/digits_d003_00.png"
    assert row == (member, "7", "strokes", "d003", "d003")


def test_hiragana_jobs_order_and_heldout_switch():
    cfg = load_params("fetch", path=PARAMS)
    for family in ("IPAGothic", "YOzN"):
        font(family)  # skips when missing
    hira = cfg.hiragana.model_copy(update={"writers": 3, "typeset_fonts": ["IPAGothic"],
                                           "handwriting_fonts": ["YOzN"], "handwriting_variants": 2})
    jobs = synth.hiragana_jobs(cfg.model_copy(update={"hiragana": hira}))
    assert [(j.domain, j.index, j.name) for j, _ in jobs] == [
        ("strokes", 0, "w000"), ("strokes", 1, "w001"), ("strokes", 2, "w002"),
        ("typeset", 0, "IPAGothic"), ("handwriting_font", 0, "YOzN"),
    ]
    samples = [r.samples for _, r in jobs]
    assert samples == [cfg.hiragana.samples_per_writer] * 3 + [cfg.hiragana.typeset_variants, 2]
    assert {(r.charset, r.size, r.prefix) for _, r in jobs} == {(HIRAGANA73, 48, "hiragana73")}
    none = cfg.model_copy(update={"hiragana": hira.model_copy(update={"handwriting_variants": 0})})
    assert [j.domain for j, _ in synth.hiragana_jobs(none)][-1] == "typeset"
