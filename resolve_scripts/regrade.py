"""One clip regraded into a new version: the flow every Pix2LUT script shares.

Load the clip's base (the user's own version, :func:`versions.base_version`) -> let the caller export stills and
get LUTs for it -> add "Pix2LUT n", a copy of the base, loaded -> record it in the journal at once (so Undo finds
it even if what follows fails) -> set the LUTs (and a CDL) on its nodes. The user's versions are never written.
"""

from resolve_scripts import resolve_access
from resolve_scripts.errors import ScriptError
from resolve_scripts.journal import journal_path, write_journal
from resolve_scripts.luts import set_cdl, set_lut
from resolve_scripts.versions import add_version, base_version, current_version_name, load_version


class NodeGrade:
    """What goes on the new version: ``luts`` ``[(node, relpath, absolute)]`` and ``cdl`` ``(node, cdl)`` or None."""

    def __init__(self, luts, cdl=None):
        self.luts = list(luts)
        self.cdl = cdl


class Regraded:
    """What :func:`regrade` did to one clip."""

    def __init__(self, clip, base, previous, made, grade):
        self.clip = clip
        self.base = base  # graded and copied into ``made``
        self.previous = previous  # current when the run started
        self.made = made
        self.grade = grade


def regrade(item, version, journal, run, lut_root, make_grade, warn):
    """Regrade ``item`` into a new version; ``make_grade()`` runs with the base loaded and returns a NodeGrade.

    ``version``: Resolve's version tuple (for the node-graph calls); ``run``: the journal run this belongs to.
    When ``make_grade`` raises, the clip is put back on the version it was on and the error goes on.
    """
    clip_name, clip_id = item.GetName(), item.GetUniqueId()
    previous = current_version_name(item)
    base = base_version(item, journal.get(clip_id), previous, warn=None if journal.problem else warn)
    load_version(item, base, previous)
    try:
        grade = make_grade()
    except BaseException:
        if base != previous:
            item.LoadVersionByName(previous, resolve_access.LOCAL_VERSION)  # as the user left it
        raise
    made = add_version(item)  # a copy of the base, loaded
    journal.record(clip_id, clip_name, base, made)
    journal.record_change(run, clip_id, clip_name, previous, made)
    save_journal(lut_root, journal, warn)
    try:
        graph = resolve_access.node_graph(item, version)  # the graph of the version now current
        for node, relpath, absolute in grade.luts:
            set_lut(graph, node, relpath, absolute)
        if grade.cdl is not None:
            set_cdl(item, *grade.cdl)
    except ScriptError:
        _take_back(item, previous, made, journal, run, lut_root, warn)
        raise
    return Regraded(clip_name, base, previous, made, grade)


def _take_back(item, previous, made, journal, run, lut_root, warn):
    """A version whose LUTs Resolve refused is of no use: back to ``previous``, the version and its record gone."""
    clip_id = item.GetUniqueId()
    if not item.LoadVersionByName(previous, resolve_access.LOCAL_VERSION):
        return  # keep the half-made version and its record: the user is on it, and Undo knows it
    item.DeleteVersionByName(made, resolve_access.LOCAL_VERSION)
    run["clips"].pop(clip_id, None)
    entry = journal.get(clip_id)
    if entry is not None:
        entry["versions"].pop(made, None)
    save_journal(lut_root, journal, warn)


def save_journal(lut_root, journal, warn):
    """Write the journal; a failure is one warning (the grade itself is done and kept)."""
    try:
        write_journal(lut_root, journal)
    except OSError as exc:
        warn(
            f"The journal {journal_path(lut_root)} could not be written ({exc.strerror or exc}): Undo will not know "
            "this run, and the next run takes each clip's base from the version names."
        )
