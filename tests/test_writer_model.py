"""Handwritten letterforms, cursive joins, pens and voicing marks in the writer model, and their plots."""

import dataclasses

import numpy as np
import pytest
import yaml

from kakite.acquire import cursive, diacritics, letterforms, pens, synth
from kakite.acquire.kanjivg import load_strokes
from kakite.acquire.strokes import _char_habits, rasterize, sample_writer, write_char
from kakite.core import plots
from kakite.core.errors import ParamsError
from kakite.core.params import load_all, load_params
from tests.conftest import PARAMS

VARIANT_KANA = "きさそふりやゆらちをてとるむなおれわまはほよ"


@pytest.fixture(scope="module")
def ranges() -> dict:
    return yaml.safe_load(PARAMS.read_text(encoding="utf-8"))["fetch"]["style"]


def writer(ranges: dict, seed: int = 0, **overrides):
    """One writer drawn from ranges with some keys pinned (a pen, a rate forced to 0 or 1)."""
    return sample_writer(np.random.default_rng(seed), {**ranges, **overrides})


def only(kind: str) -> dict:
    return {k: float(k == kind) for k in pens.PENS}


@pytest.mark.parametrize("char", list(VARIANT_KANA))
def test_variants_parse_inside_the_box(char):
    forms = letterforms.forms(char)
    assert len(forms) >= 2  # KanjiVG's plus at least one handwritten variant
    for form in forms:
        assert form and all(s.ndim == 2 and len(s) >= 2 for s in form)
        assert min(s.min() for s in form) >= 0.0 and max(s.max() for s in form) <= 1.0
        image = rasterize([np.column_stack([s, np.full(len(s), 0.06)]) for s in form], 48)
        assert (image < 128).sum() > 30


def test_stroke_counts_of_named_variants():
    counts = {char: sorted(len(f) for f in letterforms.forms(char)[1:]) for char in "そりふき"}
    assert counts == {"そ": [1, 2], "り": [1], "ふ": [2, 3], "き": [2, 3]}


@pytest.mark.parametrize(("voiced", "base", "marks"),
                         [("ぎ", "き", 2), ("ぞ", "そ", 2), ("ぷ", "ふ", 1), ("ぢ", "ち", 2)])
def test_voiced_variants_are_the_base_variant_plus_own_marks(voiced, base, marks):
    assert letterforms.diacritic_strokes(voiced) == marks
    own_marks = load_strokes(voiced)[-marks:]
    assert len(letterforms.forms(voiced)) == len(letterforms.forms(base))
    for v_form, b_form in zip(letterforms.forms(voiced)[1:], letterforms.forms(base)[1:], strict=True):
        assert len(v_form) == len(b_form) + marks
        for got, want in zip(v_form, (*b_form, *own_marks), strict=True):
            np.testing.assert_array_equal(got, want)


def test_unvoiced_and_variantless_kana_have_only_kanjivg():
    assert letterforms.diacritic_strokes("あ") == 0
    assert len(letterforms.forms("あ")) == 1


def test_every_variant_cites_a_listed_source():
    raw = yaml.safe_load(letterforms.DATA.read_text(encoding="utf-8"))
    for variants in raw["variants"].values():
        for v in variants:
            assert v["source"] in raw["sources"] and v["name"]


def test_variant_habit_is_persistent_and_follows_the_rate(ranges):
    ball = only("ballpoint")  # one piece per stroke (a dry brush would split some)
    always = writer(ranges, variant_rate=[1.0, 1.0], pens=ball)
    never = writer(ranges, variant_rate=[0.0, 0.0], pens=ball)
    for char in VARIANT_KANA:
        assert _char_habits(always, char)[0] >= 1 and _char_habits(never, char)[0] == 0
    assert _char_habits(always, "ぎ")[0] == _char_habits(always, "き")[0]  # ぎ written like his き
    counts = {len(write_char("り", always, np.random.default_rng(k), 1.0)) for k in range(5)}
    assert counts == {1}  # every sample in his one-stroke り


def test_writer_habits_are_deterministic(ranges):
    assert writer(ranges, 7) == writer(ranges, 7)
    a = write_char("を", writer(ranges, 7), np.random.default_rng(3), 0.35)
    b = write_char("を", writer(ranges, 7), np.random.default_rng(3), 0.35)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("kind", pens.PENS)
def test_each_pen_renders_inside_the_box(ranges, kind):
    style = writer(ranges, 3, pens=only(kind))
    assert style.pen.kind == kind
    for char in "あぱゆ":
        strokes = write_char(char, style, np.random.default_rng(0), 0.35)
        pts = np.vstack(strokes)
        assert (pts[:, :2] - pts[:, 2:] / 2).min() >= 0 and (pts[:, :2] + pts[:, 2:] / 2).max() <= 1
        assert (rasterize(strokes, 48) < 128).sum() > 40


def test_marker_is_thick_and_brush_varies_along_the_stroke(ranges):
    def widths(kind: str) -> np.ndarray:
        style = dataclasses.replace(writer(ranges, 5, pens=only(kind)), pen_width=0.07)
        return np.concatenate([s[:, 2] for s in write_char("し", style, np.random.default_rng(0), 0.0)])

    ball, marker, brush = widths("ballpoint"), widths("marker"), widths("brush")
    assert marker.std() / marker.mean() < ball.std() / ball.mean()  # even, round
    assert brush.std() / brush.mean() > marker.std() / marker.mean()  # pressed, swelling, tapering


def test_dry_brush_splits_a_long_stroke_into_streaks():
    habit = pens.PenHabit("brush", 0.3, 0.1, 0.0, hook_rate=0.0, taper_rate=0.0, dryness=1.0)
    xy = np.column_stack([np.full(60, 0.5), np.linspace(0.1, 0.9, 60)])
    pieces = pens.ink(xy, np.ones(60), 0.08, habit, np.random.default_rng(0))
    assert len(pieces) == 1 + 3 and all(p.shape[1] == 3 for p in pieces)


def test_pen_down_join_merges_and_hairline_adds_a_thin_link():
    a = np.column_stack([np.linspace(0.2, 0.4, 10), np.full(10, 0.3)])
    b = np.column_stack([np.linspace(0.2, 0.4, 10), np.full(10, 0.6)])
    merged = cursive.join([a, b], np.array([True]), 0.9, np.zeros(1))
    assert len(merged) == 1 and len(merged[0][0]) > 20
    hair = cursive.join([a, b], np.array([True]), 0.3, np.zeros(1))
    assert len(hair) == 3 and hair[1][1].max() < 0.3
    far = np.column_stack([np.linspace(0.2, 0.4, 10), np.full(10, 0.99)])
    assert len(cursive.join([a, far + np.array([0.5, 0.0])], np.array([True]), 0.9, np.zeros(1))) == 2  # gap too long


def test_join_habit_links_strokes(ranges):
    joiner = writer(ranges, 2, join_rate=[1.0, 1.0], join_ink=[1.0, 1.0], variant_rate=[0.0, 0.0],
                    pens=only("ballpoint"))
    assert len(write_char("け", joiner, np.random.default_rng(0), 0.35)) < len(load_strokes("け"))


@pytest.mark.parametrize(("style", "char", "count"),
                         [("ticks", "ば", 2), ("joined", "ば", 1), ("dots", "ば", 2), ("blob", "ば", 1),
                          ("closed", "ぱ", 1), ("open", "ぱ", 1), ("small", "ぱ", 1)])
def test_mark_styles(style, char, count):
    mark = letterforms.split_voiced(char)[1]
    habit = diacritics.MarkHabit(dakuten=style, handakuten=style, size=1.0, shift=(0.0, 0.0))
    kanjivg = load_strokes(char)
    n = letterforms.diacritic_strokes(char)
    out = diacritics.restyle(list(kanjivg), n, mark, habit, np.random.default_rng(0), 0.0)
    marks = out[len(kanjivg) - n:]
    assert len(marks) == count
    extent = np.ptp(np.vstack(marks), axis=0).max()
    if style in ("blob", "small"):
        assert extent < np.ptp(np.vstack(kanjivg[-n:]), axis=0).max()
    if style == "open":
        assert len(marks[0]) < len(kanjivg[-1])


def test_marks_are_pushed_clear_of_the_body():
    body = [np.array([[0.2, 0.2], [0.7, 0.2]])]
    marks = [np.array([[0.6, 0.15], [0.65, 0.25]])]
    (moved,) = diacritics.keep_clear(body, marks, 0.05)
    assert moved[:, 0].min() == pytest.approx(0.75)


def test_pen_weights_must_not_all_be_zero(params_with):
    path = params_with({"fetch.style.pens": {"ballpoint": 0.0, "marker": 0.0, "brush": 0.0}})
    with pytest.raises(ParamsError, match=r"fetch\.style\.pens"):
        load_all(path)


def test_writer_sheet_plot_is_written(tmp_path):
    sheet = synth.writer_sheet(load_params("fetch", path=PARAMS), writers_per_pen=1)
    assert list(sheet) == list(pens.PENS)
    images, captions = sheet["brush"]
    assert images.shape == (len(synth.SHEET_KANA), 48, 48) and captions == list(synth.SHEET_KANA)
    plots.captioned_grid(sheet, tmp_path / "writers.png", "writers.png")
    assert (tmp_path / "writers.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fat_pens_draw_marks_lighter_so_a_ring_stays_a_ring():
    ring = [np.column_stack([0.8 + 0.03 * np.cos(t), 0.2 + 0.03 * np.sin(t)]) for t in [np.linspace(0, 6.3, 30)]]
    assert diacritics.mark_ink(ring, 0.01) == 1.0
    assert diacritics.mark_ink(ring, 0.12) == pytest.approx(0.25 * 0.06 / 0.12, rel=0.05)


@pytest.mark.parametrize(("pen", "want"), [(0.04, 0.14), (0.13, 1.4 * 0.13)])
def test_a_small_handakuten_grows_to_keep_its_hole_but_a_dakuten_does_not(pen, want):
    ring = [np.column_stack([0.8 + 0.03 * np.cos(t), 0.2 + 0.03 * np.sin(t)]) for t in [np.linspace(0, 6.3, 30)]]
    (grown,) = diacritics.legible_ring(ring, letterforms.HANDAKUTEN, pen)
    assert np.ptp(grown, axis=0).max() == pytest.approx(want)
    np.testing.assert_allclose(grown.mean(axis=0), ring[0].mean(axis=0))
    assert diacritics.legible_ring(ring, letterforms.DAKUTEN, pen) is ring
