"""Training augmentation: shape and range kept, seeded, neutral when off, each step doing its job."""

from __future__ import annotations

import numpy as np
import pytest

from kakite.core.errors import ParamsError
from kakite.core.preprocess import HIRAGANA, batch
from kakite.training import augment
from kakite.training.augment import AugmentConfig, augment_batch
from tests import image_fixtures as fx

SINGLE_STEPS = {
    "rotate": AugmentConfig(rotate_deg=10.0),
    "shear": AugmentConfig(shear=0.2),
    "scale": AugmentConfig(scale=(0.85, 1.1)),
    "translate": AugmentConfig(translate=0.08),
    "elastic": AugmentConfig(elastic_alpha=2.5, elastic_sigma=5.0),
    "stroke": AugmentConfig(stroke_width=(-1, 1)),
    "blur": AugmentConfig(blur_sigma=(0.5, 0.9)),
    "noise": AugmentConfig(noise=0.05),
}


@pytest.fixture(scope="module")
def inputs() -> np.ndarray:
    grays = [fx.dark_on_light(), fx.off_centre(), fx.thick_strokes(), fx.scaled_up()] * 3
    return batch(grays, HIRAGANA)


@pytest.fixture
def repo_config(repo_params: dict) -> AugmentConfig:
    return AugmentConfig(**repo_params["train_cnn"]["augment"])


def mass(x: np.ndarray) -> np.ndarray:
    return x.sum(axis=(1, 2, 3))


def test_shape_dtype_and_range_are_kept(inputs: np.ndarray, repo_config: AugmentConfig) -> None:
    out = augment_batch(inputs, repo_config, np.random.default_rng(0))
    assert out.shape == inputs.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert np.abs(out - inputs).mean() > 0.02  # it did something
    assert (mass(out) > 0.3 * mass(inputs)).all()  # and the ink survived


def test_seeded_runs_repeat_and_seeds_differ(inputs: np.ndarray, repo_config: AugmentConfig) -> None:
    first = augment_batch(inputs, repo_config, np.random.default_rng(11))
    np.testing.assert_array_equal(first, augment_batch(inputs, repo_config, np.random.default_rng(11)))
    assert not np.array_equal(first, augment_batch(inputs, repo_config, np.random.default_rng(12)))


def test_default_config_is_the_identity(inputs: np.ndarray) -> None:
    np.testing.assert_array_equal(augment_batch(inputs, AugmentConfig(), np.random.default_rng(0)), inputs)


@pytest.mark.parametrize("name", sorted(SINGLE_STEPS))
def test_each_step_changes_every_image_and_stays_in_range(name: str, inputs: np.ndarray) -> None:
    out = augment_batch(inputs, SINGLE_STEPS[name], np.random.default_rng(3))
    assert out.min() >= 0.0 and out.max() <= 1.0
    changed = np.abs(out - inputs).max(axis=(1, 2, 3)) > 0
    assert changed.mean() >= (0.5 if name == "stroke" else 1.0)  # stroke radius 0 is a legal draw


def test_dilation_adds_ink_and_erosion_removes_it(inputs: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    thicker = augment_batch(inputs, AugmentConfig(stroke_width=(1, 1)), rng)
    thinner = augment_batch(inputs, AugmentConfig(stroke_width=(-1, -1)), rng)
    assert (mass(thicker) > 1.2 * mass(inputs)).all()
    assert (mass(thinner) < 0.9 * mass(inputs)).all()


def test_erosion_never_erases_a_thin_glyph() -> None:
    thin = batch([fx.thin_strokes()], HIRAGANA)
    out = augment_batch(thin, AugmentConfig(stroke_width=(-3, -3)), np.random.default_rng(0))
    np.testing.assert_array_equal(out, thin)  # it would keep < 30 % of its ink: skipped


def test_translation_moves_ink_without_losing_it(inputs: np.ndarray) -> None:
    out = augment_batch(inputs, AugmentConfig(translate=0.08), np.random.default_rng(5))
    np.testing.assert_allclose(mass(out), mass(inputs), rtol=0.05)  # the 4-px margin absorbs the shift


def test_blur_keeps_ink_mass_and_softens_peaks(inputs: np.ndarray) -> None:
    out = augment_batch(inputs, AugmentConfig(blur_sigma=(0.9, 0.9)), np.random.default_rng(0))
    np.testing.assert_allclose(mass(out), mass(inputs), rtol=1e-3)
    assert (np.abs(np.diff(out, axis=2)).sum() < np.abs(np.diff(inputs, axis=2)).sum()).all()


@pytest.mark.parametrize("sigma", [1.0, 5.0, 8.0])
def test_elastic_field_has_unit_rms_so_alpha_is_in_pixels(sigma: float) -> None:
    dy, dx = augment._unit_elastic_field(64, 48, 48, sigma, np.random.default_rng(0))
    interior = np.s_[:, 16:32, 16:32]
    rms = np.sqrt(np.mean(np.concatenate([dy[interior], dx[interior]]) ** 2))
    assert rms == pytest.approx(1.0, rel=0.15)


def test_large_batches_are_processed_in_chunks() -> None:
    x = np.random.default_rng(0).random((augment.CHUNK + 3, 8, 8, 1), dtype=np.float32)
    cfg = AugmentConfig(rotate_deg=5.0, blur_sigma=(0.0, 0.5))
    out = augment_batch(x, cfg, np.random.default_rng(0))
    assert out.shape == x.shape
    assert np.abs(out[-3:] - x[-3:]).max() > 0  # the last partial chunk was augmented too


@pytest.mark.parametrize(
    "kwargs",
    [
        {"scale": (1.1, 0.9)},
        {"scale": (0.0, 1.0)},
        {"rotate_deg": -1.0},
        {"blur_sigma": (-0.5, 0.5)},
        {"stroke_width": (0.5, 1)},
        {"elastic_sigma": 0.0},
        {"noise": -0.1},
    ],
)
def test_invalid_config_names_the_key(kwargs: dict) -> None:
    with pytest.raises(ParamsError, match=f"augment.{next(iter(kwargs))}"):
        AugmentConfig(**kwargs)


def test_wrong_input_shape_is_refused(inputs: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"\(N, H, W, 1\)"):
        augment_batch(inputs[..., 0], AugmentConfig(), np.random.default_rng(0))
