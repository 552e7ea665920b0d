"""Grade Clip end to end: a real server with tiny real models, the fake Resolve with six clips of real pixels."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.cube import read_cube
from pix2lut.diagnosis import diagnose
from pix2lut.imageio import write_image
from pix2lut.lut import identity_table
from resolve_scripts.errors import ResolveRefusal
from resolve_scripts.grade_clip import grade_clip, main
from resolve_scripts.resolve_access import get_resolve
from resolve_scripts.settings import MASTER_LUT_FOLDERS, default_lut_root
from resolve_scripts.transport import BridgeTransport, GradeClient, ZmqTransport
from resolve_scripts.versions import unique_version_name
from server.colour_settings import FOLDED_LOG_LUT_SIZE
from server.loop import ServerConfig
from tests.fakes import FakeResolve, six_clip_timeline
from tests.pix2lut.test_conformance import CONFORMANCE_ATOL as CLIENT_ATOL
from tests.pix2lut.test_conformance import apply_with_ffmpeg, apply_with_ocio
from tests.resolve_scripts.conftest import (
    NODE_LABELS,
    script_environ,
    settings_for,
    unreachable_address,
    write_menu_stub,
)
from tests.resolve_scripts.conftest import run_main as run_script
from tests.server.conftest import RunningServer, free_port, make_models, start_server, stop_server
from tests.server.model_factory import DEFAULT_OFFSET_GAIN, MID_GREY

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "resolve_scripts"
RESOLVE_PYTHON = (3, 6)  # the oldest Python Resolve may run the scripts with
OPTIONAL_IMPORTS = {"zmq", "resolve_scripts", "DaVinciResolveScript"}
EIGHT_BIT = 1.0 / 255.0  # the still is an 8-bit PNG
RENDER_ATOL = 1e-5  # the fake renders with pix2lut's tetrahedral interpolation, as the check does
SHOT_03_FRAME_2 = "01:00:00:18"  # 24 fps, 8 frames a shot: shot 3 starts at frame 16
UNREACHABLE_TIMEOUT_MS = 200
BASE = "Version 1"  # the fake's first version of every clip: the user's own grade
# The user's grade on node 1 ("Neutralize"): darkens the frame, far from mid-grey, so a LUT fitted to a picture
# that already has a Pix2LUT LUT (half-way to mid-grey) is told apart from one fitted to the user's grade.
USER_CDL = {"NodeIndex": "1", "Slope": "0.5 0.5 0.5", "Offset": "0 0 0", "Power": "1 1 1", "Saturation": "1"}
LOOK_NODE = 2  # the LUT goes after the user's grade, so the render is the LUT applied to the base's render


def script_files() -> list[Path]:
    return sorted(SCRIPTS.rglob("*.py"))


@pytest.mark.parametrize("path", script_files(), ids=lambda p: p.relative_to(SCRIPTS).as_posix())
def test_scripts_are_python_36_and_stdlib_only(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path), feature_version=RESOLVE_PYTHON)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}:{node.lineno}: relative import"
            assert node.module != "__future__", f"{path.name}:{node.lineno}: __future__ import"
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or top in OPTIONAL_IMPORTS, f"{path.name}:{node.lineno}: {name}"


def test_grade_clip_sets_the_lut_in_a_new_version(resolve: FakeResolve, server: RunningServer) -> None:
    timeline = resolve.fake_timeline()
    assert timeline.SetCurrentTimecode(SHOT_03_FRAME_2)
    item = timeline.fake_item("Shot 03")
    offset = timeline.fake_playhead() - item.GetStart()
    before = item.fake_render(offset)

    result = grade_clip(resolve, settings_for(resolve, server))

    assert result.version == "Pix2LUT 1"
    assert item.GetCurrentVersion()["versionName"] == "Pix2LUT 1"
    assert result.node == 2 and item.GetNodeGraph(1).GetLUT(2) == result.lut_relpath  # the last node takes it
    assert result.lut_relpath.startswith("Pix2LUT/") and result.lut_relpath.endswith(".cube")
    assert [node.lut for node in item.fake_nodes(result.previous_version)] == ["", ""]  # the original is untouched
    assert resolve.GetCurrentPage() == "edit"  # the page the user was on comes back

    lut = read_cube(resolve.fake_master_lut_root / result.lut_relpath)
    np.testing.assert_allclose(
        item.fake_render(offset), apply_lut(item.fake_source_frame(offset), lut), atol=RENDER_ATOL
    )
    # The factory model shifts each channel towards mid-grey by half its distance from the frame's mean.
    centre = lut.table.shape[0] // 2
    shift = lut.table[centre, centre, centre] - identity_table(lut.table.shape[0])[centre, centre, centre]
    expected = (MID_GREY - before.mean(axis=(0, 1))) * DEFAULT_OFFSET_GAIN
    np.testing.assert_allclose(shift, expected, atol=2 * EIGHT_BIT)
    # the user reads what was wrong with the shot, as the server diagnosed it from this very LUT
    assert result.reply.diagnosis == diagnose(lut).summary()
    assert f"(the shot: {result.reply.diagnosis})" in result.summary()
    assert result.reply.colour_pipeline.startswith("Rec.709 Gamma 2.4")  # the fake project: no colour management
    assert f" in {result.reply.colour_pipeline} (the shot:" in result.summary()  # the colour pipeline graded in


def test_second_run_adds_pix2lut_2_and_keeps_the_first(resolve: FakeResolve, server: RunningServer) -> None:
    item = resolve.fake_timeline().fake_item("Shot 01")
    first = grade_clip(resolve, settings_for(resolve, server))
    second = grade_clip(resolve, settings_for(resolve, server))

    assert (first.version, second.version) == ("Pix2LUT 1", "Pix2LUT 2")
    assert item.fake_versions() == [first.previous_version, "Pix2LUT 1", "Pix2LUT 2"]
    assert item.GetLUT(2) == second.lut_relpath
    assert item.fake_nodes("Pix2LUT 1")[1].lut == first.lut_relpath
    assert [node.lut for node in item.fake_nodes(first.previous_version)] == ["", ""]
    assert resolve.fake_lut_discovered(first.lut_relpath) and resolve.fake_lut_discovered(second.lut_relpath)


def as_the_user(resolve: FakeResolve, call, *args) -> bool:
    """A grade call the user makes on the Color page (the fake refuses them elsewhere), then back to Edit."""
    assert resolve.OpenPage("color")
    try:
        return call(*args)
    finally:
        resolve.OpenPage("edit")


def lut_shift(lut) -> np.ndarray:
    """What the LUT does to its centre lattice point (a mid-grey input)."""
    centre = lut.table.shape[0] // 2
    return lut.table[centre, centre, centre] - identity_table(lut.table.shape[0])[centre, centre, centre]


def journal_of(resolve: FakeResolve) -> dict:
    return json.loads((resolve.fake_master_lut_root / "Pix2LUT" / "journal.json").read_text(encoding="utf-8"))


def test_second_run_grades_the_users_version_not_the_first_lut(resolve: FakeResolve, server: RunningServer) -> None:
    item = resolve.fake_timeline().fake_item("Shot 01")
    assert as_the_user(resolve, item.SetCDL, USER_CDL)
    base_nodes = item.fake_nodes(BASE)
    base_render = item.fake_render()
    options = settings_for(resolve, server, node=LOOK_NODE)

    first = grade_clip(resolve, options)
    second = grade_clip(resolve, options)  # run on "Pix2LUT 1"

    assert (second.version, second.previous_version, second.base_version) == ("Pix2LUT 2", "Pix2LUT 1", BASE)
    assert item.GetCurrentVersion()["versionName"] == "Pix2LUT 2"
    assert item.fake_versions() == [BASE, "Pix2LUT 1", "Pix2LUT 2"]
    assert item.fake_nodes(BASE) == base_nodes  # the user's version is untouched
    assert item.fake_nodes("Pix2LUT 1")[LOOK_NODE - 1].lut == first.lut_relpath
    assert item.fake_nodes("Pix2LUT 2")[0] == base_nodes[0]  # the user's grade, once, under the new LUT
    lut = read_cube(resolve.fake_master_lut_root / second.lut_relpath)
    np.testing.assert_allclose(item.fake_render(), apply_lut(base_render, lut), atol=RENDER_ATOL)
    # Fitted to the base's picture (an 8-bit still of it), not to the picture with the first LUT on it.
    expected = (MID_GREY - base_render.mean(axis=(0, 1))) * DEFAULT_OFFSET_GAIN
    np.testing.assert_allclose(lut_shift(lut), expected, atol=2 * EIGHT_BIT)
    entry = journal_of(resolve)["clips"][item.GetUniqueId()]
    assert entry == {"clip": "Shot 01", "base": BASE, "versions": {"Pix2LUT 1": BASE, "Pix2LUT 2": BASE}}


def test_a_deleted_base_version_is_one_line_and_changes_nothing(resolve: FakeResolve, server: RunningServer) -> None:
    item = resolve.fake_timeline().fake_item("Shot 01")
    grade_clip(resolve, settings_for(resolve, server))
    assert item.DeleteVersionByName(BASE, 0)
    journal = journal_of(resolve)

    code, lines = run_main(resolve, PIX2LUT_SERVER=server.address)

    assert code == 1
    expected = (
        f"Pix2LUT: The version {BASE!r} that 'Pix2LUT 1' of clip 'Shot 01' was made from no longer exists, so "
        "nothing was changed: load the version to grade and run again."
    )
    assert lines == [expected]
    assert item.fake_versions() == ["Pix2LUT 1"]
    assert item.GetCurrentVersion()["versionName"] == "Pix2LUT 1"
    assert journal_of(resolve) == journal


def test_a_corrupt_journal_is_one_warning_and_the_base_is_still_found(
    resolve: FakeResolve, server: RunningServer
) -> None:
    item = resolve.fake_timeline().fake_item("Shot 01")
    assert as_the_user(resolve, item.SetCDL, USER_CDL)
    base_render = item.fake_render()
    grade_clip(resolve, settings_for(resolve, server, node=LOOK_NODE))
    journal = resolve.fake_master_lut_root / "Pix2LUT" / "journal.json"
    journal.write_text("{not json", encoding="utf-8")

    code, lines = run_main(resolve, PIX2LUT_SERVER=server.address, PIX2LUT_NODE=str(LOOK_NODE))

    assert code == 0 and len(lines) == 2, lines
    assert lines[0].startswith(f"Pix2LUT: warning: The Pix2LUT journal {journal} is unreadable (")
    assert lines[1].startswith("Pix2LUT: graded 'Shot 01'") and "'Pix2LUT 2' from 'Version 1'" in lines[1]
    lut = read_cube(resolve.fake_master_lut_root / item.fake_nodes("Pix2LUT 2")[LOOK_NODE - 1].lut)
    np.testing.assert_allclose(item.fake_render(), apply_lut(base_render, lut), atol=RENDER_ATOL)
    expected = (MID_GREY - base_render.mean(axis=(0, 1))) * DEFAULT_OFFSET_GAIN
    np.testing.assert_allclose(lut_shift(lut), expected, atol=2 * EIGHT_BIT)
    assert journal_of(resolve)["clips"][item.GetUniqueId()]["base"] == BASE  # rewritten


def test_a_missing_journal_on_a_pix2lut_version_warns_and_grades_the_base(
    resolve: FakeResolve, server: RunningServer
) -> None:
    grade_clip(resolve, settings_for(resolve, server))
    (resolve.fake_master_lut_root / "Pix2LUT" / "journal.json").unlink()
    warnings: list[str] = []

    result = grade_clip(resolve, settings_for(resolve, server), warn=warnings.append)

    expected = (
        "Pix2LUT has no record of which version 'Pix2LUT 1' of 'Shot 01' was made from: grading 'Version 1', "
        "the clip's only version not named by Pix2LUT."
    )
    assert warnings == [expected]
    assert (result.version, result.base_version) == ("Pix2LUT 2", BASE)


def test_a_run_on_a_new_own_version_takes_it_as_the_base(resolve: FakeResolve, server: RunningServer) -> None:
    item = resolve.fake_timeline().fake_item("Shot 01")
    grade_clip(resolve, settings_for(resolve, server))
    assert as_the_user(resolve, item.AddVersion, "Warmer", 0)  # the user's own version, a copy of Pix2LUT 1
    assert as_the_user(resolve, item.LoadVersionByName, "Warmer", 0)
    result = grade_clip(resolve, settings_for(resolve, server))
    assert (result.previous_version, result.base_version) == ("Warmer", "Warmer")
    entry = journal_of(resolve)["clips"][item.GetUniqueId()]
    assert entry["base"] == "Warmer" and entry["versions"] == {"Pix2LUT 1": BASE, "Pix2LUT 2": "Warmer"}


def test_a_failed_run_puts_the_current_version_back(resolve: FakeResolve, server: RunningServer) -> None:
    item = resolve.fake_timeline().fake_item("Shot 01")
    grade_clip(resolve, settings_for(resolve, server))
    address = unreachable_address()
    code, _lines = run_main(resolve, PIX2LUT_SERVER=address, PIX2LUT_TIMEOUT_MS=str(UNREACHABLE_TIMEOUT_MS))
    assert code == 1
    assert item.GetCurrentVersion()["versionName"] == "Pix2LUT 1"
    assert item.fake_versions() == [BASE, "Pix2LUT 1"]


def test_cdl_goes_on_another_node_as_strings(resolve: FakeResolve, server: RunningServer) -> None:
    result = grade_clip(resolve, settings_for(resolve, server, cdl_node=2))
    look = resolve.fake_timeline().fake_item("Shot 01").fake_nodes()[1]
    assert result.cdl_node == 2 and look.cdl is not None and not look.cdl_red


def test_bridge_transport_grades_the_same_way(resolve: FakeResolve, server: RunningServer) -> None:
    client = GradeClient(BridgeTransport(sys.executable, server.address, timeout_ms=10_000, retries=1))
    try:
        assert client.request("ping")[0]["ok"]
        result = grade_clip(resolve, settings_for(resolve, server), client)
    finally:
        client.close()
    assert resolve.fake_timeline().fake_item("Shot 01").GetLUT(2) == result.lut_relpath


def test_free_edition_runs_from_the_menu_with_console_output(
    tmp_path: Path, server: RunningServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    resolve = FakeResolve.create(tmp_path, edition="free", version=(19, 1, 4), clips=six_clip_timeline())
    for name, value in script_environ(resolve, PIX2LUT_SERVER=server.address).items():
        monkeypatch.setenv(name, value)

    resolve.fake_run_menu_script(write_menu_stub(tmp_path / "Scripts", "resolve_scripts.grade_clip"))

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Pix2LUT: graded 'Shot 01' with grade-lut"), lines
    assert resolve.fake_timeline().fake_item("Shot 01").GetLUT(1).startswith("Pix2LUT/")
    assert resolve.Fusion().UIManager is None  # (and the "buy Studio" window it opens comes after the run)


def test_a_page_resolve_will_not_leave_is_one_line(resolve: FakeResolve, server: RunningServer) -> None:
    resolve.OpenPage = lambda name: False  # e.g. a modal dialog open in Resolve
    with pytest.raises(ResolveRefusal) as caught:
        grade_clip(resolve, settings_for(resolve, server))
    assert str(caught.value) == (
        "Resolve would not open the Color page (it is on 'edit'): open the Color page and run the script again."
    )


def run_main(resolve: FakeResolve, **environ: str) -> tuple[int, list[str]]:
    return run_script(main, resolve, **environ)


def test_server_not_running_is_one_line_and_changes_nothing(resolve: FakeResolve) -> None:
    item = resolve.fake_timeline().fake_item("Shot 01")
    versions = item.fake_versions()
    address = unreachable_address()
    code, lines = run_main(resolve, PIX2LUT_SERVER=address, PIX2LUT_TIMEOUT_MS=str(UNREACHABLE_TIMEOUT_MS))
    assert code == 1
    expected = (
        f"Pix2LUT: No answer from the Pix2LUT server at {address} after 3 tries of {UNREACHABLE_TIMEOUT_MS} ms: "
        "start it with `pix2lut serve` and run the script again."
    )
    assert lines == [expected]
    assert item.fake_versions() == versions
    assert not (resolve.fake_master_lut_root / "Pix2LUT").exists()


def test_lut_folder_not_writable_is_one_line(resolve: FakeResolve, server: RunningServer) -> None:
    (resolve.fake_master_lut_root / "Pix2LUT").write_text("in the way")  # a file where the folder should be
    code, lines = run_main(resolve, PIX2LUT_SERVER=server.address)
    assert code == 1 and len(lines) == 1
    assert lines[0].startswith(f"Pix2LUT: Cannot write the LUT into {resolve.fake_master_lut_root / 'Pix2LUT'} (")
    assert lines[0].endswith("run the Pix2LUT installer once (it makes that folder writable) or set PIX2LUT_LUT_ROOT.")
    assert len(resolve.fake_timeline().fake_item("Shot 01").fake_versions()) == 1


def test_node_that_does_not_exist_is_one_line(resolve: FakeResolve, server: RunningServer) -> None:
    with pytest.raises(ResolveRefusal, match=r"^Clip 'Shot 01' has 2 node\(s\), so node 3 does not exist"):
        grade_clip(resolve, settings_for(resolve, server, node=3))


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ([], "Pix2LUT 1"),
        (["Version 1"], "Pix2LUT 1"),
        (["Pix2LUT 1", "Pix2LUT 3"], "Pix2LUT 4"),
        (["Pix2LUT x", "Pix2LUT 1"], "Pix2LUT 2"),
    ],
)
def test_unique_version_name(existing: list[str], expected: str) -> None:
    assert unique_version_name(existing) == expected


def test_get_resolve_tries_every_way_in(resolve: FakeResolve, monkeypatch: pytest.MonkeyPatch) -> None:
    script_globals = resolve.fake_script_globals()
    assert get_resolve(script_globals) is resolve
    assert get_resolve({"app": script_globals["app"]}) is resolve
    assert get_resolve({"bmd": script_globals["bmd"]}) is resolve
    monkeypatch.setitem(sys.modules, "DaVinciResolveScript", resolve.fake_scripting_module())
    assert get_resolve({}) is resolve
    resolve.fake_quit()
    with pytest.raises(ResolveRefusal, match="^Cannot reach DaVinci Resolve"):
        get_resolve({})


def test_default_lut_root_is_a_master_folder() -> None:
    assert default_lut_root() in MASTER_LUT_FOLDERS.values()


def test_the_scripts_send_the_colour_settings_the_protocol_accepts():
    # resolve_scripts cannot import pix2lut (it runs in Resolve's Python), so it mirrors the keys: keep them in step
    from pix2lut.protocol import COLOUR_KEYS
    from resolve_scripts.resolve_access import COLOUR_KEYS as SCRIPT_COLOUR_KEYS

    assert SCRIPT_COLOUR_KEYS == COLOUR_KEYS


def test_the_model_setting_picks_the_grade_model(resolve: FakeResolve, server: RunningServer) -> None:
    code, lines = run_main(resolve, PIX2LUT_SERVER=server.address, PIX2LUT_MODEL="grade-pix")
    assert code == 0 and lines[0].startswith("Pix2LUT: graded 'Shot 01' with grade-pix ("), lines
    code, lines = run_main(resolve, PIX2LUT_SERVER=server.address, PIX2LUT_MODEL="no-such-model")
    assert code == 1 and lines[0].startswith("Pix2LUT: The Pix2LUT server refused the frame (unknown_model): ")


def test_a_still_sent_by_path_through_a_link_below_the_allowed_root_is_sent_resolved(tmp_path: Path) -> None:
    """The server refuses paths through links below its root (a swap race): the script sends the resolved path."""
    root = tmp_path / "stills"
    (root / "real").mkdir(parents=True)
    (root / "link").symlink_to(root / "real", target_is_directory=True)
    still = root / "real" / "still.png"
    write_image(still, np.full((16, 16, 3), 0.4, np.float32))
    address = f"tcp://127.0.0.1:{free_port()}"
    config = ServerConfig(bind=address, models_dir=make_models(tmp_path / "models"), allowed_roots=(root,), threads=1)
    running = RunningServer(address, start_server(config), config.models_dir)
    client = GradeClient(ZmqTransport(address, timeout_ms=10_000, retries=1))
    try:
        reply = client.grade(str(root / "link" / "still.png"), send_path=True)
    finally:
        client.close()
        stop_server(running)
    assert "LUT_3D_SIZE 33" in reply.cube_text


def test_a_colour_managed_wide_gamut_project_gets_the_folded_lut_read_alike_by_ocio_and_ffmpeg(
    tmp_path: Path, server: RunningServer
) -> None:
    """Issue 25's pipeline end to end: the node's LUT is over DaVinci Intermediate (65^3), named in the summary, and
    the real clients apply the folded .cube as pix2lut does."""
    resolve = FakeResolve.create(tmp_path, clips=six_clip_timeline(nodes=NODE_LABELS), project_settings={
        "colorScienceMode": "davinciYRGBColorManagedv2", "colorSpaceTimeline": "DaVinci WG/Intermediate"})
    result = grade_clip(resolve, settings_for(resolve, server))
    assert result.reply.colour_pipeline == "DaVinci WG/Intermediate -> Rec.709 Gamma 2.4"
    assert " in DaVinci WG/Intermediate -> Rec.709 Gamma 2.4 " in result.summary()
    path = resolve.fake_master_lut_root / result.lut_relpath
    lut = read_cube(path)
    assert lut.size == FOLDED_LOG_LUT_SIZE
    frame = np.random.default_rng(5).random((8, 16, 3)).astype(np.float32)
    ours = apply_lut(frame, lut)
    np.testing.assert_allclose(apply_with_ocio(path, frame.reshape(-1, 3), "tetrahedral").reshape(frame.shape), ours,
                               rtol=0.0, atol=CLIENT_ATOL)
    np.testing.assert_allclose(apply_with_ffmpeg(path, frame, "tetrahedral"), ours, rtol=0.0, atol=CLIENT_ATOL)
