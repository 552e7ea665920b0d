"""Doctor: what will and will not work here, one plain line per check (Workspace > Scripts > Utility > Pix2LUT).

Checks, in order: Resolve (edition, version, dialogs), the page, the Python Resolve runs the scripts with and how
they will reach the server (pyzmq or the bridge), the settings file, the server, the LUT folder, the colour
settings, data burn-in (in every still, so in the LUT: said where Resolve tells), and the current timeline's clips
and nodes. Changes nothing.
"""

import os
import sys
import tempfile

from resolve_scripts import resolve_access
from resolve_scripts.console import write_line
from resolve_scripts.errors import ScriptError
from resolve_scripts.journal import LUT_SUBFOLDER
from resolve_scripts.nodes import find_nodes
from resolve_scripts.settings import load_settings
from resolve_scripts.transport import GradeClient, open_transport, zmq
from resolve_scripts.versions import pix2lut_version_number

OK, PROBLEM, NOTE = "ok", "problem", "note"
PING_TIMEOUT_MS = 1500  # a local server answers a ping in a few ms
PING_RETRIES = 1
FREE_NO_PY_SINCE = (21, 1)  # free 21.1 lists no .py scripts (API-NOTES section 1)
ACES_MODES = ("acescc", "acescct")
UNMANAGED_MODE = "davinciYRGB"  # no conversion between timeline and output space
# Data burn-in: the README documents Project.LoadBurnInPreset(presetName) but no getter and no settings key, so
# any project or timeline settings key holding this word is read; "" (and no such key) means Resolve does not say.
BURN_IN_WORD = "burn"
BURN_IN_ON = ("1", "true", "on", "enabled", "yes")
BURN_IN_OFF = ("0", "false", "off", "disabled", "no")
BURN_IN_SKEWS = (
    "it is drawn into every still Pix2LUT exports (API-NOTES section 4), so the LUT is fitted to the burnt-in text "
    "and box too and comes out skewed"
)


def check_all(script_globals=None, environ=None):
    """``[(status, sentence)]`` for every check; never raises for what it checks."""
    checks = []
    try:
        settings = load_settings(environ)
    except ScriptError as exc:
        checks.append((PROBLEM, f"Settings: {exc}"))
        settings = None
    else:
        source = settings.source or "none (defaults and PIX2LUT_ variables)"
        checks.append((OK, f"Settings file: {source}."))
    try:
        resolve = resolve_access.get_resolve(script_globals)
    except ScriptError as exc:
        resolve = None
        checks.append((PROBLEM, f"Resolve: {exc}"))
    if resolve is not None:
        checks += resolve_checks(resolve, script_globals)
    checks.append(python_check(settings))
    if settings is not None:
        checks.append(server_check(settings))
        checks.append(lut_folder_check(settings.lut_root))
    if resolve is not None:
        checks += project_checks(resolve)
    return checks


def resolve_checks(resolve, script_globals):
    product = resolve.GetProductName() or "DaVinci Resolve"
    numbers = resolve_access.version_numbers(resolve) or (0, 0, 0)
    version = ".".join(str(number) for number in numbers)
    checks = []
    if numbers[:2] < resolve_access.MIN_VERSION:
        checks.append((PROBLEM, f"Resolve: {product} {version} is too old: Pix2LUT needs 18.5 or newer."))
    elif "Studio" not in product and numbers[:2] >= FREE_NO_PY_SINCE:
        checks.append((PROBLEM, f"Resolve: {product} {version} lists no Python scripts in its menu: use Studio."))
    else:
        checks.append((OK, f"Resolve: {product} {version}: every Pix2LUT script works."))
    ui = resolve_access.ui_manager(resolve, script_globals)  # never read on free 19.1+: it opens a "buy Studio" window
    if ui is None:
        checks.append((NOTE, "Dialogs: none (UIManager needs Studio): progress and results go to the Console."))
    else:
        checks.append((OK, "Dialogs: available: Neutralize + Look shows its progress in a window."))
    page = resolve.GetCurrentPage()
    checks.append((OK, f"Page: {page}: the scripts switch to Color for their work and come back."))
    return checks


def python_check(settings):
    here = f"Python {sys.version.split()[0]} ({sys.executable or 'embedded'})"
    if zmq is not None:
        return OK, f"{here}: has pyzmq {zmq.__version__}: the scripts talk to the server directly."
    python = settings.python if settings is not None else None
    if python and os.path.isfile(python):
        return OK, f"{here}: no pyzmq: the scripts use the bridge through {python}."
    if python:
        return PROBLEM, f"{here}: no pyzmq, and the bridge Python {python} does not exist: run the installer again."
    return PROBLEM, f"{here}: no pyzmq and no bridge Python: install pyzmq here, or run the installer again."


def server_check(settings):
    try:
        transport = open_transport(settings.server, settings.python, PING_TIMEOUT_MS, PING_RETRIES)
    except ScriptError as exc:
        return PROBLEM, f"Server: {exc}"
    client = GradeClient(transport)
    try:
        answer = client.ping()
        models = client.models()
    except ScriptError as exc:
        return PROBLEM, f"Server: {exc}"
    finally:
        client.close()
    defaults = ", ".join(f"{model['role']}: {model['name']}" for model in models if model.get("default"))
    roles = {model.get("role") for model in models}
    missing = [role for role in ("grade", "neutralize") if role not in roles]
    status = PROBLEM if missing else OK
    lacking = f"; no {' or '.join(missing)} model, so the scripts that need it will fail" if missing else ""
    return status, (
        f"Server: {settings.server} answers (version {answer.get('version')}, {answer.get('provider')}), "
        f"defaults {defaults or 'none'}{lacking}."
    )


def lut_folder_check(lut_root):
    folder = os.path.join(lut_root, LUT_SUBFOLDER)
    if not os.path.isdir(lut_root):
        return PROBLEM, f"LUT folder: the master LUT folder {lut_root} does not exist: set lut_root or reinstall."
    if os.path.exists(folder) and not os.path.isdir(folder):  # the scripts could neither make it nor write in it
        return PROBLEM, f"LUT folder: {folder} is a file, not a folder: move it away, or run the installer once."
    target = folder if os.path.isdir(folder) else lut_root
    try:
        handle, probe = tempfile.mkstemp(prefix=".pix2lut-doctor-", dir=target)
        os.close(handle)
        os.remove(probe)
    except OSError as exc:
        return PROBLEM, f"LUT folder: {target} is not writable ({exc.strerror or exc}): run the installer once."
    return OK, f"LUT folder: {folder} is writable."


def project_checks(resolve):
    try:
        project, timeline = resolve_access.current_timeline(resolve)
    except ScriptError as exc:
        return [(NOTE, f"Timeline: {exc}")]
    checks = [colour_check(project, timeline), burn_in_check(project, timeline)]
    tracks = timeline.GetTrackCount("video") or 0
    clips = sum(len(timeline.GetItemListInTrack("video", track) or []) for track in range(1, tracks + 1))
    line = f"Timeline: {timeline.GetName()!r}, {clips} clip(s) on {tracks} video track(s)"
    item = timeline.GetCurrentVideoItem()
    if item is None:
        checks.append((NOTE, line + "; no clip under the playhead (Grade Clip needs one)."))
        return checks
    try:
        graph = resolve_access.node_graph(item, resolve_access.version_numbers(resolve) or (0, 0, 0))
        current = (item.GetCurrentVersion() or {}).get("versionName")  # on a Pix2LUT version, its LUTs are not yours
        find_nodes(graph, item.GetName(), pix2lut_version=pix2lut_version_number(current) is not None)
    except ScriptError as exc:
        checks.append((NOTE, f"{line}; clip {item.GetName()!r}: Neutralize + Look would skip it: {exc}"))
    else:
        checks.append((OK, f"{line}; clip {item.GetName()!r} has the two nodes Neutralize + Look needs."))
    return checks


def burn_in_check(project, timeline):
    """Data burn-in (Workspace > Data Burn-In) is in every exported still and skews the LUT; said where Resolve
    tells (a settings key with "burn" in it, see ``BURN_IN_WORD``), else a note to check by eye."""
    found = {}  # settings key -> value, project first
    for source in (project, timeline):
        settings = source.GetSetting()  # no key: a dict of every setting (API-NOTES section 2)
        if not isinstance(settings, dict):
            continue
        for key, value in settings.items():
            if BURN_IN_WORD in str(key).lower():
                found.setdefault(str(key), str(value if value is not None else "").strip())
    on = [key for key, value in found.items() if value.lower() in BURN_IN_ON]
    if on:
        return PROBLEM, (
            f"Burn-in: data burn-in is on (setting {on[0]!r} is {found[on[0]]!r}): {BURN_IN_SKEWS}: turn it off "
            "(Workspace > Data Burn-In) before grading."
        )
    if found and all(value.lower() in BURN_IN_OFF for value in found.values()):
        return OK, "Burn-in: data burn-in is off: the stills carry the picture only."
    return NOTE, (
        "Burn-in: Resolve does not tell scripts whether data burn-in is on: if Workspace > Data Burn-In shows "
        f"anything over the viewer, {BURN_IN_SKEWS}: turn it off before grading."
    )


def colour_check(project, timeline):
    try:
        settings = resolve_access.colour_settings(project, timeline)
    except ScriptError as exc:  # Resolve answered none of the colour keys
        return PROBLEM, f"Colour: {exc}"
    mode = settings.get("colorScienceMode", "")
    timeline_space = settings.get("colorSpaceTimeline", "")
    output_space = settings.get("colorSpaceOutput", "")
    if mode in ACES_MODES:
        return OK, (
            f"Colour: colour science {mode}: graded on the still through the ACES 1.x Rec.709 output, the transform "
            "folded into a 65^3 LUT for the node (docs/colour.md)."
        )
    if timeline_space and output_space and timeline_space != output_space:
        if mode == UNMANAGED_MODE:
            return PROBLEM, (
                f"Colour: DaVinci YRGB with timeline {timeline_space!r} and output {output_space!r}: Resolve converts "
                "nothing between them, so the server refuses; set both to one space, or use DaVinci YRGB Color "
                "Managed."
            )
        return OK, (
            f"Colour: {mode or 'colour managed'}, timeline {timeline_space!r}, output {output_space!r}: the server "
            "folds the transform between them into the LUT (the spaces it supports: docs/colour.md)."
        )
    return OK, f"Colour: {mode or 'DaVinci YRGB'}, timeline and output {timeline_space or 'Rec.709'}: supported."


def main(script_globals=None, environ=None, out=None):
    """Print one line per check. Returns 1 when a check found a problem, else 0."""
    out = out or sys.stdout
    checks = check_all(script_globals, environ)
    for status, sentence in checks:
        write_line(f"Pix2LUT doctor [{status}] {sentence}", out)  # ASCII-safe: Resolve's console may reject the rest
    return 1 if any(status == PROBLEM for status, _sentence in checks) else 0
