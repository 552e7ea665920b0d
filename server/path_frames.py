"""Opening the file a ``path`` frame names, confined to the folders the server may read (``--allow-path``).

Checking a resolved path and then opening it again by name is a race: a client that can write inside a root
swaps a folder for a symbolic link in between, and the server reads a file outside. So the file is opened once,
and every check is made on what was opened:

1. The path is made absolute and normalised as text (``.`` and ``..`` go), and must name something below one
   of the roots, spelt as configured or as resolved. The roots themselves are the operator's choice: they may
   be reached through symbolic links.
2. POSIX: from the root's own descriptor, each component below it is opened relative to the one before
   (``dir_fd``), never following a symbolic link (``O_NOFOLLOW``; folders with ``O_DIRECTORY``). A walk that
   starts at the root and follows no link cannot leave it, whatever is renamed meanwhile. A symbolic link below
   the root, wherever it points, is ``forbidden``, and the message names it.
3. The file is opened with ``O_NONBLOCK``, so a FIFO cannot block the server, and ``fstat`` of the descriptor
   must show a regular file: anything else is ``decode_failed``, naming what it is. The caller checks the size
   from that same ``fstat`` (:attr:`OpenedFile.size`) before reading, and the bytes come from that descriptor.

Windows has no ``dir_fd`` nor ``O_NOFOLLOW`` (``CONFINED_WALK`` is False there): the path is resolved, checked to
lie inside a resolved root and opened by name; that is racy against a client who can write inside a root. Step 3
holds there too.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Self

from pix2lut.protocol import ErrorCode, ProtocolError

CONFINED_WALK = os.open in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY")
# read-only, never blocking (a FIFO), never our controlling terminal, not inherited, binary on Windows
READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
              | getattr(os, "O_BINARY", 0))
NOT_FOLLOWED_ERRNOS = {errno.ELOOP, errno.ENOTDIR, errno.EMLINK}  # O_NOFOLLOW met a link (EMLINK: FreeBSD)
FILE_TYPES = (  # (test of st_mode, what to call it) for everything but a regular file
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISLNK, "a symbolic link"),
)


class OpenedFile:
    """A regular file opened for a path frame: its size as ``fstat`` gave it, and its bytes from the same descriptor.

    Close it (or use it as a context manager) once read.
    """

    def __init__(self, descriptor: int, size: int) -> None:
        self.descriptor = descriptor
        self.size = size

    def read(self) -> memoryview:
        """At most :attr:`size` bytes: a file that grew since ``fstat`` is read as it was, one that shrank as it is."""
        buffer = bytearray(self.size)
        view = memoryview(buffer)
        filled = 0
        with io.FileIO(self.descriptor, "rb", closefd=False) as reader:
            while filled < self.size:
                count = reader.readinto(view[filled:])
                if not count:
                    break
                filled += count
        return view[:filled]

    def close(self) -> None:
        os.close(self.descriptor)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_path_frame(name: str, path: str, peer_is_loopback: bool, allowed_roots: Sequence[Path]) -> OpenedFile:
    """Open the regular file ``path`` names, confined to ``allowed_roots`` (see the module's docstring).

    ``name`` (``frames[0]``) starts every message.

    Raises
    ------
    ProtocolError
        ``forbidden``: a non-loopback client, no roots, a path outside them or through a symbolic link below one;
        ``decode_failed``: no such file, not a regular file, or the system refused to open it.
    """
    if not peer_is_loopback:
        raise ProtocolError(ErrorCode.FORBIDDEN, f"{name}: 'path' frames are accepted only from this machine")
    if not allowed_roots:
        raise ProtocolError(
            ErrorCode.FORBIDDEN, f"{name}: this server reads no paths (start it with --allow-path FOLDER)"
        )
    root, parts = _below_a_root(name, path, allowed_roots)
    descriptor = _open_beneath(name, path, root, parts) if CONFINED_WALK else _open_resolved(name, path, root)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ProtocolError(
                ErrorCode.DECODE_FAILED, f"{name}: {path} is {_file_type(info.st_mode)}, not a regular file"
            )
    except BaseException:
        os.close(descriptor)
        raise
    return OpenedFile(descriptor, info.st_size)


def _below_a_root(name: str, path: str, allowed_roots: Sequence[Path]) -> tuple[str, list[str]]:
    """The root ``path`` lies in, as it is spelt in ``path``, and the components below it."""
    normalised = os.path.normcase(os.path.normpath(os.path.abspath(path)))
    for root in allowed_roots:
        for spelling in dict.fromkeys((os.path.abspath(root), os.path.realpath(root))):
            parts = _parts_below(normalised, os.path.normcase(spelling))
            if parts is not None:
                return spelling, parts
    raise ProtocolError(ErrorCode.FORBIDDEN, f"{name}: {path} is outside the folders this server may read")


def _parts_below(path: str, root: str) -> list[str] | None:
    if path == root:
        return []
    prefix = root if root.endswith(os.sep) else root + os.sep  # the file system's root ends with one already
    return path[len(prefix):].split(os.sep) if path.startswith(prefix) else None


def _open_beneath(name: str, path: str, root: str, parts: list[str]) -> int:
    """A descriptor of ``root/parts``, opened one component at a time from the root's, following no link."""
    try:
        folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ProtocolError(
            ErrorCode.DECODE_FAILED, f"{name}: cannot open the allowed folder {root} ({exc.strerror})"
        ) from exc
    for depth, part in enumerate(parts):
        flags = READ_FLAGS | os.O_NOFOLLOW | (os.O_DIRECTORY if depth < len(parts) - 1 else 0)
        try:
            opened = os.open(part, flags, dir_fd=folder)
        except OSError as exc:
            refusal = _refusal(name, path, root, "/".join(parts[: depth + 1]), part, folder, exc)
            os.close(folder)
            raise refusal from exc
        os.close(folder)
        folder = opened
    return folder


def _refusal(name: str, path: str, root: str, below: str, part: str, folder: int, exc: OSError) -> ProtocolError:
    """Why ``part`` (``below`` the root) could not be opened in ``folder``, as the error to answer."""
    if exc.errno in NOT_FOLLOWED_ERRNOS:
        try:
            mode = os.stat(part, dir_fd=folder, follow_symlinks=False).st_mode
        except OSError:
            mode = None  # gone already: say what the system said
        if mode is not None and stat.S_ISLNK(mode):
            return ProtocolError(
                ErrorCode.FORBIDDEN,
                f"{name}: {path} goes through the symbolic link {below!r} in {root}: path frames follow no links "
                "below the allowed folders",
            )
        if mode is not None and not stat.S_ISDIR(mode):
            return ProtocolError(
                ErrorCode.DECODE_FAILED, f"{name}: {path}: {below!r} is {_file_type(mode)}, not a folder"
            )
    if exc.errno == errno.ENOENT:
        return ProtocolError(ErrorCode.DECODE_FAILED, f"{name}: {path}: no such file ({below!r} is missing)")
    return ProtocolError(ErrorCode.DECODE_FAILED, f"{name}: {path}: cannot open {below!r} ({exc.strerror})")


def _open_resolved(name: str, path: str, root: str) -> int:
    """The fallback without ``dir_fd``: resolve, check against the resolved root, open by name (racy)."""
    resolved = os.path.realpath(path)
    if _parts_below(os.path.normcase(resolved), os.path.normcase(os.path.realpath(root))) is None:
        raise ProtocolError(ErrorCode.FORBIDDEN, f"{name}: {path} leads outside the folders this server may read")
    try:
        return os.open(resolved, READ_FLAGS)
    except FileNotFoundError as exc:
        raise ProtocolError(ErrorCode.DECODE_FAILED, f"{name}: {path}: no such file") from exc
    except OSError as exc:
        raise ProtocolError(ErrorCode.DECODE_FAILED, f"{name}: {path}: cannot open it ({exc.strerror})") from exc


def _file_type(mode: int) -> str:
    return next((kind for is_kind, kind in FILE_TYPES if is_kind(mode)), f"of file type {stat.S_IFMT(mode):#o}")
