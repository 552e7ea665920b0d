"""The coarse-to-fine lattice solver: its building blocks are exact, and it solves the problem it states."""

import numpy as np
import pytest

from pix2lut.lattice_fit import _roughness_matrix, coarse_to_fine_sizes, fit_lattice, splat, upsample

ATOL = 1e-12


def test_coarse_to_fine_sizes_nest():
    assert coarse_to_fine_sizes(33) == [5, 9, 17, 33]
    assert coarse_to_fine_sizes(65) == [5, 9, 17, 33, 65]
    assert coarse_to_fine_sizes(17) == [5, 9, 17]


def test_upsample_keeps_coarse_nodes_and_is_exact_for_trilinear_fields():
    n = 5
    axis = np.linspace(0, 1, n)
    r, g, b = np.meshgrid(axis, axis, axis, indexing="ij")
    field = np.stack([r * g * b, 2 * r - g, b + 0.5], axis=-1)  # trilinear in each coordinate
    fine = upsample(field)
    axis_fine = np.linspace(0, 1, 2 * n - 1)
    rf, gf, bf = np.meshgrid(axis_fine, axis_fine, axis_fine, indexing="ij")
    expected = np.stack([rf * gf * bf, 2 * rf - gf, bf + 0.5], axis=-1)
    np.testing.assert_allclose(fine, expected, atol=ATOL)
    np.testing.assert_allclose(fine[::2, ::2, ::2], field, atol=ATOL)


def test_splat_conserves_weight_and_weighted_values():
    rng = np.random.default_rng(0)
    coords = rng.random((500, 3)) * 8
    weights = rng.random(500)
    values = rng.random((500, 2))
    mass, moment = splat(9, coords, weights, values)
    assert mass.sum() == pytest.approx(weights.sum())
    np.testing.assert_allclose(moment.reshape(-1, 2).sum(axis=0), weights @ values)


def test_roughness_matrix_is_the_sum_of_squared_second_differences():
    n = 6
    field = np.random.default_rng(1).random((n, n, n))
    matrix, diagonal_at = _roughness_matrix(n)
    energy = field.ravel() @ (matrix @ field.ravel())
    expected = sum(np.sum(np.diff(field, n=2, axis=axis) ** 2) for axis in range(3))
    assert energy == pytest.approx(expected)
    np.testing.assert_allclose(matrix.data[diagonal_at], matrix.diagonal())


def test_fit_lattice_interpolates_dense_exact_data_of_a_linear_field():
    rng = np.random.default_rng(2)
    points = rng.random((20000, 3))
    values = (points @ np.array([[0.2, -0.1, 0.05]]).T) + 0.01  # linear: no roughness at all
    field = fit_lattice(17, points, values, np.ones(len(points)), smoothness=1e-5, ridge=1e-3)
    axis = np.linspace(0, 1, 17)
    grid = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1)
    expected = grid @ np.array([0.2, -0.1, 0.05]) + 0.01
    assert np.abs(field[..., 0] - expected).mean() < 2e-3


def test_fit_lattice_fades_to_zero_far_from_the_samples():
    rng = np.random.default_rng(3)
    points = rng.random((2000, 3)) * 0.2  # all samples in the dark corner
    values = np.full((2000, 1), 0.05)
    field = fit_lattice(17, points, values, np.ones(len(points)), smoothness=1e-5, ridge=1e-3)
    assert field[0, 0, 0, 0] == pytest.approx(0.05, abs=5e-3)
    assert abs(field[-1, -1, -1, 0]) < 0.01
