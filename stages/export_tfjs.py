"""export_tfjs: the CNN and the VAE's encoder and decoder as TF.js models under web/model/, plus meta.json.

Quantisation (params export_tfjs.quantize) is kept only if the exported model's accuracy on the test
split drops by at most export_tfjs.max_accuracy_drop; otherwise the next less lossy option is tried.
Outputs: web/model/{cnn,vae_encoder,vae_decoder}/, web/model/meta.json and metrics/export.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from kakite import entry, export, metrics, writers
from kakite.atomic import load_npz, write_json
from kakite.params import load_params
from kakite.recognizer import Recognizer

CNN, VAE, WEB = Path("data/models/cnn"), Path("data/models/vae"), Path("web/model")


def _accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    return metrics.accuracy(y, model.predict(x, batch_size=512, verbose=0).argmax(axis=1))


def _digit_accuracy(encoder, classifier_means: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Nearest class-mean on z_content: what the browser's restyling relies on."""
    mu_c = encoder.predict(x, batch_size=512, verbose=0)[0]
    dist = ((mu_c[:, None, :] - classifier_means[None]) ** 2).sum(axis=2)
    return metrics.accuracy(y, dist.argmin(axis=1))


def _export_checked(model, directory: Path, requested: str, max_drop: float, score) -> dict:
    """Export with the most compact quantisation whose score stays within max_drop of float32."""
    reference = metrics.r(score(model))
    for quantize in export.candidates(requested):
        size = export.export(model, directory, quantize)
        exported = metrics.r(score(export.load(directory)))
        if reference - exported <= max_drop or quantize == "none":
            return {"quantize": quantize, "bytes": size, "score_float32": reference, "score_exported": exported,
                    "score_drop": metrics.r(reference - exported)}
    raise AssertionError("unreachable: 'none' always returns")


def main() -> None:
    cfg = load_params("export_tfjs")
    import tf_keras as keras

    from kakite.models.vae import encode_means

    recognizer = Recognizer.load(CNN)
    hira = load_npz("data/split/hiragana_test.npz")
    x_h, y_h = recognizer.prepare_batch(hira["images"]), hira["labels"].astype(np.int64)
    digits = load_npz("data/split/digits_test.npz")
    x_d, y_d = writers.digit_inputs(digits["images"]), digits["labels"].astype(np.int64)
    vae_meta = json.loads((VAE / "meta.json").read_text(encoding="utf-8"))
    means = np.asarray(vae_meta["content_means"])
    report = {"cnn": _export_checked(recognizer.model, WEB / "cnn", cfg.quantize, cfg.max_accuracy_drop,
                                     lambda m: _accuracy(m, x_h, y_h))}
    encoder = keras.models.load_model(VAE / "encoder.h5", compile=False)
    report["vae_encoder"] = _export_checked(encoder, WEB / "vae_encoder", cfg.quantize, cfg.max_accuracy_drop,
                                            lambda m: _digit_accuracy(m, means, x_d, y_d))
    decoder = keras.models.load_model(VAE / "decoder.h5", compile=False)
    z = list(encode_means(encoder, x_d[:512]))
    reference = decoder.predict(z, verbose=0)
    pixels = lambda m: -float(np.abs(m.predict(z, verbose=0) - reference).mean())  # noqa: E731
    report["vae_decoder"] = _export_checked(decoder, WEB / "vae_decoder", cfg.quantize, cfg.max_accuracy_drop, pixels)
    cnn_meta = json.loads((CNN / "meta.json").read_text(encoding="utf-8"))
    write_json(WEB / "meta.json", {
        "labels": cnn_meta["labels"],
        "preprocess": {"hiragana": cnn_meta["preprocess"], "digits": vae_meta["preprocess"]},
        "vae": {k: vae_meta[k] for k in ("z_content", "z_style", "content_means", "style_range")},
    })
    write_json("metrics/export.json", report)
    print(f"export_tfjs: CNN {report['cnn']['quantize']} {report['cnn']['bytes']} bytes, "
          f"accuracy drop {report['cnn']['score_drop']}")


if __name__ == "__main__":
    entry.run(main, "export_tfjs")
