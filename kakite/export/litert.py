"""Keras 2 (tf_keras) models → LiteRT flatbuffers for the CLI, which then runs without TensorFlow.

The runtime and the reasons for it are in kakite/core/runtime.py. Conversion goes through a traced
function with named inputs and outputs (`input_i`, `output_i`, in the Keras order; batch left free),
not `from_keras_model`, whose signature names follow layer names and loses the output order. Plain
float32 builtin ops, no quantisation: the CLI must print what the Keras model computes.
"""

from __future__ import annotations

import numpy as np

from kakite.core.quiet import silenced_stderr
from kakite.core.runtime import input_name, output_name


def to_flatbuffer(model) -> bytes:
    """The .tflite bytes of a tf_keras model (one or more inputs and outputs)."""
    import tensorflow as tf

    signature = [tf.TensorSpec([None, *t.shape[1:]], tf.float32, name=input_name(i))
                 for i, t in enumerate(model.inputs)]

    def forward(*xs):
        out = model(list(xs) if len(xs) > 1 else xs[0], training=False)
        return {output_name(i): t for i, t in enumerate(out if isinstance(out, list | tuple) else [out])}

    traced = tf.function(forward, input_signature=signature, autograph=False).get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([traced], model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    with silenced_stderr():  # the MLIR converter logs its ignored legacy flags; failures raise ConverterError
        return converter.convert()


def max_difference(model, lite, inputs: list[np.ndarray]) -> float:
    """Largest |Keras - LiteRT| / max(1, |Keras|) over the outputs on `inputs`: absolute for probabilities
    and pixels (in [0, 1]), relative for latents, whose float32 rounding grows with their size."""
    expected = model.predict(inputs if len(inputs) > 1 else inputs[0], batch_size=512, verbose=0)
    got = lite.predict(inputs)
    pairs = zip(*(o if isinstance(o, list) else [o] for o in (expected, got)), strict=True)
    return max(float((np.abs(e - g) / np.maximum(1.0, np.abs(e))).max()) for e, g in pairs)
