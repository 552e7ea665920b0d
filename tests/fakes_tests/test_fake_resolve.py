"""The fake Resolve behaves as shared/resolve/API-NOTES.md says the real one does, and renders real pixels."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.cdl import Cdl, apply_cdl, cdl_to_resolve
from pix2lut.cube import read_cube, write_cube
from pix2lut.imageio import read_image
from pix2lut.lut import Lut3D, identity_table
from tests.fakes import (
    SHARED_FRAMES,
    FakeClip,
    FakeLimitation,
    FakeResolve,
    FakeTimeline,
    MenuScriptNotListed,
    Quirks,
    gradient_frames,
    six_clip_timeline,
)
from tests.fakes.timecode import TimecodeFormat

CODE_VALUE = 1.0 / 255.0  # one 8-bit step: OCIO and the numpy reference agree to 1e-7, a rounding may flip one
RENDER_ATOL = 1e-5  # the fake's OCIO path against pix2lut's numpy reference, in float
CUBE_ATOL = 1e-6  # .cube values are written with 6 decimals
FRAME_SIZE = (48, 32)  # width, height of the generated test clips: small keeps the tests fast
FRAMES_PER_CLIP = 4
TWO_NODES = ("Neutralize", "Look")
LUT_RELPATH = "Pix2LUT/warm.cube"
START = 86400  # 01:00:00:00 at 24 fps


# -- builders ---------------------------------------------------------------------------------------------------


def small_clips(count: int = 3, nodes: tuple[str, ...] = TWO_NODES) -> list[FakeClip]:
    return [
        FakeClip(f"Clip {n + 1}", gradient_frames(*FRAME_SIZE, FRAMES_PER_CLIP, seed=n), nodes=nodes)
        for n in range(count)
    ]


def make_resolve(tmp_path: Path, **options) -> FakeResolve:
    options.setdefault("clips", small_clips())
    return FakeResolve.create(tmp_path, **options)


def warm_lut(size: int = 9) -> Lut3D:
    """A smooth grade that changes every colour: warmer, and a lifted mid-tone (gamma 0.8)."""
    return Lut3D(np.clip(identity_table(size) ** 0.8 * np.array([1.1, 1.0, 0.85], dtype=np.float32), 0.0, 1.0))


def cool_lut(size: int = 5) -> Lut3D:
    return Lut3D(np.clip(identity_table(size) * np.array([0.8, 1.0, 1.2], dtype=np.float32), 0.0, 1.0))


def write_lut(root: Path, relpath: str, lut: Lut3D) -> Path:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    write_cube(lut, path)
    return path


def quantized(pixels: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(pixels, 0.0, 1.0) * 255.0) / 255.0


def parts(resolve: FakeResolve):
    project = resolve.GetProjectManager().GetCurrentProject()
    timeline = project.GetCurrentTimeline()
    return project, timeline, timeline.GetItemListInTrack("video", 1)


@pytest.fixture
def resolve(tmp_path: Path) -> FakeResolve:
    return make_resolve(tmp_path)


@pytest.fixture
def graded(resolve: FakeResolve) -> FakeResolve:
    """On the Color page, with the warm LUT written and discovered."""
    write_lut(resolve.fake_master_lut_root, LUT_RELPATH, warm_lut())
    resolve.GetProjectManager().GetCurrentProject().RefreshLUTList()
    resolve.OpenPage("color")
    return resolve


# -- object graph, versions and editions --------------------------------------------------------------------------


def test_product_name_and_version_follow_edition_and_version(tmp_path):
    studio = make_resolve(tmp_path / "s", version=(19, 1, 4, 11))
    free = make_resolve(tmp_path / "f", edition="free", version=(20, 2, 0, 5, "b"))
    assert studio.GetProductName() == "DaVinci Resolve Studio"
    assert free.GetProductName() == "DaVinci Resolve"
    assert studio.GetVersion() == [19, 1, 4, 11, ""]
    assert free.GetVersionString() == "20.2.0b.5"


def test_pages_switch_and_an_unknown_page_is_a_silent_false(resolve):
    assert resolve.GetCurrentPage() == "edit"
    assert resolve.OpenPage("color") is True
    assert resolve.GetCurrentPage() == "color"
    assert resolve.OpenPage("grading") is False
    assert resolve.GetCurrentPage() == "color"
    assert resolve.fake_refusals()[-1].call == "Resolve.OpenPage"


def test_hasattr_is_always_true_and_unknown_attributes_read_as_none(resolve):
    project, timeline, items = parts(resolve)
    for obj in (resolve, project, timeline, items[0], items[0].GetNodeGraph()):
        assert hasattr(obj, "NoSuchCall")
        assert obj.NoSuchCall is None
    with pytest.raises(TypeError, match="'NoneType' object is not callable"):
        project.RefreshLutList()  # misspelt: RefreshLUTList


def test_dir_lists_the_calls_this_version_has(tmp_path):
    new = parts(make_resolve(tmp_path / "new", version=(21, 0, 0)))[1]
    old = parts(make_resolve(tmp_path / "old", version=(18, 6, 0)))[1]
    assert "GetSelectedClips" in dir(new)
    assert "GetSelectedClips" not in dir(old)
    assert "GetNodeGraph" in dir(new.GetCurrentVideoItem())
    assert "GetNodeGraph" not in dir(old.GetCurrentVideoItem())


def test_misspelt_fake_helpers_fail_loudly(resolve):
    with pytest.raises(AttributeError):
        resolve.fake_refusal()


def test_enum_constants_live_on_the_resolve_object(resolve):
    assert isinstance(resolve.EXPORT_LUT_33PTCUBE, float)
    assert "EXPORT_LUT_33PTCUBE" in dir(resolve)
    assert len({resolve.CACHE_AUTO_ENABLED, resolve.CACHE_DISABLED, resolve.CACHE_ENABLED}) == 3


@pytest.mark.parametrize(
    ("version", "present"),
    [((18, 6, 0), {}), ((19, 0, 0), {"GetNodeGraph"}), ((19, 1, 0), {"GetNodeGraph", "ApplyGradeFromDRX"})],
)
def test_graph_calls_appear_with_their_versions(tmp_path, version, present):
    item = parts(make_resolve(tmp_path, version=version))[2][0]
    graph = item.GetNodeGraph() if item.GetNodeGraph is not None else None
    assert (graph is not None) == ("GetNodeGraph" in present)
    if graph is not None:
        assert (graph.ApplyGradeFromDRX is not None) == ("ApplyGradeFromDRX" in present)
        assert (graph.ResetAllGrades is not None) == ("ApplyGradeFromDRX" in present)


def test_export_current_frame_as_still_arrived_in_18_5(tmp_path):
    assert parts(make_resolve(tmp_path / "a", version=(18, 1, 0)))[0].ExportCurrentFrameAsStill is None
    assert parts(make_resolve(tmp_path / "b", version=(18, 5, 0)))[0].ExportCurrentFrameAsStill is not None


@pytest.mark.parametrize(
    ("edition", "version", "has_ui"),
    [("studio", (19, 1, 0), True), ("free", (19, 0, 0), True), ("free", (19, 1, 0), False)],
)
def test_ui_manager_is_none_on_free_from_19_1(tmp_path, edition, version, has_ui):
    fusion = make_resolve(tmp_path, edition=edition, version=version).fake_script_globals()["fusion"]
    assert (fusion.UIManager is not None) == has_ui


def test_the_default_ui_manager_models_a_window_the_user_closes(resolve):
    ui = resolve.Fusion().UIManager
    dispatcher = resolve.fake_script_globals()["bmd"].UIDispatcher(ui)
    window = dispatcher.AddWindow(
        {"ID": "W"}, ui.VGroup([ui.Label({"ID": "L", "Text": "a"}), ui.Button({"ID": "Close"})])
    )
    window.GetItems()["L"].Text = "b"
    with pytest.raises(RuntimeError, match="no Clicked handler for 'Close'"):
        dispatcher.RunLoop()  # no handler: Resolve would wait forever
    window.On.Close.Clicked = lambda event: dispatcher.ExitLoop()
    dispatcher.RunLoop()
    assert window.GetItems()["L"].fake_history == ["a", "b"] and ui.fake_clicks == ["Close"]


def test_external_scripting_needs_studio_and_the_preference(tmp_path):
    studio = make_resolve(tmp_path / "s")
    free = make_resolve(tmp_path / "f", edition="free")
    assert studio.fake_scripting_module().scriptapp("Resolve") is studio
    assert free.fake_scripting_module().scriptapp("Resolve") is None
    studio.fake_set_external_scripting(False)
    assert studio.fake_scripting_module().scriptapp("Resolve") is None


def test_menu_scripts_get_resolve_globals(resolve, tmp_path):
    script = tmp_path / "Grade Clip.py"
    script.write_text("same = bmd.scriptapp('Resolve') is resolve and app.GetResolve() is resolve\n")
    assert resolve.fake_run_menu_script(script)["same"] is True


def test_free_21_1_lists_no_python_menu_scripts(tmp_path):
    script = tmp_path / "Grade Clip.py"
    script.write_text("ran = True\n")
    assert make_resolve(tmp_path / "old", edition="free", version=(21, 0, 0)).fake_run_menu_script(script)["ran"]
    new = make_resolve(tmp_path / "new", edition="free", version=(21, 1, 0))
    assert new.fake_menu_lists_python_scripts() is False
    with pytest.raises(MenuScriptNotListed):
        new.fake_run_menu_script(script)


def test_scripting_module_can_stand_in_for_davinci_resolve_script(resolve, monkeypatch):
    monkeypatch.setitem(sys.modules, "DaVinciResolveScript", resolve.fake_scripting_module())
    import DaVinciResolveScript as dvr

    assert dvr.scriptapp("Resolve") is resolve
    resolve.fake_quit()
    assert dvr.scriptapp("Resolve") is None


def test_studio_only_calls_return_false_on_free(tmp_path):
    resolve = make_resolve(tmp_path, edition="free", quirks=Quirks(studio_only_calls=frozenset({"Graph.SetLUT"})))
    write_lut(resolve.fake_master_lut_root, LUT_RELPATH, warm_lut())
    project, _, items = parts(resolve)
    project.RefreshLUTList()
    resolve.OpenPage("color")
    assert items[0].GetNodeGraph().SetLUT(1, LUT_RELPATH) is False
    assert "Studio only" in resolve.fake_refusals()[-1].reason


def test_dctl_is_refused_on_free(tmp_path):
    resolve = make_resolve(tmp_path, edition="free")
    (resolve.fake_master_lut_root / "look.dctl").write_text("// DCTL\n")
    project, _, items = parts(resolve)
    project.RefreshLUTList()
    resolve.OpenPage("color")
    assert items[0].GetNodeGraph().SetLUT(1, "look.dctl") is False


# -- settings and indices -------------------------------------------------------------------------------------


def test_get_setting_answers_empty_for_unknown_keys_and_a_dict_without_a_key(resolve):
    project, timeline, _ = parts(resolve)
    assert project.GetSetting("noSuchSetting") == ""
    settings = project.GetSetting()
    assert settings["colorScienceMode"] == "davinciYRGB"
    assert settings["timelineResolutionWidth"] == str(FRAME_SIZE[0])
    assert timeline.GetSetting("noSuchSetting") == ""


def test_set_setting_takes_strings_and_known_values_only(resolve):
    project = parts(resolve)[0]
    assert project.SetSetting("colorScienceMode", "davinciYRGBColorManagedv2") is True
    assert project.SetSetting("colorScienceMode", "aces") is False
    assert project.SetSetting("timelineResolutionWidth", 1920) is False
    assert project.SetSetting("noSuchSetting", "1") is False
    assert project.SetSetting("timelineFrameRate", "25") is False  # the project has timelines
    assert project.GetSetting("colorScienceMode") == "davinciYRGBColorManagedv2"


def test_timeline_settings_override_the_project_only_when_custom(resolve):
    project, timeline, _ = parts(resolve)
    project.SetSetting("colorSpaceOutput", "Rec.2020 Gamma 2.4")
    assert timeline.GetSetting("useCustomSettings") == "0"
    assert timeline.GetSetting("colorSpaceOutput") == "Rec.2020 Gamma 2.4"
    assert timeline.SetSetting("colorSpaceOutput", "Rec.709 Gamma 2.4") is False
    assert timeline.SetSetting("useCustomSettings", "1") is True
    assert timeline.SetSetting("colorSpaceOutput", "Rec.709 Gamma 2.4") is True
    assert timeline.GetSetting("colorSpaceOutput") == "Rec.709 Gamma 2.4"
    assert project.GetSetting("colorSpaceOutput") == "Rec.2020 Gamma 2.4"


def test_indices_start_at_one(resolve):
    project, timeline, items = parts(resolve)
    assert project.GetTimelineCount() == 1
    assert project.GetTimelineByIndex(0) is None
    assert project.GetTimelineByIndex(1) is timeline
    assert timeline.GetItemListInTrack("video", 0) is None
    graph = items[0].GetNodeGraph()
    assert graph.GetNumNodes() == 2
    assert [graph.GetNodeLabel(1), graph.GetNodeLabel(2)] == list(TWO_NODES)
    assert graph.GetNodeLabel(0) is None
    assert graph.GetNodeLabel(3) is None
    assert "outside 1..2" in resolve.fake_refusals()[-1].reason


def test_clips_sit_end_to_end_in_absolute_frames(resolve):
    _, timeline, items = parts(resolve)
    assert timeline.GetStartFrame() == START
    assert [(item.GetStart(), item.GetEnd()) for item in items] == [
        (START + FRAMES_PER_CLIP * n, START + FRAMES_PER_CLIP * (n + 1)) for n in range(3)
    ]
    assert timeline.GetEndFrame() == START + 3 * FRAMES_PER_CLIP
    assert items[0].GetTrackTypeAndIndex() == ["video", 1]
    assert items[0].GetMediaPoolItem().GetClipProperty("Frames") == str(FRAMES_PER_CLIP)


# -- playhead and timecode ------------------------------------------------------------------------------------


def test_set_current_timecode_takes_the_absolute_timecode(resolve):
    _, timeline, items = parts(resolve)
    assert timeline.SetCurrentTimecode("00:00:00:05") is False  # relative to the start: refused
    assert "absolute" in resolve.fake_refusals()[-1].reason
    assert timeline.SetCurrentTimecode("01:00:00:05") is True
    assert timeline.GetCurrentVideoItem() is items[1]
    assert timeline.SetCurrentTimecode("01:00:00:12") is False  # the timeline ends at frame 12
    assert timeline.SetCurrentTimecode("1:00:00:05") is False


def test_get_current_timecode_lags_a_set_by_a_poll(resolve):
    timeline = parts(resolve)[1]
    assert timeline.GetCurrentTimecode() == "01:00:00:00"
    timeline.SetCurrentTimecode("01:00:00:09")
    assert timeline.GetCurrentTimecode() == "01:00:00:00"
    assert timeline.GetCurrentTimecode() == "01:00:00:09"


def test_no_lag_when_the_quirk_is_off(tmp_path):
    timeline = parts(make_resolve(tmp_path, quirks=Quirks(timecode_lag_polls=0)))[1]
    timeline.SetCurrentTimecode("01:00:00:09")
    assert timeline.GetCurrentTimecode() == "01:00:00:09"


def test_current_video_item_over_a_gap_is_none(tmp_path):
    frames = gradient_frames(*FRAME_SIZE, 2)
    clips = [FakeClip("A", frames), FakeClip("B", frames, start_frame=5)]
    timeline = parts(make_resolve(tmp_path, clips=clips))[1]
    assert timeline.SetCurrentTimecode("01:00:00:03") is True
    assert timeline.GetCurrentVideoItem() is None


def test_drop_frame_timecode_skips_frame_numbers(tmp_path):
    drop = TimecodeFormat(29.97, drop_frame=True)
    assert drop.to_timecode(1800) == "00:01:00;02"
    assert drop.to_timecode(17982) == "00:10:00;00"
    assert drop.to_frame("00:01:00;02") == 1800
    assert drop.to_frame("00:01:00;00") is None  # a skipped number
    assert drop.to_frame("00:01:00:02") is None  # drop-frame writes ';'
    for frame in (0, 1799, 1800, 17981, 17982, 107892):
        assert drop.to_frame(drop.to_timecode(frame)) == frame
    timeline_spec = FakeTimeline("DF", small_clips(1), start_timecode="01:00:00;00", fps=29.97, drop_frame=True)
    timeline = parts(make_resolve(tmp_path, clips=None, timelines=[timeline_spec]))[1]
    assert timeline.GetStartFrame() == 107892
    assert timeline.SetCurrentTimecode("01:00:00;02") is True


# -- LUTs -----------------------------------------------------------------------------------------------------


def test_a_lut_works_only_after_refresh_lut_list(resolve):
    project, _, items = parts(resolve)
    resolve.OpenPage("color")
    write_lut(resolve.fake_master_lut_root, LUT_RELPATH, warm_lut())
    graph = items[0].GetNodeGraph()
    assert graph.SetLUT(1, LUT_RELPATH) is False
    assert "RefreshLUTList" in resolve.fake_refusals()[-1].reason
    assert project.RefreshLUTList() is True
    assert graph.SetLUT(1, LUT_RELPATH) is True
    assert graph.GetLUT(1) == LUT_RELPATH
    assert graph.GetLUT(2) == ""


def test_get_lut_answers_the_master_relative_path_whatever_path_was_set(graded):
    graph = parts(graded)[2][0].GetNodeGraph()
    absolute = graded.fake_master_lut_root / LUT_RELPATH
    assert graph.SetLUT(1, str(absolute)) is True
    assert graph.GetLUT(1) == LUT_RELPATH
    assert graph.SetLUT(2, LUT_RELPATH.replace("/", "\\")) is True
    assert graph.GetLUT(2) == LUT_RELPATH


def test_luts_in_the_per_user_folder_fail_even_by_absolute_path(graded):
    user_lut = write_lut(graded.fake_user_lut_root, "Mine/user.cube", warm_lut())
    project, _, items = parts(graded)
    project.RefreshLUTList()
    graph = items[0].GetNodeGraph()
    assert graph.SetLUT(1, "Mine/user.cube") is False
    assert graph.SetLUT(1, str(user_lut)) is False
    assert "per-user" in graded.fake_refusals()[-1].reason
    assert graph.GetLUT(1) == ""


def test_luts_outside_the_lut_folders_and_bad_node_indices_are_refused(graded, tmp_path):
    outside = write_lut(tmp_path / "elsewhere", "x.cube", warm_lut())
    graph = parts(graded)[2][0].GetNodeGraph()
    assert graph.SetLUT(1, str(outside)) is False
    assert graph.SetLUT(1, "Pix2LUT/missing.cube") is False
    assert graph.SetLUT(0, LUT_RELPATH) is False
    assert graph.SetLUT(3, LUT_RELPATH) is False
    assert graph.SetLUT("1", LUT_RELPATH) is False
    assert [node.lut for node in graph.fake_nodes()] == ["", ""]


def test_a_lut_is_cached_by_name_once_loaded(graded):
    item = parts(graded)[2][0]
    item.GetNodeGraph().SetLUT(1, LUT_RELPATH)
    before = item.fake_render(0)
    write_lut(graded.fake_master_lut_root, LUT_RELPATH, cool_lut())  # same name, new content
    parts(graded)[0].RefreshLUTList()
    np.testing.assert_array_equal(item.fake_render(0), before)


def test_deprecated_timeline_item_node_calls_still_work(graded):
    item = parts(graded)[2][1]
    assert item.GetNumNodes() == 2
    assert item.SetLUT(2, LUT_RELPATH) is True
    assert item.GetLUT(2) == LUT_RELPATH
    assert item.GetNodeGraph().GetLUT(2) == LUT_RELPATH
    assert item.GetNodeLabel(2) == "Look"


def test_grade_calls_need_the_color_page(graded):
    graded.OpenPage("edit")
    project, _, items = parts(graded)
    assert items[0].GetNodeGraph().SetLUT(1, LUT_RELPATH) is False
    assert items[0].SetCDL(cdl_to_resolve(Cdl.identity())) is False
    assert project.ExportCurrentFrameAsStill(str(graded.fake_master_lut_root / "x.png")) is False
    assert graded.fake_refusals()[-1].reason == "needs the Color page, the current page is 'edit'"
    assert items[0].GetNodeGraph().GetLUT(1) == ""  # reading works anywhere


# -- the picture ----------------------------------------------------------------------------------------------


def test_the_still_is_the_frame_under_the_playhead_as_graded(graded, tmp_path):
    project, timeline, items = parts(graded)
    timeline.SetCurrentTimecode("01:00:00:06")  # clip 2, its frame 2
    source = items[1].fake_source_frame(2)
    before, after = tmp_path / "before.png", tmp_path / "after.png"

    assert project.ExportCurrentFrameAsStill(str(before)) is True
    np.testing.assert_allclose(read_image(before).pixels, quantized(source), atol=1e-6)

    assert items[1].GetNodeGraph().SetLUT(1, LUT_RELPATH) is True
    assert project.ExportCurrentFrameAsStill(str(after)) is True
    predicted = apply_lut(source, read_cube(graded.fake_master_lut_root / LUT_RELPATH))
    still = read_image(after).pixels
    assert np.abs(still - quantized(predicted)).max() <= CODE_VALUE + 1e-6
    assert np.abs(still - quantized(source)).mean() > 10 * CODE_VALUE  # the LUT did change the picture


def test_nodes_apply_in_order_each_lut_then_its_cdl(graded):
    write_lut(graded.fake_master_lut_root, "Pix2LUT/cool.cube", cool_lut())
    parts(graded)[0].RefreshLUTList()
    item = parts(graded)[2][0]
    graph = item.GetNodeGraph()
    cdl = Cdl(slope=[1.1, 0.9, 1.0], offset=[0.02, 0.0, -0.01], power=[1.0, 1.2, 0.9], saturation=0.8)
    assert graph.SetLUT(1, LUT_RELPATH) is True
    assert item.SetCDL(cdl_to_resolve(cdl, node_index=1)) is True
    assert graph.SetLUT(2, "Pix2LUT/cool.cube") is True
    warm = read_cube(graded.fake_master_lut_root / LUT_RELPATH)
    cool = read_cube(graded.fake_master_lut_root / "Pix2LUT/cool.cube")
    source = item.fake_source_frame(1)
    expected = apply_lut(apply_cdl(apply_lut(source, warm), cdl), cool)  # node 1: LUT, CDL; node 2: LUT
    np.testing.assert_allclose(item.fake_render(1), expected, atol=RENDER_ATOL)
    assert graph.SetNodeEnabled(1, False) is True
    np.testing.assert_allclose(item.fake_render(1), apply_lut(source, cool), atol=RENDER_ATOL)


def test_raw_clips_export_black_until_the_frame_is_decoded(tmp_path):
    clip = FakeClip("RAW", gradient_frames(*FRAME_SIZE, 2), black_first_exports=1)
    resolve = make_resolve(tmp_path, clips=[clip])
    resolve.OpenPage("color")
    project = parts(resolve)[0]
    still = tmp_path / "still.png"
    project.ExportCurrentFrameAsStill(str(still))
    assert read_image(still).pixels.max() == 0.0
    project.ExportCurrentFrameAsStill(str(still))
    assert read_image(still).pixels.mean() > 0.1


def test_a_still_needs_a_still_format_and_an_existing_folder(graded, tmp_path):
    project = parts(graded)[0]
    assert project.ExportCurrentFrameAsStill(str(tmp_path / "frame.mov")) is False
    assert project.ExportCurrentFrameAsStill(str(tmp_path / "missing" / "frame.png")) is False
    assert project.ExportCurrentFrameAsStill(str(tmp_path / "frame.tif")) is True
    assert read_image(tmp_path / "frame.tif").bit_depth == 16
    with pytest.raises(FakeLimitation):
        project.ExportCurrentFrameAsStill(str(tmp_path / "frame.dpx"))


def test_mismatched_resolutions_are_scaled_to_fit_on_black(tmp_path):
    wide = FakeClip("Wide", gradient_frames(64, 32, 1))
    square = FakeClip("Square", [np.full((32, 32, 3), 0.5, dtype=np.float32)])
    item = parts(make_resolve(tmp_path, clips=[wide, square]))[2][1]
    frame = item.fake_source_frame(0)
    assert frame.shape == (32, 64, 3)
    assert frame[:, :16].max() == 0.0 and frame[:, -16:].max() == 0.0  # pillarbox
    np.testing.assert_allclose(frame[:, 16:48], 0.5, atol=1e-6)


# -- CDL ------------------------------------------------------------------------------------------------------


def test_set_cdl_takes_strings(graded):
    item = parts(graded)[2][0]
    cdl = Cdl(slope=[1.2, 1.0, 0.9], offset=[0.0, 0.01, 0.0], power=[1.0, 1.0, 1.1], saturation=1.1)
    assert item.SetCDL(cdl_to_resolve(cdl, node_index=2)) is True
    assert item.SetCDL({"NodeIndex": 1, "Slope": "1 1 1", "Offset": "0 0 0", "Power": "1 1 1", "Saturation": "1"})
    np.testing.assert_allclose(item.fake_render(0), apply_cdl(item.fake_source_frame(0), cdl), atol=RENDER_ATOL)


def test_set_cdl_refuses_non_strings_and_bad_indices(graded):
    item = parts(graded)[2][0]
    good = cdl_to_resolve(Cdl.identity())
    assert item.SetCDL({**good, "Saturation": 1.0}) is False
    assert item.SetCDL({**good, "Slope": "1 1"}) is False
    assert item.SetCDL({**good, "Power": "1 0 1"}) is False  # the CDL spec wants power > 0
    assert item.SetCDL({**good, "NodeIndex": "3"}) is False
    assert item.SetCDL({**good, "NodeIndex": "0"}) is False
    assert item.SetCDL([good]) is False
    assert all(node.cdl is None for node in item.fake_nodes())


def test_set_cdl_with_python_lists_succeeds_and_renders_red(graded):
    item = parts(graded)[2][0]
    assert item.SetCDL({"NodeIndex": "1", "Slope": [1.0, 1.0, 1.0], "Offset": "0 0 0"}) is True
    render = item.fake_render(0)
    np.testing.assert_array_equal(render, np.broadcast_to([1.0, 0.0, 0.0], render.shape))


def test_set_cdl_lists_are_refused_when_the_quirk_says_so(tmp_path):
    resolve = make_resolve(tmp_path, quirks=Quirks(cdl_list_renders_red=False))
    resolve.OpenPage("color")
    assert parts(resolve)[2][0].SetCDL({"NodeIndex": "1", "Slope": [1.0, 1.0, 1.0]}) is False


# -- versions, groups, grades -----------------------------------------------------------------------------------


def test_versions_have_unique_names_and_add_version_does_not_switch(graded):
    item = parts(graded)[2][0]
    item.GetNodeGraph().SetLUT(1, LUT_RELPATH)
    assert item.GetVersionNameList(0) == ["Version 1"]
    assert item.AddVersion("Pix2LUT", 0) is True
    assert item.AddVersion("Pix2LUT", 0) is False
    assert item.GetCurrentVersion() == {"versionName": "Version 1", "versionType": 0}
    assert item.fake_nodes("Pix2LUT")[0].lut == LUT_RELPATH  # a copy of the current grade
    assert item.LoadVersionByName("Pix2LUT", 0) is True
    assert item.SetCDL({"NodeIndex": "2", "Saturation": "0.5"}) is True
    assert item.fake_nodes("Version 1")[1].cdl is None  # the original grade is untouched
    assert item.DeleteVersionByName("Pix2LUT", 0) is False  # the current one
    assert item.RenameVersionByName("Pix2LUT", "Version 1", 0) is False
    assert item.RenameVersionByName("Pix2LUT", "Pix2LUT 2", 0) is True
    assert item.GetCurrentVersion()["versionName"] == "Pix2LUT 2"
    assert item.GetVersionNameList(2) is None
    assert item.AddVersion("Remote", 1) is True
    assert item.GetVersionNameList(1) == ["Remote"]


def test_add_version_can_switch_and_start_empty(tmp_path):
    quirks = Quirks(add_version_switches=True, add_version_copies_grade=False)
    resolve = make_resolve(tmp_path, quirks=quirks)
    resolve.OpenPage("color")
    item = parts(resolve)[2][0]
    item.SetCDL({"NodeIndex": "1", "Saturation": "0.5"})
    assert item.AddVersion("New", 0) is True
    assert item.GetCurrentVersion()["versionName"] == "New"
    assert [node.label for node in item.fake_nodes()] == list(TWO_NODES)
    assert item.fake_nodes()[0].cdl is None


def test_colour_group_graphs_wrap_the_clip_grade(graded):
    project, _, items = parts(graded)
    write_lut(graded.fake_master_lut_root, "Pix2LUT/cool.cube", cool_lut())
    project.RefreshLUTList()
    group = project.AddColorGroup("Look")
    assert project.AddColorGroup("Look") is None
    assert items[0].AssignToColorGroup(group) is True
    assert group.GetClipsInTimeline() == [items[0]]
    assert group.GetPostClipNodeGraph().SetLUT(1, "Pix2LUT/cool.cube") is True
    assert items[0].GetNodeGraph().SetLUT(1, LUT_RELPATH) is True
    warm = read_cube(graded.fake_master_lut_root / LUT_RELPATH)
    cool = read_cube(graded.fake_master_lut_root / "Pix2LUT/cool.cube")
    expected = apply_lut(apply_lut(items[0].fake_source_frame(0), warm), cool)  # clip node, then post-clip node
    np.testing.assert_allclose(items[0].fake_render(0), expected, atol=RENDER_ATOL)
    assert project.DeleteColorGroup(group) is True
    assert items[0].GetColorGroup() is None


def test_copy_grades_and_reset_all_grades(graded):
    items = parts(graded)[2]
    items[0].GetNodeGraph().SetLUT(2, LUT_RELPATH)
    assert items[0].CopyGrades([items[1], items[2]]) is True
    assert [item.GetNodeGraph().GetLUT(2) for item in items] == [LUT_RELPATH] * 3
    assert items[1].GetNodeGraph().ResetAllGrades() is True
    assert items[1].GetNodeGraph().GetLUT(2) == ""
    assert items[1].GetNodeGraph().GetNodeLabel(2) == "Look"


def test_apply_grade_from_drx_replaces_the_graph(graded, tmp_path):
    item = parts(graded)[2][0]
    item.fake_set_nodes([""])
    drx = tmp_path / "two-nodes.drx"
    drx.write_text("<fake/>")
    with pytest.raises(FakeLimitation):
        item.GetNodeGraph().ApplyGradeFromDRX(str(drx), 0)
    graded.fake_register_drx(drx, ["Neutralize", "Look"])
    assert item.GetNodeGraph().ApplyGradeFromDRX(str(drx), 3) is False
    assert item.GetNodeGraph().ApplyGradeFromDRX(str(tmp_path / "none.drx"), 0) is False
    assert item.GetNodeGraph().ApplyGradeFromDRX(str(drx), 0) is True
    assert [node.label for node in item.fake_nodes()] == ["Neutralize", "Look"]


def test_export_lut_bakes_the_clip_grade(graded, tmp_path):
    item = parts(graded)[2][0]
    item.GetNodeGraph().SetLUT(1, LUT_RELPATH)
    exported = tmp_path / "clip.cube"
    assert item.ExportLUT(33, str(exported)) is False  # a number, not the resolve constant
    assert item.ExportLUT(graded.EXPORT_LUT_17PTCUBE, str(exported)) is True
    table = read_cube(exported).table
    expected = apply_lut(identity_table(17), read_cube(graded.fake_master_lut_root / LUT_RELPATH))
    np.testing.assert_allclose(table, expected, atol=CUBE_ATOL + RENDER_ATOL)


def test_gallery_stills_need_the_gallery_panel(graded, tmp_path):
    timeline = parts(graded)[1]
    assert timeline.GrabStill() is None
    assert "Gallery panel" in graded.fake_refusals()[-1].reason
    graded.fake_set_gallery_open(True)
    still = timeline.GrabStill()
    album = parts(graded)[0].GetGallery().GetCurrentStillAlbum()
    assert album.GetStills() == [still]
    assert album.ExportStills([still], str(tmp_path), "grab", "png") is True
    assert (tmp_path / "grab_1.png").is_file()
    graded.fake_set_gallery_open(False)
    assert album.ExportStills([still], str(tmp_path), "grab", "png") is False


def test_markers_use_frame_ids_relative_to_the_start(resolve):
    timeline = parts(resolve)[1]
    assert timeline.AddMarker(3, "Blue", "done", "", 1, "pix2lut:1") is True
    assert timeline.AddMarker(3, "Red", "again", "", 1) is False
    assert timeline.AddMarker(START, "Red", "absolute", "", 1) is False
    assert timeline.GetMarkers()[3]["customData"] == "pix2lut:1"


def test_refusals_are_logged_with_the_call_and_its_arguments(resolve):
    parts(resolve)[1].SetCurrentTimecode("nope")
    refusal = resolve.fake_refusals()[-1]
    assert (refusal.call, refusal.args) == ("Timeline.SetCurrentTimecode", ("nope",))
    resolve.fake_clear_refusals()
    assert resolve.fake_refusals() == []


# -- the six-shot timeline ------------------------------------------------------------------------------------


def test_six_clip_timeline_uses_the_shared_frames(tmp_path):
    if not SHARED_FRAMES.is_dir():
        pytest.skip(f"no shared frames at {SHARED_FRAMES}")
    resolve = make_resolve(tmp_path, clips=six_clip_timeline(nodes=TWO_NODES))
    project, timeline, items = parts(resolve)
    assert [item.GetName() for item in items] == [f"Shot {n:02d}" for n in range(1, 7)]
    assert str(SHARED_FRAMES) in items[0].GetMediaPoolItem().GetClipProperty("File Path")
    means = [item.fake_source_frame(0).reshape(-1, 3).mean(axis=0) for item in items]
    assert means[0][0] / means[0][2] > means[1][0] / means[1][2]  # shot 1 warmer than shot 2
    resolve.OpenPage("color")
    timeline.SetCurrentTimecode(timeline.GetStartTimecode())
    assert project.ExportCurrentFrameAsStill(str(tmp_path / "shot1.png")) is True
    assert read_image(tmp_path / "shot1.png").pixels.shape == items[0].fake_source_frame(0).shape


def test_six_clip_timeline_falls_back_to_gradients(tmp_path):
    clips = six_clip_timeline(frames_root=tmp_path / "no-frames")
    items = parts(make_resolve(tmp_path, clips=clips))[2]
    assert len(items) == 6
    assert items[0].GetMediaPoolItem().GetClipProperty("File Path") == ""
