"""Doctor: one line per check, against the fake Resolve and a real server; exit 1 on any problem."""

from __future__ import annotations

import platform
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import zmq

from resolve_scripts.doctor import PING_RETRIES, PING_TIMEOUT_MS, main
from server.loop import ServerConfig
from tests.fakes import FakeClip, FakeResolve, FakeUI, gradient_frames, six_clip_timeline
from tests.resolve_scripts.conftest import NODE_LABELS, run_main, unreachable_address
from tests.server.conftest import RunningServer, free_port, start_server, stop_server
from tests.server.model_factory import add_model

PREFIX = "Pix2LUT doctor "
CHECKS_IN_ORDER = (
    "Settings", "Resolve", "Dialogs", "Page", "Python", "Server", "LUT folder", "Colour", "Burn-in", "Timeline"
)  # fmt: skip
BURN_IN_UNKNOWN = (  # Resolve documents no getter for data burn-in, and the fake by default reports none
    "Burn-in: Resolve does not tell scripts whether data burn-in is on: if Workspace > Data Burn-In shows anything "
    "over the viewer, it is drawn into every still Pix2LUT exports (API-NOTES section 4), so the LUT is fitted to the "
    "burnt-in text and box too and comes out skewed: turn it off before grading."
)
TWO_NODES_HELP = (
    "on the Color page give it two serial nodes (select the node, Alt+S), or label two nodes Neutralize and "
    "Look, then run again"
)
IGNORED_TIMEOUT_MS, IGNORED_RETRIES = "50", "5"  # the Grade Clip settings, which the doctor's ping does not use
ON_LINUX = platform.system() not in ("Windows", "Darwin")


def parse(lines: list[str]) -> list[tuple[str, str]]:
    """``[(status, sentence)]`` of the doctor's lines; every line must have the doctor's shape."""
    checks = []
    for line in lines:
        assert line.startswith(PREFIX + "["), line
        status, _bracket, sentence = line[len(PREFIX) + 1 :].partition("] ")
        checks.append((status, sentence))
    return checks


def check_names(checks: list[tuple[str, str]]) -> list[str]:
    return [next(name for name in CHECKS_IN_ORDER if sentence.startswith(name)) for _status, sentence in checks]


def line_of(checks: list[tuple[str, str]], name: str) -> tuple[str, str]:
    found = [check for check in checks if check[1].startswith(name)]
    assert len(found) == 1, (name, checks)
    return found[0]


def studio(tmp_path: Path, **create) -> FakeResolve:
    create.setdefault("clips", six_clip_timeline(nodes=NODE_LABELS))
    return FakeResolve.create(tmp_path, ui_manager=FakeUI(), **create)


def server_line(server: RunningServer, defaults: str) -> str:
    with server.client(timeout_ms=10_000, retries=1) as client:
        ping = client.ping()
    return f"Server: {server.address} answers (version {ping['version']}, {ping['provider']}), defaults {defaults}."


def test_all_ok_on_studio(tmp_path: Path, server: RunningServer) -> None:
    resolve = studio(tmp_path)
    lut_root = resolve.fake_master_lut_root
    before = sorted(lut_root.iterdir())

    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)

    checks = parse(lines)
    assert code == 0, lines
    assert check_names(checks) == list(CHECKS_IN_ORDER)
    assert all(status == "ok" for status, sentence in checks if sentence != BURN_IN_UNKNOWN), lines
    assert line_of(checks, "Burn-in") == ("note", BURN_IN_UNKNOWN)
    python = f"Python {sys.version.split()[0]} ({sys.executable})"
    assert [sentence for _status, sentence in checks] == [
        "Settings file: none (defaults and PIX2LUT_ variables).",
        "Resolve: DaVinci Resolve Studio 19.1.4: every Pix2LUT script works.",
        "Dialogs: available: Neutralize + Look shows its progress in a window.",
        "Page: edit: the scripts switch to Color for their work and come back.",
        f"{python}: has pyzmq {zmq.__version__}: the scripts talk to the server directly.",
        server_line(server, "grade: grade-lut, neutralize: neutralize-lut"),
        f"LUT folder: {lut_root / 'Pix2LUT'} is writable.",
        "Colour: davinciYRGB, timeline and output Rec.709 Gamma 2.4: supported.",
        BURN_IN_UNKNOWN,
        (
            "Timeline: 'Timeline 1', 6 clip(s) on 1 video track(s); clip 'Shot 01' has the two nodes Neutralize + Look "
            "needs."
        ),
    ]
    # Changes nothing: no refusal, the page as it was, no file left in the LUT folder.
    assert resolve.fake_refusals() == []
    assert resolve.GetCurrentPage() == "edit"
    assert sorted(lut_root.iterdir()) == before


def test_free_19_1_has_no_dialogs(tmp_path: Path, server: RunningServer) -> None:
    resolve = FakeResolve.create(
        tmp_path, edition="free", version=(19, 1, 4), clips=six_clip_timeline(nodes=NODE_LABELS)
    )
    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)
    checks = parse(lines)
    assert code == 0, lines
    assert line_of(checks, "Resolve") == ("ok", "Resolve: DaVinci Resolve 19.1.4: every Pix2LUT script works.")
    assert line_of(checks, "Dialogs") == (
        "note",
        "Dialogs: none (UIManager needs Studio): progress and results go to the Console.",
    )
    assert [status for status, _sentence in checks].count("note") == 2  # dialogs, and burn-in (Resolve does not say)


def test_free_21_1_lists_no_python_scripts(tmp_path: Path, server: RunningServer) -> None:
    resolve = FakeResolve.create(
        tmp_path, edition="free", version=(21, 1, 0), clips=six_clip_timeline(nodes=NODE_LABELS)
    )
    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 1
    assert line_of(parse(lines), "Resolve") == (
        "problem",
        "Resolve: DaVinci Resolve 21.1.0 lists no Python scripts in its menu: use Studio.",
    )


def test_server_unreachable_is_a_problem(tmp_path: Path) -> None:
    resolve = studio(tmp_path)
    address = unreachable_address()
    code, lines = run_main(
        main, resolve, PIX2LUT_SERVER=address, PIX2LUT_TIMEOUT_MS=IGNORED_TIMEOUT_MS, PIX2LUT_RETRIES=IGNORED_RETRIES
    )
    checks = parse(lines)
    assert code == 1
    assert check_names(checks) == list(CHECKS_IN_ORDER)  # the checks after it still run
    assert line_of(checks, "Server") == (
        "problem",
        (
            f"Server: No answer from the Pix2LUT server at {address} after {PING_RETRIES} tries of {PING_TIMEOUT_MS} ms: "
            "start it with `pix2lut serve` and run the script again."
        ),
    )
    assert [status for status, _sentence in checks].count("problem") == 1


@pytest.fixture
def grade_only_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server with a grade model and no neutralize model."""
    models = tmp_path / "grade-only-models"
    add_model(models, "grade-lut", "image2lut", "grade", default=True)
    address = f"tcp://127.0.0.1:{free_port()}"
    running = RunningServer(address, start_server(ServerConfig(bind=address, models_dir=models, threads=1)), models)
    yield running
    stop_server(running)


def test_a_server_without_a_neutralize_model_is_a_problem(tmp_path: Path, grade_only_server: RunningServer) -> None:
    resolve = studio(tmp_path)
    code, lines = run_main(main, resolve, PIX2LUT_SERVER=grade_only_server.address)
    assert code == 1
    lacking = "grade: grade-lut; no neutralize model, so the scripts that need it will fail"
    assert line_of(parse(lines), "Server") == ("problem", server_line(grade_only_server, lacking))


def test_missing_master_lut_folder_is_a_problem(tmp_path: Path, server: RunningServer) -> None:
    resolve = studio(tmp_path)
    missing = tmp_path / "no-such-LUT"
    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address, PIX2LUT_LUT_ROOT=str(missing))
    assert code == 1
    assert line_of(parse(lines), "LUT folder") == (
        "problem",
        f"LUT folder: the master LUT folder {missing} does not exist: set lut_root or reinstall.",
    )
    assert not missing.exists()


def test_a_file_where_the_lut_subfolder_goes_is_a_problem(tmp_path: Path, server: RunningServer) -> None:
    resolve = studio(tmp_path)
    in_the_way = resolve.fake_master_lut_root / "Pix2LUT"
    in_the_way.write_text("in the way", encoding="utf-8")  # Grade Clip cannot write its LUT here
    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 1
    assert line_of(parse(lines), "LUT folder") == (
        "problem",
        f"LUT folder: {in_the_way} is a file, not a folder: move it away, or run the installer once.",
    )


def test_an_aces_project_is_graded_through_its_output(tmp_path: Path, server: RunningServer) -> None:
    resolve = studio(tmp_path, project_settings={"colorScienceMode": "acescct"})
    _code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)
    assert line_of(parse(lines), "Colour") == (
        "ok",
        ("Colour: colour science acescct: graded on the still through the ACES 1.x Rec.709 output, the transform "
        "folded into a 65^3 LUT for the node (docs/colour.md)."),
    )


def test_timeline_and_output_spaces_that_differ_without_colour_management_are_a_problem(
    tmp_path: Path, server: RunningServer
) -> None:
    resolve = studio(tmp_path, project_settings={"colorSpaceTimeline": "DaVinci WG/Intermediate"})
    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 1
    assert line_of(parse(lines), "Colour") == (
        "problem",
        (
            "Colour: DaVinci YRGB with timeline 'DaVinci WG/Intermediate' and output 'Rec.709 Gamma 2.4': Resolve "
            "converts nothing between them, so the server refuses; set both to one space, or use DaVinci YRGB Color "
            "Managed."
        ),
    )


def test_a_colour_managed_wide_gamut_timeline_is_folded(tmp_path: Path, server: RunningServer) -> None:
    resolve = studio(tmp_path, project_settings={"colorScienceMode": "davinciYRGBColorManagedv2",
                                                 "colorSpaceTimeline": "DaVinci WG/Intermediate"})
    _code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)
    assert line_of(parse(lines), "Colour") == (
        "ok",
        ("Colour: davinciYRGBColorManagedv2, timeline 'DaVinci WG/Intermediate', output 'Rec.709 Gamma 2.4': the "
        "server folds the transform between them into the LUT (the spaces it supports: docs/colour.md)."),
    )


def test_the_timelines_own_colour_settings_count(tmp_path: Path, server: RunningServer) -> None:
    resolve = studio(tmp_path)
    timeline = resolve.fake_timeline()
    assert timeline.SetSetting("useCustomSettings", "1")
    assert timeline.SetSetting("colorScienceMode", "acescc")
    _code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)
    assert line_of(parse(lines), "Colour")[1].startswith("Colour: colour science acescc: graded on the still")
    assert resolve.fake_project().GetSetting("colorScienceMode") == "davinciYRGB"


def test_a_clip_with_one_node_is_a_note(tmp_path: Path, server: RunningServer) -> None:
    resolve = studio(tmp_path, clips=six_clip_timeline())  # one unlabelled node per clip
    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 0, lines
    assert line_of(parse(lines), "Timeline") == (
        "note",
        (
            "Timeline: 'Timeline 1', 6 clip(s) on 1 video track(s); clip 'Shot 01': Neutralize + Look would skip it: it "
            f"has 1 node(s): {TWO_NODES_HELP}."
        ),
    )


def test_no_clip_under_the_playhead_is_a_note(tmp_path: Path, server: RunningServer) -> None:
    clip = FakeClip("Late", gradient_frames(16, 9, 4), start_frame=10, nodes=NODE_LABELS)  # a gap at the start
    resolve = studio(tmp_path, clips=[clip])
    code, lines = run_main(main, resolve, PIX2LUT_SERVER=server.address)
    assert code == 0, lines
    assert line_of(parse(lines), "Timeline") == (
        "note",
        "Timeline: 'Timeline 1', 1 clip(s) on 1 video track(s); no clip under the playhead (Grade Clip needs one).",
    )


@pytest.mark.skipif(not ON_LINUX, reason="XDG_CONFIG_HOME is where Linux keeps per-user settings")
def test_a_malformed_settings_file_is_a_problem_and_the_rest_still_runs(tmp_path: Path, server: RunningServer) -> None:
    resolve = studio(tmp_path)
    config_home = tmp_path / "config"
    settings_file = config_home / "pix2lut" / "resolve.json"
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text('{"format": 1, "server": ', encoding="utf-8")

    code, lines = run_main(main, resolve, XDG_CONFIG_HOME=str(config_home), PIX2LUT_SERVER=server.address)

    checks = parse(lines)
    assert code == 1
    status, sentence = checks[0]
    assert status == "problem"
    assert sentence.startswith(f"Settings: The Pix2LUT settings file {settings_file} is unreadable (Expecting value")
    assert sentence.endswith("): run the installer again.")
    # The server and LUT folder checks need the settings; every other check still runs, and is fine.
    assert check_names(checks) == ["Settings", "Resolve", "Dialogs", "Page", "Python", "Colour", "Burn-in", "Timeline"]
    assert [status for status, _sentence in checks[1:]] == ["ok"] * 5 + ["note", "ok"]  # burn-in: Resolve does not say
