"""What a correction LUT says about the shot it corrects, in a colourist's words: "-0.8 EV, too warm by about
600 K, low contrast".

Read off the LUT itself, so it holds for every model (and for a LUT the user made): what the correction does to
greys gives exposure, white balance and contrast, what it does to moderate colours gives saturation, where it
puts a near-black grey gives the black level. Each is measured in linear light apart from the others: contrast as
the slope of the grey curve in log-log (a gain has slope 1), saturation as distance from grey relative to the
grey (a gain keeps it), the black level against where the exposure change alone would put it. The shot's fault is
the opposite of its correction.

Colour temperature: a shift of red against blue in linear light is expressed as the change of correlated colour
temperature from D65 (6504 K) that shifts a white on the Planckian locus as much (Kim et al., "Design of advanced
color temperature control system for HDTV applications", J. Korean Phys. Soc. 41, 2002: the locus's chromaticity
as cubic polynomials in 1/T, 1667 K to 25000 K).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import numpy as np

from pix2lut.apply import apply_lut
from pix2lut.colour import REC709_LUMA, REC709_TO_XYZ, linear_to_srgb, srgb_to_linear
from pix2lut.lut import Lut3D

D65_CCT_K = 6504.0
MIN_CCT_K, MAX_CCT_K = 1667.0, 25000.0  # where Kim et al.'s locus is defined
LOCUS_SAMPLES = 2048
MID_GREYS_LINEAR = (0.05, 0.1, 0.18, 0.3)  # the greys exposure and white balance are read on
CONTRAST_GREYS_LINEAR = (0.08, 0.4)  # the log-log slope of the correction's grey curve between them
SATURATION_TEST = 0.15  # encoded distance from grey of the test colours (moderate, inside the gamut)
BLACK_TEST = 0.06  # encoded near-black grey
# below these the shot is called fine on that count
EXPOSURE_NOTICE_EV = 0.15
TEMPERATURE_NOTICE_K = 150.0
TINT_NOTICE_STOPS = 0.05
CONTRAST_NOTICE = 0.1  # |slope - 1|
SATURATION_NOTICE = 0.1  # |gain - 1|
BLACK_NOTICE = 0.02  # encoded
ROUND_K = 50


@dataclass(frozen=True)
class Diagnosis:
    """The shot's faults, each the opposite of what its correction does.

    exposure_ev : the shot's exposure error in stops (< 0: under-exposed).
    temperature_k : how much warmer (> 0) or cooler the shot is than neutral, as a change of colour temperature.
    tint : stops of magenta (> 0) or green in the shot's greys.
    contrast : the shot's mid-tone contrast against the corrected one (< 1: flat).
    saturation : the shot's saturation against the corrected one (< 1: dull).
    black_lift : how far the shot's blacks sit above where the correction puts them, encoded (> 0: lifted).
    """

    exposure_ev: float
    temperature_k: float
    tint: float
    contrast: float
    saturation: float
    black_lift: float

    def summary(self) -> str:
        """One line, the faults worth a look, e.g. ``-0.8 EV, too warm by about 600 K, low contrast``."""
        faults = []
        if abs(self.exposure_ev) >= EXPOSURE_NOTICE_EV:
            faults.append(f"{self.exposure_ev:+.1f} EV")
        if abs(self.temperature_k) >= TEMPERATURE_NOTICE_K:
            faults.append(f"too {'warm' if self.temperature_k > 0 else 'cool'} by about "
                          f"{round(abs(self.temperature_k) / ROUND_K) * ROUND_K:.0f} K")
        if abs(self.tint) >= TINT_NOTICE_STOPS:
            faults.append("too magenta" if self.tint > 0 else "too green")
        if abs(self.contrast - 1.0) >= CONTRAST_NOTICE:
            faults.append("low contrast" if self.contrast < 1.0 else "high contrast")
        if abs(self.saturation - 1.0) >= SATURATION_NOTICE:
            faults.append("undersaturated" if self.saturation < 1.0 else "oversaturated")
        if abs(self.black_lift) >= BLACK_NOTICE:
            faults.append("lifted blacks" if self.black_lift > 0 else "crushed blacks")
        return ", ".join(faults) if faults else "well balanced: little to correct"

    def to_dict(self) -> dict[str, float | str]:
        """Rounded values and the summary: the protocol's ``diagnosis`` object."""
        values: dict[str, float | str] = {key: round(value, 3) for key, value in asdict(self).items()}
        values["temperature_k"] = round(self.temperature_k / ROUND_K) * ROUND_K
        values["summary"] = self.summary()
        return values


def diagnose(correction: Lut3D) -> Diagnosis:
    """What ``correction`` (a LUT on encoded Rec.709 / sRGB values) says about the shot it was made for."""
    greys_linear = np.array(MID_GREYS_LINEAR)
    greys = np.repeat(linear_to_srgb(greys_linear)[:, None], 3, axis=1)  # (G, 3) encoded
    out = srgb_to_linear(np.clip(apply_lut(greys[None].astype(np.float32), correction)[0], 0.0, 1.0))  # (G, 3)
    out = np.maximum(out, 1e-6)
    luma_gain = np.log2((out @ np.array(REC709_LUMA)) / greys_linear)
    red_blue = float(np.mean(np.log2(out[:, 0] / out[:, 2])))
    green = float(np.mean(np.log2(out[:, 1] / np.sqrt(out[:, 0] * out[:, 2]))))
    return Diagnosis(
        exposure_ev=-float(np.mean(luma_gain)),
        temperature_k=cct_shift_k(-red_blue),
        tint=green,  # the correction adds green where the shot is magenta
        contrast=1.0 / max(_grey_slope(correction), 1e-3),
        saturation=1.0 / max(_saturation_gain(correction), 1e-3),
        black_lift=_black_lift(correction, float(np.mean(luma_gain))),
    )


def cct_shift_k(red_blue_stops: float) -> float:
    """How many kelvin below D65 (> 0: warmer) a white must move along the Planckian locus for its linear
    Rec.709 red against blue to change by ``red_blue_stops``; clamped to the locus's range."""
    temperatures, ratios = _locus_table()
    target = np.interp(-red_blue_stops, -ratios, temperatures)  # ratios fall as T rises; np.interp needs rising x
    return D65_CCT_K - float(target)


@functools.cache
def _locus_table() -> tuple[np.ndarray, np.ndarray]:
    """Temperatures from 1667 K to 25000 K and each one's log2(R / B) less D65's, built once."""
    temperatures = np.geomspace(MIN_CCT_K, MAX_CCT_K, LOCUS_SAMPLES)
    return temperatures, _red_blue(temperatures) - _red_blue(np.array([D65_CCT_K]))


def _red_blue(temperatures_k: np.ndarray) -> np.ndarray:
    """log2(R / B) of the Planckian white at each of ``temperatures_k`` in linear Rec.709 (Kim et al. 2002)."""
    t = np.asarray(temperatures_k, dtype=np.float64)
    x = np.where(t <= 4000.0, -0.2661239e9 / t**3 - 0.2343589e6 / t**2 + 0.8776956e3 / t + 0.179910,
                 -3.0258469e9 / t**3 + 2.1070379e6 / t**2 + 0.2226347e3 / t + 0.240390)
    y = np.where(t <= 2222.0, -1.1063814 * x**3 - 1.34811020 * x**2 + 2.18555832 * x - 0.20219683,
                 np.where(t <= 4000.0, -0.9549476 * x**3 - 1.37418593 * x**2 + 2.09137015 * x - 0.16748867,
                          3.0817580 * x**3 - 5.87338670 * x**2 + 3.75112997 * x - 0.37001483))
    xyz = np.stack([x / y, np.ones_like(x), (1.0 - x - y) / y], axis=-1)  # (T, 3), Y = 1
    rgb = xyz @ np.linalg.inv(REC709_TO_XYZ).T
    return np.log2(np.maximum(rgb[:, 0], 1e-6) / np.maximum(rgb[:, 2], 1e-6))


def _through(lut: Lut3D, rgb: np.ndarray) -> np.ndarray:
    """``rgb`` ``(n, 3)`` encoded, through ``lut``, clipped to [0, 1]."""
    return np.clip(apply_lut(rgb[None].astype(np.float32), lut)[0], 0.0, 1.0)


def _grey_slope(lut: Lut3D) -> float:
    """d log(out) / d log(in) of the correction's grey curve over the mid-tones, in linear light."""
    low, high = CONTRAST_GREYS_LINEAR
    greys = np.repeat(linear_to_srgb(np.array([low, high]))[:, None], 3, axis=1)
    out = np.maximum(srgb_to_linear(_through(lut, greys)) @ np.array(REC709_LUMA), 1e-6)
    return float(np.log2(out[1] / out[0]) / np.log2(high / low))


def _saturation_gain(lut: Lut3D) -> float:
    """How much further from grey, relative to the grey, the correction puts moderate colours of six hues."""
    hues = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1], [1, 0, 1]], dtype=float)
    colours = 0.5 + SATURATION_TEST * (hues - hues.mean(axis=1, keepdims=True))
    before, after = _relative_chroma(colours), _relative_chroma(_through(lut, colours))
    return float(np.mean(after / np.maximum(before, 1e-6)))


def _relative_chroma(encoded: np.ndarray) -> np.ndarray:
    """Distance of each linear colour from its luma, over its luma: what a gain (exposure, a cast on grey) keeps."""
    linear = srgb_to_linear(encoded)
    luma = np.maximum(linear @ np.array(REC709_LUMA), 1e-6)[:, None]
    return np.linalg.norm(linear / luma - 1.0, axis=1)


def _black_lift(lut: Lut3D, gain_ev: float) -> float:
    """How far the correction pulls a near-black grey below both where it was and where its exposure gain alone
    would put it (> 0: the shot's blacks were lifted), or pushes it above both (< 0: crushed); 0 in between (a
    mid-tone curve that leaves black alone while brightening, or a gain, says nothing about the black level)."""
    by_gain = float(linear_to_srgb(srgb_to_linear(BLACK_TEST) * 2.0**gain_ev))
    actual = float(np.mean(_through(lut, np.full((1, 3), BLACK_TEST))))
    low, high = min(BLACK_TEST, by_gain), max(BLACK_TEST, by_gain)
    if actual < low:
        return low - actual
    return -(actual - high) if actual > high else 0.0
