"""Keras 2 (tf_keras) models → TensorFlow.js layers models, with quantisation kept only where it is harmless.

tfjs 4.x `loadLayersModel` reads Keras 2 topologies, not Keras 3 ones, which is why every kakite model
is a tf_keras model. A model directory is written next to its final place and renamed in, so the page
never sees half a model. Reading an export back (weights de-quantised) lets Python measure exactly
what the browser will compute.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path

QUANTIZE_ORDER = ("uint8", "float16", "none")  # most compact first


def quiet_tfdf() -> None:
    """tensorflowjs imports tensorflow_decision_forests, whose welcome banner needs IPython when stdout is
    not a terminal (as under DVC or pytest); this switch, read at import, turns the banner off."""
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")


def export(model, directory: Path, quantize: str) -> int:
    """Write model.json + weight shards into `directory` (replacing it); returns the total bytes."""
    quiet_tfdf()
    from tensorflowjs.converters import save_keras_model

    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{directory.name}-", dir=directory.parent))
    try:
        dtype_map = None if quantize == "none" else {quantize: "*"}
        with warnings.catch_warnings():  # the converter goes through a temporary .h5 by design
            warnings.filterwarnings("ignore", "You are saving your model as an HDF5 file", UserWarning)
            save_keras_model(model, str(tmp), quantization_dtype_map=dtype_map)
        old = directory.with_name(f".old-{directory.name}")
        if directory.exists():
            os.replace(directory, old)
        os.replace(tmp, directory)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return size_bytes(directory)


def size_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in Path(directory).iterdir() if p.is_file())


def load(directory: Path):
    """The exported model as a tf_keras model, weights de-quantised as the browser sees them."""
    quiet_tfdf()
    from tensorflowjs.converters import load_keras_model

    return load_keras_model(str(Path(directory) / "model.json"))


def candidates(requested: str) -> tuple[str, ...]:
    """The requested quantisation, then each less lossy one, ending with none."""
    return QUANTIZE_ORDER[QUANTIZE_ORDER.index(requested):]
