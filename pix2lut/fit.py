"""Fit the 3D LUT that turns source colours into target colours ("BatchPix2LUT").

The original AI_color_grade_lut notebooks filled each lattice node with a distance-weighted mean of its k nearest
samples. That reproduces the frame it was fitted on but extrapolates badly to colours the frame lacks
(mean CIEDE2000 about 3.4 on other images for a smooth grade). This fit is regularised least squares in three
parts, each catching what the one before could not:

1. a global model of smooth 1D curves (``pix2lut.global_model``) that needs only the 1D ranges of the frame;
2. a coarse-to-fine lattice correction (``pix2lut.lattice_fit``) that adds what the curves cannot express near
   the samples and fades back to the global model far from them;
3. clipping to [0, 1], the range every LUT we write must keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from pix2lut.errors import FitError
from pix2lut.global_model import fit_global_model
from pix2lut.lattice_fit import fit_lattice
from pix2lut.lut import Lut3D, check_resolve_size, identity_table
from pix2lut.samples import ColourSamples, collect_samples

MIN_SAMPLES = 8  # bins; fewer cannot pin down even the global curves


@dataclass(frozen=True)
class FitConfig:
    """How smooth the fitted LUT is; the defaults are tuned by ``bench/lut_fit.py`` on film looks."""

    size: int = 33
    smoothness: float = 1e-5  # weight of the integrated squared second derivative of the correction
    ridge: float = 1e-3  # pull of the correction towards the global model where samples are absent
    count_exponent: float = 0.5  # sample weight = pixel count ** exponent: rare colours count more than their area
    refinements: int = 0  # extra exact-data passes at the finest level: each costs about 15 ms at 33^3


def fit_lut(samples: ColourSamples, config: FitConfig = FitConfig()) -> Lut3D:
    """The LUT of ``config.size`` that maps ``samples.source`` to ``samples.target``, values in [0, 1]."""
    check_resolve_size(config.size)
    if len(samples) < MIN_SAMPLES:
        raise FitError(
            f"Too few distinct colours to fit a LUT: need at least {MIN_SAMPLES}, found {len(samples)} "
            "(is the frame a flat colour?)"
        )
    weights = samples.count**config.count_exponent

    # 1. global curves: the grade everywhere, including colours the frame lacks
    global_model = fit_global_model(samples.source, samples.target, weights)
    residual = samples.target - global_model(samples.source)

    # 2. local correction on the lattice
    correction = fit_lattice(
        config.size, samples.source, residual, weights, config.smoothness, config.ridge, config.refinements
    )

    # 3. the table, clipped to what a portable .cube may hold
    table = global_model(identity_table(config.size)) + correction
    return Lut3D(np.clip(table, 0.0, 1.0))


def fit_lut_to_images(
    pairs: Iterable[tuple[np.ndarray, np.ndarray]], config: FitConfig = FitConfig()
) -> Lut3D:
    """The one LUT that turns each source image into its target (one or several aligned pairs)."""
    return fit_lut(collect_samples(pairs), config)
