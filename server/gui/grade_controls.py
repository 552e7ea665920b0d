"""What to ask the server for: the model (or the server's default), the strength, the LUT size; and Grade."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from pix2lut.lut import RESOLVE_SIZES

GRADE_ROLE = "grade"  # the models the panel's grade op can use (docs/protocol.md, ops)
DEFAULT_LUT_SIZE = 33  # the protocol's default and Resolve's
STRENGTH_STEPS = 100  # slider positions: percent
SERVER_DEFAULT = "server default"


class GradeControls(QWidget):
    """``request_changed`` when the model or size changes, ``strength_changed`` as the slider moves."""

    request_changed = Signal()
    strength_changed = Signal()
    grade_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_box = QComboBox()
        self.model_box.setMinimumContentsLength(14)
        self.model_box.setToolTip("The grade model; 'server default' is the manifest's default for grading")
        self.size_box = QComboBox()
        for size in RESOLVE_SIZES:
            self.size_box.addItem(f"{size}³", size)
        self.size_box.setCurrentIndex(RESOLVE_SIZES.index(DEFAULT_LUT_SIZE))
        self.strength_slider = QSlider(Qt.Orientation.Horizontal)
        self.strength_slider.setRange(0, STRENGTH_STEPS)
        self.strength_slider.setValue(STRENGTH_STEPS)
        self.strength_slider.setToolTip("0 = untouched, 100 = the model's full grade (blended with the identity)")
        self.strength_label = QLabel()
        self.grade_button = QPushButton("Grade")
        self.set_models([])

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Model"))
        layout.addWidget(self.model_box)
        layout.addWidget(QLabel("Strength"))
        layout.addWidget(self.strength_slider, 1)
        layout.addWidget(self.strength_label)
        layout.addWidget(QLabel("LUT"))
        layout.addWidget(self.size_box)
        layout.addWidget(self.grade_button)

        self.model_box.currentIndexChanged.connect(lambda _index: self.request_changed.emit())
        self.size_box.currentIndexChanged.connect(lambda _index: self.request_changed.emit())
        self.strength_slider.valueChanged.connect(self._strength_moved)
        self.grade_button.clicked.connect(self.grade_clicked)
        self._strength_moved(self.strength_slider.value())

    @property
    def model(self) -> str | None:
        """The chosen model's name; None for the server's default."""
        return self.model_box.currentData()

    @property
    def strength(self) -> float:
        return self.strength_slider.value() / STRENGTH_STEPS

    @property
    def lut_size(self) -> int:
        return int(self.size_box.currentData())

    @property
    def has_models(self) -> bool:
        return self.model_box.count() > 1

    def set_models(self, models: list[dict[str, Any]]) -> None:
        """The grade models of a ``models`` reply; the choice is kept when the model is still there."""
        chosen = self.model
        self.model_box.blockSignals(True)
        self.model_box.clear()
        self.model_box.addItem(SERVER_DEFAULT, None)
        for model in models:
            if model.get("role") == GRADE_ROLE:
                default = " (default)" if model.get("default") else ""
                self.model_box.addItem(f"{model['name']}{default}", model["name"])
        index = self.model_box.findData(chosen)
        self.model_box.setCurrentIndex(max(0, index))
        self.model_box.blockSignals(False)

    def set_strength(self, strength: float) -> None:
        self.strength_slider.setValue(round(strength * STRENGTH_STEPS))

    def _strength_moved(self, value: int) -> None:
        self.strength_label.setText(f"{value / STRENGTH_STEPS:.2f}")
        self.strength_changed.emit()
