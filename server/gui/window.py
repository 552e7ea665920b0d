"""The panel's main window: the server on the left, before/after in the middle, the LUT and its exports on the
right, one status line at the bottom.

The flow: an image is opened (read in a worker thread) -> when a server with a grade model is running, the
image is graded with the chosen model, strength and size (a request in a worker thread) -> the after image and
the LUT view show the reply -> the LUT can be exported, its CDL too, or copied into Resolve's LUT folder.
Changing the model or size grades again at once, moving the strength once the slider has settled. The last
image graded is remembered (``state_file``) and can be opened again: the server keeps no frames, so this is
the last frame graded through this panel.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from pix2lut.errors import Pix2LutError
from server.gui.compare import CompareView
from server.gui.grade_controls import GradeControls
from server.gui.grading import (
    Grade,
    GradeRequest,
    copy_to_lut_folder,
    export_cdl,
    export_cube,
    request_grade,
)
from server.gui.images import load_preview
from server.gui.lut_view import LutView
from server.gui.server_control import LocalServer, RequestRecord, ServerInfo, ServerState, now, outcome_of
from server.gui.server_panel import ServerPanel
from server.gui.tasks import TaskRunner

TITLE = "Pix2LUT"
WINDOW_SIZE = (1500, 920)
STRENGTH_SETTLE_MS = 300  # grade again this long after the strength slider stops
LAST_GRADED_KEY = "last_graded"
IMAGE_FILTER = "Images (*.png *.tif *.tiff *.jpg *.jpeg *.exr *.dpx);;All files (*)"
ERROR_STYLE = "color: #d04040;"
RIGHT_COLUMN_WIDTH = 380  # the LUT view's preferred width and margins


def sentence(error: Exception) -> str:
    """An exception as the one line the status bar shows."""
    if isinstance(error, (Pix2LutError, OSError)):
        return str(error)
    return f"unexpected error ({type(error).__name__}): {error}"


class MainWindow(QMainWindow):
    def __init__(self, address: str, models_dir: Path, lut_root: Path, state_file: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.resize(*WINDOW_SIZE)
        self.tasks = TaskRunner(self)
        self.server = LocalServer(address, models_dir, self.tasks, self)
        self.server_panel = ServerPanel(self.server)
        self.controls = GradeControls()
        self.compare = CompareView()
        self.lut_view = LutView()
        self.lut_root = Path(lut_root)
        self.image_path: Path | None = None
        self.before: np.ndarray | None = None
        self.grade: Grade | None = None
        self.status_text = ""
        self._settings = QSettings(str(state_file), QSettings.Format.IniFormat) if state_file else None
        stored = self._settings.value(LAST_GRADED_KEY) if self._settings else None
        self.last_graded: Path | None = Path(stored) if stored else None
        self._loading = False
        self._image_serial = 0  # counts images opened: a grade of an earlier one is not shown
        self._grading = False
        self._regrade = False
        self._strength_timer = QTimer(self)
        self._strength_timer.setSingleShot(True)
        self._strength_timer.setInterval(STRENGTH_SETTLE_MS)
        self._strength_timer.timeout.connect(self.request_grade)
        self._build()
        self.server.info_changed.connect(self._server_info)
        self.server.state_changed.connect(lambda _state: self._server_state())
        self.server.failed.connect(self.show_error)
        self.controls.request_changed.connect(self.request_grade)
        self.controls.strength_changed.connect(self._strength_timer.start)
        self.controls.grade_clicked.connect(self.request_grade)
        self._show_identity("no grade yet")
        self.show_status("Ready: start the server (or find a running one with Refresh), then open an image.")

    # -- layout

    def _build(self) -> None:
        self.open_button = QPushButton("Open image…")
        self.open_last_button = QPushButton("Open last graded")
        self.image_label = QLabel("no image")
        self.export_cube_button = QPushButton("Export .cube…")
        self.export_cdl_button = QPushButton("Export CDL…")
        self.copy_button = QPushButton("Copy to Resolve LUT folder")
        self.lut_root_button = QPushButton("LUT folder…")
        self.lut_root_label = QLabel()
        self.lut_root_label.setWordWrap(True)
        self.open_button.clicked.connect(self._ask_open_image)
        self.open_last_button.clicked.connect(self.open_last_graded)
        self.export_cube_button.clicked.connect(self._ask_export_cube)
        self.export_cdl_button.clicked.connect(self._ask_export_cdl)
        self.copy_button.clicked.connect(self.copy_to_resolve)
        self.lut_root_button.clicked.connect(self._ask_lut_root)

        files = QHBoxLayout()
        files.addWidget(self.open_button)
        files.addWidget(self.open_last_button)
        files.addWidget(self.image_label, 1)
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.addLayout(files)
        centre_layout.addWidget(self.controls)
        centre_layout.addWidget(self.compare, 1)

        exports = QGroupBox("Export")
        exports_layout = QVBoxLayout(exports)
        for button in (self.export_cube_button, self.export_cdl_button, self.copy_button, self.lut_root_button):
            exports_layout.addWidget(button)
        exports_layout.addWidget(self.lut_root_label)
        right = QWidget()
        right.setFixedWidth(RIGHT_COLUMN_WIDTH)
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.lut_view)
        right_layout.addWidget(exports)
        right_layout.addStretch(1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.server_panel)
        splitter.addWidget(centre)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)
        self.status_label = QLabel()
        self.statusBar().addWidget(self.status_label, 1)
        self._build_menu()
        self._show_lut_root()
        self.open_last_button.setEnabled(self.last_graded is not None)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        entries = (
            ("&Open image…", QKeySequence.StandardKey.Open, self._ask_open_image),
            ("Open &last graded", None, self.open_last_graded),
            ("&Export .cube…", QKeySequence.StandardKey.Save, self._ask_export_cube),
            ("Export &CDL…", None, self._ask_export_cdl),
            ("Copy to &Resolve LUT folder", None, self.copy_to_resolve),
            ("&Quit", QKeySequence.StandardKey.Quit, self.close),
        )
        for text, shortcut, slot in entries:
            action = QAction(text, self)
            if shortcut is not None:
                action.setShortcut(shortcut)
            action.triggered.connect(slot)
            menu.addAction(action)

    # -- state the outside can wait on

    def is_busy(self) -> bool:
        """True while an image loads, a grade is asked for or due, or the server starts or stops."""
        return (self._loading or self._grading or self._strength_timer.isActive() or self.server.busy
                or self.tasks.busy)

    def show_status(self, text: str) -> None:
        self.status_text = text
        self.status_label.setStyleSheet("")
        self.status_label.setText(text)

    def show_error(self, text: str) -> None:
        self.status_text = f"Error: {text}"
        self.status_label.setStyleSheet(ERROR_STYLE)
        self.status_label.setText(self.status_text)

    # -- image

    def open_image(self, path: str | Path) -> None:
        """Read ``path`` in a worker thread; show it, then grade it when a server can."""
        path = Path(path)
        self._loading = True
        self.show_status(f"Opening {path}…")
        self.tasks.submit(lambda: load_preview(path), lambda pixels: self._image_loaded(path, pixels),
                          self._image_failed)

    def open_last_graded(self) -> None:
        if self.last_graded is None or not self.last_graded.is_file():
            self.show_error(f"the last graded image is gone ({self.last_graded}): open another one")
            return
        self.open_image(self.last_graded)

    def _image_loaded(self, path: Path, pixels: np.ndarray) -> None:
        self._loading = False
        self._image_serial += 1
        self.image_path, self.before = path, pixels
        self.image_label.setText(f"{path.name}  ({pixels.shape[1]}×{pixels.shape[0]} preview)")
        self.compare.set_before(pixels)
        self._show_identity("no grade yet")
        self.show_status(f"Opened {path}.")
        self.request_grade()

    def _image_failed(self, error: Exception) -> None:
        self._loading = False
        self.show_error(sentence(error))

    # -- grade

    def request_grade(self) -> None:
        """Ask the server for the LUT of the open image with the chosen model, strength and size."""
        self._strength_timer.stop()
        if self.before is None or self.image_path is None:
            return
        if self.server.state != ServerState.RUNNING:
            self._show_identity("no server")
            self.show_status("Start the server (left) to grade this image; until then after = before.")
            return
        if not self.controls.has_models:
            self._show_identity("no grade model")
            self.show_status(f"The server has no grade model: add one to {self.server.models_dir} and restart it.")
            return
        if self._grading:
            self._regrade = True  # once the answer in flight is in
            return
        self._grading = True
        request = GradeRequest(self.image_path, self.controls.model, self.controls.strength, self.controls.lut_size)
        address, before, serial = self.server.address, self.before, self._image_serial
        self.show_status(f"Grading {request.image.name} with {request.model or 'the default model'} at strength "
                         f"{request.strength:.2f}…")
        self.tasks.submit(lambda: request_grade(address, request, before), lambda grade: self._graded(grade, serial),
                          lambda error: self._grade_failed(request, error))

    def _graded(self, grade: Grade, serial: int) -> None:
        self._grading = False
        self.server_panel.add_request(RequestRecord(now(), "grade", grade.model, grade.round_trip_ms, "ok"))
        if serial != self._image_serial:  # another image was opened meanwhile
            self._regrade = False
            self.request_grade()
            return
        self.grade = grade
        label = f"After: {grade.model} @ {grade.request.strength:.2f}"
        self.compare.set_after(grade.after, label)
        self.lut_view.set_lut(grade.lut, f"{grade.model}, {grade.lut.size}³, strength {grade.request.strength:.2f}")
        self._enable_exports(True)
        self._remember(grade.request.image)
        warnings = f"; server warnings: {'; '.join(grade.warnings)}" if grade.warnings else ""
        self.show_status(f"Graded {grade.request.image.name} with {grade.model} on {grade.provider} in "
                         f"{grade.round_trip_ms:.0f} ms{warnings}.")
        if self._regrade:
            self._regrade = False
            self.request_grade()

    def _grade_failed(self, request: GradeRequest, error: Exception) -> None:
        self._grading = False
        self.server_panel.add_request(RequestRecord(now(), "grade", request.model or "default", 0.0,
                                                    outcome_of(error)))
        self._show_identity("grade failed")
        self.show_error(sentence(error))
        if self._regrade:
            self._regrade = False
            self.request_grade()

    def _show_identity(self, reason: str) -> None:
        self.grade = None
        self.compare.set_after(None, f"After: identity ({reason})")
        self.lut_view.set_lut(None, f"identity ({reason})")
        self._enable_exports(False)

    def _server_info(self, info: ServerInfo | None) -> None:
        self.controls.set_models(list(info.models) if info else [])
        if info is not None and self.grade is None and not self._grading:
            self.request_grade()

    def _server_state(self) -> None:
        if self.server.state == ServerState.STOPPED and not self._grading and self.grade is None:
            self._show_identity("no server")

    # -- exports

    def export_cube_to(self, path: str | Path) -> None:
        self._export(lambda grade: export_cube(grade, path), "Wrote {}")

    def export_cdl_to(self, path: str | Path) -> None:
        self._export(lambda grade: export_cdl(grade, path), "Wrote {} (ASC CDL)")

    def copy_to_resolve(self) -> None:
        self._export(lambda grade: copy_to_lut_folder(grade, self.lut_root),
                     "Copied to {}: in Resolve, refresh the LUT list (Color page, LUTs, right-click > Refresh) "
                     "and find it under Pix2LUT")

    def set_lut_root(self, folder: str | Path) -> None:
        self.lut_root = Path(folder)
        self._show_lut_root()

    def _export(self, write: Callable[[Grade], Path], done: str) -> None:
        if self.grade is None:
            self.show_error("grade an image first: there is no LUT to export yet")
            return
        try:
            written = write(self.grade)
        except Pix2LutError as exc:
            self.show_error(sentence(exc))
            return
        self.show_status(done.format(written) + ".")

    def _enable_exports(self, enabled: bool) -> None:
        for button in (self.export_cube_button, self.export_cdl_button, self.copy_button):
            button.setEnabled(enabled)
        self.export_cdl_button.setEnabled(enabled and self.grade is not None and self.grade.cdl is not None)

    def _show_lut_root(self) -> None:
        self.lut_root_label.setText(f"Resolve LUT folder: {self.lut_root} (LUTs go to its Pix2LUT/ subfolder)")

    def _remember(self, image: Path) -> None:
        self.last_graded = image
        self.open_last_button.setEnabled(True)
        if self._settings is not None:
            self._settings.setValue(LAST_GRADED_KEY, str(image))

    # -- dialogs: thin, the work is in the methods above

    def _ask_open_image(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Open image", "", IMAGE_FILTER)
        if path:
            self.open_image(path)

    def _ask_export_cube(self) -> None:
        default = self.image_path.with_suffix(".cube").name if self.image_path else "grade.cube"
        path, _filter = QFileDialog.getSaveFileName(self, "Export .cube", default, "3D LUT (*.cube)")
        if path:
            self.export_cube_to(path)

    def _ask_export_cdl(self) -> None:
        default = self.image_path.with_suffix(".cdl").name if self.image_path else "grade.cdl"
        path, _filter = QFileDialog.getSaveFileName(self, "Export CDL", default, "ASC CDL (*.cdl)")
        if path:
            self.export_cdl_to(path)

    def _ask_lut_root(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Resolve's master LUT folder", str(self.lut_root))
        if folder:
            self.set_lut_root(folder)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the server the panel started (a server found running is left alone), let tasks finish."""
        self._strength_timer.stop()
        self.server.stop_now()
        self.tasks.wait()
        super().closeEvent(event)
