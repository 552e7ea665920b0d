"""How a menu script talks to the user without dialogs: one line per thing, in Resolve's console.

UIManager is None on the free edition (API-NOTES section 1), so every script runs on these lines; a failure is
one sentence that says what to do.
"""

import sys

from resolve_scripts.errors import ScriptError
from resolve_scripts.resolve_access import get_resolve
from resolve_scripts.settings import load_settings

PREFIX = "Pix2LUT: "


def say(line, out=None):
    out = out or sys.stdout
    out.write(PREFIX + line + "\n")
    if hasattr(out, "flush"):
        out.flush()  # Resolve's console shows progress as it comes


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
