"""Where Resolve keeps its scripts and LUTs on each system, and where Pix2LUT keeps its own files.

Resolve's folders follow shared/resolve/API-NOTES.md section 8 (scripts) and section 5 (master LUT folders),
including the corrected Windows per-user path (``%APPDATA%\\Blackmagic Design\\DaVinci Resolve\\Support\\...``,
not the README's ``%APPDATA%\\Roaming\\...``) and the macOS App Store edition, which lives in its sandbox
container (``~/Library/Containers/com.blackmagic-design.DaVinciResolveAppStore/Data/Library/Application Support``,
the free App Store edition under ``...DaVinciResolveLite``) and has no all-users Scripts folder.

Pix2LUT's own files: the copied ``resolve_scripts`` package and the install record in a per-user data folder,
the scripts' settings where ``resolve_scripts.settings.config_path`` says.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from installer.context import LINUX, MACOS, Context
from installer.errors import InstallerError
from resolve_scripts import settings

USER, SYSTEM = "user", "system"  # the two install scopes: this user's Scripts folder, or all users'
RECORD_NAME = "install-record.json"
SCRIPTS_COPY = "scripts"  # the data folder's subfolder that holds the copied resolve_scripts package

LINUX_ROOTS = ("/opt/resolve", "/home/resolve")  # API-NOTES section 8, in Resolve's own order of preference
MACOS_SUPPORT = "/Library/Application Support/Blackmagic Design/DaVinci Resolve"
MACOS_APP = "/Applications/DaVinci Resolve/DaVinci Resolve.app"
# The App Store editions' sandbox containers (Studio, then the free "Lite"), relative to the home folder.
MACOS_CONTAINERS = (
    "Library/Containers/com.blackmagic-design.DaVinciResolveAppStore/Data/Library/Application Support",
    "Library/Containers/com.blackmagic-design.DaVinciResolveLite/Data/Library/Application Support",
)
# Inside a container the support folder's layout is flattened (Fusion/Scripts sits right under it); reports
# differ on the LUT folder, so both places are looked for, the first one being the default.
CONTAINER_LUT_FOLDERS = ("LUT", "Blackmagic Design/DaVinci Resolve/LUT")
WINDOWS_PROGRAM_DATA = r"C:\ProgramData"
WINDOWS_PROGRAM_FILES = r"C:\Program Files"
WINDOWS_RESOLVE = r"Blackmagic Design\DaVinci Resolve"


@dataclass(frozen=True)
class ResolveFolders:
    """Resolve's folders on this machine.

    ``found``: the Resolve installation that was found, or None (then the folders are the system's defaults);
    ``system_scripts``: None for the App Store edition, which reads only its container's Scripts folder.
    """

    edition: str
    found: str | None
    looked_in: tuple[str, ...]
    user_scripts: str
    system_scripts: str | None
    master_lut: str

    def scripts(self, scope: str) -> str:
        """The Scripts folder for ``scope`` (USER or SYSTEM); InstallerError when the edition has none."""
        if scope == USER:
            return self.user_scripts
        if self.system_scripts is None:
            raise InstallerError(
                f"The {self.edition} of DaVinci Resolve reads scripts only from {self.user_scripts}: "
                "install with --user."
            )
        return self.system_scripts


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
    containers = tuple(ctx.join(ctx.home, container) for container in MACOS_CONTAINERS)
    looked_in = (app, support) + containers
    standard = next((path for path in (app, support) if os.path.isdir(path)), None)
    container = next((path for path in containers if os.path.isdir(path)), None)
    if container is not None and standard is None:
        luts = [ctx.join(container, folder) for folder in CONTAINER_LUT_FOLDERS]
        return ResolveFolders(
            edition="App Store edition",
            found=container,
            looked_in=looked_in,
            user_scripts=ctx.join(container, "Fusion/Scripts"),
            system_scripts=None,
            master_lut=next((lut for lut in luts if os.path.isdir(lut)), luts[0]),
        )
    return ResolveFolders(
        edition="macOS edition",
        found=standard,
        looked_in=looked_in,
        user_scripts=ctx.join(ctx.home, MACOS_SUPPORT.lstrip("/"), "Fusion/Scripts"),
        system_scripts=ctx.join(support, "Fusion/Scripts"),
        master_lut=ctx.join(support, "LUT"),
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
