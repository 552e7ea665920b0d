"""Tests for pix2lut.apply: tetrahedral and trilinear interpolation against a plain float64 reference.

The reference below applies a LUT one colour at a time, written from the definitions: find the lattice cell, then
either walk its main-diagonal tetrahedron (fractions sorted, largest first) or weight its eight corners.
``apply_lut`` computes in float32, so the two agree to a few float32 ulps, never exactly.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pix2lut import apply
from pix2lut.apply import INTERPOLATIONS, apply_lut
from pix2lut.errors import LutError
from pix2lut.lut import Lut1D, Lut3D, identity_table

# float32 maths: the input scaled to lattice units (a relative 2^-24 of up to 32 cells) and 4 to 8 weighted
# corners summed. Observed differences stay below 2e-7; a wrong corner or weight is off by 1e-4 or more.
ATOL = 2e-6
# Tetrahedral and trilinear agree on linear LUTs only. On the smooth random LUTs here they differ by a term
# of second order in the cell size: 0.1 to 0.4 at size 2, 3e-4 to 7e-4 at size 33, always far above ATOL.
MIN_INTERP_DIFFERENCE = 1e-4
SIZES = (2, 3, 17, 33)  # the extremes of the lattice code (one cell, a middle node) and Resolve's sizes
LUT_SEEDS = (0, 1, 2)
N_RANDOM_COLOURS = 200
N_SPECIAL_COLOURS = 40  # per kind: lattice nodes, cell faces, cube faces, ties


# ---------------------------------------------------------------------------------------------------------------
# The reference and the test data


def reference_apply(pixels: np.ndarray, lut: Lut3D, interp: str) -> np.ndarray:
    """``lut`` (no shaper) applied to ``pixels`` ``(N, 3)`` in float64, one colour at a time."""
    table = lut.table.astype(np.float64)  # indexed [r, g, b]
    last = lut.size - 1
    out = np.empty((len(pixels), 3))
    for n, rgb in enumerate(np.asarray(pixels, dtype=np.float64)):
        unit = (rgb - lut.domain_min) / (lut.domain_max - lut.domain_min)
        position = np.clip(unit, 0.0, 1.0) * last  # fractional lattice index per axis
        corner = np.minimum(np.floor(position).astype(int), last - 1)  # the top node belongs to the last cell
        frac = position - corner
        if interp == "tetrahedral":
            out[n] = reference_tetrahedral(table, corner, frac)
        elif interp == "trilinear":
            out[n] = reference_trilinear(table, corner, frac)
        else:
            raise ValueError(f"no reference for {interp!r}")
    return out


def reference_tetrahedral(table: np.ndarray, corner: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Walk from the cell's corner 000 to 111 one axis at a time, the axis of the largest fraction first.

    The four nodes visited span the tetrahedron holding the point; each node weighs the drop between successive
    sorted fractions: ``(1 - f1) v0 + (f1 - f2) v1 + (f2 - f3) v2 + f3 v3``.
    """
    axes = sorted(range(3), key=lambda axis: frac[axis], reverse=True)
    sorted_frac = [1.0, *(frac[axis] for axis in axes), 0.0]
    node = corner.copy()
    value = (sorted_frac[0] - sorted_frac[1]) * table[tuple(node)]
    for step, axis in enumerate(axes, start=1):
        node[axis] += 1
        value += (sorted_frac[step] - sorted_frac[step + 1]) * table[tuple(node)]
    return value


def reference_trilinear(table: np.ndarray, corner: np.ndarray, frac: np.ndarray) -> np.ndarray:
    value = np.zeros(3)
    for offset in itertools.product((0, 1), repeat=3):
        weight = np.prod([frac[axis] if offset[axis] else 1.0 - frac[axis] for axis in range(3)])
        value += weight * table[tuple(corner + offset)]
    return value


def smooth_random_table(size: int, seed: int) -> np.ndarray:
    """A smooth, nonlinear, channel-mixing table in [0, 1]: ``0.5 + 0.5 sin(M rgb + phase)`` on the lattice."""
    rng = np.random.default_rng(seed)
    mix = rng.normal(scale=2.0, size=(3, 3))
    phase = rng.uniform(0.0, 2.0 * np.pi, size=3)
    return 0.5 + 0.5 * np.sin(identity_table(size).astype(np.float64) @ mix + phase)


def sample_colours(size: int, seed: int) -> np.ndarray:
    """Random colours in [0, 1] plus the cases where a cell or tetrahedron choice is ambiguous, float32 (N, 3)."""
    rng = np.random.default_rng(seed)
    last = size - 1
    nodes = rng.integers(0, size, size=(N_SPECIAL_COLOURS, 3)) / last  # every channel on a lattice node

    on_cell_face = rng.random((N_SPECIAL_COLOURS, 3))  # one channel on a node
    channel = rng.integers(0, 3, size=N_SPECIAL_COLOURS)
    on_cell_face[np.arange(N_SPECIAL_COLOURS), channel] = rng.integers(0, size, size=N_SPECIAL_COLOURS) / last

    on_cube_face = rng.random((N_SPECIAL_COLOURS, 3))  # some channels exactly 0 or 1
    at_bound = rng.random((N_SPECIAL_COLOURS, 3)) < 0.5
    on_cube_face[at_bound] = rng.integers(0, 2, size=int(at_bound.sum()))

    ties = rng.random((N_SPECIAL_COLOURS, 3))  # two or three equal fractions
    ties[0::4, 1] = ties[0::4, 0]  # r == g
    ties[1::4, 2] = ties[1::4, 1]  # g == b
    ties[2::4, 2] = ties[2::4, 0]  # r == b
    ties[3::4, 1:] = ties[3::4, :1]  # greys
    # The same fraction in different cells: (cell + f) / (size - 1) on every channel.
    cells = rng.integers(0, last, size=(N_SPECIAL_COLOURS, 3))
    same_frac_other_cells = (cells + rng.random((N_SPECIAL_COLOURS, 1))) / last

    random = rng.random((N_RANDOM_COLOURS, 3))
    parts = [random, nodes, on_cell_face, on_cube_face, ties, same_frac_other_cells]
    return np.concatenate(parts).astype(np.float32)


# ---------------------------------------------------------------------------------------------------------------
# Agreement with the reference


@pytest.mark.parametrize("interp", INTERPOLATIONS)
@pytest.mark.parametrize("seed", LUT_SEEDS)
@pytest.mark.parametrize("size", SIZES)
def test_matches_reference(size: int, seed: int, interp: str) -> None:
    lut = Lut3D(smooth_random_table(size, seed))
    pixels = sample_colours(size, seed)
    found = apply_lut(pixels, lut, interp)
    assert found.dtype == np.float32
    np.testing.assert_allclose(found, reference_apply(pixels, lut, interp), rtol=0, atol=ATOL)


def test_reference_tetrahedral_is_exact_on_lattice_nodes() -> None:
    """The reference itself: at a node every weight but one is zero (guards against a test that cannot fail)."""
    lut = Lut3D(smooth_random_table(5, seed=0))
    nodes = identity_table(5).reshape(-1, 3)
    for interp in INTERPOLATIONS:
        np.testing.assert_allclose(reference_apply(nodes, lut, interp), lut.table.reshape(-1, 3), rtol=0, atol=1e-12)


@pytest.mark.parametrize("size", SIZES)
def test_tetrahedral_and_trilinear_differ_on_a_nonlinear_lut(size: int) -> None:
    lut = Lut3D(smooth_random_table(size, seed=0))
    pixels = sample_colours(size, seed=0)
    tetrahedral = apply_lut(pixels, lut, "tetrahedral")
    trilinear = apply_lut(pixels, lut, "trilinear")
    assert np.abs(tetrahedral - trilinear).max() > MIN_INTERP_DIFFERENCE


# ---------------------------------------------------------------------------------------------------------------
# Identity, clamping, shapes, tiling


@pytest.mark.parametrize("interp", INTERPOLATIONS)
@pytest.mark.parametrize("size", SIZES)
def test_identity_returns_the_input(size: int, interp: str) -> None:
    pixels = sample_colours(size, seed=3)
    np.testing.assert_allclose(apply_lut(pixels, Lut3D.identity(size), interp), pixels, rtol=0, atol=ATOL)


@pytest.mark.parametrize("interp", INTERPOLATIONS)
def test_inputs_outside_the_domain_are_clamped(interp: str) -> None:
    lut = Lut3D(smooth_random_table(17, seed=4))
    rng = np.random.default_rng(4)
    outside = rng.uniform(-1.0, 2.0, size=(300, 3)).astype(np.float32)
    outside[:4] = [[-np.inf, 0.5, np.inf], [1e30, -1e30, 0.25], [1.0 + 1e-6, -1e-6, 0.5], [-0.0, 1.0, 2.0]]
    clamped = np.clip(outside, 0.0, 1.0)
    found = apply_lut(outside, lut, interp)
    np.testing.assert_array_equal(found, apply_lut(clamped, lut, interp))
    np.testing.assert_allclose(found, reference_apply(clamped, lut, interp), rtol=0, atol=ATOL)


@pytest.mark.parametrize("shape", [(3,), (7, 3), (4, 5, 3), (2, 3, 4, 3)])
def test_shape_is_preserved(shape: tuple[int, ...]) -> None:
    lut = Lut3D(smooth_random_table(9, seed=5))
    pixels = np.random.default_rng(5).random(shape)  # float64 in: float32 out
    found = apply_lut(pixels, lut)
    assert found.shape == shape and found.dtype == np.float32
    np.testing.assert_array_equal(found.reshape(-1, 3), apply_lut(pixels.reshape(-1, 3), lut))


def test_empty_input_gives_empty_output() -> None:
    found = apply_lut(np.empty((0, 4, 3), dtype=np.float32), Lut3D.identity(2))
    assert found.shape == (0, 4, 3) and found.dtype == np.float32


@pytest.mark.parametrize("interp", INTERPOLATIONS)
def test_tiled_image_matches_untiled(interp: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lut = Lut3D(smooth_random_table(17, seed=6))
    image = np.random.default_rng(6).random((10, 13, 3), dtype=np.float32)  # 130 pixels
    untiled = apply_lut(image, lut, interp)  # one tile: TILE_PIXELS is far above 130

    tile_pixels = 7  # 130 pixels = 18 full tiles and a last one of 4
    calls: list[int] = []
    real_interpolate = apply.interpolate

    def counting_interpolate(*args, **kwargs):
        calls.append(1)
        return real_interpolate(*args, **kwargs)

    monkeypatch.setattr(apply, "TILE_PIXELS", tile_pixels)
    monkeypatch.setattr(apply, "interpolate", counting_interpolate)
    tiled = apply_lut(image, lut, interp)
    assert len(calls) == -(-image[..., 0].size // tile_pixels)
    np.testing.assert_array_equal(tiled, untiled)


# ---------------------------------------------------------------------------------------------------------------
# Domain and shaper


@pytest.mark.parametrize("interp", INTERPOLATIONS)
def test_identity_over_a_wider_domain_returns_the_input(interp: str) -> None:
    domain_max = 2.0
    lut = Lut3D(identity_table(17) * domain_max, domain_min=(0.0, 0.0, 0.0), domain_max=(domain_max,) * 3)
    inside = np.random.default_rng(7).uniform(0.0, domain_max, size=(300, 3)).astype(np.float32)
    np.testing.assert_allclose(apply_lut(inside, lut, interp), inside, rtol=0, atol=domain_max * ATOL)
    above = np.float32([[2.5, 3.0, 1e9]])
    np.testing.assert_allclose(apply_lut(above, lut, interp), [[domain_max] * 3], rtol=0, atol=domain_max * ATOL)


@pytest.mark.parametrize("interp", INTERPOLATIONS)
def test_per_channel_domain_matches_reference(interp: str) -> None:
    domain_min, domain_max = np.array([-0.5, 0.0, 0.25]), np.array([1.5, 4.0, 0.75])
    lut = Lut3D(smooth_random_table(9, seed=8), domain_min=domain_min, domain_max=domain_max)
    pixels = np.random.default_rng(8).uniform(domain_min - 0.5, domain_max + 0.5, size=(300, 3)).astype(np.float32)
    expected = reference_apply(pixels, lut, interp)
    np.testing.assert_allclose(apply_lut(pixels, lut, interp), expected, rtol=0, atol=ATOL)


@pytest.mark.parametrize("interp", INTERPOLATIONS)
def test_shaper_is_applied_before_the_3d_table(interp: str) -> None:
    shaper_size, shaper_max = 64, 4.0
    gammas = np.array([2.2, 1.0, 0.45])  # one curve per channel, so a channel mix-up shows
    shaper_input = np.linspace(0.0, shaper_max, shaper_size)
    shaper_table = (shaper_input[:, None] / shaper_max) ** (1.0 / gammas)  # (64, 3), [0, 4] -> [0, 1]
    shaper = Lut1D(shaper_table, domain_min=(0.0,) * 3, domain_max=(shaper_max,) * 3)
    table = smooth_random_table(17, seed=9)
    pixels = np.random.default_rng(9).uniform(-0.5, shaper_max + 1.0, size=(300, 3)).astype(np.float32)

    # np.interp holds the ends, as the shaper's domain clamps.
    shaped = np.stack([np.interp(pixels[:, c], shaper_input, shaper.table[:, c]) for c in range(3)], axis=-1)
    expected = apply_lut(shaped.astype(np.float32), Lut3D(table), interp)
    np.testing.assert_allclose(apply_lut(pixels, Lut3D(table, shaper=shaper), interp), expected, rtol=0, atol=ATOL)


# ---------------------------------------------------------------------------------------------------------------
# Errors


def test_unknown_interpolation_is_refused() -> None:
    with pytest.raises(LutError) as caught:
        apply_lut(np.zeros((1, 3)), Lut3D.identity(2), "cubic")  # type: ignore[arg-type]
    assert str(caught.value) == "Unknown interpolation 'cubic': use one of tetrahedral, trilinear"


@pytest.mark.parametrize("shape", [(4, 4), (3, 2), (0,), ()])
def test_wrong_shape_is_refused(shape: tuple[int, ...]) -> None:
    with pytest.raises(LutError) as caught:
        apply_lut(np.zeros(shape), Lut3D.identity(2))
    assert str(caught.value) == f"pixels must have shape (..., 3), found {shape}"


def test_nan_input_counts_as_zero_like_opencolorio_and_ffmpeg():
    lut = Lut3D(identity_table(5) ** 1.5)
    with_nan = np.array([[np.nan, 0.5, 1.0]], dtype=np.float32)
    zeroed = np.array([[0.0, 0.5, 1.0]], dtype=np.float32)
    for interp in ("tetrahedral", "trilinear"):
        np.testing.assert_array_equal(apply_lut(with_nan, lut, interp), apply_lut(zeroed, lut, interp))
