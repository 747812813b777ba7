"""Reading a model folder's files, whoever owns the folder: each flaw is one line naming the file at fault.

A model folder is meta.json plus weights, either Keras .h5 files (training, export) or LiteRT .tflite
files (the CLI). A truncated download, a hand-edited meta, a folder from a newer kakite: all end as a
KakiteError here rather than a traceback from json, h5py or LiteRT.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from kakite.core import preprocess
from kakite.core.atomic import atomic_path
from kakite.core.errors import KakiteError


def read_meta(directory: Path, name: str, keys: set[str], kind: str, stage: str) -> dict:
    """meta.json as a dict holding `keys`; `kind` and `stage` word the error for a missing model."""
    path = Path(directory) / name
    if not path.is_file():
        raise KakiteError(f"{directory}: no trained {kind} ({name} missing); run `dvc repro {stage}`")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KakiteError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or not keys <= set(meta):
        raise KakiteError(f"{directory}: not a {kind} ({name} needs {', '.join(sorted(keys))})")
    return meta


def read_spec(meta: dict, path: Path) -> preprocess.Spec:
    """The preprocessing spec of a meta.json, refused if written for another version of the algorithm."""
    version = meta.get("preprocess", {}).get("version", preprocess.SPEC_VERSION)
    if version != preprocess.SPEC_VERSION:
        raise KakiteError(f"{path}: preprocessing spec version {version!r}, this kakite implements version "
                          f"{preprocess.SPEC_VERSION}; re-train or use a matching kakite")
    try:
        return preprocess.Spec(**meta["spec"])
    except (TypeError, ValueError) as exc:
        raise KakiteError(f"{path}: bad 'spec' ({exc})") from None


def require_files(directory: Path, names: tuple[str, ...], kind: str) -> list[Path]:
    paths = [Path(directory) / name for name in names]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise KakiteError(f"{directory}: not a {kind} ({', '.join(missing)} missing)")
    return paths


def save_keras(model, path: Path) -> None:
    """A tf_keras model as one .h5 file, written atomically. HDF5 on purpose: no pickle, and TF.js's
    converter reads it, so Keras's "legacy format" advice is silenced here."""
    with atomic_path(path, suffix=".h5") as tmp, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "You are saving your model as an HDF5 file", UserWarning)
        model.save(tmp)


def load_keras(path: Path):
    """A tf_keras model from an .h5 file, without its training configuration."""
    import tf_keras as keras

    try:
        return keras.models.load_model(path, compile=False)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KakiteError(f"{path}: cannot load the Keras model ({' '.join(str(exc).split())[:200]})") from None


def load_lite(path: Path):
    """A LiteRT model (kakite.core.runtime.LiteModel) from a .tflite file."""
    from kakite.core.runtime import LiteModel

    return LiteModel(path)


def check_shape(path: Path, what: str, got: tuple, expected: tuple) -> None:
    if tuple(got) != tuple(expected):
        raise KakiteError(f"{path}: {what} is {tuple(got)}, expected {tuple(expected)}")


def read_labels(meta: dict, path: Path) -> str:
    """meta["labels"] as one string, each label one character."""
    labels = meta["labels"]
    if not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(c, str) and len(c) == 1 for c in labels):
        raise KakiteError(f"{path}: 'labels' must list at least two single characters")
    return "".join(labels)
