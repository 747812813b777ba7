"""Tiny model directories in the layouts the pipeline leaves, so the CLI tests need no `dvc repro`.

- ``cnn_dir``: what train_cnn writes for recipe "kakite" (model.h5 + meta.json, via Recognizer.save);
- ``seed_cnn_dir``: the same for recipe "seed" (spec None: raw pixels / 255);
- ``vae_dir``: what stages/train_vae.py writes (encoder.h5, decoder.h5, meta.json with content_means).

Each also holds the LiteRT runtime files export_tfjs writes (model.tflite; encoder.tflite and
decoder.tflite), so one folder loads both ways: Keras (runtime=False) and LiteRT, which the CLI uses.

Nothing is trained: weights are random but seeded (web_model_fixture's spread, so the softmax is
peaked and probabilities differ between images), which is all the CLI's plumbing needs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kakite.core import preprocess
from kakite.core.charset import DIGITS, HIRAGANA73
from kakite.export import litert
from kakite.writers import disentangle
from kakite.writers.model_dir import Stylist
from tests.image_fixtures import glyph
from tests.web_model_fixture import _randomise as randomise

CNN_FILTERS, CNN_DENSE = [4, 8], 8
Z_CONTENT, Z_STYLE = 2, 2
VAE_LOSS_WEIGHTS = {"kl_weight": 1.0, "classifier_weight": 1.0}


def cnn_dir(directory: Path, seed: int = 0) -> Path:
    """A recipe-"kakite" recognizer directory (inputs prepared by preprocess.HIRAGANA)."""
    return _save_cnn(directory, preprocess.HIRAGANA, "kakite", seed)


def seed_cnn_dir(directory: Path, seed: int = 1) -> Path:
    """A recipe-"seed" recognizer directory: the model reads raw 48 x 48 pixels / 255."""
    return _save_cnn(directory, None, "seed", seed)


def vae_dir(directory: Path, seed: int = 2) -> Path:
    """encoder.h5, decoder.h5 and meta.json as stages/train_vae.py saves them (variant "kakite", 2 + 2 latents)."""
    from kakite.writers.network import build_vae

    spec = preprocess.DIGITS
    model = build_vae("kakite", Z_CONTENT, Z_STYLE, len(DIGITS), spec.size, VAE_LOSS_WEIGHTS)
    rng = np.random.default_rng(seed)
    for part in (model.encoder, model.decoder):
        randomise(part, rng)
    x = disentangle.digit_inputs(digit_images())
    meta = Stylist.save(directory, model.encoder, model.decoder, DIGITS,
                        {"variant": "kakite", "z_content": Z_CONTENT, "z_style": Z_STYLE,
                         **disentangle.latent_summary(model.encoder, x, np.arange(len(DIGITS)))})
    stylist = Stylist(model.encoder, model.decoder, spec, np.asarray(meta["content_means"]), meta)
    stylist.save_runtime(directory, litert.to_flatbuffer(model.encoder), litert.to_flatbuffer(model.decoder))
    return Path(directory)


def digit_images() -> list[np.ndarray]:
    """Ten distinct dark-on-light 28 x 28 "digits" (the test glyph at ten sizes and pen widths)."""
    return [glyph(canvas=(28, 28), box=(2 + i % 3, 2 + i // 4, 26 - i % 2, 26), stroke=0.08 + 0.02 * i)
            for i in range(len(DIGITS))]


def _save_cnn(directory: Path, spec: preprocess.Spec | None, recipe: str, seed: int) -> Path:
    from kakite.recognizer.model_dir import Recognizer
    from kakite.recognizer.network import build_kakite_cnn

    model = build_kakite_cnn(len(HIRAGANA73), preprocess.HIRAGANA.size, CNN_FILTERS, CNN_DENSE, 0.0)
    randomise(model, np.random.default_rng(seed))
    recognizer = Recognizer(model, HIRAGANA73, spec, recipe)
    recognizer.save(Path(directory), recipe)
    recognizer.save_runtime(Path(directory), litert.to_flatbuffer(model))
    return Path(directory)


def assert_latents_close(got, want) -> None:
    """The LiteRT encoder's latents against Keras's, on this module's random VAE. Its latents reach ~300,
    and float32 sums of that size come out of different kernels (XNNPACK, oneDNN; with or without AVX-512)
    a few 1e-4 apart, also where the sum itself is small: so the bound follows the latents' scale (about
    ten float32 steps of the largest), not each value's. Trained models' latents are O(1)."""
    want = np.asarray(want)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6 * np.abs(want).max())
