"""``pix2lut-panel --screenshot``: the whole window rendered offscreen, before left of the split, after right."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pix2lut.imageio import read_image
from server.gui.app import SCREENSHOT_SIZE, main
from tests.gui.conftest import write_frame
from tests.server.conftest import free_port
from tests.server.model_factory import DEFAULT_OFFSET_GAIN, MID_GREY

FLAT_COLOUR = np.float32([0.8, 0.3, 0.6])  # no slice of the LUT view shows it, before or after the tiny grade
FRAME_SHAPE = (180, 320)
COLOUR_TOLERANCE = 2 / 255  # 8-bit PNG, smooth scaling of a flat image
MIN_ROWS = 100  # a column counts as showing a colour when this many of its pixels have it
MIN_SHARE_OF_WIDTH = 0.15  # each side of the split: the compare view is about half the window
SPLIT_TOLERANCE = 0.02  # the split is drawn at half the image's width; the divider is 2 px


def flat_frame(tmp_path: Path) -> Path:
    return write_frame(tmp_path / "flat.png", np.broadcast_to(FLAT_COLOUR, (*FRAME_SHAPE, 3)).copy())


def columns_showing(shot: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Indices of the screenshot's columns where at least ``MIN_ROWS`` pixels have ``colour``."""
    matches = np.all(np.abs(shot - colour) <= COLOUR_TOLERANCE, axis=-1)  # (H, W)
    return np.flatnonzero(matches.sum(axis=0) >= MIN_ROWS)


def test_screenshot_shows_before_left_and_the_graded_after_right(running_server, tmp_path, capsys):
    out = tmp_path / "panel.png"
    code = main(["--screenshot", str(out), "--image", str(flat_frame(tmp_path)), "--server", running_server.address,
                 "--models", str(running_server.models), "--lut-root", str(tmp_path), "--no-start"])
    assert code == 0, capsys.readouterr().err
    assert "Graded flat.png with grade-lut" in capsys.readouterr().out
    shot = read_image(out).pixels
    assert shot.shape[:2] == (SCREENSHOT_SIZE[1], SCREENSHOT_SIZE[0])
    after_colour = FLAT_COLOUR + (MID_GREY - FLAT_COLOUR) * DEFAULT_OFFSET_GAIN  # the tiny image2lut model
    before_columns, after_columns = columns_showing(shot, FLAT_COLOUR), columns_showing(shot, after_colour)
    width = shot.shape[1]
    assert len(before_columns) > MIN_SHARE_OF_WIDTH * width and len(after_columns) > MIN_SHARE_OF_WIDTH * width
    assert before_columns.max() < after_columns.min()  # before entirely left of after
    image_left, image_right = before_columns.min(), after_columns.max()
    split = (before_columns.max() + after_columns.min()) / 2
    assert abs((split - image_left) / (image_right - image_left) - 0.5) < SPLIT_TOLERANCE


def test_screenshot_without_a_server_shows_the_identity_on_both_sides(tmp_path, capsys):
    out = tmp_path / "panel.png"
    code = main(["--screenshot", str(out), "--image", str(flat_frame(tmp_path)),
                 "--server", f"tcp://127.0.0.1:{free_port()}", "--lut-root", str(tmp_path), "--no-start"])
    assert code == 0
    assert "Start the server" in capsys.readouterr().out
    shot = read_image(out).pixels
    before_columns = columns_showing(shot, FLAT_COLOUR)
    assert len(before_columns) > 2 * MIN_SHARE_OF_WIDTH * shot.shape[1]  # the whole image, both sides
    graded = FLAT_COLOUR + (MID_GREY - FLAT_COLOUR) * DEFAULT_OFFSET_GAIN
    assert len(columns_showing(shot, graded)) == 0


def test_a_missing_image_is_one_line_and_exit_code_1(tmp_path, capsys):
    code = main(["--screenshot", str(tmp_path / "out.png"), "--image", str(tmp_path / "nothing.png")])
    assert code == 1
    assert capsys.readouterr().err == f"pix2lut-panel: {tmp_path / 'nothing.png'}: no such image file\n"
    assert not (tmp_path / "out.png").exists()
