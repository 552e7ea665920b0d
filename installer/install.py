"""``pix2lut-install install``: plan, then do each action and record it at once (or, with ``--dry-run``, list them).

Output, one plain line each: ``plan: <action>`` (dry run) or ``done: <action>``; ``todo:`` for what is left to
the user (the admin command for the LUT folder); ``note:``; then which Python Resolve will use and how the scripts
reach the server; then one summary line.

Exit status 0 when every action is done, even if a ``todo:`` line is left (the install itself is complete and
repeatable; ``pix2lut-install doctor`` exits 1 until the todo is done); 1 when an action fails.
"""

from __future__ import annotations

import os
from typing import TextIO

from installer.actions import MakeDir
from installer.context import Context
from installer.errors import ActionFailed, FolderNotWritable
from installer.locations import record_path
from installer.plan import LUT, InstallOptions, admin_lines, plan_install
from installer.record import load_record
from installer.removal import undo_entries
from installer.resolve_python import probe_python, report_line


def run_install(ctx: Context, options: InstallOptions, dry_run: bool, out: TextIO) -> int:
    """Install (or list what installing would do); raises InstallerError when something stops it."""
    record = load_record(record_path(ctx))
    plan = plan_install(ctx, options, record)
    verb = "plan" if dry_run else "done"
    if plan.stale:
        outcome = undo_entries(ctx, plan.stale, dry_run)
        _write(out, [line + " (no longer installed)" if line.startswith(verb) else line for line in outcome.lines])
        if not dry_run:
            for entry in plan.stale:
                record.drop(entry)
            record.save()
    for done, action in enumerate(plan.actions):
        if dry_run:
            out.write(f"plan: {action.describe()}\n")
            continue
        try:
            entry = action.perform(ctx)
        except FolderNotWritable as exc:
            if not (isinstance(action, MakeDir) and action.group == LUT):
                raise _stopped(exc, done) from exc
            # the folder looked writable but was not (Windows ACLs, which os.access does not read): leave it to
            # the administrator, as when that is known beforehand
            plan.notes.extend(admin_lines(ctx, action.path, f"{ctx.parent(action.path)} refused it"))
            continue
        except ActionFailed as exc:
            raise _stopped(exc, done) from exc
        record.scope = options.scope
        record.put(entry)
        if os.path.isdir(os.path.dirname(record.path)):
            record.save()
        out.write(f"done: {action.describe()}\n")
    _write(out, plan.notes)
    ok, line = report_line(ctx, probe_python(ctx), ctx.project_python)
    out.write(("ok: " if ok else "problem: ") + line + "\n")
    count = len(plan.actions) + len(plan.stale)
    if dry_run:
        out.write(f"Dry run: {count} action(s) planned; nothing was changed.\n")
    elif count == 0:
        out.write("Pix2LUT is installed and up to date: nothing to do.\n")
    else:
        out.write(
            f"Pix2LUT is installed ({count} action(s), recorded in {record.path}): restart Resolve, then find it "
            f"under Workspace > Scripts ({plan.scripts_folder}).\n"
        )
    return 0


def _stopped(exc: Exception, done: int) -> ActionFailed:
    return ActionFailed(
        f"{str(exc).rstrip('.')}: the {done} action(s) before it are done and recorded; fix this and run the "
        "install again, or `pix2lut-install uninstall` to take them out."
    )


def _write(out: TextIO, lines: list[str]) -> None:
    out.writelines(line + "\n" for line in lines)
