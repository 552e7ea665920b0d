"""Resolve as it really behaves (issue 23): timelines that hold more than media clips, custom timeline settings that
answer "" for a colour key, and remote grade versions. Each quirk is taught to the fake (API-NOTES sections 2, 6, 7
and 10), then the scripts are run against it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from resolve_scripts import grade_clip as grade_clip_script
from resolve_scripts.doctor import main as doctor_main
from resolve_scripts.errors import ResolveRefusal
from resolve_scripts.grade_clip import grade_clip
from resolve_scripts.resolve_access import COLOUR_KEYS, colour_settings
from resolve_scripts.timeline_grade import main as timeline_grade_main
from resolve_scripts.undo import main as undo_main
from tests.fakes import FakeClip, FakeResolve, FakeTimeline, Quirks, gradient_frames, six_clip_timeline
from tests.fakes.media import ADJUSTMENT, FUSION, GENERATOR, GRADIENT_SIZE, TITLE, TRANSITION, effect_item
from tests.resolve_scripts.conftest import NODE_LABELS, run_main, settings_for
from tests.server.conftest import RunningServer

BASE = "Version 1"  # the fake's first version of every clip: the user's own grade
LOCAL, REMOTE = 0, 1  # versionType (API-NOTES section 2)
SHOT_FRAMES = 8  # frames per shot of the six-clip timeline
NEWEST = (21, 0, 0)  # lists transitions and has the clip and track enable calls
NO_MEDIA = "no media: a title, generator, adjustment clip, Fusion composition or transition"
UNDER = "an item without media above them, so in their stills"
UNDO_HEAD = (
    "Pix2LUT: undid Grade Clip on 'Timeline 1': {count} clip(s) back on the version they were on before (the Pix2LUT "
    "versions are kept in each clip's Local Versions)"
)
LUMA_ATOL = 1e-4  # a saturation-0 CDL leaves R, G and B equal up to float rounding


def busy_timeline() -> list[FakeClip]:
    """Six shots on V1, and around them what real timelines hold besides media clips.

    V1: a transition across the cut of Shot 01 and Shot 02, a generator and a Fusion composition after Shot 06,
    then Shot 07, disabled. V2: an adjustment clip over Shots 01-02 (two nodes, so the old scripts graded it) and a
    title over Shot 04. V3 (disabled by the timeline): Shot B over Shot 06.
    """
    width, height = GRADIENT_SIZE
    return [
        *six_clip_timeline(nodes=NODE_LABELS),
        effect_item("Cross Dissolve", TRANSITION, 4, track=1, start_frame=SHOT_FRAMES - 2),
        effect_item("Solid Color", GENERATOR, 4, track=1),
        effect_item("Fusion Composition", FUSION, 4, track=1),
        FakeClip("Shot 07", gradient_frames(width, height, SHOT_FRAMES), nodes=NODE_LABELS, enabled=False),
        effect_item("Adjustment Clip", ADJUSTMENT, 2 * SHOT_FRAMES, track=2, start_frame=0, nodes=NODE_LABELS),
        effect_item("Title 1", TITLE, SHOT_FRAMES, track=2, start_frame=3 * SHOT_FRAMES),
        FakeClip("Shot B", gradient_frames(width, height, SHOT_FRAMES), start_frame=5 * SHOT_FRAMES, track=3),
    ]


def is_grey(picture: np.ndarray) -> bool:
    return bool(np.all(np.ptp(picture, axis=-1) <= LUMA_ATOL))


def busy_resolve(tmp_path: Path, version=NEWEST) -> FakeResolve:
    timeline = FakeTimeline("Timeline 1", busy_timeline(), disabled_tracks=(3,))
    return FakeResolve.create(tmp_path, version=version, timelines=[timeline])


# -- non_media: titles, generators, adjustment clips, Fusion compositions, transitions, disabled clips and tracks --


def test_the_fake_lists_items_without_media_and_shows_what_the_viewer_shows(tmp_path: Path) -> None:
    resolve = busy_resolve(tmp_path)
    timeline = resolve.fake_timeline()
    v1 = [item.GetName() for item in timeline.GetItemListInTrack("video", 1)]
    assert v1[:3] == ["Shot 01", "Cross Dissolve", "Shot 02"]
    assert v1[-3:] == ["Solid Color", "Fusion Composition", "Shot 07"]
    for name in ("Cross Dissolve", "Solid Color", "Fusion Composition", "Adjustment Clip", "Title 1"):
        assert timeline.fake_item(name).GetMediaPoolItem() is None
    assert timeline.fake_item("Shot 07").GetMediaPoolItem() is not None
    assert timeline.fake_item("Shot 07").GetClipEnabled() is False
    assert timeline.GetIsTrackEnabled("video", 3) is False and timeline.GetIsTrackEnabled("video", 1) is True

    adjustment, shot_01 = timeline.fake_item("Adjustment Clip"), timeline.fake_item("Shot 01")
    assert timeline.GetCurrentVideoItem() is adjustment  # the top item, although the clip shows through it
    resolve.OpenPage("color")
    assert adjustment.SetCDL({"NodeIndex": "1", "Saturation": "0"})
    seen = adjustment.fake_render(0)  # what the viewer shows at the timeline start: Shot 01 under the grade
    assert is_grey(seen) and not is_grey(shot_01.fake_render(0))

    shot_07 = timeline.fake_item("Shot 07")
    assert timeline.SetCurrentTimecode("01:00:02:09")  # frame 57: inside Shot 07, which is disabled
    assert timeline.GetCurrentVideoItem() is None
    assert shot_07.SetClipEnabled(True) and timeline.GetCurrentVideoItem() is shot_07
    assert timeline.SetCurrentTimecode("01:00:01:18")  # frame 42: Shot B on the disabled V3 is not shown
    assert timeline.GetCurrentVideoItem() is timeline.fake_item("Shot 06")
    assert timeline.SetTrackEnable("video", 3, True) and timeline.GetCurrentVideoItem() is timeline.fake_item("Shot B")


def test_the_fake_has_transitions_and_enable_calls_only_where_resolve_does(tmp_path: Path) -> None:
    resolve = busy_resolve(tmp_path, version=(19, 1, 4))
    timeline = resolve.fake_timeline()
    assert "Cross Dissolve" not in [item.GetName() for item in timeline.GetItemListInTrack("video", 1)]
    assert "GetIsTrackEnabled" not in dir(timeline) and timeline.GetIsTrackEnabled is None
    assert "GetClipEnabled" not in dir(timeline.fake_item("Shot 01"))


def test_non_media_items_are_not_graded_and_clips_under_an_adjustment_clip_are(
    tmp_path: Path, server: RunningServer
) -> None:
    resolve = busy_resolve(tmp_path)
    timeline = resolve.fake_timeline()

    code, lines = run_main(timeline_grade_main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0, lines
    assert lines[1:7] == [f"Pix2LUT: [{n}/6] Shot {n:02d}: Pix2LUT 1" for n in range(1, 7)]
    assert lines[7] == "Pix2LUT: Neutralize + Look on 'Timeline 1': 6 done, 0 already done earlier, 0 skipped, 0 left."
    assert lines[9:] == [
        f"Pix2LUT: not graded: 'Cross Dissolve' ({NO_MEDIA})",
        f"Pix2LUT: not graded: 'Solid Color' ({NO_MEDIA})",
        f"Pix2LUT: not graded: 'Fusion Composition' ({NO_MEDIA})",
        "Pix2LUT: not graded: 'Shot 07' (disabled)",
        f"Pix2LUT: not graded: 'Adjustment Clip' ({NO_MEDIA})",
        f"Pix2LUT: not graded: 'Title 1' ({NO_MEDIA})",
        "Pix2LUT: not graded: video track 3 (disabled)",
        f"Pix2LUT: graded under 'Adjustment Clip' ({UNDER}): 'Shot 01', 'Shot 02'",
        f"Pix2LUT: graded under 'Title 1' ({UNDER}): 'Shot 04'",
    ]
    for n in range(1, 7):
        item = timeline.fake_item(f"Shot {n:02d}")
        assert item.fake_versions() == [BASE, "Pix2LUT 1"] and item.fake_nodes()[0].lut.startswith("Pix2LUT/")
    for name in ("Adjustment Clip", "Title 1", "Shot 07", "Shot B"):
        item = timeline.fake_item(name)
        assert item.fake_versions() == [BASE]
        assert not any(node.lut for node in item.fake_nodes())


def test_non_media_only_is_one_line_naming_what_was_left(tmp_path: Path, server: RunningServer) -> None:
    title = effect_item("Title 1", TITLE, SHOT_FRAMES, track=1)
    resolve = FakeResolve.create(tmp_path, version=NEWEST, clips=[title])
    code, lines = run_main(timeline_grade_main, resolve, PIX2LUT_SERVER=server.address)
    expected = (
        "Pix2LUT: Timeline 'Timeline 1' has no clips to grade on the chosen video tracks: not graded: 'Title 1' "
        f"({NO_MEDIA})."
    )
    assert (code, lines) == (1, [expected])


# -- colour_keys: a timeline with its own settings may answer "" for a colour key ---------------------------------


def custom_timeline_resolve(tmp_path: Path, blank: tuple[str, ...], **create) -> FakeResolve:
    timeline = FakeTimeline("Timeline 1", six_clip_timeline(nodes=NODE_LABELS), blank_custom_settings=blank)
    resolve = FakeResolve.create(tmp_path, timelines=[timeline], **create)
    assert resolve.fake_timeline().SetSetting("useCustomSettings", "1")  # a copy of the project's settings
    return resolve


def test_colour_keys_a_custom_timeline_leaves_blank_are_the_projects(tmp_path: Path) -> None:
    project_settings = {"colorScienceMode": "davinciYRGBColorManagedv2", "colorSpaceTimeline": "Rec.709 Gamma 2.4"}
    blank = ("colorScienceMode", "colorSpaceTimeline")
    resolve = custom_timeline_resolve(tmp_path, blank, project_settings=project_settings)
    timeline, project = resolve.fake_timeline(), resolve.fake_project()
    assert timeline.SetSetting("colorSpaceOutputGamma", "Gamma 2.2")
    assert [timeline.GetSetting(key) for key in blank] == ["", ""]

    assert colour_settings(project, timeline) == {
        "colorScienceMode": "davinciYRGBColorManagedv2",  # the project's, key by key
        "colorSpaceTimeline": "Rec.709 Gamma 2.4",
        "colorSpaceTimelineGamma": "Gamma 2.4",
        "colorSpaceOutput": "Rec.709 Gamma 2.4",
        "colorSpaceOutputGamma": "Gamma 2.2",  # the timeline's own
    }


def test_colour_keys_a_blank_timeline_space_does_not_pass_for_rec709(tmp_path: Path, server: RunningServer) -> None:
    """The server refuses a timeline space that differs from the output's; with the key dropped it would have
    assumed Rec.709 and graded a wrong LUT."""
    resolve = custom_timeline_resolve(
        tmp_path, ("colorSpaceTimeline",), project_settings={"colorSpaceTimeline": "DaVinci WG/Intermediate"}
    )
    code, lines = run_main(grade_clip_script.main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 1 and "(colour_unsupported)" in lines[0], lines
    assert resolve.fake_timeline().fake_item("Shot 01").fake_versions() == [BASE]


def test_colour_keys_none_answered_is_a_refusal_not_an_empty_object(tmp_path: Path) -> None:
    resolve = FakeResolve.create(tmp_path, clips=six_clip_timeline(), project_settings={key: "" for key in COLOUR_KEYS})
    with pytest.raises(ResolveRefusal) as caught:
        colour_settings(resolve.fake_project(), resolve.fake_timeline())
    assert str(caught.value) == (
        f"Resolve answered none of the colour settings ({', '.join(COLOUR_KEYS)}) of project 'Pix2LUT Test': open "
        "Project Settings > Color Management, check them, and run again."
    )


def test_colour_keys_none_answered_is_one_doctor_line_not_a_traceback(tmp_path: Path) -> None:
    resolve = FakeResolve.create(tmp_path, clips=six_clip_timeline(), project_settings={key: "" for key in COLOUR_KEYS})
    code, lines = run_main(doctor_main, resolve)
    assert code == 1
    expected = (
        f"Pix2LUT doctor [problem] Colour: Resolve answered none of the colour settings ({', '.join(COLOUR_KEYS)}) "
        "of project 'Pix2LUT Test': open Project Settings > Color Management, check them, and run again."
    )
    assert [line for line in lines if "Colour:" in line] == [expected]


# -- remote_version: versions of type 1, new versions that are no copy, clips on another timeline ------------------


def on_remote_version(resolve: FakeResolve, clip: str, name: str):
    """Put ``clip`` on a new remote version ``name`` (a copy of its grade), as a user would on the Color page."""
    item = resolve.fake_timeline().fake_item(clip)
    page = resolve.GetCurrentPage()
    resolve.OpenPage("color")
    assert item.AddVersion(name, REMOTE) and item.LoadVersionByName(name, REMOTE)
    resolve.OpenPage(page)
    return item


def journal_of(resolve: FakeResolve) -> dict:
    return json.loads((resolve.fake_master_lut_root / "Pix2LUT" / "journal.json").read_text(encoding="utf-8"))


def test_remote_version_undo_goes_back_to_the_remote_version_not_its_local_namesake(
    resolve: FakeResolve, server: RunningServer
) -> None:
    item = on_remote_version(resolve, "Shot 01", BASE)  # a remote "Version 1" beside the local one
    grade_clip(resolve, settings_for(resolve, server))
    assert item.GetCurrentVersion() == {"versionName": "Pix2LUT 1", "versionType": LOCAL}
    journal = journal_of(resolve)
    assert journal["runs"][-1]["clips"][item.GetUniqueId()] == {
        "clip": "Shot 01", "previous": BASE, "made": "Pix2LUT 1", "previous_type": REMOTE
    }  # fmt: skip
    assert journal["clips"][item.GetUniqueId()]["base_types"] == {"Pix2LUT 1": REMOTE}

    code, lines = run_main(undo_main, resolve)

    assert (code, lines) == (
        0,
        [UNDO_HEAD.format(count=1), "Pix2LUT: 'Shot 01': 'Version 1' (remote) (was 'Pix2LUT 1')"],
    )
    assert item.GetCurrentVersion() == {"versionName": BASE, "versionType": REMOTE}


def test_remote_version_a_second_run_grades_the_remote_base_again(resolve: FakeResolve, server: RunningServer) -> None:
    item = on_remote_version(resolve, "Shot 01", "Warm look")
    first = grade_clip(resolve, settings_for(resolve, server))
    second = grade_clip(resolve, settings_for(resolve, server))  # on Pix2LUT 1: its base is the remote version
    assert (first.base_version, second.base_version, second.previous_version) == ("Warm look", "Warm look", "Pix2LUT 1")
    assert item.fake_versions(LOCAL) == [BASE, "Pix2LUT 1", "Pix2LUT 2"] and item.fake_versions(REMOTE) == ["Warm look"]
    assert item.GetCurrentVersion() == {"versionName": "Pix2LUT 2", "versionType": LOCAL}


def test_remote_version_a_new_version_that_is_no_copy_gets_no_lut(tmp_path: Path, server: RunningServer) -> None:
    quirks = Quirks(add_version_default_grade=True)  # AddVersion starts from Resolve's default one-node grade
    resolve = FakeResolve.create(tmp_path, clips=six_clip_timeline(nodes=NODE_LABELS), quirks=quirks)
    item = resolve.fake_timeline().fake_item("Shot 01")

    code, lines = run_main(grade_clip_script.main, resolve, PIX2LUT_SERVER=server.address)

    expected = (
        "Pix2LUT: Resolve made version 'Pix2LUT 1' of 'Shot 01' with 1 node(s), not as a copy of 'Version 1' (2 "
        "node(s) labelled 'Neutralize', 'Look'), so no LUT was set on it: this Resolve does not copy the grade into "
        "a version a script adds, and Pix2LUT grades only in versions it adds."
    )
    assert (code, lines) == (1, [expected])
    assert not [refusal for refusal in resolve.fake_refusals() if refusal.call.endswith("SetLUT")]
    assert item.fake_versions() == [BASE] and item.GetCurrentVersion() == {"versionName": BASE, "versionType": LOCAL}
    assert journal_of(resolve)["runs"] == []


def test_remote_version_undo_opens_the_clips_timeline_and_comes_back(tmp_path: Path, server: RunningServer) -> None:
    width, height = GRADIENT_SIZE
    other = FakeClip("Other 01", gradient_frames(width, height, SHOT_FRAMES), nodes=NODE_LABELS)
    timelines = [FakeTimeline("Timeline 1", six_clip_timeline(nodes=NODE_LABELS)), FakeTimeline("Timeline 2", [other])]
    resolve = FakeResolve.create(tmp_path, timelines=timelines)
    project = resolve.fake_project()
    item = resolve.fake_timeline().fake_item("Shot 01")
    grade_clip(resolve, settings_for(resolve, server))
    assert project.SetCurrentTimeline(project.GetTimelineByIndex(2))  # the user moves on to another timeline

    code, lines = run_main(undo_main, resolve)

    assert (code, lines) == (0, [UNDO_HEAD.format(count=1), "Pix2LUT: 'Shot 01': 'Version 1' (was 'Pix2LUT 1')"])
    assert item.GetCurrentVersion() == {"versionName": BASE, "versionType": LOCAL}
    assert project.GetCurrentTimeline().GetName() == "Timeline 2"  # where the user left it


def test_journals_without_version_types_read_as_local(resolve: FakeResolve) -> None:
    item = on_remote_version(resolve, "Shot 01", BASE)
    resolve.OpenPage("color")
    assert item.AddVersion("Pix2LUT 1", LOCAL) and item.LoadVersionByName("Pix2LUT 1", LOCAL)
    resolve.OpenPage("edit")
    clip_id = item.GetUniqueId()
    journal = {  # as written before versions had types: every version local
        "format": 2,
        "clips": {clip_id: {"clip": "Shot 01", "base": BASE, "versions": {"Pix2LUT 1": BASE}}},
        "runs": [{"script": "Grade Clip", "timeline": "Timeline 1",
                  "clips": {clip_id: {"clip": "Shot 01", "previous": BASE, "made": "Pix2LUT 1"}}}],
    }  # fmt: skip
    folder = resolve.fake_master_lut_root / "Pix2LUT"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "journal.json").write_text(json.dumps(journal), encoding="utf-8")

    code, lines = run_main(undo_main, resolve)

    assert (code, lines) == (0, [UNDO_HEAD.format(count=1), "Pix2LUT: 'Shot 01': 'Version 1' (was 'Pix2LUT 1')"])
    assert item.GetCurrentVersion() == {"versionName": BASE, "versionType": LOCAL}
