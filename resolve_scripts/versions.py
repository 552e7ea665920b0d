"""Grade versions: the non-destructive route (API-NOTES section 6). Pix2LUT only ever writes into versions it
makes, named "Pix2LUT n", each a copy of the user's own version (the *base*)."""

from resolve_scripts.errors import ResolveRefusal
from resolve_scripts.resolve_access import LOCAL_VERSION

VERSION_PREFIX = "Pix2LUT"


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
        The clip's journal entry, or None.
    current
        The name of the clip's current local version.
    warn
        Called with one sentence when the base is guessed from version names; None: no warning.

    Raises
    ------
    ResolveRefusal
        When the base cannot be told, or is no longer one of the clip's versions.
    """
    existing = version_names(item)
    made_from = (entry or {}).get("versions", {})
    if current in made_from:
        base = made_from[current]
    elif pix2lut_version_number(current) is None:
        return current
    else:
        own = [name for name in existing if pix2lut_version_number(name) is None]
        if len(own) != 1:
            raise ResolveRefusal(
                f"Clip {item.GetName()!r} is on {current!r} and Pix2LUT has no record of the version it was made "
                f"from: load your own version of the clip and run again."
            )
        base = own[0]
        if warn is not None:
            warn(
                f"Pix2LUT has no record of which version {current!r} of {item.GetName()!r} was made from: grading "
                f"{base!r}, the clip's only version not named by Pix2LUT."
            )
    if base not in existing:
        raise ResolveRefusal(
            f"The version {base!r} that {current!r} of clip {item.GetName()!r} was made from no longer exists, "
            f"so nothing was changed: load the version to grade and run again."
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
    """A new local version "Pix2LUT n", loaded (AddVersion may or may not switch: load it either way)."""
    name = unique_version_name(version_names(item))
    if not item.AddVersion(name, LOCAL_VERSION):
        raise ResolveRefusal(
            f"Resolve refused to add the local version {name!r} to {item.GetName()!r}: open the Color page with the "
            "clip selected and run again."
        )
    if not item.LoadVersionByName(name, LOCAL_VERSION):
        raise ResolveRefusal(
            f"Resolve made version {name!r} but would not load it: pick it in the clip's Local Versions menu."
        )
    return name


def version_names(item):
    existing = item.GetVersionNameList(LOCAL_VERSION)
    if existing is None:
        raise ResolveRefusal(
            f"Resolve did not list the grade versions of {item.GetName()!r}: select the clip on the Color page and "
            "run again."
        )
    return existing


def current_version_name(item):
    name = (item.GetCurrentVersion() or {}).get("versionName")
    if not name:
        raise ResolveRefusal(
            f"Resolve did not say which grade version of {item.GetName()!r} is current: select the clip on the "
            "Color page and run again."
        )
    return name


def load_version(item, name, current):
    """Make ``name`` current (nothing to do when it is ``current``)."""
    if name != current and not item.LoadVersionByName(name, LOCAL_VERSION):
        raise ResolveRefusal(
            f"Resolve would not load the version {name!r} of {item.GetName()!r}, so nothing was changed: load it "
            "in the clip's Local Versions menu and run again."
        )
