"""Speed, each number next to its peer's, measured in the same run on this machine.

- recognition: kakite's Python path (preprocess + CNN on an in-memory batch) against Zinnia's CLI on
  the same `strokes` test characters; one character at a time too (a warm Python call against one CLI
  call, which loads Zinnia's model each time); the browser page (headless Chromium, each backend and
  the one the page picks, load time and bytes downloaded).
- training: images/s of a training step, kakite's CNN against the seed article's, same images and
  batch size, no augmentation (the models, not the data pipeline).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.browser import draw_strokes, launch_chromium, open_tab, serve_static
from bench.zinnia import Zinnia
from kakite.core.atomic import load_npz
from kakite.core.charset import HIRAGANA73
from kakite.core.metrics import r
from kakite.core.params import load_params
from kakite.recognizer.model_dir import Recognizer, seed_input

REPEATS = 3  # batch timings: median of this many runs
SINGLE_RUNS = 50  # one-character timings: median of this many calls
TRAIN_BATCHES = 40


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def recognition(repo: Path, images: np.ndarray, trajectories: list) -> dict:
    """Per-character latency (ms) and throughput of kakite and Zinnia on the same characters."""
    recognizer = Recognizer.load(repo / "data/models/cnn")
    zinnia = Zinnia()
    recognizer.probabilities(recognizer.prepare_batch(images[:512]))  # warm-up: graph tracing
    batch = median_seconds(lambda: recognizer.probabilities(recognizer.prepare_batch(images)), REPEATS)
    zinnia_batch = statistics.median(zinnia.run(trajectories, 5)[1] for _ in range(REPEATS))
    single = median_seconds(lambda: recognizer.probabilities(recognizer.prepare_batch(images[:1])), SINGLE_RUNS)
    zinnia_single = statistics.median(zinnia.run(trajectories[:1], 5)[1] for _ in range(SINGLE_RUNS))
    n = len(images)
    ms = {"kakite_python_batch": 1000 * batch / n, "zinnia_cli_batch": 1000 * zinnia_batch / n,
          "kakite_python_one_call": 1000 * single, "zinnia_cli_one_call": 1000 * zinnia_single}
    return {"characters": n, "zinnia_nbest": 5,
            "ms_per_character": {k: round(v, 3) for k, v in ms.items()},
            "characters_per_s": {"kakite_python_batch": round(n / batch), "zinnia_cli_batch": round(n / zinnia_batch)},
            "zinnia_over_kakite_batch_latency": round(ms["zinnia_cli_batch"] / ms["kakite_python_batch"], 1),
            "zinnia_over_kakite_one_call_latency": round(ms["zinnia_cli_one_call"] / ms["kakite_python_one_call"], 2)}


# Untimed predictions before a warm median: V8 first runs WebAssembly from its baseline compiler and swaps
# in the optimised code once the functions are hot, which takes about as many predictions as a short stroke.
WARMUP_RUNS = 20
FIRST_VISITS = 3  # first visits, each a fresh profile: the median one is reported (one load varies by 100+ ms)
# Bytes of the document and everything it fetched: on the wire (headers included, compressed as served,
# 0 from the browser's cache) and decoded (the bodies the page got, after gzip).
DOWNLOADED = """() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
    .reduce((sum, e) => ({wire: sum.wire + e.transferSize, decoded: sum.decoded + e.decodedBodySize}),
            {wire: 0, decoded: 0})"""
WARM_MEDIAN = f"""async () => {{
    for (let i = 0; i < {WARMUP_RUNS}; i++) await window.kakite.predictCanvas();
    const times = [];
    for (let i = 0; i < {SINGLE_RUNS}; i++) {{
        const t = performance.now(); await window.kakite.predictCanvas(); times.push(performance.now() - t);
    }}
    times.sort((a, b) => a - b); return times[Math.floor(times.length / 2)];
}}"""
BACKENDS = ("wasm", "webgl", "cpu")


def browser(repo: Path, drawn: list) -> dict:
    """Headless Chromium, served as `make serve` serves the page (each visit a fresh profile), after
    one untimed visit that warms the browser itself: the warm median per forced backend, then first
    visits as a user makes them (the page measures the backends and keeps the fastest; the median of
    FIRST_VISITS): load to first prediction and the bytes downloaded (on the wire and decoded), before
    and after the explorer opens; then the next visit, which remembers the choice."""
    with serve_static({"": repo / "web"}) as site, launch_chromium() as chromium:
        with open_tab(chromium, site.url + "/?backend=wasm") as tab:  # the first page pays the browser's start-up
            tab.page.evaluate("window.kakite.ready")
        per_backend = {}
        for name in BACKENDS:
            with open_tab(chromium, "about:blank") as tab:
                tab.page.goto(f"{site.url}/?backend={name}")
                if tab.page.evaluate("window.kakite.ready")["error"] is None:
                    draw_strokes(tab.page, "#pad", drawn)
                    per_backend[name] = round(tab.page.evaluate(WARM_MEDIAN), 2)
        visits = []
        for _ in range(FIRST_VISITS - 1):
            with open_tab(chromium, "about:blank") as tab:
                visits.append(_visit(tab.page, site.url + "/", drawn))
        with open_tab(chromium, "about:blank") as tab:
            page = tab.page
            visits.append(_visit(page, site.url + "/", drawn))
            first_visit = sorted(visits, key=lambda v: v["load_to_first_prediction_ms"])[FIRST_VISITS // 2] | {
                "load_to_first_prediction_ms_each": [v["load_to_first_prediction_ms"] for v in visits]}
            first_visit["warm_prediction_median_ms"] = round(page.evaluate(WARM_MEDIAN), 2)
            page.click("#tab-explorer")
            page.evaluate("window.kakite.idle()")
            explorer = page.evaluate(DOWNLOADED)
            first_visit |= {"wire_bytes_with_explorer": explorer["wire"],
                            "decoded_bytes_with_explorer": explorer["decoded"]}
            next_visit = _visit(page, site.url + "/", drawn)
    return {"warm_median_ms_by_backend": per_backend, "first_visit": first_visit, "next_visit": next_visit,
            "backend": first_visit["backend"], "warm_prediction_median_ms": first_visit["warm_prediction_median_ms"],
            "load_to_first_prediction_ms": first_visit["load_to_first_prediction_ms"],
            "cnn_download_bytes": sum(p.stat().st_size for p in (repo / "web/model/cnn").iterdir())}


def _visit(page, url: str, drawn: list) -> dict:
    """Open url, wait until the page can predict, draw, predict (which waits for a backend race still
    running), then wait for the race: the times (the race's end on the page's clock, from navigation
    start) and the bytes of that visit, the race's included."""
    start = time.perf_counter()
    page.goto(url)
    first_backend = page.evaluate("window.kakite.loaded")["backend"]
    loaded = time.perf_counter() - start
    page.evaluate("() => { window.chosenAt = window.kakite.ready.then(() => performance.now()); }")
    draw_strokes(page, "#pad", drawn)
    start = time.perf_counter()
    page.evaluate("window.kakite.predictCanvas()")
    first = time.perf_counter() - start
    status = page.evaluate("window.kakite.ready")
    downloaded = page.evaluate(DOWNLOADED)
    return {"first_backend": first_backend, "backend": status["backend"],
            "timings_ms": {k: round(v, 2) for k, v in status["timings"].items()},
            "cross_origin_isolated": page.evaluate("crossOriginIsolated"),
            "load_to_loaded_ms": round(1000 * loaded), "first_prediction_ms": round(1000 * first),
            "load_to_first_prediction_ms": round(1000 * (loaded + first)),
            "load_to_backend_chosen_ms": round(page.evaluate("window.chosenAt")),
            "wire_bytes": downloaded["wire"], "decoded_bytes": downloaded["decoded"]}


def training(repo: Path) -> dict:
    """Training images/s of kakite's CNN and the seed's, each compiled as its recipe compiles it."""
    import tf_keras as keras

    from kakite.core.preprocess import HIRAGANA, batch
    from kakite.recognizer.network import build_kakite_cnn, build_seed_cnn, compile_kakite

    cfg = load_params("train_cnn", path=repo / "params.yaml")
    train = load_npz(repo / "data/split/hiragana_train.npz")
    n = min(len(train["images"]), TRAIN_BATCHES * cfg.batch_size)
    images, labels = train["images"][:n], train["labels"][:n].astype(np.int64)
    keras.utils.set_random_seed(cfg.seed)
    size = images.shape[1]
    kakite = build_kakite_cnn(len(HIRAGANA73), size, cfg.filters, cfg.dense, cfg.dropout)
    compile_kakite(kakite, cfg.learning_rate)
    models = {"kakite": (kakite, batch(images, HIRAGANA)),
              "seed": (build_seed_cnn(len(HIRAGANA73), size), seed_input(images)[..., None])}
    out: dict = {"batch_size": cfg.batch_size, "images": n, "images_per_s": {}, "params": {}}
    for name, (model, x) in models.items():
        model.fit(x[: 2 * cfg.batch_size], labels[: 2 * cfg.batch_size], batch_size=cfg.batch_size, verbose=0)
        seconds = median_seconds(lambda m=model, x=x: m.fit(x, labels, batch_size=cfg.batch_size, epochs=1,
                                                           shuffle=False, verbose=0), REPEATS)
        out["images_per_s"][name] = round(n / seconds)
        out["params"][name] = int(model.count_params())
    out["kakite_over_seed"] = r(out["images_per_s"]["kakite"] / out["images_per_s"]["seed"])
    return out
