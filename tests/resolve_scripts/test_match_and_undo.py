"""Match to Reference and Undo end to end: a real server with tiny real models, the fake Resolve with real pixels."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.cube import read_cube
from pix2lut.protocol import COLOUR_KEYS
from resolve_scripts.grade_clip import grade_clip
from resolve_scripts.match_reference import main as match_main
from resolve_scripts.timeline_grade import main as timeline_grade_main
from resolve_scripts.undo import main as undo_main
from server.client import Frame
from tests.fakes import FakeResolve, FakeUI, six_clip_timeline
from tests.fakes.rendering import write_still
from tests.fakes.timecode import TimecodeFormat
from tests.resolve_scripts.conftest import NODE_LABELS, run_main, settings_for
from tests.server.conftest import RunningServer

BASE = "Version 1"  # the fake's first version of every clip: the user's own grade
FPS = 24.0  # the six-clip timeline's rate
SHOT_FRAMES = 8  # frames per shot of the six-clip timeline
SHOT, SHOT_OFFSET = "Shot 02", 2  # the clip matched, and the playhead's frame in it
REFERENCE, REFERENCE_OFFSET = "Shot 04", 3  # the clip under the reference marker, and the marker's frame in it
STILL_FILE_SOURCE, STILL_FILE_OFFSET = "Shot 05", 4  # what the reference still file shows
RENDER_ATOL = 1e-5  # the fake renders with pix2lut's tetrahedral interpolation, as the check does
USER_POLLS = 10  # more than the fake's report lag
LUT_RELPATH = re.compile(r"Pix2LUT/[0-9a-f]{16}\.cube")
MARK_IT = (
    "mark the reference frame with a timeline marker named Reference, or set the reference setting "
    "(PIX2LUT_REFERENCE) to a still"
)
NOTHING_TO_UNDO = "Pix2LUT: Nothing to undo: the Pix2LUT journal records no run."
UNDO_HEAD = (
    "Pix2LUT: undid {script} on 'Timeline 1': {count} clip(s) back on the version they were on before (the Pix2LUT "
    "versions are kept in each clip's Local Versions)"
)
CLIP_NAMES = [f"Shot {shot:02d}" for shot in range(1, 7)]


@pytest.fixture
def resolve(tmp_path: Path) -> FakeResolve:
    """Six clips with two nodes each, on Studio (a FakeUI user closes Neutralize + Look's window)."""
    return FakeResolve.create(tmp_path, clips=six_clip_timeline(nodes=NODE_LABELS), ui_manager=FakeUI())


def park_on(resolve: FakeResolve, clip: str, offset: int) -> int:
    """Put the playhead on frame ``offset`` of ``clip`` as the user would; returns the absolute frame.

    The fake's report lags a scripted set (API-NOTES section 4); a playhead the user moved by hand was reported
    long before any script runs, so poll until it is.
    """
    timeline = resolve.fake_timeline()
    frame = timeline.fake_item(clip).GetStart() + offset
    timecode = TimecodeFormat(FPS).to_timecode(frame)
    assert timeline.SetCurrentTimecode(timecode)
    for _poll in range(USER_POLLS):
        if timeline.GetCurrentTimecode() == timecode:
            return frame
    raise AssertionError(f"the fake never reported the playhead at {timecode}")


def relative_marker_frame(clip_index: int, offset: int) -> int:
    return clip_index * SHOT_FRAMES + offset


def direct_match(resolve: FakeResolve, server: RunningServer, shot: Path, reference: Path) -> str:
    """The .cube the server answers to ``match`` on these two still files, asked without the scripts."""
    project = resolve.fake_project()
    colour = {key: project.GetSetting(key) for key in COLOUR_KEYS}
    with server.client(timeout_ms=10_000, retries=1) as client:
        reply = client.request("match", [Frame.from_file(shot), Frame.from_file(reference)], outputs=["cube"],
                               colour=colour)  # fmt: skip
    return reply.cube_text


def still_of(resolve: FakeResolve, clip: str, offset: int, path: Path) -> Path:
    """The still the fake exports of ``clip`` at ``offset`` as graded now: an 8-bit PNG of its render."""
    write_still(path, resolve.fake_timeline().fake_item(clip).fake_render(offset))
    return path


def journal_of(resolve: FakeResolve) -> dict:
    return json.loads((resolve.fake_master_lut_root / "Pix2LUT" / "journal.json").read_text(encoding="utf-8"))


def write_journal_json(resolve: FakeResolve, document: dict) -> None:
    path = resolve.fake_master_lut_root / "Pix2LUT" / "journal.json"
    path.write_text(json.dumps(document), encoding="utf-8")


def current_version(resolve: FakeResolve, clip: str) -> str:
    return resolve.fake_timeline().fake_item(clip).GetCurrentVersion()["versionName"]


# -- Match to Reference ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "note"), [("Reference", ""), ("Hero", "the REFERENCE frame")])
def test_match_to_a_reference_marker(
    resolve: FakeResolve, server: RunningServer, tmp_path: Path, name: str, note: str
) -> None:
    timeline = resolve.fake_timeline()
    item, reference = timeline.fake_item(SHOT), timeline.fake_item(REFERENCE)
    marker = relative_marker_frame(3, REFERENCE_OFFSET)
    assert timeline.AddMarker(marker, "Blue", name, note, 1)
    playhead = park_on(resolve, SHOT, SHOT_OFFSET)
    expected_cube = direct_match(
        resolve,
        server,
        still_of(resolve, SHOT, SHOT_OFFSET, tmp_path / "shot.png"),
        still_of(resolve, REFERENCE, REFERENCE_OFFSET, tmp_path / "reference.png"),
    )
    reference_nodes = reference.fake_nodes()

    code, lines = run_main(match_main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0, lines
    relpath = item.fake_nodes("Pix2LUT 1")[1].lut  # the last node takes the LUT
    assert LUT_RELPATH.fullmatch(relpath), relpath
    marker_timecode = TimecodeFormat(FPS).to_timecode(timeline.GetStartFrame() + marker)
    assert lines == [
        (
            f"Pix2LUT: matched {SHOT!r} to the reference from the reference marker at {marker_timecode}: version "
            f"'Pix2LUT 1' from {BASE!r} (previous {BASE!r} kept), node 2 LUT {relpath}"
        )
    ]
    assert (resolve.fake_master_lut_root / relpath).read_text(encoding="ascii") == expected_cube
    assert item.fake_versions() == [BASE, "Pix2LUT 1"] and current_version(resolve, SHOT) == "Pix2LUT 1"
    assert [node.lut for node in item.fake_nodes(BASE)] == ["", ""]
    np.testing.assert_allclose(
        item.fake_render(SHOT_OFFSET),
        apply_lut(item.fake_source_frame(SHOT_OFFSET), read_cube(resolve.fake_master_lut_root / relpath)),
        atol=RENDER_ATOL,
    )
    assert timeline.fake_playhead() == playhead  # back on the shot
    assert timeline.GetCurrentVideoItem() is item
    assert reference.fake_versions() == [BASE] and reference.fake_nodes() == reference_nodes  # untouched
    assert resolve.GetCurrentPage() == "edit"


def test_match_to_a_reference_still_file(resolve: FakeResolve, server: RunningServer, tmp_path: Path) -> None:
    timeline = resolve.fake_timeline()
    item = timeline.fake_item(SHOT)
    playhead = park_on(resolve, SHOT, SHOT_OFFSET)
    reference = still_of(resolve, STILL_FILE_SOURCE, STILL_FILE_OFFSET, tmp_path / "look.png")
    expected_cube = direct_match(
        resolve, server, still_of(resolve, SHOT, SHOT_OFFSET, tmp_path / "shot.png"), reference
    )

    code, lines = run_main(match_main, resolve, PIX2LUT_SERVER=server.address, PIX2LUT_REFERENCE=str(reference))

    assert code == 0, lines
    relpath = item.fake_nodes("Pix2LUT 1")[1].lut  # the last node takes the LUT
    assert lines == [
        (
            f"Pix2LUT: matched {SHOT!r} to the reference from the still {reference}: version 'Pix2LUT 1' from "
            f"{BASE!r} (previous {BASE!r} kept), node 2 LUT {relpath}"
        )
    ]
    assert (resolve.fake_master_lut_root / relpath).read_text(encoding="ascii") == expected_cube
    assert timeline.fake_playhead() == playhead
    assert timeline.fake_item(STILL_FILE_SOURCE).fake_versions() == [BASE]


def test_match_without_a_reference_is_one_line_and_changes_nothing(resolve: FakeResolve, server: RunningServer) -> None:
    timeline = resolve.fake_timeline()
    item = timeline.fake_item(SHOT)
    playhead = park_on(resolve, SHOT, SHOT_OFFSET)
    assert timeline.AddMarker(relative_marker_frame(3, 0), "Green", "Hero shot", "warm", 1)  # not a reference

    code, lines = run_main(match_main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 1
    assert lines == [f"Pix2LUT: No reference to match {SHOT!r} to: {MARK_IT}, and run again."]
    assert item.fake_versions() == [BASE] and current_version(resolve, SHOT) == BASE
    assert timeline.fake_playhead() == playhead
    assert not (resolve.fake_master_lut_root / "Pix2LUT").exists()  # no LUT, no journal
    assert resolve.GetCurrentPage() == "edit"


def test_match_to_a_missing_still_file_is_one_line(resolve: FakeResolve, server: RunningServer, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-still.png"
    code, lines = run_main(match_main, resolve, PIX2LUT_SERVER=server.address, PIX2LUT_REFERENCE=str(missing))
    assert code == 1
    assert lines == [f"Pix2LUT: The reference still {missing} does not exist: fix the reference setting."]
    assert resolve.fake_timeline().fake_item("Shot 01").fake_versions() == [BASE]


# -- Undo --------------------------------------------------------------------------------------------------------


def test_undo_after_grade_clip(resolve: FakeResolve, server: RunningServer) -> None:
    item = resolve.fake_timeline().fake_item("Shot 01")
    grade_clip(resolve, settings_for(resolve, server))
    assert len(journal_of(resolve)["runs"]) == 1

    code, lines = run_main(undo_main, resolve)

    assert code == 0
    assert lines == [
        UNDO_HEAD.format(script="Grade Clip", count=1),
        f"Pix2LUT: 'Shot 01': {BASE!r} (was 'Pix2LUT 1')",
    ]
    assert current_version(resolve, "Shot 01") == BASE
    assert item.fake_versions() == [BASE, "Pix2LUT 1"]  # kept
    assert journal_of(resolve)["runs"] == []
    assert resolve.GetCurrentPage() == "edit"

    code, lines = run_main(undo_main, resolve)
    assert (code, lines) == (1, [NOTHING_TO_UNDO])
    assert current_version(resolve, "Shot 01") == BASE


def test_undo_with_no_journal_at_all(resolve: FakeResolve) -> None:
    assert run_main(undo_main, resolve) == (1, [NOTHING_TO_UNDO])


def test_undo_goes_back_one_run_at_a_time(resolve: FakeResolve, server: RunningServer) -> None:
    item = resolve.fake_timeline().fake_item("Shot 01")
    grade_clip(resolve, settings_for(resolve, server))  # Version 1 -> Pix2LUT 1
    grade_clip(resolve, settings_for(resolve, server))  # Pix2LUT 1 -> Pix2LUT 2

    first = run_main(undo_main, resolve)
    assert first == (
        0,
        [UNDO_HEAD.format(script="Grade Clip", count=1), "Pix2LUT: 'Shot 01': 'Pix2LUT 1' (was 'Pix2LUT 2')"],
    )
    assert current_version(resolve, "Shot 01") == "Pix2LUT 1"
    assert len(journal_of(resolve)["runs"]) == 1

    second = run_main(undo_main, resolve)
    assert second == (
        0,
        [UNDO_HEAD.format(script="Grade Clip", count=1), f"Pix2LUT: 'Shot 01': {BASE!r} (was 'Pix2LUT 1')"],
    )
    assert current_version(resolve, "Shot 01") == BASE

    assert run_main(undo_main, resolve) == (1, [NOTHING_TO_UNDO])
    assert item.fake_versions() == [BASE, "Pix2LUT 1", "Pix2LUT 2"]


def test_undo_names_a_clip_no_timeline_holds(resolve: FakeResolve, server: RunningServer) -> None:
    grade_clip(resolve, settings_for(resolve, server))
    journal = journal_of(resolve)
    journal["runs"][-1]["clips"]["fa4e0000-0000-4000-8000-0000deadbeef"] = {
        "clip": "Shot 99",
        "previous": BASE,
        "made": "Pix2LUT 1",
    }
    write_journal_json(resolve, journal)

    code, lines = run_main(undo_main, resolve)

    assert code == 0
    assert lines == [
        UNDO_HEAD.format(script="Grade Clip", count=1),
        f"Pix2LUT: 'Shot 01': {BASE!r} (was 'Pix2LUT 1')",
        "Pix2LUT: not on an open timeline, left as they are: 'Shot 99'",
    ]
    assert current_version(resolve, "Shot 01") == BASE
    assert journal_of(resolve)["runs"] == []


def test_undo_of_neutralize_and_look_lets_the_timeline_be_graded_again(
    resolve: FakeResolve, server: RunningServer
) -> None:
    timelines = resolve.fake_master_lut_root / "Pix2LUT" / "timelines"
    code, lines = run_main(timeline_grade_main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 0, lines
    assert len(list(timelines.glob("*.json"))) == 1
    assert [current_version(resolve, name) for name in CLIP_NAMES] == ["Pix2LUT 1"] * len(CLIP_NAMES)

    code, lines = run_main(undo_main, resolve)

    assert code == 0
    assert lines == [UNDO_HEAD.format(script="Neutralize + Look", count=len(CLIP_NAMES))] + [
        f"Pix2LUT: {name!r}: {BASE!r} (was 'Pix2LUT 1')" for name in CLIP_NAMES
    ]
    assert list(timelines.glob("*.json")) == []
    assert [current_version(resolve, name) for name in CLIP_NAMES] == [BASE] * len(CLIP_NAMES)

    code, lines = run_main(timeline_grade_main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0, lines
    summary = "Pix2LUT: Neutralize + Look on 'Timeline 1': 6 done, 0 already done earlier, 0 skipped, 0 left."
    assert summary in lines, lines
    assert [current_version(resolve, name) for name in CLIP_NAMES] == ["Pix2LUT 2"] * len(CLIP_NAMES)
    for name in CLIP_NAMES:
        item = resolve.fake_timeline().fake_item(name)
        assert item.fake_versions() == [BASE, "Pix2LUT 1", "Pix2LUT 2"]
        assert LUT_RELPATH.fullmatch(item.fake_nodes("Pix2LUT 2")[0].lut)
