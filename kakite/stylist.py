"""A trained style VAE on disk: encode digits to (z_content, z_style), and redraw digits in a given style.

The directory holds encoder.h5 and decoder.h5 (tf_keras, no pickle) and meta.json, whose
`content_means` (each digit's mean z_content over the training set) let any style be combined with
any digit. The web page's style explorer does the same with the same numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from kakite import preprocess
from kakite.atomic import atomic_path
from kakite.errors import KakiteError


@dataclass
class Stylist:
    encoder: object
    decoder: object
    spec: preprocess.Spec
    content_means: np.ndarray  # (10, z_content)

    @classmethod
    def load(cls, directory: Path) -> Stylist:
        meta_path = Path(directory) / "meta.json"
        if not meta_path.is_file():
            raise KakiteError(f"{directory}: no trained VAE (meta.json missing); run `dvc repro train_vae`")
        import tf_keras as keras

        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        needed = [Path(directory) / name for name in ("encoder.h5", "decoder.h5")]
        if not {"spec", "content_means"} <= set(meta) or not all(p.is_file() for p in needed):
            raise KakiteError(f"{directory}: not a style VAE (needs encoder.h5, decoder.h5 and a meta.json "
                              "with spec and content_means)")
        load = lambda name: keras.models.load_model(Path(directory) / name, compile=False)  # noqa: E731
        return cls(load("encoder.h5"), load("decoder.h5"), preprocess.Spec(**meta["spec"]),
                   np.asarray(meta["content_means"], dtype=np.float32))

    def prepare(self, gray: np.ndarray) -> np.ndarray:
        return preprocess.to_model_input(gray, self.spec)

    def encode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mu_c, _, mu_s, _ = self.encoder.predict(x, batch_size=512, verbose=0)
        return mu_c, mu_s

    def restyle(self, x: np.ndarray, digits: str) -> np.ndarray:
        """Images (len(digits), H, W) of `digits` in the style of the single image x (1, H, W, 1)."""
        _, z_style = self.encode(x)
        z_content = self.content_means[[int(d) for d in digits]]
        images = self.decoder.predict([z_content, np.repeat(z_style, len(digits), axis=0)], verbose=0)
        return images[..., 0]

    @staticmethod
    def write_sheet(images: np.ndarray, out: Path, scale: int = 4) -> None:
        """A row of dark-on-light digits, enlarged, as a PNG."""
        row = (255 * (1.0 - np.concatenate(list(images), axis=1))).round().astype(np.uint8)
        sheet = Image.fromarray(row).resize((row.shape[1] * scale, row.shape[0] * scale), Image.Resampling.NEAREST)
        with atomic_path(out, suffix=".png") as tmp:
            sheet.save(tmp, format="PNG")
