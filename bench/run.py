"""`make bench`: speed and size measured on this machine, written to metrics/bench.json.

Benchmarks measure; tests assert. Nothing here fails on a slow machine: it records what it saw.
- predict: `kakite predict`'s in-process path (preprocess + CNN) on the hiragana test split, warm;
  and the console script end to end on PNG files (decode, preprocess, predict, JSON out).
- browser: headless Chromium on the WASM backend, page load to the first prediction, and the
  median of 50 warm predictions of a drawn character.
- dvc: a no-op `dvc repro`.
Needs `dvc repro` first (the trained and exported models).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from kakite.atomic import load_npz, write_json
from kakite.recognizer import Recognizer
from tests.browser import draw_strokes, launch_chromium, open_tab, serve_static
from tests.pipeline import env

REPO = Path(__file__).resolve().parents[1]
WARM_RUNS = 50


def bench_predict() -> dict:
    recognizer = Recognizer.load(REPO / "data/models/cnn")
    images = load_npz(REPO / "data/split/hiragana_test.npz")["images"]
    recognizer.probabilities(recognizer.prepare_batch(images[:512]))  # warm-up
    start = time.perf_counter()
    recognizer.probabilities(recognizer.prepare_batch(images))
    in_process = len(images) / (time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as tmp:
        for i, image in enumerate(images[:2000]):
            Image.fromarray(image).save(Path(tmp) / f"{i:05d}.png")
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "kakite"), "predict", tmp], cwd=REPO, env=env(),
                       check=True, capture_output=True)
        cli = 2000 / (time.perf_counter() - start)
    return {"images": len(images), "in_process_images_per_s": round(in_process),
            "cli_2000_pngs_images_per_s_incl_startup": round(cli)}


def bench_browser() -> dict:
    from tests.test_web import HIRAGANA_A

    with serve_static({"": REPO / "web"}) as site, launch_chromium() as browser, \
            open_tab(browser, "about:blank") as tab:
        page = tab.page
        start = time.perf_counter()
        page.goto(site.url + "/?backend=wasm")
        status = page.evaluate("window.kakite.ready")
        loaded = time.perf_counter() - start
        draw_strokes(page, "#pad", HIRAGANA_A)
        start = time.perf_counter()
        page.evaluate("window.kakite.predictCanvas()")
        first = time.perf_counter() - start
        warm = page.evaluate(f"""async () => {{
            const times = [];
            for (let i = 0; i < {WARM_RUNS}; i++) {{
                const t = performance.now(); await window.kakite.predictCanvas(); times.push(performance.now() - t);
            }}
            times.sort((a, b) => a - b); return times[Math.floor(times.length / 2)];
        }}""")
    return {"backend": status["backend"], "load_to_ready_ms": round(1000 * loaded),
            "first_prediction_ms": round(1000 * first), "load_to_first_prediction_ms": round(1000 * (loaded + first)),
            "warm_prediction_median_ms": round(warm, 1)}


def bench_dvc_noop() -> dict:
    start = time.perf_counter()
    out = subprocess.run(["dvc", "repro"], cwd=REPO, env=env(), check=True, capture_output=True, text=True).stdout
    return {"noop_repro_s": round(time.perf_counter() - start, 2), "ran_a_stage": "Running stage" in out}


def main() -> None:
    results = {"predict": bench_predict(), "browser": bench_browser(), "dvc": bench_dvc_noop()}
    cnn_model = REPO / "web/model/cnn"
    results["browser"]["cnn_download_bytes"] = sum(p.stat().st_size for p in cnn_model.iterdir())
    write_json(REPO / "metrics/bench.json", results)
    print(results)


if __name__ == "__main__":
    main()
