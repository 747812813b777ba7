"""A trained style VAE on disk, owned here alone: train_vae writes it, cluster, export_tfjs and the CLI read it.

The directory holds encoder.h5 and decoder.h5 (tf_keras, no pickle) and meta.json: the digit labels in
class order, the latent sizes, the preprocessing constants, and `content_means` (each digit's mean
z_content over the training set), which let any style be combined with any digit. The web page's style
explorer does the same with the same numbers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from kakite.core import preprocess
from kakite.core.atomic import atomic_path, write_json
from kakite.core.errors import KakiteError

ENCODER_FILE, DECODER_FILE, META_FILE = "encoder.h5", "decoder.h5", "meta.json"
META_KEYS = {"labels", "spec", "content_means", "z_content", "z_style"}


@dataclass
class Stylist:
    encoder: object
    decoder: object
    spec: preprocess.Spec
    content_means: np.ndarray  # (len(labels), z_content)
    meta: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, directory: Path) -> Stylist:
        directory = Path(directory)
        meta_path = directory / META_FILE
        if not meta_path.is_file():
            raise KakiteError(f"{directory}: no trained VAE ({META_FILE} missing); run `dvc repro train_vae`")
        import tf_keras as keras

        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        needed = [directory / name for name in (ENCODER_FILE, DECODER_FILE)]
        if not set(meta) >= META_KEYS or not all(p.is_file() for p in needed):
            raise KakiteError(f"{directory}: not a style VAE (needs {ENCODER_FILE}, {DECODER_FILE} and a "
                              f"{META_FILE} with {', '.join(sorted(META_KEYS))})")
        load = lambda name: keras.models.load_model(directory / name, compile=False)  # noqa: E731
        return cls(load(ENCODER_FILE), load(DECODER_FILE), preprocess.Spec(**meta["spec"]),
                   np.asarray(meta["content_means"], dtype=np.float32), meta)

    @staticmethod
    def save(directory: Path, encoder, decoder, labels: str, facts: dict) -> dict:
        """Write both models and meta.json (labels, spec and `facts`: latent sizes, content means...)."""
        directory = Path(directory)
        for name, model in ((ENCODER_FILE, encoder), (DECODER_FILE, decoder)):
            with atomic_path(directory / name, suffix=".h5") as tmp:
                model.save(tmp)
        spec = preprocess.DIGITS
        meta = {"labels": list(labels), **facts, "spec": asdict(spec), "preprocess": preprocess.spec_constants(spec)}
        write_json(directory / META_FILE, meta)
        return meta

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
        _, z_style = self.encode(x)
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
