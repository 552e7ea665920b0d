"""LUTs and CDLs onto nodes: writing the .cube where Resolve finds it, setting it, checking that it took.

API-NOTES section 5: write into a project subfolder of the master LUT folder, name it by its content (Resolve
may cache a LUT by name), refresh once per batch, SetLUT with the master-relative path (then the absolute path,
then the bare name), and confirm with GetLUT.
"""

import hashlib
import os

from resolve_scripts.errors import LutFolderError, ResolveRefusal, ScriptError
from resolve_scripts.files import write_atomically
from resolve_scripts.journal import LUT_SUBFOLDER

HASH_PREFIX_CHARS = 16  # 64 bits of the content sha256: unique names, as Resolve caches LUTs by name
CDL_DECIMALS = 6


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


def _same_lut(answer, wanted):
    return isinstance(answer, str) and answer.replace("\\", "/").lstrip("/") == wanted


def _numbers(values):
    return " ".join("{:.{}f}".format(float(value), CDL_DECIMALS) for value in values)
