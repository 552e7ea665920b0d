"""Starting the Pix2LUT server at login (``install --autostart``): what to write and run on each system.

- Linux: a systemd user unit ``~/.config/systemd/user/pix2lut-server.service``, then
  ``systemctl --user daemon-reload`` and ``systemctl --user enable --now pix2lut-server.service``;
- macOS: a launchd agent ``~/Library/LaunchAgents/com.pix2lut.server.plist``, then ``launchctl load -w``;
- Windows: a scheduled task "Pix2LUT Server" that runs at logon (``schtasks /Create /SC ONLOGON``).

Each command carries the commands that undo it, for the install record. The server runs as
``<project Python> -m pix2lut.cli serve`` (the project's ``pix2lut serve``), with ``--bind`` only when the
configured address is not the default one; its default models folder is the server's own.
"""

from __future__ import annotations

import plistlib
import subprocess
from dataclasses import dataclass

from installer.context import LINUX, MACOS, Context
from resolve_scripts.settings import DEFAULT_ADDRESS

SYSTEMD_UNIT = "pix2lut-server.service"
LAUNCHD_LABEL = "com.pix2lut.server"
TASK_NAME = "Pix2LUT Server"
SERVE_MODULE = "pix2lut.cli"  # `python -m pix2lut.cli serve` is `pix2lut serve` without relying on PATH


@dataclass(frozen=True)
class Command:
    """A command to run, the commands that undo it, and what it is for."""

    argv: tuple[str, ...]
    undo: tuple[tuple[str, ...], ...]
    what: str


@dataclass(frozen=True)
class Autostart:
    """What autostart needs on one system: ``kind`` for messages, a file (or None) and the commands after it."""

    kind: str
    file: str | None
    content: bytes | None
    commands: tuple[Command, ...]


def serve_argv(python: str, server: str) -> list[str]:
    argv = [python, "-m", SERVE_MODULE, "serve"]
    if server != DEFAULT_ADDRESS:
        argv += ["--bind", server]
    return argv


def autostart_for(ctx: Context, python: str, server: str) -> Autostart:
    """The autostart of the server at ``server`` run by ``python``, for ``ctx``'s system."""
    argv = serve_argv(python, server)
    if ctx.system == LINUX:
        return _systemd(ctx, argv)
    if ctx.system == MACOS:
        return _launchd(ctx, argv)
    return _scheduled_task(argv)


def _systemd(ctx: Context, argv: list[str]) -> Autostart:
    config = ctx.env_path("XDG_CONFIG_HOME", ctx.join(ctx.home, ".config"))
    unit = ctx.join(config, "systemd/user", SYSTEMD_UNIT)
    text = (
        "# Written by pix2lut-install; `pix2lut-install uninstall` removes it.\n"
        "[Unit]\n"
        "Description=Pix2LUT inference server (pix2lut serve)\n"
        "\n"
        "[Service]\n"
        f"ExecStart={' '.join(systemd_quote(part) for part in argv)}\n"
        "Restart=on-failure\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )
    systemctl = ("systemctl", "--user")
    reload = systemctl + ("daemon-reload",)
    return Autostart(
        kind=f"systemd user unit {SYSTEMD_UNIT}",
        file=unit,
        content=text.encode("utf-8"),
        commands=(
            Command(reload, (reload,), "make systemd read the unit"),
            Command(
                systemctl + ("enable", "--now", SYSTEMD_UNIT),
                (systemctl + ("disable", "--now", SYSTEMD_UNIT),),
                "start the server now and at every login",
            ),
        ),
    )


def _launchd(ctx: Context, argv: list[str]) -> Autostart:
    agent = ctx.join(ctx.home, "Library/LaunchAgents", LAUNCHD_LABEL + ".plist")
    document = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": argv,
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},  # restart after a crash, not after `shutdown`
    }
    return Autostart(
        kind=f"launchd agent {LAUNCHD_LABEL}",
        file=agent,
        content=plistlib.dumps(document),
        commands=(
            Command(
                ("launchctl", "load", "-w", agent),
                (("launchctl", "unload", "-w", agent),),
                "start the server now and at every login",
            ),
        ),
    )


def _scheduled_task(argv: list[str]) -> Autostart:
    return Autostart(
        kind=f"scheduled task {TASK_NAME!r}",
        file=None,
        content=None,
        commands=(
            Command(
                ("schtasks", "/Create", "/SC", "ONLOGON", "/TN", TASK_NAME, "/TR", subprocess.list2cmdline(argv), "/F"),
                (("schtasks", "/Delete", "/TN", TASK_NAME, "/F"),),
                "start the server at every logon",
            ),
        ),
    )


def systemd_quote(word: str) -> str:
    """One ExecStart word: double-quoted when it holds spaces or quotes; ``%`` doubled (systemd specifiers)."""
    word = word.replace("%", "%%")
    if word and not any(char in word for char in " \t\"'\\"):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
