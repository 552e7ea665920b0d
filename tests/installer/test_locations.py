"""Resolve's folders and Pix2LUT's own, per system: Windows and macOS with an injected system, environment, home."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from installer.admin import admin_command
from installer.cli import main
from installer.context import Context
from installer.doctor import run_doctor
from installer.errors import UnsupportedSystem
from installer.locations import (
    SYSTEM,
    USER,
    config_file,
    data_dir,
    find_resolve,
    record_path,
    scripts_copy_dir,
)
from tests.installer.conftest import Machine, RecordingRunner, make_machine, snapshot

WINDOWS_HOME = r"C:\Users\ana"
WINDOWS_ENV = {
    "APPDATA": r"C:\Users\ana\AppData\Roaming",
    "PROGRAMDATA": r"D:\ProgramData",
    "PROGRAMFILES": r"C:\Program Files",
}
# the corrected per-user folder (API-NOTES section 8): no "Roaming\Roaming"
WINDOWS_USER_SCRIPTS = r"C:\Users\ana\AppData\Roaming\Blackmagic Design\DaVinci Resolve\Support\Fusion\Scripts"
APP_STORE = "Library/Containers/com.blackmagic-design.DaVinciResolveAppStore"
LITE = "Library/Containers/com.blackmagic-design.DaVinciResolveLite"
APP_STORE_APP = "Applications/DaVinci Resolve.app"
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


def app_store_refusal(found: str) -> str:
    return (
        f"DaVinci Resolve from the Mac App Store ({found}) cannot run Pix2LUT: its sandbox reads no file outside its "
        "own container, so neither the Pix2LUT scripts nor their settings nor the Python that reaches the Pix2LUT "
        "server would load. Install DaVinci Resolve from blackmagicdesign.com (it can stay beside the App Store one), "
        "then run `pix2lut-install install`."
    )


def install_app_store(machine: Machine, receipt: bool = True, container: str | None = APP_STORE) -> str | None:
    """The App Store edition on ``machine``: its app with the App Store's receipt, and its sandbox container.
    Returns where it will be reported: the app when it has the receipt, else the container (None: neither)."""
    app = machine.root / APP_STORE_APP
    (app / "Contents/MacOS").mkdir(parents=True)
    if receipt:
        (app / "Contents/_MASReceipt").mkdir()
        (app / "Contents/_MASReceipt/receipt").write_bytes(b"\x30\x80")  # a PKCS #7 blob's first bytes
    if container is not None:
        (machine.home / container / "Data/Library/Application Support").mkdir(parents=True)
    if receipt:
        return str(app)
    return None if container is None else str(machine.home / container)


@pytest.mark.parametrize(
    ("receipt", "container", "argv"),
    [
        (True, None, ["install"]),
        (True, APP_STORE, ["install", "--dry-run"]),
        (True, LITE, ["install", "--system"]),
        (False, APP_STORE, ["install"]),  # the app moved or renamed: its container still says what ran here
        (False, LITE, ["install", "--autostart"]),
    ],
    ids=["receipt", "receipt-studio-dry-run", "receipt-lite-system", "studio-container", "lite-container"],
)
def test_app_store_alone_is_refused_at_install_with_the_reason(
    tmp_path: Path, capsys, receipt: bool, container: str | None, argv: list[str]
) -> None:
    machine = make_machine(tmp_path, "Darwin")
    found = install_app_store(machine, receipt, container)
    before = snapshot(tmp_path)
    assert machine.run(*argv) == (1, [])
    assert capsys.readouterr().err == f"pix2lut-install: {app_store_refusal(found)}\n"
    assert snapshot(tmp_path) == before
    assert machine.runner.commands == []


def test_app_store_alone_is_a_problem_for_doctor(tmp_path: Path) -> None:
    machine = make_machine(tmp_path, "Darwin")
    found = install_app_store(machine)
    out = io.StringIO()
    assert run_doctor(machine.ctx, out, check_server=False) == 1
    assert out.getvalue().splitlines()[0] == f"problem: {app_store_refusal(found)}"
    assert "run `pix2lut-install install` again" not in out.getvalue()


def test_app_store_beside_the_standard_edition_installs_into_the_standard_one(tmp_path: Path) -> None:
    machine = make_machine(tmp_path, "Darwin")
    found = install_app_store(machine)
    (machine.root / MACOS_SUPPORT / "LUT").mkdir(parents=True)
    folders = find_resolve(machine.ctx)
    assert (folders.found, folders.app_store) == (f"{machine.root}/{MACOS_SUPPORT}", found)
    status, lines = machine.run("install")
    assert status == 0, lines
    assert (
        f"note: the Mac App Store edition of DaVinci Resolve ({found}) will not show Pix2LUT, as its sandbox reads "
        f"nothing outside its container: use the one at {machine.root}/{MACOS_SUPPORT}."
    ) in lines
    assert (machine.home / MACOS_SUPPORT / "Fusion/Scripts/Color/Pix2LUT/Grade Clip.py").is_file()
    assert not list((machine.home / APP_STORE).rglob("*.py"))
    out = io.StringIO()
    run_doctor(machine.ctx, out, check_server=False)
    assert out.getvalue().splitlines()[:2] == [
        f"ok: DaVinci Resolve (macOS edition) found at {machine.root}/{MACOS_SUPPORT}.",
        (f"ok: the Mac App Store edition at {found} will not show Pix2LUT (its sandbox reads nothing outside its "
        "container): use the one above."),
    ]


def test_app_store_app_without_the_receipt_is_not_the_app_store_edition(tmp_path: Path) -> None:
    machine = make_machine(tmp_path, "Darwin")
    assert install_app_store(machine, receipt=False, container=None) is None
    folders = find_resolve(machine.ctx)
    assert (folders.found, folders.app_store, folders.only_app_store) == (None, None, False)
    assert f"{machine.root}/{APP_STORE_APP}" in folders.looked_in


def test_unknown_system_is_refused_by_name() -> None:
    with pytest.raises(UnsupportedSystem) as error:
        Context("FreeBSD", {}, "/home/ana")
    assert str(error.value) == "Unsupported operating system 'FreeBSD': DaVinci Resolve runs on Linux, Darwin, Windows."
