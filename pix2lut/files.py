"""Atomic file writes: a reader (Resolve, OpenColorIO, a user) sees the old file or the new one, never half."""

from __future__ import annotations

import os
import secrets


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a new file beside ``path``, then rename it over ``path`` (atomic on POSIX and Windows).

    On any failure the temporary file is removed, ``path`` is left as it was, and the ``OSError`` propagates
    for the caller to wrap in its own error.
    """
    folder, base = os.path.split(os.path.abspath(os.fspath(path)))
    temp_name = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never reuse a file someone else created; mode 0o666 lets the umask decide, as open() does
    descriptor = os.open(temp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise
