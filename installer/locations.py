"""Where Resolve keeps its scripts and LUTs on each system, and where Pix2LUT keeps its own files.

Resolve's folders follow shared/resolve/API-NOTES.md section 8 (scripts) and section 5 (master LUT folders),
including the corrected Windows per-user path (``%APPDATA%\\Blackmagic Design\\DaVinci Resolve\\Support\\...``,
not the README's ``%APPDATA%\\Roaming\\...``).

The macOS App Store edition (``/Applications/DaVinci Resolve.app`` with a ``Contents/_MASReceipt/receipt``; its
sandbox container ``~/Library/Containers/com.blackmagic-design.DaVinciResolveAppStore``, the free one's
``...DaVinciResolveLite``) is found, never installed into: its sandbox reads nothing outside the container
(API-NOTES section 8), so the copied package, the settings and the bridge's Python would not load, and reports
disagree on which of the container's Scripts folders it lists. Install refuses it with :func:`app_store_problem`.

Pix2LUT's own files: the copied ``resolve_scripts`` package and the install record in a per-user data folder,
the scripts' settings where ``resolve_scripts.settings.config_path`` says.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from installer.context import LINUX, MACOS, Context
from resolve_scripts import settings

USER, SYSTEM = "user", "system"  # the two install scopes: this user's Scripts folder, or all users'
RECORD_NAME = "install-record.json"
SCRIPTS_COPY = "scripts"  # the data folder's subfolder that holds the copied resolve_scripts package

LINUX_ROOTS = ("/opt/resolve", "/home/resolve")  # API-NOTES section 8, in Resolve's own order of preference
MACOS_SUPPORT = "/Library/Application Support/Blackmagic Design/DaVinci Resolve"
MACOS_APP = "/Applications/DaVinci Resolve/DaVinci Resolve.app"
MACOS_APP_STORE_APP = "/Applications/DaVinci Resolve.app"  # the App Store build: no folder around it
MAS_RECEIPT = "Contents/_MASReceipt/receipt"  # every app installed by the Mac App Store has one
# The App Store editions' sandbox containers (Studio, then the free "Lite"), relative to the home folder: the
# only place they read from.
MACOS_CONTAINERS = (
    "Library/Containers/com.blackmagic-design.DaVinciResolveAppStore",
    "Library/Containers/com.blackmagic-design.DaVinciResolveLite",
)
WINDOWS_PROGRAM_DATA = r"C:\ProgramData"
WINDOWS_PROGRAM_FILES = r"C:\Program Files"
WINDOWS_RESOLVE = r"Blackmagic Design\DaVinci Resolve"


@dataclass(frozen=True)
class ResolveFolders:
    """Resolve's folders on this machine.

    ``found``: the Resolve installation that was found, or None (then the folders are the system's defaults);
    ``app_store``: macOS only, the App Store edition found (its app, else its sandbox container), which cannot
    run Pix2LUT; with ``found`` None it is the only Resolve there.
    """

    edition: str
    found: str | None
    looked_in: tuple[str, ...]
    user_scripts: str
    system_scripts: str
    master_lut: str
    app_store: str | None = None

    def scripts(self, scope: str) -> str:
        """The Scripts folder for ``scope`` (USER or SYSTEM)."""
        return self.user_scripts if scope == USER else self.system_scripts

    @property
    def only_app_store(self) -> bool:
        """Whether the one Resolve here is the App Store edition, which Pix2LUT cannot be installed into."""
        return self.found is None and self.app_store is not None


def app_store_problem(folders: ResolveFolders) -> str:
    """Why Pix2LUT cannot run in the App Store edition at ``folders.app_store``, and what to do instead."""
    return (
        f"DaVinci Resolve from the Mac App Store ({folders.app_store}) cannot run Pix2LUT: its sandbox reads no file "
        "outside its own container, so neither the Pix2LUT scripts nor their settings nor the Python that reaches "
        "the Pix2LUT server would load. Install DaVinci Resolve from blackmagicdesign.com (it can stay beside the "
        "App Store one), then run `pix2lut-install install`."
    )


def find_resolve(ctx: Context) -> ResolveFolders:
    """The folders of the Resolve installed on ``ctx``'s machine (the system's defaults when none is found)."""
    if ctx.system == LINUX:
        return _linux(ctx)
    if ctx.system == MACOS:
        return _macos(ctx)
    return _windows(ctx)


def _linux(ctx: Context) -> ResolveFolders:
    roots = tuple(ctx.system_path(root) for root in LINUX_ROOTS)
    found = next((root for root in roots if os.path.isdir(root)), None)
    root = found or roots[0]
    return ResolveFolders(
        edition="Linux edition",
        found=found,
        looked_in=roots,
        user_scripts=ctx.join(ctx.home, ".local/share/DaVinciResolve/Fusion/Scripts"),
        system_scripts=ctx.join(root, "Fusion/Scripts"),
        master_lut=ctx.join(root, "LUT"),
    )


def _macos(ctx: Context) -> ResolveFolders:
    support = ctx.system_path(MACOS_SUPPORT)
    app = ctx.system_path(MACOS_APP)
    store_app = ctx.system_path(MACOS_APP_STORE_APP)
    containers = tuple(ctx.join(ctx.home, container) for container in MACOS_CONTAINERS)
    standard = next((path for path in (app, support) if os.path.isdir(path)), None)
    # the receipt says the App Store installed it; a container alone, that an App Store edition has run here
    store = [store_app] if os.path.isfile(ctx.join(store_app, MAS_RECEIPT)) else []
    app_store = next((path for path in store + list(containers) if os.path.isdir(path)), None)
    return ResolveFolders(
        edition="macOS edition",
        found=standard,
        looked_in=(app, support, store_app) + containers,
        user_scripts=ctx.join(ctx.home, MACOS_SUPPORT.lstrip("/"), "Fusion/Scripts"),
        system_scripts=ctx.join(support, "Fusion/Scripts"),
        master_lut=ctx.join(support, "LUT"),
        app_store=app_store,
    )


def _windows(ctx: Context) -> ResolveFolders:
    program_data = ctx.env_path("PROGRAMDATA", WINDOWS_PROGRAM_DATA)
    program_files = ctx.env_path("PROGRAMFILES", WINDOWS_PROGRAM_FILES)
    install = ctx.join(program_files, WINDOWS_RESOLVE)
    return ResolveFolders(
        edition="Windows edition",
        found=install if os.path.isdir(install) else None,
        looked_in=(install,),
        user_scripts=ctx.join(appdata(ctx), WINDOWS_RESOLVE, r"Support\Fusion\Scripts"),
        system_scripts=ctx.join(program_data, WINDOWS_RESOLVE, r"Fusion\Scripts"),
        master_lut=ctx.join(program_data, WINDOWS_RESOLVE, r"Support\LUT"),
    )


def appdata(ctx: Context) -> str:
    """Windows' per-user roaming application folder."""
    return ctx.env_path("APPDATA", ctx.join(ctx.home, r"AppData\Roaming"))


def data_dir(ctx: Context) -> str:
    """Pix2LUT's per-user data folder: the copied scripts and the install record."""
    if ctx.system == LINUX:
        return ctx.join(ctx.env_path("XDG_DATA_HOME", ctx.join(ctx.home, ".local/share")), "pix2lut")
    if ctx.system == MACOS:
        return ctx.join(ctx.home, "Library/Application Support/Pix2LUT")
    return ctx.join(appdata(ctx), "Pix2LUT")


def scripts_copy_dir(ctx: Context) -> str:
    """The folder that holds the copied ``resolve_scripts`` package: the stubs' and settings' ``scripts_root``."""
    return ctx.join(data_dir(ctx), SCRIPTS_COPY)


def record_path(ctx: Context) -> str:
    return ctx.join(data_dir(ctx), RECORD_NAME)


def config_file(ctx: Context) -> str:
    """The scripts' settings file, where ``resolve_scripts.settings`` reads it, in the target system's form."""
    return str(ctx.pure(settings.config_path(ctx.system, ctx.environ, ctx.home)))
