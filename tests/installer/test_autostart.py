"""Autostart of the server on each system: the files written (for real under a temporary home), the commands run
(recorded), and uninstall reversing exactly those."""

from __future__ import annotations

import plistlib
import sys
from pathlib import Path

from installer.autostart import autostart_for, systemd_quote
from installer.context import Context
from tests.installer.conftest import make_machine, snapshot

MACOS_SUPPORT = "Library/Application Support/Blackmagic Design/DaVinci Resolve"


def test_systemd_unit_with_a_custom_address_and_a_path_with_spaces(tmp_path: Path) -> None:
    ctx = Context("Linux", {"XDG_CONFIG_HOME": "/home/ana/conf"}, "/home/ana")
    autostart = autostart_for(ctx, "/home/ana/my venv/bin/python", "tcp://127.0.0.1:6000")
    assert autostart.file == "/home/ana/conf/systemd/user/pix2lut-server.service"
    assert autostart.content.decode("utf-8") == (
        "# Written by pix2lut-install; `pix2lut-install uninstall` removes it.\n"
        "[Unit]\n"
        "Description=Pix2LUT inference server (pix2lut serve)\n"
        "\n"
        "[Service]\n"
        'ExecStart="/home/ana/my venv/bin/python" -m pix2lut.cli serve --bind tcp://127.0.0.1:6000\n'
        "Restart=on-failure\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )
    assert [command.argv for command in autostart.commands] == [
        ("systemctl", "--user", "daemon-reload"),
        ("systemctl", "--user", "enable", "--now", "pix2lut-server.service"),
    ]
    assert systemd_quote("100%") == "100%%"


def test_launchd_agent_round_trip_on_macos(tmp_path: Path) -> None:
    machine = make_machine(tmp_path, "Darwin")
    (machine.root / MACOS_SUPPORT / "LUT").mkdir(parents=True)
    before = snapshot(tmp_path)
    status, lines = machine.run("install", "--autostart")
    assert status == 0, lines
    agent = machine.home / "Library/LaunchAgents/com.pix2lut.server.plist"
    assert plistlib.loads(agent.read_bytes()) == {
        "Label": "com.pix2lut.server",
        "ProgramArguments": [sys.executable, "-m", "pix2lut.cli", "serve"],
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
    }
    assert (machine.home / MACOS_SUPPORT / "Fusion/Scripts/Color/Pix2LUT/Grade Clip.py").is_file()
    assert (machine.root / MACOS_SUPPORT / "LUT/Pix2LUT").is_dir()
    assert machine.runner.commands == [("launchctl", "load", "-w", str(agent))]

    status, lines = machine.run("uninstall")
    assert status == 0, lines
    assert machine.runner.commands[1:] == [("launchctl", "unload", "-w", str(agent))]
    assert snapshot(tmp_path) == before


def test_windows_scheduled_task_runs_at_logon_and_is_deleted_by_uninstall() -> None:
    ctx = Context("Windows", {}, r"C:\Users\ana")
    autostart = autostart_for(ctx, r"C:\Pix2LUT\.venv\Scripts\python.exe", "tcp://127.0.0.1:5555")
    assert (autostart.file, autostart.content) == (None, None)
    (command,) = autostart.commands
    assert command.argv == (
        "schtasks", "/Create", "/SC", "ONLOGON", "/TN", "Pix2LUT Server",
        "/TR", r"C:\Pix2LUT\.venv\Scripts\python.exe -m pix2lut.cli serve", "/F",
    )
    assert command.undo == (("schtasks", "/Delete", "/TN", "Pix2LUT Server", "/F"),)


def test_install_without_autostart_leaves_an_earlier_autostart_in_place(tmp_path: Path) -> None:
    machine = make_machine(tmp_path)
    (machine.root / "opt/resolve/LUT").mkdir(parents=True)
    assert machine.run("install", "--autostart")[0] == 0
    status, lines = machine.run("install")
    assert (status, lines[-1]) == (0, "Pix2LUT is installed and up to date: nothing to do.")
    assert (machine.home / ".config/systemd/user/pix2lut-server.service").is_file()
    status, lines = machine.run("status")
    assert "autostart: ran `systemctl --user enable --now pix2lut-server.service`" in lines
