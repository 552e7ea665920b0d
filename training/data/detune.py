"""Controlled detunings of a well-graded image, and their exact inverses: what a one-click grade learns to undo.

The parameters are the primary corrections whose errors Gibbs' study of colour correction measures: exposure,
white balance (temperature and tint), contrast, saturation, black point, white point and gamma. Applied in this
order, each step a bijection of the real line (``training.data.curves``), with one clip to [0, 1] at the end:

1. exposure, temperature, tint: per-channel gains in linear light (sRGB decoded, IEC 61966-2-1)
2. gamma: an offset power curve on the encoded values
3. contrast: an S-curve about mid grey
4. saturation: a blend with Rec.709 luma (ITU-R BT.709-6)
5. black point (lift) and white point (gain)

So ``invert_detuning(apply_detuning(x, d), d) == x`` up to float rounding for every colour that was not clipped.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields

import numpy as np

from pix2lut.colour import linear_to_srgb, srgb_to_linear
from pix2lut.lut import Lut3D, identity_table
from training.data.curves import contrast_curve, offset_power
from training.data.rgb import as_rgb64, saturate
from training.errors import DataError

# The largest change at strength 1, per parameter: chosen to span a clearly visible miss (about what an unskilled
# correction leaves behind) while staying inside what a LUT can undo. Multiplicative parameters are drawn in stops.
MAX_EXPOSURE_STOPS = 1.5
MAX_TEMPERATURE_STOPS = 0.8  # red against blue: 2^0.8 = 1.74x
MAX_TINT_STOPS = 0.5  # magenta against green
MAX_CONTRAST = 3.0  # S-curve steepness: slope at mid grey 1.65x (or 0.61x for the flattening inverse)
MAX_SATURATION_STOPS = 0.8  # saturation factor 0.57x .. 1.74x
MAX_BLACK_POINT = 0.06  # lift of black, in encoded units
MAX_WHITE_POINT_STOPS = 0.35  # gain 0.78x .. 1.27x
MAX_GAMMA_STOPS = 0.5  # exponent 0.71 .. 1.41
MAX_COMBINED = 4  # random_detuning changes 1..MAX_COMBINED parameters at once

# (name, maximum, drawn in stops): a parameter drawn in stops becomes the factor 2^stops
RANDOM_RANGES = (
    ("exposure", MAX_EXPOSURE_STOPS, False),
    ("temperature", MAX_TEMPERATURE_STOPS, False),
    ("tint", MAX_TINT_STOPS, False),
    ("contrast", MAX_CONTRAST, False),
    ("saturation", MAX_SATURATION_STOPS, True),
    ("black_point", MAX_BLACK_POINT, False),
    ("white_point", MAX_WHITE_POINT_STOPS, True),
    ("gamma", MAX_GAMMA_STOPS, True),
)

RED, GREEN, BLUE = 0, 1, 2


@dataclass(frozen=True)
class Detuning:
    """One detuning; the defaults are the identity.

    Attributes
    ----------
    exposure : stops of gain in linear light.
    temperature : stops of red against blue in linear light (red x 2^(t/2), blue x 2^(-t/2)); > 0 is warmer.
    tint : stops of magenta against green in linear light (green x 2^(-2m/3), red and blue x 2^(m/3)); > 0 is magenta.
    contrast : S-curve steepness about mid grey (``training.data.curves.s_curve``); < 0 flattens (its inverse).
    saturation : factor on the distance from Rec.709 luma; 1 leaves colour as it is.
    black_point : where black goes (lift), white stays: ``b + (1 - b) x``.
    white_point : gain on the encoded values: ``w x``.
    gamma : exponent of the offset power curve on encoded values; > 1 darkens the mid-tones.
    """

    exposure: float = 0.0
    temperature: float = 0.0
    tint: float = 0.0
    contrast: float = 0.0
    saturation: float = 1.0
    black_point: float = 0.0
    white_point: float = 1.0
    gamma: float = 1.0

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
                raise DataError(f"Detuning.{field.name} must be a finite number, found {value!r}")
        for name in ("saturation", "white_point", "gamma"):
            if getattr(self, name) <= 0.0:
                raise DataError(f"Detuning.{name} must be positive, found {getattr(self, name)}")
        if self.black_point >= 1.0:
            raise DataError(f"Detuning.black_point must be below 1, found {self.black_point}")

    @property
    def is_identity(self) -> bool:
        return self == Detuning()

    def linear_gains(self) -> np.ndarray:
        """Per-channel gains in linear light from exposure, temperature and tint, shape ``(3,)``."""
        stops = np.full(3, self.exposure)
        stops[[RED, BLUE]] += [self.temperature / 2.0, -self.temperature / 2.0]
        stops[[RED, GREEN, BLUE]] += [self.tint / 3.0, -2.0 * self.tint / 3.0, self.tint / 3.0]
        return np.exp2(stops)


def random_detuning(rng: np.random.Generator, strength: float = 1.0) -> Detuning:
    """1 to ``MAX_COMBINED`` parameters changed at once, each by a random amount up to ``strength`` x its maximum.

    Raises
    ------
    DataError
        ``strength`` outside [0, 1].
    """
    if not 0.0 <= strength <= 1.0:
        raise DataError(f"detuning strength must be in [0, 1], found {strength}")
    count = int(rng.integers(1, MAX_COMBINED + 1))
    chosen = rng.choice(len(RANDOM_RANGES), size=count, replace=False)
    values = {}
    for index in sorted(chosen):
        name, maximum, in_stops = RANDOM_RANGES[index]
        amount = float(rng.uniform(-1.0, 1.0)) * maximum * strength
        values[name] = float(np.exp2(amount)) if in_stops else amount
    return Detuning(**values)


def apply_detuning(rgb: np.ndarray, detuning: Detuning) -> np.ndarray:
    """``rgb`` (float, ``(..., 3)``, encoded sRGB in [0, 1]) detuned and clipped to [0, 1], float32."""
    return np.clip(_forward(as_rgb64(rgb), detuning), 0.0, 1.0).astype(np.float32)


def invert_detuning(rgb: np.ndarray, detuning: Detuning) -> np.ndarray:
    """The exact inverse of :func:`apply_detuning` where it did not clip; clipped to [0, 1], float32."""
    return np.clip(_inverse(as_rgb64(rgb), detuning), 0.0, 1.0).astype(np.float32)


def detuning_lut(detuning: Detuning, size: int, inverse: bool = False) -> Lut3D:
    """The detuning (or with ``inverse`` its inverse) sampled on a ``size``^3 lattice, clipped to [0, 1]."""
    mapping = invert_detuning if inverse else apply_detuning
    return Lut3D(mapping(identity_table(size), detuning))


def _forward(rgb: np.ndarray, d: Detuning) -> np.ndarray:
    """The detuning in float64, before the final clip."""
    out = linear_to_srgb(srgb_to_linear(rgb) * d.linear_gains())  # 1. gains in linear light
    out = offset_power(out, d.gamma)  # 2.
    out = contrast_curve(out, d.contrast)  # 3.
    out = saturate(out, d.saturation)  # 4.
    return d.white_point * (d.black_point + (1.0 - d.black_point) * out)  # 5.


def _inverse(rgb: np.ndarray, d: Detuning) -> np.ndarray:
    """The steps of :func:`_forward` undone in reverse order, float64."""
    out = (rgb / d.white_point - d.black_point) / (1.0 - d.black_point)  # 5.
    out = saturate(out, 1.0 / d.saturation)  # 4.
    out = contrast_curve(out, d.contrast, inverse=True)  # 3.
    out = offset_power(out, d.gamma, inverse=True)  # 2.
    return linear_to_srgb(srgb_to_linear(out) / d.linear_gains())  # 1.
