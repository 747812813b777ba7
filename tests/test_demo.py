"""The shipped demo with the REAL exported models (run after `dvc repro`, by `make test-demo`).

A synthetic writer that never wrote a training sample draws each of the 73 hiragana with the real
mouse; the page's top-1 must be right for at least 90 % of them, and its probabilities must equal what
Python computes with the same exported (de-quantised) weights on the PNG the page exports.
The page's meta.json must name the models dvc.lock records and the accuracy the export measured, and
every style slider must visibly move the digits. Screenshots of both views, and of the recognizer on a
phone, land in $KAKITE_ARTIFACTS (make screenshots: web/screenshots/).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import yaml

from bench.browser import DIGIT_TWO, draw_strokes, launch_chromium, open_tab, serve_static, touch_strokes
from kakite.acquire import strokes
from kakite.core import preprocess
from kakite.core.charset import HIRAGANA73
from kakite.core.params import load_all
from kakite.export import tfjs
from tests.conftest import REPO
from tests.test_web import PHONE, canvas_pixels, gray_from_data_url

pytestmark = pytest.mark.demo

WEB, MODEL = REPO / "web", REPO / "web" / "model"
MIN_SLIDER_EFFECT = 5.0  # mean grey levels (of 255) each slider must move the ten digits, end to end
UNSEEN_WRITER_SEED = 4242  # fetch seeds its writers with (fetch.seed, domain, index): never this stream
MIN_TOP1 = 0.90


@pytest.fixture(scope="module")
def site():
    if not (MODEL / "cnn" / "model.json").is_file():
        pytest.fail("web/model/ is missing: run `dvc repro` (make test-demo does) before the demo tests")
    with serve_static({"": WEB}) as site:
        yield site


@pytest.fixture(scope="module")
def browser():
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def page(site, browser):
    with open_tab(browser, site.url + "/?backend=wasm") as tab:
        assert tab.page.evaluate("window.kakite.ready")["error"] is None
        yield tab


def unseen_writer_strokes(canvas_px: int) -> dict[str, list]:
    cfg = load_all().fetch
    rng = np.random.default_rng([UNSEEN_WRITER_SEED])
    style = strokes.sample_writer(rng, cfg.style.model_dump())
    return {c: strokes.to_canvas_points(strokes.write_char(c, style, rng, cfg.sample_noise), canvas_px)
            for c in HIRAGANA73}


def test_an_unseen_writer_is_read_right_for_90_percent_of_the_73_hiragana(page):
    p = page.page
    drawn = unseen_writer_strokes(p.evaluate("document.querySelector('#pad').width"))
    cnn = tfjs.load(MODEL / "cnn")
    right, deltas = 0, []
    for char, char_strokes in drawn.items():
        p.click("#recognizer-clear")
        draw_strokes(p, "#pad", char_strokes)
        result = p.evaluate("window.kakite.predictCanvas()")
        right += result["top"][0]["label"] == char
        x = preprocess.to_model_input(gray_from_data_url(p.evaluate("window.kakite.exportPNG()")))
        expected = cnn(x[None, :, :, None], training=False).numpy()[0]
        deltas.append(np.abs(np.asarray(result["probs"]) - expected).max())
    accuracy = right / len(drawn)
    print(f"browser top-1 on an unseen writer: {right}/{len(drawn)} = {accuracy:.3f}; max |dp| {max(deltas):.2e}")
    assert max(deltas) <= 1e-3
    assert accuracy >= MIN_TOP1
    assert page.page_errors == []


def test_screenshots_of_the_real_models(page, tmp_path):
    artifacts = Path(os.environ.get("KAKITE_ARTIFACTS") or tmp_path)
    artifacts.mkdir(parents=True, exist_ok=True)
    p = page.page
    p.click("#tab-recognizer")
    p.click("#recognizer-clear")
    draw_strokes(p, "#pad", unseen_writer_strokes(p.evaluate("document.querySelector('#pad').width"))["か"])
    p.evaluate("window.kakite.idle()")
    assert p.evaluate("window.kakite.lastResult.top[0].label") == "か"
    p.screenshot(path=artifacts / "recognizer.png")
    p.click("#tab-explorer")
    draw_strokes(p, "#digit-pad", DIGIT_TWO)
    p.evaluate("window.kakite.idle()")
    assert p.evaluate("window.kakite.lastStyle.digit") == "2"
    p.screenshot(path=artifacts / "explorer.png")
    assert (artifacts / "explorer.png").stat().st_size > 10_000


def test_meta_names_the_locked_models_and_the_measured_accuracy(page):
    meta = json.loads((MODEL / "meta.json").read_text(encoding="utf-8"))
    lock = yaml.safe_load((REPO / "dvc.lock").read_text(encoding="utf-8"))["stages"]
    locked = {name: next(out["md5"] for out in lock[stage]["outs"] if out["path"] == f"data/models/{name}")
              for name, stage in (("cnn", "train_cnn"), ("vae", "train_vae"))}
    assert meta["revision"] == locked, "web/model/ was not exported from the models dvc.lock records"
    exported = json.loads((REPO / "metrics/details/export.json").read_text(encoding="utf-8"))
    assert meta["accuracy"] == exported["accuracy"] and meta["accuracy"]["test"] > 0.5
    info = page.page.locator("#model-info").inner_text()
    assert meta["revision"]["cnn"][:8] in info and f"{100 * meta['accuracy']['test']:.1f}%" in info


def test_every_style_slider_visibly_moves_the_digits(page):
    p = page.page
    p.click("#tab-explorer")
    p.evaluate("window.kakite.idle()")
    sliders = p.locator("#style-sliders input")
    moved = []
    for k in range(sliders.count()):
        lo, hi = sliders.nth(k).get_attribute("min"), sliders.nth(k).get_attribute("max")
        ends = []
        for end in (lo, hi):
            sliders.nth(k).fill(end)
            p.evaluate("window.kakite.idle()")
            ends.append(np.stack(canvas_pixels(p, "#decoded-digits canvas")).astype(int))
        moved.append(np.abs(ends[1] - ends[0]).mean())
        assert sliders.nth(k).get_attribute("aria-label")
    print("grey levels moved per slider, end to end:", [f"{m:.1f}" for m in moved])
    assert min(moved) >= MIN_SLIDER_EFFECT, moved


def test_phone_screenshots_keep_the_reading_in_view(site, browser, tmp_path):
    artifacts = Path(os.environ.get("KAKITE_ARTIFACTS") or tmp_path)
    artifacts.mkdir(parents=True, exist_ok=True)
    with open_tab(browser, site.url + "/?backend=wasm", viewport=PHONE, has_touch=True, is_mobile=True,
                  device_scale_factor=2) as tab:
        p = tab.page
        assert p.evaluate("window.kakite.ready")["error"] is None
        touch_strokes(p, "#pad", unseen_writer_strokes(p.evaluate("document.querySelector('#pad').width"))["か"])
        p.evaluate("window.kakite.idle()")
        assert p.locator("#reading").inner_text().startswith("Read as “か”")
        shown = p.locator("#reading").bounding_box()
        assert shown["y"] >= 0 and shown["y"] + shown["height"] <= PHONE[1]
        p.screenshot(path=artifacts / "phone.png")
