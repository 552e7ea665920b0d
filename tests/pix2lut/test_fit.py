"""The LUT fit: recovers known smooth grades, extrapolates sensibly, refuses what cannot be fitted."""

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.colour import delta_e_ciede2000, srgb_to_lab
from pix2lut.errors import FitError, LutError
from pix2lut.fit import FitConfig, fit_lut, fit_lut_to_images
from pix2lut.lut import Lut3D, identity_table
from pix2lut.samples import collect_samples, samples_from_colours

IN_SAMPLE_MAX_DE = 0.5  # mean CIEDE2000 on the colours the fit saw: below what a viewer notices
OUT_OF_SAMPLE_MAX_DE = 1.5  # on colours the fit never saw, for a smooth global grade


def smooth_grade(rgb: np.ndarray) -> np.ndarray:
    """A film-like grade: per-channel curves, a channel mix and a saturation change (values stay in [0, 1])."""
    curved = np.stack([rgb[..., 0] ** 0.9, rgb[..., 1] ** 1.05, rgb[..., 2] ** 1.2], axis=-1)
    mixed = curved @ np.array([[0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.0, 0.1, 0.9]]).T
    luma = mixed @ np.array([0.2126, 0.7152, 0.0722])
    return np.clip(luma[..., None] + 1.2 * (mixed - luma[..., None]), 0.0, 1.0)


def frame(seed: int, height: int = 96, width: int = 128) -> np.ndarray:
    """Smooth gradients with a random colour cast: a frame that covers only part of the cube."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    base = np.stack([x, y, 0.5 * (x + y)], axis=-1)
    cast = rng.uniform(0.6, 1.0, 3)
    return np.clip(base * cast + rng.uniform(0.0, 0.2, 3), 0.0, 1.0).astype(np.float32)


def mean_delta_e(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(delta_e_ciede2000(srgb_to_lab(a), srgb_to_lab(b))))


def test_fit_reproduces_the_frame_it_was_fitted_on():
    source = frame(0)
    target = smooth_grade(source).astype(np.float32)
    lut = fit_lut_to_images([(source, target)])
    assert mean_delta_e(apply_lut(source, lut), target) < IN_SAMPLE_MAX_DE


def test_fit_extrapolates_a_smooth_grade_to_colours_the_frame_lacks():
    source = frame(1)
    lut = fit_lut_to_images([(source, smooth_grade(source).astype(np.float32))])
    unseen = np.random.default_rng(2).random((5000, 3)).astype(np.float32)
    assert mean_delta_e(apply_lut(unseen, lut), smooth_grade(unseen)) < OUT_OF_SAMPLE_MAX_DE


def test_fit_recovers_a_known_smooth_lut_from_dense_samples():
    truth = Lut3D(smooth_grade(identity_table(17).astype(np.float64)))
    colours = np.random.default_rng(3).random((40000, 3))
    samples = samples_from_colours(colours, apply_lut(colours.astype(np.float32), truth))
    fitted = fit_lut(samples, FitConfig(size=17))
    probe = np.random.default_rng(4).random((5000, 3)).astype(np.float32)
    assert np.abs(apply_lut(probe, fitted) - apply_lut(probe, truth)).mean() < 2e-3


def test_identity_pair_gives_an_identity_lut():
    source = frame(5)
    lut = fit_lut_to_images([(source, source)], FitConfig(size=17))
    assert np.abs(lut.table - identity_table(17)).max() < 0.01


def test_several_frames_pool_into_one_lut():
    frames = [frame(seed) for seed in (6, 7, 8)]
    lut = fit_lut_to_images([(f, smooth_grade(f).astype(np.float32)) for f in frames])
    for f in frames:
        assert mean_delta_e(apply_lut(f, lut), smooth_grade(f)) < IN_SAMPLE_MAX_DE


def test_fitted_values_stay_in_unit_range_even_for_a_grade_that_overshoots():
    source = frame(9)
    target = np.clip(source * 1.8, 0.0, 1.0)  # the curves extrapolate above 1 near white
    lut = fit_lut_to_images([(source, target)])
    assert lut.table.min() >= 0.0 and lut.table.max() <= 1.0


@pytest.mark.parametrize("size", [17, 33, 65])
def test_every_resolve_size_is_fitted(size):
    source = frame(10, 32, 32)
    lut = fit_lut_to_images([(source, smooth_grade(source).astype(np.float32))], FitConfig(size=size))
    assert lut.table.shape == (size, size, size, 3)


def test_fit_refuses_a_size_resolve_does_not_use():
    source = frame(11, 16, 16)
    with pytest.raises(LutError, match="LUT size must be one of 17, 33, 65, found 20"):
        fit_lut_to_images([(source, source)], FitConfig(size=20))


def test_flat_frame_is_refused_with_a_reason():
    flat = np.full((32, 32, 3), 0.5, dtype=np.float32)
    with pytest.raises(FitError, match=r"Too few distinct colours to fit a LUT: need at least 8, found 1"):
        fit_lut_to_images([(flat, flat)])


def test_misaligned_pair_is_refused():
    with pytest.raises(FitError, match=r"pair 0: source and target must be aligned images of one size"):
        collect_samples([(frame(12, 16, 16), frame(12, 16, 20))])


def test_nan_in_a_frame_is_refused():
    source = frame(13, 16, 16)
    broken = source.copy()
    broken[3, 4, 1] = np.nan
    with pytest.raises(FitError, match=r"pair 0: target hold NaN or infinite values"):
        collect_samples([(source, broken)])


def test_no_pairs_is_refused():
    with pytest.raises(FitError, match="No image pairs to fit"):
        collect_samples([])
