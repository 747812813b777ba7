"""A tiny stand-in for the export stage's ``web/model/``, so the browser tests run in seconds, offline.

Same layout and shapes as the real export (see web/model.js): ``cnn/``, ``vae_encoder/``,
``vae_decoder/`` as TF.js layers models converted from tf_keras .h5 files, and ``meta.json`` built by
the export stage's own kakite.export.webmeta.page_meta, with style directions measured on the fixture
decoder by kakite.writers.directions (revision: the DVC hashes of the fixture's model folders).
Weights are random but seeded, and scaled so the softmax is far from uniform: a probability
comparison against Python then means something. The .h5 files stay next to ``model/`` so the
tests can run the very same networks in Python.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kakite.core import preprocess
from kakite.core.charset import DIGITS, HIRAGANA73
from kakite.export import webmeta
from kakite.writers import directions

Z_CONTENT = 6
Z_STYLE = 5
ACCURACY = {"test": 0.8764, "n": 1234, "by_domain": {"handwriting_font": 0.75, "strokes": 0.9, "typeset": 1.0}}


@dataclass(frozen=True)
class WebModel:
    """Where the fixture lives: ``model_dir`` is what the page serves as ./model/."""

    model_dir: Path
    cnn_h5: Path
    encoder_h5: Path
    decoder_h5: Path

    def meta(self) -> dict:
        return json.loads((self.model_dir / "meta.json").read_text(encoding="utf-8"))


def build(root: Path, seed: int = 0) -> WebModel:
    """Write root/model/{cnn,vae_encoder,vae_decoder,meta.json} and root/*.h5; return their paths."""
    from kakite.export.tfjs import quiet_tfdf

    quiet_tfdf()
    import tf_keras
    from tensorflowjs.converters import save_keras_model

    rng = np.random.default_rng(seed)
    models = {
        "cnn": _cnn(tf_keras, preprocess.HIRAGANA.size, len(HIRAGANA73)),
        "vae_encoder": _encoder(tf_keras, preprocess.DIGITS.size),
        "vae_decoder": _decoder(tf_keras, preprocess.DIGITS.size),
    }
    model_dir = root / "model"
    for name, model in models.items():
        _randomise(model, rng)
        model.save(root / f"{name}.h5")
        save_keras_model(model, model_dir / name)
    content_means = rng.normal(0.0, 1.5, (10, Z_CONTENT)).round(4)
    decoder = models["vae_decoder"]
    decode = lambda zc, zs: decoder([zc, zs], training=False).numpy()[..., 0]  # noqa: E731
    style = directions.style_directions(decode, content_means, rng.normal(0.0, 1.0, (400, Z_STYLE)))
    vae = {"labels": list(DIGITS), "z_content": Z_CONTENT, "z_style": Z_STYLE, "content_means": content_means.tolist()}
    specs = {"hiragana": preprocess.spec_constants(preprocess.HIRAGANA),
             "digits": preprocess.spec_constants(preprocess.DIGITS)}
    meta = webmeta.page_meta(list(HIRAGANA73), specs, vae, style, ACCURACY,
                             {"cnn": model_dir / "cnn", "vae": model_dir / "vae_decoder"})
    (model_dir / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return WebModel(model_dir, root / "cnn.h5", root / "vae_encoder.h5", root / "vae_decoder.h5")


def _cnn(keras, size: int, classes: int):
    """Conv, batch norm, pooling, dropout, dense: the layer kinds a real recognizer uses."""
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((size, size, 1)),
            layers.Conv2D(8, 5, strides=2, activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D(2),
            layers.Conv2D(12, 3, activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dropout(0.3),
            layers.Dense(classes, activation="softmax"),
        ],
        name="cnn",
    )


def _encoder(keras, size: int):
    layers = keras.layers
    image = keras.Input((size, size, 1))
    hidden = layers.Dense(32, activation="relu")(layers.Flatten()(layers.Conv2D(8, 3, strides=2)(image)))
    heads = [
        layers.Dense(dim, name=name)(hidden)
        for name, dim in (
            ("mu_content", Z_CONTENT),
            ("logvar_content", Z_CONTENT),
            ("mu_style", Z_STYLE),
            ("logvar_style", Z_STYLE),
        )
    ]
    return keras.Model(image, heads, name="vae_encoder")


def _decoder(keras, size: int):
    layers = keras.layers
    z_content, z_style = keras.Input((Z_CONTENT,), name="z_content"), keras.Input((Z_STYLE,), name="z_style")
    quarter = size // 4
    hidden = layers.Dense(quarter * quarter * 8, activation="relu")(layers.Concatenate()([z_content, z_style]))
    hidden = layers.Reshape((quarter, quarter, 8))(hidden)
    hidden = layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(hidden)
    image = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid")(hidden)
    return keras.Model([z_content, z_style], image, name="vae_decoder")


def _randomise(model, rng: np.random.Generator) -> None:
    """Seeded weights with a large spread (peaked softmax, varied decodes); variances kept positive."""
    weights = []
    for variable in model.weights:
        values = rng.normal(0.0, 0.5, variable.shape)
        if "moving_variance" in variable.name:
            values = np.abs(values) + 0.5
        weights.append(values.astype(np.float32))
    model.set_weights(weights)
