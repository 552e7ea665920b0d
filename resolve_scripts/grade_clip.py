"""Grade Clip: the clip under the playhead graded by the Pix2LUT server, as a LUT on a node of a new version.

The steps (shared/DESIGN.md, "One-click grade, as data"; API-NOTES sections 4-7): check Resolve -> Color page ->
export the frame under the playhead as a still -> read the colour settings -> ``grade`` request -> write the
.cube atomically as ``<master LUT folder>/Pix2LUT/<sha256 prefix>.cube`` -> ``RefreshLUTList()`` -> a new local
version "Pix2LUT n", loaded -> ``SetLUT`` on the chosen node -> confirmed with ``GetLUT`` -> optionally ``SetCDL``
on another node -> one summary line. The user's other versions are never touched.

The still is exported as graded (API-NOTES section 4): the LUT corrects what the viewer shows, and replaces any
LUT already on the chosen node of the new version.

Both the still and the new version come from the *base* version: the user's own grade, current before any
Pix2LUT version of the clip was made. Run again on "Pix2LUT 1" and the script loads the base first, so the new
LUT is fitted to the user's grade and sits on a copy of it, never on top of the first LUT. Which version is the
base is recorded in a journal beside the LUTs (``<master LUT folder>/Pix2LUT/journal.json``, written
atomically), keyed by the clip's GetUniqueId()::

    {"format": 1,
     "clips": {"<unique id>": {"clip": "Shot 01", "base": "Version 1",
                               "versions": {"Pix2LUT 1": "Version 1", "Pix2LUT 2": "Version 1"}}}}

``base`` is the base of the latest run, ``versions`` maps each Pix2LUT version to the version it was made from
(what an Undo script goes back to). Without a usable entry, a version not named "Pix2LUT <n>" is its own base,
and a "Pix2LUT <n>" version's base is the clip's only version not so named.
"""

import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile

from resolve_scripts import resolve_access
from resolve_scripts.errors import LutFolderError, ResolveRefusal, ScriptError
from resolve_scripts.transport import (
    DEFAULT_ADDRESS,
    OUTPUT_CDL,
    OUTPUT_CUBE,
    REQUEST_RETRIES,
    REQUEST_TIMEOUT_MS,
    GradeClient,
    open_transport,
)

LUT_SUBFOLDER = "Pix2LUT"  # our project subfolder of the master LUT folder (API-NOTES section 5)
HASH_PREFIX_CHARS = 16  # 64 bits of the content sha256: unique names, as Resolve caches LUTs by name
VERSION_PREFIX = "Pix2LUT"
JOURNAL_NAME = "journal.json"  # in the LUT subfolder: which version each Pix2LUT version was made from
JOURNAL_FORMAT = 1
STILL_NAME = "pix2lut-still.png"
# Master LUT folders (API-NOTES section 5), by platform.system().
MASTER_LUT_FOLDERS = {
    "Darwin": "/Library/Application Support/Blackmagic Design/DaVinci Resolve/LUT",
    "Windows": r"C:\ProgramData\Blackmagic Design\DaVinci Resolve\Support\LUT",
    "Linux": "/opt/resolve/LUT",
}
# Environment the installer (or the user) sets; every one optional.
ENV_SERVER = "PIX2LUT_SERVER"  # the server address, tcp://127.0.0.1:5555 by default
ENV_LUT_ROOT = "PIX2LUT_LUT_ROOT"  # the master LUT folder, when not the platform's default
ENV_PYTHON = "PIX2LUT_PYTHON"  # the project's Python, for the bridge when Resolve's has no pyzmq
ENV_NODE = "PIX2LUT_NODE"  # the node that gets the LUT, 1 by default
ENV_CDL_NODE = "PIX2LUT_CDL_NODE"  # a node that also gets the fitted CDL; unset: no CDL
ENV_SEND_PATH = "PIX2LUT_SEND_PATH"  # "1": send the still's path (the server needs --allow-path on the temp folder)
ENV_TIMEOUT_MS = "PIX2LUT_TIMEOUT_MS"
CDL_DECIMALS = 6


class GradeOptions:
    """What one Grade Clip run is asked for."""

    def __init__(
        self,
        address=DEFAULT_ADDRESS,
        lut_root=None,
        node=1,
        cdl_node=None,
        send_path=False,
        python=None,
        timeout_ms=None,
        retries=None,
        model=None,
        lut_size=None,
        temp_dir=None,
    ):
        self.address = address
        self.lut_root = lut_root or default_lut_root()
        self.node = int(node)
        self.cdl_node = int(cdl_node) if cdl_node else None
        self.send_path = bool(send_path)
        self.python = python
        self.timeout_ms = timeout_ms
        self.retries = retries
        self.model = model
        self.lut_size = lut_size
        self.temp_dir = temp_dir  # where the still goes; the system's temp folder by default


class GradeResult:
    """What a run did: the clip, the version it made, the LUT it set (master-relative), the server's reply."""

    def __init__(self, clip, version, previous_version, node, lut_relpath, reply, cdl_node=None, base_version=None):
        self.clip = clip
        self.version = version
        self.previous_version = previous_version  # current when the run started
        self.base_version = base_version or previous_version  # graded and copied into ``version``
        self.node = node
        self.lut_relpath = lut_relpath
        self.reply = reply
        self.cdl_node = cdl_node

    def summary(self):
        total = (self.reply.header.get("timings_ms") or {}).get("total")
        timing = f" in {total:.0f} ms" if isinstance(total, (int, float)) else ""
        cdl = f", CDL on node {self.cdl_node}" if self.cdl_node else ""
        warnings = "; server warnings: " + "; ".join(self.reply.warnings) if self.reply.warnings else ""
        return (
            f"Pix2LUT: graded {self.clip!r} with {self.reply.model} ({self.reply.provider}){timing}: "
            f"version {self.version!r} from {self.base_version!r} (previous {self.previous_version!r} kept), "
            f"node {self.node} LUT {self.lut_relpath}{cdl}{warnings}"
        )


def default_lut_root():
    """The platform's master LUT folder (API-NOTES section 5)."""
    return MASTER_LUT_FOLDERS.get(platform.system(), MASTER_LUT_FOLDERS["Linux"])


def options_from_environment(environ=None):
    """GradeOptions from the PIX2LUT_* variables (see the ENV_ constants); ScriptError for a malformed one."""
    environ = os.environ if environ is None else environ
    try:
        node = int(environ.get(ENV_NODE, "1"))
        cdl_node = int(environ[ENV_CDL_NODE]) if environ.get(ENV_CDL_NODE) else None
        timeout_ms = int(environ[ENV_TIMEOUT_MS]) if environ.get(ENV_TIMEOUT_MS) else None
    except ValueError as exc:
        raise ScriptError(f"A PIX2LUT_ setting is not a whole number ({exc}): fix it and run again.")
    return GradeOptions(
        address=environ.get(ENV_SERVER) or DEFAULT_ADDRESS,
        lut_root=environ.get(ENV_LUT_ROOT) or None,
        node=node,
        cdl_node=cdl_node,
        send_path=environ.get(ENV_SEND_PATH) == "1",
        python=environ.get(ENV_PYTHON) or None,
        timeout_ms=timeout_ms,
    )


def grade_clip(resolve, options, client=None, warn=None):
    """Grade the clip under the playhead; returns a GradeResult. Raises ScriptError (one sentence) on refusal.

    ``client``: a GradeClient to reuse; by default one is opened on ``options.address`` and closed afterwards.
    ``warn``: called with one sentence for a problem the run works around (an unreadable journal); by default
    the sentence is printed.
    """
    warn = warn or _print_warning
    _product, version = resolve_access.check_version(resolve)
    project, timeline, item = resolve_access.current_clip(resolve)
    clip_name = item.GetName()
    previous_page = resolve_access.open_color_page(resolve)
    try:
        journal = read_journal(options.lut_root, warn)
        clip_id = item.GetUniqueId()
        previous = _current_version_name(item)
        base = base_version(item, journal.get(clip_id), previous, warn=None if journal.problem else warn)
        _load_version(item, base, previous)
        try:
            relpath, absolute, reply = _grade_base(project, timeline, item, version, options, client)
        except BaseException:
            if base != previous:
                item.LoadVersionByName(previous, resolve_access.LOCAL_VERSION)  # as the user left it
            raise
        new_version = add_version(item)  # a copy of the base, loaded
        journal.record(clip_id, clip_name, base, new_version)  # recorded at once: an Undo finds it even if below fails
        try:
            write_journal(options.lut_root, journal)
        except OSError as exc:
            warn(
                f"The journal {journal_path(options.lut_root)} could not be written ({exc.strerror or exc}): the next "
                f"run on {new_version!r} will take its base from the version names."
            )
        graph = resolve_access.node_graph(item, version)  # the graph of the version now current
        set_lut(graph, options.node, relpath, absolute)
        if options.cdl_node is not None:
            set_cdl(item, options.cdl_node, reply.cdl)
        return GradeResult(
            clip_name, new_version, previous, options.node, relpath, reply, options.cdl_node, base_version=base
        )
    finally:
        resolve_access.restore_page(resolve, previous_page)


def _grade_base(project, timeline, item, version, options, client):
    """Check the nodes of the base (now current), export its still, ask the server; write and list the LUT.

    Returns ``(master-relative LUT path, absolute LUT path, the server's reply)``.
    """
    clip_name = item.GetName()
    graph = resolve_access.node_graph(item, version)
    _check_node(graph, options.node, clip_name)
    if options.cdl_node is not None:
        _check_node(graph, options.cdl_node, clip_name)
        if options.cdl_node == options.node:
            raise ScriptError(
                "The CDL node must differ from the LUT node (both would grade the picture): "
                "set PIX2LUT_CDL_NODE to another node."
            )
    colour = resolve_access.colour_settings(project, timeline)
    own_client = client is None
    temp_dir = tempfile.mkdtemp(prefix="pix2lut-", dir=options.temp_dir)
    try:
        still = _export_still(project, os.path.join(temp_dir, STILL_NAME))
        if own_client:
            client = GradeClient(
                open_transport(
                    options.address,
                    options.python,
                    options.timeout_ms or REQUEST_TIMEOUT_MS,
                    options.retries or REQUEST_RETRIES,
                )
            )
        outputs = [OUTPUT_CUBE, OUTPUT_CDL] if options.cdl_node is not None else [OUTPUT_CUBE]
        reply = client.grade(still, colour, options.send_path, outputs, options.model, options.lut_size)
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
        if own_client and client is not None:
            client.close()
    relpath, absolute = write_lut(options.lut_root, reply.cube_text)
    if not project.RefreshLUTList():
        raise ResolveRefusal(
            "Resolve refused to refresh its LUT list: use Color > LUTs > Refresh (right-click "
            "in the LUT browser) and run the script again."
        )
    return relpath, absolute, reply


def write_lut(lut_root, cube_text):
    """Write ``cube_text`` as ``<lut_root>/Pix2LUT/<sha256 prefix>.cube`` (atomically: temp file, then rename).

    Returns ``(master-relative path with forward slashes, absolute path)``; an existing file of the same name
    holds the same content and is kept. Raises LutFolderError when the folder cannot be written.
    """
    data = cube_text.encode("ascii")
    name = hashlib.sha256(data).hexdigest()[:HASH_PREFIX_CHARS] + ".cube"
    folder = os.path.join(lut_root, LUT_SUBFOLDER)
    absolute = os.path.join(folder, name)
    relpath = LUT_SUBFOLDER + "/" + name
    if not os.path.isdir(lut_root):
        raise LutFolderError(
            f"The master LUT folder {lut_root} does not exist: check PIX2LUT_LUT_ROOT or reinstall Pix2LUT."
        )
    if os.path.isfile(absolute):
        return relpath, absolute
    try:
        _write_atomically(absolute, data)
    except OSError as exc:
        raise LutFolderError(
            f"Cannot write the LUT into {folder} ({exc.strerror or exc}): "
            "run the Pix2LUT installer once (it makes that folder writable) or set PIX2LUT_LUT_ROOT."
        )
    return relpath, absolute


def _write_atomically(path, data):
    """``data`` (bytes) into ``path`` through a temp file in the same folder and a rename; OSError on failure."""
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        os.mkdir(folder)
    handle, temp_path = tempfile.mkstemp(prefix=".pix2lut-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
        os.replace(temp_path, path)
    except OSError:
        if os.path.exists(temp_path):
            os.remove(temp_path)
        raise


class Journal:
    """The journal's clips (see the module docstring); ``problem``: why the file on disk was unusable, or None."""

    def __init__(self, clips=None, problem=None):
        self.clips = clips if clips is not None else {}
        self.problem = problem

    def get(self, clip_id):
        """The clip's entry ``{"clip", "base", "versions"}``, or None."""
        return self.clips.get(clip_id)

    def record(self, clip_id, clip_name, base, new_version):
        """Note that ``new_version`` of the clip was made from ``base``."""
        entry = self.clips.setdefault(clip_id, {"clip": clip_name, "base": base, "versions": {}})
        entry["clip"] = clip_name
        entry["base"] = base
        entry["versions"][new_version] = base

    def to_json(self):
        return {"format": JOURNAL_FORMAT, "clips": self.clips}


def journal_path(lut_root):
    return os.path.join(lut_root, LUT_SUBFOLDER, JOURNAL_NAME)


def read_journal(lut_root, warn):
    """The journal under ``lut_root``; empty when there is none, and empty after one ``warn`` when unusable."""
    path = journal_path(lut_root)
    if not os.path.isfile(path):
        return Journal()
    try:
        with open(path, "r", encoding="utf-8") as handle:
            clips = _journal_clips(json.load(handle))
    except (OSError, ValueError) as exc:  # ValueError: not JSON, not UTF-8, or not the journal's layout
        problem = str(exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)
        warn(
            f"The Pix2LUT journal {path} is unreadable ({problem}): it will be rewritten, and the version each "
            "clip was graded from is taken from the version names."
        )
        return Journal(problem=problem)
    return Journal(clips)


def write_journal(lut_root, journal):
    """Write ``journal`` atomically under ``lut_root``; OSError when it cannot be written."""
    text = json.dumps(journal.to_json(), indent=2, sort_keys=True) + "\n"
    _write_atomically(journal_path(lut_root), text.encode("utf-8"))


class JournalLayoutError(ValueError):
    """Parsed JSON that is not the journal's layout (module docstring)."""


def _journal_clips(data):
    """The ``clips`` of a parsed journal, checked; JournalLayoutError naming what is wrong."""
    if not isinstance(data, dict) or data.get("format") != JOURNAL_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise JournalLayoutError(f"format {JOURNAL_FORMAT} expected, found {found!r}")
    clips = data.get("clips")
    if not isinstance(clips, dict):
        raise JournalLayoutError(f"'clips' must be an object, found {type(clips).__name__}")
    for clip_id, entry in clips.items():
        versions = entry.get("versions") if isinstance(entry, dict) else None
        if (
            not isinstance(versions, dict)
            or not isinstance(entry.get("base"), str)
            or not all(isinstance(key, str) and isinstance(value, str) for key, value in versions.items())
        ):
            raise JournalLayoutError(
                f"the entry of clip {clip_id!r} is not {{'base': name, 'versions': {{name: name}}}}"
            )
    return clips


def pix2lut_version_number(name, prefix=VERSION_PREFIX):
    """n for a version named ``"Pix2LUT n"``, else None."""
    tail = name[len(prefix) :].strip() if isinstance(name, str) and name.startswith(prefix + " ") else ""
    return int(tail) if tail.isdigit() else None


def base_version(item, entry, current, warn=None):
    """The version to grade and copy: the user's own grade, current before any Pix2LUT version was made.

    Parameters
    ----------
    item
        The TimelineItem.
    entry
        The clip's journal entry, or None.
    current
        The name of the clip's current local version.
    warn
        Called with one sentence when the base is guessed from version names; None: no warning.

    Raises
    ------
    ResolveRefusal
        When the base cannot be told, or is no longer one of the clip's versions.
    """
    existing = _version_names(item)
    made_from = (entry or {}).get("versions", {})
    if current in made_from:
        base = made_from[current]
    elif pix2lut_version_number(current) is None:
        return current
    else:
        own = [name for name in existing if pix2lut_version_number(name) is None]
        if len(own) != 1:
            raise ResolveRefusal(
                f"Clip {item.GetName()!r} is on {current!r} and Pix2LUT has no record of the version it was made "
                f"from: load your own version of the clip and run again."
            )
        base = own[0]
        if warn is not None:
            warn(
                f"Pix2LUT has no record of which version {current!r} of {item.GetName()!r} was made from: grading "
                f"{base!r}, the clip's only version not named by Pix2LUT."
            )
    if base not in existing:
        raise ResolveRefusal(
            f"The version {base!r} that {current!r} of clip {item.GetName()!r} was made from no longer exists, "
            f"so nothing was changed: load the version to grade and run again."
        )
    return base


def unique_version_name(existing, prefix=VERSION_PREFIX):
    """``"Pix2LUT n"`` with n one more than the largest taken (1 for the first), never a name in ``existing``."""
    taken = set(existing or [])
    numbers = [0]
    for name in taken:
        number = pix2lut_version_number(name, prefix)
        if number is not None:
            numbers.append(number)
    number = max(numbers) + 1
    while f"{prefix} {number}" in taken:
        number += 1
    return f"{prefix} {number}"


def add_version(item):
    """A new local version "Pix2LUT n", loaded (AddVersion may or may not switch: load it either way)."""
    name = unique_version_name(_version_names(item))
    if not item.AddVersion(name, resolve_access.LOCAL_VERSION):
        raise ResolveRefusal(
            f"Resolve refused to add the local version {name!r} to {item.GetName()!r}: open the Color page with the "
            "clip selected and run again."
        )
    if not item.LoadVersionByName(name, resolve_access.LOCAL_VERSION):
        raise ResolveRefusal(
            f"Resolve made version {name!r} but would not load it: pick it in the clip's Local Versions menu."
        )
    return name


def set_lut(graph, node, relpath, absolute):
    """SetLUT by master-relative path, then absolute, then bare name (API-NOTES section 5); confirmed by GetLUT."""
    wanted = relpath.replace("\\", "/")
    for candidate in (relpath, absolute, os.path.basename(relpath)):
        if graph.SetLUT(node, candidate) and _same_lut(graph.GetLUT(node), wanted):
            return
    raise ResolveRefusal(
        f"Resolve would not put the LUT {relpath} on node {node}: check that the Pix2LUT folder is under the "
        "master LUT folder (not the per-user one) and refresh the LUT list."
    )


def set_cdl(item, node, cdl):
    """SetCDL with space-separated strings (a Python list renders red: API-NOTES section 6)."""
    if not cdl:
        raise ScriptError("The server sent no CDL: update the server, or unset PIX2LUT_CDL_NODE.")
    values = {
        "NodeIndex": str(node),
        "Slope": _numbers(cdl["slope"]),
        "Offset": _numbers(cdl["offset"]),
        "Power": _numbers(cdl["power"]),
        "Saturation": _numbers([cdl["saturation"]]),
    }
    if not item.SetCDL(values):
        raise ResolveRefusal(
            f"Resolve refused the CDL on node {node} of {item.GetName()!r}: the LUT is set; set the CDL by hand or "
            "unset PIX2LUT_CDL_NODE."
        )


def main(script_globals=None, environ=None, out=None):
    """The menu action: one summary line, or one line saying what stopped it. Returns 0 or 1."""
    out = out or sys.stdout
    try:
        resolve = resolve_access.get_resolve(script_globals)
        result = grade_clip(resolve, options_from_environment(environ), warn=lambda line: _print_warning(line, out))
    except ScriptError as exc:
        out.write(f"Pix2LUT: {exc}\n")
        return 1
    out.write(result.summary() + "\n")
    return 0


def _version_names(item):
    existing = item.GetVersionNameList(resolve_access.LOCAL_VERSION)
    if existing is None:
        raise ResolveRefusal(
            f"Resolve did not list the grade versions of {item.GetName()!r}: select the clip on the Color page and "
            "run again."
        )
    return existing


def _current_version_name(item):
    name = (item.GetCurrentVersion() or {}).get("versionName")
    if not name:
        raise ResolveRefusal(
            f"Resolve did not say which grade version of {item.GetName()!r} is current: select the clip on the "
            "Color page and run again."
        )
    return name


def _load_version(item, name, current):
    """Make ``name`` current (nothing to do when it is ``current``)."""
    if name != current and not item.LoadVersionByName(name, resolve_access.LOCAL_VERSION):
        raise ResolveRefusal(
            f"Resolve would not load the version {name!r} of {item.GetName()!r}, so nothing was changed: load it "
            "in the clip's Local Versions menu and run again."
        )


def _print_warning(sentence, out=None):
    (out or sys.stdout).write(f"Pix2LUT: warning: {sentence}\n")


def _check_node(graph, node, clip_name):
    count = graph.GetNumNodes()
    if not count or not 1 <= node <= count:
        raise ResolveRefusal(
            f"Clip {clip_name!r} has {count or 0} node(s), so node {node} does not exist: "
            "add nodes on the Color page or choose another node (PIX2LUT_NODE)."
        )


def _export_still(project, path):
    if "ExportCurrentFrameAsStill" not in dir(project) or not project.ExportCurrentFrameAsStill(path):
        raise ResolveRefusal(
            "Resolve would not export the current frame as a still: open the Color page with the "
            "playhead on a clip and run again."
        )
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        raise ResolveRefusal(f"Resolve said it exported the still but wrote no file at {path}: run again.")
    return path


def _same_lut(answer, wanted):
    return isinstance(answer, str) and answer.replace("\\", "/").lstrip("/") == wanted


def _numbers(values):
    return " ".join("{:.{}f}".format(float(value), CDL_DECIMALS) for value in values)
