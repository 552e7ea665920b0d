"""Neutralize + Look over a timeline, end to end: a real server with tiny real models, the fake Resolve with six
clips of real pixels; the LUTs, versions and rendered pictures checked, and a run stopped by a dead server resumed."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.cube import read_cube
from resolve_scripts import stills
from resolve_scripts.progress import ConsoleProgress
from resolve_scripts.stills import sample_frames
from resolve_scripts.timeline_grade import main, neutralize_and_look
from server.client import Client, Frame
from server.loop import ServerConfig
from tests.fakes import FakeClip, FakeResolve, FakeTimeline, FakeUI, six_clip_timeline
from tests.fakes.rendering import write_still
from tests.resolve_scripts.conftest import NODE_LABELS, run_main, settings_for
from tests.server.conftest import RunningServer, free_port, start_server, stop_server

BASE = "Version 1"
RENDER_ATOL = 1e-5  # the fake renders with pix2lut's tetrahedral interpolation, as the check does
REFERENCE_FRAME = 20  # inside Shot 03 (8 frames a shot)
FRAMES_PER_CLIP = 3  # the settings' default
ANY_FRAME = 5
FAST_TIMEOUT_MS = 400  # a dead server is given up on quickly
SHOTS = [f"Shot {n:02d}" for n in range(1, 7)]
TWO_NODES_HELP = (
    "on the Color page give it two serial nodes (select the node, Alt+S), or label two nodes Neutralize and "
    "Look, then run again"
)


def with_reference(resolve: FakeResolve) -> FakeResolve:
    assert resolve.fake_timeline().AddMarker(REFERENCE_FRAME, "Blue", "Reference", "the look", 1)
    return resolve


def lut_of(resolve: FakeResolve, relpath: str):
    return read_cube(resolve.fake_master_lut_root / relpath)


def cube_text(resolve: FakeResolve, relpath: str) -> str:
    return (resolve.fake_master_lut_root / relpath).read_text(encoding="ascii")


def base_stills(item, tmp_path: Path, count: int = FRAMES_PER_CLIP) -> list[Path]:
    """The stills the script exports of ``item``'s base version, written exactly as the fake writes them."""
    paths = []
    for frame in sample_frames(item, count):
        path = tmp_path / f"{item.GetName()}-{frame}.png"
        write_still(path, item.fake_render(frame - item.GetStart()))
        paths.append(path)
    return paths


def served_lut(server: RunningServer, op: str, stills_: list[Path]) -> str:
    with Client(server.address, timeout_ms=20_000, retries=1) as client:
        return client.request(op, [Frame.from_file(path) for path in stills_]).cube_text


def test_every_clip_gets_its_own_neutralize_lut_and_the_shared_look(
    resolve: FakeResolve, server: RunningServer, tmp_path: Path
) -> None:
    with_reference(resolve)
    timeline = resolve.fake_timeline()
    items = timeline.fake_items()
    expected_neutral = {item.GetName(): served_lut(server, "neutralize", base_stills(item, tmp_path)) for item in items}
    reference = tmp_path / "reference.png"
    shot_03 = timeline.fake_item("Shot 03")
    write_still(reference, shot_03.fake_render(timeline.GetStartFrame() + REFERENCE_FRAME - shot_03.GetStart()))
    expected_look = served_lut(server, "look", [reference])

    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0, lines
    stop = resolve.fake_master_lut_root / "Pix2LUT" / "STOP"
    assert lines[0] == (
        f"Pix2LUT: 6 clip(s) to grade on 'Timeline 1'; to stop before the next one, create an empty file {stop} (or "
        "stop the server); run again to go on."
    )
    assert lines[1:7] == [f"Pix2LUT: [{n}/6] {name}: Pix2LUT 1" for n, name in enumerate(SHOTS, start=1)]
    assert lines[7] == "Pix2LUT: Neutralize + Look on 'Timeline 1': 6 done, 0 already done earlier, 0 skipped, 0 left."
    assert lines[8].startswith("Pix2LUT: Look: Pix2LUT/") and "from the reference marker at 01:00:00:20" in lines[8]
    looks = set()
    for item in items:
        assert item.fake_versions() == [BASE, "Pix2LUT 1"]
        assert item.GetCurrentVersion()["versionName"] == "Pix2LUT 1"
        neutral_node, look_node = item.fake_nodes()
        assert cube_text(resolve, neutral_node.lut) == expected_neutral[item.GetName()]
        assert cube_text(resolve, look_node.lut) == expected_look
        looks.add(look_node.lut)
        assert [node.lut for node in item.fake_nodes(BASE)] == ["", ""]  # the user's version untouched
        source = item.fake_source_frame(ANY_FRAME)  # one LUT per shot: any of its frames
        expected = apply_lut(apply_lut(source, lut_of(resolve, neutral_node.lut)), lut_of(resolve, look_node.lut))
        np.testing.assert_allclose(item.fake_render(ANY_FRAME), expected, atol=RENDER_ATOL)
    assert len(looks) == 1
    assert len({item.fake_nodes()[0].lut for item in items}) == len(items)  # each shot its own
    assert timeline.fake_playhead() == timeline.GetStartFrame()  # back where the user left it
    assert resolve.GetCurrentPage() == "edit"


def test_a_second_run_changes_nothing(resolve: FakeResolve, server: RunningServer) -> None:
    with_reference(resolve)
    run_main(main, resolve, PIX2LUT_SERVER=server.address)
    nodes = {item.GetName(): item.fake_nodes() for item in resolve.fake_timeline().fake_items()}

    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0
    assert lines == [
        "Pix2LUT: Neutralize + Look on 'Timeline 1': 0 done, 6 already done earlier, 0 skipped, 0 left.",
        "Pix2LUT: Nothing to do: every clip was done by an earlier run (use Undo to grade it again).",
    ]
    for item in resolve.fake_timeline().fake_items():
        assert item.fake_versions() == [BASE, "Pix2LUT 1"] and item.fake_nodes() == nodes[item.GetName()]


class ActAfter(ConsoleProgress):
    """Console progress that does ``action`` once ``after`` clips are done: a server killed, or a user who asks the
    run to stop, mid-run."""

    def __init__(self, after: int, action: Callable[[], object]) -> None:
        super().__init__()
        self.after, self.action = after, action

    def step(self, done: int, total: int, line: str) -> None:
        super().step(done, total, line)
        if done == self.after:
            self.action()


def test_a_server_killed_mid_run_is_resumed_without_redoing_or_losing(
    resolve: FakeResolve, server: RunningServer, tmp_path: Path
) -> None:
    with_reference(resolve)
    address = f"tcp://127.0.0.1:{free_port()}"
    config = ServerConfig(bind=address, models_dir=server.models, allowed_roots=(), threads=1)
    first = RunningServer(address, start_server(config), server.models)
    settings = settings_for(resolve, first, timeout_ms=FAST_TIMEOUT_MS)

    lines = neutralize_and_look(resolve, settings, ActAfter(3, lambda: stop_server(first)))

    assert lines[0] == "Neutralize + Look on 'Timeline 1': 3 done, 0 already done earlier, 0 skipped, 3 left."
    assert lines[-1].startswith("stopped: at 'Shot 04': No answer from the Pix2LUT server at ")
    assert lines[-1].endswith("Run the script again to go on where it stopped.")
    items = resolve.fake_timeline().fake_items()
    assert [len(item.fake_versions()) for item in items] == [2, 2, 2, 1, 1, 1]
    assert [item.GetCurrentVersion()["versionName"] for item in items[3:]] == [BASE] * 3
    look = items[0].fake_nodes()[1].lut
    first_luts = [item.fake_nodes()[0].lut for item in items[:3]]

    second = RunningServer(address, start_server(config), server.models)
    try:
        lines = neutralize_and_look(resolve, settings, ConsoleProgress())
    finally:
        stop_server(second)

    assert lines[0] == "Neutralize + Look on 'Timeline 1': 3 done, 3 already done earlier, 0 skipped, 0 left."
    assert "kept from the run before" in lines[1]
    assert [item.fake_versions() for item in items] == [[BASE, "Pix2LUT 1"]] * 6  # nothing redone, nothing lost
    assert [item.fake_nodes()[0].lut for item in items[:3]] == first_luts
    assert {item.fake_nodes()[1].lut for item in items} == {look}  # the same look after the resume
    runs = json.loads((resolve.fake_master_lut_root / "Pix2LUT" / "journal.json").read_text())["runs"]
    assert [sorted(change["clip"] for change in run["clips"].values()) for run in runs] == [SHOTS[:3], SHOTS[3:]]


def test_a_clip_with_one_node_is_skipped_with_what_to_do_and_done_on_the_next_run(
    tmp_path: Path, server: RunningServer
) -> None:
    clips = six_clip_timeline(nodes=NODE_LABELS)
    clips[2] = dataclasses.replace(clips[2], nodes=("",))
    resolve = with_reference(FakeResolve.create(tmp_path, clips=clips))

    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0
    assert f"Pix2LUT: [3/6] Shot 03: skipped: it has 1 node(s): {TWO_NODES_HELP}." in lines
    assert f"Pix2LUT: skipped 'Shot 03': it has 1 node(s): {TWO_NODES_HELP}." in lines
    shot_03 = resolve.fake_timeline().fake_item("Shot 03")
    assert shot_03.fake_versions() == [BASE] and shot_03.GetCurrentVersion()["versionName"] == BASE

    assert resolve.OpenPage("color")
    shot_03.fake_set_nodes(NODE_LABELS)  # the user adds the second node
    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)

    assert lines[1] == "Pix2LUT: [6/6] Shot 03: Pix2LUT 1"
    assert "1 done, 5 already done earlier, 0 skipped, 0 left." in lines[2]
    assert shot_03.fake_versions() == [BASE, "Pix2LUT 1"]


def test_nodes_are_found_by_their_labels(tmp_path: Path, server: RunningServer) -> None:
    resolve = with_reference(FakeResolve.create(tmp_path, clips=six_clip_timeline(nodes=("Look", "", "Neutralize"))))
    assert run_main(main, resolve, PIX2LUT_SERVER=server.address)[0] == 0
    for item in resolve.fake_timeline().fake_items():
        look, middle, neutral = item.fake_nodes()
        assert middle.lut == "" and look.lut and neutral.lut and look.lut != neutral.lut
    assert len({item.fake_nodes()[0].lut for item in resolve.fake_timeline().fake_items()}) == 1  # the shared look


def test_without_a_reference_node_2_is_left_as_it_was(resolve: FakeResolve, server: RunningServer) -> None:
    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 0
    assert lines[-1] == (
        "Pix2LUT: No look: mark the reference frame with a timeline marker named Reference (or set the reference "
        "setting to a still); node 2 was left as it was."
    )
    for item in resolve.fake_timeline().fake_items():
        assert item.fake_nodes()[0].lut.startswith("Pix2LUT/") and item.fake_nodes()[1].lut == ""


def test_a_reference_still_file_gives_the_look(resolve: FakeResolve, server: RunningServer, tmp_path: Path) -> None:
    reference = tmp_path / "reference.png"
    write_still(reference, resolve.fake_timeline().fake_item("Shot 05").fake_source_frame(2))
    code, _lines = run_main(main, resolve, PIX2LUT_SERVER=server.address, PIX2LUT_REFERENCE=str(reference))
    assert code == 0
    look = resolve.fake_timeline().fake_item("Shot 01").fake_nodes()[1].lut
    assert cube_text(resolve, look) == served_lut(server, "look", [reference])


def test_a_track_the_timeline_lacks_is_one_line(resolve: FakeResolve, server: RunningServer) -> None:
    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address, PIX2LUT_TRACKS="1,3")
    expected = (
        "Pix2LUT: Timeline 'Timeline 1' has 1 video track(s), so track 3 does not exist: fix the tracks setting "
        "(PIX2LUT_TRACKS)."
    )
    assert (code, lines) == (1, [expected])
    assert all(len(item.fake_versions()) == 1 for item in resolve.fake_timeline().fake_items())


def test_a_clip_covered_by_a_higher_track_is_skipped(tmp_path: Path, server: RunningServer) -> None:
    clips = six_clip_timeline(nodes=NODE_LABELS)
    cover = FakeClip("Title", clips[0].frames, start_frame=8, track=2, nodes=NODE_LABELS)  # over Shot 02
    resolve = FakeResolve.create(tmp_path, clips=[*clips, cover])

    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address, PIX2LUT_TRACKS="1")

    assert code == 0
    skipped = [line for line in lines if line.startswith("Pix2LUT: skipped 'Shot 02'")]
    assert len(skipped) == 1 and "the viewer shows 'Title' over it at 01:00:00:" in skipped[0]
    assert "5 done, 0 already done earlier, 1 skipped, 0 left." in " ".join(lines)


def test_studio_shows_progress_in_a_window_until_the_user_closes_it(tmp_path: Path, server: RunningServer) -> None:
    ui = FakeUI(click="Close")
    resolve = with_reference(FakeResolve.create(tmp_path, clips=six_clip_timeline(nodes=NODE_LABELS), ui_manager=ui))

    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0 and len(lines) == 9  # the console lines come as well
    window = ui.fake_window()
    items = window.GetItems()
    assert items["Status"].fake_history == ["Starting", *[f"{n} of 6" for n in range(1, 7)], lines[7][9:]]
    assert items["Detail"].fake_history[1] == lines[0][len("Pix2LUT: ") :]  # how to stop
    assert items["Detail"].fake_history[2:8] == [line[len("Pix2LUT: [1/6] ") :] for line in lines[1:7]]
    assert ui.fake_clicks == ["Close"] and not window.shown and items["Close"].Enabled


def test_free_edition_gets_console_lines_only(tmp_path: Path, server: RunningServer) -> None:
    resolve = FakeResolve.create(tmp_path, edition="free", clips=six_clip_timeline(nodes=NODE_LABELS))
    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 0 and lines[6] == "Pix2LUT: [6/6] Shot 06: Pix2LUT 1"
    assert resolve.Fusion().UIManager is None  # (and the "buy Studio" window it opens comes after the run)


def test_drop_frame_timeline_and_raw_black_stills(
    tmp_path: Path, server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stills, "RETRY_DELAY_S", 0.0)
    clips = [
        dataclasses.replace(clip, fps=29.97, black_first_exports=2) for clip in six_clip_timeline(nodes=NODE_LABELS)
    ]
    timeline = FakeTimeline("Timeline DF", clips, start_timecode="01:00:00;00", drop_frame=True)
    resolve = FakeResolve.create(tmp_path, timelines=[timeline])

    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0, lines
    assert "6 done, 0 already done earlier, 0 skipped, 0 left." in lines[7]
    assert not [refusal for refusal in resolve.fake_refusals() if "Timecode" in refusal.call]


def test_the_stop_file_stops_before_the_next_clip_and_the_next_run_goes_on(
    resolve: FakeResolve, server: RunningServer
) -> None:
    stop = resolve.fake_master_lut_root / "Pix2LUT" / "STOP"
    settings = settings_for(resolve, server)

    lines = neutralize_and_look(resolve, settings, ActAfter(2, lambda: stop.write_text("")))

    assert lines[0] == "Neutralize + Look on 'Timeline 1': 2 done, 0 already done earlier, 0 skipped, 4 left."
    assert lines[-1] == (
        f"stopped: before 'Shot 03': asked to stop ({stop}). Run the script again to go on where it stopped."
    )
    assert not stop.exists()  # taken away, so the next run goes on
    lines = neutralize_and_look(resolve, settings, ConsoleProgress())
    assert lines[0] == "Neutralize + Look on 'Timeline 1': 4 done, 2 already done earlier, 0 skipped, 0 left."
    assert [item.fake_versions() for item in resolve.fake_timeline().fake_items()] == [[BASE, "Pix2LUT 1"]] * 6
