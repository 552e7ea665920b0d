"""Resolve's folders and Pix2LUT's own, per system: Windows and macOS with an injected system, environment, home."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from installer.admin import admin_command
from installer.cli import main
from installer.context import Context
from installer.errors import InstallerError, UnsupportedSystem
from installer.locations import (
    SYSTEM,
    USER,
    config_file,
    data_dir,
    find_resolve,
    record_path,
    scripts_copy_dir,
)
from tests.installer.conftest import RecordingRunner, make_machine, snapshot

WINDOWS_HOME = r"C:\Users\ana"
WINDOWS_ENV = {
    "APPDATA": r"C:\Users\ana\AppData\Roaming",
    "PROGRAMDATA": r"D:\ProgramData",
    "PROGRAMFILES": r"C:\Program Files",
}
# the corrected per-user folder (API-NOTES section 8): no "Roaming\Roaming"
WINDOWS_USER_SCRIPTS = r"C:\Users\ana\AppData\Roaming\Blackmagic Design\DaVinci Resolve\Support\Fusion\Scripts"
APP_STORE = "Library/Containers/com.blackmagic-design.DaVinciResolveAppStore/Data/Library/Application Support"
LITE = "Library/Containers/com.blackmagic-design.DaVinciResolveLite/Data/Library/Application Support"
MACOS_SUPPORT = "Library/Application Support/Blackmagic Design/DaVinci Resolve"


def windows(environ: dict[str, str] = WINDOWS_ENV) -> Context:
    return Context(system="Windows", environ=environ, home=WINDOWS_HOME)


def test_windows_folders_use_the_corrected_per_user_path() -> None:
    ctx = windows()
    folders = find_resolve(ctx)
    assert folders.scripts(USER) == WINDOWS_USER_SCRIPTS
    assert folders.scripts(SYSTEM) == r"D:\ProgramData\Blackmagic Design\DaVinci Resolve\Fusion\Scripts"
    assert folders.master_lut == r"D:\ProgramData\Blackmagic Design\DaVinci Resolve\Support\LUT"
    assert folders.found is None
    assert folders.looked_in == (r"C:\Program Files\Blackmagic Design\DaVinci Resolve",)
    assert data_dir(ctx) == r"C:\Users\ana\AppData\Roaming\Pix2LUT"
    assert scripts_copy_dir(ctx) == r"C:\Users\ana\AppData\Roaming\Pix2LUT\scripts"
    assert record_path(ctx) == r"C:\Users\ana\AppData\Roaming\Pix2LUT\install-record.json"
    assert config_file(ctx) == r"C:\Users\ana\AppData\Roaming\Pix2LUT\resolve.json"


def test_windows_without_appdata_or_programdata_falls_back_to_the_defaults() -> None:
    ctx = windows({})
    folders = find_resolve(ctx)
    assert folders.user_scripts == WINDOWS_USER_SCRIPTS
    assert folders.master_lut == r"C:\ProgramData\Blackmagic Design\DaVinci Resolve\Support\LUT"
    assert config_file(ctx) == r"C:\Users\ana\AppData\Roaming\Pix2LUT\resolve.json"


def test_windows_admin_command_creates_the_folder_and_grants_the_user_modify_rights() -> None:
    folder = r"C:\ProgramData\Blackmagic Design\DaVinci Resolve\Support\LUT\Pix2LUT"
    assert admin_command(windows(), folder) == (
        rf'mkdir "{folder}" & icacls "{folder}" /grant "%USERNAME%:(OI)(CI)M"'
    )


def test_windows_dry_run_lists_the_menu_stubs_and_the_scheduled_task(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # a Windows path is relative here: make sure nothing lands anywhere
    python = r"C:\Users\ana\Pix2LUT app\.venv\Scripts\python.exe"
    runner = RecordingRunner()
    ctx = Context("Windows", WINDOWS_ENV, WINDOWS_HOME, runner=runner, project_python=python,
                  registered_pythons=lambda: [("3.12", r"C:\Python312\python.exe")])
    before = snapshot(tmp_path)
    out = io.StringIO()
    assert main(["install", "--dry-run", "--autostart"], context=ctx, out=out) == 0
    lines = out.getvalue().splitlines()
    assert snapshot(tmp_path) == before
    scripts = r"C:\Users\ana\AppData\Roaming\Blackmagic Design\DaVinci Resolve\Support\Fusion\Scripts"
    assert rf"plan: write {scripts}\Color\Pix2LUT\Grade Clip.py (menu entry 'Grade Clip')" in lines
    assert r"plan: write C:\Users\ana\AppData\Roaming\Pix2LUT\resolve.json (the scripts' settings)" in lines
    assert (
        r'plan: run schtasks /Create /SC ONLOGON /TN "Pix2LUT Server" /TR "\"C:\Users\ana\Pix2LUT app\.venv'
        r'\Scripts\python.exe\" -m pix2lut.cli serve" /F (start the server at every logon)'
    ) in lines
    assert runner.commands == []
    assert runner.probed == [r"C:\Python312\python.exe"]


def test_linux_prefers_opt_resolve_then_home_resolve(tmp_path: Path) -> None:
    machine = make_machine(tmp_path)
    (machine.root / "home/resolve/LUT").mkdir(parents=True)
    folders = find_resolve(machine.ctx)
    assert (folders.found, folders.master_lut) == (f"{machine.root}/home/resolve", f"{machine.root}/home/resolve/LUT")
    assert folders.scripts(SYSTEM) == f"{machine.root}/home/resolve/Fusion/Scripts"
    assert folders.scripts(USER) == f"{machine.home}/.local/share/DaVinciResolve/Fusion/Scripts"
    (machine.root / "opt/resolve").mkdir(parents=True)
    assert find_resolve(machine.ctx).master_lut == f"{machine.root}/opt/resolve/LUT"


def test_linux_data_and_settings_follow_xdg(tmp_path: Path) -> None:
    ctx = Context("Linux", {"XDG_DATA_HOME": "/data", "XDG_CONFIG_HOME": "/conf"}, "/home/ana")
    assert (data_dir(ctx), config_file(ctx)) == ("/data/pix2lut", "/conf/pix2lut/resolve.json")


def test_macos_standard_edition(tmp_path: Path) -> None:
    machine = make_machine(tmp_path, "Darwin")
    (machine.root / MACOS_SUPPORT / "LUT").mkdir(parents=True)
    folders = find_resolve(machine.ctx)
    assert folders.found == f"{machine.root}/{MACOS_SUPPORT}"
    assert folders.scripts(USER) == f"{machine.home}/{MACOS_SUPPORT}/Fusion/Scripts"
    assert folders.scripts(SYSTEM) == f"{machine.root}/{MACOS_SUPPORT}/Fusion/Scripts"
    assert folders.master_lut == f"{machine.root}/{MACOS_SUPPORT}/LUT"
    assert data_dir(machine.ctx) == f"{machine.home}/Library/Application Support/Pix2LUT"
    assert config_file(machine.ctx) == f"{machine.home}/Library/Application Support/Pix2LUT/resolve.json"


@pytest.mark.parametrize("container", [APP_STORE, LITE], ids=["studio", "lite"])
def test_macos_app_store_edition_lives_in_its_container(tmp_path: Path, container: str) -> None:
    machine = make_machine(tmp_path, "Darwin")
    (machine.home / container).mkdir(parents=True)
    folders = find_resolve(machine.ctx)
    assert (folders.edition, folders.found) == ("App Store edition", f"{machine.home}/{container}")
    assert folders.scripts(USER) == f"{machine.home}/{container}/Fusion/Scripts"
    assert folders.master_lut == f"{machine.home}/{container}/LUT"
    with pytest.raises(InstallerError) as error:
        folders.scripts(SYSTEM)
    assert str(error.value) == (
        f"The App Store edition of DaVinci Resolve reads scripts only from {machine.home}/{container}/Fusion/"
        "Scripts: install with --user."
    )
    (machine.home / container / "Blackmagic Design/DaVinci Resolve/LUT").mkdir(parents=True)
    assert find_resolve(machine.ctx).master_lut == f"{machine.home}/{container}/Blackmagic Design/DaVinci Resolve/LUT"


def test_macos_system_install_of_the_app_store_edition_is_a_failure_in_one_line(tmp_path: Path, capsys) -> None:
    machine = make_machine(tmp_path, "Darwin")
    (machine.home / APP_STORE).mkdir(parents=True)
    assert machine.run("install", "--system") == (1, [])
    assert capsys.readouterr().err == (
        f"pix2lut-install: The App Store edition of DaVinci Resolve reads scripts only from "
        f"{machine.home}/{APP_STORE}/Fusion/Scripts: install with --user.\n"
    )


def test_unknown_system_is_refused_by_name() -> None:
    with pytest.raises(UnsupportedSystem) as error:
        Context("FreeBSD", {}, "/home/ana")
    assert str(error.value) == "Unsupported operating system 'FreeBSD': DaVinci Resolve runs on Linux, Darwin, Windows."
