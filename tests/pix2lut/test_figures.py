"""Tests for pix2lut.figures: smoothness, monotonicity and range of a LUT, and the lattice coverage of samples."""

from __future__ import annotations

import numpy as np
import pytest

from pix2lut.figures import LutFigures, lut_figures, sample_coverage
from pix2lut.lut import Lut3D, identity_table
from pix2lut.samples import samples_from_colours

ATOL = 1e-7  # float32 lattice coordinates i / (size - 1), read back in float64
RED = 0
KINK_SIZE = 5  # red nodes 0, 0.25, 0.5, 0.75, 1
KINK_AT = 0.5


def kinked_lut() -> Lut3D:
    """Red output ``max(r, 0.5)``: flat, then a ramp of slope 1, the kink on the middle red node.

    Along red the red outputs are 0.5, 0.5, 0.5, 0.75, 1: second differences 0, 0.25, 0 on each of the 5 x 5
    red lines. Green and blue stay the identity, straight along every axis. Of the 3 axes x 3 x 5 x 5 x 3
    second differences (675), 25 are 0.25: mean 6.25 / 675 = 1 / 108.
    """
    table = identity_table(KINK_SIZE)
    table[..., RED] = np.maximum(table[..., RED], KINK_AT)
    return Lut3D(table)


def test_identity_has_no_curvature_no_falls_and_no_change() -> None:
    figures = lut_figures(Lut3D.identity(17))
    assert figures.size == 17
    assert figures.mean_second_difference == pytest.approx(0.0, abs=ATOL)
    assert figures.max_second_difference == pytest.approx(0.0, abs=ATOL)
    assert figures.falling_steps == (0.0, 0.0, 0.0)
    assert figures.max_deviation_from_identity == pytest.approx(0.0, abs=ATOL)
    assert figures.output_min == (0.0, 0.0, 0.0)
    assert figures.output_max == (1.0, 1.0, 1.0)


def test_identity_on_a_wider_domain_does_not_deviate() -> None:
    lut = Lut3D(2.0 * identity_table(9), domain_min=0.0, domain_max=2.0)
    figures = lut_figures(lut)
    assert figures.max_deviation_from_identity == pytest.approx(0.0, abs=ATOL)
    assert figures.output_max == (2.0, 2.0, 2.0)


def test_inverted_red_falls_at_every_red_step_only() -> None:
    table = identity_table(9)
    table[..., RED] = 1.0 - table[..., RED]
    figures = lut_figures(Lut3D(table))
    assert figures.falling_steps == (1.0, 0.0, 0.0)
    assert figures.max_second_difference == pytest.approx(0.0, abs=ATOL)
    assert figures.max_deviation_from_identity == pytest.approx(1.0, abs=ATOL)


def test_flat_channel_does_not_count_as_falling() -> None:
    table = identity_table(9)
    table[..., RED] = 0.5
    assert lut_figures(Lut3D(table)).falling_steps == (0.0, 0.0, 0.0)


def test_kink_shows_its_second_difference() -> None:
    figures = lut_figures(kinked_lut())
    assert figures.max_second_difference == pytest.approx(0.25, abs=ATOL)
    assert figures.mean_second_difference == pytest.approx(1 / 108, abs=ATOL)
    assert figures.falling_steps == (0.0, 0.0, 0.0)
    assert figures.max_deviation_from_identity == pytest.approx(KINK_AT, abs=ATOL)
    assert figures.output_min == (KINK_AT, 0.0, 0.0)
    assert figures.output_max == (1.0, 1.0, 1.0)


def test_figures_are_a_frozen_record() -> None:
    figures = lut_figures(Lut3D.identity(3))
    assert isinstance(figures, LutFigures)
    with pytest.raises(AttributeError):
        figures.size = 3  # type: ignore[misc]


@pytest.mark.parametrize("size", [2, 5, 17])
def test_samples_at_every_cell_centre_cover_everything(size: int) -> None:
    cells = size - 1
    centres = (np.arange(cells) + 0.5) / cells
    colours = np.stack(np.meshgrid(centres, centres, centres, indexing="ij"), axis=-1).reshape(-1, 3)
    assert sample_coverage(size, samples_from_colours(colours, colours)) == 1.0


def test_samples_in_one_corner_cell_cover_one_cell() -> None:
    size = 5  # 4^3 = 64 cells
    colours = np.random.default_rng(0).uniform(0.0, 0.25, size=(100, 3)) * 0.999  # inside the first cell
    assert sample_coverage(size, samples_from_colours(colours, colours)) == 1 / 64


def test_white_falls_in_the_last_cell() -> None:
    size = 5
    colours = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    assert sample_coverage(size, samples_from_colours(colours, colours)) == 2 / 64


def test_a_two_node_lut_has_figures_too():
    figures = lut_figures(Lut3D.identity(2))
    assert figures.max_second_difference == 0.0
    assert figures.falling_steps == (0.0, 0.0, 0.0)
