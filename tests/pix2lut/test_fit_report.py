"""Tests for pix2lut.fit_report: the LUT, the CDL alone and doing nothing, compared on the samples they fit."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pix2lut.cdl import Cdl, apply_cdl
from pix2lut.figures import sample_coverage
from pix2lut.fit import FitConfig, fit_lut
from pix2lut.fit_report import FitReport, fit_report
from pix2lut.lut import Lut3D
from pix2lut.samples import ColourSamples, samples_from_colours

N_COLOURS = 1000
FIT_SIZE = 17  # the smallest size Resolve exports: fast, and enough for these smooth grades
KNOWN = Cdl(slope=(1.1, 0.95, 0.9), offset=(0.02, -0.01, 0.0), power=(0.9, 1.0, 1.1), saturation=1.2)
HUE_SHIFT_DEGREES = 60.0  # red towards yellow, green towards cyan, ...: no per-channel curve does that

# Mean CIEDE2000 bounds. 1 is about a just-noticeable difference; the grades below move colours by 8 to 30.
SMALL_DELTA_E = 1.0
LARGE_DELTA_E = 5.0
CDL_EXPLAINS_A_CDL = 0.95
CDL_EXPLAINS_A_HUE_SHIFT = 0.5  # measured 0.11: a CDL shifts no hue, it can only desaturate towards grey
EXACT = 1e-12


def random_colours(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 1.0, size=(N_COLOURS, 3))


def hue_shifted(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` with the HSV hue turned by ``HUE_SHIFT_DEGREES``; OpenCV's float HSV has hue in degrees."""
    hsv = cv2.cvtColor(rgb.astype(np.float32)[np.newaxis], cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + HUE_SHIFT_DEGREES) % 360.0
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0].astype(np.float64)


def report_for(samples: ColourSamples) -> FitReport:
    return fit_report(samples, fit_lut(samples, FitConfig(size=FIT_SIZE)))


@pytest.fixture(scope="module")
def cdl_report() -> FitReport:
    source = random_colours()
    return report_for(samples_from_colours(source, apply_cdl(source, KNOWN)))


@pytest.fixture(scope="module")
def hue_report() -> FitReport:
    source = random_colours(seed=1)
    return report_for(samples_from_colours(source, hue_shifted(source)))


def test_a_cdl_grade_is_explained_by_the_cdl(cdl_report: FitReport) -> None:
    assert cdl_report.delta_e_untouched > LARGE_DELTA_E
    assert cdl_report.delta_e_lut < SMALL_DELTA_E
    assert cdl_report.delta_e_cdl < SMALL_DELTA_E
    assert cdl_report.cdl_explains > CDL_EXPLAINS_A_CDL


def test_a_hue_shift_is_not_explained_by_a_cdl(cdl_report: FitReport, hue_report: FitReport) -> None:
    assert hue_report.delta_e_untouched > LARGE_DELTA_E
    assert hue_report.delta_e_lut < SMALL_DELTA_E
    assert hue_report.delta_e_cdl > LARGE_DELTA_E
    assert hue_report.cdl_explains < CDL_EXPLAINS_A_HUE_SHIFT < cdl_report.cdl_explains


def test_report_counts_samples_and_coverage() -> None:
    source = random_colours(seed=2)
    samples = samples_from_colours(source, apply_cdl(source, KNOWN))
    lut = fit_lut(samples, FitConfig(size=FIT_SIZE))
    report = fit_report(samples, lut)
    assert report.samples == N_COLOURS
    assert report.coverage == sample_coverage(FIT_SIZE, samples)


def test_identity_grade_leaves_nothing_to_explain() -> None:
    source = random_colours(seed=3)
    report = fit_report(samples_from_colours(source, source), Lut3D.identity(FIT_SIZE))
    assert report.delta_e_untouched == 0.0
    assert report.delta_e_lut < SMALL_DELTA_E
    assert report.delta_e_cdl < SMALL_DELTA_E
    assert report.cdl_explains == 1.0


def make_report(untouched: float, lut: float, cdl: float) -> FitReport:
    return FitReport(
        samples=1, coverage=1.0, delta_e_untouched=untouched, delta_e_lut=lut, delta_e_cdl=cdl, cdl=Cdl.identity()
    )


@pytest.mark.parametrize(
    ("untouched", "lut", "cdl", "explains"),
    [
        (10.0, 2.0, 6.0, 0.5),  # the CDL gains 4 of the LUT's 8
        (10.0, 2.0, 2.0, 1.0),  # as good as the LUT
        (10.0, 2.0, 1.0, 1.0),  # better than the LUT: clipped to all of it
        (10.0, 2.0, 12.0, 0.0),  # worse than nothing: clipped to none of it
        (10.0, 10.0, 10.0, 1.0),  # no grade at all: the identity CDL carries all of it
        (10.0, 10.0, 12.0, 0.0),  # the LUT gains nothing and the CDL makes it worse
        (10.0, 11.0, 12.0, 0.0),
    ],
)
def test_cdl_explains_is_the_share_of_the_luts_gain(untouched: float, lut: float, cdl: float, explains: float) -> None:
    assert make_report(untouched, lut, cdl).cdl_explains == pytest.approx(explains, abs=EXACT)
