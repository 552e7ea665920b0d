"""``pix2lut-install doctor``: is everything the menu scripts need in place? One plain line per check.

Checks, in order: Resolve found (and not only the Mac App Store edition, whose sandbox cannot run Pix2LUT);
Pix2LUT installed (the record) and its settings readable; the Python Resolve will use (which one, by each
system's rules; does it run; has it pyzmq, else is the bridge's Python there); the Pix2LUT LUT folder writable;
the server answering a ping (skipped with ``--no-server``; not running is a warning, as the server may be
started later). Exit status 1 when any check is a problem.
"""

from __future__ import annotations

import os
from typing import TextIO

from installer.checks import Check, lut_folder_check, read_settings, write_checks
from installer.context import Context
from installer.locations import app_store_problem, find_resolve, record_path
from installer.ping import PING_TIMEOUT_MS, ping
from installer.record import load_record
from installer.resolve_python import probe_python, report_line
from resolve_scripts.settings import DEFAULT_ADDRESS


def run_doctor(ctx: Context, out: TextIO, check_server: bool = True, timeout_ms: int = PING_TIMEOUT_MS) -> int:
    folders = find_resolve(ctx)
    checks: list[Check] = []
    if folders.found:
        checks.append((True, f"DaVinci Resolve ({folders.edition}) found at {folders.found}."))
        if folders.app_store is not None:
            checks.append((True, (f"the Mac App Store edition at {folders.app_store} will not show Pix2LUT (its "
                           "sandbox reads nothing outside its container): use the one above.")))
    elif folders.only_app_store:
        checks.append((False, app_store_problem(folders)))
    else:
        checks.append((False, f"DaVinci Resolve not found (looked in {', '.join(folders.looked_in)})."))
    record = load_record(record_path(ctx))
    values: dict[str, object] = {}
    if record.exists:
        checks.append((True, f"Pix2LUT is installed ({record.scope} scope); `pix2lut-install status` checks it."))
        values, settings_check = read_settings(ctx)
        checks.append(settings_check)
    else:
        checks.append((False, (f"Pix2LUT is not installed for this user (no record at {record_path(ctx)}): run "
                       "`pix2lut-install install`.")))
    bridge = str(values.get("python") or ctx.project_python)
    report = probe_python(ctx)
    checks.append(report_line(ctx, report, bridge))
    if report.usable and not report.zmq and not os.path.isfile(bridge):
        checks.append((False, (f"the bridge's Python {bridge} does not exist: run `pix2lut-install install` again "
                       "with the project's Python.")))
    checks.extend(lut_folder_check(ctx, str(values.get("lut_root") or folders.master_lut)))
    problems = write_checks(out, checks)
    if check_server:
        answered, line = ping(str(values.get("server") or DEFAULT_ADDRESS), timeout_ms)
        write_checks(out, [(answered, line)], bad="warning")
    out.write("All checks passed.\n" if problems == 0 else f"{problems} problem(s) found.\n")
    return 0 if problems == 0 else 1
