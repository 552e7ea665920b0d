"""The installer's one exception hierarchy; each message is one sentence that names the thing and the value.

::

    InstallerError          anything pix2lut-install reports and stops on (exit status 1)
    ├── UnsupportedSystem   an operating system other than Windows, macOS or Linux
    ├── UnsupportedEdition  a Resolve Pix2LUT cannot run in (the sandboxed Mac App Store edition)
    ├── RecordError         the install record cannot be read or written
    ├── FolderNotWritable   a folder the install needs cannot be written; the message carries the admin command
    └── ActionFailed        one planned action failed; the ones before it are done and recorded
"""

from __future__ import annotations


class InstallerError(Exception):
    """Something pix2lut-install reports in one sentence, then stops on."""


class UnsupportedSystem(InstallerError):
    """The operating system is not one Resolve runs on."""


class UnsupportedEdition(InstallerError):
    """The only Resolve found is one Pix2LUT cannot run in: the Mac App Store edition's sandbox."""


class RecordError(InstallerError):
    """The install record (what was installed, for uninstall) is unreadable or cannot be written."""


class FolderNotWritable(InstallerError):
    """A folder the install needs is not writable by this user."""


class ActionFailed(InstallerError):
    """An action of the plan failed; everything before it is done and recorded."""
