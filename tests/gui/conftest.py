"""The panel's tests: Qt offscreen (no display), a real in-process server with the tiny models, real files.

``QT_QPA_PLATFORM`` is set here, at import, before pytest-qt's ``qapp`` fixture creates the QApplication
(a developer may set it to ``xcb`` to watch).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pix2lut.imageio import write_image
from server.gui.window import MainWindow
from server.loop import ServerConfig
from tests.server.conftest import RunningServer, free_port, make_models, start_server, stop_server

# Importing PySide6 creates no QApplication: setting the platform here, at import, is early enough.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SETTLE_TIMEOUT_MS = 30_000  # a grade on a busy 2-core machine takes about a second; this is a hang


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """grade-lut (image2lut, the default grade model), grade-pix (image2image), neutralize-lut."""
    return make_models(tmp_path_factory.mktemp("panel-models"))


@pytest.fixture(scope="session")
def running_server(tiny_models: Path) -> Iterator[RunningServer]:
    """A real server in this process (a thread): found running by the panel, never stopped by it."""
    address = f"tcp://127.0.0.1:{free_port()}"
    running = RunningServer(address, start_server(ServerConfig(bind=address, models_dir=tiny_models, threads=1)),
                            tiny_models)
    yield running
    stop_server(running)


@pytest.fixture
def window(qtbot, running_server: RunningServer, tmp_path: Path) -> MainWindow:
    """The panel on the running server, Resolve's LUT folder and the remembered state in tmp."""
    lut_root = tmp_path / "LUT"
    lut_root.mkdir()
    panel = MainWindow(running_server.address, running_server.models, lut_root, state_file=tmp_path / "panel.ini")
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def settle(qtbot, panel: MainWindow) -> None:
    """Wait until the panel has loaded, asked and shown everything it was doing."""
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=SETTLE_TIMEOUT_MS)


def gradient_frame(height: int = 48, width: int = 80) -> np.ndarray:
    """A smooth, non-flat, warm frame: every channel varies (a LUT shows everywhere), and the channel means
    (about 0.7, 0.3, 0.3) are far from mid-grey, so the tiny grade model moves every colour visibly."""
    y, x = np.mgrid[0:height, 0:width]
    frame = np.stack([0.5 + 0.4 * x / (width - 1), 0.1 + 0.4 * y / (height - 1),
                      0.3 + 0.2 * np.sin(x / 9.0 + y / 7.0)], axis=-1)
    return frame.astype(np.float32)


def write_frame(path: Path, pixels: np.ndarray) -> Path:
    write_image(path, pixels)
    return path
