"""Monotonic 1D curves with closed-form inverses, the building blocks of detunings and parametric looks.

Every curve here is a strictly increasing bijection of the whole real line: defined on [0, 1] by its formula and
continued linearly outside it with its end slopes. A chain of such steps (clipped to [0, 1] only at the very end)
can therefore be undone exactly for every colour that was not clipped, and the inverse is finite everywhere, which
an inverse LUT sampled over the whole cube needs. The slopes stay bounded away from zero and infinity on [0, 1],
so float32 rounding of an output is not blown up by the inverse.

- ``s_curve``: a tanh S-curve symmetric about mid grey (contrast).
- ``offset_power``: a power curve with a small offset, so its slope stays finite at black (gamma).
- ``RationalQuadraticSpline``: the monotonic rational-quadratic spline of Gregory and Delbourgo (1982), in the
  form and with the inverse given by Durkan, Bekasov, Murray and Papamakarios (2019), "Neural Spline Flows",
  section 3.1 and appendix A.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.errors import DataError

PIVOT = 0.5  # the S-curve's fixed point: encoded mid grey (sRGB 0.5 is 21% linear, near the 18% grey card)
MIN_STEEPNESS = 1e-6  # below this a tanh S-curve differs from the identity by less than float64 can resolve
GAMMA_OFFSET = 0.02  # offset of the power curve: keeps its slope near black within [0.1, 10] for exponents in [0.5, 2]


# ---------------------------------------------------------------------------------------------------------------
# S-curve about mid grey


def s_curve(x: np.ndarray, steepness: float) -> np.ndarray:
    """``0.5 + 0.5 tanh(a (x - 0.5)) / tanh(a / 2)`` on [0, 1], linear outside; fixes 0, 0.5 and 1.

    ``steepness`` (``a`` >= 0) sets the slope at mid grey, ``0.5 a / tanh(a / 2)``: 1.31 for a = 2, 2.07 for a = 4.
    """
    x = np.asarray(x, dtype=np.float64)
    if steepness < MIN_STEEPNESS:
        return x.copy()
    scale = 0.5 / np.tanh(0.5 * steepness)
    end_slope = _s_curve_end_slope(steepness)
    inside = PIVOT + scale * np.tanh(steepness * (np.clip(x, 0.0, 1.0) - PIVOT))
    return np.where(x < 0.0, end_slope * x, np.where(x > 1.0, 1.0 + end_slope * (x - 1.0), inside))


def s_curve_inverse(y: np.ndarray, steepness: float) -> np.ndarray:
    """The exact inverse of :func:`s_curve`: ``0.5 + atanh((2 y - 1) tanh(a / 2)) / a`` on [0, 1]."""
    y = np.asarray(y, dtype=np.float64)
    if steepness < MIN_STEEPNESS:
        return y.copy()
    end_slope = _s_curve_end_slope(steepness)
    inside = PIVOT + np.arctanh((2.0 * np.clip(y, 0.0, 1.0) - 1.0) * np.tanh(0.5 * steepness)) / steepness
    return np.where(y < 0.0, y / end_slope, np.where(y > 1.0, 1.0 + (y - 1.0) / end_slope, inside))


def _s_curve_end_slope(steepness: float) -> float:
    """Slope of the S-curve at 0 and at 1: ``0.5 a (1 - tanh^2(a / 2)) / tanh(a / 2)``."""
    half = np.tanh(0.5 * steepness)
    return float(0.5 * steepness * (1.0 - half * half) / half)


def contrast_curve(x: np.ndarray, contrast: float, inverse: bool = False) -> np.ndarray:
    """Signed contrast: ``contrast > 0`` is the S-curve of steepness ``contrast``, ``< 0`` its inverse (flatter)."""
    more_contrast = (contrast >= 0.0) != inverse
    return s_curve(x, abs(contrast)) if more_contrast else s_curve_inverse(x, abs(contrast))


# ---------------------------------------------------------------------------------------------------------------
# Power curve with an offset


def offset_power(x: np.ndarray, exponent: float, inverse: bool = False) -> np.ndarray:
    """``((x + e)^p - e^p) / ((1 + e)^p - e^p)`` with ``e = GAMMA_OFFSET``: fixes 0 and 1, finite slope at 0.

    Continued as an odd power about ``-e``, so it is a bijection of the real line. ``exponent > 1`` darkens the
    mid-tones. ``inverse=True`` gives the exact inverse.
    """
    values = np.asarray(x, dtype=np.float64)
    if exponent <= 0.0 or not np.isfinite(exponent):
        raise DataError(f"power curve exponent must be positive and finite, found {exponent}")
    floor = GAMMA_OFFSET**exponent
    span = (1.0 + GAMMA_OFFSET) ** exponent - floor
    if inverse:
        shifted = values * span + floor
        return np.sign(shifted) * np.abs(shifted) ** (1.0 / exponent) - GAMMA_OFFSET
    shifted = values + GAMMA_OFFSET
    return (np.sign(shifted) * np.abs(shifted) ** exponent - floor) / span


# ---------------------------------------------------------------------------------------------------------------
# Monotonic rational-quadratic spline


@dataclass(frozen=True, eq=False)
class RationalQuadraticSpline:
    """A monotonic C1 spline from [0, 1] onto [0, 1] through ``(knots_x[k], knots_y[k])`` with slopes ``derivatives``.

    All three arrays have ``bins + 1`` entries; the knots rise strictly from 0 to 1 and the slopes are positive.
    Outside [0, 1] the curve goes on linearly with its end slopes.
    """

    knots_x: np.ndarray
    knots_y: np.ndarray
    derivatives: np.ndarray

    def __post_init__(self) -> None:
        arrays = [np.asarray(a, dtype=np.float64) for a in (self.knots_x, self.knots_y, self.derivatives)]
        knots_x, knots_y, derivatives = arrays
        if (
            not (knots_x.ndim == knots_y.ndim == derivatives.ndim == 1)
            or not (knots_x.shape == knots_y.shape == derivatives.shape)
            or knots_x.size < 2
        ):
            shapes = [a.shape for a in arrays]
            raise DataError(f"spline knots and derivatives must be 1D of one length >= 2, found shapes {shapes}")
        for name, knots in (("knots_x", knots_x), ("knots_y", knots_y)):
            if knots[0] != 0.0 or knots[-1] != 1.0 or np.any(np.diff(knots) <= 0.0):
                raise DataError(f"spline {name} must rise strictly from 0 to 1, found {knots.tolist()}")
        if np.any(derivatives <= 0.0) or not np.all(np.isfinite(derivatives)):
            raise DataError(f"spline derivatives must be positive and finite, found {derivatives.tolist()}")
        for name, array in zip(("knots_x", "knots_y", "derivatives"), arrays, strict=True):
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    @property
    def bins(self) -> int:
        return int(self.knots_x.size - 1)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The curve at ``x`` (any shape), float64."""
        x = np.asarray(x, dtype=np.float64)
        left, width, bottom, height, slope, d_left, d_right = self._bin_terms(np.clip(x, 0.0, 1.0), self.knots_x)
        xi = (np.clip(x, 0.0, 1.0) - left) / width
        xi_1mxi = xi * (1.0 - xi)
        numerator = height * (slope * xi * xi + d_left * xi_1mxi)
        denominator = slope + (d_left + d_right - 2.0 * slope) * xi_1mxi
        inside = bottom + numerator / denominator
        return self._extend(x, inside, self.derivatives[0], self.derivatives[-1])

    def inverse(self, y: np.ndarray) -> np.ndarray:
        """The exact inverse: the root of a quadratic per bin (Durkan et al. 2019, appendix A.3), float64."""
        y = np.asarray(y, dtype=np.float64)
        left, width, bottom, height, slope, d_left, d_right = self._bin_terms(np.clip(y, 0.0, 1.0), self.knots_y)
        rise = np.clip(y, 0.0, 1.0) - bottom
        curvature = d_left + d_right - 2.0 * slope
        a = height * (slope - d_left) + rise * curvature
        b = height * d_left - rise * curvature
        c = -slope * rise
        discriminant = np.maximum(b * b - 4.0 * a * c, 0.0)  # >= 0 in exact arithmetic; rounding may dip below
        xi = (2.0 * c) / (-b - np.sqrt(discriminant))  # the numerically stable root
        inside = left + xi * width
        return self._extend(y, inside, 1.0 / self.derivatives[0], 1.0 / self.derivatives[-1])

    def _bin_terms(self, values: np.ndarray, knots: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per value, the bin that holds it: its left x, width, bottom y, height, mean slope, end derivatives."""
        k = np.clip(np.searchsorted(knots, values, side="right") - 1, 0, self.bins - 1)
        left, width = self.knots_x[k], np.diff(self.knots_x)[k]
        bottom, height = self.knots_y[k], np.diff(self.knots_y)[k]
        return left, width, bottom, height, height / width, self.derivatives[k], self.derivatives[k + 1]

    @staticmethod
    def _extend(values: np.ndarray, inside: np.ndarray, slope_at_0: float, slope_at_1: float) -> np.ndarray:
        """Continue a curve fixing 0 and 1 linearly outside [0, 1]."""
        below = slope_at_0 * values
        above = 1.0 + slope_at_1 * (values - 1.0)
        return np.where(values < 0.0, below, np.where(values > 1.0, above, inside))


def identity_spline(bins: int = 1) -> RationalQuadraticSpline:
    """The spline that returns its input."""
    knots = np.linspace(0.0, 1.0, bins + 1)
    return RationalQuadraticSpline(knots, knots, np.ones(bins + 1))


def random_spline(
    rng: np.random.Generator, bins: int, knot_jitter: float, slope_jitter: float
) -> RationalQuadraticSpline:
    """A smooth random tone curve near the identity.

    Bin widths and heights are ``exp(N(0, knot_jitter))`` normalised to sum to 1 (so ``knot_jitter = 0`` gives
    even bins), and the inner slopes are each bin pair's secant slope times ``exp(N(0, slope_jitter))``.
    """
    if bins < 1:
        raise DataError(f"a spline needs at least 1 bin, found {bins}")
    widths = np.exp(rng.normal(0.0, knot_jitter, bins))
    heights = np.exp(rng.normal(0.0, knot_jitter, bins))
    knots_x = np.concatenate([[0.0], np.cumsum(widths / widths.sum())])
    knots_y = np.concatenate([[0.0], np.cumsum(heights / heights.sum())])
    knots_x[-1] = knots_y[-1] = 1.0  # exactly, whatever the rounding of the cumulative sum
    secants = np.diff(knots_y) / np.diff(knots_x)
    # a knot's slope: the geometric mean of the secants either side (one side at the ends), then jittered
    padded = np.concatenate([secants[:1], secants, secants[-1:]])
    derivatives = np.sqrt(padded[:-1] * padded[1:]) * np.exp(rng.normal(0.0, slope_jitter, bins + 1))
    return RationalQuadraticSpline(knots_x, knots_y, derivatives)
