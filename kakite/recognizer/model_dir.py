"""A trained hiragana CNN on disk, and how to run it: the shared path of `kakite predict` and the tests.

A model directory holds `meta.json` (the labels in class order, the recipe, the preprocessing
constants) and the weights: `model.h5` (Keras 2 / tf_keras, no pickle) where train_cnn leaves it, or
`model.tflite` (LiteRT, kakite/core/runtime.py) in the runtime copy export_tfjs writes for the CLI,
which never imports TensorFlow. Inputs are always prepared from the meta, so the model and its
preprocessing cannot drift apart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from kakite.core import model_files, preprocess
from kakite.core.atomic import write_bytes, write_json
from kakite.core.errors import ImageError
from kakite.core.runtime import LiteModel

MODEL_FILE, RUNTIME_FILE, META_FILE = "model.h5", "model.tflite", "meta.json"
KIND = "hiragana recognizer"


def seed_input(gray: np.ndarray) -> np.ndarray:
    """The seed recipe's only preprocessing: pixels / 255, whatever the polarity or framing."""
    return gray.astype(np.float32) / 255.0


@dataclass
class Recognizer:
    model: object  # a tf_keras model, or a LiteModel (the same predict / input_shape / output_shape)
    labels: str
    spec: preprocess.Spec | None  # None: the seed recipe (raw / 255)
    recipe: str = "kakite"  # as written to meta.json, for the record
    _forward: object = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def load(cls, directory: Path, runtime: bool = False) -> Recognizer:
        """The Keras model (runtime=False), or the LiteRT one, which needs no TensorFlow."""
        directory = Path(directory)
        meta = model_files.read_meta(directory, META_FILE, {"labels", "recipe", "spec"}, KIND,
                                     "export_tfjs" if runtime else "train_cnn")
        spec = model_files.read_spec(meta, directory / META_FILE)
        labels = model_files.read_labels(meta, directory / META_FILE)
        (path,) = model_files.require_files(directory, (RUNTIME_FILE if runtime else MODEL_FILE,), KIND)
        model = model_files.load_lite(path) if runtime else model_files.load_keras(path)
        model_files.check_shape(path, "the output", model.output_shape[1:], (len(labels),))
        if meta["recipe"] == "seed":
            return cls(model, labels, None, "seed")
        model_files.check_shape(path, "the input", model.input_shape[1:], (spec.size, spec.size, 1))
        return cls(model, labels, spec, meta["recipe"])

    def save(self, directory: Path, recipe: str) -> None:
        model_files.save_keras(self.model, Path(directory) / MODEL_FILE)
        self._write_meta(directory, recipe)

    def save_runtime(self, directory: Path, flatbuffer: bytes) -> None:
        """The runtime copy: `flatbuffer` (kakite.export.litert.to_flatbuffer of self.model) and the meta."""
        write_bytes(Path(directory) / RUNTIME_FILE, flatbuffer)
        self._write_meta(directory, self.recipe)

    def _write_meta(self, directory: Path, recipe: str) -> None:
        spec = self.spec or preprocess.HIRAGANA
        write_json(Path(directory) / META_FILE, {
            "labels": list(self.labels), "recipe": recipe,
            "spec": asdict(spec), "preprocess": preprocess.spec_constants(spec)})

    def prepare(self, gray: np.ndarray) -> np.ndarray:
        """One grey image → the model's input (H, W); NoInkError for a blank image."""
        if self.spec is not None:
            return preprocess.to_model_input(gray, self.spec)
        expected = tuple(self.model.input_shape[1:3])
        if gray.shape != expected:
            raise ImageError(f"the seed recipe reads {expected[1]}x{expected[0]} images as they are, "
                             f"got {gray.shape[1]}x{gray.shape[0]}")
        return seed_input(gray)

    def prepare_batch(self, grays: np.ndarray) -> np.ndarray:
        if self.spec is None:
            return seed_input(grays)[..., None]
        return preprocess.batch(grays, self.spec)

    def probabilities(self, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Class probabilities, batch by batch (LiteRT as is; Keras through one traced graph).

        Keras's predict() builds its data pipeline on every call (~75 ms for one image on 2 cores);
        a tf.function with a fixed signature costs ~2 ms per call and is faster on big batches too.
        """
        if not len(x):
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        x = np.asarray(x, dtype=np.float32)
        if isinstance(self.model, LiteModel):
            return self.model.predict(x, batch_size)
        if self._forward is None:
            import tensorflow as tf

            spec = tf.TensorSpec([None, *self.model.input_shape[1:]], tf.float32)
            self._forward = tf.function(lambda batch: self.model(batch, training=False), input_signature=[spec],
                                        autograph=False)
        return np.concatenate([self._forward(x[i:i + batch_size]).numpy() for i in range(0, len(x), batch_size)])

    def top_k(self, x: np.ndarray, k: int) -> list[list[dict]]:
        probs = self.probabilities(x)
        order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
        return [[{"label": self.labels[i], "p": round(float(p[i]), 6)} for i in row] for p, row in zip(probs, order,
                                                                                                     strict=True)]

