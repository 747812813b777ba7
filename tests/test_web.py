"""The browser demo in headless Chromium, against a tiny fixture model: preprocessing parity with
Python, recognizer probabilities equal to tf_keras's, the style explorer, no foreign requests, a
clear error without a model, and screenshots of both views (in $KAKITE_ARTIFACTS, else tmp_path).
"""

from __future__ import annotations

import base64
import itertools
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from bench.browser import DIGIT_TWO, HIRAGANA_A, draw_strokes, launch_chromium, open_tab, serve_static, touch_strokes
from kakite.core import preprocess
from kakite.core.errors import NoInkError
from kakite.core.images import composite_over_white, decode_gray
from tests import image_fixtures
from tests.conftest import REPO
from tests.web_model_fixture import WebModel, build

pytestmark = pytest.mark.browser

WEB = REPO / "web"




@pytest.fixture(scope="module", autouse=True)
def vendored() -> None:
    if not (WEB / "vendor" / "tf-core.es2017.min.js").exists():
        pytest.skip("web/vendor/ has no TF.js: run `make web-vendor`")


@pytest.fixture(scope="module")
def web_model(tmp_path_factory: pytest.TempPathFactory) -> WebModel:
    return build(tmp_path_factory.mktemp("web_model"))


@pytest.fixture(scope="module")
def keras_models(web_model: WebModel) -> dict:
    import tf_keras

    paths = {"cnn": web_model.cnn_h5, "encoder": web_model.encoder_h5, "decoder": web_model.decoder_h5}
    return {name: tf_keras.models.load_model(path, compile=False) for name, path in paths.items()}


@pytest.fixture(scope="module")
def browser():
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def test_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Raw arrays for the page to fetch from /test-data/ (a big image is slow to pass through evaluate)."""
    return tmp_path_factory.mktemp("test_data")


@pytest.fixture(scope="module")
def site(web_model: WebModel, test_data: Path):
    with serve_static({"": WEB, "model": web_model.model_dir, "test-data": test_data}) as served:
        yield served


@pytest.fixture
def tab(browser, site):
    """The page on WASM, the backend of a machine without WebGL (and quicker here than SwiftShader WebGL)."""
    with open_tab(browser, site.url + "/?backend=wasm") as opened:
        assert opened.page.evaluate("window.kakite.ready")["error"] is None
        yield opened


def b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def gray_from_data_url(url: str) -> np.ndarray:
    assert url.startswith("data:image/png;base64,")
    return decode_gray(base64.b64decode(url.split(",", 1)[1]), "exported.png")


def canvas_pixels(page, selector: str) -> list[np.ndarray]:
    """Grey levels of every canvas matching selector (their R channel: they are drawn grey)."""
    raw = page.eval_on_selector_all(selector, """cs => cs.map(c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        return [btoa(String.fromCharCode(...d.data)), c.width, c.height]; })""")
    return [np.frombuffer(base64.b64decode(data), np.uint8).reshape(h, w, 4)[..., 0] for data, w, h in raw]


def test_preprocess_js_matches_python(tab, test_data):
    fixtures = {**image_fixtures.GRAY_FIXTURES, **image_fixtures.NO_INK_FIXTURES, **image_fixtures.EDGE_FIXTURES,
                **image_fixtures.SPECK_FIXTURES,
                "two_by_two": lambda: np.array([[255, 0], [255, 255]], np.uint8),
                "one_row": lambda: np.array([[250, 20, 250, 251, 252]], np.uint8),
                "half_up": half_up_bar,
                "wide_strip": lambda: image_fixtures.elongated(6, 3000),
                "tall_strip": lambda: image_fixtures.elongated(3000, 6)}
    grays = {name: make() for name, make in fixtures.items()}
    for name, gray in grays.items():
        (test_data / f"{name}.gray").write_bytes(gray.tobytes())
    for spec in (preprocess.HIRAGANA, preprocess.DIGITS):
        outputs = tab.page.evaluate(
            """async ([cases, spec]) => {
                const m = await import(new URL('preprocess.js', location.href));
                return Promise.all(cases.map(async ([name, w, h]) => {
                    const gray = new Uint8Array(await (await fetch(`test-data/${name}.gray`)).arrayBuffer());
                    const out = m.toModelInput(gray, w, h, spec);
                    return out && btoa(String.fromCharCode(...new Uint8Array(out.buffer)));
                })); }""",
            [[[name, g.shape[1], g.shape[0]] for name, g in grays.items()], preprocess.spec_constants(spec)],
        )
        for (name, gray), out in zip(grays.items(), outputs, strict=True):
            try:
                expected = preprocess.to_model_input(gray, spec)
            except NoInkError:
                assert out is None, f"{name}: Python finds no ink, the page does"
                continue
            assert out is not None, f"{name}: the page finds no ink, Python does"
            got = np.frombuffer(base64.b64decode(out), np.float32).reshape(expected.shape)
            assert np.abs(got - expected).mean() <= 1 / 255, name
            assert np.abs(got - expected).max() < 1e-4, name


# Pads of paper with the ink where a drawing puts it: inside (a window is read), one pixel off the border
# (the window's frame is the pad's border), on the border (the whole pad is read), and a dot (no character).
WINDOW_PADS = {
    "inside": lambda: image_fixtures.glyph((120, 160), (30, 20, 110, 100)),
    "frame_on_border": lambda: image_fixtures.glyph((120, 160), (1, 1, 159, 119)),
    "ink_on_border": lambda: ink_to_the_left_border(image_fixtures.glyph((120, 160), (30, 20, 110, 100))),
    "dot": image_fixtures.dot,
}


def ink_to_the_left_border(gray: np.ndarray) -> np.ndarray:
    gray[50:55, :40] = image_fixtures.INK
    return gray


def test_the_paper_framed_window_gives_the_whole_pads_input(tab, test_data):
    """The page reads only a window around the strokes (ui.js): the spec's result must not change."""
    pads = {name: make() for name, make in WINDOW_PADS.items()}
    cases = []
    for name, gray in pads.items():
        (test_data / f"pad_{name}.gray").write_bytes(gray.tobytes())
        rows, cols = np.nonzero(gray != image_fixtures.PAPER)
        ink = {"left": int(cols.min()), "top": int(rows.min()), "right": int(cols.max()) + 1,
               "bottom": int(rows.max()) + 1}
        cases.append([name, gray.shape[1], gray.shape[0], ink])
    got = tab.page.evaluate(
        """async ([cases, spec]) => {
            const m = await import(new URL('preprocess.js', location.href));
            return Promise.all(cases.map(async ([name, w, h, ink]) => {
                const pad = new Uint8Array(await (await fetch(`test-data/pad_${name}.gray`)).arrayBuffer());
                const win = m.paperFramedWindow(ink, w, h);
                const gray = new Uint8Array(win.width * win.height);
                for (let y = 0; y < win.height; y += 1) {
                    gray.set(pad.subarray((win.y + y) * w + win.x, (win.y + y) * w + win.x + win.width), y * win.width);
                }
                const read = m.toModelInput(gray, win.width, win.height, spec, Math.min(w, h));
                const whole = m.toModelInput(pad, w, h, spec);
                return [win, read && Array.from(read), whole && Array.from(whole)];
            })); }""",
        [cases, preprocess.spec_constants(preprocess.HIRAGANA)],
    )
    windows = {name: win for (name, *_), (win, *_) in zip(cases, got, strict=True)}
    inside = cases[0][3]
    assert windows["inside"] == {"x": inside["left"] - 1, "y": inside["top"] - 1,
                                 "width": inside["right"] - inside["left"] + 2,
                                 "height": inside["bottom"] - inside["top"] + 2}
    assert windows["frame_on_border"]["x"] == 0 and windows["frame_on_border"]["width"] == 160
    assert windows["ink_on_border"] == {"x": 0, "y": 0, "width": 160, "height": 120}
    assert windows["dot"]["width"] < 40
    for (name, gray), (_, read, whole) in zip(pads.items(), got, strict=True):
        assert read == whole, f"{name}: the window's input differs from the whole pad's"
        try:
            preprocess.to_model_input(gray, preprocess.HIRAGANA)
        except NoInkError:
            assert read is None, f"{name}: the window finds ink where Python finds no character"
            continue
        assert read is not None, name


def half_up_bar() -> np.ndarray:
    """An 80 x 5 bar: its height scales to 5 * 40 / 80 = 2.5 px, 3 by round-half-up, 2 by half-to-even."""
    gray = np.full((100, 100), 255, np.uint8)
    gray[40:45, 10:90] = 0
    return gray


def test_composite_over_white_matches_python(tab):
    rng = np.random.default_rng(11)
    rgba = np.concatenate([image_fixtures.rgba_canvas().reshape(-1, 4),
                           rng.integers(0, 256, (5000, 4), dtype=np.uint8)])
    got = tab.page.evaluate(
        """async ([data, spec]) => {
            const m = await import(new URL('preprocess.js', location.href));
            return Array.from(m.compositeOverWhite(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)), spec)); }""",
        [b64(rgba), preprocess.spec_constants(preprocess.HIRAGANA)],
    )
    np.testing.assert_array_equal(np.array(got, np.uint8), composite_over_white(rgba))


@pytest.mark.parametrize("backend", ["webgl", "wasm", "cpu"])
def test_drawn_strokes_give_the_python_probabilities(browser, site, keras_models, backend):
    with open_tab(browser, f"{site.url}/?backend={backend}") as tab:
        page = tab.page
        status = page.evaluate("window.kakite.ready")
        if status["error"] and backend == "webgl":
            pytest.skip(f"no WebGL in this Chromium: {status['error']}")
        assert status == {"backend": backend, "timings": {}, "error": None}  # forced: nothing measured
        assert f"?backend={backend}" in page.locator("#status").inner_text()
        draw_strokes(page, "#pad", HIRAGANA_A)
        result = page.evaluate("window.kakite.predictCanvas()")

        expected_input = preprocess.to_model_input(gray_from_data_url(page.evaluate("window.kakite.exportPNG()")))
        expected = keras_models["cnn"](expected_input[None, :, :, None], training=False).numpy()[0]
        assert expected.max() > 0.2, "fixture model too flat for a meaningful comparison"
        np.testing.assert_allclose(np.array(result["input"]).reshape(expected_input.shape), expected_input, atol=1e-5)
        assert np.abs(np.array(result["probs"]) - expected).max() <= 1e-3
        best = result["top"][0]["label"]
        assert best == tab_labels(page)[0] and best == page.evaluate("window.kakite.lastResult.top[0].label")
        assert tab.page_errors == [] and tab.console_errors == []


def tab_labels(page) -> list[str]:
    return page.locator("#candidates .char").all_inner_texts()


def reading(page) -> str:
    return page.locator("#reading").inner_text()


def test_live_top5_undo_and_clear(tab):
    page = tab.page
    assert reading(page).startswith("No character")  # an empty pad is "no character"
    draw_strokes(page, "#pad", HIRAGANA_A)
    page.evaluate("window.kakite.idle()")  # the debounced live prediction, no explicit call
    three_strokes = page.evaluate("window.kakite.lastResult")
    tensors = page.evaluate("tf.memory().numTensors")
    assert len(tab_labels(page)) == 5 and reading(page).startswith(f"Read as “{tab_labels(page)[0]}”")
    assert len(three_strokes["probs"]) == 73 and abs(sum(three_strokes["probs"]) - 1) < 1e-4

    page.click("#recognizer-undo")
    page.evaluate("window.kakite.idle()")
    assert page.evaluate("window.kakite.lastResult.probs") != three_strokes["probs"]
    draw_strokes(page, "#pad", HIRAGANA_A[2:])  # redrawing the undone stroke restores the pixels
    page.evaluate("window.kakite.idle()")
    assert page.evaluate("window.kakite.lastResult.probs") == three_strokes["probs"]

    page.click("#recognizer-clear")
    page.evaluate("window.kakite.idle()")
    assert page.evaluate("window.kakite.lastResult") == {"probs": None, "top": [], "input": None}
    assert reading(page).startswith("No character") and tab_labels(page) == []
    assert page.evaluate("tf.memory().numTensors") == tensors  # inference leaks no tensors


def test_touch_draws_like_the_mouse(browser, site):
    """Pointer Events make the pad input-agnostic: a finger gives the same strokes as the mouse."""
    with open_tab(browser, site.url + "/?backend=wasm", has_touch=True) as tab:
        page = tab.page
        assert page.evaluate("window.kakite.ready")["error"] is None
        draw_strokes(page, "#pad", HIRAGANA_A)
        by_mouse = page.evaluate("window.kakite.predictCanvas()")
        page.click("#recognizer-clear")
        touch_strokes(page, "#pad", HIRAGANA_A)
        by_touch = page.evaluate("window.kakite.predictCanvas()")
        assert by_touch["probs"] is not None
        assert np.abs(np.array(by_touch["probs"]) - by_mouse["probs"]).max() < 1e-3
        assert tab.page_errors == []


def test_style_explorer_decodes_ten_digits_in_the_drawn_style(tab, web_model, keras_models):
    page = tab.page
    page.click("#tab-explorer")
    assert page.locator("#view-explorer").is_visible() and not page.locator("#view-recognizer").is_visible()
    page.evaluate("window.kakite.idle()")  # the style models load now, then draw the average style
    average = canvas_pixels(page, "#decoded-digits canvas")
    draw_strokes(page, "#digit-pad", DIGIT_TWO)
    page.evaluate("window.kakite.idle()")
    style = page.evaluate("window.kakite.lastStyle")
    digits = canvas_pixels(page, "#decoded-digits canvas")

    assert len(digits) == 10 and all(d.shape == (28, 28) for d in digits)
    assert all(d.min() < 200 for d in digits), "a decoded digit is blank"
    assert all(np.abs(a.astype(int) - b).max() > 8 for a, b in itertools.combinations(digits, 2))
    assert all(np.abs(a.astype(int) - b).max() > 8 for a, b in zip(average, digits, strict=True))

    # The same numbers in Python: the encoder on the exported pad, the decoder on content_means.
    gray = gray_from_data_url(page.evaluate("window.kakite.exportPNG('explorer')"))
    x = preprocess.to_model_input(gray, preprocess.DIGITS)[None, :, :, None]
    mu_style = keras_models["encoder"](x, training=False)[2].numpy()[0]
    np.testing.assert_allclose(style["zStyle"], mu_style, atol=1e-3)
    means = np.array(web_model.meta()["vae"]["content_means"], np.float32)
    decoded = decode_levels(keras_models["decoder"], means, np.array(style["zStyle"], np.float32))
    assert np.abs(np.stack(digits).astype(int) - decoded).max() <= 1

    slider = page.locator("#style-sliders input").first
    found = web_model.meta()["vae"]["style_directions"]
    vector, centre = np.array(found["directions"][0]["vector"]), np.array(found["centre"])
    slider.fill(str(float(slider.input_value()) + 0.5))
    page.evaluate("window.kakite.idle()")
    moved = np.array(page.evaluate("window.kakite.lastStyle.zStyle"))
    step = float(slider.input_value()) - (np.array(style["zStyle"]) - centre) @ vector  # to the slider's grid
    assert abs(step - 0.5) < 0.05
    np.testing.assert_allclose(moved - style["zStyle"], step * vector, atol=1e-4)  # along its direction only
    assert not np.array_equal(np.stack(canvas_pixels(page, "#decoded-digits canvas")), np.stack(digits))
    page.click("#explorer-reset")
    page.evaluate("window.kakite.idle()")
    assert page.evaluate("window.kakite.lastStyle.zStyle") == style["zStyle"]
    assert tab.page_errors == [] and tab.console_errors == []


def test_explorer_sliders_are_named_and_move_the_pixels_they_say(tab, web_model, keras_models):
    """Each slider: a name (here 'style direction k': a random decoder has no measurable slant or width),
    an accessible label, and a caption with the pixel change the export measured; the page then moves
    the digits exactly as the decoder does along that direction."""
    page = tab.page
    page.click("#tab-explorer")
    page.evaluate("window.kakite.idle()")
    meta = web_model.meta()["vae"]
    found = meta["style_directions"]
    sliders = page.locator("#style-sliders label")
    assert sliders.count() == len(found["directions"]) == 4
    means = np.array(meta["content_means"], np.float32)
    for k, direction in enumerate(found["directions"]):
        label = sliders.nth(k)
        assert direction["names"] == [] and label.locator("span").inner_text() == f"style direction {k + 1}"
        assert label.locator("input").get_attribute("aria-label") == f"style direction {k + 1}"
        assert f"by {direction['pixel_change']:.1f} of 255 grey levels" in label.locator("small").inner_text()
        ends = []
        for end in direction["range"]:
            label.locator("input").fill(str(end))
            page.evaluate("window.kakite.idle()")
            ends.append(np.stack(canvas_pixels(page, "#decoded-digits canvas")).astype(int))
            z = np.array(page.evaluate("window.kakite.lastStyle.zStyle"), np.float32)
            assert np.abs(ends[-1] - decode_levels(keras_models["decoder"], means, z)).max() <= 1
        moved = np.abs(ends[1] - ends[0]).mean()
        assert moved > 5, f"slider {k + 1} moves the digits by only {moved:.2f} grey levels"
    page.click("#language")
    assert sliders.first.locator("span").inner_text() == "書き癖の方向 1"


def test_model_accuracy_and_revision_are_shown(tab, web_model):
    info = tab.page.locator("#model-info")
    revision = web_model.meta()["revision"]
    assert info.is_visible()
    assert info.inner_text() == (f"Model {revision['cnn'][:8]}: 87.6% of 1,234 test images right (handwriting "
                                 "fonts 75.0%, strokes of unseen writers 90.0%, typeset 100.0%).")
    assert revision["cnn"] in info.get_attribute("title") and revision["vae"] in info.get_attribute("title")
    tab.page.click("#language")
    assert "正解率 87.6%" in info.inner_text()


def test_pads_are_labelled_and_the_reading_is_announced(tab):
    page = tab.page
    for pad, text in (("#pad", "write one hiragana"), ("#digit-pad", "write one digit")):
        assert page.get_attribute(pad, "role") == "img" and text in page.get_attribute(pad, "aria-label")
    for live in ("#reading", "#explorer-reading", "#status"):
        assert page.get_attribute(live, "aria-live") == "polite"
    assert page.get_by_role("img", name="Drawing pad: write one hiragana here").count() == 1
    draw_strokes(page, "#pad", HIRAGANA_A)
    page.evaluate("window.kakite.idle()")
    best = page.evaluate("window.kakite.lastResult.top[0]")
    assert reading(page) == f"Read as “{best['label']}” ({100 * best['p']:.1f}%)"
    page.click("#language")
    assert "ひらがな" in page.get_attribute("#pad", "aria-label") and reading(page).startswith(f"「{best['label']}」")


def test_a_tapped_dot_is_no_character(tab):
    page = tab.page
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.4)
    page.mouse.down()  # and up, without moving: one pen-wide dot
    page.mouse.up()
    result = page.evaluate("window.kakite.predictCanvas()")
    assert result == {"probs": None, "top": [], "input": None}
    assert reading(page).startswith("No character") and tab_labels(page) == []
    with pytest.raises(NoInkError, match="a dot or a speck"):  # Python reads the very same pixels alike
        preprocess.to_model_input(gray_from_data_url(page.evaluate("window.kakite.exportPNG()")))


PHONE = (390, 844)


def test_phone_touch_keeps_the_top_candidate_in_view_while_drawing(browser, site):
    with open_tab(browser, site.url + "/?backend=wasm", viewport=PHONE, has_touch=True, is_mobile=True) as tab:
        page = tab.page
        assert page.evaluate("window.kakite.ready")["error"] is None
        touch_strokes(page, "#pad", HIRAGANA_A[:-1])
        cdp = page.context.new_cdp_session(page)
        box = page.locator("#pad").bounding_box()
        for kind, (x, y) in (("touchStart", (0.3, 0.5)), ("touchMove", (0.5, 0.7)), ("touchMove", (0.7, 0.8))):
            point = {"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"]}
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [point]})
        page.evaluate("window.kakite.idle()")  # the finger is still down: the page reads as it is drawn
        best = page.evaluate("window.kakite.lastResult.top[0].label")
        assert reading(page).startswith(f"Read as “{best}”")
        for selector in ("#reading", "#pad"):
            shown = page.locator(selector).bounding_box()
            assert shown["y"] >= 0 and shown["y"] + shown["height"] <= PHONE[1], (selector, shown)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]  # no sideways scrolling
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        assert tab.page_errors == [] and tab.console_errors == []


def decode_levels(decoder, means: np.ndarray, z_style: np.ndarray) -> np.ndarray:
    """The decoder's ten images as the page paints them: dark ink on white, 0..255."""
    images = decoder([means, np.repeat(z_style[None], 10, axis=0)], training=False).numpy()[..., 0]
    return np.floor((1 - images) * 255 + 0.5).astype(int)


def test_page_requests_nothing_outside_its_origin(tab, site):
    page = tab.page
    draw_strokes(page, "#pad", HIRAGANA_A)
    page.click("#tab-explorer")
    draw_strokes(page, "#digit-pad", DIGIT_TWO)
    page.click("#language")
    page.evaluate("window.kakite.idle()")
    assert f"{site.url}/model/cnn/model.json" in tab.requests  # the recorder sees the page's requests
    assert f"{site.url}/vendor/tf-core.es2017.min.js" in tab.requests
    assert tab.foreign_requests(site.url) == []


def test_default_page_times_each_backend_and_keeps_the_fastest(browser, site):
    with open_tab(browser, site.url + "/") as tab:
        page = tab.page
        # it predicts on the first backend that starts, then times the others
        assert page.evaluate("window.kakite.loaded") == {"backend": "wasm", "error": None}
        draw_strokes(page, "#pad", HIRAGANA_A)
        assert len(page.evaluate("window.kakite.predictCanvas()")["top"]) == 5  # waits for the race, if running
        status = page.evaluate("window.kakite.ready")
        timings = status["timings"]
        assert status["error"] is None and {"wasm", "cpu"} <= set(timings), status
        assert status["backend"] == min(timings, key=timings.get)
        assert page.evaluate("tf.getBackend()") == status["backend"]
        line = page.locator("#status").inner_text()
        assert all(f"{name} " in line for name in timings) and status["backend"] in line
        assert len(page.evaluate("window.kakite.predictCanvas()")["top"]) == 5
        assert tab.page_errors == [] and tab.console_errors == []
        tab.requests.clear()
        page.reload()  # the next visit remembers the choice and loads only that backend
        assert page.evaluate("window.kakite.ready") == status
        scripts = [url for url in tab.requests if "/vendor/tf-backend-" in url]
        assert scripts == [f"{site.url}/vendor/tf-backend-{status['backend']}.es2017.min.js"]


def test_style_models_load_only_when_the_explorer_opens(tab, site):
    """With tfjs-layers, which only they need: the recognizer runs on TF.js core (web/chain.js)."""
    page = tab.page
    vae = [f"{site.url}/model/{name}/model.json" for name in ("vae_encoder", "vae_decoder")]
    vae.append(f"{site.url}/vendor/tf-layers.es2017.min.js")
    draw_strokes(page, "#pad", HIRAGANA_A)
    page.evaluate("window.kakite.idle()")
    assert not set(vae) & set(tab.requests)
    page.click("#tab-explorer")
    page.evaluate("window.kakite.idle()")
    assert set(vae) <= set(tab.requests)
    assert page.evaluate("window.kakite.lastStyle.zStyle") is not None


@pytest.mark.parametrize("cores", [2, 8])
def test_served_cross_origin_isolated_with_wasm_threads_where_they_help(browser, site, cores):
    """kakite.serve.static's headers (those of `make serve`): SharedArrayBuffer, so WASM threads, which TF.js
    runs on half the logical cores: with fewer than 4 the page takes the SIMD binary without threads."""
    with open_tab(browser, "about:blank") as tab:
        page = tab.page
        page.add_init_script(f"Object.defineProperty(navigator, 'hardwareConcurrency', {{get: () => {cores}}})")
        page.goto(f"{site.url}/?backend=wasm")
        assert page.evaluate("window.kakite.ready")["error"] is None
        assert page.evaluate("crossOriginIsolated") is True
        threaded = cores >= 4
        assert page.evaluate("tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')") is threaded
        binary = "tfjs-backend-wasm-threaded-simd.wasm" if threaded else "tfjs-backend-wasm-simd.wasm"
        assert [url.rsplit("/", 1)[1] for url in tab.requests if url.endswith(".wasm")] == [binary]
        draw_strokes(page, "#pad", HIRAGANA_A)
        assert len(page.evaluate("window.kakite.predictCanvas()")["top"]) == 5
        assert tab.page_errors == [] and tab.console_errors == []  # nothing broke the CSP


def test_page_works_single_threaded_without_the_headers(browser, web_model):
    with serve_static({"": WEB, "model": web_model.model_dir}, isolated=False) as site, \
            open_tab(browser, site.url + "/?backend=wasm") as tab:
        page = tab.page
        assert page.evaluate("window.kakite.ready")["error"] is None
        assert page.evaluate("crossOriginIsolated") is False
        draw_strokes(page, "#pad", HIRAGANA_A)
        assert len(page.evaluate("window.kakite.predictCanvas()")["top"]) == 5
        assert tab.page_errors == []


def test_missing_model_shows_an_error_and_no_crash(browser, tmp_path):
    (tmp_path / "empty").mkdir()
    with serve_static({"": WEB, "model": tmp_path / "empty"}) as site, open_tab(browser, site.url + "/") as tab:
        page = tab.page
        status = page.evaluate("window.kakite.ready")
        assert "model/meta.json" in status["error"] and "404" in status["error"]
        for view in ("recognizer", "explorer"):
            page.click(f"#tab-{view}")
            error = page.locator(f"#{view}-error")
            assert error.is_visible() and "model/meta.json" in error.inner_text() and "dvc repro" in error.inner_text()
        draw_strokes(page, "#digit-pad", DIGIT_TWO)  # drawing still works, nothing throws
        assert "model/meta.json" in page.locator("#status").inner_text()
        assert tab.page_errors == []


def test_broken_recognizer_leaves_the_explorer_working(browser, web_model, tmp_path):
    model_dir = shutil.copytree(web_model.model_dir, tmp_path / "model", ignore=shutil.ignore_patterns("cnn"))
    with serve_static({"": WEB, "model": model_dir}) as site, open_tab(browser, site.url + "/?backend=wasm") as tab:
        page = tab.page
        assert "model/cnn/model.json" in page.evaluate("window.kakite.ready")["error"]
        assert page.locator("#recognizer-error").is_visible()
        page.click("#tab-explorer")
        assert not page.locator("#explorer-error").is_visible()
        draw_strokes(page, "#digit-pad", DIGIT_TWO)
        page.evaluate("window.kakite.idle()")
        assert page.evaluate("window.kakite.lastStyle.digit") is not None
        assert tab.page_errors == []


def test_screenshots_of_both_views_in_both_languages(browser, web_model, tmp_path):
    """Also the README's pictures: KAKITE_SCREENSHOT_MODEL=web/model shoots the real exported model."""
    artifacts = Path(os.environ.get("KAKITE_ARTIFACTS") or tmp_path)
    artifacts.mkdir(parents=True, exist_ok=True)
    model_dir = Path(os.environ.get("KAKITE_SCREENSHOT_MODEL") or web_model.model_dir)
    with serve_static({"": WEB, "model": model_dir}) as site, \
            open_tab(browser, site.url + "/?backend=wasm", locale="ja-JP") as tab:
        page = tab.page
        assert page.evaluate("window.kakite.ready")["error"] is None
        assert page.evaluate("document.documentElement.lang") == "ja"  # default from navigator.language
        assert page.locator("#tab-recognizer").inner_text() == "ひらがな認識"
        draw_strokes(page, "#pad", HIRAGANA_A)
        page.click("#tab-explorer")
        draw_strokes(page, "#digit-pad", DIGIT_TWO)
        shots = []
        for lang, tab_text in (("ja", "ひらがな認識"), ("en", "Hiragana recognizer")):
            if lang == "en":
                page.click("#language")
            assert page.locator("#tab-recognizer").inner_text() == tab_text
            for view in ("recognizer", "explorer"):
                page.click(f"#tab-{view}")
                page.evaluate("window.kakite.idle()")
                page.mouse.move(0, 0)  # no hover highlight in the picture
                shots.append(artifacts / f"{view}_{lang}.png")
                page.screenshot(path=shots[-1])
        assert page.evaluate("localStorage.getItem('kakite.language')") == "en"  # the toggle is remembered
        assert all(shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for shot in shots)
        assert len({shot.read_bytes() for shot in shots}) == 4
