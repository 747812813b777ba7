"""The page's CNN: BatchNorm folded into the convolutions computes what the trained model computes."""

from __future__ import annotations

import numpy as np
import pytest
import tf_keras as keras

from kakite.export.folding import fold_for_inference
from kakite.recognizer.network import build_kakite_cnn, build_seed_cnn
from tests.test_cnn import tfjs_predict, to_tfjs

pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")


def _trained_looking(model: keras.Model, seed: int) -> keras.Model:
    """Weights and BatchNorm statistics moved off their defaults, so the fold has something to fold."""
    rng = np.random.default_rng(seed)
    model.set_weights([w + rng.normal(0.0, 0.2, w.shape).astype(np.float32) for w in model.get_weights()])
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_variance.assign(np.abs(layer.moving_variance.numpy()) + rng.uniform(0.1, 2.0))
    return model


def _kinds(model: keras.Model) -> list[str]:
    """Layer classes after the input (a Sequential model does not list its InputLayer)."""
    return [layer.__class__.__name__ for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def test_the_kakite_cnn_folds_into_fewer_layers_with_the_same_outputs():
    model = _trained_looking(build_kakite_cnn(n_classes=9, size=32, filters=[8, 12, 16], dense=24, dropout=0.3), 0)
    folded = fold_for_inference(model)
    assert _kinds(folded) == ["Conv2D", "MaxPooling2D", "Conv2D", "Conv2D", "MaxPooling2D",
                              "Conv2D", "Conv2D", "MaxPooling2D", "GlobalAveragePooling2D", "Dense", "Dense"]
    assert all(layer.get_config()["activation"] == "relu" and layer.use_bias
               for layer in folded.layers if isinstance(layer, keras.layers.Conv2D))
    x = np.random.default_rng(1).random((16, 32, 32, 1), dtype=np.float32)
    np.testing.assert_allclose(folded.predict(x, verbose=0), model(x, training=False).numpy(), atol=1e-5)
    assert folded.count_params() < model.count_params()  # the BatchNorm statistics are gone


def test_batchnorm_without_scale_or_centre_and_a_plain_conv_fold_exactly():
    inputs = keras.Input((12, 12, 2))
    x = keras.layers.Conv2D(5, 3, use_bias=True)(inputs)
    x = keras.layers.BatchNormalization(center=False, scale=False, epsilon=0.01)(x)  # no ReLU after it
    x = keras.layers.Conv2D(3, 3, activation="relu")(x)  # not followed by BatchNorm: copied
    model = _trained_looking(keras.Model(inputs, keras.layers.Flatten()(x)), 2)
    folded = fold_for_inference(model)
    assert _kinds(folded) == ["Conv2D", "Conv2D", "Flatten"]
    assert folded.layers[1].get_config()["activation"] == "linear"
    x = np.random.default_rng(3).random((4, 12, 12, 2), dtype=np.float32)
    np.testing.assert_allclose(folded.predict(x, verbose=0), model(x, training=False).numpy(), atol=1e-5)


def test_a_batchnorm_after_a_nonlinear_conv_is_kept_as_it_is():
    """Folding through a ReLU would change the function: that BatchNorm stays."""
    model = _trained_looking(keras.Sequential([
        keras.Input((10, 10, 1)), keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.BatchNormalization(),
        keras.layers.GlobalAveragePooling2D()]), 4)
    folded = fold_for_inference(model)
    assert _kinds(folded) == ["Conv2D", "BatchNormalization", "GlobalAveragePooling2D"]
    x = np.random.default_rng(5).random((3, 10, 10, 1), dtype=np.float32)
    np.testing.assert_allclose(folded.predict(x, verbose=0), model(x, training=False).numpy(), atol=1e-6)


def test_the_seed_cnn_only_loses_its_dropout():
    model = build_seed_cnn(n_classes=5, size=28)
    folded = fold_for_inference(model)
    assert _kinds(folded) == [kind for kind in _kinds(model) if kind != "Dropout"]


def test_a_model_that_is_not_a_chain_is_refused():
    inputs = keras.Input((8,))
    model = keras.Model(inputs, keras.layers.Add()([keras.layers.Dense(8)(inputs), inputs]), name="residual")
    with pytest.raises(ValueError, match="residual: layer add does not follow"):
        fold_for_inference(model)


def test_tfjs_runs_the_folded_cnn_like_the_trained_keras_model(tmp_path):
    model = _trained_looking(build_kakite_cnn(n_classes=7, size=28, filters=[8, 16], dense=16, dropout=0.3), 6)
    to_tfjs(fold_for_inference(model), tmp_path / "cnn")
    x = np.random.default_rng(7).random((3, 28, 28, 1), dtype=np.float32)
    (probs,) = tfjs_predict(tmp_path / "cnn", [x])
    np.testing.assert_allclose(probs, model(x, training=False).numpy(), atol=1e-5)
