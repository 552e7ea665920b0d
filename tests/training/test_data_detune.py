"""Tests for training.data.detune: each parameter does what it says, the inverse is exact where nothing clipped,
random detunings are fixed by their seed, and the LUTs sample the mappings."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.colour import luma
from pix2lut.lut import identity_table
from training.data.detune import (
    MAX_COMBINED,
    Detuning,
    apply_detuning,
    detuning_lut,
    invert_detuning,
    random_detuning,
)
from training.errors import DataError

INVERSE_ATOL = 1e-5  # the brief's bound; float32 output rounding amplified by the inverse stays below 1e-6
FLOAT32_ATOL = 2.0**-23  # float32 rounding of values up to 1
# A 33^3 inverse LUT against the exact inverse: interpolation error of smooth curves, a fraction of an 8-bit
# code value (3.9e-3) on average; cells that straddle where the forward mapping clipped add a few larger errors.
LUT_MEAN_ATOL = 2e-3
N_COLOURS = 20_000
MIN_UNCLIPPED = 500  # all parameters at once at their maximum leave about 800 of the colours unclipped

# every parameter at the end of its range (at strength 1), both ways
EXTREMES = [
    Detuning(exposure=1.5, temperature=0.8, tint=0.5, contrast=3.0, saturation=2**0.8, black_point=0.06,
             white_point=2**0.35, gamma=2**0.5),
    Detuning(exposure=-1.5, temperature=-0.8, tint=-0.5, contrast=-3.0, saturation=2**-0.8, black_point=-0.06,
             white_point=2**-0.35, gamma=2**-0.5),
]


def colours(seed: int = 0) -> np.ndarray:
    """Random colours plus the corners and edges of the cube, where clipping and zero slopes would show."""
    random = np.random.default_rng(seed).uniform(0.0, 1.0, (N_COLOURS, 3))
    lattice = identity_table(9).reshape(-1, 3)
    return np.concatenate([random, lattice]).astype(np.float32)


def assert_inverts_where_unclipped(x: np.ndarray, detuning: Detuning) -> None:
    detuned = apply_detuning(x, detuning)
    unclipped = np.all((detuned > 0.0) & (detuned < 1.0), axis=-1)
    assert unclipped.sum() >= MIN_UNCLIPPED, f"too few unclipped colours to test {detuning}"
    np.testing.assert_allclose(invert_detuning(detuned, detuning)[unclipped], x[unclipped], rtol=0, atol=INVERSE_ATOL)


def test_identity_detuning_returns_its_input() -> None:
    x = colours()
    assert Detuning().is_identity
    np.testing.assert_allclose(apply_detuning(x, Detuning()), x, rtol=0, atol=FLOAT32_ATOL)
    np.testing.assert_allclose(invert_detuning(x, Detuning()), x, rtol=0, atol=FLOAT32_ATOL)


@pytest.mark.parametrize("detuning", EXTREMES, ids=["all-up", "all-down"])
def test_inverse_is_exact_for_every_parameter_at_its_extreme(detuning: Detuning) -> None:
    for field in dataclasses.fields(Detuning):
        alone = Detuning(**{field.name: getattr(detuning, field.name)})
        assert_inverts_where_unclipped(colours(), alone)
    assert_inverts_where_unclipped(colours(), detuning)


@pytest.mark.parametrize("seed", range(40))
def test_inverse_is_exact_for_random_detunings(seed: int) -> None:
    rng = np.random.default_rng(seed)
    detuning = random_detuning(rng, strength=1.0)
    assert_inverts_where_unclipped(colours(seed), detuning)


def test_parameters_move_colours_the_way_their_names_say() -> None:
    grey = np.full((1, 3), 0.5, dtype=np.float32)
    black, white = np.zeros((1, 3), np.float32), np.ones((1, 3), np.float32)
    assert apply_detuning(grey, Detuning(exposure=1.0))[0, 0] > 0.5
    warm = apply_detuning(grey, Detuning(temperature=0.5))[0]
    assert warm[0] > warm[1] > warm[2]
    magenta = apply_detuning(grey, Detuning(tint=0.5))[0]
    assert magenta[0] > magenta[1] and magenta[2] > magenta[1]
    shadow_highlight = np.array([[0.25] * 3, [0.75] * 3], np.float32)
    spread = np.diff(apply_detuning(shadow_highlight, Detuning(contrast=2.0))[:, 0])[0]
    assert spread > 0.5
    np.testing.assert_allclose(apply_detuning(grey, Detuning(contrast=2.0)), grey, atol=FLOAT32_ATOL)  # the pivot
    red = np.array([[0.8, 0.3, 0.2]], np.float32)
    desaturated = apply_detuning(red, Detuning(saturation=0.5))
    assert np.ptp(desaturated) < np.ptp(red)
    np.testing.assert_allclose(luma(desaturated), luma(red), atol=FLOAT32_ATOL)
    np.testing.assert_allclose(apply_detuning(black, Detuning(black_point=0.05)), 0.05, atol=FLOAT32_ATOL)
    np.testing.assert_allclose(apply_detuning(white, Detuning(black_point=0.05)), 1.0, atol=FLOAT32_ATOL)
    np.testing.assert_allclose(apply_detuning(white, Detuning(white_point=0.8)), 0.8, atol=FLOAT32_ATOL)
    assert apply_detuning(grey, Detuning(gamma=1.5))[0, 0] < 0.5


def test_outputs_are_float32_and_clipped() -> None:
    detuned = apply_detuning(colours(), Detuning(exposure=1.5, saturation=1.7))
    assert detuned.dtype == np.float32
    assert detuned.min() == 0.0 and detuned.max() == 1.0


def test_random_detuning_is_fixed_by_its_seed() -> None:
    first = [random_detuning(np.random.default_rng(3)) for _ in range(2)]
    assert first[0] == first[1]
    others = {random_detuning(np.random.default_rng(seed)) for seed in range(20)}
    assert len(others) == 20


def test_random_detuning_changes_one_to_several_parameters_within_range() -> None:
    counts = set()
    for seed in range(200):
        detuning = random_detuning(np.random.default_rng(seed), strength=0.5)
        changed = [f.name for f in dataclasses.fields(Detuning) if getattr(detuning, f.name) != f.default]
        counts.add(len(changed))
        assert abs(detuning.exposure) <= 0.75 and 2**-0.25 <= detuning.gamma <= 2**0.25
    assert counts == set(range(1, MAX_COMBINED + 1))


def test_random_detuning_at_strength_zero_is_the_identity() -> None:
    assert random_detuning(np.random.default_rng(0), strength=0.0).is_identity


def test_detuning_luts_sample_the_mappings() -> None:
    detuning = Detuning(exposure=-0.7, temperature=0.4, contrast=1.5, gamma=1.2)
    lattice = identity_table(17)
    np.testing.assert_array_equal(detuning_lut(detuning, 17).table, apply_detuning(lattice, detuning))
    np.testing.assert_array_equal(detuning_lut(detuning, 17, inverse=True).table, invert_detuning(lattice, detuning))


def test_inverse_lut_undoes_the_detuning_up_to_interpolation() -> None:
    x = colours()
    detuning = Detuning(exposure=-0.8, temperature=-0.5, saturation=1.3, black_point=0.03)
    detuned = apply_detuning(x, detuning)
    unclipped = np.all((detuned > 0.0) & (detuned < 1.0), axis=-1)
    restored = apply_lut(detuned, detuning_lut(detuning, 33, inverse=True))
    assert np.abs(restored - x)[unclipped].mean() < LUT_MEAN_ATOL


def test_invalid_parameters_are_named() -> None:
    with pytest.raises(DataError, match=r"^Detuning.gamma must be positive, found 0.0$"):
        Detuning(gamma=0.0)
    with pytest.raises(DataError, match=r"^Detuning.black_point must be below 1, found 1.0$"):
        Detuning(black_point=1.0)
    with pytest.raises(DataError, match=r"^Detuning.exposure must be a finite number, found nan$"):
        Detuning(exposure=float("nan"))
    with pytest.raises(DataError, match=r"^detuning strength must be in \[0, 1\], found 1.5$"):
        random_detuning(np.random.default_rng(0), 1.5)
    with pytest.raises(DataError, match=r"^colours must be float of shape \(\.\.\., 3\), found float32 \(4, 2\)$"):
        apply_detuning(np.zeros((4, 2), np.float32), Detuning())
