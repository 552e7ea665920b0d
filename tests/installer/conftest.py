"""Machines for the installer's tests: a Linux (or macOS) one for real under a temporary folder, the commands
that the installer would run on it recorded instead of run."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from installer.cli import main
from installer.context import Context, Runner, RunResult, run_command
from installer.resolve_python import PROBE

NO_ZMQ_PYTHON = RunResult(0, json.dumps({"version": "3.10.12", "bits": 64, "zmq": None}) + "\n", "")


LAUNCHCTL_GETENV = ["launchctl", "getenv"]


def launchd_answer(environment: dict[str, str], argv: Sequence[str]) -> RunResult:
    """What ``launchctl getenv NAME`` prints: the value and a newline, or nothing when NAME is unset."""
    value = environment.get(argv[2])
    return RunResult(0, f"{value}\n" if value else "", "")


@dataclass
class RecordingRunner:
    """Stands in for systemctl, launchctl and schtasks: records each command and says it worked. The probe of
    Resolve's Python gets ``python_answer``; ``launchctl getenv`` (a question, not recorded) answers from
    ``launchd``, the environment Resolve starts with on macOS."""

    python_answer: RunResult = NO_ZMQ_PYTHON
    launchd: dict[str, str] = field(default_factory=dict)
    commands: list[tuple[str, ...]] = field(default_factory=list)
    probed: list[str] = field(default_factory=list)

    def __call__(self, argv: Sequence[str], timeout_s: float) -> RunResult:
        if list(argv[1:]) == ["-c", PROBE]:
            self.probed.append(argv[0])
            return self.python_answer
        if list(argv[:2]) == LAUNCHCTL_GETENV:
            return launchd_answer(self.launchd, argv)
        self.commands.append(tuple(argv))
        return RunResult(0, "", "")


@dataclass
class Launchd:
    """Answers ``launchctl getenv`` from ``environment`` (launchd's, the one Resolve starts with on macOS); every
    other command (the probe of Resolve's Python) runs for real."""

    environment: dict[str, str] = field(default_factory=dict)

    def __call__(self, argv: Sequence[str], timeout_s: float) -> RunResult:
        if list(argv[:2]) == LAUNCHCTL_GETENV:
            return launchd_answer(self.environment, argv)
        return run_command(argv, timeout_s)


@dataclass
class Machine:
    """A temporary machine: ``home``, ``root`` (the system folders' prefix), the context and its runner."""

    tmp: Path
    home: Path
    root: Path
    runner: Runner
    ctx: Context

    def run(self, *argv: str) -> tuple[int, list[str]]:
        """``pix2lut-install argv...`` on this machine: ``(exit status, output lines)``."""
        out = io.StringIO()
        status = main(list(argv), context=self.ctx, out=out)
        return status, out.getvalue().splitlines()


def make_machine(tmp: Path, system: str = "Linux", environ: dict[str, str] | None = None, **options) -> Machine:
    home, root = tmp / "home", tmp / "root"
    home.mkdir(exist_ok=True)
    root.mkdir(exist_ok=True)
    runner = options.pop("runner", None) or RecordingRunner()
    ctx = Context(system=system, environ=environ or {}, home=str(home), root=str(root), runner=runner, **options)
    return Machine(tmp, home, root, runner, ctx)


@pytest.fixture
def linux(tmp_path: Path) -> Machine:
    """A Linux machine with Resolve in /opt/resolve (its master LUT folder only) and an empty home."""
    (tmp_path / "root/opt/resolve/LUT").mkdir(parents=True)
    return make_machine(tmp_path)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` -> its bytes (None for a folder)."""
    return {
        path.relative_to(folder).as_posix(): (None if path.is_dir() else path.read_bytes())
        for path in sorted(folder.rglob("*"))
    }


def write_interpreter(path: Path, *python_options: str) -> Path:
    """A real tiny 'Python' at ``path``: a shell script that runs this Python (with ``python_options``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options = " ".join(python_options)
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" {options} "$@"\n', encoding="utf-8")
    os.chmod(path, 0o755)
    return path
