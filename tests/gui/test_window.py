"""The panel against a real server (in this process) with the tiny models: grade, strength, exports, copy."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from pix2lut.cdl import ASC_CDL_NAMESPACE
from pix2lut.cube import read_cube
from pix2lut.processor import LutProcessor
from server.gui.images import from_qimage, load_preview, to_8bit
from server.gui.server_control import ServerState
from server.gui.window import MainWindow
from server.loop import ServerConfig
from server.pipeline import model_input
from tests.gui.conftest import gradient_frame, settle, write_frame
from tests.server.conftest import RunningServer, free_port, start_server, stop_server
from tests.server.model_factory import DEFAULT_OFFSET_GAIN, MID_GREY, write_manifest

MODEL_INPUT_SIZE = 64  # model_factory's default
AFTER_ATOL = 2e-3  # the .cube's 6 decimals and OpenColorIO's float32 tetrahedral interpolation
CUBE_ATOL = 1e-6  # 6 decimals
MIN_VISIBLE_OFFSET = 0.05  # per channel: 13 code values
CDL_ATOL = 1e-6
SCREEN_TOLERANCE = 1.0  # mean 8-bit level on screen: rounding and the smooth scaling's edges


def expected_offset(before: np.ndarray, strength: float) -> np.ndarray:
    """What the tiny image2lut model adds to every colour: ``(0.5 - channel means of its input) * gain``."""
    means = model_input(before, MODEL_INPUT_SIZE).mean(axis=(0, 2, 3))
    return strength * (MID_GREY - means) * DEFAULT_OFFSET_GAIN


def graded_window(qtbot, window, tmp_path: Path):
    image = write_frame(tmp_path / "frame.png", gradient_frame())
    window.server.refresh()
    window.open_image(image)
    settle(qtbot, window)
    assert window.server.state == ServerState.RUNNING and not window.server.owned
    assert window.grade is not None, window.status_text
    return image


def test_a_grade_through_the_server_changes_the_after_image_as_the_lut_says(qtbot, window, tmp_path):
    image = graded_window(qtbot, window, tmp_path)
    before = load_preview(image)
    grade = window.grade
    assert grade.model == "grade-lut" and grade.provider == "CPUExecutionProvider"
    assert np.all(np.abs(expected_offset(before, 1.0)) > MIN_VISIBLE_OFFSET)  # the frame makes the grade show
    np.testing.assert_allclose(grade.after, before + expected_offset(before, 1.0), atol=AFTER_ATOL)
    np.testing.assert_allclose(grade.after, LutProcessor(grade.lut).apply(before), atol=1e-6)
    # and the compare view shows it: all after with the split at 0, all before at 1; compared by the mean
    # colour of the lower half (below the corner labels), which the smooth scaling keeps
    rect = window.compare.canvas.image_rect()
    area = (slice(rect.top() + rect.height() // 2, rect.bottom() + 1), slice(rect.left(), rect.right() + 1))
    lower_half = slice(before.shape[0] // 2, None)
    for split, pixels in ((0.0, grade.after), (1.0, before)):
        window.compare.set_split(split)
        shown = from_qimage(window.compare.canvas.grab().toImage())[area].reshape(-1, 3).mean(axis=0)
        expected = to_8bit(pixels[lower_half]).reshape(-1, 3).mean(axis=0)
        np.testing.assert_allclose(shown, expected, atol=SCREEN_TOLERANCE)
    assert window.compare.canvas.after_label == "After: grade-lut @ 1.00"
    assert window.server_panel.requests_table.item(0, 1).text() == "grade"
    assert window.server_panel.requests_table.item(0, 4).text() == "ok"


def test_strength_blends_the_grade_with_the_identity(qtbot, window, tmp_path):
    image = graded_window(qtbot, window, tmp_path)
    before = load_preview(image)
    window.controls.set_strength(0.5)
    settle(qtbot, window)
    assert window.grade.request.strength == 0.5
    np.testing.assert_allclose(window.grade.after, before + expected_offset(before, 0.5), atol=AFTER_ATOL)


def test_another_model_is_asked_for_by_name(qtbot, window, tmp_path):
    graded_window(qtbot, window, tmp_path)
    names = [window.controls.model_box.itemData(i) for i in range(window.controls.model_box.count())]
    assert names == [None, "grade-lut", "grade-pix"]  # the grade models only, after the server's default
    window.controls.model_box.setCurrentIndex(names.index("grade-pix"))
    settle(qtbot, window)
    assert window.grade.model == "grade-pix"


def test_export_writes_a_cube_that_reads_back_equal_and_the_cdl(qtbot, window, tmp_path):
    graded_window(qtbot, window, tmp_path)
    cube, cdl = tmp_path / "out" / "grade.cube", tmp_path / "out" / "grade.cdl"
    cube.parent.mkdir()
    window.export_cube_to(cube)
    assert window.status_text == f"Wrote {cube}."
    np.testing.assert_allclose(read_cube(cube).table, window.grade.lut.table, atol=CUBE_ATOL)
    window.export_cdl_to(cdl)
    sop = ET.parse(cdl).getroot().find(f".//{{{ASC_CDL_NAMESPACE}}}SOPNode")
    slope = [float(v) for v in sop.find(f"{{{ASC_CDL_NAMESPACE}}}Slope").text.split()]
    np.testing.assert_allclose(slope, window.grade.cdl.slope, atol=CDL_ATOL)


def test_export_into_a_missing_folder_is_one_sentence(qtbot, window, tmp_path):
    graded_window(qtbot, window, tmp_path)
    window.export_cube_to(tmp_path / "no such folder" / "grade.cube")
    assert window.status_text.startswith("Error: ")
    assert "no such folder" in window.status_text and "\n" not in window.status_text


def test_copy_to_resolve_writes_into_the_pix2lut_subfolder(qtbot, window, tmp_path):
    graded_window(qtbot, window, tmp_path)
    window.copy_to_resolve()
    copied = list((window.lut_root / "Pix2LUT").glob("*.cube"))
    assert len(copied) == 1, window.status_text
    np.testing.assert_allclose(read_cube(copied[0]).table, window.grade.lut.table, atol=CUBE_ATOL)
    assert window.status_text.startswith(f"Copied to {copied[0]}")


def test_copy_to_a_missing_lut_folder_says_so(qtbot, window, tmp_path):
    graded_window(qtbot, window, tmp_path)
    window.set_lut_root(tmp_path / "no Resolve here")
    window.copy_to_resolve()
    assert window.status_text.startswith("Error: The master LUT folder")
    assert not (tmp_path / "no Resolve here").exists()


def test_nothing_to_export_before_a_grade(qtbot, window):
    window.export_cube_to("never.cube")
    assert window.status_text == "Error: grade an image first: there is no LUT to export yet"
    assert not window.export_cube_button.isEnabled()


def test_the_last_graded_image_is_remembered_across_windows(qtbot, window, tmp_path):
    image = graded_window(qtbot, window, tmp_path)
    window.close()
    again = MainWindow(window.server.address, window.server.models_dir, window.lut_root,
                       state_file=tmp_path / "panel.ini")
    qtbot.addWidget(again)
    assert again.last_graded == image and again.open_last_button.isEnabled()
    again.open_last_graded()
    settle(qtbot, again)
    assert again.image_path == image


def test_an_unreadable_image_is_one_sentence(qtbot, window, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    window.open_image(broken)
    settle(qtbot, window)
    assert window.status_text.startswith("Error: ") and "broken.png" in window.status_text
    assert window.image_path is None


def test_a_server_without_grade_models_leaves_a_labelled_identity(qtbot, tmp_path):
    empty = tmp_path / "models"
    empty.mkdir()
    write_manifest(empty, [])  # as onnx_models/ ships until the first model lands
    address = f"tcp://127.0.0.1:{free_port()}"
    running = RunningServer(address, start_server(ServerConfig(bind=address, models_dir=empty, threads=1)), empty)
    try:
        panel = MainWindow(address, empty, tmp_path, state_file=None)
        qtbot.addWidget(panel)
        panel.server.refresh()
        panel.open_image(write_frame(tmp_path / "frame.png", gradient_frame()))
        settle(qtbot, panel)
        assert panel.server.state == ServerState.RUNNING and panel.server.info.device == "no model loaded"
        assert panel.grade is None
        assert panel.compare.canvas.after_label == "After: identity (no grade model)"
        assert panel.status_text.startswith("The server has no grade model: add one to")
    finally:
        stop_server(running)
