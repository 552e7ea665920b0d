"""The before/after view: one image, the original left of a vertical split and the graded image right of it.

The split is a fraction of the image's width, moved by the slider under the image or by dragging on it. Both
images are drawn into the same rectangle (the image fitted to the widget, aspect kept), so a column shows
the same scene point before and after.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget

from server.gui.images import to_qimage

SLIDER_STEPS = 1000  # slider positions across the image: finer than any screen's pixels for this widget
DEFAULT_SPLIT = 0.5
DIVIDER_WIDTH = 2  # px, drawn just left of the split column
DIVIDER_COLOUR = QColor(255, 255, 255)
BACKGROUND = QColor(32, 32, 32)
LABEL_BACKGROUND = QColor(0, 0, 0, 160)
LABEL_MARGIN = 8  # px between a label and the image's corner
LABEL_PADDING = 4  # px around a label's text
MIN_CANVAS_SIZE = (320, 180)
PLACEHOLDER = "Open an image (or the last graded one) to compare before and after."


class SplitCanvas(QWidget):
    """Paints the split image; ``split_moved`` when the user drags the split."""

    split_moved = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(*MIN_CANVAS_SIZE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.before: QImage | None = None
        self.after: QImage | None = None
        self.after_label = "After"
        self.split = DEFAULT_SPLIT

    def image_rect(self) -> QRect:
        """Where the image is drawn: fitted into the widget, aspect kept, centred."""
        if self.before is None:
            return QRect()
        scale = min(self.width() / self.before.width(), self.height() / self.before.height())
        width, height = round(self.before.width() * scale), round(self.before.height() * scale)
        return QRect((self.width() - width) // 2, (self.height() - height) // 2, width, height)

    def split_x(self) -> int:
        """The first widget column that shows the after image."""
        rect = self.image_rect()
        return rect.left() + round(self.split * rect.width())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.before is None:
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, PLACEHOLDER)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rect, split_x = self.image_rect(), self.split_x()
        after = self.after if self.after is not None else self.before
        painter.setClipRect(QRect(rect.left(), rect.top(), split_x - rect.left(), rect.height()))
        painter.drawImage(rect, self.before)
        painter.setClipRect(QRect(split_x, rect.top(), rect.right() + 1 - split_x, rect.height()))
        painter.drawImage(rect, after)
        painter.setClipping(False)
        if rect.left() < split_x <= rect.right():
            painter.fillRect(QRect(split_x - DIVIDER_WIDTH, rect.top(), DIVIDER_WIDTH, rect.height()), DIVIDER_COLOUR)
        self._label(painter, rect, "Before", Qt.AlignmentFlag.AlignLeft)
        self._label(painter, rect, self.after_label, Qt.AlignmentFlag.AlignRight)

    def _label(self, painter: QPainter, rect: QRect, text: str, side: Qt.AlignmentFlag) -> None:
        metrics = painter.fontMetrics()
        box = QRectF(0, 0, metrics.horizontalAdvance(text) + 2 * LABEL_PADDING, metrics.height() + 2 * LABEL_PADDING)
        left = rect.left() + LABEL_MARGIN if side == Qt.AlignmentFlag.AlignLeft else rect.right() - LABEL_MARGIN - box.width()
        box.moveTo(left, rect.top() + LABEL_MARGIN)
        painter.fillRect(box, LABEL_BACKGROUND)
        painter.setPen(QPen(QColor(255, 255, 255)))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._drag_to(event.position().x())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._drag_to(event.position().x())

    def _drag_to(self, x: float) -> None:
        rect = self.image_rect()
        if rect.width() > 0:
            self.split_moved.emit(min(1.0, max(0.0, (x - rect.left()) / rect.width())))


class CompareView(QWidget):
    """The split image and its slider; ``set_before`` / ``set_after`` take float or 8-bit RGB arrays."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = SplitCanvas(self)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setValue(round(DEFAULT_SPLIT * SLIDER_STEPS))
        self.slider.setToolTip("Move the split between before (left) and after (right)")
        self.slider.valueChanged.connect(lambda value: self._show_split(value / SLIDER_STEPS))
        self.canvas.split_moved.connect(self.set_split)
        row = QHBoxLayout()
        row.addWidget(QLabel("Before"))
        row.addWidget(self.slider, 1)
        row.addWidget(QLabel("After"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(row)

    @property
    def split(self) -> float:
        return self.canvas.split

    def set_split(self, fraction: float) -> None:
        """Move the split to ``fraction`` of the image's width (0: all after, 1: all before)."""
        self.slider.setValue(round(min(1.0, max(0.0, fraction)) * SLIDER_STEPS))

    def set_before(self, pixels: np.ndarray | None) -> None:
        """A new original; the after image is reset to it (the identity) until ``set_after``."""
        self.canvas.before = None if pixels is None else to_qimage(pixels)
        self.canvas.after = None
        self.canvas.update()

    def set_after(self, pixels: np.ndarray | None, label: str = "After") -> None:
        """The graded image, the same size as the original; None shows the original on both sides."""
        self.canvas.after = None if pixels is None else to_qimage(pixels)
        self.canvas.after_label = label
        self.canvas.update()

    def _show_split(self, fraction: float) -> None:
        self.canvas.split = fraction
        self.canvas.update()
