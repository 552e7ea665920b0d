"""Everything the installer asks of the machine, in one object, so Windows and macOS logic runs in tests on Linux.

A :class:`Context` holds the operating system's name (``platform.system()``), the environment, the home folder,
a prefix for the fixed system folders (tests put a fake ``/opt/resolve`` under a temporary folder), the command
runner (systemctl, launchctl, schtasks, Resolve's Python) and the project's own Python. Paths are strings in
the target system's form: ``C:\\Users\\me\\...`` for Windows, ``/home/me/...`` elsewhere.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath, PureWindowsPath

from installer.errors import UnsupportedSystem

LINUX, MACOS, WINDOWS = "Linux", "Darwin", "Windows"  # platform.system() names
SYSTEMS = (LINUX, MACOS, WINDOWS)
COMMAND_NOT_FOUND = 127  # the shell's status for a missing program
COMMAND_TIMED_OUT = 124  # timeout(1)'s status


@dataclass(frozen=True)
class RunResult:
    """What one command did: its exit status and its output as text."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def detail(self) -> str:
        """``exit 1: <last line of stderr>``, for messages."""
        lines = (self.stderr or self.stdout).strip().splitlines()
        return f"exit {self.returncode}: {lines[-1]}" if lines else f"exit {self.returncode}"


Runner = Callable[[Sequence[str], float], RunResult]


def run_command(argv: Sequence[str], timeout_s: float) -> RunResult:
    """Run ``argv`` (no shell), capture its output; a missing program or a time-out is a result, not an error."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout_s, check=False)
    except FileNotFoundError as exc:
        return RunResult(COMMAND_NOT_FOUND, "", f"{argv[0]} not found ({exc.strerror})")
    except PermissionError as exc:
        return RunResult(COMMAND_NOT_FOUND, "", f"{argv[0]} cannot be run ({exc.strerror})")
    except subprocess.TimeoutExpired:
        return RunResult(COMMAND_TIMED_OUT, "", f"{argv[0]} did not finish within {timeout_s:g} s")
    return RunResult(done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class Context:
    """The machine the installer works on; ``Context.this_machine()`` outside tests.

    ``root`` prefixes the fixed system folders (``/opt/resolve``, ``/Library/...``, ``/usr/local/bin``) on Linux
    and macOS, for tests; it is not applied to Windows paths. ``writable`` answers whether this user may create
    files in a folder (default: the nearest existing folder's access rights).
    """

    system: str
    environ: Mapping[str, str]
    home: str
    root: str = ""
    runner: Runner = run_command
    project_python: str = sys.executable
    writable: Callable[[str], bool] | None = None
    registered_pythons: Callable[[], list[tuple[str, str]]] | None = None  # Windows: (version tag, python.exe)

    def __post_init__(self) -> None:
        if self.system not in SYSTEMS:
            raise UnsupportedSystem(
                f"Unsupported operating system {self.system!r}: DaVinci Resolve runs on {', '.join(SYSTEMS)}."
            )

    @classmethod
    def this_machine(cls) -> Context:
        return cls(system=platform.system(), environ=dict(os.environ), home=os.path.expanduser("~"))

    @property
    def is_windows(self) -> bool:
        return self.system == WINDOWS

    def pure(self, path: str) -> PurePath:
        return PureWindowsPath(path) if self.is_windows else PurePosixPath(path)

    def join(self, first: str, *parts: str) -> str:
        """Join in the target system's form (``/`` in ``parts`` is accepted on Windows too)."""
        return str(self.pure(first).joinpath(*parts))

    def parent(self, path: str) -> str:
        return str(self.pure(path).parent)

    def system_path(self, path: str) -> str:
        """A fixed system folder, under ``root`` when one is set (tests)."""
        if not self.root or self.is_windows:
            return path
        return self.root.rstrip("/") + path

    def env_path(self, name: str, default: str) -> str:
        """An environment variable holding a folder, or ``default`` when it is unset or empty."""
        return self.environ.get(name) or default

    def ancestors(self, path: str) -> list[str]:
        """``path`` and every folder above it, nearest first."""
        pure = self.pure(path)
        return [str(pure)] + [str(parent) for parent in pure.parents]

    def nearest_existing(self, path: str) -> str | None:
        for candidate in self.ancestors(path):
            if os.path.isdir(candidate):
                return candidate
        return None

    def is_writable(self, path: str) -> bool:
        """Whether this user may create ``path`` (or files in it): asked of the nearest folder that exists."""
        if self.writable is not None:
            return self.writable(path)
        existing = self.nearest_existing(path)
        return existing is not None and os.access(existing, os.W_OK | os.X_OK)

    def run(self, argv: Sequence[str], timeout_s: float) -> RunResult:
        return self.runner(list(argv), timeout_s)
