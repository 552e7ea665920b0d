"""Figures that describe a LUT, for ``pix2lut info`` and for the quality gates of later stages.

- smoothness: second differences of the table along each axis, in output units (a straight ramp has 0);
- monotonicity: the share of lattice steps along each input axis where that axis's own output channel falls
  (a grade that inverts tones along an axis is almost always a fitting artefact);
- coverage: the share of lattice cells that held at least one fitting sample (the rest was extrapolated).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pix2lut.lut import Lut3D
from pix2lut.samples import ColourSamples

MONOTONICITY_TOLERANCE = 1e-6  # steps smaller than the 6-decimal precision of a .cube do not count as falls
AXES = ("red", "green", "blue")


@dataclass(frozen=True)
class LutFigures:
    size: int
    output_min: tuple[float, float, float]
    output_max: tuple[float, float, float]
    mean_second_difference: float
    max_second_difference: float
    falling_steps: tuple[float, float, float]  # share of steps along r, g, b where that channel falls
    max_deviation_from_identity: float


def lut_figures(lut: Lut3D) -> LutFigures:
    """Smoothness, monotonicity and range of ``lut``'s table."""
    table = lut.table.astype(np.float64)
    # a 2^3 LUT has no second differences: it is trilinear, so its curvature is 0
    second = [np.abs(np.diff(table, n=2, axis=axis)) for axis in range(3)] if lut.size > 2 else [np.zeros(1)]
    falling = tuple(
        float(np.mean(np.diff(table[..., axis], axis=axis) < -MONOTONICITY_TOLERANCE)) for axis in range(3)
    )
    unit = np.linspace(0.0, 1.0, lut.size)
    grid = np.stack(np.meshgrid(unit, unit, unit, indexing="ij"), axis=-1)
    inputs = lut.domain_min + grid * (lut.domain_max - lut.domain_min)
    return LutFigures(
        size=lut.size,
        output_min=tuple(float(v) for v in table.reshape(-1, 3).min(axis=0)),
        output_max=tuple(float(v) for v in table.reshape(-1, 3).max(axis=0)),
        mean_second_difference=float(np.mean(np.concatenate([s.ravel() for s in second]))),
        max_second_difference=float(max(s.max() for s in second)),
        falling_steps=falling,
        max_deviation_from_identity=float(np.abs(table - inputs).max()),
    )


def sample_coverage(size: int, samples: ColourSamples) -> float:
    """Share of the ``(size - 1)^3`` lattice cells that contain at least one sample's source colour."""
    cells = size - 1
    cell = np.minimum((samples.source * cells).astype(np.intp), cells - 1)
    occupied = np.unique((cell[:, 0] * cells + cell[:, 1]) * cells + cell[:, 2])
    return occupied.size / cells**3
