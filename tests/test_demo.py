"""The shipped demo with the REAL exported models (run after `dvc repro`, by `make test-demo`).

A synthetic writer that never wrote a training sample draws each of the 73 hiragana with the real
mouse; the page's top-1 must be right for at least 90 % of them, and its probabilities must equal what
Python computes with the same exported (de-quantised) weights on the PNG the page exports.
Screenshots of both views land in $KAKITE_ARTIFACTS (make screenshots: web/screenshots/).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from bench.browser import DIGIT_TWO, draw_strokes, launch_chromium, open_tab, serve_static
from kakite.acquire import strokes
from kakite.core import preprocess
from kakite.core.charset import HIRAGANA73
from kakite.core.params import load_all
from kakite.export import tfjs
from tests.conftest import REPO
from tests.test_web import gray_from_data_url

pytestmark = pytest.mark.demo

WEB, MODEL = REPO / "web", REPO / "web" / "model"
UNSEEN_WRITER_SEED = 4242  # fetch seeds its writers with (fetch.seed, domain, index): never this stream
MIN_TOP1 = 0.90


@pytest.fixture(scope="module")
def site():
    if not (MODEL / "cnn" / "model.json").is_file():
        pytest.fail("web/model/ is missing: run `dvc repro` (make test-demo does) before the demo tests")
    with serve_static({"": WEB}) as site:
        yield site


@pytest.fixture(scope="module")
def page(site):
    with launch_chromium() as browser, open_tab(browser, site.url + "/?backend=wasm") as tab:
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
