"""The writer-style VAE: one image, two bottlenecks, z_content (what was written) and z_style (who wrote it).

The seed article (writer-style VAEs on EMNIST digits) splits a VAE's latent in two: a softmax classifier on z_content
(its "z_a") forces the digit into it, and z_style ("z_b") keeps what reconstruction needs besides the
digit, hopefully the writer. kakite keeps that model as variant "seed" and adds variant "kakite":

- "seed": the article's MLP (its Chainer code, github takuya29/wvae). Encoder 784 -> 500 tanh ->
  (mu, logvar) for each latent; decoder tanh(W_a z_a) + tanh(W_b z_b) -> 784 sigmoid; Bernoulli NLL
  summed over pixels, KL on both latents, a linear softmax classifier on the sampled z_content, and an
  optional cross-covariance penalty between the two latents. (The article's classifier weight C2 =
  10000 multiplied a batch-mean cross-entropy that its code divided by the batch size (256) again:
  about 39 per image in the units used here.)
- "kakite": a conv encoder (28 -> 14 -> 7, 32/64 filters) and a conv-transpose decoder on
  concat(z_content, z_style), the same losses, plus two pressures on z_style: an adversary that tries
  to read the digit from it through a gradient-reversal layer (so the encoder learns to hide it), and
  a writer-group term in the spirit of ML-VAE (Bouchacourt et al. 2018) that pulls each image's
  z_style toward the mean of its writer's images in the batch; optionally a digit term, the share of
  z_style's batch variance between the digits' means (what a linear probe reads), pushed to 0.

Loss per image, averaged over the batch (the logged metrics are the unweighted terms):
    reconstruction + kl_weight * (kl_content + kl_style) + classifier_weight * classifier
    + crosscov_weight * crosscov + adversary_weight * adversary + group_weight * group + digit_weight * digit
An optional term is part of the model only when its weight is > 0 (and, for adversary, group and digit,
only in variant "kakite"). Validation (test_step) uses the posterior means instead of samples, so
validation numbers are deterministic.

The encoder, decoder and classifier are plain functional models of standard layers (exportable to
TF.js); the two custom layers below live only inside the training wrapper DisentanglingVAE.

Why one file of about 400 lines: the layers, the losses and the training step are one model, read top to
bottom; split apart, the loss weights would sit away from the terms they weigh.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np
import tensorflow as tf
import tf_keras as keras
from tf_keras import layers

from kakite.core.errors import ParamsError
from kakite.training.batches import AugmentedSequence, grouped_order
from kakite.training.loop import fit_resumable

VARIANTS = ("seed", "kakite")
SEED_HIDDEN = 500  # the article's hidden width
STANDARDISE_EPSILON = 1e-3  # variance floor when standardising latents for the cross-covariance
WRITER_GROUP_SIZE = 4  # images of one writer placed next to each other in a training batch


# --- 1. The two custom layers (training wrapper only) -------------------------------------------------


class Sampling(layers.Layer):
    """z = mu + exp(logvar / 2) * eps, eps ~ N(0, I): the reparameterisation trick, so gradients reach
    mu and logvar. eps comes from the layer's own tf.random.Generator, whose state is a variable:
    reseeding it each epoch (training.fit_resumable does, through DisentanglingVAE.reseed) makes the
    noise of epoch e the same in a resumed run, with no re-tracing."""

    def __init__(self, seed: int = 0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.generator = tf.random.Generator.from_seed(seed)

    def reseed(self, seed: int) -> None:
        self.generator.reset_from_seed(seed)

    def call(self, inputs: list[tf.Tensor]) -> tf.Tensor:
        mu, logvar = inputs
        return mu + tf.exp(0.5 * logvar) * self.generator.normal(tf.shape(mu))


@tf.custom_gradient
def reverse_gradient(x: tf.Tensor):
    """Identity forward, negated gradient backward (Ganin & Lempitsky 2015)."""
    return tf.identity(x), lambda upstream: -upstream


class GradientReversal(layers.Layer):
    """Lets one loss train the adversary to read the digit from z_style and the encoder to prevent it."""

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        return reverse_gradient(inputs)


# --- 2. The exportable parts --------------------------------------------------------------------------


def _encoder_heads(image, hidden, z_content: int, z_style: int) -> keras.Model:
    """image -> [mu_content, logvar_content, mu_style, logvar_style]; logvar is log(sigma^2)."""
    outputs = [
        layers.Dense(z_content, name="mu_content")(hidden),
        layers.Dense(z_content, name="logvar_content")(hidden),
        layers.Dense(z_style, name="mu_style")(hidden),
        layers.Dense(z_style, name="logvar_style")(hidden),
    ]
    return keras.Model(image, outputs, name="encoder")


def build_encoder(variant: str, size: int, z_content: int, z_style: int) -> keras.Model:
    image = keras.Input(shape=(size, size, 1), name="image")
    if variant == "seed":
        hidden = layers.Dense(SEED_HIDDEN, activation="tanh", name="hidden")(layers.Flatten()(image))
    else:
        x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", name="conv1")(image)
        x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", name="conv2")(x)
        hidden = layers.Dense(128, activation="relu", name="hidden")(layers.Flatten()(x))
    return _encoder_heads(image, hidden, z_content, z_style)


def build_decoder(variant: str, size: int, z_content: int, z_style: int) -> keras.Model:
    """[z_content, z_style] -> image in [0, 1] (sigmoid: the mean of a Bernoulli per pixel)."""
    zc = keras.Input(shape=(z_content,), name="z_content")
    zs = keras.Input(shape=(z_style,), name="z_style")
    if variant == "seed":
        hidden = layers.Add(name="hidden")(
            [
                layers.Dense(SEED_HIDDEN, activation="tanh", name="hidden_content")(zc),
                layers.Dense(SEED_HIDDEN, activation="tanh", name="hidden_style")(zs),
            ]
        )
        pixels = layers.Dense(size * size, activation="sigmoid", name="pixels")(hidden)
        image = layers.Reshape((size, size, 1), name="image")(pixels)
    else:
        side = size // 4
        x = layers.Concatenate(name="z")([zc, zs])
        x = layers.Dense(side * side * 64, activation="relu", name="hidden")(x)
        x = layers.Reshape((side, side, 64))(x)
        x = layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu", name="deconv1")(x)
        x = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu", name="deconv2")(x)
        image = layers.Conv2DTranspose(1, 3, padding="same", activation="sigmoid", name="image")(x)
    return keras.Model([zc, zs], image, name="decoder")


def build_classifier(z_content: int, n_classes: int) -> keras.Model:
    """Linear softmax on z_content, as in the seed: it makes the content axes linearly separable."""
    z = keras.Input(shape=(z_content,), name="z_content")
    return keras.Model(z, layers.Dense(n_classes, activation="softmax", name="label")(z), name="classifier")


def build_adversary(z_style: int, n_classes: int) -> keras.Model:
    """A small MLP reading the label from z_style; the stronger it is, the harder it is to fool."""
    z = keras.Input(shape=(z_style,), name="z_style")
    hidden = layers.Dense(64, activation="relu", name="hidden")(z)
    return keras.Model(z, layers.Dense(n_classes, activation="softmax", name="label")(hidden), name="adversary")


# --- 3. The loss terms --------------------------------------------------------------------------------


def bernoulli_nll(x: tf.Tensor, x_hat: tf.Tensor) -> tf.Tensor:
    """-log p(x | z) per image, summed over pixels (nats)."""
    return tf.reduce_sum(keras.losses.binary_crossentropy(x, x_hat), axis=(1, 2))


def gaussian_kl(mu: tf.Tensor, logvar: tf.Tensor) -> tf.Tensor:
    """KL(N(mu, sigma^2) || N(0, I)) per image, summed over latent dimensions (nats)."""
    return -0.5 * tf.reduce_sum(1.0 + logvar - tf.square(mu) - tf.exp(logvar), axis=1)


def _standardise(z: tf.Tensor) -> tf.Tensor:
    mean, variance = tf.nn.moments(z, axes=[0])
    return (z - mean) / tf.sqrt(variance + STANDARDISE_EPSILON)


def cross_covariance(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """0.5 * sum_ij corr(a_i, b_j)^2 over the batch (XCov, Cheung et al. 2014, on batch-standardised
    latents so that shrinking a latent cannot lower it): 0 when no dimension of a is linearly
    correlated with one of b."""
    n = tf.cast(tf.shape(a)[0], a.dtype)
    corr = tf.matmul(_standardise(a), _standardise(b), transpose_a=True) / n
    return 0.5 * tf.reduce_sum(tf.square(corr))


def writer_spread(z: tf.Tensor, writers: tf.Tensor) -> tf.Tensor:
    """Share of z's batch variance that lies within writers: 0 when each writer's images share one z.

    The numerator pulls every z toward its writer's mean in the batch; dividing by the total variance
    keeps the encoder from satisfying it by simply shrinking z_style.
    """
    _, group = tf.unique(tf.reshape(writers, [-1]))
    group_mean = tf.math.unsorted_segment_mean(z, group, tf.reduce_max(group) + 1)
    within = tf.reduce_mean(tf.reduce_sum(tf.square(z - tf.gather(group_mean, group)), axis=1))
    total = tf.reduce_mean(tf.reduce_sum(tf.square(z - tf.reduce_mean(z, axis=0)), axis=1))
    return within / (total + keras.backend.epsilon())


def label_share(z: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
    """Share of z's batch variance between the labels' means: 0 when every label has the same mean z,
    so a linear read-out of the label from z has nothing to go on."""
    return 1.0 - writer_spread(z, labels)


@dataclass(frozen=True)
class LossWeights:
    kl: float = 1.0
    classifier: float = 1.0
    crosscov: float = 0.0
    adversary: float = 0.0
    group: float = 0.0
    digit: float = 0.0

    @classmethod
    def from_params(cls, weights: Mapping[str, float]) -> LossWeights:
        """From params-style keys (kl_weight, classifier_weight, ...); a missing key keeps its default."""
        names = {f"{f.name}_weight": f.name for f in fields(cls)}
        unknown = sorted(set(weights) - set(names))
        if unknown:
            raise ParamsError(f"train_vae: unknown loss weight(s) {unknown}; expected some of {sorted(names)}")
        return cls(**{names[key]: float(value) for key, value in weights.items()})


# --- 4. The training wrapper --------------------------------------------------------------------------


class DisentanglingVAE(keras.Model):
    """Encoder + decoder + classifier (+ adversary) trained by one loss; data is (x, {"label", "writer"}).

    train_step and test_step return a dict named like self.trackers: loss, the terms in self.terms,
    accuracy (classifier on z_content) and, with an adversary, adversary_accuracy (near chance when
    z_style hides the label).
    """

    def __init__(
        self,
        encoder: keras.Model,
        decoder: keras.Model,
        classifier: keras.Model,
        adversary: keras.Model | None,
        weights: LossWeights,
        use_group: bool,
        use_digit: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.encoder, self.decoder, self.classifier, self.adversary = encoder, decoder, classifier, adversary
        self.term_weights = weights
        self.use_group = use_group
        self.sampling = Sampling(name="sampling")
        self.reversal = GradientReversal(name="gradient_reversal")
        optional = {"crosscov": weights.crosscov > 0, "adversary": adversary is not None, "group": use_group,
                    "digit": use_digit}
        self.terms = ["reconstruction", "kl_content", "kl_style", "classifier"]
        self.terms += [name for name, used in optional.items() if used]
        names = ["loss", *self.terms, "accuracy"]
        if adversary is not None:
            names.append("adversary_accuracy")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    def reseed(self, seed: int) -> None:
        """Restart the sampling noise from `seed` (called at every epoch start by fit_resumable)."""
        self.sampling.reseed(seed)

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self.trackers.values())  # listed here so that Keras resets them every epoch

    def call(self, x: tf.Tensor, training: bool = False) -> tf.Tensor:
        """Reconstruction from the posterior means."""
        mu_c, _, mu_s, _ = self.encoder(x, training=training)
        return self.decoder([mu_c, mu_s], training=training)

    def _objective(self, x: tf.Tensor, targets: Mapping[str, tf.Tensor], training: bool):
        labels = targets["label"]
        mu_c, logvar_c, mu_s, logvar_s = self.encoder(x, training=training)
        if training:
            z_c, z_s = self.sampling([mu_c, logvar_c]), self.sampling([mu_s, logvar_s])
        else:
            z_c, z_s = mu_c, mu_s
        x_hat = self.decoder([z_c, z_s], training=training)
        label_probs = self.classifier(z_c, training=training)
        terms = {
            "reconstruction": tf.reduce_mean(bernoulli_nll(x, x_hat)),
            "kl_content": tf.reduce_mean(gaussian_kl(mu_c, logvar_c)),
            "kl_style": tf.reduce_mean(gaussian_kl(mu_s, logvar_s)),
            "classifier": tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, label_probs)),
        }
        scores = {"accuracy": keras.metrics.sparse_categorical_accuracy(labels, label_probs)}
        if "crosscov" in self.terms:
            terms["crosscov"] = cross_covariance(mu_c, mu_s)
        if self.adversary is not None:
            adversary_probs = self.adversary(self.reversal(mu_s), training=training)
            terms["adversary"] = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, adversary_probs))
            scores["adversary_accuracy"] = keras.metrics.sparse_categorical_accuracy(labels, adversary_probs)
        if self.use_group:
            terms["group"] = writer_spread(mu_s, targets["writer"])
        if "digit" in self.terms:
            terms["digit"] = label_share(mu_s, labels)
        w = self.term_weights
        loss = terms["reconstruction"] + w.kl * (terms["kl_content"] + terms["kl_style"])
        loss += w.classifier * terms["classifier"]
        for name in ("crosscov", "adversary", "group", "digit"):
            if name in terms:
                loss += getattr(w, name) * terms[name]
        return loss, terms, scores

    def _track(self, loss: tf.Tensor, terms: dict, scores: dict) -> dict[str, tf.Tensor]:
        for name, value in {"loss": loss, **terms, **scores}.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def train_step(self, data):
        x, targets = data
        with tf.GradientTape() as tape:
            loss, terms, scores = self._objective(x, targets, training=True)
            # Gradients are summed over replicas under a distribution strategy: scale per replica.
            replica_loss = loss / tf.distribute.get_strategy().num_replicas_in_sync
        gradients = tape.gradient(replica_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights, strict=True))
        return self._track(loss, terms, scores)

    def test_step(self, data):
        x, targets = data
        return self._track(*self._objective(x, targets, training=False))


# --- 5. Public API ------------------------------------------------------------------------------------


def build_vae(
    variant: str, z_content: int, z_style: int, n_classes: int, size: int, weights: Mapping[str, float]
) -> DisentanglingVAE:
    """Build (not compile) the VAE. `weights` uses params.yaml's keys: kl_weight, classifier_weight, ...

    Call it inside strategy.scope() to train under a distribution strategy.
    """
    if variant not in VARIANTS:
        raise ParamsError(f"train_vae.variant: unknown VAE variant {variant!r}; expected one of {VARIANTS}")
    if variant == "kakite" and size % 4:
        raise ParamsError(f"train_vae: the conv VAE needs an image size divisible by 4, got {size}")
    loss_weights = LossWeights.from_params(weights)
    kakite = variant == "kakite"
    return DisentanglingVAE(
        encoder=build_encoder(variant, size, z_content, z_style),
        decoder=build_decoder(variant, size, z_content, z_style),
        classifier=build_classifier(z_content, n_classes),
        adversary=build_adversary(z_style, n_classes) if kakite and loss_weights.adversary > 0 else None,
        weights=loss_weights,
        use_group=kakite and loss_weights.group > 0,
        use_digit=kakite and loss_weights.digit > 0,
        name=f"vae_{variant}",
    )


def train_vae(
    model: DisentanglingVAE,
    x: np.ndarray,
    y: np.ndarray,
    writers: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    w_val: np.ndarray,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    log_dir: str | os.PathLike | None,
    *,
    checkpoint_dir: str | os.PathLike | None = None,
    config: Mapping | None = None,
    delete_checkpoint: bool = False,
    verbose: int = 2,
    label: str = "vae",
) -> dict[str, list[float]]:
    """Compile with Adam(lr) and train on writer-grouped batches; resumable through `checkpoint_dir`.

    Batches hold runs of WRITER_GROUP_SIZE images per writer (training.grouped_order), so the group
    term sees each writer several times. Validation batches are grouped once, with a fixed order.
    Returns the per-epoch history (also written to `log_dir`); each epoch's log line starts with `label`.
    """
    with model.distribute_strategy.scope():
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr))
    train = AugmentedSequence(
        x,
        {"label": y, "writer": writers},
        batch_size,
        seed,
        order=lambda rng: grouped_order(writers, WRITER_GROUP_SIZE, rng),
    )
    val_order = grouped_order(w_val, WRITER_GROUP_SIZE, np.random.default_rng(seed))
    val = AugmentedSequence(x_val, {"label": y_val, "writer": w_val}, batch_size, seed, order=lambda rng: val_order)
    return fit_resumable(
        model, train, val, epochs=epochs, seed=seed, checkpoint_dir=checkpoint_dir, log_dir=log_dir,
        config=config, delete_checkpoint=delete_checkpoint, verbose=verbose, label=label,
    )


def encode_means(encoder: keras.Model, x: np.ndarray, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Posterior means (z_content, z_style) of images x: the representation the cluster stage uses."""
    mu_c, _, mu_s, _ = encoder.predict(x, batch_size=batch_size, verbose=0)
    return mu_c, mu_s


def decode(decoder: keras.Model, z_content: np.ndarray, z_style: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Images (N, size, size, 1) in [0, 1] for latent codes: e.g. one digit in many writers' styles."""
    return decoder.predict([np.asarray(z_content), np.asarray(z_style)], batch_size=batch_size, verbose=0)
