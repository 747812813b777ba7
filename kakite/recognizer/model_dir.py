"""A trained hiragana CNN on disk, and how to run it: the shared path of `kakite predict` and the tests.

A model directory holds `model.h5` (Keras 2 / tf_keras, no pickle) and `meta.json`: the labels in class
order, the recipe, and the preprocessing constants. Inputs are always prepared from the meta, so the
model and its preprocessing cannot drift apart.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from kakite.core import preprocess
from kakite.core.atomic import atomic_path, write_json
from kakite.core.errors import ImageError, KakiteError

MODEL_FILE, META_FILE = "model.h5", "meta.json"


def seed_input(gray: np.ndarray) -> np.ndarray:
    """The seed recipe's only preprocessing: pixels / 255, whatever the polarity or framing."""
    return gray.astype(np.float32) / 255.0


@dataclass
class Recognizer:
    model: object
    labels: str
    spec: preprocess.Spec | None  # None: the seed recipe (raw / 255)
    _forward: object = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def load(cls, directory: Path) -> Recognizer:
        meta_path = Path(directory) / META_FILE
        if not meta_path.is_file():
            raise KakiteError(f"{directory}: no trained model ({META_FILE} missing); run `dvc repro train_cnn`")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not {"labels", "recipe", "spec"} <= set(meta) or not (Path(directory) / MODEL_FILE).is_file():
            raise KakiteError(f"{directory}: not a hiragana recognizer (needs {MODEL_FILE} and a meta.json "
                              "with labels, recipe and spec)")
        import tf_keras as keras

        spec = preprocess.Spec(**meta["spec"]) if meta["recipe"] != "seed" else None
        model = keras.models.load_model(Path(directory) / MODEL_FILE, compile=False)
        return cls(model, "".join(meta["labels"]), spec)

    def save(self, directory: Path, recipe: str) -> None:
        with atomic_path(Path(directory) / MODEL_FILE, suffix=".h5") as tmp:
            self.model.save(tmp)
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
        """Class probabilities, batch by batch through one traced graph.

        Keras's predict() builds its data pipeline on every call (~75 ms for one image on 2 cores);
        a tf.function with a fixed signature costs ~2 ms per call and is faster on big batches too.
        """
        if not len(x):
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        if self._forward is None:
            import tensorflow as tf

            spec = tf.TensorSpec([None, *self.model.input_shape[1:]], tf.float32)
            self._forward = tf.function(lambda batch: self.model(batch, training=False), input_signature=[spec],
                                        autograph=False)
        x = np.asarray(x, dtype=np.float32)
        return np.concatenate([self._forward(x[i:i + batch_size]).numpy() for i in range(0, len(x), batch_size)])

    def top_k(self, x: np.ndarray, k: int) -> list[list[dict]]:
        probs = self.probabilities(x)
        order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
        return [[{"label": self.labels[i], "p": round(float(p[i]), 6)} for i in row] for p, row in zip(probs, order,
                                                                                                     strict=True)]
