"""The hiragana recognisers: kakite's small browser CNN, and the seed article's model as a baseline.

Input: (size, size, 1) float32 in [0, 1] with ink = 1 (kakite/core/preprocess.py). Output: class
probabilities (softmax), in charset order. Both are plain Sequential/functional models of standard
layers, so TF.js loads them with loadLayersModel after `tensorflowjs_converter --input_format keras`.
"""

from __future__ import annotations

import tf_keras as keras
from tf_keras import layers

# The Keras-2 mnist_cnn example (which the seed article copied) compiled with `Adadelta()`, whose
# default learning rate was 1.0 in Keras 2.0-2.3 (rho 0.95, epsilon 1e-7). tf.keras later changed
# that default to 0.001, which barely trains, so the seed recipe states 1.0 explicitly.
SEED_ADADELTA_LEARNING_RATE = 1.0
# Keras's default 0.99 needs hundreds of steps before the moving statistics forget their (0, 1) start;
# with ~50-120 steps an epoch, validation in the first epochs then sees garbage and early stopping fires.
BN_MOMENTUM = 0.9


def build_kakite_cnn(n_classes: int, size: int, filters: list[int], dense: int, dropout: float) -> keras.Model:
    """Blocks of (Conv3x3 - BatchNorm - ReLU) then MaxPool 2x2, one block per entry of `filters`; then
    global average pooling, an optional Dense(`dense`, ReLU) + Dropout(`dropout`), and a softmax.

    The first block has one convolution, the others two: at full resolution a second convolution
    costs as much as a whole block deeper, and dropping it trains ~1.8x faster on 2 CPU cores
    (48 x 48, filters [24, 48, 96]). Global average pooling instead of Flatten keeps the parameter
    count small (178,817 for filters [24, 48, 96], dense 128, 73 classes) and independent of the
    input size, which a page loading the model over the network wants. Convolutions feeding
    BatchNorm carry no bias.
    """
    import tensorflow as tf

    # Across replicas (a multi-worker run), BatchNorm takes the statistics of the whole batch, as one
    # process would; local statistics of a half batch made the two-worker model drift from the single one.
    # Not part of the saved config, so the exported model is the same either way.
    synchronized = tf.distribute.get_strategy().num_replicas_in_sync > 1
    inputs = keras.Input(shape=(size, size, 1))
    x = inputs
    for block, width in enumerate(filters, start=1):
        for conv in range(1, 2 if block == 1 else 3):
            x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"block{block}_conv{conv}")(x)
            x = layers.BatchNormalization(momentum=BN_MOMENTUM, synchronized=synchronized,
                                          name=f"block{block}_bn{conv}")(x)
            x = layers.Activation("relu", name=f"block{block}_relu{conv}")(x)
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    if dense:
        x = layers.Dense(dense, activation="relu", name="dense")(x)
        if dropout:
            x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="kakite_cnn")


def compile_kakite(model: keras.Model, learning_rate: float) -> None:
    """Adam + sparse categorical cross-entropy (integer labels) + accuracy."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def build_seed_cnn(n_classes: int, size: int) -> keras.Model:
    """The seed article's model (the Keras-2 mnist_cnn example), compiled as it was: Adadelta(lr=1.0).

    Conv2D(32, 3, relu) - Conv2D(64, 3, relu) - MaxPool(2) - Dropout(0.25) - Flatten - Dense(128, relu)
    - Dropout(0.5) - Dense(n, softmax). On 48 x 48 inputs the Flatten holds 22*22*64 = 30,976 values,
    so the first Dense alone has ~4M weights: the reason kakite's own model uses global pooling.
    Labels are integers here (sparse cross-entropy), which is the seed's one-hot loss without the one-hot.
    """
    model = keras.Sequential(
        [
            keras.Input(shape=(size, size, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(n_classes, activation="softmax"),
        ],
        name="seed_cnn",
    )
    model.compile(
        optimizer=keras.optimizers.Adadelta(learning_rate=SEED_ADADELTA_LEARNING_RATE, rho=0.95, epsilon=1e-7),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
