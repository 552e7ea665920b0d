"""Tests for pix2lut.colour: checked against colour-science and Sharma et al. (2005) published test data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from pix2lut.colour import (
    REC709_LUMA,
    REC709_TO_XYZ,
    delta_e_cie76,
    delta_e_ciede2000,
    linear_rgb_to_xyz,
    linear_to_srgb,
    luma,
    mean_hue_turn,
    srgb_to_lab,
    srgb_to_linear,
    xyz_to_lab,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # colour-science warns at import that matplotlib is missing
    colour_science = pytest.importorskip("colour", reason="colour-science is the reference implementation")

REFERENCE_ATOL = 1e-9  # float64 against float64: only rounding order differs
SHARMA_ATOL = 5e-5  # Sharma et al. publish delta E to 4 decimals
ROUND_TRIP_ATOL = 1e-12
IEC_MATRIX_ATOL = 5e-5  # IEC 61966-2-1 prints the RGB to XYZ matrix to 4 decimals
N_RANDOM_PAIRS = 4000
D65 = colour_science.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D65"]

# Sharma, Wu and Dalal (2005), Table 1: (L1, a1, b1), (L2, a2, b2), delta E 2000.
SHARMA_2005 = [
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 2.8361, -74.0200), (50.0000, 0.0000, -82.7485), 3.4412),
    ((50.0000, -1.3802, -84.2814), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -1.1848, -84.8006), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -0.9009, -85.5211), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    ((50.0000, -1.0000, 2.0000), (50.0000, 0.0000, 0.0000), 2.3669),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0009), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0010), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0011), 7.2195),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0012), 7.2195),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0009, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0010, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0011, -2.4900), 4.7461),
    ((50.0000, 2.5000, 0.0000), (50.0000, 0.0000, -2.5000), 4.3065),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((50.0000, 2.5000, 0.0000), (61.0000, -5.0000, 29.0000), 22.8977),
    ((50.0000, 2.5000, 0.0000), (56.0000, -27.0000, -3.0000), 31.9030),
    ((50.0000, 2.5000, 0.0000), (58.0000, 24.0000, 15.0000), 19.4535),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.1736, 0.5854), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2972, 0.0000), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 1.8634, 0.5757), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2592, 0.3350), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((61.2901, 3.7196, -5.3901), (61.4292, 2.2480, -4.9620), 1.8731),
    ((35.0831, -44.1164, 3.7933), (35.0232, -40.0716, 1.5901), 1.8645),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((36.4612, 47.8580, 18.3852), (36.2715, 50.5065, 21.2231), 1.4146),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
    ((6.7747, -0.2908, -2.4247), (5.8714, -0.0985, -2.2286), 0.6377),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


def random_lab(rng: np.random.Generator, n: int) -> np.ndarray:
    """Lab samples covering and exceeding the sRGB gamut, with every tenth one neutral (a* = b* = 0)."""
    lab = np.stack([rng.uniform(0, 100, n), rng.uniform(-128, 128, n), rng.uniform(-128, 128, n)], axis=-1)
    lab[::10, 1:] = 0.0
    return lab


def reference_srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    srgb = colour_science.RGB_COLOURSPACES["sRGB"]
    matrix = colour_science.normalised_primary_matrix(srgb.primaries, srgb.whitepoint)
    linear = colour_science.cctf_decoding(rgb, function="sRGB")
    return colour_science.XYZ_to_Lab(linear @ matrix.T, D65)


def test_ciede2000_matches_colour_science_on_random_pairs() -> None:
    rng = np.random.default_rng(2000)
    lab1 = random_lab(rng, N_RANDOM_PAIRS)
    lab2 = random_lab(rng, N_RANDOM_PAIRS)[::-1]  # neutral rows meet chromatic ones, and each other
    expected = colour_science.delta_E(lab1, lab2, method="CIE 2000")
    np.testing.assert_allclose(delta_e_ciede2000(lab1, lab2), expected, rtol=0, atol=REFERENCE_ATOL)


def test_ciede2000_matches_sharma_published_data() -> None:
    lab1 = np.array([row[0] for row in SHARMA_2005])
    lab2 = np.array([row[1] for row in SHARMA_2005])
    expected = np.array([row[2] for row in SHARMA_2005])
    np.testing.assert_allclose(delta_e_ciede2000(lab1, lab2), expected, rtol=0, atol=SHARMA_ATOL)
    np.testing.assert_allclose(delta_e_ciede2000(lab2, lab1), expected, rtol=0, atol=SHARMA_ATOL)


def test_ciede2000_is_zero_for_identical_colours_including_neutrals() -> None:
    lab = np.array([[50.0, 0.0, 0.0], [0.0, 0.0, 0.0], [70.0, -20.0, 35.0]])
    np.testing.assert_array_equal(delta_e_ciede2000(lab, lab), np.zeros(3))


def test_ciede2000_keeps_leading_shape() -> None:
    lab = np.zeros((4, 5, 3))
    assert delta_e_ciede2000(lab, lab).shape == (4, 5)


def test_cie76_is_euclidean_distance() -> None:
    assert delta_e_cie76([50.0, 0.0, 0.0], [53.0, 4.0, 0.0]) == pytest.approx(5.0)


def test_srgb_to_lab_matches_colour_science() -> None:
    rgb = np.random.default_rng(76).random((2000, 3))
    np.testing.assert_allclose(srgb_to_lab(rgb), reference_srgb_to_lab(rgb), rtol=0, atol=REFERENCE_ATOL)


def test_xyz_to_lab_matches_colour_science_in_the_linear_segment() -> None:
    xyz = np.random.default_rng(15).random((500, 3)) * 0.01  # below (6/29)^3 of white for most samples
    expected = colour_science.XYZ_to_Lab(xyz, D65)
    np.testing.assert_allclose(xyz_to_lab(xyz), expected, rtol=0, atol=REFERENCE_ATOL)


def test_white_and_black_have_no_chroma() -> None:
    np.testing.assert_allclose(srgb_to_lab([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]), [[100, 0, 0], [0, 0, 0]], atol=1e-12)


def test_rgb_to_xyz_matrix_agrees_with_iec_table() -> None:
    iec = colour_science.RGB_COLOURSPACES["sRGB"].matrix_RGB_to_XYZ  # the 4-decimal table of IEC 61966-2-1
    np.testing.assert_allclose(REC709_TO_XYZ, iec, rtol=0, atol=IEC_MATRIX_ATOL)
    np.testing.assert_allclose(linear_rgb_to_xyz([0.0, 1.0, 0.0]), REC709_TO_XYZ[:, 1])


def test_srgb_transfer_matches_colour_science() -> None:
    encoded = np.linspace(0.0, 1.0, 1001)
    expected = colour_science.cctf_decoding(encoded, function="sRGB")
    np.testing.assert_allclose(srgb_to_linear(encoded), expected, rtol=0, atol=REFERENCE_ATOL)


def test_srgb_round_trip_including_out_of_range_values() -> None:
    encoded = np.linspace(-0.5, 1.5, 2001)
    np.testing.assert_allclose(linear_to_srgb(srgb_to_linear(encoded)), encoded, rtol=0, atol=ROUND_TRIP_ATOL)
    linear = np.linspace(-0.1, 2.0, 2001)
    np.testing.assert_allclose(srgb_to_linear(linear_to_srgb(linear)), linear, rtol=0, atol=ROUND_TRIP_ATOL)


def test_luma_uses_rec709_weights_and_keeps_float32() -> None:
    rgb = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]], dtype=np.float32)
    result = luma(rgb)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, [*REC709_LUMA, 1.0], rtol=1e-6)


@pytest.mark.parametrize("function", [srgb_to_lab, luma, linear_rgb_to_xyz, xyz_to_lab])
def test_rejects_arrays_without_three_components(function) -> None:
    with pytest.raises(ValueError, match=r"must have shape \(\.\.\., 3\), found \(4, 2\)"):
        function(np.zeros((4, 2)))


def test_mean_hue_turn_measures_a_rotation_both_ways_and_ignores_greys() -> None:
    angles = np.radians(np.arange(0.0, 360.0, 15.0))
    colourful = np.stack([np.full_like(angles, 50.0), 30 * np.cos(angles), 30 * np.sin(angles)], axis=-1)
    greys = np.array([[20.0, 1.0, -1.0], [80.0, -2.0, 0.5]])

    def turned(degrees: float) -> np.ndarray:
        rotated = angles + np.radians(degrees)
        return np.stack([colourful[:, 0], 30 * np.cos(rotated), 30 * np.sin(rotated)], axis=-1)

    for degrees in (30.0, -30.0, 170.0):
        before = np.concatenate([colourful, greys])
        after = np.concatenate([turned(degrees), greys[::-1] * [1, -5, 5]])  # greys thrown about: not counted
        assert mean_hue_turn(before, after, min_chroma=10.0) == pytest.approx(abs(degrees))
    assert np.isnan(mean_hue_turn(greys, greys, min_chroma=10.0))
