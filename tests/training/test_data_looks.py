"""Tests for training.data.looks: .cube looks from disk, random parametric looks with exact inverses, look LUTs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.cube import write_cube
from pix2lut.lut import Lut3D, identity_table
from training.data.looks import (
    ParametricLook,
    apply_look,
    load_looks,
    look_lut,
    random_parametric_look,
)
from training.errors import DataError

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SHARED_LOOKS = SHARED_DATA / "looks"
SHARED_LOOK_COUNT = 81  # shared/data/README.md
SHARED_LOOK_SIZE = 17

INVERSE_ATOL = 1e-5
FLOAT32_ATOL = 2.0**-23
LUT_MEAN_ATOL = 2e-3  # a 33^3 LUT of a smooth look against the look itself: interpolation error, on average
N_COLOURS = 20_000
MIN_UNCLIPPED = 2_000  # saturated random colours clip often under a look; at least a tenth stay inside


def colours(seed: int = 0) -> np.ndarray:
    random = np.random.default_rng(seed).uniform(0.0, 1.0, (N_COLOURS, 3))
    return np.concatenate([random, identity_table(9).reshape(-1, 3)]).astype(np.float32)


def warm_lut(size: int = 5) -> Lut3D:
    """A simple look: red up, blue down."""
    table = identity_table(size) * np.array([1.0, 0.95, 0.8], np.float32) + np.array([0.0, 0.02, 0.0], np.float32)
    return Lut3D(np.clip(table, 0.0, 1.0))


@pytest.mark.parametrize("seed", range(30))
def test_parametric_look_inverse_is_exact_where_unclipped(seed: int) -> None:
    look = random_parametric_look(np.random.default_rng(seed))
    x = colours(seed)
    looked = look.apply(x)
    unclipped = np.all((looked > 0.0) & (looked < 1.0), axis=-1)
    assert unclipped.sum() >= MIN_UNCLIPPED
    np.testing.assert_allclose(look.invert(looked)[unclipped], x[unclipped], rtol=0, atol=INVERSE_ATOL)


def test_parametric_look_is_fixed_by_its_seed() -> None:
    x = colours()
    first = random_parametric_look(np.random.default_rng(11)).apply(x)
    again = random_parametric_look(np.random.default_rng(11)).apply(x)
    other = random_parametric_look(np.random.default_rng(12)).apply(x)
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).mean() > 1e-3


def test_parametric_look_changes_colours_and_is_the_identity_at_strength_zero() -> None:
    x = colours()
    assert np.abs(random_parametric_look(np.random.default_rng(0)).apply(x) - x).mean() > 1e-2
    np.testing.assert_allclose(random_parametric_look(np.random.default_rng(0), 0.0).apply(x), x, atol=FLOAT32_ATOL)


def test_parametric_look_outputs_float32_in_range() -> None:
    looked = random_parametric_look(np.random.default_rng(1)).apply(colours())
    assert looked.dtype == np.float32 and looked.min() >= 0.0 and looked.max() <= 1.0


def test_parametric_look_rejects_a_tint_with_luma() -> None:
    look = random_parametric_look(np.random.default_rng(0))
    with pytest.raises(DataError, match=r"^look shadow_tint must be 3 finite values with zero Rec.709 luma"):
        ParametricLook(look.tone_curve, look.channel_curves, look.mixing, look.saturation, np.array([0.1, 0, 0]),
                       look.highlight_tint)


def test_parametric_look_refuses_an_out_of_range_strength() -> None:
    with pytest.raises(DataError, match=r"^look strength must be in \[0, 1\], found 1.5$"):
        random_parametric_look(np.random.default_rng(0), 1.5)


def test_look_luts_sample_the_look_and_its_inverse() -> None:
    look = random_parametric_look(np.random.default_rng(4))
    lattice = identity_table(9)
    np.testing.assert_array_equal(look_lut(look, 9).table, look.apply(lattice))
    np.testing.assert_array_equal(look_lut(look, 9, inverse=True).table, look.invert(lattice))
    x = colours()
    assert np.abs(apply_lut(x, look_lut(look, 33)) - look.apply(x)).mean() < LUT_MEAN_ATOL


def test_cube_look_lut_is_the_look_and_has_no_known_inverse() -> None:
    look = warm_lut(5)
    np.testing.assert_array_equal(look_lut(look, 5).table, look.table)
    assert look_lut(look, 9).size == 9
    x = colours()
    np.testing.assert_allclose(apply_look(x, look), apply_lut(x, look), atol=FLOAT32_ATOL)
    with pytest.raises(DataError, match=r"^the inverse of the .cube look '\(untitled\)' is not known exactly$"):
        look_lut(look, 5, inverse=True)


def test_load_looks_reads_the_cube_files_of_a_folder_in_name_order(tmp_path: Path) -> None:
    write_cube(warm_lut(5), tmp_path / "b_warm.cube")
    write_cube(Lut3D.identity(3), tmp_path / "a_identity.CUBE")
    (tmp_path / "LICENSE.txt").write_text("not a look")
    (tmp_path / "nested").mkdir()
    write_cube(warm_lut(5), tmp_path / "nested" / "ignored.cube")
    looks = load_looks(tmp_path)
    assert [look.size for look in looks] == [3, 5]
    np.testing.assert_allclose(looks[1].table, warm_lut(5).table, atol=1e-6)


def test_load_looks_names_a_missing_or_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=rf"^looks folder {tmp_path / 'absent'} does not exist$"):
        load_looks(tmp_path / "absent")
    with pytest.raises(DataError, match=rf"^looks folder {tmp_path} holds no .cube files$"):
        load_looks(tmp_path)


@pytest.mark.skipif(not SHARED_LOOKS.is_dir(), reason="shared/data/looks is not beside the checkout")
def test_load_looks_reads_the_shared_looks() -> None:
    looks = load_looks(SHARED_LOOKS)
    assert len(looks) == SHARED_LOOK_COUNT
    assert all(look.size == SHARED_LOOK_SIZE and look.is_unit_domain and look.title for look in looks)
