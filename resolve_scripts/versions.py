"""Grade versions: the non-destructive route (API-NOTES section 6). Pix2LUT only ever writes into versions it
makes, named "Pix2LUT n", each a copy of the user's own version (the *base*).

A version is a name and a type, local (0) or remote (1) (API-NOTES section 2): the same name may be both, so a
version is always loaded, listed and deleted with its own type. The user's base may be either; the versions
Pix2LUT makes are local (``PIX2LUT_VERSION_TYPE``).
"""

from collections import namedtuple

from resolve_scripts.errors import ResolveRefusal
from resolve_scripts.resolve_access import LOCAL_VERSION, REMOTE_VERSION, VERSION_TYPES, is_version_type

VERSION_PREFIX = "Pix2LUT"
# Local: a remote version follows the media into every timeline that uses it, and each LUT is fitted to this clip.
PIX2LUT_VERSION_TYPE = LOCAL_VERSION
VERSION_MENUS = {LOCAL_VERSION: "Local Versions", REMOTE_VERSION: "Remote Versions"}  # the clip's menu in the UI

Version = namedtuple("Version", "name type")  # ``type``: versionType, LOCAL_VERSION or REMOTE_VERSION


def version_label(version):
    """``'Version 1'``, or ``'Version 1' (remote)``: how the summaries name a version."""
    return repr(version.name) + (" (remote)" if version.type == REMOTE_VERSION else "")


def is_pix2lut_version(version):
    """Whether Pix2LUT may have made ``version``: a local version named "Pix2LUT n"."""
    return version.type == PIX2LUT_VERSION_TYPE and pix2lut_version_number(version.name) is not None


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
        The clip's journal entry, or None (``journal.Journal.get``).
    current
        The clip's current Version.
    warn
        Called with one sentence when the base is guessed from version names; None: no warning.

    Returns
    -------
    Version

    Raises
    ------
    ResolveRefusal
        When the base cannot be told, or is no longer one of the clip's versions.
    """
    made_from = (entry or {}).get("versions", {})
    base_types = (entry or {}).get("base_types", {})
    if current.type == PIX2LUT_VERSION_TYPE and current.name in made_from:
        base = Version(made_from[current.name], base_types.get(current.name, LOCAL_VERSION))
    elif not is_pix2lut_version(current):
        return current
    else:
        own = [version for version in all_versions(item) if not is_pix2lut_version(version)]
        if len(own) != 1:
            raise ResolveRefusal(
                f"Clip {item.GetName()!r} is on {current.name!r} and Pix2LUT has no record of the version it was "
                f"made from: load your own version of the clip and run again."
            )
        base = own[0]
        if warn is not None:
            warn(
                f"Pix2LUT has no record of which version {current.name!r} of {item.GetName()!r} was made from: "
                f"grading {version_label(base)}, the clip's only version not named by Pix2LUT."
            )
    if base.name not in version_names(item, base.type):
        raise ResolveRefusal(
            f"The version {version_label(base)} that {current.name!r} of clip {item.GetName()!r} was made from no "
            f"longer exists, so nothing was changed: load the version to grade and run again."
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
    """A new local Version "Pix2LUT n", loaded (AddVersion may or may not switch: load it either way).

    The name is taken by no version of either type, so "Pix2LUT n" always means the same version.
    """
    name = unique_version_name([version.name for version in all_versions(item)])
    made = Version(name, PIX2LUT_VERSION_TYPE)
    if not item.AddVersion(made.name, made.type):
        raise ResolveRefusal(
            f"Resolve refused to add the local version {name!r} to {item.GetName()!r}: open the Color page with the "
            "clip selected and run again."
        )
    if not item.LoadVersionByName(made.name, made.type):
        raise ResolveRefusal(
            f"Resolve made version {name!r} but would not load it: pick it in the clip's "
            f"{VERSION_MENUS[made.type]} menu."
        )
    return made


def version_names(item, version_type=LOCAL_VERSION):
    """The names of the clip's versions of ``version_type``."""
    existing = item.GetVersionNameList(version_type)
    if existing is None:
        raise ResolveRefusal(
            f"Resolve did not list the grade versions of {item.GetName()!r}: select the clip on the Color page and "
            "run again."
        )
    return existing


def all_versions(item):
    """Every Version of the clip, local ones first."""
    return [Version(name, version_type) for version_type in VERSION_TYPES for name in version_names(item, version_type)]


def current_version(item):
    """The clip's current Version, remote or local (``GetCurrentVersion()`` names both)."""
    current = item.GetCurrentVersion() or {}
    name, version_type = current.get("versionName"), current.get("versionType")
    if not name or not is_version_type(version_type):
        raise ResolveRefusal(
            f"Resolve did not say which grade version of {item.GetName()!r} is current (it answered {current!r}): "
            "select the clip on the Color page and run again."
        )
    return Version(name, int(version_type))


def load_version(item, version, current):
    """Make the Version ``version`` current (nothing to do when it is ``current``)."""
    if version != current and not item.LoadVersionByName(version.name, version.type):
        raise ResolveRefusal(
            f"Resolve would not load the version {version_label(version)} of {item.GetName()!r}, so nothing was "
            f"changed: load it in the clip's {VERSION_MENUS[version.type]} menu and run again."
        )
