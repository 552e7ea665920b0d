"""Tests for training.data.curves: each curve fixes 0 and 1, rises, and its inverse undoes it to float64 rounding."""

from __future__ import annotations

import numpy as np
import pytest

from training.data.curves import (
    RationalQuadraticSpline,
    contrast_curve,
    identity_spline,
    offset_power,
    random_spline,
    s_curve,
    s_curve_inverse,
)
from training.errors import DataError

FLOAT64_ATOL = 1e-12  # a handful of float64 operations on values of order 1
VALUES = np.linspace(-0.5, 1.5, 20_001)  # beyond [0, 1] too: the curves continue linearly there


@pytest.mark.parametrize("steepness", [0.0, 1e-3, 1.0, 3.0, 6.0])
def test_s_curve_fixes_black_mid_grey_and_white_and_inverts(steepness: float) -> None:
    np.testing.assert_allclose(s_curve(np.array([0.0, 0.5, 1.0]), steepness), [0.0, 0.5, 1.0], atol=FLOAT64_ATOL)
    curve = s_curve(VALUES, steepness)
    assert np.all(np.diff(curve) > 0.0)
    np.testing.assert_allclose(s_curve_inverse(curve, steepness), VALUES, atol=FLOAT64_ATOL)


def test_contrast_curve_sign_chooses_the_s_curve_or_its_inverse() -> None:
    darker_shadow = contrast_curve(np.array([0.25]), 2.0)
    lighter_shadow = contrast_curve(np.array([0.25]), -2.0)
    assert darker_shadow[0] < 0.25 < lighter_shadow[0]
    for contrast in (-2.0, 2.0):
        np.testing.assert_allclose(
            contrast_curve(contrast_curve(VALUES, contrast), contrast, inverse=True), VALUES, atol=FLOAT64_ATOL
        )


@pytest.mark.parametrize("exponent", [0.5, 0.8, 1.0, 1.4, 2.0])
def test_offset_power_fixes_0_and_1_and_inverts(exponent: float) -> None:
    np.testing.assert_allclose(offset_power(np.array([0.0, 1.0]), exponent), [0.0, 1.0], atol=FLOAT64_ATOL)
    curve = offset_power(VALUES, exponent)
    assert np.all(np.diff(curve) > 0.0)
    np.testing.assert_allclose(offset_power(curve, exponent, inverse=True), VALUES, atol=FLOAT64_ATOL)


def test_offset_power_rejects_a_non_positive_exponent() -> None:
    with pytest.raises(DataError, match=r"^power curve exponent must be positive and finite, found 0.0$"):
        offset_power(VALUES, 0.0)


@pytest.mark.parametrize("seed", range(5))
def test_random_spline_rises_and_inverts(seed: int) -> None:
    spline = random_spline(np.random.default_rng(seed), bins=5, knot_jitter=0.4, slope_jitter=0.3)
    curve = spline(VALUES)
    assert np.all(np.diff(curve) > 0.0)
    np.testing.assert_allclose(spline(np.array([0.0, 1.0])), [0.0, 1.0], atol=FLOAT64_ATOL)
    np.testing.assert_allclose(spline.inverse(curve), VALUES, atol=FLOAT64_ATOL)


def test_spline_passes_through_its_knots_with_its_slopes() -> None:
    spline = random_spline(np.random.default_rng(7), bins=4, knot_jitter=0.3, slope_jitter=0.2)
    np.testing.assert_allclose(spline(spline.knots_x), spline.knots_y, atol=FLOAT64_ATOL)
    step = 1e-7
    inner = spline.knots_x[1:-1]
    slopes = (spline(inner + step) - spline(inner - step)) / (2 * step)
    np.testing.assert_allclose(slopes, spline.derivatives[1:-1], rtol=1e-5)


def test_identity_spline_returns_its_input() -> None:
    np.testing.assert_allclose(identity_spline(3)(VALUES), VALUES, atol=FLOAT64_ATOL)


def test_spline_rejects_knots_that_do_not_rise() -> None:
    with pytest.raises(
        DataError, match=r"^spline knots_x must rise strictly from 0 to 1, found \[0.0, 0.6, 0.5, 1.0\]$"
    ):
        RationalQuadraticSpline(np.array([0.0, 0.6, 0.5, 1.0]), np.linspace(0, 1, 4), np.ones(4))
    with pytest.raises(DataError, match=r"^spline derivatives must be positive and finite"):
        RationalQuadraticSpline(np.linspace(0, 1, 3), np.linspace(0, 1, 3), np.array([1.0, 0.0, 1.0]))
