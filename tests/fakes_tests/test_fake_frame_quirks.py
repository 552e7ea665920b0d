"""The fake's issue 23 quirks on their own: the lagging viewer, float marker keys, data burn-in (API-NOTES 4, 10)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from pix2lut.imageio import read_image
from tests.fakes import FakeClip, FakeResolve, Quirks, gradient_frames
from tests.fakes.rendering import BURN_IN_BAND

SIZE = (16, 9)  # width, height of the generated frames
FRAMES = 4  # per clip
EIGHT_BIT_HALF_STEP = 0.5 / 255.0  # an 8-bit still is within half a code value of the float render
LAG_EXPORTS = 2
LAG_S = 0.05  # a viewer lag in seconds, short enough for a test
RED = {"NodeIndex": "1", "Slope": "1 0 0", "Offset": "0 0 0", "Power": "1 1 1", "Saturation": "1"}


def two_clips(tmp_path: Path, **quirks) -> FakeResolve:
    clips = [FakeClip(name, gradient_frames(*SIZE, FRAMES, seed=seed)) for name, seed in (("A", 0), ("B", 3))]
    resolve = FakeResolve.create(tmp_path, clips=clips, quirks=Quirks(**quirks))
    assert resolve.OpenPage("color")
    return resolve


def exported(resolve: FakeResolve, tmp_path: Path) -> np.ndarray:
    path = tmp_path / "still.png"
    assert resolve.fake_project().ExportCurrentFrameAsStill(str(path))
    return read_image(path).pixels


def shows(pixels: np.ndarray, item, offset: int) -> bool:
    return bool(np.allclose(pixels, item.fake_render(offset), atol=EIGHT_BIT_HALF_STEP))


# -- stale_still ---------------------------------------------------------------------------------------------


def test_stale_still_fake_viewer_lags_a_move_for_some_exports(tmp_path: Path) -> None:
    resolve = two_clips(tmp_path, viewer_lag_exports=LAG_EXPORTS)
    timeline = resolve.fake_timeline()
    a, b = timeline.fake_item("A"), timeline.fake_item("B")
    assert timeline.SetCurrentTimecode(timeline.GetStartTimecode())  # no move: nothing lags
    assert shows(exported(resolve, tmp_path), a, 0)
    b_timecode = "01:00:00:04"
    assert timeline.SetCurrentTimecode(b_timecode)
    assert b_timecode in [timeline.GetCurrentTimecode() for _poll in range(3)]  # the report catches up ...
    assert timeline.GetCurrentVideoItem() is b
    for _stale in range(LAG_EXPORTS):
        assert shows(exported(resolve, tmp_path), a, 0)  # ... the viewer does not
    assert shows(exported(resolve, tmp_path), b, 0)
    assert shows(exported(resolve, tmp_path), b, 0)


def test_stale_still_fake_viewer_keeps_the_picture_it_showed_through_moves(tmp_path: Path) -> None:
    """Moves while it lags: the viewer still shows the last picture it rendered, not one it never showed."""
    resolve = two_clips(tmp_path, viewer_lag_exports=LAG_EXPORTS)
    timeline = resolve.fake_timeline()
    a, b = timeline.fake_item("A"), timeline.fake_item("B")
    assert timeline.SetCurrentTimecode("01:00:00:02")
    assert timeline.SetCurrentTimecode("01:00:00:05")
    for _stale in range(LAG_EXPORTS):
        assert shows(exported(resolve, tmp_path), a, 0)
    assert shows(exported(resolve, tmp_path), b, 1)


def test_stale_still_fake_viewer_lags_a_version_load_under_the_playhead_only(tmp_path: Path) -> None:
    resolve = two_clips(tmp_path, viewer_lag_exports=LAG_EXPORTS)
    timeline = resolve.fake_timeline()
    a, b = timeline.fake_item("A"), timeline.fake_item("B")
    for item in (a, b):
        assert item.AddVersion("Red", 0) and item.LoadVersionByName("Red", 0) and item.SetCDL(RED)
        assert item.LoadVersionByName("Version 1", 0)
    for _catch_up in range(2 * LAG_EXPORTS):
        exported(resolve, tmp_path)
    assert b.LoadVersionByName("Red", 0)  # B is not under the playhead: the viewer has nothing to redraw
    assert shows(exported(resolve, tmp_path), a, 0)
    version_1 = a.fake_render(0)
    assert a.LoadVersionByName("Red", 0)
    for _stale in range(LAG_EXPORTS):
        assert np.allclose(exported(resolve, tmp_path), version_1, atol=EIGHT_BIT_HALF_STEP)
    assert shows(exported(resolve, tmp_path), a, 0)  # the red grade at last
    assert not np.allclose(a.fake_render(0), version_1, atol=EIGHT_BIT_HALF_STEP)


def test_stale_still_fake_viewer_lag_in_seconds(tmp_path: Path) -> None:
    resolve = two_clips(tmp_path, viewer_lag_s=LAG_S)
    timeline = resolve.fake_timeline()
    a, b = timeline.fake_item("A"), timeline.fake_item("B")
    assert timeline.SetCurrentTimecode("01:00:00:04")
    assert shows(exported(resolve, tmp_path), a, 0)
    assert shows(exported(resolve, tmp_path), a, 0)  # any number of exports while the time lasts
    time.sleep(LAG_S * 2)
    assert shows(exported(resolve, tmp_path), b, 0)


def test_stale_still_fake_viewer_does_not_lag_by_default(tmp_path: Path) -> None:
    resolve = two_clips(tmp_path)
    timeline = resolve.fake_timeline()
    assert (Quirks().viewer_lag_exports, Quirks().viewer_lag_s) == (0, 0.0)
    assert timeline.SetCurrentTimecode("01:00:00:04")
    assert shows(exported(resolve, tmp_path), timeline.fake_item("B"), 0)


# -- markers -------------------------------------------------------------------------------------------------


def test_markers_fake_keys_and_durations_are_floats(tmp_path: Path) -> None:
    """As the README's example: ``{96.0: {'color': 'Green', 'duration': 1.0, ...}}``."""
    timeline = two_clips(tmp_path).fake_timeline()
    assert timeline.AddMarker(5, "Green", "Marker 1", "", 1)
    assert timeline.AddMarker(2.0, "Blue", "Marker 2", "", 3, "pix2lut")
    markers = timeline.GetMarkers()
    assert list(markers) == [2.0, 5.0] and all(type(key) is float for key in markers)
    assert markers[5.0] == {"color": "Green", "duration": 1.0, "note": "", "name": "Marker 1", "customData": ""}
    assert type(markers[2.0]["duration"]) is float
    assert timeline.GetMarkerCustomData(2) == "pix2lut"  # an int frame id still finds its marker
    assert timeline.DeleteMarkerAtFrame(5) and list(timeline.GetMarkers()) == [2.0]


def test_markers_fake_keeps_float_noise_and_refuses_fractions(tmp_path: Path) -> None:
    resolve = two_clips(tmp_path)
    timeline = resolve.fake_timeline()
    noisy = 3 - 1e-9  # a frame computed from seconds
    assert timeline.AddMarker(noisy, "Blue", "noisy", "", 1)
    assert list(timeline.GetMarkers()) == [noisy]  # kept as given: whether Resolve snaps it is not verified
    assert timeline.AddMarker(3, "Red", "same frame", "", 1) is False
    assert timeline.AddMarker(4.5, "Red", "half", "", 1) is False
    assert "whole number" in resolve.fake_refusals()[-1].reason


# -- burn_in -------------------------------------------------------------------------------------------------


def test_burn_in_fake_draws_a_box_over_every_still(tmp_path: Path) -> None:
    resolve = two_clips(tmp_path)
    project = resolve.fake_project()
    a = resolve.fake_timeline().fake_item("A")
    top = SIZE[1] - max(1, round(SIZE[1] * BURN_IN_BAND))
    assert project.LoadBurnInPreset("Dailies") is False  # no such preset yet
    project.fake_add_burn_in_preset("Dailies")
    project.fake_add_burn_in_preset("Clean", burns_in=False)
    assert project.LoadBurnInPreset("Dailies")
    pixels = exported(resolve, tmp_path)
    np.testing.assert_allclose(pixels[:top], a.fake_render(0)[:top], atol=EIGHT_BIT_HALF_STEP)
    assert pixels[top:, : SIZE[0] // 16].min() == 1.0  # the box's leading white cell
    assert not np.allclose(pixels[top:], a.fake_render(0)[top:], atol=EIGHT_BIT_HALF_STEP)
    assert project.LoadBurnInPreset("Clean")
    assert shows(exported(resolve, tmp_path), a, 0)


@pytest.mark.parametrize(("enabled", "value"), [(True, "1"), (False, "0")])
def test_burn_in_fake_setting_only_where_a_test_names_one(tmp_path: Path, enabled: bool, value: str) -> None:
    """Resolve documents no burn-in setting: the fake reports one only under a key a test chooses."""
    project = two_clips(tmp_path).fake_project()
    project.fake_set_burn_in(enabled)
    assert not [key for key in project.GetSetting() if "burn" in key.lower()]
    project.fake_set_burn_in(enabled, setting_key="someBurnInKey")
    assert project.GetSetting("someBurnInKey") == value
    assert project.GetSetting()["someBurnInKey"] == value
