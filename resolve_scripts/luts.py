"""LUTs and CDLs onto nodes: writing the .cube where Resolve finds it, setting it, checking that it took.

API-NOTES section 5: write into a project subfolder of the master LUT folder, name it by its content (Resolve
may cache a LUT by name), refresh once per batch, SetLUT with the master-relative path (then the absolute path,
then the bare name), and confirm with GetLUT.

Which node takes the LUT (:func:`choose_lut_node`). A LUT already on a node is the user's (often a camera log to
Rec.709 conversion on node 1) and is never replaced, in any version. The still Pix2LUT grades is the picture after
all the nodes, so the node that takes the correction should be the last one; scripts cannot see the wiring
(API-NOTES section 3), so the highest-numbered node stands for the last, and a warning says so when the chosen
node is not it. The rule, first match wins:

1. the node labelled ``Pix2LUT`` (refused if it holds a LUT);
2. the node the ``node`` setting names (PIX2LUT_NODE; refused if it holds a LUT);
3. the highest-numbered node that holds no LUT;
4. none free: a refusal that says which node to add and how to label it.

Every run grades the user's own version (``resolve_scripts.regrade``), where any LUT is the user's, even one
under ``Pix2LUT/`` (a Pix2LUT version they copied into their own). Only on a version Pix2LUT made is a LUT under
``Pix2LUT/`` Pix2LUT's (``pix2lut_version``: e.g. Doctor looking at the current version).
"""

import hashlib
import os

from resolve_scripts.errors import LutFolderError, ResolveRefusal, ScriptError
from resolve_scripts.files import write_atomically
from resolve_scripts.journal import LUT_SUBFOLDER

HASH_PREFIX_CHARS = 16  # 64 bits of the content sha256: unique names, as Resolve caches LUTs by name
CDL_DECIMALS = 6
PIX2LUT_LABEL = "Pix2LUT"  # the label of the node Grade Clip and Match use, compared case-insensitively
ADD_NODE_HELP = (
    "on the Color page select the last node, add a serial node after it (Alt+S), label the new node {label} "
    "(right-click > Node Label) and run again: it must come last, as the still Pix2LUT grades is the picture after "
    "all the nodes"
)


def write_lut(lut_root, cube_text):
    """Write ``cube_text`` as ``<lut_root>/Pix2LUT/<sha256 prefix>.cube`` (atomically: temp file, then rename).

    Returns ``(master-relative path with forward slashes, absolute path)``; an existing file of the same name
    holds the same content and is kept. Raises LutFolderError when the folder cannot be written.
    """
    data = cube_text.encode("ascii")
    name = hashlib.sha256(data).hexdigest()[:HASH_PREFIX_CHARS] + ".cube"
    folder = os.path.join(lut_root, LUT_SUBFOLDER)
    absolute = os.path.join(folder, name)
    relpath = LUT_SUBFOLDER + "/" + name
    if not os.path.isdir(lut_root):
        raise LutFolderError(
            f"The master LUT folder {lut_root} does not exist: check PIX2LUT_LUT_ROOT or reinstall Pix2LUT."
        )
    if os.path.isfile(absolute):
        return relpath, absolute
    try:
        write_atomically(absolute, data)
    except OSError as exc:
        raise LutFolderError(
            f"Cannot write the LUT into {folder} ({exc.strerror or exc}): "
            "run the Pix2LUT installer once (it makes that folder writable) or set PIX2LUT_LUT_ROOT."
        )
    return relpath, absolute


def install_lut(project, lut_root, cube_text):
    """``write_lut``, then have Resolve rescan its LUT folders so SetLUT finds the new file: ``(relpath, absolute)``."""
    relpath, absolute = write_lut(lut_root, cube_text)
    refresh_luts(project)
    return relpath, absolute


def refresh_luts(project):
    if not project.RefreshLUTList():
        raise ResolveRefusal(
            "Resolve refused to refresh its LUT list: use Color > LUTs > Refresh (right-click "
            "in the LUT browser) and run the script again."
        )


def set_lut(graph, node, relpath, absolute):
    """SetLUT by master-relative path, then absolute, then bare name (API-NOTES section 5); confirmed by GetLUT."""
    wanted = relpath.replace("\\", "/")
    for candidate in (relpath, absolute, os.path.basename(relpath)):
        if graph.SetLUT(node, candidate) and _same_lut(graph.GetLUT(node), wanted):
            return
    raise ResolveRefusal(
        f"Resolve would not put the LUT {relpath} on node {node}: check that the Pix2LUT folder is under the "
        "master LUT folder (not the per-user one) and refresh the LUT list."
    )


def set_cdl(item, node, cdl):
    """SetCDL with space-separated strings (a Python list renders red: API-NOTES section 6)."""
    if not cdl:
        raise ScriptError("The server sent no CDL: update the server, or unset PIX2LUT_CDL_NODE.")
    values = {
        "NodeIndex": str(node),
        "Slope": _numbers(cdl["slope"]),
        "Offset": _numbers(cdl["offset"]),
        "Power": _numbers(cdl["power"]),
        "Saturation": _numbers([cdl["saturation"]]),
    }
    if not item.SetCDL(values):
        raise ResolveRefusal(
            f"Resolve refused the CDL on node {node} of {item.GetName()!r}: the LUT is set; set the CDL by hand or "
            "unset PIX2LUT_CDL_NODE."
        )


def check_node(graph, node, clip_name):
    """ResolveRefusal unless ``node`` is one of the graph's nodes (1-based, API-NOTES section 2)."""
    count = graph.GetNumNodes()
    if not count or not 1 <= node <= count:
        raise ResolveRefusal(
            f"Clip {clip_name!r} has {count or 0} node(s), so node {node} does not exist: "
            "add nodes on the Color page or choose another node (PIX2LUT_NODE)."
        )


def choose_lut_node(graph, clip_name, configured=None, taken=(), warn=None, pix2lut_version=False):
    """The node Grade Clip and Match put their LUT on, by the rule of the module docstring.

    Parameters
    ----------
    graph
        The clip's node graph (or the item, before 19.0), on the version to grade.
    configured
        The ``node`` setting (PIX2LUT_NODE), or None.
    taken
        Nodes that get something else (the CDL node): never chosen by default, nor counted as coming after.
    warn
        Called with one sentence when the chosen node is not the highest-numbered one, or ``configured`` is
        overridden by the label.
    pix2lut_version
        The graph is of a version Pix2LUT made: a LUT under ``Pix2LUT/`` there is Pix2LUT's, not the user's.

    Raises
    ------
    ResolveRefusal
        When the chosen node holds a LUT of the user's, or no node is free; the sentence says what to build.
    """
    count = graph.GetNumNodes() or 0
    labelled = nodes_labelled(graph, count, PIX2LUT_LABEL)
    add_node = ADD_NODE_HELP.format(label=PIX2LUT_LABEL)
    if labelled:
        node = labelled[0]
        lut = users_lut(graph, node, pix2lut_version)
        if lut:
            raise ResolveRefusal(
                f"Node {node} of clip {clip_name!r}, labelled {PIX2LUT_LABEL}, holds the LUT {lut}, and Pix2LUT never "
                f"replaces a LUT of yours: remove the label from that node, then {add_node}."
            )
        if configured is not None and configured != node and warn is not None:
            warn(f"Node {node} of {clip_name!r} is labelled {PIX2LUT_LABEL}: it takes the LUT, not node {configured}.")
    elif configured is not None:
        check_node(graph, configured, clip_name)
        node = configured
        lut = users_lut(graph, node, pix2lut_version)
        if lut:
            raise ResolveRefusal(
                f"Node {node} of clip {clip_name!r} (the node setting, PIX2LUT_NODE) holds the LUT {lut}, and Pix2LUT "
                f"never replaces a LUT of yours: {add_node} (a node labelled {PIX2LUT_LABEL} is used whatever the "
                "setting)."
            )
    else:
        free = [n for n in range(count, 0, -1) if n not in taken and not users_lut(graph, n, pix2lut_version)]
        if not free:
            held = ", ".join(f"node {n}: {users_lut(graph, n, pix2lut_version)}" for n in range(1, count + 1))
            raise ResolveRefusal(
                f"Clip {clip_name!r} has no node free for the LUT ({held or 'no nodes'}), and Pix2LUT never replaces "
                f"a LUT of yours: {add_node}."
            )
        node = free[0]
    later = [n for n in range(node + 1, count + 1) if n not in taken]
    if later and warn is not None:
        warn(not_last_warning(clip_name, node, later[-1], PIX2LUT_LABEL))
    return node


def not_last_warning(clip_name, node, last, label):
    """The warning for a LUT put on ``node`` while node ``last`` (a higher number) may come after it."""
    return (
        f"The LUT of {clip_name!r} went on node {node}, but node {last} may come after it: the still Pix2LUT graded "
        f"is the picture after all the nodes, so the correction belongs on the last node (scripts cannot see the "
        f"wiring: if node {node} is already last, all is well; else add a serial node after the last one with "
        f"Alt+S and label it {label})."
    )


def users_lut(graph, node, pix2lut_version=False):
    """The user's LUT on ``node`` (master-relative, as GetLUT answers), "" when it holds none of theirs.

    On the user's own version any LUT is theirs; on a version Pix2LUT made (``pix2lut_version``) a LUT in the
    ``Pix2LUT/`` subfolder is Pix2LUT's.
    """
    answer = graph.GetLUT(node)
    lut = answer.strip() if isinstance(answer, str) else ""
    if pix2lut_version and is_pix2lut_lut(lut):
        return ""
    return lut


def is_pix2lut_lut(path):
    """Whether ``path`` (as GetLUT answers it) is in Pix2LUT's subfolder of the master LUT folder."""
    return path.replace("\\", "/").lstrip("/").startswith(LUT_SUBFOLDER + "/")


def nodes_labelled(graph, count, label):
    """The nodes (1-based, in order) whose label is ``label``, compared case-insensitively, spaces stripped."""
    wanted = label.strip().lower()
    return [node for node in range(1, count + 1) if (graph.GetNodeLabel(node) or "").strip().lower() == wanted]


def _same_lut(answer, wanted):
    return isinstance(answer, str) and answer.replace("\\", "/").lstrip("/") == wanted


def _numbers(values):
    return " ".join("{:.{}f}".format(float(value), CDL_DECIMALS) for value in values)
