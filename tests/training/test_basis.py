"""The starting bases: the principal one (what it spans, how it is scaled, the LUTs of each task it comes from)
and the library one (the identity and each look's inverse, or the look)."""

from __future__ import annotations

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.lut import Lut3D, identity_table
from pix2lut.ops import resample
from training.basis import library_basis, look_inverses, principal_basis, task_luts
from training.errors import ConfigError

SIZE = 5


def random_luts(count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(identity_table(SIZE) + rng.normal(0, 0.05, (count, SIZE, SIZE, SIZE, 3)), 0, 1)


def warm_look(size: int = 9) -> Lut3D:
    return Lut3D(np.clip(identity_table(size) ** [0.9, 1.0, 1.15] * [1.0, 0.97, 0.9], 0, 1))


def test_the_basis_starts_with_the_identity_and_spans_every_lut_given_enough_directions() -> None:
    luts = random_luts(6)
    basis = principal_basis(luts, 7).reshape(7, -1)
    np.testing.assert_allclose(basis[0], identity_table(SIZE).reshape(-1), atol=1e-6)
    offsets = (luts - identity_table(SIZE)).reshape(6, -1).T
    weights, *_ = np.linalg.lstsq(basis[1:].T, offsets, rcond=None)
    np.testing.assert_allclose(basis[1:].T @ weights, offsets, atol=1e-5)


def test_fewer_directions_keep_the_ones_that_explain_most() -> None:
    luts = random_luts(20, seed=1)
    offsets = (luts - identity_table(SIZE)).reshape(20, -1).T

    def residual(count: int) -> float:
        directions = principal_basis(luts, count).reshape(count, -1)[1:].T
        weights, *_ = np.linalg.lstsq(directions, offsets, rcond=None)
        return float(np.linalg.norm(directions @ weights - offsets))

    assert residual(3) > residual(6) > residual(12)
    rng = np.random.default_rng(2)
    random_directions = rng.normal(size=(offsets.shape[0], 5))
    weights, *_ = np.linalg.lstsq(random_directions, offsets, rcond=None)
    assert residual(6) < np.linalg.norm(random_directions @ weights - offsets)  # better than any 5 directions


def test_each_direction_is_scaled_to_a_typical_weight_of_one() -> None:
    luts = random_luts(30, seed=3)
    directions = principal_basis(luts, 4).reshape(4, -1)[1:]
    offsets = (luts - identity_table(SIZE)).reshape(30, -1)
    unit = directions / np.linalg.norm(directions, axis=1, keepdims=True)
    weights = offsets @ unit.T / np.linalg.norm(directions, axis=1)  # the weight that gives each LUT's component
    np.testing.assert_allclose(np.sqrt((weights**2).mean(axis=0)), 1.0, rtol=1e-5)


def test_more_directions_than_luts_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match="at most"):
        principal_basis(random_luts(3), 10)


def test_neutralize_luts_undo_the_looks_and_look_luts_are_the_looks() -> None:
    look = warm_look()
    forward = task_luts("reference_look", [look], 17, min_strength=1.0)
    inverse = task_luts("neutralize", [look], 17, min_strength=1.0)
    np.testing.assert_allclose(forward[0], np.clip(apply_lut(identity_table(17), look), 0, 1), atol=1e-6)
    colours = np.random.default_rng(4).uniform(0.1, 0.85, (500, 3)).astype(np.float32)
    undone = apply_lut(apply_lut(colours, look), Lut3D(inverse[0]))
    assert np.abs(undone - colours).mean() < 0.01  # a fitted inverse: close, not exact
    assert forward.shape == inverse.shape and len(forward) > 1  # the .cube look, then random parametric ones
    assert 0.0 <= inverse.min() and inverse.max() <= 1.0


def test_grade_luts_are_inverse_detunings_at_the_strengths_asked() -> None:
    gentle = task_luts("grade", [], 9, min_strength=0.0, seed=5)
    strong = task_luts("grade", [], 9, min_strength=1.0, seed=5)
    identity = identity_table(9)
    assert np.abs(gentle - identity).mean() < np.abs(strong - identity).mean()


def cool_look(size: int = 9) -> Lut3D:
    return Lut3D(np.clip(identity_table(size) * [0.9, 1.0, 1.05] + [0.0, 0.01, 0.03], 0, 1))


def test_a_library_is_the_identity_then_each_looks_inverse_for_neutralize_and_the_look_for_looks() -> None:
    looks = [warm_look(), cool_look()]
    inverses = library_basis(look_inverses(looks, 17), 17, 3)
    forwards = library_basis([resample(look, 17) for look in looks], 17, 3)
    assert inverses.shape == forwards.shape == (3, 17, 17, 17, 3)
    np.testing.assert_array_equal(inverses[0], identity_table(17))
    np.testing.assert_array_equal(forwards[0], identity_table(17))
    colours = np.random.default_rng(5).uniform(0.1, 0.85, (500, 3)).astype(np.float32)
    for index, look in enumerate(looks, start=1):
        np.testing.assert_allclose(forwards[index], apply_lut(identity_table(17), look), atol=1e-6)
        undone = apply_lut(apply_lut(colours, look), Lut3D(inverses[index]))
        assert np.abs(undone - colours).mean() < 0.01  # each inverse undoes its own look
    other = apply_lut(apply_lut(colours, looks[0]), Lut3D(inverses[2]))
    assert np.abs(other - colours).mean() > 0.02  # and not the other one: the entries are in the looks' order


def test_a_library_of_the_wrong_size_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match="set model.basis_luts = 3, found 5"):
        library_basis([warm_look(), cool_look()], 9, 5)
