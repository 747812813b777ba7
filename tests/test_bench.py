"""The benchmark's measuring parts: Zinnia's input and output, the regenerated trajectories, the scores."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from bench.accuracy import regenerate_trajectories, score
from bench.zinnia import CANVAS, Zinnia, parse_nbest, sexpr
from kakite.acquire import synth
from kakite.acquire.kanjivg import load_strokes
from kakite.core.charset import HIRAGANA73
from kakite.core.errors import KakiteError
from kakite.core.metrics import wilson_interval
from kakite.core.params import load_params
from tests.conftest import PARAMS

ZINNIA_LACKS = "がぎぐげござじずぜぞだぢづでどばぱびぴぶぷべぺぼぽゐゑ"  # voiced kana, ゐ and ゑ


def test_sexpr_is_zinnias_character_format():
    strokes = [np.array([[0.1, 0.2, 0.05], [0.5, 0.25, 0.05]]), np.array([[0.0, 1.2], [1.0, 0.9994]])]
    assert sexpr(strokes) == (f"(character (width {CANVAS})(height {CANVAS})"
                              "(strokes ((100 200)(500 250))((0 1000)(1000 999))))")


def test_parse_nbest_keeps_the_order_and_splits_characters():
    out = "Answer: \nあ 0.9\n安 -0.1\nAnswer: \nの 1.2\n"
    assert parse_nbest(out) == [["あ", "安"], ["の"]]
    with pytest.raises(KakiteError, match="before the first 'Answer:'"):
        parse_nbest("あ 0.9\n")


def test_zinnias_japanese_model_covers_46_of_the_73_classes():
    covered = set(HIRAGANA73) & Zinnia().classes()
    assert len(covered) == 46
    assert covered == set(HIRAGANA73) - set(ZINNIA_LACKS)


def test_zinnia_reads_kanjivg_strokes_the_right_way_up():
    """Clean KanjiVG strokes: most covered kana come back first; flipped upside down, far fewer do."""
    covered = [c for c in HIRAGANA73 if c not in ZINNIA_LACKS]
    upright = [load_strokes(c) for c in covered]
    flipped = [[np.column_stack([s[:, 0], 1.0 - s[:, 1]]) for s in strokes] for strokes in upright]
    zinnia = Zinnia()
    hits = [sum(r[0] == c for r, c in zip(zinnia.rank_within(chars, HIRAGANA73, 5), covered, strict=True))
            for chars in (upright, flipped)]
    assert hits[0] >= 35 and hits[1] <= 15, hits


def test_wilson_interval_matches_published_values():
    assert wilson_interval(5, 10) == (0.2366, 0.7634)
    assert wilson_interval(95, 100) == (0.8882, 0.9785)
    assert wilson_interval(0, 10) == (0.0, 0.2775) and wilson_interval(10, 10) == (0.7225, 1.0)
    assert wilson_interval(0, 0) == (0.0, 0.0)


def test_score_counts_top1_and_top5():
    truth = np.array(["あ", "い", "う", "え"])
    ranked = [["あ"], ["う", "い"], ["a", "b", "c", "d", "e", "う"], []]
    s = score(truth, ranked)
    assert (s["n"], s["top1"], s["top5"]) == (4, 0.25, 0.5)
    assert s["top1_ci95"] == list(wilson_interval(1, 4)) and s["top5_ci95"] == list(wilson_interval(2, 4))


@pytest.fixture(scope="module")
def one_writer_test_split() -> tuple[dict, object]:
    """A test split holding what params.yaml's writer w003 wrote, read back from the PNGs as grayscale does."""
    cfg = load_params("fetch", path=PARAMS)
    job, plan = next((j, p) for j, p in synth.hiragana_jobs(cfg) if j.name == "w003")
    rendered = synth.render_job(job, plan)
    test = {"files": np.array([m for m, _, _ in rendered]), "domains": np.array(["strokes"] * len(rendered)),
            "writers": np.array(["w003"] * len(rendered)),
            "images": np.stack([np.asarray(Image.open(io.BytesIO(png))) for _, png, _ in rendered])}
    return test, cfg


def test_regenerated_trajectories_draw_the_test_images(one_writer_test_split):
    from kakite.acquire.strokes import rasterize

    test, cfg = one_writer_test_split
    trajectories = regenerate_trajectories(test, cfg)
    assert len(trajectories) == len(test["files"]) == cfg.hiragana.samples_per_writer * len(HIRAGANA73)
    for i in (0, len(trajectories) // 2, len(trajectories) - 1):
        assert np.array_equal(rasterize(trajectories[i], test["images"].shape[1]), test["images"][i])


def test_a_test_image_the_params_no_longer_draw_is_refused(one_writer_test_split):
    test, cfg = one_writer_test_split
    changed = {**test, "images": test["images"].copy()}
    changed["images"][5, 20:28, 20:28] = 0
    with pytest.raises(KakiteError, match=f"{test['files'][5]}: params.yaml's fetch block no longer draws"):
        regenerate_trajectories(changed, cfg)


# --- speed: the CLI as a fresh process, the page per backend (fixture models) ---------------------------


def test_cli_cold_and_throughput_measure_kakite_and_zinnia(tmp_path):
    from bench import cli_speed
    from tests import cli_models
    from tests.conftest import REPO
    from tests.image_fixtures import glyph

    model = cli_models.cnn_dir(tmp_path / "cnn")
    character = [np.array([[0.2, 0.3], [0.8, 0.3]]), np.array([[0.5, 0.1], [0.5, 0.9]])]

    cold = cli_speed.cold(REPO, model, glyph(), character, runs=1)
    speed = cli_speed.throughput(REPO, model, np.stack([glyph()] * 3), n=12, runs=1)

    for system in ("kakite_predict", "zinnia_cli"):
        assert cold[system]["wall_ms"] > 0 and cold[system]["peak_rss_mib"] > 1
    assert speed["files"] == 12 and speed["images_per_s"] > 0


def test_a_failing_command_is_an_error_not_a_number(tmp_path):
    from bench import cli_speed

    with pytest.raises(KakiteError, match="exited 1"):
        cli_speed.process_cost(["false"], tmp_path)


@pytest.mark.browser
def test_browser_speed_reports_each_backend_the_choice_and_the_bytes(tmp_path):
    import shutil

    from bench import speed
    from bench.browser import HIRAGANA_A
    from tests.conftest import REPO
    from tests.web_model_fixture import build

    if not (REPO / "web" / "vendor" / "tf-core.es2017.min.js").exists():
        pytest.skip("web/vendor/ has no TF.js: run `make web-vendor`")
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "web", repo / "web", ignore=shutil.ignore_patterns("node_modules", "model", "screenshots"))
    shutil.copytree(build(tmp_path / "fixture").model_dir, repo / "web" / "model")

    result = speed.browser(repo, HIRAGANA_A)

    first, again = result["first_visit"], result["next_visit"]
    assert {"wasm", "cpu"} <= set(result["warm_median_ms_by_backend"])
    assert first["backend"] == min(first["timings_ms"], key=first["timings_ms"].get) == again["backend"]
    assert first["cross_origin_isolated"] is True
    assert 0 <= again["wire_bytes"] < first["wire_bytes"] < first["wire_bytes_with_explorer"]  # cache; the VAE
    assert first["wire_bytes"] < first["decoded_bytes"] < first["decoded_bytes_with_explorer"]  # gzip
    assert first["load_to_first_prediction_ms"] > 0 and result["cnn_download_bytes"] > 0
    assert first["first_backend"] == "wasm" and first["load_to_backend_chosen_ms"] > 0


def test_readme_speed_rows_include_the_cli_and_the_page():
    from kakite.report import readme

    visit = {"first_backend": "wasm", "backend": "wasm", "timings_ms": {"wasm": 2.0},
             "load_to_first_prediction_ms": 300, "load_to_backend_chosen_ms": 450,
             "wire_bytes": 500_000, "decoded_bytes": 900_000, "wire_bytes_with_explorer": 800_000,
             "decoded_bytes_with_explorer": 2_000_000}
    page = readme._page_rows({"warm_median_ms_by_backend": {"wasm": 2.0, "cpu": 9.5}, "first_visit": visit,
                              "next_visit": {**visit, "wire_bytes": 7_000, "load_to_first_prediction_ms": 200}})
    cli = readme._cli_rows({"cold": {"runs": 7, "kakite_predict": {"wall_ms": 400.0, "peak_rss_mib": 90.0},
                                     "zinnia_cli": {"wall_ms": 16.0, "peak_rss_mib": 29.0}},
                            "throughput": {"files": 2000, "images_per_s": 2500}})

    assert page[0] == ("in the browser, warm median per backend (forced with ?backend=)", "wasm 2.0 ms, cpu 9.5 ms",
                       "", "")
    assert [row[1] for row in page[1:]] == ["300 ms / 200 ms", "450 ms", "0.50 MB / 0.90 MB", "0.01 MB",
                                            "0.80 MB / 2.00 MB"]
    assert cli[0][1:] == ("400 ms / 90 MiB", "16 ms / 29 MiB (Zinnia CLI)", "0.04×")
    assert cli[1][1] == "2,500 images/s"
