"""Every quirk of API-NOTES section 10, and the scripts handling it. Where another file already shows it:

| quirk | test |
|---|---|
| 1-based indices, False for a bad node index | test_grade_clip: test_node_that_does_not_exist_is_one_line |
| a non-string CDL value renders red | test_grade_clip: test_cdl_goes_on_another_node_as_strings |
| GetLUT answers the master-relative path | test_grade_clip: test_grade_clip_sets_the_lut_in_a_new_version |
| scriptapp None when scripting is unavailable | test_grade_clip: test_get_resolve_tries_every_way_in |
| versions with unique names | test_grade_clip: test_unique_version_name, test_second_run_adds_pix2lut_2_... |
| ExportCurrentFrameAsStill writes the real frame | every end-to-end test (the LUT is fitted to its pixels) |
| the black still of undecoded RAW | test_timeline_grade: test_drop_frame_timeline_and_raw_black_stills |
| GetCurrentTimecode lagging a set | test_stills_and_timecode |
| Studio-only: UIManager None on free | test_timeline_grade: test_free_edition_gets_console_lines_only |
| Color-page-only calls | test_grade_clip: the page the user was on comes back |

and here: an undiscovered LUT (only in the per-user folder, or the list not refreshed), "" for unknown settings,
absolute timecodes on a timeline that starts late, the Gallery closed, and calls missing from older versions.
"""

from __future__ import annotations

import json
from pathlib import Path

from resolve_scripts import grade_clip, timeline_grade
from resolve_scripts.resolve_access import COLOUR_KEYS, colour_settings
from tests.fakes import FakeResolve, six_clip_timeline
from tests.resolve_scripts.conftest import NODE_LABELS, run_main
from tests.server.conftest import RunningServer

BASE = "Version 1"


def test_a_lut_in_the_per_user_folder_is_refused_and_its_version_taken_back(
    resolve: FakeResolve, server: RunningServer
) -> None:
    item = resolve.fake_timeline().fake_item("Shot 01")

    code, lines = run_main(
        grade_clip.main, resolve, PIX2LUT_SERVER=server.address, PIX2LUT_LUT_ROOT=str(resolve.fake_user_lut_root)
    )

    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("Pix2LUT: Resolve would not put the LUT Pix2LUT/")
    assert lines[0].endswith(
        "on node 2: check that the Pix2LUT folder is under the master LUT folder (not the per-user one) and refresh "
        "the LUT list."
    )
    assert item.fake_versions() == [BASE] and item.GetCurrentVersion()["versionName"] == BASE
    journal = json.loads((resolve.fake_user_lut_root / "Pix2LUT" / "journal.json").read_text())
    assert journal["runs"] == [] and journal["clips"][item.GetUniqueId()]["versions"] == {}


def test_a_refused_lut_list_refresh_is_one_line_and_changes_nothing(
    resolve: FakeResolve, server: RunningServer
) -> None:
    resolve.fake_project().RefreshLUTList = lambda: False  # Resolve busy, e.g. a modal dialog open
    code, lines = run_main(grade_clip.main, resolve, PIX2LUT_SERVER=server.address)
    expected = (
        "Pix2LUT: Resolve refused to refresh its LUT list: use Color > LUTs > Refresh (right-click in the LUT "
        "browser) and run the script again."
    )
    assert (code, lines) == (1, [expected])
    assert resolve.fake_timeline().fake_item("Shot 01").fake_versions() == [BASE]


def test_unknown_settings_read_as_empty_and_are_not_sent(tmp_path: Path) -> None:
    resolve = FakeResolve.create(tmp_path, clips=six_clip_timeline(), project_settings={"colorSpaceOutputGamma": ""})
    project = resolve.fake_project()
    assert project.GetSetting("noSuchSetting") == ""
    sent = colour_settings(project, resolve.fake_timeline())
    assert "colorSpaceOutputGamma" not in sent
    assert set(sent) == set(COLOUR_KEYS) - {"colorSpaceOutputGamma"}
    assert all(isinstance(value, str) and value for value in sent.values())


def test_a_timeline_starting_at_ten_hours_gets_absolute_timecodes(tmp_path: Path, server: RunningServer) -> None:
    resolve = FakeResolve.create(tmp_path, clips=six_clip_timeline(nodes=NODE_LABELS), start_timecode="10:00:00:00")
    code, lines = run_main(timeline_grade.main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 0 and "6 done" in lines[7]
    assert not resolve.fake_refusals()


def test_the_scripts_never_need_the_gallery(resolve: FakeResolve, server: RunningServer) -> None:
    assert run_main(grade_clip.main, resolve, PIX2LUT_SERVER=server.address)[0] == 0  # the Gallery panel is closed
    assert not resolve.fake_refusals()


def test_resolve_18_5_without_node_graphs_uses_the_clip_calls(tmp_path: Path, server: RunningServer) -> None:
    resolve = FakeResolve.create(tmp_path, version=(18, 5, 0), clips=six_clip_timeline(nodes=NODE_LABELS))
    item = resolve.fake_timeline().fake_item("Shot 01")
    assert item.GetNodeGraph is None and "GetNodeGraph" not in dir(item)  # unknown attributes read as None
    code, lines = run_main(grade_clip.main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 0, lines
    assert item.GetLUT(2).startswith("Pix2LUT/")


def test_resolve_older_than_18_5_is_told_so(tmp_path: Path, server: RunningServer) -> None:
    resolve = FakeResolve.create(tmp_path, version=(18, 1, 4), clips=six_clip_timeline())
    code, lines = run_main(grade_clip.main, resolve, PIX2LUT_SERVER=server.address)
    assert (code, lines) == (
        1,
        ["Pix2LUT: DaVinci Resolve Studio 18.1.4 is too old: Pix2LUT needs 18.5 or newer (ExportCurrentFrameAsStill)."],
    )
