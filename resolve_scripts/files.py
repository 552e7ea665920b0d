"""Writing files so that a crash or a full disk never leaves half of one: a temp file, then a rename."""

import os
import tempfile


def write_atomically(path, data):
    """``data`` (bytes) into ``path`` through a temp file in the same folder and a rename; OSError on failure.

    The folder is created when missing (one level: its parent must exist).
    """
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


def safe_name(text):
    """``text`` with anything but letters, digits, - and _ made _: a file name on every OS."""
    return "".join(character if character.isalnum() or character in "-_" else "_" for character in str(text))
