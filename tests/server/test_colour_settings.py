"""Resolve's colour settings -> the OpenColorIO pipeline ``O`` (timeline to output), or ``colour_unsupported``."""

from __future__ import annotations

import numpy as np
import pytest

from pix2lut.colour import delta_e_ciede2000, srgb_to_lab
from pix2lut.protocol import ErrorCode, ProtocolError
from server.colour_settings import ASSUMED, FOLDED_LOG_LUT_SIZE, colour_pipeline

# O(O^-1(x)) on display colours: OCIO's inverse ACES output transform is not exact for saturated colours (its
# gamut compression; about 0.3 CIEDE2000 at worst), the colorimetric ones are to float32 precision
ROUND_TRIP_MAX_DE = 0.5
DWG = {"colorScienceMode": "davinciYRGBColorManagedv2", "colorSpaceTimeline": "DaVinci WG/Intermediate",
       "colorSpaceOutput": "Rec.709 Gamma 2.4"}
# every supported pair that is not the identity: (the colour object, the pipeline's name)
SUPPORTED = [
    (DWG, "DaVinci WG/Intermediate -> Rec.709 Gamma 2.4"),
    ({"colorScienceMode": "davinciYRGBColorManaged", "colorSpaceTimeline": "DaVinci Wide Gamut",
      "colorSpaceTimelineGamma": "DaVinci Intermediate", "colorSpaceOutput": "Rec.709",
      "colorSpaceOutputGamma": "sRGB"}, "DaVinci WG/Intermediate -> sRGB"),
    ({"colorScienceMode": "davinciYRGBColorManagedv2", "colorSpaceTimeline": "DaVinci WG/Intermediate",
      "colorSpaceOutput": "Rec.709-A"}, "DaVinci WG/Intermediate -> Rec.709 Gamma 2.4"),
    ({"colorScienceMode": "davinciYRGBColorManaged", "colorSpaceTimeline": "Rec.709 Gamma 2.4",
      "colorSpaceOutput": "sRGB"}, "Rec.709 Gamma 2.4 -> sRGB"),
    ({"colorScienceMode": "davinciYRGBColorManaged", "colorSpaceTimeline": "sRGB",
      "colorSpaceOutput": "Rec.709 Gamma 2.4"}, "sRGB -> Rec.709 Gamma 2.4"),
    ({"colorScienceMode": "davinciYRGBColorManagedv2", "colorSpaceTimeline": "Rec.709",
      "colorSpaceTimelineGamma": "Rec.709-A", "colorSpaceOutput": "Rec.709", "colorSpaceOutputGamma": "sRGB"},
     "Rec.709 Gamma 2.4 -> sRGB"),
    ({"colorScienceMode": "acescct", "colorSpaceOutput": "Rec.709"}, "ACEScct -> ACES 1.0 SDR Video, Rec.709"),
    ({"colorScienceMode": "acescc", "colorSpaceTimeline": "ACEScc", "colorSpaceOutput": "Rec.709"},
     "ACEScc -> ACES 1.0 SDR Video, Rec.709"),
]


def display_colours(count: int = 2000, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.02, 0.98, (count, 3)).astype(np.float32)


@pytest.mark.parametrize(("colour", "name"), SUPPORTED)
def test_supported_pairs_give_an_invertible_transform(colour, name):
    pipeline = colour_pipeline(colour)
    assert pipeline.name == name and not pipeline.is_identity and pipeline.warnings == ()
    still = display_colours()
    timeline = pipeline.to_timeline(still)
    assert timeline.min() >= 0.0 and timeline.max() <= 1.0
    error = delta_e_ciede2000(srgb_to_lab(pipeline.to_output(timeline)), srgb_to_lab(still))
    assert error.max() <= ROUND_TRIP_MAX_DE


def test_dwg_intermediate_is_log_and_needs_the_larger_fold():
    pipeline = colour_pipeline(DWG)
    assert pipeline.min_lut_size == FOLDED_LOG_LUT_SIZE
    white = pipeline.to_timeline(np.ones((1, 3), np.float32))
    assert 0.5 < white.min() < 0.52  # DaVinci Intermediate puts display white (linear 1) near 0.51
    assert colour_pipeline(SUPPORTED[3][0]).min_lut_size == 0


@pytest.mark.parametrize(
    "colour",
    [
        {"colorScienceMode": "davinciYRGB", "colorSpaceTimeline": "Rec.709 Gamma 2.4",
         "colorSpaceOutput": "Rec.709 Gamma 2.4"},
        {"colorScienceMode": "davinciYRGBColorManagedv2", "colorSpaceTimeline": "Rec.2020 Gamma 2.4",
         "colorSpaceOutput": "Rec.2020 Gamma 2.4"},  # any space, equal on both sides
        {"colorScienceMode": "davinciYRGBColorManaged", "colorSpaceTimeline": "Rec.709 Gamma 2.4",
         "colorSpaceOutput": "Rec.709-A"},  # Rec.709-A is graded as Rec.709 Gamma 2.4
        {"colorScienceMode": "davinciYRGB", "colorSpaceTimeline": "Rec.709 Gamma 2.4",
         "colorSpaceTimelineGamma": "Gamma 2.4", "colorSpaceOutput": "Rec.709 Gamma 2.4",
         "colorSpaceOutputGamma": "Gamma 2.2"},  # a combined name's gamma key is stale
    ],
)
def test_equal_spaces_are_the_identity(colour):
    pipeline = colour_pipeline(colour)
    assert pipeline.is_identity and pipeline.warnings == ()
    colours = display_colours(10)
    np.testing.assert_array_equal(pipeline.to_timeline(colours), colours)


def test_no_settings_are_assumed_rec709_with_a_warning():
    pipeline = colour_pipeline({})
    assert pipeline.is_identity and pipeline.warnings == (ASSUMED,)


def test_incomplete_settings_are_assumed_equal_with_a_warning():
    pipeline = colour_pipeline({"colorSpaceTimeline": "Rec.709 Gamma 2.4"})
    assert pipeline.is_identity
    assert pipeline.warnings == (("colour settings incomplete (colorSpaceTimeline): assumed timeline and output "
                                 "spaces match"),)


def test_a_missing_mode_is_assumed_colour_managed_with_a_warning():
    pipeline = colour_pipeline({key: value for key, value in DWG.items() if key != "colorScienceMode"})
    assert not pipeline.is_identity
    assert pipeline.warnings == ("colorScienceMode not given: assumed DaVinci YRGB Color Managed",)


TIMELINES = ("DaVinci WG/Intermediate (or DaVinci Wide Gamut + DaVinci Intermediate), Rec.709 Gamma 2.4, "
             "Rec.709-A, sRGB (or Rec.709 + Gamma 2.4 / Rec.709-A / sRGB)")
OUTPUTS = "Rec.709 Gamma 2.4, Rec.709-A, sRGB (or Rec.709 + Gamma 2.4 / Rec.709-A / sRGB)"


@pytest.mark.parametrize(
    ("colour", "message"),
    [
        ({"colorScienceMode": "davinciYRGB", "colorSpaceTimeline": "DaVinci WG/Intermediate",
          "colorSpaceOutput": "Rec.709 Gamma 2.4"},
         ("colour science 'davinciYRGB' with timeline space 'DaVinci WG/Intermediate' and output space 'Rec.709 "
         "Gamma 2.4': DaVinci YRGB converts nothing between them, so the still does not show what a node sees; set "
         "both to the same space, or use DaVinci YRGB Color Managed")),
        ({**DWG, "colorScienceMode": "davinciYRGBColorManagedv3"},
         ("colorScienceMode 'davinciYRGBColorManagedv3' is not supported; supported: davinciYRGB, "
         "davinciYRGBColorManaged, davinciYRGBColorManagedv2, acescc, acescct")),
        ({**DWG, "colorSpaceTimeline": "Rec.2100 ST2084"},
         f"colorSpaceTimeline 'Rec.2100 ST2084' is not supported; supported: {TIMELINES}"),
        ({**DWG, "colorSpaceTimeline": "DaVinci Wide Gamut", "colorSpaceTimelineGamma": "Linear"},
         ("colorSpaceTimeline 'DaVinci Wide Gamut' with colorSpaceTimelineGamma 'Linear' is not supported; "
         f"supported: {TIMELINES}")),
        ({**DWG, "colorSpaceOutput": "DaVinci WG/Intermediate", "colorSpaceTimeline": "sRGB"},
         f"colorSpaceOutput 'DaVinci WG/Intermediate' is not supported; supported: {OUTPUTS}"),
        ({**DWG, "colorSpaceOutput": "P3-D65"}, f"colorSpaceOutput 'P3-D65' is not supported; supported: {OUTPUTS}"),
        ({"colorScienceMode": "acescct", "colorSpaceOutput": "P3-D65"},
         ("colorSpaceOutput 'P3-D65' with colour science 'acescct' is not supported; supported: Rec.709 (the ACES "
         "1.x Rec.709 output transform)")),
        ({"colorScienceMode": "acescct", "colorSpaceTimeline": "ACEScc", "colorSpaceOutput": "Rec.709"},
         "colorSpaceTimeline 'ACEScc' with colour science 'acescct': supported: ACEScct (or none: the mode sets it)"),
    ],
)
def test_unsupported_settings_are_refused_by_name(colour, message):
    with pytest.raises(ProtocolError) as refused:
        colour_pipeline(colour)
    assert refused.value.code == ErrorCode.COLOUR_UNSUPPORTED
    assert str(refused.value) == message


def test_processors_are_built_once_per_pair():
    assert colour_pipeline(DWG).forward is colour_pipeline(dict(DWG)).forward
