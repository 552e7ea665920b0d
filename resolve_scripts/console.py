"""How a menu script talks to the user without dialogs: one line per thing, in Resolve's console.

UIManager is None on the free edition (API-NOTES section 1), so every script runs on these lines; a failure is
one sentence that says what to do.

Resolve's console may reject non-ASCII output with UnicodeEncodeError (API-NOTES section 10), and clip, timeline
and folder names are often accented or CJK: every line is written ASCII-safe (``ascii_safe``: an e acute as
``\\xe9``), and a line the console still refuses is dropped, never allowed to stop a run half way.
"""

import sys

from resolve_scripts.errors import ScriptError
from resolve_scripts.resolve_access import get_resolve
from resolve_scripts.settings import load_settings

PREFIX = "Pix2LUT: "


def say(line, out=None):
    write_line(PREFIX + line, out)


def write_line(line, out=None):
    """Write ``line`` ASCII-safe to ``out`` (default: the console); a console that refuses it does not stop the run."""
    out = out or sys.stdout
    try:
        out.write(ascii_safe(line) + "\n")
        if hasattr(out, "flush"):
            out.flush()  # Resolve's console shows progress as it comes
    except (OSError, ValueError):  # closed or broken console (UnicodeError is a ValueError): the grades go on
        pass


def ascii_safe(text):
    """``text`` with every non-ASCII character as a backslash escape (an e acute as ``\\xe9``, CJK as ``\\u6771``)."""
    return str(text).encode("ascii", "backslashreplace").decode("ascii")


def warn(sentence, out=None):
    say("warning: " + sentence, out)


def run_menu_action(action, script_globals=None, environ=None, out=None):
    """Find Resolve, read the settings, run ``action(resolve, settings, out)``; print its lines. Returns 0 or 1.

    ``action`` returns the summary lines; a ScriptError from anywhere becomes its one line and exit status 1.
    """
    try:
        resolve = get_resolve(script_globals)
        settings = load_settings(environ)
        lines = action(resolve, settings, out or sys.stdout)
    except ScriptError as exc:
        say(str(exc), out)
        return 1
    for line in lines:
        say(line, out)
    return 0
