"""Resolve's Console (Workspace > Console), the stream a menu script's lines go to.

API-NOTES section 10 (observed): the console may reject non-ASCII output. Other scripts have stopped half way
with ``UnicodeEncodeError`` on printing a clip named "Café" or "東京". This console takes ASCII text and, for any
other text, raises UnicodeEncodeError as an ASCII-encoded stream does, writing nothing of that call.
``fail_writes`` plays a console that fails every write (closed, or its pipe gone): ``OSError``.
"""

from __future__ import annotations

import errno

CONSOLE_ENCODING = "ascii"


class FakeConsole:
    """A text stream like the ``out`` a script's ``main`` takes; ``getvalue()`` is what it showed."""

    encoding = CONSOLE_ENCODING

    def __init__(self, fail_writes: bool = False) -> None:
        self.fail_writes = fail_writes
        self.fake_rejected: list[str] = []  # every text a write refused, for the tests
        self._shown: list[str] = []

    def write(self, text: str) -> int:
        if self.fail_writes:
            self.fake_rejected.append(text)
            raise OSError(errno.EPIPE, "the console is gone")
        try:
            text.encode(CONSOLE_ENCODING)
        except UnicodeEncodeError:
            self.fake_rejected.append(text)
            raise
        self._shown.append(text)
        return len(text)

    def flush(self) -> None:
        if self.fail_writes:
            raise OSError(errno.EPIPE, "the console is gone")

    def getvalue(self) -> str:
        return "".join(self._shown)
