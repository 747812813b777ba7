"""The two-bottleneck VAE: shapes, losses, the gradient reversal, training, resume and TF.js export."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from kakite.core.errors import ParamsError
from kakite.writers.network import (
    GradientReversal,
    bernoulli_nll,
    build_vae,
    cross_covariance,
    decode,
    encode_means,
    gaussian_kl,
    label_share,
    train_vae,
    writer_spread,
)
from tests.conftest import read_epoch_log
from tests.dataset_fixtures import draw_digit
from tests.test_cnn import tfjs_predict, to_tfjs

pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")

WEIGHTS = {"kl_weight": 1.0, "classifier_weight": 10.0, "crosscov_weight": 1.0, "adversary_weight": 1.0,
           "group_weight": 1.0, "digit_weight": 1.0}
TERMS = {
    "seed": {"loss", "reconstruction", "kl_content", "kl_style", "classifier", "crosscov", "accuracy"},
    "kakite": {"loss", "reconstruction", "kl_content", "kl_style", "classifier", "crosscov", "adversary", "group",
               "digit", "accuracy", "adversary_accuracy"},
}


def writer_digits(n: int, n_writers: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seven-segment digits 0-4 whose position is the writer's style (each writer has a fixed shift)."""
    rng = np.random.default_rng(seed)
    shifts = rng.integers(-3, 4, (n_writers, 2))
    labels, writers = rng.integers(0, 5, n), rng.integers(0, n_writers, n)
    images = np.stack([np.roll(draw_digit(str(d)), shifts[w], axis=(0, 1))
                       for d, w in zip(labels, writers, strict=True)])
    return (images[..., None] / 255.0).astype(np.float32), labels, writers


def vae(variant: str, z: int = 3) -> keras.Model:
    keras.utils.set_random_seed(0)
    return build_vae(variant, z_content=z, z_style=z, n_classes=5, size=28, weights=WEIGHTS)


def assert_loss_is_the_weighted_sum(logs: dict) -> None:
    expected = logs["reconstruction"] + logs["kl_content"] + logs["kl_style"] + 10.0 * logs["classifier"]
    expected += sum(logs[name] for name in ("crosscov", "adversary", "group", "digit") if name in logs)
    assert logs["loss"] == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("variant", ["seed", "kakite"])
def test_encoder_and_decoder_shapes(variant):
    x, _, _ = writer_digits(16, 4, seed=0)
    model = vae(variant, z=3)
    mu_c, logvar_c, mu_s, logvar_s = model.encoder.predict(x, verbose=0)
    assert mu_c.shape == logvar_c.shape == (16, 3) and mu_s.shape == logvar_s.shape == (16, 3)
    images = decode(model.decoder, mu_c, mu_s)
    assert images.shape == (16, 28, 28, 1) and images.min() >= 0.0 and images.max() <= 1.0
    np.testing.assert_allclose(model(x).numpy(), images, atol=1e-6)  # call() decodes the means


def test_train_step_returns_the_metric_dict():
    x, y, w = writer_digits(32, 4, seed=0)
    model = vae("seed")  # the kakite variant's dict is checked through train_vae's history below
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    logs = model.train_on_batch(x, {"label": y, "writer": w}, return_dict=True)
    assert set(logs) == TERMS["seed"]
    assert all(np.isfinite(value) for value in logs.values())
    assert_loss_is_the_weighted_sum(logs)


def test_seed_variant_is_the_articles_mlp():
    model = vae("seed", z=1)
    hidden, pixels = 500, 28 * 28
    # encoder 784 -> 500 tanh -> four 1-D heads; decoder: two Dense(500) branches summed -> 784 sigmoid
    assert model.encoder.count_params() == (pixels * hidden + hidden) + 4 * (hidden + 1)
    assert model.decoder.count_params() == 2 * (1 * hidden + hidden) + (hidden * pixels + pixels)
    assert model.classifier.count_params() == 1 * 5 + 5  # a linear softmax on z_a


def test_optional_terms_follow_their_weights_and_bad_settings_fail():
    no_extras = build_vae("kakite", 2, 2, 5, 28, {"crosscov_weight": 0.0, "adversary_weight": 0.0})
    assert list(no_extras.terms) == ["reconstruction", "kl_content", "kl_style", "classifier"]
    assert no_extras.adversary is None
    with pytest.raises(ParamsError, match="variant"):
        build_vae("transformer", 2, 2, 5, 28, WEIGHTS)
    with pytest.raises(ParamsError, match="unknown loss weight"):
        build_vae("seed", 2, 2, 5, 28, {"beta": 4.0})
    with pytest.raises(ParamsError, match="divisible by 4"):
        build_vae("kakite", 2, 2, 5, 30, WEIGHTS)


def test_gradient_reversal_is_identity_forward_and_negates_gradients():
    x = tf.Variable([[1.0, -2.0, 3.0]])
    c = tf.constant([[2.0, 5.0, -1.0]])
    with tf.GradientTape(persistent=True) as tape:
        reversed_out = GradientReversal()(x)
        plain = tf.reduce_sum(x * c)
        flipped = tf.reduce_sum(reversed_out * c)
    np.testing.assert_array_equal(reversed_out.numpy(), x.numpy())
    np.testing.assert_array_equal(tape.gradient(flipped, x).numpy(), -tape.gradient(plain, x).numpy())


def test_loss_terms_have_their_textbook_values():
    x = tf.constant(np.full((1, 2, 2, 1), 1.0, np.float32))
    assert float(bernoulli_nll(x, tf.fill((1, 2, 2, 1), 0.5))[0]) == pytest.approx(4 * np.log(2), rel=1e-4)
    assert float(gaussian_kl(tf.zeros((1, 3)), tf.zeros((1, 3)))[0]) == pytest.approx(0.0)
    assert float(gaussian_kl(tf.ones((1, 2)), tf.zeros((1, 2)))[0]) == pytest.approx(1.0)  # 0.5 * |mu|^2
    a = tf.constant([[1.0], [-1.0], [1.0], [-1.0]])
    b = tf.constant([[1.0], [1.0], [-1.0], [-1.0]])  # uncorrelated with a
    assert float(cross_covariance(a, b)) == pytest.approx(0.0, abs=1e-6)
    assert float(cross_covariance(a, 3.0 * a)) == pytest.approx(0.5, abs=2e-3)  # corr 1 (up to the variance floor)


def test_writer_spread_is_zero_for_consistent_writers_and_scale_free():
    writers = tf.constant([5, 5, 9, 9, 2, 2])
    consistent = tf.constant([[1.0, 0.0], [1.0, 0.0], [0.0, 2.0], [0.0, 2.0], [-1.0, 1.0], [-1.0, 1.0]])
    assert float(writer_spread(consistent, writers)) == pytest.approx(0.0, abs=1e-6)
    z = tf.constant(np.random.default_rng(0).normal(size=(6, 2)), tf.float32)
    spread = float(writer_spread(z, writers))
    assert 0.0 < spread <= 1.0
    assert float(writer_spread(10.0 * z, writers)) == pytest.approx(spread, rel=1e-4)


def test_label_share_is_zero_when_every_label_has_the_same_mean():
    labels = tf.constant([0, 0, 1, 1])
    same_means = tf.constant([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    assert float(label_share(same_means, labels)) == pytest.approx(0.0, abs=1e-6)
    apart = tf.constant([[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [-1.0, 0.0]])
    assert float(label_share(apart, labels)) == pytest.approx(1.0, abs=1e-6)


def test_digit_term_is_kakite_only_and_follows_its_weight():
    assert "digit" in build_vae("kakite", 2, 2, 5, 28, WEIGHTS).terms
    assert "digit" not in build_vae("seed", 2, 2, 5, 28, WEIGHTS).terms
    assert "digit" not in build_vae("kakite", 2, 2, 5, 28, {**WEIGHTS, "digit_weight": 0.0}).terms


def test_train_vae_trains_on_writer_batches_and_logs_every_term(tmp_path):
    x, y, w = writer_digits(192, 6, seed=1)
    x_val, y_val, w_val = writer_digits(64, 6, seed=2)
    model = vae("kakite")
    history = train_vae(model, x, y, w, x_val, y_val, w_val, epochs=2, batch_size=32, lr=2e-3, seed=7,
                        log_dir=tmp_path / "log", checkpoint_dir=tmp_path / "ckpt", verbose=0)
    assert history["epoch"] == [1, 2]
    assert set(history) == {"epoch"} | TERMS["kakite"] | {f"val_{name}" for name in TERMS["kakite"]}
    assert_loss_is_the_weighted_sum({name: values[-1] for name, values in history.items()})
    assert history["loss"][1] < history["loss"][0]
    assert [row["step"] for row in read_epoch_log(tmp_path / "log")] == ["0", "1"]  # 2 epochs
    assert (tmp_path / "ckpt" / "epoch-0002" / "state.json").is_file()


def test_sampling_noise_restarts_when_reseeded():
    """What makes a resumed VAE epoch draw the noise the uninterrupted one drew (fit_resumable calls
    model.reseed at every epoch start; tests/test_training.py checks resume itself)."""
    model = vae("seed", z=4)
    mu, logvar = tf.zeros((3, 4)), tf.zeros((3, 4))
    model.reseed(123)
    first = model.sampling([mu, logvar]).numpy()
    assert not np.array_equal(first, model.sampling([mu, logvar]).numpy())  # fresh noise each call
    model.reseed(123)
    np.testing.assert_array_equal(model.sampling([mu, logvar]).numpy(), first)


def test_encoder_and_decoder_export_to_tfjs_and_agree_with_keras(tmp_path):
    x, _, _ = writer_digits(4, 2, seed=3)
    model = vae("kakite", z=4)
    z_content, z_style = encode_means(model.encoder, x)
    assert z_content.shape == z_style.shape == (4, 4)
    for part, inputs in (("encoder", [x]), ("decoder", [z_content, z_style])):
        keras_model = getattr(model, part)
        manifest = to_tfjs(keras_model, tmp_path / part)
        topology = json.dumps(manifest["modelTopology"])
        assert "Sampling" not in topology and "GradientReversal" not in topology  # training-only layers
        expected = keras_model(inputs if len(inputs) > 1 else inputs[0], training=False)
        expected = expected if isinstance(expected, list) else [expected]
        for got, want in zip(tfjs_predict(tmp_path / part, inputs), expected, strict=True):
            np.testing.assert_allclose(got, want.numpy(), atol=1e-5)
