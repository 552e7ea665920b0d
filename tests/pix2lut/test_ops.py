"""Tests for pix2lut.ops: strength blends with the identity, composition, resampling with the shaper baked in."""

from __future__ import annotations

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.errors import LutError
from pix2lut.lut import Lut1D, Lut3D, identity_table
from pix2lut.ops import compose, resample, with_strength

FLOAT32_ATOL = 2.0**-23  # one float32 ulp just below 1.0: a subtraction and an addition, each rounded
NODE_ATOL = 1e-6  # at lattice nodes interpolation only adds float32 rounding of the node coordinates
# Between nodes, two interpolated LUTs differ from one by the interpolation error of a curve with bounded
# second derivative, about h^2 |f''| / 8 per axis: measured 3e-4 at worst for the LUTs below, a tenth of an
# 8-bit code value (3.9e-3), so 1e-3 fails on any real error and passes on interpolation alone.
INTERPOLATION_ATOL = 1e-3
N_COLOURS = 10_000
UNIT_DOMAIN_RULE = "strength needs a LUT on the unit domain without shaper: resample it first"


def smooth_lut(size: int, bend: float, mix: float) -> Lut3D:
    """A smooth grade: the curve ``x + bend * x * (1 - x)`` per channel, then a share ``mix`` of the next channel."""
    x = identity_table(size).astype(np.float64)
    curved = x + bend * x * (1.0 - x)
    return Lut3D((1.0 - mix) * curved + mix * curved[..., [1, 2, 0]])


def smooth_shaper(size: int = 1024) -> Lut1D:
    """A gentle 1D curve ``s + 0.3 s (1 - s)`` on every channel, fine enough that its own interpolation is exact."""
    s = np.linspace(0.0, 1.0, size)
    return Lut1D(np.stack([s + 0.3 * s * (1.0 - s)] * 3, axis=-1))


def random_colours(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 1.0, size=(N_COLOURS, 3)).astype(np.float32)


GRADE = smooth_lut(33, bend=0.3, mix=0.1)
OTHER_GRADE = smooth_lut(17, bend=-0.2, mix=0.2)


# with_strength


def test_strength_zero_is_the_identity() -> None:
    np.testing.assert_array_equal(with_strength(GRADE, 0.0).table, identity_table(GRADE.size))


def test_strength_one_gives_back_the_table() -> None:
    np.testing.assert_allclose(with_strength(GRADE, 1.0).table, GRADE.table, rtol=0, atol=FLOAT32_ATOL)


def test_strength_half_is_the_midpoint() -> None:
    midpoint = (identity_table(GRADE.size) + GRADE.table) / 2
    np.testing.assert_allclose(with_strength(GRADE, 0.5).table, midpoint, rtol=0, atol=FLOAT32_ATOL)


@pytest.mark.parametrize("strength", [-0.1, 1.5, float("nan")])
def test_strength_outside_unit_interval_is_rejected(strength: float) -> None:
    with pytest.raises(LutError) as info:
        with_strength(GRADE, strength)
    assert str(info.value) == f"strength must be in [0, 1], found {strength}"


def test_strength_rejects_a_lut_off_the_unit_domain() -> None:
    lut = Lut3D(2.0 * identity_table(5), domain_min=0.0, domain_max=2.0)
    with pytest.raises(LutError) as info:
        with_strength(lut, 0.5)
    assert str(info.value) == UNIT_DOMAIN_RULE


def test_strength_rejects_a_lut_with_shaper() -> None:
    lut = Lut3D(identity_table(5), shaper=smooth_shaper())
    with pytest.raises(LutError) as info:
        with_strength(lut, 0.5)
    assert str(info.value) == UNIT_DOMAIN_RULE


# compose


@pytest.mark.parametrize("size", [None, 17, 65])
def test_compose_applies_first_then_second(size: int | None) -> None:
    colours = random_colours()
    composed = compose(GRADE, OTHER_GRADE, size)
    expected = apply_lut(apply_lut(colours, GRADE), OTHER_GRADE)
    assert composed.size == (size or GRADE.size)
    np.testing.assert_allclose(apply_lut(colours, composed), expected, rtol=0, atol=INTERPOLATION_ATOL)


@pytest.mark.parametrize("size", [None, 17, 65])
def test_compose_is_exact_at_its_lattice_nodes(size: int | None) -> None:
    composed = compose(GRADE, OTHER_GRADE, size)
    nodes = identity_table(composed.size)
    expected = apply_lut(apply_lut(nodes, GRADE), OTHER_GRADE)
    np.testing.assert_allclose(apply_lut(nodes, composed), expected, rtol=0, atol=NODE_ATOL)


def test_compose_with_identity_after_gives_back_the_lut() -> None:
    composed = compose(GRADE, Lut3D.identity(GRADE.size))
    np.testing.assert_allclose(composed.table, GRADE.table, rtol=0, atol=NODE_ATOL)


def test_compose_with_identity_before_gives_back_the_lut() -> None:
    composed = compose(Lut3D.identity(GRADE.size), GRADE)
    np.testing.assert_allclose(composed.table, GRADE.table, rtol=0, atol=NODE_ATOL)


@pytest.mark.parametrize("interp", ["tetrahedral", "trilinear"])
def test_compose_honours_the_interpolation(interp: str) -> None:
    colours = random_colours(seed=1)
    composed = compose(GRADE, OTHER_GRADE, interp=interp)
    expected = apply_lut(apply_lut(colours, GRADE, interp), OTHER_GRADE, interp)
    np.testing.assert_allclose(apply_lut(colours, composed, interp), expected, rtol=0, atol=INTERPOLATION_ATOL)


# resample


@pytest.mark.parametrize(("size", "new_size"), [(17, 33), (33, 17), (2, 65)])
def test_resampled_identity_is_the_identity(size: int, new_size: int) -> None:
    resampled = resample(Lut3D.identity(size), new_size)
    np.testing.assert_allclose(resampled.table, identity_table(new_size), rtol=0, atol=NODE_ATOL)


def test_resample_to_65_and_back_gives_back_the_table() -> None:
    # 65 - 1 = 2 * (33 - 1): every node of the 33^3 lattice is a node of the 65^3 one, so the round trip is exact
    round_trip = resample(resample(GRADE, 65), GRADE.size)
    np.testing.assert_allclose(round_trip.table, GRADE.table, rtol=0, atol=NODE_ATOL)


def test_resample_to_65_applies_like_the_original() -> None:
    colours = random_colours(seed=2)
    np.testing.assert_allclose(
        apply_lut(colours, resample(GRADE, 65)), apply_lut(colours, GRADE), rtol=0, atol=INTERPOLATION_ATOL
    )


def test_resample_keeps_the_domain() -> None:
    lut = Lut3D(2.0 * identity_table(5), domain_min=0.0, domain_max=2.0)
    resampled = resample(lut, 9)
    np.testing.assert_array_equal(resampled.domain_min, lut.domain_min)
    np.testing.assert_array_equal(resampled.domain_max, lut.domain_max)
    np.testing.assert_allclose(resampled.table, 2.0 * identity_table(9), rtol=0, atol=NODE_ATOL)


@pytest.mark.parametrize("size", [17, 33, 65])
def test_resample_bakes_the_shaper_in(size: int) -> None:
    lut = Lut3D(smooth_lut(33, bend=-0.2, mix=0.1).table, shaper=smooth_shaper())
    resampled = resample(lut, size)
    colours = random_colours(seed=3)
    assert resampled.shaper is None
    assert resampled.is_unit_domain
    np.testing.assert_allclose(apply_lut(colours, resampled), apply_lut(colours, lut), rtol=0, atol=INTERPOLATION_ATOL)


def test_resample_covers_the_shapers_whole_input_range():
    inputs = np.linspace(0.0, 4.0, 257)
    shaper = Lut1D(np.repeat(np.sqrt(inputs / 4.0)[:, None], 3, axis=1), 0.0, 4.0)
    lut = Lut3D(identity_table(33), shaper=shaper)
    baked = resample(lut, 33)
    np.testing.assert_allclose(baked.domain_max, [4.0, 4.0, 4.0])
    white = np.array([[4.0, 4.0, 4.0]], dtype=np.float32)
    np.testing.assert_allclose(apply_lut(white, baked), apply_lut(white, lut), atol=1e-6)
