"""How the hiragana recognisers are trained and scored: kakite's recipe, the seed's, and an ablation.

- kakite:        kakite's CNN, THE preprocessing spec, augmentation, class weights, early stopping,
                 trained on `train_domains` (typeset + synthetic strokes by default).
- typeset_only:  the same, trained on typeset only: what the fixes are worth without handwriting data.
- seed:          the seed article exactly: its CNN, Adadelta, batch 128, typeset only, class weights, no
                 augmentation, pixels / 255 and nothing else (dark ink on light, uncropped), trained for
                 `seed_steps` optimizer steps (the seed's own count: 12 epochs of 60,000 images).
- seed_spec:     the same model and training on kakite's preprocessing spec: what the spec alone is worth.
Scores are per domain on the test split; the strokes test writers never appear in training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kakite.core import metrics, preprocess
from kakite.core.charset import HIRAGANA73
from kakite.decode.dataset import select
from kakite.recognizer.model_dir import Recognizer
from kakite.training.augment import AugmentConfig, augment_batch

SEED_BATCH = 128  # the mnist example's batch size, which the seed kept


@dataclass(frozen=True)
class Recipe:
    name: str
    domains: tuple[str, ...]
    spec: preprocess.Spec | None  # None: pixels / 255
    seed_model: bool = False  # the seed's CNN, optimizer and training schedule instead of kakite's


def recipe(name: str, train_domains: list[str]) -> Recipe:
    if name == "seed":
        return Recipe("seed", ("typeset",), None, seed_model=True)
    if name == "seed_spec":
        return Recipe("seed_spec", ("typeset",), preprocess.HIRAGANA, seed_model=True)
    if name == "typeset_only":
        return Recipe("typeset_only", ("typeset",), preprocess.HIRAGANA)
    return Recipe("kakite", tuple(train_domains), preprocess.HIRAGANA)


def _rows(data: dict, domains: tuple[str, ...]) -> dict:
    return select(data, np.isin(data["domains"], domains))


def cosine(base: float, epochs: int):
    """Cosine decay per epoch, a pure function of the epoch so that a resumed run gets the same rates."""
    return lambda epoch, _lr=None: base * 0.5 * (1 + math.cos(math.pi * epoch / max(epochs, 1)))


def train(rec: Recipe, cfg, train_data: dict, val_data: dict, class_weight: list[float],
          work_dir: Path, log_dir: Path | None,
          label: str | None = None) -> tuple[Recognizer, dict[str, list[float]]]:
    """Train one recipe; returns the recogniser and its per-epoch history (fit_resumable's). `label` (default:
    the recipe's name) starts every log line of this training, so that a baseline's epochs are told apart."""
    import tf_keras as keras

    from kakite.recognizer.network import build_kakite_cnn, build_seed_cnn, compile_kakite
    from kakite.training.batches import AugmentedSequence, fingerprint
    from kakite.training.loop import fit_resumable, select_strategy

    keras.utils.set_random_seed(cfg.seed)
    size = rec.spec.size if rec.spec else train_data["images"].shape[1]  # the spec sizes inputs; seed: as stored
    with select_strategy(cfg.strategy).scope():
        if rec.seed_model:
            model = build_seed_cnn(len(HIRAGANA73), size)
        else:
            model = build_kakite_cnn(len(HIRAGANA73), size, cfg.filters, cfg.dense, cfg.dropout)
            compile_kakite(model, cfg.learning_rate)
    recognizer = Recognizer(model, HIRAGANA73, rec.spec, rec.name)
    tr, va = _rows(train_data, rec.domains), _rows(val_data, rec.domains)
    x_train, x_val = recognizer.prepare_batch(tr["images"]), recognizer.prepare_batch(va["images"])
    if rec.seed_model:
        augment, batch, patience = None, SEED_BATCH, None
    else:
        aug_cfg = AugmentConfig(**cfg.augment.model_dump())
        augment, batch, patience = (lambda x, rng: augment_batch(x, aug_cfg, rng)), cfg.batch_size, cfg.patience
    sequence = AugmentedSequence(x_train, tr["labels"].astype(np.int64), batch, cfg.seed, augment=augment,
                                 class_weight=class_weight)
    # The seed's step count on however many images there are: epochs scaled to the data size.
    epochs = math.ceil(cfg.seed_steps / len(sequence)) if rec.seed_model else cfg.epochs
    config = {"recipe": rec.name, "params": cfg.model_dump(), "data": fingerprint(x_train, tr["labels"], x_val)}
    callbacks = [] if rec.seed_model else [keras.callbacks.LearningRateScheduler(cosine(cfg.learning_rate, epochs))]
    history = fit_resumable(model, sequence, (x_val, va["labels"].astype(np.int64)), epochs=epochs,
                            seed=cfg.seed, checkpoint_dir=work_dir / f"checkpoint-{rec.name}", log_dir=log_dir,
                            patience=patience, config=config, delete_checkpoint=True, callbacks=callbacks,
                            label=label or rec.name)
    return recognizer, history


TOP_K = 5  # ranks kept per test row, for top-5 accuracy in `make bench`


def evaluate(recognizer: Recognizer, test: dict) -> tuple[dict, np.ndarray]:
    """Scores on the test split, and the TOP_K best classes per test row, best first."""
    probs = recognizer.probabilities(recognizer.prepare_batch(test["images"]))
    ranked = np.argsort(-probs, axis=1, kind="stable")[:, :TOP_K].astype(np.int16)
    pred = ranked[:, 0].astype(np.int64)
    y, domains = test["labels"].astype(np.int64), test["domains"]
    by_domain = metrics.accuracy_by(y, pred, domains)
    hw = domains == "handwriting_font"
    by_font = metrics.accuracy_by(y[hw], pred[hw], test["writers"][hw])
    scores = {
        "accuracy": metrics.accuracy(y, pred),
        "macro_f1": metrics.macro_f1(y, pred, len(HIRAGANA73)),
        "by_domain": by_domain,
        "handwriting_font_by_font": by_font,
    }
    return scores, ranked
