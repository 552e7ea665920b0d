"""Issue 23, "Resolve as it really behaves": four quirks of live Resolve, played by the fake, and the scripts
handling them. Each test is named after its quirk:

- users_lut: a LUT already on a node is the user's (often a log to Rec.709 conversion on node 1). It is never
  replaced: the LUT goes on the node labelled Pix2LUT (Neutralize, Look), else on a node without a LUT, the last.
- free_upsell: on free 19.1+, reading ``fusion.UIManager`` opens a "buy Studio" window, and calls answer False
  while it is open. UIManager is read on Studio, or below 19.1, only.
- non_ascii: Resolve's console may reject non-ASCII output (UnicodeEncodeError). Every line is ASCII-safe, and a
  failing print never stops a run.
- bridge_env: the bridge process inherits Resolve's environment (PYTHONHOME, PYTHONPATH) and, on Windows, a console
  window. Both are dropped: the two variables, and the window (CREATE_NO_WINDOW).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.cube import read_cube, write_cube
from pix2lut.lut import Lut3D, identity_table
from resolve_scripts import doctor, grade_clip, luts, match_reference, resolve_access, timeline_grade, transport
from resolve_scripts.errors import ClipSkipped, TransportError
from resolve_scripts.grade_clip import grade_clip as grade_clip_run
from resolve_scripts.menu import entry_by_module, stub_source
from resolve_scripts.nodes import find_nodes
from resolve_scripts.transport import BridgeTransport, GradeClient
from tests.fakes import FakeConsole, FakeResolve, FakeTimeline, FakeUI, six_clip_timeline
from tests.fakes.rendering import write_still
from tests.resolve_scripts.conftest import NODE_LABELS, run_main, script_environ, settings_for
from tests.server.conftest import RunningServer

BASE = "Version 1"  # the fake's first version of every clip: the user's own grade
RENDER_ATOL = 1e-5  # the fake renders with pix2lut's tetrahedral interpolation, as the check does
USERS_LUT = "Cameras/Log to Rec709.cube"  # master-relative, as GetLUT answers
USERS_LUT_SIZE = 17
LOG_TO_REC709_GAMMA = 0.6  # a stand-in for a camera log to Rec.709 conversion: brightens and adds contrast
TWO_CLIPS = 2  # enough clips to see a run go on past one, and quick
REFERENCE_MARKER_FRAME = 3  # inside Shot 01
CAFE_TOKYO = "Caf\u00e9 \u6771\u4eac"  # "Cafe Tokyo" with an e acute, and Tokyo in kanji
CAFE_TOKYO_ESCAPED = "Caf\\xe9 \\u6771\\u4eac"  # as the scripts print it
SUMMER_EDIT = "Montage \u00e9t\u00e9"
SUMMER_EDIT_ESCAPED = "Montage \\xe9t\\xe9"
BRIDGE_TIMEOUT_MS = 10_000
STUB_RUN_TIMEOUT_S = 60
RESOLVE_PYTHON_HOME = "resolve-python"  # a PYTHONHOME Resolve's Python needs and the bridge's Python must not get
WINDOWS_CREATE_NO_WINDOW = 0x08000000  # the documented process creation flag


def make_resolve(tmp_path: Path, nodes: tuple[str, ...], clips: int = TWO_CLIPS, **create) -> FakeResolve:
    return FakeResolve.create(tmp_path, clips=six_clip_timeline(nodes=nodes)[:clips], **create)


def put_users_lut(resolve: FakeResolve, clip: str, node: int, relpath: str = USERS_LUT) -> None:
    """The user puts a LUT from the master LUT folder on ``node`` of ``clip``'s current version, on the Color page."""
    path = resolve.fake_master_lut_root / relpath
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_cube(Lut3D(identity_table(USERS_LUT_SIZE) ** LOG_TO_REC709_GAMMA), path)
    assert resolve.fake_project().RefreshLUTList()
    item = resolve.fake_timeline().fake_item(clip)
    assert resolve.OpenPage("color")
    try:
        assert item.GetNodeGraph(1).SetLUT(node, relpath)
    finally:
        assert resolve.OpenPage("edit")


def lut_of(resolve: FakeResolve, relpath: str) -> Lut3D:
    return read_cube(resolve.fake_master_lut_root / relpath)


def node_luts(resolve: FakeResolve, clip: str, version: str | None = None) -> list[str]:
    return [node.lut for node in resolve.fake_timeline().fake_item(clip).fake_nodes(version)]


def with_reference(resolve: FakeResolve) -> FakeResolve:
    assert resolve.fake_timeline().AddMarker(REFERENCE_MARKER_FRAME, "Blue", "Reference", "", 1)
    return resolve


# -- users_lut ---------------------------------------------------------------------------------------------------


def test_users_lut_grade_clip_refuses_rather_than_replace_the_only_nodes_lut(
    tmp_path: Path, server: RunningServer
) -> None:
    resolve = make_resolve(tmp_path, nodes=("",))
    put_users_lut(resolve, "Shot 01", 1)

    code, lines = run_main(grade_clip.main, resolve, PIX2LUT_SERVER=server.address)

    assert (code, lines) == (
        1,
        [
            (
                f"Pix2LUT: Clip 'Shot 01' has no node free for the LUT (node 1: {USERS_LUT}), and Pix2LUT never "
                "replaces a LUT of yours: on the Color page select the last node, add a serial node after it "
                "(Alt+S), label the new node Pix2LUT (right-click > Node Label) and run again: it must come last, as "
                "the still Pix2LUT grades is the picture after all the nodes."
            )
        ],
    )
    item = resolve.fake_timeline().fake_item("Shot 01")
    assert item.fake_versions() == [BASE] and node_luts(resolve, "Shot 01") == [USERS_LUT]


def test_users_lut_the_node_labelled_pix2lut_takes_the_lut_after_the_users(
    tmp_path: Path, server: RunningServer
) -> None:
    resolve = make_resolve(tmp_path, nodes=("", "Pix2LUT"))
    put_users_lut(resolve, "Shot 01", 1)
    item = resolve.fake_timeline().fake_item("Shot 01")
    warnings: list[str] = []

    result = grade_clip_run(resolve, settings_for(resolve, server), warn=warnings.append)

    assert (result.node, result.version, warnings) == (2, "Pix2LUT 1", [])
    assert node_luts(resolve, "Shot 01", "Pix2LUT 1") == [USERS_LUT, result.lut_relpath]
    assert node_luts(resolve, "Shot 01", BASE) == [USERS_LUT, ""]
    expected = apply_lut(
        apply_lut(item.fake_source_frame(), lut_of(resolve, USERS_LUT)), lut_of(resolve, result.lut_relpath)
    )
    np.testing.assert_allclose(item.fake_render(), expected, atol=RENDER_ATOL)


def test_users_lut_a_configured_node_holding_a_lut_is_refused(tmp_path: Path, server: RunningServer) -> None:
    resolve = make_resolve(tmp_path, nodes=("", ""))
    put_users_lut(resolve, "Shot 01", 1)

    code, lines = run_main(grade_clip.main, resolve, PIX2LUT_SERVER=server.address, PIX2LUT_NODE="1")

    assert (code, lines) == (
        1,
        [
            (
                f"Pix2LUT: Node 1 of clip 'Shot 01' (the node setting, PIX2LUT_NODE) holds the LUT {USERS_LUT}, and "
                "Pix2LUT never replaces a LUT of yours: on the Color page select the last node, add a serial node "
                "after it (Alt+S), label the new node Pix2LUT (right-click > Node Label) and run again: it must come "
                "last, as the still Pix2LUT grades is the picture after all the nodes (a node labelled Pix2LUT is "
                "used whatever the setting)."
            )
        ],
    )
    assert node_luts(resolve, "Shot 01") == [USERS_LUT, ""]


def test_users_lut_the_default_takes_the_last_free_node_and_warns_when_a_node_follows(
    tmp_path: Path, server: RunningServer
) -> None:
    resolve = make_resolve(tmp_path, nodes=("", ""))
    put_users_lut(resolve, "Shot 01", 2)  # e.g. a film print emulation at the end of the user's graph

    code, lines = run_main(grade_clip.main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0 and len(lines) == 2, lines
    assert lines[0] == (
        "Pix2LUT: warning: The LUT of 'Shot 01' went on node 1, but node 2 may come after it: the still Pix2LUT "
        "graded is the picture after all the nodes, so the correction belongs on the last node (scripts cannot see "
        "the wiring: if node 1 is already last, all is well; else add a serial node after the last one with Alt+S "
        "and label it Pix2LUT)."
    )
    relpath = node_luts(resolve, "Shot 01", "Pix2LUT 1")[0]
    assert relpath.startswith("Pix2LUT/") and lines[1].endswith(f"node 1 LUT {relpath}")
    assert node_luts(resolve, "Shot 01", "Pix2LUT 1") == [relpath, USERS_LUT]


def test_users_lut_match_puts_its_lut_on_the_pix2lut_node(tmp_path: Path, server: RunningServer) -> None:
    resolve = make_resolve(tmp_path, nodes=("", "Pix2LUT"))
    put_users_lut(resolve, "Shot 01", 1)
    reference = tmp_path / "reference.png"
    write_still(reference, resolve.fake_timeline().fake_item("Shot 02").fake_render(2))

    code, lines = run_main(
        match_reference.main, resolve, PIX2LUT_SERVER=server.address, PIX2LUT_REFERENCE=str(reference)
    )

    assert code == 0, lines
    users, relpath = node_luts(resolve, "Shot 01", "Pix2LUT 1")
    assert users == USERS_LUT and relpath.startswith("Pix2LUT/")
    assert lines == [
        (
            f"Pix2LUT: matched 'Shot 01' to the reference from the still {reference}: version 'Pix2LUT 1' from "
            f"{BASE!r} (previous {BASE!r} kept), node 2 LUT {relpath}"
        )
    ]


def test_users_lut_neutralize_and_look_go_on_the_free_nodes_after_the_users(
    tmp_path: Path, server: RunningServer
) -> None:
    resolve = with_reference(make_resolve(tmp_path, nodes=("", "", "")))
    for clip in ("Shot 01", "Shot 02"):
        put_users_lut(resolve, clip, 1)

    code, lines = run_main(timeline_grade.main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0, lines
    assert not [line for line in lines if "warning" in line], lines
    assert "2 done, 0 already done earlier, 0 skipped, 0 left." in lines[3], lines
    for clip in ("Shot 01", "Shot 02"):
        users, neutral, look = node_luts(resolve, clip, "Pix2LUT 1")
        assert users == USERS_LUT and neutral.startswith("Pix2LUT/") and look.startswith("Pix2LUT/")
        assert node_luts(resolve, clip, BASE) == [USERS_LUT, "", ""]


def test_users_lut_a_clip_without_two_free_nodes_is_skipped_with_what_to_add(
    tmp_path: Path, server: RunningServer
) -> None:
    resolve = make_resolve(tmp_path, nodes=("", ""))
    put_users_lut(resolve, "Shot 02", 1)

    code, lines = run_main(timeline_grade.main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0, lines
    assert (
        f"Pix2LUT: skipped 'Shot 02': it has no two nodes free of your LUTs (node 1: {USERS_LUT}), and Pix2LUT never "
        "replaces a LUT of yours: on the Color page select the last node, add two serial nodes after it (Alt+S "
        "twice), label them Neutralize and Look (right-click > Node Label) and run again: they must come last, as "
        "the stills Pix2LUT grades are the picture after all the nodes."
    ) in lines
    assert resolve.fake_timeline().fake_item("Shot 02").fake_versions() == [BASE]
    assert node_luts(resolve, "Shot 02") == [USERS_LUT, ""]
    assert node_luts(resolve, "Shot 01", "Pix2LUT 1")[0].startswith("Pix2LUT/")  # the next clip still done


def test_users_lut_a_labelled_node_holding_a_lut_is_never_replaced(tmp_path: Path, server: RunningServer) -> None:
    resolve = make_resolve(tmp_path, nodes=NODE_LABELS, clips=1)
    put_users_lut(resolve, "Shot 01", 1)

    code, lines = run_main(timeline_grade.main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0, lines
    assert (
        f"Pix2LUT: skipped 'Shot 01': its node 1, labelled Neutralize, holds the LUT {USERS_LUT}, and Pix2LUT never "
        "replaces a LUT of yours: remove the label from that node, then on the Color page select the last node, add "
        "two serial nodes after it (Alt+S twice), label them Neutralize and Look (right-click > Node Label) and run "
        "again: they must come last, as the stills Pix2LUT grades are the picture after all the nodes."
    ) in lines
    assert node_luts(resolve, "Shot 01") == [USERS_LUT, ""]


def test_users_lut_labelled_nodes_out_of_order_are_warned_about(tmp_path: Path, server: RunningServer) -> None:
    resolve = make_resolve(tmp_path, nodes=("Look", "", "Neutralize"), clips=1)
    code, lines = run_main(timeline_grade.main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 0, lines
    assert lines[1] == (
        "Pix2LUT: warning: On 'Shot 01' the Neutralize LUT went on node 3 and the Look on node 1, of 3 nodes: the "
        "stills Pix2LUT graded are the picture after all the nodes, so Neutralize then Look belong on the last two "
        "(scripts cannot see the wiring: if they already are, all is well; else add two serial nodes after the last "
        "one with Alt+S and label them Neutralize and Look)."
    )


def test_users_lut_pix2lut_luts_are_its_own_only_on_a_pix2lut_version(tmp_path: Path, server: RunningServer) -> None:
    # Every run grades the user's version, where any LUT is theirs (even one of Pix2LUT's they copied into it);
    # only on a version Pix2LUT made are its LUTs its own, as Doctor, looking at the current version, needs.
    resolve = with_reference(make_resolve(tmp_path, nodes=NODE_LABELS, clips=1))
    assert run_main(timeline_grade.main, resolve, PIX2LUT_SERVER=server.address)[0] == 0
    item = resolve.fake_timeline().fake_item("Shot 01")
    graph = item.GetNodeGraph(1)
    assert item.GetCurrentVersion()["versionName"] == "Pix2LUT 1" and all(node_luts(resolve, "Shot 01"))

    assert find_nodes(graph, "Shot 01", pix2lut_version=True) == (1, 2)
    assert luts.choose_lut_node(graph, "Shot 01", pix2lut_version=True) == 2
    with pytest.raises(ClipSkipped, match="labelled Neutralize, holds the LUT Pix2LUT/"):
        find_nodes(graph, "Shot 01")  # as on the user's own version
    _code, lines = run_main(doctor.main, resolve, PIX2LUT_SERVER=server.address)
    assert "clip 'Shot 01' has the two nodes Neutralize + Look needs." in lines[-1], lines


# -- free_upsell -------------------------------------------------------------------------------------------------


def test_free_upsell_the_fake_opens_the_buy_studio_window_and_calls_fail_until_closed(tmp_path: Path) -> None:
    resolve = make_resolve(tmp_path, nodes=NODE_LABELS, clips=1, edition="free", version=(19, 1, 4))
    fusion = resolve.fake_script_globals()["fusion"]
    assert resolve.GetProductName() == "DaVinci Resolve" and not resolve.fake_upsell_open()

    assert fusion.UIManager is None

    assert resolve.fake_upsell_open() and resolve.fake_upsell_windows() == 1
    assert resolve.GetProductName() is False and resolve.GetProjectManager() is False
    assert resolve.fake_timeline().fake_item("Shot 01").GetNodeGraph(1) is None
    assert 'the "buy Studio" window is open' in resolve.fake_refusals()[-1].reason
    resolve.fake_close_upsell()
    assert resolve.GetProductName() == "DaVinci Resolve"


@pytest.mark.parametrize(("edition", "version"), [("studio", (19, 1, 4)), ("free", (19, 0, 3))])
def test_free_upsell_studio_and_free_before_19_1_read_ui_manager_harmlessly(
    tmp_path: Path, edition: str, version: tuple[int, int, int]
) -> None:
    ui = FakeUI()
    resolve = make_resolve(tmp_path, nodes=NODE_LABELS, clips=1, edition=edition, version=version, ui_manager=ui)
    assert resolve_access.ui_manager(resolve, resolve.fake_script_globals()) is ui
    assert resolve.fake_upsell_windows() == 0


def test_free_upsell_neutralize_and_look_on_free_19_1_never_opens_the_window(
    tmp_path: Path, server: RunningServer
) -> None:
    resolve = make_resolve(tmp_path, nodes=NODE_LABELS, edition="free", version=(19, 1, 4), ui_manager=FakeUI())

    code, lines = run_main(timeline_grade.main, resolve, PIX2LUT_SERVER=server.address)

    assert code == 0, lines
    assert "2 done, 0 already done earlier, 0 skipped, 0 left." in lines[3], lines
    assert resolve.fake_upsell_windows() == 0 and resolve.fake_refusals() == []
    assert resolve_access.ui_manager(resolve, resolve.fake_script_globals()) is None


def test_free_upsell_doctor_on_free_19_1_never_opens_the_window(tmp_path: Path, server: RunningServer) -> None:
    resolve = make_resolve(tmp_path, nodes=NODE_LABELS, edition="free", version=(19, 1, 4))
    code, lines = run_main(doctor.main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 0, lines
    assert resolve.fake_upsell_windows() == 0 and resolve.fake_refusals() == []
    assert (
        "Pix2LUT doctor [note] Dialogs: none (UIManager needs Studio): progress and results go to the Console." in lines
    )


# -- non_ascii ---------------------------------------------------------------------------------------------------


def accented_resolve(tmp_path: Path, names: tuple[str, ...], **create) -> FakeResolve:
    """A fake whose folders (so the LUT folder), timeline and clips have accented and CJK names."""
    clips = [dataclasses.replace(clip, name=name) for clip, name in zip(six_clip_timeline(nodes=NODE_LABELS), names)]
    timeline = FakeTimeline(SUMMER_EDIT, clips)
    return FakeResolve.create(tmp_path / "R\u00e9solve \u6771\u4eac", timelines=[timeline], **create)


def run_on_console(main, resolve: FakeResolve, console: FakeConsole, **environ: str) -> tuple[int, list[str]]:
    code = main(resolve.fake_script_globals(), environ=script_environ(resolve, **environ), out=console)
    return code, console.getvalue().splitlines()


def test_non_ascii_grade_clip_on_cafe_tokyo_prints_an_ascii_line(tmp_path: Path, server: RunningServer) -> None:
    resolve = accented_resolve(tmp_path, (CAFE_TOKYO,))
    console = FakeConsole()

    code, lines = run_on_console(grade_clip.main, resolve, console, PIX2LUT_SERVER=server.address)

    assert (code, len(lines), console.fake_rejected) == (0, 1, []), lines
    assert lines[0].startswith(f"Pix2LUT: graded '{CAFE_TOKYO_ESCAPED}' with grade-lut"), lines
    assert resolve.fake_timeline().fake_item(CAFE_TOKYO).GetLUT(2).startswith("Pix2LUT/")


def test_non_ascii_neutralize_and_look_grades_every_clip(tmp_path: Path, server: RunningServer) -> None:
    names = (CAFE_TOKYO, "\u6771\u4eac 02")
    resolve = accented_resolve(tmp_path, names)
    console = FakeConsole()

    code, lines = run_on_console(timeline_grade.main, resolve, console, PIX2LUT_SERVER=server.address)

    assert (code, console.fake_rejected) == (0, []), lines
    assert lines[1:3] == [
        f"Pix2LUT: [1/2] {CAFE_TOKYO_ESCAPED}: Pix2LUT 1",
        "Pix2LUT: [2/2] \\u6771\\u4eac 02: Pix2LUT 1",
    ]
    assert lines[3] == (
        f"Pix2LUT: Neutralize + Look on '{SUMMER_EDIT_ESCAPED}': 2 done, 0 already done earlier, 0 skipped, 0 left."
    )
    assert "R\\xe9solve \\u6771\\u4eac" in lines[0]  # the STOP file's folder, escaped
    assert [resolve.fake_timeline().fake_item(name).fake_versions() for name in names] == [[BASE, "Pix2LUT 1"]] * 2


def test_non_ascii_a_console_that_fails_every_write_never_stops_a_run(tmp_path: Path, server: RunningServer) -> None:
    resolve = make_resolve(tmp_path, nodes=NODE_LABELS)
    console = FakeConsole(fail_writes=True)

    code, _lines = run_on_console(timeline_grade.main, resolve, console, PIX2LUT_SERVER=server.address)

    assert code == 0 and console.fake_rejected  # every line was refused ...
    for clip in ("Shot 01", "Shot 02"):  # ... and every clip was graded all the same
        assert resolve.fake_timeline().fake_item(clip).fake_versions() == [BASE, "Pix2LUT 1"]


def test_non_ascii_doctor_names_the_clip_escaped(tmp_path: Path, server: RunningServer) -> None:
    resolve = accented_resolve(tmp_path, (CAFE_TOKYO,))
    code, lines = run_main(doctor.main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 0, lines
    assert lines[-1] == (
        f"Pix2LUT doctor [ok] Timeline: '{SUMMER_EDIT_ESCAPED}', 1 clip(s) on 1 video track(s); clip "
        f"'{CAFE_TOKYO_ESCAPED}' has the two nodes Neutralize + Look needs."
    )


def test_non_ascii_the_menu_stub_says_an_accented_scripts_root_in_ascii(tmp_path: Path) -> None:
    # The stub's own line, when the scripts cannot load, in a bare Python whose stdout is ASCII, as Resolve's may be.
    wrong_root = tmp_path / "Scripts \u00e9t\u00e9 \u6771\u4eac"
    wrong_root.mkdir()
    stub = tmp_path / "Grade Clip.py"
    stub.write_text(stub_source(entry_by_module("resolve_scripts.grade_clip"), wrong_root), encoding="utf-8")
    runner = (
        "import io, runpy, sys; "
        "sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding='ascii', errors='strict', line_buffering=True); "
        "runpy.run_path(sys.argv[1], init_globals={'resolve': None}, run_name='__main__')"
    )

    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", runner, str(stub)],
        check=False,
        capture_output=True,
        timeout=STUB_RUN_TIMEOUT_S,
    )

    escaped = str(wrong_root).encode("ascii", "backslashreplace").decode("ascii")
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout.decode("ascii").splitlines() == [
        f"Pix2LUT: cannot load the scripts from {escaped} (No module named 'resolve_scripts'): run pix2lut-install again."
    ]


# -- bridge_env --------------------------------------------------------------------------------------------------


@pytest.mark.skipif(os.name == "nt", reason="the stand-in bridge Python is a POSIX shell script")
def test_bridge_env_the_bridge_python_gets_neither_pythonhome_nor_pythonpath(
    tmp_path: Path, server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Resolve's environment: a PYTHONHOME and PYTHONPATH for its own Python. The project's Python, given them, would
    # not even start (no standard library under that home).
    monkeypatch.setenv("PYTHONHOME", str(tmp_path / RESOLVE_PYTHON_HOME))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / RESOLVE_PYTHON_HOME / "lib"))
    monkeypatch.setenv("PIX2LUT_TEST_MARKER", "kept")
    dump = tmp_path / "bridge-environment.txt"
    python = tmp_path / "bridge-python"  # prints its environment, then is the project's Python
    python.write_text(f'#!/bin/sh\nenv > "{dump}"\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)

    client = GradeClient(BridgeTransport(str(python), server.address, timeout_ms=BRIDGE_TIMEOUT_MS, retries=1))
    try:
        assert client.ping()["ok"]
    finally:
        client.close()

    names = {line.split("=", 1)[0] for line in dump.read_text(encoding="utf-8").splitlines() if "=" in line}
    assert "PIX2LUT_TEST_MARKER" in names and not names & {"PYTHONHOME", "PYTHONPATH"}


class RecordedPopen:
    """Stands in for subprocess.Popen: keeps the options the bridge was started with."""

    started: ClassVar[list[dict]] = []

    def __init__(self, command: list[str], **options) -> None:
        RecordedPopen.started.append({"command": command, **options})

    def poll(self) -> int:
        return 0


@pytest.mark.parametrize(("system", "flags"), [("Windows", WINDOWS_CREATE_NO_WINDOW), ("Linux", 0), ("Darwin", 0)])
def test_bridge_env_windows_starts_the_bridge_without_a_console_window(
    monkeypatch: pytest.MonkeyPatch, system: str, flags: int
) -> None:
    monkeypatch.setattr(RecordedPopen, "started", [])
    monkeypatch.setattr(transport.subprocess, "Popen", RecordedPopen)
    monkeypatch.setenv("PYTHONHOME", RESOLVE_PYTHON_HOME)

    BridgeTransport(sys.executable, "tcp://127.0.0.1:1", system=system)

    (options,) = RecordedPopen.started
    assert options["creationflags"] == flags and "PYTHONHOME" not in options["env"]
    assert transport.CREATE_NO_WINDOW == WINDOWS_CREATE_NO_WINDOW  # subprocess has the name on Windows only


def test_bridge_env_names_are_dropped_whatever_their_case() -> None:
    environ = {"PythonHome": "C:\\Resolve\\Python", "pythonpath": "x", "PATH": "/usr/bin", "PYTHONUTF8": "1"}
    assert transport.bridge_environment(environ) == {"PATH": "/usr/bin", "PYTHONUTF8": "1"}


def test_bridge_env_a_bridge_that_cannot_start_is_one_sentence(tmp_path: Path) -> None:
    missing = tmp_path / "no-python"
    with pytest.raises(TransportError, match=r"^Cannot start the Pix2LUT bridge with .*no-python"):
        BridgeTransport(str(missing), "tcp://127.0.0.1:1")
