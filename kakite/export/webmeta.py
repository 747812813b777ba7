"""The page's meta.json: what the models need (labels, preprocessing spec, VAE facts, style directions)
and what a visitor needs to judge them (test accuracy, and which trained models these are).

The revision is the md5 DVC records for each model folder in dvc.lock (``train_cnn`` and ``train_vae``
outs), computed here the way DVC computes a directory's hash. It is a function of the trained files
alone, so re-exporting the same models gives the same meta.json (a git commit or a clock would not),
and ``grep <hash> dvc.lock`` or ``git log -S <hash> -- dvc.lock`` finds the run and its params. An
experiment (``dvc exp run -S train_cnn.epochs=2``) trains other files and so shows another hash.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from kakite.core import metrics

VAE_KEYS = ("labels", "z_content", "z_style", "content_means")


def dvc_dir_md5(directory: Path) -> str:
    """DVC 3's md5 of a directory, as dvc.lock writes it: md5 of the sorted [{md5, relpath}] JSON, + '.dir'."""
    directory = Path(directory)
    entries = [{"md5": hashlib.md5(path.read_bytes()).hexdigest(), "relpath": path.relative_to(directory).as_posix()}
               for path in directory.rglob("*") if path.is_file()]
    listing = json.dumps(sorted(entries, key=lambda e: e["relpath"]), sort_keys=True).encode("utf-8")
    return hashlib.md5(listing).hexdigest() + ".dir"


def accuracy_summary(probs: np.ndarray, labels: np.ndarray, domains: np.ndarray) -> dict:
    """The exported CNN's test accuracy, overall and by domain, with the number of test images."""
    predicted = probs.argmax(axis=1)
    return {"test": metrics.accuracy(labels, predicted), "n": len(labels),
            "by_domain": metrics.accuracy_by(labels, predicted, domains)}


def page_meta(labels: list[str], specs: dict, vae_meta: dict, directions: dict, accuracy: dict,
              model_dirs: dict[str, Path]) -> dict:
    """meta.json for web/model/: model_dirs maps a model name ("cnn", "vae") to its trained folder."""
    return {
        "labels": labels,
        "preprocess": specs,
        "vae": {**{k: vae_meta[k] for k in VAE_KEYS}, "style_directions": directions},
        "accuracy": accuracy,
        "revision": {name: dvc_dir_md5(path) for name, path in model_dirs.items()},
    }
