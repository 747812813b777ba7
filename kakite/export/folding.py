"""A layer chain rewritten for inference: BatchNorm folded into the convolution before it, Dropout gone.

The page runs the CNN one drawing at a time, where TF.js's cost is per operation rather than per
multiply: Conv → BatchNorm → ReLU is three kernels in WASM, a Conv2D with the BatchNorm's scale folded
into its kernel, its shift into a bias and the ReLU fused is one. The result computes the same function
(float32 rounding apart) with kakite's 22 layers after the input turned into 11, and is what export_tfjs
converts for the page.
"""

from __future__ import annotations

import numpy as np


def _chain(model) -> list:
    """The model's layers after its input, in order, when each feeds only the next; else ValueError."""
    import tf_keras as keras

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    previous, name = model.inputs[0], model.input_names[0]
    for layer in layers:
        if len(layer.inbound_nodes) != 1 or layer.input is not previous:
            raise ValueError(f"{model.name}: layer {layer.name} does not follow {name} alone")
        previous, name = layer.output, layer.name
    return layers


def _folded_weights(conv, batchnorm) -> tuple[np.ndarray, np.ndarray]:
    """Kernel and bias of `conv` followed by `batchnorm` in inference mode, as one convolution."""
    mean, variance = batchnorm.moving_mean.numpy(), batchnorm.moving_variance.numpy()
    gamma = batchnorm.gamma.numpy() if batchnorm.gamma is not None else np.ones_like(mean)  # scale=False
    beta = batchnorm.beta.numpy() if batchnorm.beta is not None else np.zeros_like(mean)  # center=False
    scale = gamma / np.sqrt(variance + batchnorm.epsilon)
    bias = conv.bias.numpy() if conv.use_bias else np.zeros_like(mean)
    return (conv.kernel.numpy() * scale).astype(np.float32), ((bias - mean) * scale + beta).astype(np.float32)


def _foldable(layer, following, keras) -> bool:
    """A linear Conv2D whose output only a BatchNorm on the channel axis reads."""
    return (isinstance(layer, keras.layers.Conv2D) and layer.activation is keras.activations.linear
            and layer.data_format == "channels_last" and isinstance(following, keras.layers.BatchNormalization)
            and following.axis in ([3], [-1], 3, -1))


def fold_for_inference(model):
    """The same function as `model` (a chain of layers) with each linear Conv2D → BatchNorm [→ ReLU] as
    one Conv2D and Dropout removed; every other layer is copied with its weights. ValueError for a model
    that is not a chain."""
    import tf_keras as keras

    layers = [*_chain(model), None]
    x = inputs = keras.Input(shape=model.input_shape[1:], name=model.input_names[0])
    i = 0
    while layers[i] is not None:
        layer, following = layers[i], layers[i + 1]
        if isinstance(layer, keras.layers.Dropout):
            i += 1
            continue
        if _foldable(layer, following, keras):
            weights, after = _folded_weights(layer, following), layers[i + 2]
            fuse_relu = isinstance(after, keras.layers.Activation) and after.get_config()["activation"] == "relu"
            config = layer.get_config() | {"use_bias": True, "activation": "relu" if fuse_relu else "linear"}
            new, i = keras.layers.Conv2D.from_config(config), i + (3 if fuse_relu else 2)
        else:
            new, weights, i = layer.__class__.from_config(layer.get_config()), layer.get_weights(), i + 1
        x = new(x)
        new.set_weights(list(weights))
    return keras.Model(inputs, x, name=model.name)
