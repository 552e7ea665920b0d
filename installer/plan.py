"""What an install wants on disk, turned into the list of actions that gets there from what is there now.

Wanted, in order: Pix2LUT's data folder; the copied ``resolve_scripts`` package (``*.py`` only) in its
``scripts`` subfolder; the scripts' settings file (the installer's keys merged over the user's own); one menu stub
per entry of ``resolve_scripts.menu.MENU_ENTRIES`` whose module this version ships; the Pix2LUT subfolder of
the master LUT folder; with ``--autostart``, the server's autostart. Missing folders are created one level at a
time, each one its own action, so uninstall removes exactly the folders the install made.

A file already as wanted is left alone, so a second install has nothing to do. Recorded things no longer wanted
(menu stubs of the other scope, modules that left the package) are *stale*: install undoes them first.
Autostart is never stale: an install without ``--autostart`` leaves an earlier one in place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import resolve_scripts
from installer import admin
from installer.actions import Action, MakeDir, RunCommand, WriteFile, sha256
from installer.autostart import autostart_for
from installer.context import Context
from installer.errors import FolderNotWritable, InstallerError, UnsupportedEdition
from installer.locations import (
    SYSTEM,
    USER,
    ResolveFolders,
    app_store_problem,
    config_file,
    data_dir,
    find_resolve,
    scripts_copy_dir,
)
from installer.record import COMMAND, DIR, FILE, Entry, InstallRecord
from resolve_scripts import settings
from resolve_scripts.errors import ScriptError
from resolve_scripts.menu import MENU_ENTRIES, MenuEntry, stub_source

PACKAGE_DIR = Path(resolve_scripts.__file__).resolve().parent
PACKAGE_NAME = "resolve_scripts"
# record groups: what each entry belongs to
DATA, PACKAGE, CONFIG, MENU, LUT, AUTOSTART = "data", "package", "config", "menu", "lut", "autostart"
NEVER_STALE = {AUTOSTART}


@dataclass(frozen=True)
class InstallOptions:
    """``scope``: USER or SYSTEM Scripts folder; ``server``: the address for the settings (None: keep or default)."""

    scope: str = USER
    autostart: bool = False
    server: str | None = None


@dataclass
class Plan:
    """The actions of one install, the stale entries to undo first, and lines for the user (``notes``)."""

    folders: ResolveFolders
    scripts_folder: str
    actions: list[Action] = field(default_factory=list)
    stale: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def plan_install(
    ctx: Context, options: InstallOptions, record: InstallRecord, package_dir: Path = PACKAGE_DIR
) -> Plan:
    """The plan that brings ``ctx``'s machine to the install ``options`` ask for; changes nothing.

    Raises UnsupportedEdition when the only Resolve is the Mac App Store edition (its sandbox would read none of
    what the install puts in place), FolderNotWritable when the Scripts folder of ``--system`` cannot be written,
    InstallerError when the settings file does not read.
    """
    folders = find_resolve(ctx)
    if folders.only_app_store:
        raise UnsupportedEdition(app_store_problem(folders))
    scripts_folder = folders.scripts(options.scope)
    if options.scope == SYSTEM and not ctx.is_writable(scripts_folder):
        raise FolderNotWritable(
            f"Resolve's all-users Scripts folder {scripts_folder} is not writable: run once "
            f"{admin.admin_hint(ctx)} `{admin.admin_command(ctx, scripts_folder)}`, or install with --user."
        )
    planner = _Planner(ctx, record)
    plan = Plan(folders, scripts_folder)
    if folders.found is None:
        plan.notes.append(
            f"note: DaVinci Resolve was not found (looked in {', '.join(folders.looked_in)}): its default folders "
            "are used; run `pix2lut-install doctor` once Resolve is installed."
        )
    if folders.app_store is not None and folders.found is not None:
        plan.notes.append(
            f"note: the Mac App Store edition of DaVinci Resolve ({folders.app_store}) will not show Pix2LUT, as its "
            f"sandbox reads nothing outside its container: use the one at {folders.found}."
        )
    copy_root = scripts_copy_dir(ctx)
    planner.want_dir(data_dir(ctx), DATA)
    for source in package_files(package_dir):
        relative = source.relative_to(package_dir).as_posix()
        planner.want_file(
            ctx.join(copy_root, PACKAGE_NAME, relative), source.read_bytes(), PACKAGE, "the Resolve scripts"
        )
    server = _want_config(ctx, options, folders, planner)
    for entry in MENU_ENTRIES:
        if module_file(package_dir, entry) is None:
            plan.notes.append(
                f"note: menu entry {entry.title!r} skipped: {entry.module} is not in this version of Pix2LUT."
            )
            continue
        stub = stub_source(entry, copy_root).encode("utf-8")
        planner.want_file(ctx.join(scripts_folder, entry.relative_path), stub, MENU, f"menu entry {entry.title!r}")
    plan.notes.extend(_want_lut_folder(ctx, folders, planner))
    if options.autostart:
        autostart = autostart_for(ctx, ctx.project_python, server)
        changed = False
        if autostart.file is not None and autostart.content is not None:
            changed = planner.want_file(autostart.file, autostart.content, AUTOSTART, autostart.kind)
        for command in autostart.commands:
            if changed or record.find(COMMAND, command.argv) is None:
                planner.actions.append(
                    RunCommand(command.argv, command.undo, AUTOSTART, command.what, windows=ctx.is_windows)
                )
            planner.wanted.add((COMMAND, command.argv))
    plan.actions = planner.actions
    plan.stale = [e for e in record.entries if e.group not in NEVER_STALE and e.key not in planner.wanted]
    return plan


def package_files(package_dir: Path) -> list[Path]:
    """The package's Python files, sorted; never ``__pycache__`` or anything that is not ``*.py``."""
    return sorted(
        path for path in package_dir.rglob("*.py") if "__pycache__" not in path.relative_to(package_dir).parts
    )


def module_file(package_dir: Path, entry: MenuEntry) -> Path | None:
    """The file of the module ``entry`` runs, inside the package at ``package_dir``, or None when it has none."""
    parts = entry.module.split(".")[1:]
    for candidate in (package_dir.joinpath(*parts).with_suffix(".py"), package_dir.joinpath(*parts, "__init__.py")):
        if parts and candidate.is_file():
            return candidate
    return None


def _want_config(ctx: Context, options: InstallOptions, folders: ResolveFolders, planner: _Planner) -> str:
    """Want the settings file: the user's own keys kept, the installer's set. Returns the server address."""
    path = config_file(ctx)
    existing: dict[str, object] = {}
    if os.path.isfile(path):
        try:
            existing = settings.read_config(path)
        except ScriptError as exc:
            raise InstallerError(f"{exc} Fix or delete it and run the install again.") from exc
    server = options.server or str(existing.get("server") or settings.DEFAULT_ADDRESS)
    values = dict(existing)
    values.update(
        server=server,
        python=ctx.project_python,
        lut_root=folders.master_lut,
        scripts_root=scripts_copy_dir(ctx),
    )
    try:
        document = settings.config_document(values)
    except ScriptError as exc:
        raise InstallerError(f"The Pix2LUT settings in {path} cannot be written ({exc}).") from exc
    planner.want_file(path, document.encode("utf-8"), CONFIG, "the scripts' settings")
    return server


def _want_lut_folder(ctx: Context, folders: ResolveFolders, planner: _Planner) -> list[str]:
    """Want ``<master LUT folder>/Pix2LUT``; the lines for the user when it cannot be made."""
    master = folders.master_lut
    folder = admin.lut_subfolder(ctx, master)
    planner.wanted.add((DIR, folder))
    if os.path.isdir(folder):
        if ctx.is_writable(folder):
            return []
        return admin_lines(ctx, folder, f"{folder} is not writable by you")
    if not os.path.isdir(master):
        return [
            (f"todo: the master LUT folder {master} does not exist, so {folder} could not be made: install "
            "DaVinci Resolve, then run `pix2lut-install install` again.")
        ]
    if not ctx.is_writable(master):
        return admin_lines(ctx, folder, f"{master} needs administrator rights")
    planner.want_dir(folder, LUT)
    return []


def admin_lines(ctx: Context, folder: str, reason: str) -> list[str]:
    """The two lines that tell the user which command needs admin rights, and why; the command alone on the second."""
    return [
        (f"todo: the scripts write their LUTs into {folder}, and {reason}: run this once "
        f"{admin.admin_hint(ctx)}, after which no admin rights are needed:"),
        "    " + admin.admin_command(ctx, folder),
    ]


class _Planner:
    """Collects actions for wanted folders and files, and the keys of everything wanted (for stale entries)."""

    def __init__(self, ctx: Context, record: InstallRecord) -> None:
        self.ctx = ctx
        self.record = record
        self.actions: list[Action] = []
        self.wanted: set[tuple[str, object]] = set()
        self._made: set[str] = set()

    def want_dir(self, path: str, group: str) -> None:
        """Want ``path`` and its parents: one MakeDir for each missing level, outermost first."""
        for folder in reversed(self.ctx.ancestors(path)):
            self.wanted.add((DIR, folder))
            if folder not in self._made and not os.path.isdir(folder):
                self.actions.append(MakeDir(folder, group))
                self._made.add(folder)

    def want_file(self, path: str, content: bytes, group: str, what: str) -> bool:
        """Want ``content`` at ``path``; True when that needs a write."""
        self.want_dir(self.ctx.parent(path), group)
        self.wanted.add((FILE, path))
        recorded = self.record.find(FILE, path)
        current = _read(path)
        if current == content and (recorded is None or recorded.sha256 == sha256(content)):
            return False  # as wanted (and, when ours, recorded as such): nothing to do
        if recorded is not None:
            action = WriteFile(path, content, group, what, previous=recorded.previous, updating=current is not None)
        else:
            action = WriteFile(path, content, group, what, previous=current, replacing=current is not None)
        self.actions.append(action)
        return True


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
