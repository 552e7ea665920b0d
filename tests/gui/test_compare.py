"""The before/after view: left of the split is the before image, right of it the after image."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt

from server.gui.compare import DIVIDER_WIDTH, SLIDER_STEPS, CompareView
from server.gui.images import from_qimage
from tests.gui.conftest import gradient_frame

VIEW_SIZE = (480, 360)
SPLIT_TOLERANCE_PX = 1  # the split column is rounded to a whole pixel


def rendered(view: CompareView, split: float) -> np.ndarray:
    view.set_split(split)
    return from_qimage(view.canvas.grab().toImage())


def compare_view(qtbot) -> CompareView:
    view = CompareView()
    qtbot.addWidget(view)
    view.resize(*VIEW_SIZE)
    view.show()
    qtbot.waitExposed(view)
    before = gradient_frame()
    view.set_before(before)
    view.set_after(1.0 - before, "After: inverted")  # differs from before in every pixel
    return view


def test_split_slider_moves_the_boundary_between_before_and_after(qtbot):
    view = compare_view(qtbot)
    all_before, all_after = rendered(view, 1.0), rendered(view, 0.0)
    rect = view.canvas.image_rect()
    rows = slice(rect.top() + rect.height() // 2, rect.bottom() + 1)  # below the corner labels
    assert not np.array_equal(all_before[rows], all_after[rows])

    previous_split_x = None
    for slider_value in (300, 700):
        view.slider.setValue(slider_value)
        shown = from_qimage(view.canvas.grab().toImage())
        split_x = view.canvas.split_x()
        assert abs(split_x - (rect.left() + slider_value / SLIDER_STEPS * rect.width())) <= SPLIT_TOLERANCE_PX
        left = slice(rect.left(), split_x - DIVIDER_WIDTH)
        right = slice(split_x, rect.right() + 1)
        np.testing.assert_array_equal(shown[rows, left], all_before[rows, left])
        np.testing.assert_array_equal(shown[rows, right], all_after[rows, right])
        if previous_split_x is not None:  # the columns the split swept over turned from after to before
            swept = slice(previous_split_x, split_x - DIVIDER_WIDTH)
            assert not np.array_equal(shown[rows, swept], all_after[rows, swept])
        previous_split_x = split_x


def test_clicking_on_the_image_moves_the_split_and_the_slider(qtbot):
    view = compare_view(qtbot)
    rect = view.canvas.image_rect()
    qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.left() + rect.width() // 4, rect.center().y()))
    assert abs(view.split - 0.25) <= 1 / rect.width() + 1 / SLIDER_STEPS
    assert view.slider.value() == round(view.split * SLIDER_STEPS)


def test_without_an_after_image_both_sides_show_the_before_image(qtbot):
    view = compare_view(qtbot)
    view.set_after(None, "After: identity (no server)")
    all_before = rendered(view, 1.0)
    shown = rendered(view, 0.0)
    rect = view.canvas.image_rect()
    rows = slice(rect.top() + rect.height() // 2, rect.bottom() + 1)
    np.testing.assert_array_equal(shown[rows], all_before[rows])
    assert view.canvas.after_label == "After: identity (no server)"
