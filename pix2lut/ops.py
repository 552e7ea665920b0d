"""Operations that make a new LUT from others: strength, composition, resampling."""

from __future__ import annotations

import numpy as np

from pix2lut.apply import Interpolation, apply_lut
from pix2lut.errors import LutError
from pix2lut.lut import Lut3D, identity_table


def with_strength(lut: Lut3D, strength: float) -> Lut3D:
    """Blend ``lut`` with the identity: 0 gives the identity, 1 gives ``lut`` (the product's "strength")."""
    if not 0.0 <= strength <= 1.0:
        raise LutError(f"strength must be in [0, 1], found {strength}")
    if not lut.is_unit_domain:
        raise LutError("strength needs a LUT on the unit domain without shaper: resample it first")
    identity = identity_table(lut.size)
    return Lut3D(identity + np.float32(strength) * (lut.table - identity))


def compose(first: Lut3D, second: Lut3D, size: int | None = None, interp: Interpolation = "tetrahedral") -> Lut3D:
    """One LUT that applies ``first`` then ``second``, sampled on ``first``'s domain at ``size`` (default: first's).

    A shaper of ``first`` is baked into the table: the result has none.
    """
    resampled = resample(first, size or first.size, interp)
    return Lut3D(apply_lut(resampled.table, second, interp), resampled.domain_min, resampled.domain_max)


def resample(lut: Lut3D, size: int, interp: Interpolation = "tetrahedral") -> Lut3D:
    """``lut`` sampled on a lattice of ``size`` over its input domain, its shaper (if any) baked in.

    The input domain is the shaper's when there is one: that is the range the whole LUT accepts.
    """
    domain = lut.shaper if lut.shaper is not None else lut
    unit = identity_table(size).astype(np.float64)
    inputs = domain.domain_min + unit * (domain.domain_max - domain.domain_min)
    return Lut3D(apply_lut(inputs.astype(np.float32), lut, interp), domain.domain_min, domain.domain_max)
