"""A picture of a 3D LUT: slices of the cube at a few blue levels, and each channel's curve along the grey axis.

A slice at blue level ``b`` is the image the LUT makes of the red-green plane at that blue: red grows to the
right, green upwards, one square cell per lattice node, so an identity LUT shows the plain RGB plane and a grade
shows how it bends it. The curves plot ``table[i, i, i, c]`` against ``i / (N - 1)`` (``Lut3D``'s ``[r, g, b]``
layout): what the LUT does to greys, channel by channel; the dashed diagonal is the identity.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from pix2lut.lut import Lut3D
from server.gui.images import to_qimage

BLUE_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)  # the slices shown: black-to-full blue in quarters
IDENTITY_PREVIEW_SIZE = 17  # the lattice drawn when there is no LUT yet
MARGIN = 8  # px around everything
GAP = 6  # px between slices
TEXT_PADDING = 4  # px added to the font's line height
CURVE_COLOURS = (QColor(230, 60, 60), QColor(60, 190, 60), QColor(80, 120, 240))  # red, green, blue
GRID_LINES = 4  # quarters, like the blue levels
BACKGROUND = QColor(40, 40, 40)
FOREGROUND = QColor(220, 220, 220)
GRID_COLOUR = QColor(80, 80, 80)
CURVE_WIDTH = 2
MIN_SIZE = QSize(300, 360)
PREFERRED_SIZE = QSize(360, 500)  # five slices and a square plot across 360 px


def cube_slice(lut: Lut3D, blue: float) -> np.ndarray:
    """The red-green plane at the lattice blue nearest ``blue``, as an image ``(N, N, 3)``: red to the right,
    green upwards (row 0 is green = 1)."""
    index = round(blue * (lut.size - 1))
    plane = lut.table[:, :, index, :]  # (r, g, 3)
    return np.ascontiguousarray(plane.transpose(1, 0, 2)[::-1])  # (g from 1 down to 0, r, 3)


def grey_axis_curves(lut: Lut3D) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``(N,)`` from 0 to 1 along the grey axis, and the LUT's outputs there ``(N, 3)``."""
    nodes = np.arange(lut.size)
    return nodes / (lut.size - 1), lut.table[nodes, nodes, nodes, :]


class LutView(QWidget):
    """Paints one LUT (or the identity, labelled as such); ``set_lut`` replaces it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(MIN_SIZE)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.lut: Lut3D | None = None
        self.caption = "identity (no grade yet)"

    def sizeHint(self) -> QSize:
        return PREFERRED_SIZE

    def set_lut(self, lut: Lut3D | None, caption: str) -> None:
        self.lut = lut
        self.caption = caption
        self.update()

    def shown_lut(self) -> Lut3D:
        return self.lut if self.lut is not None else Lut3D.identity(IDENTITY_PREVIEW_SIZE)

    def text_height(self) -> int:
        """One line of caption, from the font in use."""
        return self.fontMetrics().height() + TEXT_PADDING

    def slice_rect(self, index: int) -> QRect:
        """Where slice ``index`` (of ``BLUE_LEVELS``) is drawn."""
        count = len(BLUE_LEVELS)
        side = max(1, (self.width() - 2 * MARGIN - (count - 1) * GAP) // count)
        return QRect(MARGIN + index * (side + GAP), MARGIN + self.text_height(), side, side)

    def curves_rect(self) -> QRect:
        """The plot area of the grey-axis curves (input 0..1 left to right, output 0..1 bottom to top)."""
        top = self.slice_rect(0).bottom() + 1 + 2 * self.text_height() + MARGIN
        side = max(1, min(self.width() - 2 * MARGIN, self.height() - top - MARGIN))
        return QRect((self.width() - side) // 2, top, side, side)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        painter.setPen(FOREGROUND)
        lut, line = self.shown_lut(), self.text_height()
        painter.drawText(QRect(MARGIN, MARGIN, self.width() - 2 * MARGIN, line), Qt.AlignmentFlag.AlignLeft,
                         f"Slices at blue levels: {self.caption}")
        for index, blue in enumerate(BLUE_LEVELS):
            rect = self.slice_rect(index)
            painter.drawImage(rect, to_qimage(cube_slice(lut, blue)))  # no smoothing: one square per node
            painter.drawText(QRect(rect.left(), rect.bottom() + 1, rect.width(), line),
                             Qt.AlignmentFlag.AlignCenter, f"B {blue:.2f}")
        self._paint_curves(painter, lut)

    def _paint_curves(self, painter: QPainter, lut: Lut3D) -> None:
        plot, line = self.curves_rect(), self.text_height()
        painter.setPen(FOREGROUND)
        painter.drawText(QRect(MARGIN, plot.top() - line, self.width() - 2 * MARGIN, line),
                         Qt.AlignmentFlag.AlignLeft, "Curves along the grey axis (dashed: identity)")
        painter.setPen(QPen(GRID_COLOUR, 1))
        for step in range(GRID_LINES + 1):
            x = plot.left() + step * plot.width() / GRID_LINES
            y = plot.top() + step * plot.height() / GRID_LINES
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(FOREGROUND, 1, Qt.PenStyle.DashLine))
        painter.drawLine(_to_plot(plot, 0.0, 0.0), _to_plot(plot, 1.0, 1.0))
        inputs, outputs = grey_axis_curves(lut)
        for channel, colour in enumerate(CURVE_COLOURS):
            painter.setPen(QPen(colour, CURVE_WIDTH))
            painter.drawPolyline(QPolygonF([_to_plot(plot, x, y) for x, y in zip(inputs, outputs[:, channel])]))


def _to_plot(plot: QRect, x: float, y: float) -> QPointF:
    """Unit coordinates (output 1 at the top) to widget coordinates inside ``plot``."""
    area = QRectF(plot)
    return QPointF(area.left() + x * area.width(), area.bottom() - y * area.height())
