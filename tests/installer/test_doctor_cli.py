"""``doctor``'s lines against a real server and a real tiny 'Resolve Python'; the CLI's usage and exit codes."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from installer.cli import main
from installer.context import run_command
from installer.doctor import run_doctor
from server.loop import ServerConfig
from tests.installer.conftest import Machine, write_interpreter
from tests.server.conftest import RunningServer, free_port, make_models, start_server, stop_server

UNREACHABLE_TIMEOUT_MS = 100
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    models = make_models(tmp_path_factory.mktemp("models"))
    address = f"tcp://127.0.0.1:{free_port()}"
    running = RunningServer(address, start_server(ServerConfig(bind=address, models_dir=models, threads=1)), models)
    yield running
    stop_server(running)


def test_doctor_all_good_with_the_bridge_and_a_running_server(linux: Machine, server: RunningServer) -> None:
    python = write_interpreter(linux.root / "usr/bin/python3", "-S")  # Resolve's Python, without pyzmq
    machine_ctx = replace(linux.ctx, runner=run_command)  # the probe really runs the interpreter above
    assert main(["install", "--server", server.address], context=machine_ctx, out=io.StringIO()) == 0
    out = io.StringIO()
    assert main(["doctor"], context=machine_ctx, out=out) == 0
    here = ".".join(str(part) for part in sys.version_info[:3])
    assert out.getvalue().splitlines() == [
        f"ok: DaVinci Resolve (Linux edition) found at {linux.root}/opt/resolve.",
        "ok: Pix2LUT is installed (user scope); `pix2lut-install status` checks it.",
        f"ok: settings {linux.home}/.config/pix2lut/resolve.json: server {server.address}.",
        (f"ok: Resolve's Python (the system's Python) is {python} ({here}) without pyzmq: the scripts reach the server "
        f"through the bridge ({sys.executable} -m resolve_scripts.bridge)."),
        f"ok: the LUT folder {linux.root}/opt/resolve/LUT/Pix2LUT exists and is writable.",
        f"ok: the Pix2LUT server at {server.address} answered: version 0.1.0, 3 model(s), CPUExecutionProvider.",
        "All checks passed.",
    ]


def test_doctor_before_install_names_each_problem(linux: Machine) -> None:
    out = io.StringIO()
    (linux.root / "opt/resolve/LUT").rmdir()
    (linux.root / "opt/resolve").rmdir()
    assert run_doctor(linux.ctx, out, timeout_ms=UNREACHABLE_TIMEOUT_MS) == 1
    lines = out.getvalue().splitlines()
    assert lines[:2] == [
        f"problem: DaVinci Resolve not found (looked in {linux.root}/opt/resolve, {linux.root}/home/resolve).",
        (f"problem: Pix2LUT is not installed for this user (no record at {linux.home}/.local/share/pix2lut/"
        "install-record.json): run `pix2lut-install install`."),
    ]
    master = linux.root / "opt/resolve/LUT"
    assert f"problem: the master LUT folder {master} does not exist: is DaVinci Resolve installed?" in lines
    assert lines[-2:] == [
        ("warning: no Pix2LUT server answered at tcp://127.0.0.1:5555 within 100 ms: start it with `pix2lut serve` "
        "(or install with --autostart)."),
        "3 problem(s) found.",
    ]


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        ([], 2),
        (["install", "--user", "--system"], 2),
        (["install", "--server", "localhost:5555"], 2),
        (["remove"], 2),
        (["status", "--dry-run"], 2),
        (["--help"], 0),
    ],
)
def test_usage(argv: list[str], status: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == status
    assert "usage: pix2lut-install" in capsys.readouterr()[1 if status else 0]


def test_python_dash_m_installer_runs_the_cli() -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "installer", "install", "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert ran.returncode == 0
    assert ran.stdout.startswith("usage: pix2lut-install install [-h] [--dry-run] [--user | --system]\n")


def test_server_address_must_be_an_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["install", "--dry-run", "--server", "localhost:5555"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "pix2lut-install install: error: argument --server: 'localhost:5555' is not a server address: use tcp:// or "
        "ipc://, e.g. tcp://127.0.0.1:5555"
    )
