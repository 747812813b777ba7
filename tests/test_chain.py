"""web/chain.js, which runs the page's recognizer on TF.js core ops without tfjs-layers: in node, on the
exported recognizers, against Keras and against tfjs-layers; and what it refuses, by name."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import tf_keras as keras

from kakite.export.folding import fold_for_inference
from kakite.export.tfjs import export
from kakite.recognizer.network import build_kakite_cnn, build_seed_cnn
from tests.test_cnn import NODE_ARTIFACTS, tfjs_predict, to_tfjs
from tests.test_folding import _trained_looking

pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")

CHAIN_JS = Path(__file__).resolve().parents[1] / "web" / "chain.js"
# buildChain from a copy of web/chain.js as an ES module (argv[5]); prints the outputs, or {error}.
CHAIN_PREDICT = NODE_ARTIFACTS + """
globalThis.tf = tf;
import(require('url').pathToFileURL(process.argv[5]).href).then(({ buildChain }) => {
  try {
    const model = buildChain(artifacts);
    console.log(JSON.stringify([model.apply(inputs[0]).arraySync()]));
  } catch (err) {
    console.log(JSON.stringify({ error: err.message }));
  }
});
"""


def chain_predict(model_dir: Path, x: np.ndarray):
    """The chain's output for x on the converted model in model_dir, or {"error": message}."""
    module = model_dir / "chain.mjs"
    shutil.copy(CHAIN_JS, module)
    return tfjs_predict(model_dir, [x], CHAIN_PREDICT, str(module))


def test_the_folded_recognizer_gives_the_keras_probabilities(tmp_path):
    model = _trained_looking(build_kakite_cnn(n_classes=7, size=28, filters=[8, 16], dense=16, dropout=0.3), 6)
    to_tfjs(fold_for_inference(model), tmp_path / "cnn")
    x = np.random.default_rng(7).random((3, 28, 28, 1), dtype=np.float32)
    (probs,) = chain_predict(tmp_path / "cnn", x)
    np.testing.assert_allclose(probs, model(x, training=False).numpy(), atol=1e-5)


def test_batchnorm_valid_padding_flatten_and_dropout_give_the_keras_outputs(tmp_path):
    """The unfolded recognizer (BatchNorm, Activation, Dropout) and the seed's (valid convolutions, Flatten)."""
    x = np.random.default_rng(8).random((2, 20, 20, 1), dtype=np.float32)
    for name, model in {"unfolded": build_kakite_cnn(n_classes=5, size=20, filters=[4, 6], dense=8, dropout=0.2),
                        "seed": build_seed_cnn(n_classes=5, size=20)}.items():
        model = _trained_looking(model, 3)
        to_tfjs(model, tmp_path / name)
        (probs,) = chain_predict(tmp_path / name, x)
        np.testing.assert_allclose(probs, model(x, training=False).numpy(), atol=1e-5, err_msg=name)


def test_global_pooling_that_keeps_its_dimensions_gives_the_keras_outputs(tmp_path):
    layers = keras.layers
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(3, 3, activation="relu"),
                              layers.GlobalAveragePooling2D(keepdims=True)])
    model = _trained_looking(model, 4)
    to_tfjs(model, tmp_path / "keepdims")
    x = np.random.default_rng(11).random((2, 8, 8, 1), dtype=np.float32)
    (out,) = chain_predict(tmp_path / "keepdims", x)
    expected = model(x, training=False).numpy()
    assert out.shape == expected.shape == (2, 1, 1, 3)
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_uint8_weights_are_read_as_tfjs_layers_reads_them(tmp_path):
    """The export the page downloads is quantised: the chain must dequantise exactly as tfjs-layers does."""
    model = _trained_looking(build_kakite_cnn(n_classes=7, size=28, filters=[8, 16], dense=16, dropout=0.3), 9)
    export(fold_for_inference(model), tmp_path / "cnn", "uint8")
    x = np.random.default_rng(10).random((2, 28, 28, 1), dtype=np.float32)
    (chain,) = chain_predict(tmp_path / "cnn", x)
    (layers,) = tfjs_predict(tmp_path / "cnn", [x])
    np.testing.assert_allclose(chain, layers, atol=1e-6)
    assert np.abs(chain - model(x, training=False).numpy()).max() > 1e-6  # really the quantised weights


def test_what_it_cannot_run_is_refused_by_layer_name(tmp_path):
    inputs = keras.Input((6, 6, 1))
    flat = keras.layers.Flatten(name="flat")(inputs)
    residual = keras.Model(inputs, keras.layers.Add(name="add")([keras.layers.Dense(36, name="d")(flat), flat]))
    transposed = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2DTranspose(2, 3, name="up")])
    tanh = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(2, 3, activation="tanh", name="c")])
    x = np.zeros((1, 6, 6, 1), np.float32)
    for name, model, message in [("residual", residual, "layer add does not follow d alone"),
                                 ("transposed", transposed, "layer up: Conv2DTranspose is not supported"),
                                 ("tanh", tanh, "layer c: activation tanh is not supported")]:
        to_tfjs(model, tmp_path / name)
        assert chain_predict(tmp_path / name, x) == {"error": message}, name
