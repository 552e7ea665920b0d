"""Install, status, install again, uninstall: for real on a temporary Linux home with a fake /opt/resolve."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from installer.context import RunResult
from installer.plan import PACKAGE_DIR, module_file, package_files
from resolve_scripts.luts import write_lut
from resolve_scripts.menu import MENU_ENTRIES, stub_source
from resolve_scripts.settings import DEFAULT_ADDRESS, load_settings
from tests.installer.conftest import Machine, make_machine, snapshot

UNIT = ".config/systemd/user/pix2lut-server.service"
COPY = ".local/share/pix2lut/scripts"
CONFIG = ".config/pix2lut/resolve.json"
RECORD = ".local/share/pix2lut/install-record.json"
USER_SCRIPTS = ".local/share/DaVinciResolve/Fusion/Scripts"
CANNOT_REACH = (
    "Pix2LUT: Cannot reach DaVinci Resolve: run this from Workspace > Scripts inside Resolve, or, from outside, "
    "use Resolve Studio with Preferences > General > External scripting set to Local."
)
SYSTEMCTL_ENABLE = ("systemctl", "--user", "enable", "--now", "pix2lut-server.service")
SYSTEMCTL_DISABLE = ("systemctl", "--user", "disable", "--now", "pix2lut-server.service")
SYSTEMCTL_RELOAD = ("systemctl", "--user", "daemon-reload")
CUBE = "LUT_3D_SIZE 2\n" + "0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n"  # the identity, red fastest


def shipped_entries():
    return [entry for entry in MENU_ENTRIES if module_file(PACKAGE_DIR, entry) is not None]


def test_round_trip_installs_everything_and_leaves_only_the_users_luts(linux: Machine) -> None:
    before = snapshot(linux.tmp)
    status, lines = linux.run("install", "--autostart")
    assert status == 0, lines
    copy = linux.home / COPY
    lut_folder = linux.root / "opt/resolve/LUT/Pix2LUT"

    # the package, *.py only, byte for byte
    sources = package_files(PACKAGE_DIR)
    assert sources, "the resolve_scripts package has no files"
    for source in sources:
        assert (copy / "resolve_scripts" / source.relative_to(PACKAGE_DIR)).read_bytes() == source.read_bytes()
    assert not list(copy.rglob("__pycache__"))
    # one stub per shipped menu entry, importing from the copy
    for entry in shipped_entries():
        stub = (linux.home / USER_SCRIPTS / entry.relative_path).read_text(encoding="utf-8")
        assert stub == stub_source(entry, str(copy))
        assert f"SCRIPTS_ROOT = {str(copy)!r}" in stub
    # the settings, as the scripts read them
    settings = load_settings(environ={}, path=str(linux.home / CONFIG))
    assert (settings.server, settings.python) == (DEFAULT_ADDRESS, sys.executable)
    assert (settings.lut_root, settings.scripts_root) == (str(linux.root / "opt/resolve/LUT"), str(copy))
    assert lut_folder.is_dir()
    # autostart: the unit file, then systemd told about it
    unit = (linux.home / UNIT).read_text(encoding="utf-8")
    assert f"ExecStart={sys.executable} -m pix2lut.cli serve\n" in unit
    assert "WantedBy=default.target\n" in unit
    assert linux.runner.commands == [SYSTEMCTL_RELOAD, SYSTEMCTL_ENABLE]
    assert lines[-2] == (
        f"ok: Resolve's Python (the system's Python) is {linux.root}/usr/bin/python3 (3.10.12) without pyzmq: the "
        f"scripts reach the server through the bridge ({sys.executable} -m resolve_scripts.bridge)."
    )

    status, lines = linux.run("status")
    assert status == 0, lines
    made = {name: content for name, content in snapshot(linux.tmp).items() if name not in before}
    files = len([content for content in made.values() if content is not None]) - 1  # the record is not listed
    folders = len([content for content in made.values() if content is None])
    assert files == len(sources) + len(shipped_entries()) + 2  # + the settings and the unit
    assert f"ok: all {files} files and {folders} folders are as installed." in lines

    # the installed Grade Clip stub, run outside Resolve by a Python that sees neither this checkout nor the
    # venv's site-packages: it loads the copy, and says in one line that Resolve is out of reach
    stub = linux.home / USER_SCRIPTS / "Color/Pix2LUT/Grade Clip.py"
    show_module = (
        "import runpy, sys; runpy.run_path(sys.argv[1]); import resolve_scripts.console as m; print(m.__file__)"
    )
    ran = subprocess.run(
        [sys.executable, "-I", "-S", "-c", show_module, str(stub)],
        cwd=linux.tmp, env={"HOME": str(linux.home)}, capture_output=True, text=True, timeout=60, check=False,
    )
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout.splitlines() == [CANNOT_REACH, str(copy / "resolve_scripts/console.py")]

    record = (linux.home / RECORD).read_text(encoding="utf-8")
    status, lines = linux.run("install", "--autostart")
    assert (status, lines[-1]) == (0, "Pix2LUT is installed and up to date: nothing to do.")
    assert not [line for line in lines if line.startswith("done:")]
    assert (linux.home / RECORD).read_text(encoding="utf-8") == record
    assert linux.runner.commands == [SYSTEMCTL_RELOAD, SYSTEMCTL_ENABLE]

    # the scripts have graded a clip: their LUT and journal land in the LUT folder the installer made
    _relpath, lut = write_lut(settings.lut_root, CUBE)
    assert Path(lut).parent == lut_folder
    (lut_folder / "journal.json").write_text("{}\n", encoding="utf-8")
    status, lines = linux.run("uninstall")
    assert status == 0, lines
    assert linux.runner.commands[2:] == [SYSTEMCTL_DISABLE, SYSTEMCTL_RELOAD]
    assert f"done: remove {linux.home / UNIT}" in lines
    assert [line for line in lines if line.startswith("kept:")] == [
        (f"kept: {lut_folder} (it holds 2 file(s) the Pix2LUT scripts made: {Path(lut).name}, journal.json; "
        "grades may still use these LUTs, so delete the folder yourself when none does)")
    ]
    assert lines[-1] == "Pix2LUT is uninstalled; 1 item(s) kept, listed above. Restart Resolve."
    after = snapshot(linux.tmp)
    kept = {name: content for name, content in after.items() if name.startswith("root/opt/resolve/LUT/Pix2LUT")}
    assert sorted(kept) == [
        "root/opt/resolve/LUT/Pix2LUT",
        f"root/opt/resolve/LUT/Pix2LUT/{Path(lut).name}",
        "root/opt/resolve/LUT/Pix2LUT/journal.json",
    ]
    assert {name: content for name, content in after.items() if name not in kept} == before

    status, lines = linux.run("status")
    assert (status, lines) == (
        1, [f"Pix2LUT is not installed for this user (no install record at {linux.home / RECORD})."]
    )


def test_uninstall_after_install_leaves_the_tree_exactly_as_before(linux: Machine) -> None:
    before = snapshot(linux.tmp)
    assert linux.run("install")[0] == 0
    status, lines = linux.run("uninstall")
    assert (status, lines[-1]) == (0, "Pix2LUT is uninstalled: nothing of it is left. Restart Resolve.")
    assert snapshot(linux.tmp) == before


def test_dry_run_changes_nothing_and_lists_every_action_the_install_does(linux: Machine) -> None:
    before = snapshot(linux.tmp)
    status, planned = linux.run("install", "--dry-run", "--autostart")
    assert status == 0
    assert snapshot(linux.tmp) == before
    assert linux.runner.commands == []
    planned_actions = [line.removeprefix("plan: ") for line in planned if line.startswith("plan: ")]
    assert planned[-1] == f"Dry run: {len(planned_actions)} action(s) planned; nothing was changed."

    status, done = linux.run("install", "--autostart")
    assert status == 0
    assert [line.removeprefix("done: ") for line in done if line.startswith("done: ")] == planned_actions
    assert f"create folder {linux.root}/opt/resolve/LUT/Pix2LUT" in planned_actions
    assert "run systemctl --user enable --now pix2lut-server.service (start the server now and at every login)" in (
        planned_actions
    )

    middle = snapshot(linux.tmp)
    status, planned = linux.run("uninstall", "--dry-run")
    assert status == 0
    assert snapshot(linux.tmp) == middle
    status, done = linux.run("uninstall")
    assert [line.removeprefix("plan: ") for line in planned if line.startswith("plan: ")] == [
        line.removeprefix("done: ") for line in done if line.startswith("done: ")
    ]
    assert snapshot(linux.tmp) == before


def test_uninstall_keeps_a_file_changed_since_install_and_the_folders_holding_it(linux: Machine) -> None:
    assert linux.run("install")[0] == 0
    stub = linux.home / USER_SCRIPTS / "Color/Pix2LUT/Grade Clip.py"
    stub.write_text("print('my own version')\n", encoding="utf-8")
    status, lines = linux.run("status")
    assert status == 1
    assert f"changed: {stub} (since Pix2LUT installed it; install again to restore it)" in lines

    status, lines = linux.run("uninstall")
    assert status == 0
    assert f"kept: {stub} (changed since Pix2LUT installed it)" in lines
    assert f"kept: {stub.parent} (it holds 1 thing(s) Pix2LUT did not install: Grade Clip.py)" in lines
    assert stub.read_text(encoding="utf-8") == "print('my own version')\n"
    assert not (linux.home / COPY).exists()
    assert not (linux.root / "opt/resolve/LUT/Pix2LUT").exists()


def test_existing_settings_are_merged_and_put_back_by_uninstall(linux: Machine) -> None:
    config = linux.home / CONFIG
    config.parent.mkdir(parents=True)
    mine = '{"format": 1, "node": 2, "server": "tcp://127.0.0.1:6000"}\n'
    config.write_text(mine, encoding="utf-8")
    status, lines = linux.run("install")
    assert status == 0
    assert f"done: replace {config} (the scripts' settings; uninstall puts the old file back)" in lines
    settings = load_settings(environ={}, path=str(config))
    assert (settings.node, settings.server, settings.python) == (2, "tcp://127.0.0.1:6000", sys.executable)

    status, lines = linux.run("uninstall")
    assert status == 0
    assert f"done: restore {config} (as it was before Pix2LUT)" in lines
    assert config.read_text(encoding="utf-8") == mine


def test_switching_to_the_system_scripts_folder_removes_the_user_menu(linux: Machine) -> None:
    before = snapshot(linux.tmp)
    assert linux.run("install", "--user")[0] == 0
    status, lines = linux.run("install", "--system")
    assert status == 0
    stub = "Color/Pix2LUT/Grade Clip.py"
    assert f"done: remove {linux.home / USER_SCRIPTS / stub} (no longer installed)" in lines
    assert not (linux.home / ".local/share/DaVinciResolve").exists()
    assert (linux.root / "opt/resolve/Fusion/Scripts" / stub).is_file()
    assert json.loads((linux.home / RECORD).read_text(encoding="utf-8"))["scope"] == "system"
    assert linux.run("uninstall")[0] == 0
    assert snapshot(linux.tmp) == before


def test_unwritable_master_lut_folder_gives_the_exact_admin_command(tmp_path: Path) -> None:
    master = tmp_path / "root/opt/resolve/LUT"
    master.mkdir(parents=True)
    machine = make_machine(tmp_path, writable=lambda path: not path.startswith(str(master)))
    status, lines = machine.run("install")
    assert status == 0, lines  # everything else is installed; the todo is left to the user
    assert not (master / "Pix2LUT").exists()
    index = lines.index(
        f"todo: the scripts write their LUTs into {master}/Pix2LUT, and {master} needs administrator rights: run "
        "this once in a terminal, after which no admin rights are needed:"
    )
    assert lines[index + 1] == f"    sudo mkdir -p '{master}/Pix2LUT' && sudo chown $USER '{master}/Pix2LUT'"
    status, lines = machine.run("status")
    assert status == 1
    assert lines[-2:] == [
        f"todo: the LUT folder {master}/Pix2LUT is not writable by you: run this once in a terminal:",
        f"    sudo mkdir -p '{master}/Pix2LUT' && sudo chown $USER '{master}/Pix2LUT'",
    ]


def test_unwritable_system_scripts_folder_stops_before_anything_is_done(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scripts = tmp_path / "root/opt/resolve/Fusion/Scripts"
    scripts.mkdir(parents=True)
    machine = make_machine(tmp_path, writable=lambda path: not path.startswith(str(tmp_path / "root")))
    before = snapshot(tmp_path)
    assert machine.run("install", "--system") == (1, [])
    assert capsys.readouterr().err == (
        f"pix2lut-install: Resolve's all-users Scripts folder {scripts} is not writable: run once in a terminal "
        f"`sudo mkdir -p '{scripts}' && sudo chown $USER '{scripts}'`, or install with --user.\n"
    )
    assert snapshot(tmp_path) == before


def test_failed_autostart_command_stops_with_one_sentence_and_keeps_the_record(
    linux: Machine, capsys: pytest.CaptureFixture[str]
) -> None:
    def refusing(argv, timeout_s):
        if argv[0] == "systemctl":
            return RunResult(1, "", "Failed to connect to bus: No medium found\n")
        return linux.runner(argv, timeout_s)

    machine = make_machine(linux.tmp, runner=refusing)
    status, lines = machine.run("install", "--autostart")
    assert status == 1
    done = len([line for line in lines if line.startswith("done: ")])
    assert capsys.readouterr().err == (
        "pix2lut-install: `systemctl --user daemon-reload` failed (exit 1: Failed to connect to bus: No medium "
        f"found): the {done} action(s) before it are done and recorded; fix this and run the install again, or "
        "`pix2lut-install uninstall` to take them out.\n"
    )
    assert (machine.home / UNIT).is_file()
    assert machine.run("uninstall")[0] == 0
    assert not (machine.home / UNIT).exists()
