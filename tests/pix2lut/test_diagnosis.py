"""The diagnosis reads each fault of a shot off its correction, one at a time, in a colourist's words."""

from __future__ import annotations

import numpy as np
import pytest

from pix2lut.colour import REC709_LUMA, linear_to_srgb, srgb_to_linear
from pix2lut.diagnosis import cct_shift_k, diagnose
from pix2lut.lut import Lut3D, identity_table

SIZE = 33


def correction_lut(gains_stops=(0.0, 0.0, 0.0), curve=None, saturation: float = 1.0) -> Lut3D:
    """A correction built from known parts: per-channel gains in linear light, a tone curve on encoded values,
    a saturation factor about Rec.709 luma."""
    rgb = srgb_to_linear(identity_table(SIZE).astype(np.float64)) * 2.0 ** np.asarray(gains_stops)
    rgb = linear_to_srgb(rgb)
    if curve is not None:
        rgb = curve(rgb)
    luma = (rgb @ np.array(REC709_LUMA))[..., None]
    return Lut3D(np.clip(luma + saturation * (rgb - luma), 0.0, 1.0).astype(np.float32))


def test_the_identity_finds_nothing_to_correct() -> None:
    diagnosis = diagnose(Lut3D(identity_table(SIZE)))
    assert diagnosis.summary() == "well balanced: little to correct"
    assert diagnosis.exposure_ev == pytest.approx(0.0, abs=1e-4)
    assert diagnosis.contrast == pytest.approx(1.0, abs=1e-3)


def test_a_brightening_correction_says_the_shot_is_under_exposed_by_as_much_and_nothing_else() -> None:
    diagnosis = diagnose(correction_lut((0.8, 0.8, 0.8)))
    assert diagnosis.exposure_ev == pytest.approx(-0.8, abs=0.02)
    assert diagnosis.summary() == "-0.8 EV"


def test_a_cooling_correction_says_the_shot_is_too_warm_in_kelvin() -> None:
    diagnosis = diagnose(correction_lut((-0.2, 0.0, 0.2)))  # the correction adds blue against red
    assert diagnosis.temperature_k > 300
    assert diagnosis.summary().startswith("too warm by about ")
    assert diagnose(correction_lut((0.2, 0.0, -0.2))).summary().startswith("too cool by about ")
    assert diagnosis.to_dict()["temperature_k"] % 50 == 0


def test_kelvin_grow_with_the_cast_and_vanish_without_one() -> None:
    assert cct_shift_k(0.0) == pytest.approx(0.0, abs=1.0)
    shifts = [cct_shift_k(stops) for stops in (-0.4, -0.2, 0.1, 0.2, 0.4)]
    assert shifts == sorted(shifts) and shifts[0] < 0 < shifts[2]
    assert 400 < cct_shift_k(0.2) < 700  # a warm cast of 0.2 stops red/blue is a few hundred kelvin from D65


def test_a_steepening_correction_says_low_contrast_and_a_saturating_one_undersaturated() -> None:
    steeper = diagnose(correction_lut(curve=lambda x: np.clip(0.5 + 1.3 * (x - 0.5), 0.0, 1.0)))
    assert steeper.contrast < 0.9 and "low contrast" in steeper.summary()
    richer = diagnose(correction_lut(saturation=1.4))
    assert richer.saturation == pytest.approx(1 / 1.4, abs=0.08)
    assert richer.summary() == "undersaturated"


def test_a_correction_that_pulls_blacks_down_says_they_were_lifted() -> None:
    diagnosis = diagnose(correction_lut(curve=lambda x: np.clip((x - 0.05) / 0.95, 0.0, 1.0)))
    assert diagnosis.black_lift > 0.02
    assert "lifted blacks" in diagnosis.summary()
    assert set(diagnosis.to_dict()) == {"exposure_ev", "temperature_k", "tint", "contrast", "saturation",
                                         "black_lift", "summary"}
