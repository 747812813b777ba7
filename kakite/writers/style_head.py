"""The style head: a fixed linear map on the VAE's z_style, fitted on the training writers after training.

Why: the adversary and the writer-group term leave some digit identity in z_style (a linear probe reads
the digit from it well above chance), and K-Means weighs z_style's axes by their raw spread, not by how
well they tell writers apart. Two classical linear steps, fitted once on the training set's posterior
means, fix both, the way speaker recognition post-processes its embeddings (LDA after i-vectors):
1. erase: drop the `erase` directions of the standardised z_style along which the digits' means differ
   most (the leading discriminant directions of the digit labels), so a linear read-out loses them;
2. writer axes: map what is left onto the discriminant axes of the training writers (within-writer
   spread 1), ordered by how well they separate writers.
The head's output is the model's z_style, of size z_style - erase. It is folded into the encoder's
`mu_style` layer, and its inverse (the erased directions at the training mean) into the decoder's first
layer, so the saved models keep their architecture and export like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import eigh, null_space

from kakite.core.errors import ParamsError

SCALE_FLOOR = 1e-6  # a z_style axis with no spread is standardised by this instead of 0
RIDGE = 1e-6  # added to the within-label covariance, times its mean variance


@dataclass(frozen=True)
class StyleHead:
    """z_style = vae_z_style @ weights + bias; back: z_style @ inverse_weights + inverse_bias."""

    weights: np.ndarray  # (d, m)
    bias: np.ndarray  # (m,)
    inverse_weights: np.ndarray  # (m, d)
    inverse_bias: np.ndarray  # (d,)

    @property
    def size(self) -> int:
        return self.weights.shape[1]

    def apply(self, z_style: np.ndarray) -> np.ndarray:
        return z_style @ self.weights + self.bias

    def invert(self, z_style: np.ndarray) -> np.ndarray:
        return z_style @ self.inverse_weights + self.inverse_bias


def _discriminants(z: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Columns: the generalised eigenvectors of the (between, within) label scatter of z, most
    discriminant first, each with within-label variance 1 (linear discriminant analysis). A ridge of
    RIDGE times the mean variance keeps the problem well-posed when an axis has no spread within the
    labels (an axis the VAE never used, a few images per label); on real codes it moves nothing."""
    _, index = np.unique(labels, return_inverse=True)
    means = np.stack([z[index == k].mean(axis=0) for k in range(index.max() + 1)])
    centred, within_rows = z - z.mean(axis=0), z - means[index]
    total, within = centred.T @ centred / len(z), within_rows.T @ within_rows / len(z)
    ridge = RIDGE * max(np.trace(total) / len(total), np.finfo(float).tiny)
    values, vectors = eigh(total - within, within + ridge * np.eye(len(total)))
    return vectors[:, np.argsort(values, kind="stable")[::-1]]


def fit_style_head(z_style: np.ndarray, digits: np.ndarray, writers: np.ndarray, erase: int,
                   writer_axes: bool = True) -> StyleHead:
    """The head for the training set's posterior means z_style (n, d), their digits and writer ids."""
    d = z_style.shape[1]
    if not 0 <= erase < d:
        raise ParamsError(f"train_vae.erase_digit_directions: {erase} must be at least 0 and below z_style ({d})")
    mean, scale = z_style.mean(axis=0), np.maximum(z_style.std(axis=0), SCALE_FLOOR)
    standard = (z_style - mean) / scale
    keep = null_space(np.linalg.qr(_discriminants(standard, digits)[:, :erase])[0].T) if erase else np.eye(d)
    kept = standard @ keep  # (n, d - erase): coordinates in what is left, an orthonormal basis
    centre = kept.mean(axis=0)
    if writer_axes and len(np.unique(writers)) >= len(writers):
        raise ParamsError(f"train_vae.writer_axes: {len(writers)} training images of as many writers cannot place "
                          "writer axes; set it to false")
    axes = _discriminants(kept, writers) if writer_axes else np.eye(d - erase)
    weights = (keep / scale[:, None]) @ axes
    inverse = np.linalg.inv(axes) @ keep.T * scale
    return StyleHead(weights=weights, bias=-(mean @ weights) - centre @ axes,
                     inverse_weights=inverse, inverse_bias=mean + (centre @ keep.T) * scale)


def fold(encoder, decoder, head: StyleHead, variant: str, z_content: int):
    """A new (encoder, decoder) pair whose z_style is the head's: same layers, z_style of head.size.

    mu_style's kernel and bias absorb the head; logvar_style's absorb the log of each new axis's variance
    under equal posterior variances (a weighted geometric mean: exact when the VAE's posterior variances
    are equal across axes, a lower bound otherwise); the decoder's first z_style layer absorbs the inverse.
    """
    from kakite.writers.network import build_decoder, build_encoder

    size = encoder.input_shape[1]
    first = "hidden_style" if variant == "seed" else "hidden"
    new_encoder = build_encoder(variant, size, z_content, head.size)
    new_decoder = build_decoder(variant, size, z_content, head.size)
    for new, old, folded in ((new_encoder, encoder, ("mu_style", "logvar_style")), (new_decoder, decoder, (first,))):
        for new_layer, old_layer in zip(new.layers, old.layers, strict=True):  # same architecture, same order
            if new_layer.name not in folded:
                new_layer.set_weights(old_layer.get_weights())
    kernel, bias = encoder.get_layer("mu_style").get_weights()
    new_encoder.get_layer("mu_style").set_weights([kernel @ head.weights, bias @ head.weights + head.bias])
    squared = head.weights ** 2
    share = squared / squared.sum(axis=0)
    kernel, bias = encoder.get_layer("logvar_style").get_weights()
    new_encoder.get_layer("logvar_style").set_weights([kernel @ share, bias @ share + np.log(squared.sum(axis=0))])
    kernel, bias = decoder.get_layer(first).get_weights()
    rows = slice(0, None) if variant == "seed" else slice(z_content, None)  # the z_style rows of the kernel
    style_rows = kernel[rows]
    kernel = np.concatenate([kernel[:rows.start], head.inverse_weights @ style_rows])
    new_decoder.get_layer(first).set_weights([kernel, bias + head.inverse_bias @ style_rows])
    return new_encoder, new_decoder
