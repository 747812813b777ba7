"""Who wrote it: training the two-bottleneck VAE on digits, and measuring how well it splits them.

The measures (metrics/details/vae.json):
- reconstruction (Bernoulli NLL per image, nats) and KL per latent, on the test split;
- digit accuracy of the VAE's own classifier on z_content (posterior means);
- leakage probe: a logistic regression reading the digit from z_style (chance 10 %, lower is better),
  the z_style the saved model outputs (after the style head, style_head.py, when there is one);
- writer probes: the same linear probe reading the writer from z_style, z_content and raw pixels.
Probes train on the train split and score on the test split, both restricted to the writers the VAE
trains on (protocols.py: the "new" writers are withheld from everything here).

Baselines (train_vae.baselines) are trained on the same images and measured the same way. "seed" is
the article's model with the article's loss weights (SEED_WEIGHTS), whatever kakite's params say.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kakite.core import metrics, preprocess
from kakite.core.atomic import load_npz
from kakite.writers import style_head
from kakite.writers.protocols import draw_new_writers

PARTS = ("train", "val", "test")
# The article's objective per image: summed Bernoulli NLL + KL of both latents + C2 * cross-entropy,
# where C2 = 10000 multiplied a batch-mean cross-entropy its code divided by the batch size (256)
# again: 10000 / 256 per image. No cross-covariance, adversary, group or digit term.
SEED_WEIGHTS = {"kl_weight": 1.0, "classifier_weight": 10000 / 256, "crosscov_weight": 0.0,
                "adversary_weight": 0.0, "group_weight": 0.0, "digit_weight": 0.0}
WEIGHT_KEYS = tuple(SEED_WEIGHTS)
BASELINES = {"seed": {"variant": "seed", "z_content": 10, "z_style": 10, "weights": SEED_WEIGHTS}}  # the article's


def digit_inputs(images: np.ndarray) -> np.ndarray:
    """THE preprocessing spec at digit size (28 × 28, box 20)."""
    return preprocess.batch(images, preprocess.DIGITS)


def writer_ids(writers: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Writer names → integer ids in the order of `known` (the sorted training writers)."""
    return np.searchsorted(known, writers).astype(np.int64)


def load_digits(split_dir: Path, new_writers: int, seed: int) -> tuple[dict[str, dict], np.ndarray]:
    """The train/val/test digit parts the VAE may see, and the names of the withheld "new" writers.

    Each part holds x (model inputs), y, w (writer ids in the order of the sorted training writers),
    writers (names) and the raw arrays' row mask `kept`.
    """
    raw = {part: load_npz(split_dir / f"digits_{part}.npz") for part in PARTS}
    new = draw_new_writers(np.concatenate([raw[p]["writers"] for p in PARTS]), new_writers, seed)
    known = np.setdiff1d(np.unique(raw["train"]["writers"]), new)
    parts = {}
    for part, data in raw.items():
        kept = ~np.isin(data["writers"], new)
        names = data["writers"][kept]
        parts[part] = {"x": digit_inputs(data["images"][kept]), "y": data["labels"][kept].astype(np.int64),
                       "w": writer_ids(names, known), "writers": names}
    return parts, new


def train(cfg, x: np.ndarray, y: np.ndarray, w: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
          w_val: np.ndarray, z_content: int, z_style: int, variant: str, epochs: int, log_dir, work_dir,
          weights: dict[str, float] | None = None, label: str = "kakite"):
    """Build and train one VAE under the params' strategy; returns the trained model.

    `weights` (params-style keys) replace the params' loss weights, as a baseline's fixed recipe does.
    `label` starts every log line of this training (e.g. "baseline seed").
    """
    import tf_keras as keras

    from kakite.training.batches import fingerprint
    from kakite.training.loop import select_strategy
    from kakite.writers.network import build_vae, train_vae

    keras.utils.set_random_seed(cfg.seed)
    weights = weights or {k: getattr(cfg, k) for k in WEIGHT_KEYS}
    with select_strategy(cfg.strategy).scope():
        model = build_vae(variant, z_content, z_style, 10, x.shape[1], weights)
    config = {"params": cfg.model_dump(), "variant": variant, "z": [z_content, z_style], "epochs": epochs,
              "weights": weights, "data": fingerprint(x, y, w, x_val)}
    train_vae(model, x, y, w, x_val, y_val, w_val, epochs, cfg.batch_size, cfg.learning_rate, cfg.seed, log_dir,
              checkpoint_dir=Path(work_dir) / f"checkpoint-vae-{variant}-{z_content}x{z_style}", config=config,
              delete_checkpoint=True, label=label)
    return model


def with_style_head(model, train: dict, erase: int, writer_axes: bool, variant: str, z_content: int):
    """(encoder, decoder, facts): the trained VAE's pair with the style head (style_head.py) fitted on the
    training images and folded in; facts say what the head did, for meta.json and the measures."""
    from kakite.writers.network import encode_means

    _, z_style = encode_means(model.encoder, train["x"])
    head = style_head.fit_style_head(z_style, train["y"], train["w"], erase, writer_axes)
    encoder, decoder = style_head.fold(model.encoder, model.decoder, head, variant, z_content)
    return encoder, decoder, {"z_style": head.size, "style_head": {"vae_z_style": z_style.shape[1],
                                                                   "erased_digit_directions": erase,
                                                                   "writer_axes": writer_axes}}


def evaluate(model, seed: int, train: dict, test: dict, with_pixels: bool = True, head=None) -> dict:
    """The split measures above; `train`/`test` hold x, y and w (writer ids). The writer probe on raw
    pixels depends on the data alone: `with_pixels=False` skips it (a baseline's second copy).

    `head`: the (encoder, decoder) pair with_style_head made. The probes then read its z_style, and
    reconstruction_bce_head is the reconstruction through it; KL and the other losses stay the VAE's own.
    """
    from kakite.writers.network import bernoulli_nll, encode_means

    encoder = head[0] if head else model.encoder
    zc_tr, zs_tr = encode_means(encoder, train["x"])
    zc_te, zs_te = encode_means(encoder, test["x"])
    losses = model.evaluate(test["x"], {"label": test["y"], "writer": test["w"]}, batch_size=256, verbose=0,
                            return_dict=True)
    digit_pred = model.classifier.predict(zc_te, batch_size=512, verbose=0).argmax(axis=1)
    probe = lambda a, b, target: metrics.linear_probe(a, train[target], b, test[target], seed)  # noqa: E731
    scores = {
        "reconstruction_bce": metrics.r(losses["reconstruction"]),
        "kl_content": metrics.r(losses["kl_content"]),
        "kl_style": metrics.r(losses["kl_style"]),
        "digit_accuracy_content": metrics.accuracy(test["y"], digit_pred),
        "leakage_probe_style": probe(zs_tr, zs_te, "y"),
        "writer_probe_style": probe(zs_tr, zs_te, "w"),
        "writer_probe_content": probe(zc_tr, zc_te, "w"),
    }
    if with_pixels:
        scores["writer_probe_pixels"] = probe(train["x"], test["x"], "w")
    if head:
        decoded = head[1].predict([zc_te, zs_te], batch_size=512, verbose=0)
        scores["reconstruction_bce_head"] = metrics.r(bernoulli_nll(test["x"], decoded).numpy().mean())
    return scores


def latent_summary(encoder, x: np.ndarray, y: np.ndarray) -> dict:
    """What the browser needs to restyle: each digit's mean z_content, and z_style's 1–99 % range."""
    from kakite.writers.network import encode_means

    zc, zs = encode_means(encoder, x)
    means = [np.round(zc[y == d].mean(axis=0), 5).tolist() for d in range(10)]
    lo, hi = np.percentile(zs, [1, 99], axis=0)
    return {"content_means": means, "style_range": np.round(np.stack([lo, hi], 1), 5).tolist()}
