"""``pix2lut-install uninstall``: undo exactly what the install record lists, newest first, and nothing else.

Files changed since they were installed, and folders that hold anything the installer did not put there (the
LUTs and journal the scripts wrote under the LUT folder, say), are kept, each with one ``kept:`` line saying why.
Exit status 1 when something could not be undone (a command failed, a file could not be removed).
"""

from __future__ import annotations

from typing import TextIO

from installer.context import Context
from installer.locations import record_path
from installer.record import load_record
from installer.removal import undo_entries


def run_uninstall(ctx: Context, dry_run: bool, out: TextIO) -> int:
    record = load_record(record_path(ctx))
    if not record.exists:
        out.write(f"Pix2LUT is not installed for this user (no install record at {record.path}): nothing to do.\n")
        return 0
    outcome = undo_entries(ctx, record.entries, dry_run, record)
    out.writelines(line + "\n" for line in outcome.lines)
    if dry_run:
        out.write(f"Dry run: {len(record.entries)} recorded item(s) looked at; nothing was changed.\n")
    elif outcome.failed:
        out.write(f"Pix2LUT is partly uninstalled: {outcome.failed} step(s) failed, listed above.\n")
    elif outcome.kept:
        out.write(f"Pix2LUT is uninstalled; {len(outcome.kept)} item(s) kept, listed above. Restart Resolve.\n")
    else:
        out.write("Pix2LUT is uninstalled: nothing of it is left. Restart Resolve.\n")
    return 1 if outcome.failed else 0
