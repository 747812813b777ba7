"""A trained style VAE on disk, owned here alone: train_vae writes it, cluster, export_tfjs and the CLI read it.

The directory holds encoder.h5 and decoder.h5 (tf_keras, no pickle), or in the runtime copy that
export_tfjs writes for the CLI encoder.tflite and decoder.tflite (LiteRT: no TensorFlow at run time),
and meta.json: the digit labels in class order, the latent sizes, the preprocessing constants, and
`content_means` (each digit's mean z_content over the training set), which let any style be combined
with any digit. The web page's style explorer does the same with the same numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from kakite.core import model_files, preprocess
from kakite.core.atomic import atomic_path, write_bytes, write_json
from kakite.core.errors import KakiteError

ENCODER_FILE, DECODER_FILE, META_FILE = "encoder.h5", "decoder.h5", "meta.json"
RUNTIME_FILES = ("encoder.tflite", "decoder.tflite")
META_KEYS = {"labels", "spec", "content_means", "z_content", "z_style"}
KIND = "style VAE"


@dataclass
class Stylist:
    encoder: object
    decoder: object
    spec: preprocess.Spec
    content_means: np.ndarray  # (len(labels), z_content)
    meta: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, directory: Path, runtime: bool = False) -> Stylist:
        """The Keras encoder and decoder (runtime=False), or the LiteRT ones, which need no TensorFlow."""
        directory = Path(directory)
        meta = model_files.read_meta(directory, META_FILE, META_KEYS, KIND, "export_tfjs" if runtime else "train_vae")
        meta_path = directory / META_FILE
        spec = model_files.read_spec(meta, meta_path)
        labels = model_files.read_labels(meta, meta_path)
        paths = model_files.require_files(directory, RUNTIME_FILES if runtime else (ENCODER_FILE, DECODER_FILE), KIND)
        encoder, decoder = (model_files.load_lite(p) if runtime else model_files.load_keras(p) for p in paths)
        try:
            means = np.asarray(meta["content_means"], dtype=np.float32)
            z_content = int(meta["z_content"])
        except (TypeError, ValueError) as exc:
            raise KakiteError(f"{meta_path}: bad content_means or z_content ({exc})") from None
        model_files.check_shape(meta_path, "content_means", means.shape, (len(labels), z_content))
        model_files.check_shape(paths[0], "the input", encoder.input_shape[1:], (spec.size, spec.size, 1))
        model_files.check_shape(paths[1], "the output", decoder.output_shape[1:], (spec.size, spec.size, 1))
        return cls(encoder, decoder, spec, means, meta)

    @staticmethod
    def save(directory: Path, encoder, decoder, labels: str, facts: dict) -> dict:
        """Write both models and meta.json (labels, spec and `facts`: latent sizes, content means...)."""
        directory = Path(directory)
        for name, model in ((ENCODER_FILE, encoder), (DECODER_FILE, decoder)):
            model_files.save_keras(model, directory / name)
        spec = preprocess.DIGITS
        meta = {"labels": list(labels), **facts, "spec": asdict(spec), "preprocess": preprocess.spec_constants(spec)}
        write_json(directory / META_FILE, meta)
        return meta

    def save_runtime(self, directory: Path, encoder_flatbuffer: bytes, decoder_flatbuffer: bytes) -> None:
        """The runtime copy: the LiteRT encoder and decoder (kakite.export.litert) and this meta."""
        for name, data in zip(RUNTIME_FILES, (encoder_flatbuffer, decoder_flatbuffer), strict=True):
            write_bytes(Path(directory) / name, data)
        write_json(Path(directory) / META_FILE, self.meta)

    @property
    def labels(self) -> str:
        return "".join(self.meta.get("labels", []))

    def prepare(self, gray: np.ndarray) -> np.ndarray:
        return preprocess.to_model_input(gray, self.spec)

    def encode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mu_c, _, mu_s, _ = self.encoder.predict(x, batch_size=512, verbose=0)
        return mu_c, mu_s

    def restyle(self, x: np.ndarray, digits: str) -> np.ndarray:
        """Images (len(digits), H, W) of `digits` in the style of the single image x (1, H, W, 1)."""
        return self.render(self.encode(x)[1], digits)

    def render(self, z_style: np.ndarray, digits: str) -> np.ndarray:
        """Images (len(digits), H, W) of `digits` (each digit's mean z_content) in one style z_style (1, z)."""
        z_content = self.content_means[[self.labels.index(d) for d in digits]]
        images = self.decoder.predict([z_content, np.repeat(z_style, len(digits), axis=0)], verbose=0)
        return images[..., 0]

    @staticmethod
    def write_sheet(images: np.ndarray, out: Path, scale: int = 4) -> None:
        """A row of dark-on-light digits, enlarged, as a PNG."""
        row = (255 * (1.0 - np.concatenate(list(images), axis=1))).round().astype(np.uint8)
        sheet = Image.fromarray(row).resize((row.shape[1] * scale, row.shape[0] * scale), Image.Resampling.NEAREST)
        with atomic_path(out, suffix=".png") as tmp:
            sheet.save(tmp, format="PNG")
