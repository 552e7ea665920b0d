"""``pix2lut-install`` (and ``python -m installer``): put the Pix2LUT scripts into Resolve, check, take them out.

    pix2lut-install install [--dry-run] [--user | --system] [--autostart] [--server ADDRESS]
    pix2lut-install uninstall [--dry-run]
    pix2lut-install status
    pix2lut-install doctor [--no-server]

Exit status: 0 done, 1 failed (one sentence on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from installer.context import Context
from installer.doctor import run_doctor
from installer.errors import InstallerError
from installer.install import run_install
from installer.locations import SYSTEM, USER
from installer.plan import InstallOptions
from installer.status import run_status
from installer.uninstall import run_uninstall
from resolve_scripts.settings import DEFAULT_ADDRESS

PROG = "pix2lut-install"
USAGE_ERROR = 2
ADDRESS_SCHEMES = ("tcp://", "ipc://")  # the transports the scripts' REQ socket and the bridge connect over
FAILURE = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Put the Pix2LUT scripts into DaVinci Resolve.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{install,uninstall,status,doctor}")
    install = commands.add_parser("install", help="copy the scripts into Resolve and write their settings")
    install.add_argument("--dry-run", action="store_true", help="list every action, change nothing")
    scope = install.add_mutually_exclusive_group()
    scope.add_argument("--user", dest="scope", action="store_const", const=USER, help="this user's menu (default)")
    scope.add_argument("--system", dest="scope", action="store_const", const=SYSTEM, help="every user's menu")
    install.add_argument("--autostart", action="store_true", help="start the server at login")
    install.add_argument(
        "--server", type=server_address, help=f"the server address the scripts use (default {DEFAULT_ADDRESS})"
    )
    uninstall = commands.add_parser("uninstall", help="remove exactly what install put in place")
    uninstall.add_argument("--dry-run", action="store_true", help="list every action, change nothing")
    commands.add_parser("status", help="what is installed, and is it intact")
    doctor = commands.add_parser("doctor", help="check Resolve, its Python, the LUT folder and the server")
    doctor.add_argument("--no-server", action="store_true", help="do not ping the server")
    return parser


def server_address(text: str) -> str:
    """A ZeroMQ endpoint the scripts can connect to: ``tcp://host:port`` or ``ipc://path``."""
    if not text.startswith(ADDRESS_SCHEMES) or text.endswith("://"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a server address: use {' or '.join(ADDRESS_SCHEMES)}, e.g. {DEFAULT_ADDRESS}"
        )
    return text


def main(argv: list[str] | None = None, *, context: Context | None = None, out: TextIO | None = None) -> int:
    """Run one command; ``context`` and ``out`` stand in for this machine and stdout in tests."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage
        return USAGE_ERROR if exc.code else 0
    out = out or sys.stdout
    try:
        ctx = context or Context.this_machine()
        if args.command == "install":
            options = InstallOptions(scope=args.scope or USER, autostart=args.autostart, server=args.server)
            return run_install(ctx, options, args.dry_run, out)
        if args.command == "uninstall":
            return run_uninstall(ctx, args.dry_run, out)
        if args.command == "status":
            return run_status(ctx, out)
        return run_doctor(ctx, out, check_server=not args.no_server)
    except InstallerError as exc:
        sys.stderr.write(f"{PROG}: {exc}\n")
        return FAILURE


if __name__ == "__main__":
    raise SystemExit(main())
