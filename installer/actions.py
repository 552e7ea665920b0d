"""The actions of an install: create a folder, write a file, run a command. Each one says what it will do, does
it, and returns the record entry that lets uninstall undo it.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
from dataclasses import dataclass

from installer.context import Context
from installer.errors import ActionFailed, FolderNotWritable
from installer.record import COMMAND, DIR, FILE, Entry
from pix2lut.files import write_bytes_atomic

COMMAND_TIMEOUT_S = 60.0  # systemctl/launchctl/schtasks answer in well under a second; a hung one is an error


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def file_sha256(path: str) -> str | None:
    """The sha256 of the file at ``path``, or None when there is no file."""
    try:
        with open(path, "rb") as handle:
            return sha256(handle.read())
    except FileNotFoundError:
        return None


def command_line(argv: tuple[str, ...] | list[str], windows: bool = False) -> str:
    """``argv`` as one would type it (cmd.exe quoting on Windows, POSIX elsewhere), for messages."""
    if windows:
        return subprocess.list2cmdline(list(argv))
    return " ".join(shlex.quote(part) for part in argv)


@dataclass(frozen=True)
class MakeDir:
    path: str
    group: str

    def describe(self) -> str:
        return f"create folder {self.path}"

    def perform(self, ctx: Context) -> Entry:
        try:
            os.mkdir(self.path)
        except PermissionError as exc:  # the caller may have a way round it (the LUT folder's admin command)
            raise FolderNotWritable(f"Cannot create the folder {self.path} ({exc.strerror or exc}).") from exc
        except OSError as exc:
            raise ActionFailed(f"Cannot create the folder {self.path} ({exc.strerror or exc}).") from exc
        return Entry(DIR, self.group, path=self.path)


@dataclass(frozen=True)
class WriteFile:
    """Write ``content`` at ``path``. ``previous``: the file that was there before Pix2LUT first wrote it (None:
    none), put back by uninstall; ``replacing``: that file is being replaced now; ``updating``: ours, rewritten."""

    path: str
    content: bytes
    group: str
    what: str
    previous: bytes | None = None
    replacing: bool = False
    updating: bool = False

    def describe(self) -> str:
        if self.replacing:
            return f"replace {self.path} ({self.what}; uninstall puts the old file back)"
        verb = "update" if self.updating else "write"
        return f"{verb} {self.path} ({self.what})"

    def perform(self, ctx: Context) -> Entry:
        try:
            write_bytes_atomic(self.path, self.content)
        except OSError as exc:
            raise ActionFailed(f"Cannot write {self.path} ({exc.strerror or exc}).") from exc
        return Entry(FILE, self.group, path=self.path, sha256=sha256(self.content), previous=self.previous)


@dataclass(frozen=True)
class RunCommand:
    """Run ``argv``; ``undo``: the commands uninstall runs to reverse it."""

    argv: tuple[str, ...]
    undo: tuple[tuple[str, ...], ...]
    group: str
    what: str
    windows: bool = False

    def describe(self) -> str:
        return f"run {command_line(self.argv, self.windows)} ({self.what})"

    def perform(self, ctx: Context) -> Entry:
        result = ctx.run(self.argv, COMMAND_TIMEOUT_S)
        if not result.ok:
            raise ActionFailed(f"`{command_line(self.argv, self.windows)}` failed ({result.detail()}).")
        return Entry(COMMAND, self.group, argv=self.argv, undo=self.undo)


Action = MakeDir | WriteFile | RunCommand
