"""A model as a LiteRT (TensorFlow Lite) flatbuffer, run without TensorFlow: the CLI's inference path.

Why LiteRT: kakite's models are tf_keras models, and TensorFlow's own `TFLiteConverter` turns them
into .tflite files with no extra conversion package (kakite/export/litert.py); the runtime,
`ai-edge-litert`, is Google's maintained successor of tflite-runtime, imports in ~0.2 s and ~45 MiB
(TensorFlow: ~7 s and ~800 MiB) and runs the float32 graph on XNNPACK within 1e-6 of Keras. ONNX
Runtime would serve too, but needs tf2onnx, whose pins fight TensorFlow's over protobuf and numpy.

Every model is converted with one signature: inputs `input_0..`, outputs `output_0..`, in the Keras
model's order and with a free batch dimension, so callers pass and get arrays positionally.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from kakite.core.errors import KakiteError
from kakite.core.quiet import silenced_stderr

SIGNATURE = "serving_default"


def input_name(i: int) -> str:
    return f"input_{i}"


def output_name(i: int) -> str:
    return f"output_{i}"


class LiteModel:
    """One .tflite file, loaded and checked; calling it runs a batch through the graph."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(path)
        try:
            with silenced_stderr():  # "Created TensorFlow Lite XNNPACK delegate", printed at allocation
                self._interpreter = Interpreter(model_path=str(self.path), num_threads=threads or os.cpu_count())
                self._interpreter.allocate_tensors()
            signature = self._interpreter.get_signature_list().get(SIGNATURE)
        except (ValueError, RuntimeError) as exc:
            reason = " ".join(str(exc).split())[:200]
            raise KakiteError(f"{self.path}: not a readable LiteRT model ({reason})") from None
        if signature is None or not signature["inputs"] or not signature["outputs"]:
            raise KakiteError(f"{self.path}: no '{SIGNATURE}' signature; re-run `dvc repro export_tfjs`")
        self._runner = self._interpreter.get_signature_runner(SIGNATURE)
        self.n_inputs, self.n_outputs = len(signature["inputs"]), len(signature["outputs"])
        details = self._runner.get_input_details()
        self.input_shapes = [tuple(int(d) for d in details[input_name(i)]["shape_signature"][1:])
                             for i in range(self.n_inputs)]
        out = self._runner.get_output_details()
        self.output_shapes = [tuple(int(d) for d in out[output_name(i)]["shape_signature"][1:])
                              for i in range(self.n_outputs)]

    @property
    def input_shape(self) -> tuple:
        """Keras-style (None, H, W, C) of the first input."""
        return (None, *self.input_shapes[0])

    @property
    def output_shape(self) -> tuple:
        """Keras-style (None, ...) of the first output."""
        return (None, *self.output_shapes[0])

    def __call__(self, *inputs: np.ndarray) -> list[np.ndarray]:
        """Outputs for a batch (every input shares the first dimension), in the Keras model's order."""
        feed = {input_name(i): np.ascontiguousarray(x, dtype=np.float32) for i, x in enumerate(inputs)}
        with silenced_stderr():  # a new batch size re-applies the delegate, which announces itself again
            result = self._runner(**feed)
        return [result[output_name(i)] for i in range(self.n_outputs)]

    def predict(self, x: np.ndarray | list[np.ndarray], batch_size: int = 512, verbose: int = 0):
        """Keras's `predict` contract (one array or a list in; one array, or a list for several outputs, out),
        so the model folders' owners run a Keras model and a LiteRT one with the same code."""
        del verbose
        inputs = list(x) if isinstance(x, list | tuple) else [x]
        n = len(inputs[0])
        if n == 0:
            parts = [[np.zeros((0, *shape), dtype=np.float32) for shape in self.output_shapes]]
        else:
            parts = [self(*(a[i:i + batch_size] for a in inputs)) for i in range(0, n, batch_size)]
        outputs = [np.concatenate([p[k] for p in parts]) for k in range(self.n_outputs)]
        return outputs if self.n_outputs > 1 else outputs[0]
