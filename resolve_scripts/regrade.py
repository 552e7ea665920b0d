"""One clip regraded into a new version: the flow every Pix2LUT script shares.

Load the clip's base (the user's own version, :func:`versions.base_version`) -> the caller exports stills and gets
LUTs for it -> add "Pix2LUT n", a copy of the base, loaded -> record it in the journal at once (so Undo finds it
even if what follows fails) -> check that it is a copy (the node count and labels of the base) -> set the LUTs
(and a CDL) on its nodes. The user's versions are never written. In code::

    with loaded_base(item, version, journal, warn) as base:
        grade = ...  # stills, a server request, install_lut: a NodeGrade
    regraded = regrade(base, grade, journal=journal, run=run, lut_root=lut_root, warn=warn)

The README does not say what AddVersion copies (API-NOTES section 6): a new version may start as Resolve's
default grade, one node, so the nodes the caller chose on the base are checked on the new version before any
SetLUT. Both the base and the version the clip was on may be remote versions (``resolve_scripts.versions``).
"""

from collections import namedtuple
from contextlib import contextmanager

from resolve_scripts import resolve_access
from resolve_scripts.errors import ResolveRefusal, ScriptError
from resolve_scripts.journal import journal_path, write_journal
from resolve_scripts.luts import set_cdl, set_lut
from resolve_scripts.versions import add_version, base_version, current_version, load_version, version_label

LutOnNode = namedtuple("LutOnNode", "node relpath absolute")  # relpath: master-relative, forward slashes


class NodeGrade:
    """What goes on the new version: ``luts`` ``[LutOnNode]``, ``cdl`` ``(node, cdl)`` or None, and ``reply``: the
    server's GradeReply the LUTs came from (None where there is none to report)."""

    def __init__(self, luts, cdl=None, reply=None):
        self.luts = [LutOnNode(*lut) for lut in luts]
        self.cdl = cdl
        self.reply = reply

    @property
    def lut(self):
        """The first LUT: the one LUT of a one-node action (Grade Clip, Match to Reference)."""
        return self.luts[0]


class LoadedBase:
    """The clip with its base loaded (:func:`loaded_base`): ``base`` and ``previous`` (the version current when
    the run started) are Versions, ``nodes`` the base's node labels, ``version`` Resolve's version tuple."""

    def __init__(self, item, version, base, previous, nodes):
        self.item = item
        self.version = version
        self.base = base
        self.previous = previous
        self.nodes = nodes


class Regraded:
    """What :func:`regrade` did to one clip; ``base``, ``previous`` and ``made`` are version names (``made`` is
    local). ``grade``: the NodeGrade set, and ``reply`` its server reply."""

    def __init__(self, clip, base, previous, made, grade):
        self.clip = clip
        self.base = base.name  # graded and copied into ``made``
        self.previous = previous.name  # current when the run started
        self.made = made.name
        self.grade = grade

    @property
    def reply(self):
        return self.grade.reply


@contextmanager
def loaded_base(item, version, journal, warn):
    """Load the clip's base version for the ``with`` block, which makes the grade; yields a LoadedBase.

    ``version``: Resolve's version tuple (for the node-graph calls). When the block raises, the clip is put back on
    the version it was on and the error goes on.
    """
    previous = current_version(item)
    base = base_version(item, journal.get(item.GetUniqueId()), previous, warn=None if journal.problem else warn)
    load_version(item, base, previous)
    try:
        yield LoadedBase(item, version, base, previous, node_layout(resolve_access.node_graph(item, version)))
    except BaseException:
        if base != previous:
            item.LoadVersionByName(previous.name, previous.type)  # as the user left it
        raise


def regrade(loaded, grade, *, journal, run, lut_root, warn):
    """Put ``grade`` (a NodeGrade) on a new version of the clip, a copy of its base ``loaded``; returns Regraded.

    ``run``: the journal run this belongs to. When Resolve refuses the LUTs, the clip goes back to the version it
    was on, the new version and its record gone, and the error goes on.
    """
    item, previous, base = loaded.item, loaded.previous, loaded.base
    clip_name, clip_id = item.GetName(), item.GetUniqueId()
    made = add_version(item)  # meant to be a copy of the base, loaded
    journal.record(clip_id, clip_name, base.name, made.name, base.type)
    journal.record_change(run, clip_id, clip_name, previous.name, made.name, previous.type)
    save_journal(lut_root, journal, warn)
    try:
        graph = resolve_access.node_graph(item, loaded.version)  # the graph of the version now current
        check_copy(node_layout(graph), loaded.nodes, clip_name, base, made)
        for lut in grade.luts:
            set_lut(graph, lut.node, lut.relpath, lut.absolute)
        if grade.cdl is not None:
            set_cdl(item, *grade.cdl)
    except ScriptError:
        _take_back(item, previous, made, journal, run, lut_root, warn)
        raise
    return Regraded(clip_name, base, previous, made, grade)


def node_layout(graph):
    """The labels of the graph's nodes, node 1 first: its node count and labels, all scripts can read of it."""
    count = graph.GetNumNodes() or 0
    return [graph.GetNodeLabel(node) or "" for node in range(1, count + 1)]


def check_copy(made_nodes, base_nodes, clip_name, base, made):
    """ResolveRefusal unless the new version has the base's nodes (count and labels): else it is no copy."""
    if made_nodes == base_nodes:
        return
    raise ResolveRefusal(
        f"Resolve made version {made.name!r} of {clip_name!r} with {_describe(made_nodes)}, not as a copy of "
        f"{version_label(base)} ({_describe(base_nodes)}), so no LUT was set on it: this Resolve does not copy the "
        "grade into a version a script adds, and Pix2LUT grades only in versions it adds."
    )


def _describe(labels):
    named = [repr(label) for label in labels if label]
    return f"{len(labels)} node(s)" + (f" labelled {', '.join(named)}" if named else "")


def _take_back(item, previous, made, journal, run, lut_root, warn):
    """A version whose LUTs Resolve refused is of no use: back to ``previous``, the version and its record gone."""
    clip_id = item.GetUniqueId()
    if not item.LoadVersionByName(previous.name, previous.type):
        return  # keep the half-made version and its record: the user is on it, and Undo knows it
    item.DeleteVersionByName(made.name, made.type)
    journal.forget_change(run, clip_id)
    journal.forget_version(clip_id, made.name)
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
