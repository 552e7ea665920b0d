"""``pix2lut-install status``: what the install record lists, and whether each thing is still as installed.

Exit status 0 when Pix2LUT is installed and intact, 1 when it is not installed or something is missing or changed.
"""

from __future__ import annotations

import os
from typing import TextIO

from installer.actions import command_line, file_sha256
from installer.checks import lut_folder_check, read_settings, write_checks
from installer.context import Context
from installer.locations import find_resolve, record_path
from installer.record import COMMAND, DIR, FILE, load_record


def run_status(ctx: Context, out: TextIO) -> int:
    record = load_record(record_path(ctx))
    if not record.exists:
        out.write(f"Pix2LUT is not installed for this user (no install record at {record.path}).\n")
        return 1
    out.write(f"Pix2LUT is installed ({record.scope} scope); record: {record.path}\n")
    problems = 0
    files = [entry for entry in record.entries if entry.kind == FILE]
    folders = [entry for entry in record.entries if entry.kind == DIR]
    for entry in files:
        sha = file_sha256(entry.path)
        if sha is None:
            out.write(f"missing: {entry.path}\n")
            problems += 1
        elif sha != entry.sha256:
            out.write(f"changed: {entry.path} (since Pix2LUT installed it; install again to restore it)\n")
            problems += 1
    for entry in folders:
        if not os.path.isdir(entry.path):
            out.write(f"missing: {entry.path}\n")
            problems += 1
    for entry in record.entries:
        if entry.kind == COMMAND:
            out.write(f"autostart: ran `{command_line(entry.argv, ctx.is_windows)}`\n")
    if problems == 0:
        out.write(f"ok: all {len(files)} files and {len(folders)} folders are as installed.\n")
    values, settings_check = read_settings(ctx)
    problems += write_checks(out, [settings_check])
    master = str(values.get("lut_root") or find_resolve(ctx).master_lut)
    problems += write_checks(out, lut_folder_check(ctx, master), bad="todo")
    return 0 if problems == 0 else 1
