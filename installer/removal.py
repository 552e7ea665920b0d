"""Undoing record entries: what uninstall does, and what install does to the entries it no longer wants.

Never lose the user's data: a file is removed only when its sha256 is still the one the installer wrote (else it
is kept, and the user is told), a file the installer replaced is put back, a folder is removed only when it is
empty apart from Python's ``__pycache__`` of the files the installer wrote.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field

from installer.actions import COMMAND_TIMEOUT_S, command_line, file_sha256
from installer.context import Context
from installer.record import COMMAND, DIR, FILE, Entry, InstallRecord
from pix2lut.files import write_bytes_atomic

PYCACHE = "__pycache__"
LUT_GROUP = "lut"  # the Pix2LUT subfolder of the master LUT folder: the scripts' LUTs and journal live there
MAX_NAMES_SHOWN = 3  # names listed in a "kept folder" line


@dataclass
class Outcome:
    """What undoing a list of entries did (or would do): lines to print, entries kept, commands that failed."""

    lines: list[str] = field(default_factory=list)
    kept: list[Entry] = field(default_factory=list)
    retry: list[Entry] = field(default_factory=list)  # files that could not be removed: kept in the record
    failed: int = 0


def undo_entries(ctx: Context, entries: Iterable[Entry], dry_run: bool, record: InstallRecord | None = None) -> Outcome:
    """Undo ``entries`` newest first: files and commands, then ``record`` (when given), then folders.

    ``record`` is deleted, or, when a file could not be removed, rewritten with just those files so that
    uninstall can be run again. ``dry_run``: change nothing, say what would be done; folders are judged as if
    the files were gone.
    """
    newest_first = list(entries)[::-1]
    outcome, removed = Outcome(), set()
    verb = "plan" if dry_run else "done"
    for entry in newest_first:
        if entry.kind == FILE:
            _undo_file(entry, dry_run, verb, outcome, removed)
        elif entry.kind == COMMAND:
            _undo_command(ctx, entry, dry_run, verb, outcome)
    if record is not None and not dry_run:
        if outcome.retry:
            record.entries = list(outcome.retry)
            record.save()
        else:
            record.delete()
    if record is not None and not outcome.retry:
        removed.add(record.path)
    for entry in newest_first:
        if entry.kind == DIR:
            _undo_dir(entry, dry_run, verb, outcome, removed)
    return outcome


def _undo_file(entry: Entry, dry_run: bool, verb: str, outcome: Outcome, removed: set[str]) -> None:
    current = file_sha256(entry.path)
    if current is None:
        outcome.lines.append(f"gone: {entry.path} (already removed)")
        removed.add(entry.path)
        return
    if current != entry.sha256:
        outcome.lines.append(f"kept: {entry.path} (changed since Pix2LUT installed it)")
        outcome.kept.append(entry)
        return
    restore = entry.previous is not None
    try:
        if not dry_run and restore:
            write_bytes_atomic(entry.path, entry.previous)
        elif not dry_run:
            os.remove(entry.path)
    except OSError as exc:
        verb_failed = "restore" if restore else "remove"
        outcome.lines.append(f"problem: cannot {verb_failed} {entry.path} ({exc.strerror or exc}).")
        outcome.retry.append(entry)
        outcome.failed += 1
        return
    if restore:
        outcome.lines.append(f"{verb}: restore {entry.path} (as it was before Pix2LUT)")
        return
    outcome.lines.append(f"{verb}: remove {entry.path}")
    removed.add(entry.path)


def _undo_command(ctx: Context, entry: Entry, dry_run: bool, verb: str, outcome: Outcome) -> None:
    for argv in entry.undo:
        line = command_line(argv, ctx.is_windows)
        if dry_run:
            outcome.lines.append(f"{verb}: run {line}")
            continue
        result = ctx.run(argv, COMMAND_TIMEOUT_S)
        if result.ok:
            outcome.lines.append(f"{verb}: run {line}")
        else:
            outcome.lines.append(f"problem: `{line}` failed ({result.detail()}): run it by hand.")
            outcome.failed += 1


def _undo_dir(entry: Entry, dry_run: bool, verb: str, outcome: Outcome, removed: set[str]) -> None:
    if not os.path.isdir(entry.path):
        return
    names = sorted(os.listdir(entry.path))
    others = [name for name in names if os.path.join(entry.path, name) not in removed]
    caches = [name for name in others if name == PYCACHE and _only_bytecode(os.path.join(entry.path, name))]
    others = [name for name in others if name not in caches]
    if others:
        outcome.lines.append(_kept_folder_line(entry, others))
        outcome.kept.append(entry)
        return
    if not dry_run:
        try:
            for cache in caches:
                shutil.rmtree(os.path.join(entry.path, cache))
            os.rmdir(entry.path)
        except OSError as exc:
            outcome.lines.append(f"problem: cannot remove the folder {entry.path} ({exc.strerror or exc}).")
            outcome.kept.append(entry)
            outcome.failed += 1
            return
    cache_note = " (and Python's __pycache__ in it)" if caches else ""
    outcome.lines.append(f"{verb}: remove folder {entry.path}{cache_note}")
    removed.add(entry.path)


def _kept_folder_line(entry: Entry, names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES_SHOWN]) + (", ..." if len(names) > MAX_NAMES_SHOWN else "")
    if entry.group == LUT_GROUP:
        return (
            f"kept: {entry.path} (it holds {len(names)} file(s) the Pix2LUT scripts made: {shown}; grades may "
            "still use these LUTs, so delete the folder yourself when none does)"
        )
    return f"kept: {entry.path} (it holds {len(names)} thing(s) Pix2LUT did not install: {shown})"


def _only_bytecode(folder: str) -> bool:
    """Whether ``folder`` holds nothing but compiled Python files (``*.pyc``)."""
    return all(name.endswith(".pyc") and os.path.isfile(os.path.join(folder, name)) for name in os.listdir(folder))
