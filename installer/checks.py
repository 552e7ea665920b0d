"""Checks shared by ``status`` and ``doctor``: one ``(ok, sentence)`` each."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TextIO

from installer import admin
from installer.context import Context
from installer.locations import config_file
from resolve_scripts import settings
from resolve_scripts.errors import ScriptError

Check = tuple[bool, str]
INDENT = "    "  # a check's continuation line: a command to copy, printed as it is


def write_checks(out: TextIO, checks: Iterable[Check], bad: str = "problem") -> int:
    """Print each check as ``ok: ...`` or ``<bad>: ...``; returns how many failed."""
    failed = 0
    for ok, line in checks:
        if line.startswith(INDENT):
            out.write(line + "\n")
            continue
        out.write(f"{'ok' if ok else bad}: {line}\n")
        failed += not ok
    return failed


def read_settings(ctx: Context) -> tuple[dict[str, object], Check]:
    """The settings file's values (empty when absent or unreadable) and the check that says which."""
    path = config_file(ctx)
    if not os.path.isfile(path):
        return {}, (False, f"no settings file at {path}: run `pix2lut-install install`.")
    try:
        values = settings.read_config(path)
    except ScriptError as exc:
        return {}, (False, str(exc))
    return values, (True, f"settings {path}: server {values.get('server', settings.DEFAULT_ADDRESS)}.")


def lut_folder_check(ctx: Context, master_lut: str) -> list[Check]:
    """Whether the scripts can write into ``<master_lut>/Pix2LUT``; the admin command when they cannot."""
    folder = admin.lut_subfolder(ctx, master_lut)
    if os.path.isdir(folder) and ctx.is_writable(folder):
        return [(True, f"the LUT folder {folder} exists and is writable.")]
    if not os.path.isdir(master_lut):
        return [(False, f"the master LUT folder {master_lut} does not exist: is DaVinci Resolve installed?")]
    if not os.path.isdir(folder) and ctx.is_writable(master_lut):
        return [(False, f"the LUT folder {folder} does not exist yet: run `pix2lut-install install`.")]
    return [
        (False, f"the LUT folder {folder} is not writable by you: run this once {admin.admin_hint(ctx)}:"),
        (False, INDENT + admin.admin_command(ctx, folder)),
    ]
