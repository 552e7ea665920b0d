"""The LUT view: slices of the cube and grey-axis curves, drawn from the LUT's table."""

from __future__ import annotations

import numpy as np

from pix2lut.lut import Lut3D, identity_table
from server.gui.images import from_qimage, to_8bit
from server.gui.lut_view import BLUE_LEVELS, LutView, cube_slice, grey_axis_curves

SIZE = 9
COLOUR_TOLERANCE = 1  # 8-bit rounding


def warm_lut() -> Lut3D:
    """More red, less blue, lifted blacks: a LUT whose every node differs from the identity."""
    table = identity_table(SIZE) * np.float32([0.8, 0.9, 0.6]) + np.float32([0.15, 0.05, 0.1])
    return Lut3D(table)


def test_a_slice_shows_the_red_green_plane_with_red_to_the_right_and_green_up():
    plane = cube_slice(Lut3D.identity(SIZE), 0.5)
    assert plane.shape == (SIZE, SIZE, 3)
    np.testing.assert_allclose(plane[0, -1], [1.0, 1.0, 0.5])  # top right: full red and green
    np.testing.assert_allclose(plane[-1, 0], [0.0, 0.0, 0.5])  # bottom left: none
    np.testing.assert_allclose(plane[-1, -1], [1.0, 0.0, 0.5])


def test_the_curves_follow_the_grey_axis():
    inputs, outputs = grey_axis_curves(warm_lut())
    np.testing.assert_allclose(inputs, np.linspace(0, 1, SIZE))
    np.testing.assert_allclose(outputs, inputs[:, None] * [0.8, 0.9, 0.6] + [0.15, 0.05, 0.1], atol=1e-6)


def render(qtbot, lut: Lut3D | None) -> tuple[LutView, np.ndarray]:
    view = LutView()
    qtbot.addWidget(view)
    view.resize(360, 520)
    view.show()
    qtbot.waitExposed(view)
    view.set_lut(lut, "test")
    return view, from_qimage(view.grab().toImage())


def test_each_slice_cell_shows_its_lattice_node_colour(qtbot):
    lut = warm_lut()
    view, shown = render(qtbot, lut)
    for index, blue in enumerate(BLUE_LEVELS):
        rect = view.slice_rect(index)
        node_b = round(blue * (SIZE - 1))
        for node_r, node_g in ((0, 0), (SIZE - 1, 0), (0, SIZE - 1), (SIZE // 2, SIZE // 3)):
            x = rect.left() + int((node_r + 0.5) * rect.width() / SIZE)
            y = rect.top() + int((SIZE - 1 - node_g + 0.5) * rect.height() / SIZE)
            expected = to_8bit(lut.table[node_r, node_g, node_b]).astype(int)
            assert np.abs(shown[y, x].astype(int) - expected).max() <= COLOUR_TOLERANCE, (index, node_r, node_g)


def test_the_drawing_changes_with_the_lut(qtbot):
    view, identity = render(qtbot, None)
    _view, graded = render(qtbot, warm_lut())
    for rect in (view.slice_rect(0), view.curves_rect()):
        area = (slice(rect.top(), rect.bottom() + 1), slice(rect.left(), rect.right() + 1))
        assert np.abs(identity[area].astype(int) - graded[area].astype(int)).max() > 32
