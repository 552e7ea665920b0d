"""Issue 23, Resolve as it really behaves: the frame the scripts see (API-NOTES sections 4 and 10).

- ``stale_still``: after a playhead move or a version load the viewer can go on showing the previous picture,
  though ``GetCurrentTimecode`` already reports the new position; a still is also read only once it is a whole PNG.
- ``markers``: ``GetMarkers`` keys are float frame ids from the timeline start.
- ``burn_in``: data burn-in is in every still; the Doctor says so where Resolve tells.
"""

from __future__ import annotations

import threading
import types
from pathlib import Path

import numpy as np
import pytest

from pix2lut.imageio import read_image
from pix2lut.protocol import COLOUR_KEYS
from resolve_scripts import doctor, grade_clip, stills
from resolve_scripts.errors import ScriptError
from resolve_scripts.match_reference import main as match_main
from resolve_scripts.reference import reference_still
from resolve_scripts.stills import export_still, sample_frames
from resolve_scripts.timeline_grade import clip_stills
from server.client import Frame
from tests.fakes import FakeClip, FakeResolve, Quirks, gradient_frames, six_clip_timeline
from tests.fakes.rendering import BURN_IN_BAND, write_still
from tests.fakes.timecode import TimecodeFormat
from tests.resolve_scripts.conftest import NODE_LABELS, run_main, settings_for
from tests.server.conftest import RunningServer

SIZE = (16, 9)  # width, height of the generated frames: enough pixels, fast
FRAMES = 6  # per generated clip
EIGHT_BIT_HALF_STEP = 0.5 / 255.0  # an 8-bit still is within half a code value of the float render
LAG_EXPORTS = 2  # the viewer shows the previous picture for this many exports after a change
FPS = 24.0
NO_REFERENCE_SETTING = types.SimpleNamespace(reference=None)  # reference_still reads only this setting
VIEWER_STILL = "pix2lut-viewer-"  # the scripts' temporary stills of what the viewer shows before a change
STILL_NAME = "pix2lut-still.png"  # Grade Clip's still
BURN_IN_KEY = "dataBurnInEnabled"  # a key of the test's choosing: Resolve documents none (see the fake)
BURN_IN_SKEWS = (
    "it is drawn into every still Pix2LUT exports (API-NOTES section 4), so the LUT is fitted to the burnt-in text "
    "and box too and comes out skewed"
)


@pytest.fixture(autouse=True)
def fast_viewer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scripts' waits, shrunk (raising=False: the scripts before issue 23 had none of them)."""
    monkeypatch.setattr(stills, "SETTLE_POLL_S", 0.002, raising=False)
    monkeypatch.setattr(stills, "SETTLE_TIMEOUT_S", 2.0, raising=False)
    monkeypatch.setattr(stills, "COMPLETE_POLL_S", 0.002, raising=False)


def three_clips(tmp_path: Path, **quirks) -> FakeResolve:
    """Clips A, B, C of generated frames that differ from clip to clip and frame to frame, on the Color page."""
    clips = [FakeClip(name, gradient_frames(*SIZE, FRAMES, seed=seed)) for name, seed in (("A", 0), ("B", 3), ("C", 5))]
    resolve = FakeResolve.create(tmp_path, clips=clips, quirks=Quirks(**quirks))
    assert resolve.OpenPage("color")  # the fake exports stills on the Color page only
    return resolve


def assert_still_is(path: str | Path, item, frame: int) -> None:
    """The still at ``path`` is ``item``'s absolute ``frame`` as graded now."""
    np.testing.assert_allclose(
        read_image(path).pixels, item.fake_render(frame - item.GetStart()), atol=EIGHT_BIT_HALF_STEP
    )


def park_on(resolve: FakeResolve, clip: str, offset: int) -> None:
    """The playhead on ``clip``'s frame ``offset``, as the user left it long ago: reported, and the viewer shows it."""
    timeline = resolve.fake_timeline()
    assert timeline.SetCurrentTimecode(TimecodeFormat(FPS).to_timecode(timeline.fake_item(clip).GetStart() + offset))
    project, scratch = resolve.fake_project(), resolve.fake_master_lut_root.parent / "user-looked.png"
    page = resolve.GetCurrentPage()
    assert resolve.OpenPage("color")
    for _look in range(LAG_EXPORTS + 1):  # the user's own glances at the viewer use the lag up
        timeline.GetCurrentTimecode()
        assert project.ExportCurrentFrameAsStill(str(scratch))
    scratch.unlink()
    assert resolve.OpenPage(page)


# -- stale_still ---------------------------------------------------------------------------------------------


def test_stale_still_clip_stills_are_the_clips_own_frames(tmp_path: Path) -> None:
    """Neutralize + Look's stills of a clip: not the last picture of the clip before it (the viewer lags)."""
    resolve = three_clips(tmp_path, viewer_lag_exports=LAG_EXPORTS)
    timeline = resolve.fake_timeline()
    b = timeline.fake_item("B")  # the playhead is on A's first frame, and the viewer shows it

    paths = clip_stills(resolve.fake_project(), timeline, b, 2, str(tmp_path))

    frames = sample_frames(b, 2)
    assert len(paths) == len(frames) == 2
    for path, frame in zip(paths, frames):
        assert_still_is(path, b, frame)


def test_stale_still_reference_is_the_marked_frame_not_the_shot(tmp_path: Path) -> None:
    resolve = three_clips(tmp_path, viewer_lag_exports=LAG_EXPORTS)
    timeline = resolve.fake_timeline()
    c = timeline.fake_item("C")
    assert timeline.AddMarker(c.GetStart() - timeline.GetStartFrame() + 2, "Blue", "Reference", "", 1)

    path, _source = reference_still(resolve.fake_project(), timeline, NO_REFERENCE_SETTING, str(tmp_path))

    assert_still_is(path, c, c.GetStart() + 2)


def direct_match(resolve: FakeResolve, server: RunningServer, shot: Path, reference: Path) -> str:
    """The .cube the server answers to ``match`` on these two still files, asked without the scripts."""
    colour = {key: resolve.fake_project().GetSetting(key) for key in COLOUR_KEYS}
    frames = [Frame.from_file(shot), Frame.from_file(reference)]
    with server.client(timeout_ms=10_000, retries=1) as client:
        return client.request("match", frames, outputs=["cube"], colour=colour).cube_text


def test_stale_still_match_gets_the_reference_not_the_shot_twice(tmp_path: Path, server: RunningServer) -> None:
    resolve = FakeResolve.create(
        tmp_path, clips=six_clip_timeline(nodes=NODE_LABELS), quirks=Quirks(viewer_lag_exports=LAG_EXPORTS)
    )
    timeline = resolve.fake_timeline()
    shot, reference = timeline.fake_item("Shot 02"), timeline.fake_item("Shot 04")
    assert timeline.AddMarker(reference.GetStart() - timeline.GetStartFrame() + 3, "Blue", "Reference", "", 1)
    park_on(resolve, "Shot 02", 2)
    shot_still, reference_still_ = tmp_path / "shot.png", tmp_path / "reference.png"
    write_still(shot_still, shot.fake_render(2))
    write_still(reference_still_, reference.fake_render(3))
    expected = direct_match(resolve, server, shot_still, reference_still_)

    code, lines = run_main(match_main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0, lines
    relpath = lines[0].rsplit(" LUT ", 1)[1]
    assert (resolve.fake_master_lut_root / relpath).read_text(encoding="ascii") == expected


def test_stale_still_regrade_fits_the_base_not_the_version_it_was_on(tmp_path: Path, server: RunningServer) -> None:
    """Grade Clip run on its own "Pix2LUT 1" loads the base version first: the still must be the base's picture,
    so the second run fits the very LUT the first did."""
    resolve = FakeResolve.create(
        tmp_path, clips=six_clip_timeline(nodes=NODE_LABELS), quirks=Quirks(viewer_lag_exports=LAG_EXPORTS)
    )
    park_on(resolve, "Shot 03", 2)
    settings = settings_for(resolve, server)
    first = grade_clip.grade_clip(resolve, settings)
    park_on(resolve, "Shot 03", 2)  # the user looks at "Pix2LUT 1" in the viewer, then runs Grade Clip again

    second = grade_clip.grade_clip(resolve, settings)

    assert (first.version, second.version) == ("Pix2LUT 1", "Pix2LUT 2")
    assert second.base_version == "Version 1"
    assert second.lut_relpath == first.lut_relpath  # named by content: the same still gave the same LUT


def test_stale_still_past_the_time_limit_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stills, "SETTLE_TIMEOUT_S", 0.05, raising=False)
    resolve = three_clips(tmp_path, viewer_lag_s=60.0)  # a viewer that does not catch up
    timeline = resolve.fake_timeline()
    c = timeline.fake_item("C")
    assert timeline.AddMarker(c.GetStart() - timeline.GetStartFrame(), "Blue", "Reference", "", 1)

    with pytest.raises(ScriptError) as caught:
        reference_still(resolve.fake_project(), timeline, NO_REFERENCE_SETTING, str(tmp_path))

    assert str(caught.value) == (
        "Resolve's viewer still showed the picture from before the playhead moved to 'the reference frame' (or its "
        "version loaded) after 0.05 s, so no still was taken: let the viewer catch up and run again (a clip that "
        "looks exactly like the picture before it: grade it on its own with Grade Clip)."
    )


def test_stale_still_where_nothing_moved_takes_one_export(tmp_path: Path, server: RunningServer) -> None:
    """A viewer that never catches up does not matter where nothing changes: Grade Clip on a clip on its base."""
    resolve = FakeResolve.create(tmp_path, clips=six_clip_timeline(nodes=NODE_LABELS), quirks=Quirks(viewer_lag_s=60.0))
    project = resolve.fake_project()
    exports = []
    real_export = project.ExportCurrentFrameAsStill

    def counting_export(path: str) -> bool:
        exports.append(path)
        return real_export(path)

    project.ExportCurrentFrameAsStill = counting_export

    result = grade_clip.grade_clip(resolve, settings_for(resolve, server))

    assert result.version == "Pix2LUT 1"
    # Besides the look at the viewer before the base would load (two exports that agree), one still.
    assert [Path(path).name for path in exports if not Path(path).name.startswith(VIEWER_STILL)] == [STILL_NAME]


def test_stale_still_same_picture_inside_one_clip_is_taken_after_the_wait(tmp_path: Path) -> None:
    """Static media looks the same on every frame: inside one clip and version the still is taken after the wait."""
    card_clip = FakeClip("Card", gradient_frames(*SIZE, 1) * FRAMES)  # one picture on every frame
    resolve = FakeResolve.create(tmp_path, clips=[card_clip], quirks=Quirks(viewer_lag_exports=LAG_EXPORTS))
    assert resolve.OpenPage("color")
    timeline = resolve.fake_timeline()
    card = timeline.fake_item("Card")

    paths = clip_stills(resolve.fake_project(), timeline, card, 3, str(tmp_path))

    assert len(paths) == 3
    for path, frame in zip(paths, sample_frames(card, 3)):
        assert_still_is(path, card, frame)


def test_stale_still_waits_for_a_whole_png(tmp_path: Path) -> None:
    """A still Resolve is still writing (a truncated PNG) is not read until it is whole."""
    resolve = three_clips(tmp_path)
    project = resolve.fake_project()
    a = resolve.fake_timeline().fake_item("A")
    real_export = project.ExportCurrentFrameAsStill
    timers = []

    def slow_export(path: str) -> bool:
        assert real_export(path)
        whole = Path(path).read_bytes()
        Path(path).write_bytes(whole[: len(whole) // 2])
        timer = threading.Timer(0.05, Path(path).write_bytes, (whole,))
        timers.append(timer)
        timer.start()
        return True

    project.ExportCurrentFrameAsStill = slow_export
    path = str(tmp_path / "still.png")
    try:
        assert export_still(project, path, "A", retry_delay_s=0) == path
        assert_still_is(path, a, a.GetStart())
    finally:
        for timer in timers:
            timer.join()


# -- markers -------------------------------------------------------------------------------------------------


def test_markers_reference_marker_key_is_rounded_to_its_frame(tmp_path: Path) -> None:
    """A float key with float noise (a frame id computed from seconds) names the nearest frame, not the one below:
    here the first frame of C, not the last of B."""
    resolve = three_clips(tmp_path)
    timeline = resolve.fake_timeline()
    c = timeline.fake_item("C")
    first_of_c = c.GetStart() - timeline.GetStartFrame()
    assert timeline.AddMarker(first_of_c - 1e-9, "Blue", "Reference", "", 1)
    assert list(timeline.GetMarkers()) == [first_of_c - 1e-9]

    path, source = reference_still(resolve.fake_project(), timeline, NO_REFERENCE_SETTING, str(tmp_path))

    assert_still_is(path, c, c.GetStart())
    assert source == f"from the reference marker at {TimecodeFormat(FPS).to_timecode(c.GetStart())}"


def test_markers_earliest_reference_marker_wins_with_float_keys(tmp_path: Path) -> None:
    resolve = three_clips(tmp_path)
    timeline = resolve.fake_timeline()
    b, c = timeline.fake_item("B"), timeline.fake_item("C")
    start = timeline.GetStartFrame()
    assert timeline.AddMarker(float(c.GetStart() - start + 1), "Blue", "Reference", "later", 1)
    assert timeline.AddMarker(float(b.GetStart() - start + 4), "Red", "Reference", "earlier", 1)
    assert all(isinstance(key, float) for key in timeline.GetMarkers())

    path, _source = reference_still(resolve.fake_project(), timeline, NO_REFERENCE_SETTING, str(tmp_path))

    assert_still_is(path, b, b.GetStart() + 4)


# -- burn_in -------------------------------------------------------------------------------------------------


def burn_in_line(resolve: FakeResolve) -> tuple[str, str]:
    """The Doctor's burn-in check, on the fake's project and timeline."""
    checks = doctor.project_checks(resolve)
    found = [check for check in checks if check[1].startswith("Burn-in")]
    assert len(found) == 1, checks
    return found[0]


def test_burn_in_doctor_says_when_a_setting_reports_it_on(tmp_path: Path) -> None:
    resolve = three_clips(tmp_path)
    resolve.fake_project().fake_set_burn_in(True, setting_key=BURN_IN_KEY)
    assert burn_in_line(resolve) == (
        "problem",
        (
            f"Burn-in: data burn-in is on (setting {BURN_IN_KEY!r} is '1'): {BURN_IN_SKEWS}: turn it off (Workspace "
            "> Data Burn-In) before grading."
        ),
    )


def test_burn_in_doctor_main_exits_1_on_burn_in(tmp_path: Path, server: RunningServer) -> None:
    resolve = FakeResolve.create(tmp_path, clips=six_clip_timeline(nodes=NODE_LABELS))
    resolve.fake_project().fake_set_burn_in(True, setting_key=BURN_IN_KEY)
    code, lines = run_main(doctor.main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 1
    assert [line for line in lines if "Burn-in" in line] == [
        (
            f"Pix2LUT doctor [problem] Burn-in: data burn-in is on (setting {BURN_IN_KEY!r} is '1'): {BURN_IN_SKEWS}: "
            "turn it off (Workspace > Data Burn-In) before grading."
        )
    ]


def test_burn_in_doctor_says_off_when_a_setting_says_so(tmp_path: Path) -> None:
    resolve = three_clips(tmp_path)
    resolve.fake_project().fake_set_burn_in(False, setting_key=BURN_IN_KEY)
    assert burn_in_line(resolve) == ("ok", "Burn-in: data burn-in is off: the stills carry the picture only.")


@pytest.mark.parametrize("setting", [None, ""], ids=["no-key", "empty-value"])
def test_burn_in_doctor_notes_that_resolve_does_not_say(tmp_path: Path, setting: str | None) -> None:
    """Resolve documents no burn-in setting; an empty value is "unknown" (API-NOTES section 2), not "off"."""
    resolve = three_clips(tmp_path)
    project = resolve.fake_project()
    project.fake_set_burn_in(True)  # on, but nothing tells
    if setting is not None:  # a key that answers "", as Resolve answers for what it does not know
        real_get_setting = project.GetSetting

        def get_setting(settingName=None):
            if settingName is None:
                return {**real_get_setting(), BURN_IN_KEY: setting}
            return setting if settingName == BURN_IN_KEY else real_get_setting(settingName)

        project.GetSetting = get_setting
    assert burn_in_line(resolve) == (
        "note",
        (
            "Burn-in: Resolve does not tell scripts whether data burn-in is on: if Workspace > Data Burn-In shows "
            f"anything over the viewer, {BURN_IN_SKEWS}: turn it off before grading."
        ),
    )


def test_burn_in_is_in_the_still_the_scripts_export(tmp_path: Path) -> None:
    """What the Doctor warns of: the burnt-in box is in the exported still, so in what the LUT is fitted to."""
    resolve = three_clips(tmp_path)
    project = resolve.fake_project()
    a = resolve.fake_timeline().fake_item("A")
    project.fake_add_burn_in_preset("Dailies")
    assert project.LoadBurnInPreset("Dailies")
    path = export_still(project, str(tmp_path / "still.png"), "A", retry_delay_s=0)
    pixels, render = read_image(path).pixels, a.fake_render(0)
    top = SIZE[1] - max(1, round(SIZE[1] * BURN_IN_BAND))  # the box is along the bottom, the picture above it
    np.testing.assert_allclose(pixels[:top], render[:top], atol=EIGHT_BIT_HALF_STEP)
    assert not np.allclose(pixels[top:], render[top:], atol=EIGHT_BIT_HALF_STEP)
