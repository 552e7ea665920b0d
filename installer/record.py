"""The install record: every folder, file and command the installer did, so that uninstall undoes exactly those.

One JSON file in Pix2LUT's data folder, rewritten (atomically) after every action, so an interrupted install
still knows what it did::

    {"format": 1, "scope": "user",
     "entries": [{"kind": "dir", "path": "/home/me/.local/share/pix2lut", "group": "data"},
                 {"kind": "file", "path": ".../Grade Clip.py", "group": "menu", "sha256": "...", "previous": null},
                 {"kind": "command", "argv": ["systemctl", "--user", "enable", "--now", "pix2lut-server.service"],
                  "undo": [["systemctl", "--user", "disable", "--now", "pix2lut-server.service"]],
                  "group": "autostart"}]}

``previous`` is the base64 of a file's content before the installer replaced it (None: there was no file), so
uninstall puts back what was there. Entries are in the order they were done; uninstall walks them backwards.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field

from installer.errors import RecordError
from pix2lut.files import write_bytes_atomic

RECORD_FORMAT = 1
DIR, FILE, COMMAND = "dir", "file", "command"
KINDS = (DIR, FILE, COMMAND)


@dataclass(frozen=True)
class Entry:
    """One thing the installer did. ``path`` for DIR and FILE, ``argv``/``undo`` for COMMAND."""

    kind: str
    group: str
    path: str = ""
    sha256: str = ""
    previous: bytes | None = None
    argv: tuple[str, ...] = ()
    undo: tuple[tuple[str, ...], ...] = ()

    @property
    def key(self) -> tuple[str, str | tuple[str, ...]]:
        """What makes two entries the same thing: the path, or the command line."""
        return (self.kind, self.argv if self.kind == COMMAND else self.path)

    def to_json(self) -> dict[str, object]:
        if self.kind == COMMAND:
            return {"kind": COMMAND, "group": self.group, "argv": list(self.argv), "undo": [list(u) for u in self.undo]}
        document: dict[str, object] = {"kind": self.kind, "group": self.group, "path": self.path}
        if self.kind == FILE:
            document["sha256"] = self.sha256
            document["previous"] = None if self.previous is None else base64.b64encode(self.previous).decode("ascii")
        return document

    @classmethod
    def from_json(cls, data: object, where: str) -> Entry:
        try:
            if not isinstance(data, dict) or data.get("kind") not in KINDS:
                raise ValueError(f"an entry must be an object with kind {', '.join(KINDS)}, found {data!r}")
            if data["kind"] == COMMAND:
                return cls(
                    COMMAND, str(data["group"]), argv=tuple(data["argv"]), undo=tuple(tuple(u) for u in data["undo"])
                )
            previous = data.get("previous")
            return cls(
                data["kind"],
                str(data["group"]),
                path=str(data["path"]),
                sha256=str(data.get("sha256", "")),
                previous=None if previous is None else base64.b64decode(previous),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordError(f"The install record {where} has an unreadable entry ({exc}).") from exc


@dataclass
class InstallRecord:
    """The entries of one install, and the scope it was made for; ``exists``: read from disk."""

    path: str
    scope: str = ""
    entries: list[Entry] = field(default_factory=list)
    exists: bool = False

    def find(self, kind: str, key: str | tuple[str, ...]) -> Entry | None:
        return next((entry for entry in self.entries if entry.key == (kind, key)), None)

    def put(self, entry: Entry) -> None:
        """Add ``entry``, or replace the entry for the same thing where it stands."""
        for index, existing in enumerate(self.entries):
            if existing.key == entry.key:
                self.entries[index] = entry
                return
        self.entries.append(entry)

    def drop(self, entry: Entry) -> None:
        self.entries = [existing for existing in self.entries if existing.key != entry.key]

    def save(self) -> None:
        """Write the record atomically; RecordError naming the file when it cannot be written."""
        text = json.dumps(
            {"format": RECORD_FORMAT, "scope": self.scope, "entries": [e.to_json() for e in self.entries]}, indent=1
        )
        try:
            write_bytes_atomic(self.path, (text + "\n").encode("utf-8"))
        except OSError as exc:
            raise RecordError(f"Cannot write the install record {self.path} ({exc.strerror or exc}).") from exc
        self.exists = True

    def delete(self) -> None:
        if os.path.exists(self.path):
            os.remove(self.path)
        self.exists = False


def load_record(path: str) -> InstallRecord:
    """The record at ``path``; an empty one when there is none; RecordError when it does not read."""
    if not os.path.isfile(path):
        return InstallRecord(path)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise RecordError(
            f"The install record {path} is unreadable ({exc}): Pix2LUT cannot tell what it installed; "
            "move the file away to install afresh."
        ) from exc
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT or not isinstance(data.get("entries"), list):
        raise RecordError(f"The install record {path} is not format {RECORD_FORMAT}: use the installer that wrote it.")
    entries = [Entry.from_json(item, path) for item in data["entries"]]
    return InstallRecord(path, scope=str(data.get("scope", "")), entries=entries, exists=True)
