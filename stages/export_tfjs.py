"""export_tfjs: the CNN and the VAE's encoder and decoder as TF.js models for the page, and as LiteRT
models for the CLI (which then never imports TensorFlow).

The page's CNN has its BatchNorms folded into the convolutions (kakite/export/folding.py): one WASM
kernel per block step instead of three. Quantisation (params export_tfjs.quantize) is kept only if the
exported model's accuracy on the test split drops by at most export_tfjs.max_accuracy_drop (against
the trained model); otherwise the next less lossy option is tried.
The LiteRT copies are float32 and must reproduce the Keras outputs within RUNTIME_TOLERANCE on test
inputs, or the stage fails. meta.json also carries the exported CNN's test accuracy, the models'
revision (kakite/export/webmeta.py) and the explorer's style directions, measured on the exported
decoder over the training digits' z_style (kakite/writers/directions.py). Outputs:
web/model/{cnn,vae_encoder,vae_decoder}/, web/model/meta.json, data/models/runtime/{cnn,vae}/,
metrics/details/export.json and metrics/export.json (the CNN's download, KiB).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kakite.core import entry, metrics, preprocess
from kakite.core.atomic import load_npz, write_json
from kakite.core.errors import KakiteError
from kakite.core.params import load_params
from kakite.core.results import write_results
from kakite.export import folding, litert, tfjs, webmeta
from kakite.recognizer.model_dir import Recognizer
from kakite.writers import directions, disentangle
from kakite.writers.model_dir import Stylist

CNN, VAE, WEB = Path("data/models/cnn"), Path("data/models/vae"), Path("web/model")
RUNTIME = Path("data/models/runtime")
RUNTIME_TOLERANCE = 1e-4  # largest |Keras - LiteRT| / max(1, |Keras|) (litert.max_difference)


def _accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    return metrics.accuracy(y, model.predict(x, batch_size=512, verbose=0).argmax(axis=1))


def _digit_accuracy(encoder, classifier_means: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Nearest class-mean on z_content: what the browser's restyling relies on."""
    mu_c = encoder.predict(x, batch_size=512, verbose=0)[0]
    dist = ((mu_c[:, None, :] - classifier_means[None]) ** 2).sum(axis=2)
    return metrics.accuracy(y, dist.argmin(axis=1))


def _export_checked(model, directory: Path, requested: str, max_drop: float, score, page_model=None) -> dict:
    """Export `page_model` (default: `model` itself) with the most compact quantisation whose score stays
    within max_drop of `model`'s in float32."""
    reference = metrics.r(score(model))
    for quantize in tfjs.candidates(requested):
        size = tfjs.export(page_model or model, directory, quantize)
        exported = metrics.r(score(tfjs.load(directory)))
        if reference - exported <= max_drop or quantize == "none":
            return {"quantize": quantize, "bytes": size, "score_float32": reference, "score_exported": exported,
                    "score_drop": metrics.r(reference - exported)}
    raise AssertionError("unreachable: 'none' always returns")


def _runtime_checked(name: str, model, flatbuffer: bytes, lite, inputs: list[np.ndarray]) -> dict:
    difference = litert.max_difference(model, lite, inputs)
    if difference > RUNTIME_TOLERANCE:
        raise KakiteError(f"{RUNTIME}: the LiteRT {name} differs from Keras by {difference:.2g} "
                          f"(tolerance {RUNTIME_TOLERANCE:g})")
    return {"bytes": len(flatbuffer), "max_difference": float(f"{difference:.3g}")}


def _export_runtime(recognizer: Recognizer, stylist: Stylist, x_h: np.ndarray, x_d: np.ndarray,
                    z: list[np.ndarray]) -> dict:
    """LiteRT copies of the three models, each checked against Keras on test inputs."""
    cnn = litert.to_flatbuffer(recognizer.model)
    recognizer.save_runtime(RUNTIME / "cnn", cnn)
    encoder, decoder = litert.to_flatbuffer(stylist.encoder), litert.to_flatbuffer(stylist.decoder)
    stylist.save_runtime(RUNTIME / "vae", encoder, decoder)
    lite_cnn, lite_vae = Recognizer.load(RUNTIME / "cnn", runtime=True), Stylist.load(RUNTIME / "vae", runtime=True)
    return {"cnn": _runtime_checked("CNN", recognizer.model, cnn, lite_cnn.model, [x_h[:1024]]),
            "vae_encoder": _runtime_checked("encoder", stylist.encoder, encoder, lite_vae.encoder, [x_d[:1024]]),
            "vae_decoder": _runtime_checked("decoder", stylist.decoder, decoder, lite_vae.decoder, z)}


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
                                     lambda m: _accuracy(m, x_h, y_h), folding.fold_for_inference(recognizer.model))}
    report["vae_encoder"] = _export_checked(encoder, WEB / "vae_encoder", cfg.quantize, cfg.max_accuracy_drop,
                                            lambda m: _digit_accuracy(m, means, x_d, y_d))
    z = list(encode_means(encoder, x_d[:512]))
    reference = decoder.predict(z, verbose=0)
    pixels = lambda m: -float(np.abs(m.predict(z, verbose=0) - reference).mean())  # noqa: E731
    report["vae_decoder"] = _export_checked(decoder, WEB / "vae_decoder", cfg.quantize, cfg.max_accuracy_drop, pixels)
    exported_probs = tfjs.load(WEB / "cnn").predict(x_h, batch_size=512, verbose=0)
    accuracy = webmeta.accuracy_summary(exported_probs, y_h, hira["domains"].astype(str))
    exported_decoder = tfjs.load(WEB / "vae_decoder")
    train_style = encode_means(encoder, disentangle.digit_inputs(load_npz("data/split/digits_train.npz")["images"]))[1]
    style = directions.style_directions(
        lambda zc, zs: exported_decoder.predict([zc, zs], batch_size=512, verbose=0)[..., 0], means, train_style)
    specs = {"hiragana": preprocess.spec_constants(recognizer.spec), "digits": vae_meta["preprocess"]}
    write_json(WEB / "meta.json", webmeta.page_meta(list(recognizer.labels), specs, vae_meta, style, accuracy,
                                                    {"cnn": CNN, "vae": VAE}))
    report["accuracy"] = accuracy
    report["style_directions"] = [{"names": d["names"], "pixel_change": d["pixel_change"]} for d in style["directions"]]
    report["runtime"] = _export_runtime(recognizer, stylist, x_h, x_d, z)
    write_results("export", report, headline={"cnn_kib": round(report["cnn"]["bytes"] / 1024, 1)})
    print(f"export_tfjs: CNN {report['cnn']['quantize']} {report['cnn']['bytes']} bytes, "
          f"accuracy drop {report['cnn']['score_drop']}")


if __name__ == "__main__":
    entry.run(main, "export_tfjs")
