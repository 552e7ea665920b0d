"""Tests for pix2lut.cdl: the ASC CDL formula, recovering a known CDL, Resolve's dictionary and the .cdl file."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from pix2lut.cdl import (
    ASC_CDL_NAMESPACE,
    MIN_FIT_SAMPLES,
    Cdl,
    apply_cdl,
    cdl_to_resolve,
    fit_cdl,
    format_cdl_xml,
    write_cdl,
)
from pix2lut.errors import FitError, LutError

PARAMETER_ATOL = 1e-3  # brief: a known CDL is recovered to three decimals
EXACT_ATOL = 1e-12
N_SAMPLES = 30_000
NS = {"cdl": ASC_CDL_NAMESPACE}
SHAPE_RULE = "source and target must both have shape (N, 3)"

KNOWN = Cdl(slope=(1.1, 0.95, 0.9), offset=(0.02, -0.01, 0.0), power=(0.9, 1.0, 1.1), saturation=1.2)
# KNOWN keeps every sample of [0.25, 0.75]^3 strictly inside (0, 1) at both clamps (worked out in
# test_samples_in_unclamped_range_stay_unclamped), so the fit sees the formula without clamping.
UNCLAMPED_RANGE = (0.25, 0.75)


def random_rgb(n: int, low: float = 0.0, high: float = 1.0, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, size=(n, 3))


def assert_cdl_close(found: Cdl, expected: Cdl, atol: float) -> None:
    np.testing.assert_allclose(found.slope, expected.slope, rtol=0, atol=atol)
    np.testing.assert_allclose(found.offset, expected.offset, rtol=0, atol=atol)
    np.testing.assert_allclose(found.power, expected.power, rtol=0, atol=atol)
    assert found.saturation == pytest.approx(expected.saturation, abs=atol)


def test_identity_gives_back_the_input() -> None:
    rgb = random_rgb(1000)
    np.testing.assert_allclose(apply_cdl(rgb, Cdl.identity()), rgb, rtol=0, atol=EXACT_ATOL)


def test_apply_follows_the_asc_formula_per_pixel() -> None:
    rgb = np.array([0.5, 0.2, 0.8])
    sop = np.clip(rgb * KNOWN.slope + KNOWN.offset, 0, 1) ** KNOWN.power
    luma = 0.2126 * sop[0] + 0.7152 * sop[1] + 0.0722 * sop[2]
    expected = np.clip(luma + KNOWN.saturation * (sop - luma), 0, 1)
    np.testing.assert_allclose(apply_cdl(rgb, KNOWN), expected, rtol=0, atol=EXACT_ATOL)


def test_apply_clamps_before_power_and_after_saturation() -> None:
    cdl = Cdl(slope=1.0, offset=(-0.5, 0.0, 0.5), power=0.5, saturation=1.0)
    np.testing.assert_allclose(apply_cdl([0.25, 0.25, 0.75], cdl), [0.0, 0.5, 1.0], rtol=0, atol=EXACT_ATOL)
    vivid = Cdl(slope=1.0, offset=0.0, power=1.0, saturation=4.0)
    assert np.all((apply_cdl(random_rgb(1000), vivid) >= 0) & (apply_cdl(random_rgb(1000), vivid) <= 1))


def test_apply_keeps_image_shape_and_float32() -> None:
    image = np.random.default_rng(1).random((4, 5, 3), dtype=np.float32)
    graded = apply_cdl(image, KNOWN)
    assert graded.shape == (4, 5, 3)
    assert graded.dtype == np.float32


def test_samples_in_unclamped_range_stay_unclamped() -> None:
    source = random_rgb(N_SAMPLES, *UNCLAMPED_RANGE)
    linear = source * KNOWN.slope + KNOWN.offset
    sop = linear**KNOWN.power
    luma = sop @ np.array([0.2126, 0.7152, 0.0722])
    unclamped = luma[:, None] + KNOWN.saturation * (sop - luma[:, None])
    assert np.all((linear > 0) & (linear < 1) & (unclamped > 0) & (unclamped < 1))


def test_fit_recovers_a_known_cdl() -> None:
    source = random_rgb(N_SAMPLES, *UNCLAMPED_RANGE)
    assert_cdl_close(fit_cdl(source, apply_cdl(source, KNOWN)), KNOWN, PARAMETER_ATOL)


def test_fit_recovers_a_known_cdl_where_clamps_bite() -> None:
    source = random_rgb(N_SAMPLES)
    assert_cdl_close(fit_cdl(source, apply_cdl(source, KNOWN)), KNOWN, PARAMETER_ATOL)


def test_fit_recovers_a_known_cdl_through_noise() -> None:
    source = random_rgb(N_SAMPLES, *UNCLAMPED_RANGE)
    noise = np.random.default_rng(7).normal(0.0, 0.002, size=source.shape)  # about half an 8-bit code value
    assert_cdl_close(fit_cdl(source, apply_cdl(source, KNOWN) + noise), KNOWN, 10 * PARAMETER_ATOL)


def test_fit_of_identity_is_identity() -> None:
    source = random_rgb(2000, *UNCLAMPED_RANGE)
    assert_cdl_close(fit_cdl(source, source), Cdl.identity(), PARAMETER_ATOL)


def test_zero_weights_ignore_outliers() -> None:
    source = random_rgb(2000, *UNCLAMPED_RANGE)
    target = apply_cdl(source, KNOWN)
    target[::10] = 1.0 - target[::10]  # one sample in ten is garbage ...
    weights = np.ones(len(source))
    weights[::10] = 0.0  # ... and carries no weight
    assert_cdl_close(fit_cdl(source, target, weights), KNOWN, PARAMETER_ATOL)


def test_fit_subsamples_deterministically() -> None:
    source = random_rgb(3000)
    target = apply_cdl(source, KNOWN) + np.random.default_rng(3).normal(0.0, 0.05, size=source.shape)
    first = fit_cdl(source, target, max_samples=500)
    second = fit_cdl(source, target, max_samples=500)
    assert_cdl_close(first, second, atol=0.0)


def test_fitted_parameters_stay_within_bounds() -> None:
    source = random_rgb(1000)
    cdl = fit_cdl(source, np.clip(source * 10.0, 0, 1) ** 8)  # far outside what a CDL can do
    assert np.all((cdl.slope >= 0) & (cdl.slope <= 4))
    assert np.all((cdl.power >= 0.2) & (cdl.power <= 5))
    assert 0 <= cdl.saturation <= 4


@pytest.mark.parametrize(
    ("source", "target", "weights", "message"),
    [
        (np.zeros((100, 3)), np.zeros((99, 3)), None, f"{SHAPE_RULE}, found (100, 3) and (99, 3)"),
        (np.zeros((100, 4)), np.zeros((100, 4)), None, f"{SHAPE_RULE}, found (100, 4) and (100, 4)"),
        (np.zeros(300), np.zeros(300), None, f"{SHAPE_RULE}, found (300,) and (300,)"),
        (np.zeros((15, 3)), np.zeros((15, 3)), None, f"a CDL fit needs at least {MIN_FIT_SAMPLES} samples, found 15"),
        (np.full((100, 3), np.nan), np.zeros((100, 3)), None, "source or target samples hold NaN or infinite values"),
        (np.zeros((100, 3)), np.full((100, 3), np.inf), None, "source or target samples hold NaN or infinite values"),
        (np.zeros((100, 3)), np.zeros((100, 3)), np.ones(99), "weights must have shape (100,), found (99,)"),
        (np.zeros((100, 3)), np.zeros((100, 3)), -np.ones(100), "weights must be finite and >= 0"),
        (np.zeros((100, 3)), np.zeros((100, 3)), np.zeros(100), "weights are all zero"),
    ],
)
def test_fit_rejects_unusable_samples(source, target, weights, message: str) -> None:
    with pytest.raises(FitError) as info:
        fit_cdl(source, target, weights)
    assert str(info.value) == message


def test_fit_rejects_tiny_max_samples() -> None:
    with pytest.raises(FitError) as info:
        fit_cdl(np.zeros((100, 3)), np.zeros((100, 3)), max_samples=8)
    assert str(info.value) == f"max_samples must be at least {MIN_FIT_SAMPLES}, found 8"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slope": (1.0, -0.1, 1.0)}, "CDL slope must be >= 0, found [1.0, -0.1, 1.0]"),
        ({"power": (1.0, 0.0, 1.0)}, "CDL power must be > 0, found [1.0, 0.0, 1.0]"),
        ({"saturation": -1.0}, "CDL saturation must be finite and >= 0, found -1.0"),
        ({"offset": (0.0, np.nan, 0.0)}, "CDL offset must be finite, found [0.0, nan, 0.0]"),
    ],
)
def test_cdl_rejects_values_outside_the_spec(fields: dict, message: str) -> None:
    values = {"slope": 1.0, "offset": 0.0, "power": 1.0, "saturation": 1.0, **fields}
    with pytest.raises(LutError) as info:
        Cdl(**values)
    assert str(info.value) == message


def test_resolve_dictionary_strings() -> None:
    cdl = Cdl(slope=(1.1, 0.95, 0.9), offset=(0.02, -0.01, -1e-9), power=(0.9, 1.0, 1.1), saturation=1.2)
    assert cdl_to_resolve(cdl, node_index=2) == {
        "NodeIndex": "2",
        "Slope": "1.100000 0.950000 0.900000",
        "Offset": "0.020000 -0.010000 0.000000",
        "Power": "0.900000 1.000000 1.100000",
        "Saturation": "1.200000",
    }
    assert cdl_to_resolve(Cdl.identity())["NodeIndex"] == "1"


@pytest.mark.parametrize("node_index", [0, -1, 1.0, True, "1"])
def test_resolve_node_index_must_count_from_one(node_index) -> None:
    with pytest.raises(LutError) as info:
        cdl_to_resolve(Cdl.identity(), node_index=node_index)
    assert str(info.value) == (
        f"node_index must be an integer >= 1 (Resolve counts nodes from 1), found {node_index!r}"
    )


def test_cdl_xml_holds_the_values() -> None:
    root = ET.fromstring(format_cdl_xml(KNOWN, id="shot_010"))
    assert root.tag == f"{{{ASC_CDL_NAMESPACE}}}ColorDecisionList"
    correction = root.find("cdl:ColorDecision/cdl:ColorCorrection", NS)
    assert correction is not None
    assert correction.get("id") == "shot_010"
    assert correction.findtext("cdl:SOPNode/cdl:Slope", namespaces=NS) == "1.100000 0.950000 0.900000"
    assert correction.findtext("cdl:SOPNode/cdl:Offset", namespaces=NS) == "0.020000 -0.010000 0.000000"
    assert correction.findtext("cdl:SOPNode/cdl:Power", namespaces=NS) == "0.900000 1.000000 1.100000"
    assert correction.findtext("cdl:SatNode/cdl:Saturation", namespaces=NS) == "1.200000"


def test_cdl_xml_escapes_the_id() -> None:
    root = ET.fromstring(format_cdl_xml(Cdl.identity(), id='a<b>&"c"'))
    assert root.find("cdl:ColorDecision/cdl:ColorCorrection", NS).get("id") == 'a<b>&"c"'


def test_write_cdl_is_atomic_and_readable(tmp_path: Path) -> None:
    path = tmp_path / "grade.cdl"
    write_cdl(Cdl.identity(), path)
    write_cdl(KNOWN, path)
    assert [entry.name for entry in tmp_path.iterdir()] == ["grade.cdl"]
    assert path.read_text(encoding="utf-8") == format_cdl_xml(KNOWN)


def test_write_cdl_into_missing_folder(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "grade.cdl"
    with pytest.raises(LutError) as info:
        write_cdl(KNOWN, path)
    assert str(info.value) == f"{path}: cannot write the CDL file (No such file or directory)"
