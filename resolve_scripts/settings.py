"""The scripts' settings: the installer's config file, then PIX2LUT_* environment variables over it.

Menu scripts run inside Resolve, where environment variables are awkward to set, so the installer writes a
small JSON file (``config_path()``: one per user) and the variables only override it::

    {"format": 1, "server": "tcp://127.0.0.1:5555", "python": "/home/me/pix2lut/.venv/bin/python",
     "lut_root": "/opt/resolve/LUT", "scripts_root": "/home/me/.local/share/pix2lut/scripts"}

Every key is optional; a key the file does not know is an error (a misspelt setting is never ignored).
"""

import json
import os
import platform

from resolve_scripts.errors import ScriptError
from resolve_scripts.transport import DEFAULT_ADDRESS

CONFIG_FORMAT = 1
CONFIG_NAME = "resolve.json"
DEFAULT_FRAMES_PER_CLIP = 3  # Neutralize + Look: stills per clip sent to grade_clip/neutralize
MAX_FRAMES_PER_CLIP = 16  # the protocol's limit on frames per request
# Master LUT folders (API-NOTES section 5), by platform.system().
MASTER_LUT_FOLDERS = {
    "Darwin": "/Library/Application Support/Blackmagic Design/DaVinci Resolve/LUT",
    "Windows": r"C:\ProgramData\Blackmagic Design\DaVinci Resolve\Support\LUT",
    "Linux": "/opt/resolve/LUT",
}

# key: (environment variable, type, default); the type is what the JSON file must hold.
FIELDS = {
    "server": ("PIX2LUT_SERVER", str, DEFAULT_ADDRESS),
    "python": ("PIX2LUT_PYTHON", str, None),  # the project's Python, for the bridge when Resolve's lacks pyzmq
    "lut_root": ("PIX2LUT_LUT_ROOT", str, None),  # the master LUT folder; None: the platform's
    "scripts_root": ("PIX2LUT_SCRIPTS_ROOT", str, None),  # the folder that holds the resolve_scripts package
    # Grade Clip and Match: the node that gets the LUT when none is labelled Pix2LUT, used only while it holds no
    # LUT; None: the highest-numbered node without a LUT (resolve_scripts.luts.choose_lut_node)
    "node": ("PIX2LUT_NODE", int, None),
    "cdl_node": ("PIX2LUT_CDL_NODE", int, None),  # Grade Clip: a node that also gets the fitted CDL
    "send_path": ("PIX2LUT_SEND_PATH", bool, False),  # send the still's path (server run with --allow-path)
    "timeout_ms": ("PIX2LUT_TIMEOUT_MS", int, None),
    "retries": ("PIX2LUT_RETRIES", int, None),
    "lut_size": ("PIX2LUT_LUT_SIZE", int, None),  # 17, 33 or 65; None: the server's default (33)
    "model": ("PIX2LUT_MODEL", str, None),  # Grade Clip: a grade model by name; None: the server's default
    "tracks": ("PIX2LUT_TRACKS", str, ""),  # Neutralize + Look: "1,2" video tracks; "": all of them
    "frames_per_clip": ("PIX2LUT_FRAMES_PER_CLIP", int, DEFAULT_FRAMES_PER_CLIP),
    "reference": ("PIX2LUT_REFERENCE", str, None),  # a still file to take the look from, instead of a marker
}
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")


class Settings:
    """One value per key of ``FIELDS`` as attributes, and ``source``: where the file was read from, or None."""

    def __init__(self, values, source=None):
        for key, (_variable, _kind, default) in FIELDS.items():
            setattr(self, key, values.get(key, default))
        self.source = source
        if not self.lut_root:
            self.lut_root = default_lut_root()
        if not 1 <= self.frames_per_clip <= MAX_FRAMES_PER_CLIP:
            raise ScriptError(
                f"frames_per_clip must be 1 to {MAX_FRAMES_PER_CLIP}, found {self.frames_per_clip}: fix the "
                "Pix2LUT settings and run again."
            )


def default_lut_root(system=None):
    """The platform's master LUT folder (API-NOTES section 5)."""
    return MASTER_LUT_FOLDERS.get(system or platform.system(), MASTER_LUT_FOLDERS["Linux"])


def config_dir(system=None, environ=None, home=None):
    """Where the config file lives: the per-user application-settings folder of each OS."""
    system = system or platform.system()
    environ = os.environ if environ is None else environ
    home = home or os.path.expanduser("~")
    if system == "Windows":
        appdata = environ.get("APPDATA") or os.path.join(home, "AppData", "Roaming")
        return os.path.join(appdata, "Pix2LUT")
    if system == "Darwin":
        return os.path.join(home, "Library", "Application Support", "Pix2LUT")
    return os.path.join(environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "pix2lut")


def config_path(system=None, environ=None, home=None):
    return os.path.join(config_dir(system, environ, home), CONFIG_NAME)


def load_settings(environ=None, path=None):
    """The file at ``path`` (default ``config_path()``; absent is fine), then the environment over it.

    Raises ScriptError naming the file or variable when a value is malformed.
    """
    environ = os.environ if environ is None else environ
    path = path or config_path(environ=environ)
    values, source = {}, None
    if os.path.isfile(path):
        values, source = read_config(path), path
    for key, (variable, kind, _default) in FIELDS.items():
        raw = environ.get(variable)
        if raw is not None and raw != "":
            values[key] = _from_text(raw, kind, variable)
    return Settings(values, source)


def read_config(path):
    """The checked values of one config file; ScriptError saying what is wrong with it."""
    try:
        with open(path, "r", encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ScriptError(f"The Pix2LUT settings file {path} is unreadable ({exc}): run the installer again.")
    if not isinstance(data, dict) or data.get("format") != CONFIG_FORMAT:
        raise ScriptError(
            f"The Pix2LUT settings file {path} is not format {CONFIG_FORMAT}: run the installer of this version again."
        )
    values = {}
    for key, value in data.items():
        if key == "format":
            continue
        if key not in FIELDS:
            raise ScriptError(
                f"The Pix2LUT settings file {path} has an unknown setting {key!r}: known are "
                f"{', '.join(sorted(FIELDS))}."
            )
        problem = _type_problem(key, value)
        if problem:
            raise ScriptError(f"The Pix2LUT settings file {path}: {problem}.")
        if value is not None:  # null: the default, as config_document writes it (by leaving the key out)
            values[key] = value
    return values


def config_document(values):
    """The JSON text of a config file holding ``values`` (checked as ``read_config`` checks them)."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ScriptError(f"unknown Pix2LUT settings: {', '.join(unknown)}")
    for key, value in sorted(values.items()):
        problem = _type_problem(key, value)
        if problem:
            raise ScriptError(f"Pix2LUT setting {problem}")
    document = {"format": CONFIG_FORMAT}
    document.update({key: value for key, value in sorted(values.items()) if value is not None})
    return json.dumps(document, indent=2) + "\n"


def parse_tracks(text):
    """``"1,3"`` -> ``[1, 3]``; ``""`` -> ``[]`` (all tracks); ScriptError for anything else."""
    tracks = []
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise ScriptError(f"PIX2LUT_TRACKS must list video track numbers like 1,2, found {text!r}.")
        tracks.append(int(part))
    return sorted(set(tracks))


def _type_problem(key, value):
    """What is wrong with the type of ``value`` for ``key`` (None is fine: the default), or ""."""
    kind = FIELDS[key][1]
    if value is None or (isinstance(value, kind) and not (kind is int and isinstance(value, bool))):
        return ""
    return f"{key!r} must be {kind.__name__}, found {value!r}"


def _from_text(raw, kind, variable):
    if kind is bool:
        word = raw.strip().lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return word in TRUE_WORDS
        raise ScriptError(f"{variable} must be 1 or 0, found {raw!r}: fix it and run again.")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ScriptError(f"{variable} must be a whole number, found {raw!r}: fix it and run again.")
    return raw
