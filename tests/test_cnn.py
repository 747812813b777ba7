"""The recognisers: exact sizes, a proper softmax, they learn, and TF.js can convert them."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import tf_keras as keras

from kakite.export.tfjs import quiet_tfdf
from kakite.recognizer.network import (
    SEED_ADADELTA_LEARNING_RATE,
    build_kakite_cnn,
    build_seed_cnn,
    compile_kakite,
)
from tests.dataset_fixtures import draw_digit

quiet_tfdf()
pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")

TFJS = Path(__file__).resolve().parents[1] / "web" / "node_modules" / "@tensorflow"
# Reads a converted model's files (argv[3]) as tf.io would load them into `artifacts`, and the inputs
# (argv[4]) into `inputs`, with TF.js core and its CPU backend in node (the page's own vendored versions).
NODE_ARTIFACTS = """
const tf = require(process.argv[2] + '/tfjs-core');
require(process.argv[2] + '/tfjs-backend-cpu');
const fs = require('fs');
const [dir, inputsFile] = [process.argv[3], process.argv[4]];
const manifest = JSON.parse(fs.readFileSync(dir + '/model.json'));
const data = Buffer.concat(manifest.weightsManifest.flatMap(group => group.paths)
  .map(path => fs.readFileSync(dir + '/' + path)));
const artifacts = {modelTopology: manifest.modelTopology,
  weightSpecs: manifest.weightsManifest.flatMap(group => group.weights),
  weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)};
const inputs = JSON.parse(fs.readFileSync(inputsFile)).map(a => tf.tensor(a));
"""
# Loads the model with TF.js's loadLayersModel (tfjs-layers, which the page loads for the style explorer) and
# prints its outputs.
TFJS_PREDICT = NODE_ARTIFACTS + """
require(process.argv[2] + '/tfjs-layers').loadLayersModel({load: async () => artifacts}).then(model => {
  const outputs = [].concat(model.predict(inputs.length > 1 ? inputs : inputs[0]));
  console.log(JSON.stringify(outputs.map(t => t.arraySync())));
});
"""


def conv_params(k: int, c_in: int, c_out: int, bias: bool = True) -> int:
    return k * k * c_in * c_out + (c_out if bias else 0)


def dense_params(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def test_seed_cnn_has_the_seed_articles_exact_size_and_optimizer():
    model = build_seed_cnn(n_classes=73, size=48)
    # 48 -> conv3 46 -> conv3 44 -> pool 22; Flatten 22 * 22 * 64 = 30,976 values into Dense(128).
    expected = conv_params(3, 1, 32) + conv_params(3, 32, 64) + dense_params(22 * 22 * 64, 128) + dense_params(128, 73)
    assert expected == 3_993_289
    assert model.count_params() == expected
    config = model.optimizer.get_config()
    assert config["name"] == "Adadelta"
    assert config["learning_rate"] == pytest.approx(SEED_ADADELTA_LEARNING_RATE) == 1.0


def test_kakite_cnn_is_small_and_its_size_is_the_documented_one():
    model = build_kakite_cnn(n_classes=73, size=48, filters=[24, 48, 96], dense=128, dropout=0.3)
    widths = [1, 24, 48, 48, 96, 96]  # one convolution in the first block, two in the others
    convs = sum(conv_params(3, a, b, bias=False) for a, b in itertools.pairwise(widths))
    batch_norm = 4 * sum(widths[1:])  # gamma, beta, moving mean, moving variance
    expected = convs + batch_norm + dense_params(96, 128) + dense_params(128, 73)
    assert model.count_params() == expected == 178_817


def test_outputs_are_probabilities_for_any_input_size():
    rng = np.random.default_rng(0)
    for size in (28, 48):
        model = build_kakite_cnn(n_classes=5, size=size, filters=[8, 16], dense=0, dropout=0.0)
        x = rng.random((3, size, size, 1), dtype=np.float32)
        probs = model.predict(x, verbose=0)
        assert probs.shape == (3, 5)
        assert np.all(probs >= 0)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def shifted_digits(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Seven-segment digits 0-4, ink = 1, each shifted by up to 2 pixels."""
    labels = rng.integers(0, 5, n)
    images = np.stack([np.roll(draw_digit(str(d)), rng.integers(-2, 3, 2), axis=(0, 1)) for d in labels])
    return (images[..., None] / 255.0).astype(np.float32), labels


def test_a_tiny_kakite_cnn_learns_a_tiny_dataset():
    keras.utils.set_random_seed(0)
    x, y = shifted_digits(160, np.random.default_rng(1))
    model = build_kakite_cnn(n_classes=5, size=28, filters=[8, 16], dense=32, dropout=0.0)
    compile_kakite(model, learning_rate=0.01)
    history = model.fit(x, y, batch_size=32, epochs=12, verbose=0).history
    assert history["loss"][-1] < 0.3 * history["loss"][0]
    assert history["accuracy"][-1] >= 0.95


def to_tfjs(model: keras.Model, out_dir: Path) -> dict:
    """Save as .h5 and convert as `tensorflowjs_converter --input_format keras x.h5 out_dir` does; check
    it is a TF.js layers model (Keras 2 topology, every weight shard present); return its model.json."""
    from tensorflowjs.converters import converter

    h5 = out_dir.with_suffix(".h5")
    model.save(h5)
    converter.dispatch_keras_h5_to_tfjs_layers_model_conversion(str(h5), str(out_dir))
    manifest = json.loads((out_dir / "model.json").read_text())
    assert manifest["format"] == "layers-model"
    assert manifest["modelTopology"]["keras_version"].startswith("2.")  # tf_keras, not Keras 3
    shards = [path for group in manifest["weightsManifest"] for path in group["paths"]]
    assert shards and all((out_dir / path).stat().st_size > 0 for path in shards)
    return manifest


def tfjs_predict(model_dir: Path, inputs: list[np.ndarray], script: str = TFJS_PREDICT, *args: str) -> list:
    """What `script` (run by node after NODE_ARTIFACTS, with `args` after its own) prints on its last line for
    the converted model in `model_dir`: by default the model's outputs through tfjs-layers, as arrays.
    Skips without node and web/node_modules."""
    if shutil.which("node") is None or not (TFJS / "tfjs-layers").is_dir():
        pytest.skip("needs node and web/node_modules (make web-vendor)")
    script_file, inputs_file = model_dir / "predict.js", model_dir / "inputs.json"
    script_file.write_text(script)
    inputs_file.write_text(json.dumps([a.tolist() for a in inputs]))
    run = subprocess.run(["node", str(script_file), str(TFJS), str(model_dir), str(inputs_file), *args],
                         capture_output=True, text=True, timeout=60, check=True)
    printed = json.loads(run.stdout.strip().splitlines()[-1])
    return [np.asarray(a, dtype=np.float32) for a in printed] if isinstance(printed, list) else printed


def test_both_cnns_convert_to_tfjs_layers_models(tmp_path):
    for name, model in {
        "kakite": build_kakite_cnn(n_classes=5, size=28, filters=[8, 16], dense=16, dropout=0.3),
        "seed": build_seed_cnn(n_classes=5, size=28),
    }.items():
        manifest = to_tfjs(model, tmp_path / name)
        layer_types = {layer["class_name"] for layer in manifest["modelTopology"]["model_config"]["config"]["layers"]}
        assert layer_types <= {
            "InputLayer", "Conv2D", "BatchNormalization", "Activation", "MaxPooling2D",
            "GlobalAveragePooling2D", "Dense", "Dropout", "Flatten",
        }


def test_tfjs_runs_the_converted_cnn_like_keras(tmp_path):
    rng = np.random.default_rng(2)
    model = build_kakite_cnn(n_classes=7, size=28, filters=[8, 16], dense=16, dropout=0.3)
    # Move the batch-norm statistics off their identity defaults, so inference mode is really tested.
    model.set_weights([w + rng.normal(0.0, 0.1, w.shape).astype(np.float32) for w in model.get_weights()])
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_variance.assign(np.abs(layer.moving_variance.numpy()) + 0.5)
    to_tfjs(model, tmp_path / "cnn")
    x = rng.random((3, 28, 28, 1), dtype=np.float32)
    (probs,) = tfjs_predict(tmp_path / "cnn", [x])
    np.testing.assert_allclose(probs, model(x, training=False).numpy(), atol=1e-5)
