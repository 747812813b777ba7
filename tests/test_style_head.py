"""The style head: the digit directions leave z_style, the writer axes stay, and folding it into the VAE's
layers computes exactly the head and its inverse."""

from __future__ import annotations

import numpy as np
import pytest

from kakite.core import metrics
from kakite.core.errors import ParamsError
from kakite.writers.style_head import fit_style_head, fold

DIGITS, WRITERS, PER = 10, 20, 40


def codes(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """z_style (n, 6): axes 0-1 carry the digit, axes 2-3 the writer (at very different scales), 4-5 noise."""
    rng = np.random.default_rng(seed)
    digits = np.tile(np.arange(DIGITS), WRITERS * PER // DIGITS)
    writers = np.repeat(np.arange(WRITERS), PER)
    z = rng.normal(size=(len(digits), 6))
    z[:, :2] += 3.0 * rng.normal(size=(DIGITS, 2))[digits]
    z[:, 2:4] += 4.0 * rng.normal(size=(WRITERS, 2))[writers] * [1.0, 0.2]
    return z, digits, writers


def split(z: np.ndarray, labels: np.ndarray) -> tuple:
    """A random half of the rows to fit a probe, the other half to score it."""
    order = np.random.default_rng(9).permutation(len(z))
    fit, score = order[::2], order[1::2]
    return z[fit], labels[fit], z[score], labels[score]


def test_erasing_the_digit_directions_leaves_the_digit_unreadable_and_the_writer_readable():
    z, digits, writers = codes()
    head = fit_style_head(z, digits, writers, erase=2)
    out = head.apply(z)
    assert out.shape == (len(z), 4) and head.size == 4
    assert metrics.linear_probe(*split(z, digits), seed=0) > 0.5
    assert metrics.linear_probe(*split(out, digits), seed=0) < 0.2  # chance: 0.1
    assert metrics.linear_probe(*split(out, writers), seed=0) == pytest.approx(
        metrics.linear_probe(*split(z, writers), seed=0), abs=0.05)


def test_writer_axes_come_first_with_unit_spread_within_writers():
    z, digits, writers = codes(1)
    out = fit_style_head(z, digits, writers, erase=2).apply(z)
    within = np.mean([out[writers == w].var(axis=0) for w in range(WRITERS)], axis=0)
    np.testing.assert_allclose(within, 1.0, rtol=0.05)
    between = np.stack([out[writers == w].mean(axis=0) for w in range(WRITERS)]).var(axis=0)
    assert list(np.argsort(-between)) == [0, 1, 2, 3]
    assert between[1] > 10 * between[2]  # the small-scale writer axis (z[:, 3]) is found, not drowned


def test_without_writer_axes_the_head_only_erases_and_the_inverse_restores_the_rest():
    z, digits, writers = codes(2)
    head = fit_style_head(z, digits, writers, erase=2, writer_axes=False)
    back = head.invert(head.apply(z))
    np.testing.assert_allclose(head.invert(head.apply(back)), back, atol=1e-9)  # a projection
    np.testing.assert_allclose(back[:, 4:], z[:, 4:], atol=0.3)  # axes without digit signal barely move
    assert np.abs(back[:, :2] - z[:, :2]).mean() > 1.0  # the digit axes are replaced by the mean


def test_erase_zero_keeps_every_axis_and_a_bad_count_names_the_key():
    z, digits, writers = codes(3)
    head = fit_style_head(z, digits, writers, erase=0, writer_axes=False)
    np.testing.assert_allclose(head.invert(head.apply(z)), z, atol=1e-9)
    for erase in (-1, 6):
        with pytest.raises(ParamsError, match=r"train_vae\.erase_digit_directions"):
            fit_style_head(z, digits, writers, erase=erase)


@pytest.mark.parametrize("variant", ["kakite", "seed"])
def test_folding_the_head_into_the_vae_computes_the_head_and_its_inverse(variant):
    import tf_keras as keras

    from kakite.writers.network import build_decoder, build_encoder

    keras.utils.set_random_seed(0)
    encoder, decoder = build_encoder(variant, 8, 3, 6), build_decoder(variant, 8, 3, 6)
    x = np.random.default_rng(0).random((400, 8, 8, 1)).astype(np.float32)
    mu_c, logvar_c, mu_s, logvar_s = encoder.predict(x, verbose=0)
    z, digits, writers = codes(4)
    head = fit_style_head(mu_s + 0.1 * z[:400], digits[:400], writers[:400], erase=2)
    new_encoder, new_decoder = fold(encoder, decoder, head, variant, 3)
    got = new_encoder.predict(x, verbose=0)
    np.testing.assert_allclose(got[0], mu_c, atol=1e-6)
    np.testing.assert_allclose(got[1], logvar_c, atol=1e-6)
    np.testing.assert_allclose(got[2], head.apply(mu_s), rtol=1e-4, atol=1e-4)
    marginal = np.exp(logvar_s) @ head.weights ** 2  # each new axis's variance under the VAE's posterior
    assert np.all(np.exp(got[3]) <= marginal * (1 + 1e-4))  # the geometric-mean bound
    images = new_decoder.predict([mu_c, got[2]], verbose=0)
    np.testing.assert_allclose(images, decoder.predict([mu_c, head.invert(got[2])], verbose=0), atol=1e-5)


def test_folded_log_variance_is_exact_when_the_posterior_variances_are_equal():
    import tf_keras as keras

    from kakite.writers.network import build_decoder, build_encoder

    keras.utils.set_random_seed(1)
    encoder, decoder = build_encoder("kakite", 8, 3, 6), build_decoder("kakite", 8, 3, 6)
    layer = encoder.get_layer("logvar_style")
    kernel, bias = layer.get_weights()
    layer.set_weights([np.zeros_like(kernel), np.full_like(bias, -0.7)])  # log sigma^2 = -0.7 on every axis
    z, digits, writers = codes(5)
    head = fit_style_head(z, digits, writers, erase=1)
    logvar = fold(encoder, decoder, head, "kakite", 3)[0].predict(np.zeros((2, 8, 8, 1), np.float32), verbose=0)[3]
    np.testing.assert_allclose(logvar, np.log(np.exp(-0.7) * (head.weights ** 2).sum(axis=0))[None].repeat(2, 0),
                               rtol=1e-5)


def test_few_images_per_writer_and_a_constant_axis_still_fit():
    """Two codes per writer, with an axis the VAE never used: a head, not a LinAlgError."""
    z, digits, writers = codes(6)
    rows = np.flatnonzero(np.arange(len(z)) % PER < 2)  # each writer's first two codes
    few = z[rows].copy()
    few[:, 5] = 0.25
    head = fit_style_head(few, digits[rows], writers[rows], erase=2)
    assert np.isfinite(head.weights).all() and np.isfinite(head.inverse_weights).all()
    assert head.apply(few).shape == (len(rows), 4)
    single = rows[::2]  # one code per writer: no within-writer spread to scale by
    with pytest.raises(ParamsError, match=r"train_vae\.writer_axes"):
        fit_style_head(z[single], digits[single], writers[single], erase=2)
    assert fit_style_head(z[single], digits[single], writers[single], erase=2, writer_axes=False).size == 4
