"""export_tfjs: the CNN and the VAE's encoder and decoder as TF.js models under web/model/, plus meta.json.

Quantisation (params export_tfjs.quantize) is kept only if the exported model's accuracy on the test
split drops by at most export_tfjs.max_accuracy_drop; otherwise the next less lossy option is tried.
Outputs: web/model/{cnn,vae_encoder,vae_decoder}/, web/model/meta.json and metrics/export.json.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kakite.core import entry, metrics, preprocess
from kakite.core.atomic import load_npz, write_json
from kakite.core.params import load_params
from kakite.export import tfjs
from kakite.recognizer.model_dir import Recognizer
from kakite.writers import disentangle
from kakite.writers.model_dir import Stylist

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
    for quantize in tfjs.candidates(requested):
        size = tfjs.export(model, directory, quantize)
        exported = metrics.r(score(tfjs.load(directory)))
        if reference - exported <= max_drop or quantize == "none":
            return {"quantize": quantize, "bytes": size, "score_float32": reference, "score_exported": exported,
                    "score_drop": metrics.r(reference - exported)}
    raise AssertionError("unreachable: 'none' always returns")


def main() -> None:
    cfg = load_params("export_tfjs")
    from kakite.writers.network import encode_means

    recognizer = Recognizer.load(CNN)
    hira = load_npz("data/split/hiragana_test.npz")
    x_h, y_h = recognizer.prepare_batch(hira["images"]), hira["labels"].astype(np.int64)
    digits = load_npz("data/split/digits_test.npz")
    x_d, y_d = disentangle.digit_inputs(digits["images"]), digits["labels"].astype(np.int64)
    stylist = Stylist.load(VAE)
    encoder, decoder, vae_meta, means = stylist.encoder, stylist.decoder, stylist.meta, stylist.content_means
    report = {"cnn": _export_checked(recognizer.model, WEB / "cnn", cfg.quantize, cfg.max_accuracy_drop,
                                     lambda m: _accuracy(m, x_h, y_h))}
    report["vae_encoder"] = _export_checked(encoder, WEB / "vae_encoder", cfg.quantize, cfg.max_accuracy_drop,
                                            lambda m: _digit_accuracy(m, means, x_d, y_d))
    z = list(encode_means(encoder, x_d[:512]))
    reference = decoder.predict(z, verbose=0)
    pixels = lambda m: -float(np.abs(m.predict(z, verbose=0) - reference).mean())  # noqa: E731
    report["vae_decoder"] = _export_checked(decoder, WEB / "vae_decoder", cfg.quantize, cfg.max_accuracy_drop, pixels)
    write_json(WEB / "meta.json", {
        "labels": list(recognizer.labels),
        "preprocess": {"hiragana": preprocess.spec_constants(recognizer.spec), "digits": vae_meta["preprocess"]},
        "vae": {k: vae_meta[k] for k in ("labels", "z_content", "z_style", "content_means", "style_range")},
    })
    write_json("metrics/export.json", report)
    print(f"export_tfjs: CNN {report['cnn']['quantize']} {report['cnn']['bytes']} bytes, "
          f"accuracy drop {report['cnn']['score_drop']}")


if __name__ == "__main__":
    entry.run(main, "export_tfjs")
