"""How well a fitted LUT, and a CDL alone, reproduce the samples they were fitted to.

The CDL is the editable part of a grade (Resolve's ``SetCDL``); comparing its error with the LUT's tells a user
how much of the grade it carries: near all of it for a balance or exposure fix, little for a film look.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pix2lut.apply import apply_lut
from pix2lut.cdl import Cdl, apply_cdl, fit_cdl
from pix2lut.colour import delta_e_ciede2000, srgb_to_lab
from pix2lut.figures import sample_coverage
from pix2lut.lut import Lut3D
from pix2lut.samples import ColourSamples

UNNOTICEABLE_DELTA_E = 0.01  # CIEDE2000 differences below this are rounding, not a worse result


@dataclass(frozen=True)
class FitReport:
    """Pixel-weighted mean CIEDE2000 against the target, of: the source as it is, the LUT, the CDL alone."""

    samples: int
    coverage: float  # share of lattice cells that held samples; the rest was extrapolated
    delta_e_untouched: float
    delta_e_lut: float
    delta_e_cdl: float
    cdl: Cdl

    @property
    def cdl_explains(self) -> float:
        """Share of the grade the CDL reproduces: 1 when it does as well as the LUT, 0 when no better than nothing."""
        gain_lut = self.delta_e_untouched - self.delta_e_lut
        if gain_lut <= 0.0:  # no grade to explain: the CDL carries it unless it makes things worse
            return 1.0 if self.delta_e_cdl <= self.delta_e_untouched + UNNOTICEABLE_DELTA_E else 0.0
        return float(np.clip((self.delta_e_untouched - self.delta_e_cdl) / gain_lut, 0.0, 1.0))


def fit_report(samples: ColourSamples, lut: Lut3D) -> FitReport:
    """Fit a CDL to the same samples and compare it, the LUT and doing nothing."""
    cdl = fit_cdl(samples.source, samples.target, samples.count)
    target_lab = srgb_to_lab(samples.target)

    def mean_error(rgb: np.ndarray) -> float:
        return float(np.average(delta_e_ciede2000(srgb_to_lab(rgb), target_lab), weights=samples.count))

    return FitReport(
        samples=len(samples),
        coverage=sample_coverage(lut.size, samples),
        delta_e_untouched=mean_error(samples.source),
        delta_e_lut=mean_error(apply_lut(samples.source, lut)),
        delta_e_cdl=mean_error(apply_cdl(samples.source, cdl)),
        cdl=cdl,
    )
