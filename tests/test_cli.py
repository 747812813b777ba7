"""The `kakite` command line: predict, encode and restyle on tiny model directories (tests/cli_models.py).

The CLI runs in-process through kakite.serve.cli.main, so TensorFlow is imported once for the file; one test
runs the installed console script to prove the entry point itself works.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kakite.core import preprocess
from kakite.core.charset import HIRAGANA73
from kakite.core.images import read_gray
from kakite.serve import cli
from tests import cli_models
from tests import image_fixtures as fx

TOLERANCE = 1e-6 + 1e-9  # probabilities are printed rounded to 6 decimals
PROBLEM_EXIT = cli.EXIT_SOME_FAILED
pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file:UserWarning")


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    return {"cnn": cli_models.cnn_dir(root / "cnn"), "seed": cli_models.seed_cnn_dir(root / "seed"),
            "vae": cli_models.vae_dir(root / "vae")}


def run_cli(capsys, *argv: object) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `kakite argv...`, run in this process."""
    with pytest.raises(SystemExit) as stop:
        cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return stop.value.code, captured.out, captured.err


def predict(capsys, model: Path, *paths: Path, top: int = 3) -> tuple[int, dict[str, dict], str]:
    """(exit code, {file: its JSON record}, stderr); fails if a file gets two records."""
    code, out, err = run_cli(capsys, "predict", "--model", model, "--top", top, *paths)
    records = [json.loads(line) for line in out.splitlines()]
    by_file = {r["file"]: r for r in records}
    assert len(by_file) == len(records), out
    return code, by_file, err


def save(path: Path, gray: np.ndarray | Image.Image) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    (gray if isinstance(gray, Image.Image) else Image.fromarray(gray)).save(path)
    return path


def assert_top(record: dict, k: int) -> None:
    assert set(record) == {"file", "top"}, record
    labels = [c["label"] for c in record["top"]]
    p = [c["p"] for c in record["top"]]
    assert len(labels) == k and len(set(labels)) == k and set(labels) <= set(HIRAGANA73)
    assert all(0.0 <= v <= 1.0 for v in p) and p == sorted(p, reverse=True)


def probabilities(record: dict) -> dict[str, float]:
    return {c["label"]: c["p"] for c in record["top"]}


def assert_same_prediction(a: dict, b: dict) -> None:
    pa, pb = probabilities(a), probabilities(b)
    assert pa.keys() == pb.keys()
    assert max(abs(pa[label] - pb[label]) for label in pa) <= TOLERANCE


# --- predict -------------------------------------------------------------------------------------------


def test_predict_searches_directories_recursively_for_image_suffixes(models, capsys, tmp_path):
    gray = fx.glyph()
    images = [save(tmp_path / "a.png", gray), save(tmp_path / "nested" / "deeper" / "b.jpg", gray),
              save(tmp_path / "nested" / "c.bmp", fx.thick_strokes()), save(tmp_path / "d.webp", fx.off_centre()),
              save(tmp_path / "E.PNG", fx.light_on_dark())]
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "nested" / "labels.csv").write_bytes(fx.not_an_image())
    (tmp_path / "nested" / "a.png.bak").write_bytes(fx.not_an_image())

    code, records, _ = predict(capsys, models["cnn"], tmp_path, top=4)

    assert code == 0
    assert set(records) == {str(p) for p in images}
    for record in records.values():
        assert_top(record, 4)


def test_unreadable_files_get_an_error_line_and_the_run_goes_on(models, capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "BATCH", 2)  # the bad files fall in different batches than the good ones
    good = [save(tmp_path / "1_good.png", fx.glyph()), save(tmp_path / "5_good.png", fx.scaled_up())]
    bad = [tmp_path / "2_truncated.png", tmp_path / "3_text.png", tmp_path / "4_empty.png", tmp_path / "6_missing.png"]
    bad[0].write_bytes(fx.truncated_png())
    bad[1].write_bytes(fx.not_an_image())
    bad[2].write_bytes(b"")

    code, records, err = predict(capsys, models["cnn"], *sorted(good + bad))

    assert code == PROBLEM_EXIT != 0
    assert set(records) == {str(p) for p in good + bad}
    for path in good:
        assert_top(records[str(path)], 3)
    for path in bad:
        record = records[str(path)]
        assert set(record) == {"file", "error"} and path.name in record["error"], record
    assert "4 file(s)" in err and "Traceback" not in err


def test_blank_image_is_no_character_not_a_failure(models, capsys, tmp_path):
    blank, faint = save(tmp_path / "blank.png", fx.blank()), save(tmp_path / "faint.png", fx.near_blank())
    good = save(tmp_path / "good.png", fx.glyph())

    code, records, err = predict(capsys, models["cnn"], blank, faint, good)

    assert code == 0, err
    for path in (blank, faint):
        assert records[str(path)] == {"file": str(path), "top": [], "no_character": True}
    assert_top(records[str(good)], 3)


def test_a_dot_or_a_speck_is_no_character(models, capsys, tmp_path):
    paths = [save(tmp_path / f"{name}.png", make()) for name, make in fx.SPECK_FIXTURES.items()]
    code, records, err = predict(capsys, models["cnn"], *paths)
    assert code == 0, err
    assert [records[str(path)] for path in paths] == [{"file": str(p), "top": [], "no_character": True} for p in paths]


def test_missing_model_directory_is_one_line_error(capsys, tmp_path):
    image = save(tmp_path / "a.png", fx.glyph())

    code, out, err = run_cli(capsys, "predict", "--model", tmp_path / "nowhere", image)

    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("kakite: error:") and "nowhere" in err


@pytest.mark.parametrize(("command", "wrong_model"), [("predict", "vae"), ("encode", "cnn")])
def test_a_model_directory_of_the_wrong_kind_is_one_line_error(models, capsys, tmp_path, command, wrong_model):
    image = save(tmp_path / "a.png", fx.glyph())
    extra = ["--out", tmp_path / "z.npz"] if command == "encode" else []

    code, _, err = run_cli(capsys, command, "--model", models[wrong_model], *extra, image)

    assert code != 0 and err.startswith("kakite: error:") and str(models[wrong_model]) in err


def test_rgba_16_bit_and_palette_files_predict_like_their_grey(models, capsys, tmp_path):
    files = {mode: path for mode, (path, _) in fx.write_mode_files(tmp_path).items()}
    modes = ["L", "LA", "RGBA", "I;16", "P"]  # all of these decode to the same grey image

    code, records, _ = predict(capsys, models["cnn"], *(files[m] for m in modes), top=5)

    assert code == 0
    reference = records[str(files["L"])]
    assert_top(reference, 5)
    for mode in modes[1:]:
        assert_same_prediction(records[str(files[mode])], reference)


def test_batching_does_not_change_predictions(models, capsys, tmp_path, monkeypatch):
    names = ["dark_on_light", "light_on_dark", "off_centre", "tiny", "thin_strokes", "noisy_paper"]
    paths = [str(save(tmp_path / f"{name}.png", fx.GRAY_FIXTURES[name]())) for name in names]
    k, default = len(HIRAGANA73), cli.BATCH
    runs = {}
    for batch in (default, 4, 1):  # one batch, two uneven batches, every image alone
        monkeypatch.setattr(cli, "BATCH", batch)
        _, runs[batch], _ = predict(capsys, models["cnn"], *paths, top=k)

    for path in paths:
        assert_top(runs[1][path], k)
        for batch in (default, 4):
            assert_same_prediction(runs[batch][path], runs[1][path])
    dark, light, thin = (probabilities(runs[1][p]) for p in (paths[0], paths[1], paths[4]))
    assert dark == light  # preprocessing normalises polarity before the model sees the image
    assert max(abs(dark[label] - thin[label]) for label in HIRAGANA73) > 1e-3  # other inputs, other outputs


# --- the seed recipe -------------------------------------------------------------------------------------


def test_seed_recipe_reads_raw_pixels_over_255(models, capsys, tmp_path):
    from kakite.recognizer.model_dir import Recognizer

    gray = fx.glyph(canvas=(48, 48), box=(4, 4, 44, 44))
    path = save(tmp_path / "g48.png", gray)
    recognizer = Recognizer.load(models["seed"])

    assert recognizer.spec is None
    np.testing.assert_array_equal(recognizer.prepare(gray), gray.astype(np.float32) / 255.0)
    code, records, _ = predict(capsys, models["seed"], path, top=3)
    assert code == 0
    assert_top(records[str(path)], 3)
    expected = recognizer.top_k((gray.astype(np.float32) / 255.0)[None, ..., None], 3)[0]
    assert_same_prediction(records[str(path)], {"top": expected})
    assert [c["label"] for c in records[str(path)]["top"]] == [c["label"] for c in expected]


def test_seed_recipe_refuses_other_sizes_per_file(models, capsys, tmp_path):
    fits = save(tmp_path / "a48.png", fx.glyph(canvas=(48, 48), box=(4, 4, 44, 44)))
    too_big = save(tmp_path / "b96.png", fx.glyph())

    code, records, _ = predict(capsys, models["seed"], fits, too_big)

    assert code == PROBLEM_EXIT
    assert_top(records[str(fits)], 3)
    assert "error" in records[str(too_big)]


# --- encode ----------------------------------------------------------------------------------------------


def test_encode_writes_posterior_means_in_input_order(models, capsys, tmp_path):
    from kakite.writers.model_dir import Stylist

    digits = cli_models.digit_images()
    paths = [save(tmp_path / "c.png", digits[3]), save(tmp_path / "a.png", digits[7]),
             save(tmp_path / "b.png", fx.glyph())]
    out = tmp_path / "z.npz"

    code, _, err = run_cli(capsys, "encode", "--model", models["vae"], *paths, "--out", out)

    assert code == 0, err
    with np.load(out, allow_pickle=False) as npz:
        z = {key: npz[key] for key in npz.files}
    assert set(z) == {"files", "z_content", "z_style"}
    assert z["files"].tolist() == [str(p) for p in paths]
    assert z["z_content"].shape == z["z_style"].shape == (3, cli_models.Z_CONTENT)
    stylist = Stylist.load(models["vae"])
    zc, zs = stylist.encode(np.stack([stylist.prepare(read_gray(p)) for p in paths])[..., None])
    cli_models.assert_latents_close(z["z_content"], zc)  # the CLI's LiteRT encoder against Keras
    cli_models.assert_latents_close(z["z_style"], zs)
    assert len({tuple(row) for row in np.round(z["z_style"], 4)}) == 3  # rows differ, so the order is checked


def test_encode_skips_a_blank_image_and_names_it(models, capsys, tmp_path):
    good, blank = save(tmp_path / "good.png", fx.glyph()), save(tmp_path / "blank.png", fx.blank())
    out = tmp_path / "z.npz"

    code, _, err = run_cli(capsys, "encode", "--model", models["vae"], good, blank, "--out", out)

    assert code == PROBLEM_EXIT
    with np.load(out, allow_pickle=False) as npz:
        assert npz["files"].tolist() == [str(good)]
    assert "blank.png" in err


# --- restyle ---------------------------------------------------------------------------------------------


def test_restyle_draws_one_tile_per_digit_dark_on_light(models, capsys, tmp_path):
    from kakite.writers.model_dir import Stylist

    style = save(tmp_path / "style.png", cli_models.digit_images()[4])
    out = tmp_path / "sheet.png"

    code, _, err = run_cli(capsys, "restyle", "--model", models["vae"], "--style", style, "--digits", "0123",
                           "--out", out)

    assert code == 0, err
    size, scale = preprocess.DIGITS.size, 4
    with Image.open(out) as im:
        assert (im.format, im.mode, im.size) == ("PNG", "L", (4 * size * scale, size * scale))
        sheet = np.asarray(im, dtype=np.int16)
    stylist = Stylist.load(models["vae"])
    drawn = stylist.restyle(stylist.prepare(read_gray(style))[None, ..., None], "0123")
    expected = 255.0 * (1.0 - np.concatenate(list(drawn), axis=1))  # ink 1 -> black on white paper
    assert np.abs(sheet[::scale, ::scale] - expected).max() <= 1
    tiles = np.split(sheet, 4, axis=1)
    assert any(np.abs(tiles[0] - tile).max() > 0 for tile in tiles[1:])  # each digit its own content


def test_sheet_paper_is_light_and_ink_is_dark(tmp_path):
    from kakite.writers.model_dir import Stylist

    ink = np.zeros((2, 28, 28), dtype=np.float32)
    ink[1, 10:18, 10:18] = 1.0
    Stylist.write_sheet(ink, tmp_path / "sheet.png", scale=2)

    sheet = np.asarray(Image.open(tmp_path / "sheet.png"))
    assert sheet.shape == (56, 112)
    assert sheet[:, :56].min() == 255 and sheet[20:36, 76:92].max() == 0 and sheet[:20].min() == 255


@pytest.mark.parametrize("digits", ["abc", "12a", "", "٣"])
def test_restyle_rejects_non_digits_as_usage_error(capsys, tmp_path, digits):
    code, _, err = run_cli(capsys, "restyle", "--model", tmp_path, "--style", tmp_path / "s.png", "--digits", digits,
                           "--out", tmp_path / "o.png")

    assert code == 2 and "--digits" in err and "Traceback" not in err
    assert not (tmp_path / "o.png").exists()


def test_restyle_from_a_blank_style_image_is_one_line_error(models, capsys, tmp_path):
    blank = save(tmp_path / "blank.png", fx.blank())

    code, _, err = run_cli(capsys, "restyle", "--model", models["vae"], "--style", blank, "--out", tmp_path / "o.png")

    assert code != 0 and err.startswith("kakite: error:") and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "o.png").exists()


# --- the installed console script ------------------------------------------------------------------------


def test_installed_console_script_predicts_and_reports_failures(models, tmp_path):
    script = Path(sys.executable).with_name("kakite")
    assert script.is_file(), f"{script}: the console script is not installed (pip install -e .)"
    good = save(tmp_path / "good.png", fx.glyph())
    bad = tmp_path / "bad.png"
    bad.write_bytes(fx.truncated_png())
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}

    done = subprocess.run([script, "predict", "--model", models["cnn"], "--top", "2", good, bad], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == PROBLEM_EXIT, done.stderr
    records = {r["file"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert set(records) == {str(good), str(bad)}
    assert_top(records[str(good)], 2)
    assert "bad.png" in records[str(bad)]["error"]


@pytest.mark.parametrize("top", ["0", "-1", "x"])
def test_predict_refuses_a_non_positive_top(capsys, tmp_path, top):
    code, out, err = run_cli(capsys, "predict", "--top", top, str(tmp_path))
    assert code == 2 and out == "" and "--top must be a positive integer" in err
