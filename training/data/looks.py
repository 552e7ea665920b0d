"""Creative looks: ``.cube`` files from disk, and random parametric looks with exact inverses.

A parametric look is a chain of smooth bijections of the real line (clipped to [0, 1] once, at the end):

1. a master tone curve, then one tone curve per channel (monotonic rational-quadratic splines,
   ``training.data.curves``)
2. a channel-mixing matrix near the identity whose rows sum to 1, so greys stay grey
3. a saturation change: a blend with Rec.709 luma (ITU-R BT.709-6)
4. split toning: a shadow tint and a highlight tint weighted by luma; both tints have zero luma, so luma is
   unchanged and the inverse knows the weights

so ``look.invert(look.apply(x)) == x`` up to float rounding for every colour that was not clipped. The inverse of
a ``.cube`` look is not known exactly (a table need not be invertible), which is why pairs made from one carry no
LUT for that direction.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pix2lut.apply import apply_lut
from pix2lut.cube import CUBE_SUFFIX, read_cube
from pix2lut.lut import Lut3D, identity_table
from pix2lut.ops import resample
from training.data.curves import RationalQuadraticSpline, random_spline
from training.data.rgb import LUMA_WEIGHTS, as_rgb64, rec709_luma, saturate
from training.errors import DataError

# Random parametric looks at strength 1. Chosen by eye on the shared photos: clearly a look, never a broken image.
MIN_CURVE_BINS, MAX_CURVE_BINS = 3, 6
MASTER_KNOT_JITTER = 0.35  # log-normal spread of the master curve's bin widths and heights
MASTER_SLOPE_JITTER = 0.25
CHANNEL_KNOT_JITTER = 0.15  # per-channel curves: smaller, they make colour casts
CHANNEL_SLOPE_JITTER = 0.1
MIXING_SPREAD = 0.06  # standard deviation of the off-diagonal mixing weights
MAX_SATURATION_STOPS = 0.6  # saturation factor 0.66x .. 1.52x
MAX_TINT = 0.06  # size of a split-toning tint, in encoded units


@dataclass(frozen=True, eq=False)
class ParametricLook:
    """A smooth, invertible creative look (see the module docstring for the order of the steps).

    Attributes
    ----------
    tone_curve : applied to all three channels first.
    channel_curves : red, green and blue curves, applied after ``tone_curve``.
    mixing : ``(3, 3)``, ``out = mixing @ rgb``; invertible, rows summing to 1.
    saturation : factor on the distance from Rec.709 luma, positive.
    shadow_tint, highlight_tint : ``(3,)`` offsets with zero luma, weighted ``(1 - Y)^2`` and ``Y^2``.
    """

    tone_curve: RationalQuadraticSpline
    channel_curves: tuple[RationalQuadraticSpline, RationalQuadraticSpline, RationalQuadraticSpline]
    mixing: np.ndarray
    saturation: float
    shadow_tint: np.ndarray
    highlight_tint: np.ndarray

    def __post_init__(self) -> None:
        if len(self.channel_curves) != 3:
            raise DataError(f"a look needs 3 channel curves (r, g, b), found {len(self.channel_curves)}")
        mixing = np.asarray(self.mixing, dtype=np.float64)
        if mixing.shape != (3, 3) or not np.all(np.isfinite(mixing)):
            raise DataError(f"look mixing must be a finite (3, 3) matrix, found shape {mixing.shape}")
        if np.linalg.cond(mixing) > 1.0 / np.sqrt(np.finfo(np.float64).eps):
            raise DataError(f"look mixing matrix is not invertible: {mixing.tolist()}")
        if not (self.saturation > 0.0 and np.isfinite(self.saturation)):
            raise DataError(f"look saturation must be positive and finite, found {self.saturation}")
        tints = []
        for name in ("shadow_tint", "highlight_tint"):
            tint = np.asarray(getattr(self, name), dtype=np.float64)
            if tint.shape != (3,) or not np.all(np.isfinite(tint)) or abs(float(tint @ LUMA_WEIGHTS)) > 1e-9:
                raise DataError(f"look {name} must be 3 finite values with zero Rec.709 luma, found {tint.tolist()}")
            tints.append(tint)
        object.__setattr__(self, "channel_curves", tuple(self.channel_curves))
        object.__setattr__(self, "mixing", mixing)
        object.__setattr__(self, "shadow_tint", tints[0])
        object.__setattr__(self, "highlight_tint", tints[1])

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """``rgb`` (float ``(..., 3)`` in [0, 1]) through the look, clipped to [0, 1], float32."""
        return np.clip(self._forward(as_rgb64(rgb)), 0.0, 1.0).astype(np.float32)

    def invert(self, rgb: np.ndarray) -> np.ndarray:
        """The exact inverse of :meth:`apply` where it did not clip; clipped to [0, 1], float32."""
        return np.clip(self._inverse(as_rgb64(rgb)), 0.0, 1.0).astype(np.float32)

    def _forward(self, rgb: np.ndarray) -> np.ndarray:
        out = self.tone_curve(rgb)  # 1.
        out = np.stack([curve(out[..., c]) for c, curve in enumerate(self.channel_curves)], axis=-1)
        out = out @ self.mixing.T  # 2.
        out = saturate(out, self.saturation)  # 3.
        return out + self._toning(out)  # 4.

    def _inverse(self, rgb: np.ndarray) -> np.ndarray:
        out = rgb - self._toning(rgb)  # 4. luma, and so the tint weights, are the same before and after
        out = saturate(out, 1.0 / self.saturation)  # 3.
        out = out @ np.linalg.inv(self.mixing).T  # 2.
        out = np.stack([curve.inverse(out[..., c]) for c, curve in enumerate(self.channel_curves)], axis=-1)
        return self.tone_curve.inverse(out)  # 1.

    def _toning(self, rgb: np.ndarray) -> np.ndarray:
        """The split-toning offset: shadow tint by ``(1 - Y)^2``, highlight tint by ``Y^2``, Y clipped to [0, 1]."""
        luma = np.clip(rec709_luma(rgb), 0.0, 1.0)[..., None]
        return (1.0 - luma) ** 2 * self.shadow_tint + luma**2 * self.highlight_tint


Look = ParametricLook | Lut3D


def load_looks(folder: str | os.PathLike[str]) -> list[Lut3D]:
    """Every ``.cube`` file in ``folder`` (not its subfolders), sorted by file name.

    Raises
    ------
    DataError
        ``folder`` is not a folder or holds no ``.cube`` file.
    CubeError
        A file is not a valid ``.cube`` (the message names it and the line).
    """
    return read_looks(list_looks(folder))


def list_looks(folder: str | os.PathLike[str]) -> list[Path]:
    """The ``.cube`` files in ``folder`` (not its subfolders), sorted by file name; errors as :func:`load_looks`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"looks folder {folder} does not exist")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() == CUBE_SUFFIX and p.is_file())
    if not paths:
        raise DataError(f"looks folder {folder} holds no {CUBE_SUFFIX} files")
    return paths


def read_looks(paths: list[Path]) -> list[Lut3D]:
    """The looks at ``paths``, in that order (a file that is no valid ``.cube`` raises ``CubeError``)."""
    return [read_cube(path) for path in paths]


def random_parametric_look(rng: np.random.Generator, strength: float = 1.0) -> ParametricLook:
    """A random look; ``strength`` in [0, 1] scales every change (0 gives the identity)."""
    if not 0.0 <= strength <= 1.0:
        raise DataError(f"look strength must be in [0, 1], found {strength}")

    def spline(knot_jitter: float, slope_jitter: float) -> RationalQuadraticSpline:
        bins = int(rng.integers(MIN_CURVE_BINS, MAX_CURVE_BINS + 1))
        return random_spline(rng, bins, knot_jitter * strength, slope_jitter * strength)

    tone_curve = spline(MASTER_KNOT_JITTER, MASTER_SLOPE_JITTER)
    channel_curves = tuple(spline(CHANNEL_KNOT_JITTER, CHANNEL_SLOPE_JITTER) for _ in range(3))
    mixing = np.eye(3) + rng.normal(0.0, MIXING_SPREAD * strength, (3, 3)) * (1.0 - np.eye(3))
    mixing /= mixing.sum(axis=1, keepdims=True)  # rows sum to 1: greys stay grey
    saturation = float(np.exp2(rng.uniform(-1.0, 1.0) * MAX_SATURATION_STOPS * strength))
    shadow_tint = _zero_luma_tint(rng.uniform(0.0, 2.0 * np.pi), rng.uniform(0.0, MAX_TINT * strength))
    highlight_tint = _zero_luma_tint(rng.uniform(0.0, 2.0 * np.pi), rng.uniform(0.0, MAX_TINT * strength))
    return ParametricLook(tone_curve, channel_curves, mixing, saturation, shadow_tint, highlight_tint)


def apply_look(rgb: np.ndarray, look: Look) -> np.ndarray:
    """``rgb`` through a parametric look or a ``.cube`` look (tetrahedral, Resolve's setting), float32 in [0, 1]."""
    if isinstance(look, ParametricLook):
        return look.apply(rgb)
    return np.clip(apply_lut(rgb, look, "tetrahedral"), 0.0, 1.0)


def look_lut(look: Look, size: int, inverse: bool = False) -> Lut3D:
    """The look (or with ``inverse`` its inverse) sampled on a ``size``^3 lattice, clipped to [0, 1].

    Raises
    ------
    DataError
        ``inverse`` of a ``.cube`` look: it is not known exactly.
    """
    if isinstance(look, ParametricLook):
        mapping = look.invert if inverse else look.apply
        return Lut3D(mapping(identity_table(size)))
    if inverse:
        raise DataError(f"the inverse of the .cube look {look.title or '(untitled)'!r} is not known exactly")
    resampled = look if look.size == size and look.is_unit_domain else resample(look, size)
    return Lut3D(np.clip(resampled.table, 0.0, 1.0), title=look.title)


def _zero_luma_tint(hue: float, amount: float) -> np.ndarray:
    """An RGB offset of size about ``amount`` toward ``hue`` (radians, 0 = red) with zero Rec.709 luma."""
    direction = np.cos(hue - np.array([0.0, 2.0, 4.0]) * np.pi / 3.0)  # r, g, b at 0, 120, 240 degrees
    direction -= direction @ LUMA_WEIGHTS  # the weights sum to 1, so this leaves zero luma
    return amount * direction / np.linalg.norm(direction)
