"""The Pix2LUT subfolder of the master LUT folder, and the one command an administrator runs when it cannot be made.

Resolve applies scripted LUTs reliably only from the master LUT folder or a subfolder of it (API-NOTES section
5), which belongs to the administrator on every system. The installer creates ``<master>/Pix2LUT`` when it may;
when it may not, it prints exactly the command that creates the folder and gives it to this user, so that the
scripts can write LUTs there without admin rights ever after.
"""

from __future__ import annotations

from installer.context import Context

LUT_SUBFOLDER = "Pix2LUT"  # as resolve_scripts' LUT_SUBFOLDER: the scripts write their LUTs and journal here


def lut_subfolder(ctx: Context, master_lut: str) -> str:
    return ctx.join(master_lut, LUT_SUBFOLDER)


def admin_command(ctx: Context, folder: str) -> str:
    """The command that creates ``folder`` and makes this user its owner (Windows: gives them modify rights)."""
    if ctx.is_windows:
        quoted = f'"{folder}"'
        return f'mkdir {quoted} & icacls {quoted} /grant "%USERNAME%:(OI)(CI)M"'
    quoted = posix_quote(folder)
    return f"sudo mkdir -p {quoted} && sudo chown $USER {quoted}"


def admin_hint(ctx: Context) -> str:
    """Where to run :func:`admin_command`."""
    return "in a Command Prompt run as administrator" if ctx.is_windows else "in a terminal"


def posix_quote(text: str) -> str:
    """``text`` in single quotes for a POSIX shell, always (a path reads the same in every message)."""
    return "'" + text.replace("'", "'\\''") + "'"
