"""The CLI's light path: LiteRT models, no TensorFlow, and hostile inputs, paths and model folders.

The subprocess tests run `python -m kakite.serve.cli` from a foreign directory, as a user would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kakite.core import entry
from kakite.recognizer.model_dir import Recognizer
from kakite.serve import cli
from tests import cli_models
from tests import image_fixtures as fx
from tests.conftest import REPO, as_from_a_terminal

pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file:UserWarning")


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    return {"cnn": cli_models.cnn_dir(root / "cnn"), "vae": cli_models.vae_dir(root / "vae")}


def save(path: Path, gray: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(gray).save(path, format="PNG")
    return path


def kakite(*argv: object, cwd: Path, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """`python -X importtime -m kakite.serve.cli argv...` in `cwd` (bytes out; stderr keeps the import log)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    command = [sys.executable, "-X", "importtime", "-m", "kakite.serve.cli", *map(os.fsencode, map(str, argv))]
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(command, cwd=cwd, env=env, timeout=120, **kwargs)


def split_stderr(err: bytes) -> tuple[set[str], str]:
    """(modules imported, the rest of stderr) from a `-X importtime` run."""
    modules, rest = set(), []
    for line in err.decode("utf-8", "backslashreplace").splitlines():
        if line.startswith("import time:"):
            modules.add(line.rsplit("|", 1)[-1].strip())
        else:
            rest.append(line)
    return modules, "\n".join(rest)


def run_cli(capsys, *argv: object) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return stop.value.code, captured.out, captured.err


def assert_one_line_error(code: int, err: str, *names: str) -> None:
    assert code not in (0, None) and err.startswith("kakite: error:"), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for name in names:
        assert name in err, err


# --- no TensorFlow, no noise ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["predict", "encode", "restyle"])
def test_commands_never_import_tensorflow_and_print_no_native_noise(models, tmp_path, command):
    image = save(tmp_path / "in" / "a.png", cli_models.digit_images()[3])
    argv = {"predict": ["predict", "--model", models["cnn"], image],
            "encode": ["encode", "--model", models["vae"], "--out", tmp_path / "z.npz", image],
            "restyle": ["restyle", "--model", models["vae"], "--style", image, "--out", tmp_path / "s.png"]}[command]

    done = kakite(*argv, cwd=tmp_path)

    modules, rest = split_stderr(done.stderr)
    assert done.returncode == 0, rest
    assert "ai_edge_litert.interpreter" in modules
    assert not {m for m in modules if m.split(".")[0] in ("tensorflow", "tf_keras", "keras")}
    assert all(line.startswith("kakite: ") for line in rest.splitlines()), rest  # no XNNPACK/absl lines


def test_runtime_probabilities_match_keras(models):
    x = np.stack([Recognizer.load(models["cnn"]).prepare(fx.GRAY_FIXTURES[name]()) for name in
                  ("dark_on_light", "off_centre", "tiny", "thin_strokes", "noisy_paper")])[..., None]

    keras_p = Recognizer.load(models["cnn"]).probabilities(x)
    lite_p = Recognizer.load(models["cnn"], runtime=True).probabilities(x)

    assert lite_p.shape == keras_p.shape == (5, 73)
    assert np.abs(lite_p - keras_p).max() <= 1e-4
    assert np.abs(lite_p[0] - lite_p[2]).max() > 1e-3  # other images, other answers


def test_runtime_encoder_and_decoder_match_keras(models):
    from kakite.writers.model_dir import Stylist

    keras, lite = Stylist.load(models["vae"]), Stylist.load(models["vae"], runtime=True)
    x = np.stack([keras.prepare(g) for g in cli_models.digit_images()])[..., None]
    z = list(keras.encode(x))

    for got, want in zip(lite.encode(x), z, strict=True):
        cli_models.assert_latents_close(got, want)
    # the same float32 rounding of latents ~300 moves a steep pixel by ~2e-4
    np.testing.assert_allclose(lite.decoder.predict(z), keras.decoder.predict(z, verbose=0), atol=1e-3)


# --- arguments and paths -------------------------------------------------------------------------------


def test_version(capsys):
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0 and out.strip() == "kakite 0.1.0"


def test_default_models_are_found_from_the_package_not_the_current_directory():
    args = cli.build_parser().parse_args(["predict", "x.png"])
    assert Path(args.model) == REPO / "data" / "models" / "runtime" / "cnn"
    args = cli.build_parser().parse_args(["encode", "--out", "z.npz", "x.png"])
    assert Path(args.model) == REPO / "data" / "models" / "runtime" / "vae"


def test_an_empty_input_directory_is_an_error(models, capsys, tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "notes.txt").write_text("no images here")

    code, out, err = run_cli(capsys, "predict", "--model", models["cnn"], tmp_path / "empty")

    assert out == ""
    assert_one_line_error(code, err, "no image files", "empty")


@pytest.mark.parametrize("command", ["encode", "restyle"])
@pytest.mark.parametrize("bad_out", ["is_a_dir", "missing/z.out"])
def test_out_path_is_checked_before_the_model_is_loaded(capsys, tmp_path, command, bad_out):
    (tmp_path / "is_a_dir").mkdir()
    image = save(tmp_path / "a.png", fx.glyph())
    out = tmp_path / bad_out
    extra = [image] if command == "encode" else ["--style", image]

    code, _, err = run_cli(capsys, command, "--model", tmp_path / "no_model_here", "--out", out, *extra)

    assert_one_line_error(code, err, str(out.name if bad_out == "is_a_dir" else out))
    assert "no_model_here" not in err  # refused before the model was even looked for


@pytest.mark.parametrize("encoding", ["utf-8:strict", "ascii", "latin-1"])
def test_undecodable_file_names_are_escaped_in_valid_json(models, tmp_path, encoding):
    folder = tmp_path / "in"
    good = save(folder / "あ.png", fx.glyph())
    raw = save(Path(os.fsdecode(os.fsencode(folder) + b"/bad\xff\xfe.png")), fx.glyph())

    done = kakite("predict", "--model", models["cnn"], folder, cwd=tmp_path,
                  env={"PYTHONIOENCODING": encoding, "LC_ALL": "C"})

    _, rest = split_stderr(done.stderr)
    assert done.returncode == 0 and "Traceback" not in rest, rest
    files = {json.loads(line)["file"] for line in done.stdout.decode("utf-8").splitlines()}
    assert files == {str(good), str(folder / "bad\\xff\\xfe.png")}
    assert raw.is_file()


def test_a_reader_that_stops_early_ends_the_run_quietly(models, tmp_path):
    for i in range(3):
        save(tmp_path / "in" / f"{i}.png", fx.glyph())
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -0`: whatever kakite writes meets a closed pipe
    try:
        done = kakite("predict", "--model", models["cnn"], tmp_path / "in", cwd=tmp_path, stdout=write_end)
    finally:
        os.close(write_end)
    _, rest = split_stderr(done.stderr)
    assert done.returncode == entry.EXIT_BROKEN_PIPE and rest == "", rest


# --- things that are not readable images ---------------------------------------------------------------


def test_a_fifo_named_png_is_refused_not_read(models, capsys, tmp_path):
    good = save(tmp_path / "in" / "good.png", fx.glyph())
    fifo = tmp_path / "in" / "pipe.png"
    os.mkfifo(fifo)

    code, out, err = run_cli(capsys, "predict", "--model", models["cnn"], tmp_path / "in", fifo)

    records = [json.loads(line) for line in out.splitlines()]
    assert code == cli.EXIT_SOME_FAILED
    assert {r["file"] for r in records if "top" in r} == {str(good)}
    errors = [r for r in records if "error" in r]
    assert [r["file"] for r in errors] == [str(fifo)]  # named: an error record
    assert "not a regular file" in errors[0]["error"]
    assert f"{fifo}: not a regular file" in err  # found in the folder: reported on stderr


def test_unlistable_folders_and_link_loops_are_reported(models, capsys, tmp_path, monkeypatch):
    root = tmp_path / "in"
    good = save(root / "good.png", fx.glyph())
    (root / "locked").mkdir()
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "self.png").symlink_to(root / "self.png")
    listdir = os.listdir

    def denied(path):
        if Path(path).name == "locked":  # root ignores file modes, so the refusal is simulated
            raise PermissionError(13, "Permission denied")
        return listdir(path)

    monkeypatch.setattr(os, "listdir", denied)
    code, out, err = run_cli(capsys, "predict", "--model", models["cnn"], root)

    assert code == cli.EXIT_SOME_FAILED
    assert [json.loads(line)["file"] for line in out.splitlines()] == [str(good)]
    assert f"{root / 'locked'}: cannot list directory (Permission denied)" in err
    assert f"{root / 'loop'}: symbolic link loop" in err
    assert f"{root / 'self.png'}: cannot read" in err


# --- damaged model folders -----------------------------------------------------------------------------


def _edit_meta(directory: Path, change) -> None:
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    change(meta)
    (directory / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


DAMAGE = {
    "truncated_weights": ("model.tflite", lambda d: (d / "model.tflite").write_bytes(
        (d / "model.tflite").read_bytes()[:2000])),
    "meta_not_json": ("meta.json", lambda d: (d / "meta.json").write_text("{labels: oops", encoding="utf-8")),
    "unknown_spec_version": ("meta.json", lambda d: _edit_meta(d, lambda m: m["preprocess"].update(version=99))),
    "wrong_input_size": ("model.tflite", lambda d: _edit_meta(d, lambda m: m["spec"].update(size=64, box=50))),
    "too_few_labels": ("model.tflite", lambda d: _edit_meta(d, lambda m: m.update(labels=m["labels"][:5]))),
    "labels_not_characters": ("meta.json", lambda d: _edit_meta(d, lambda m: m.update(labels=[1, 2, 3]))),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_model_folder_is_one_line_error_naming_the_file(models, capsys, tmp_path, damage):
    folder = shutil.copytree(models["cnn"], tmp_path / "cnn")
    culprit, harm = DAMAGE[damage]
    harm(folder)
    image = save(tmp_path / "a.png", fx.glyph())

    code, out, err = run_cli(capsys, "predict", "--model", folder, image)

    assert out == ""
    assert_one_line_error(code, err, str(folder / culprit))


def test_a_truncated_keras_file_is_one_line_error_naming_it(models, tmp_path):
    from kakite.core.errors import KakiteError

    folder = shutil.copytree(models["cnn"], tmp_path / "cnn")
    (folder / "model.h5").write_bytes((folder / "model.h5").read_bytes()[:3000])
    with pytest.raises(KakiteError, match=r"model\.h5"):
        Recognizer.load(folder)



def test_ctrl_c_mid_run_is_one_line_and_exit_130(models, tmp_path):
    folder = tmp_path / "many"
    for i in range(2000):  # far more than can be read before the signal lands
        save(folder / f"{i:04d}.png", fx.glyph())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "kakite.serve.cli", "predict", "--model", str(models["cnn"]),
                             str(folder)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=as_from_a_terminal)
    assert proc.stdout.readline().startswith("{")  # predicting now
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (130, "kakite: interrupted\n")
