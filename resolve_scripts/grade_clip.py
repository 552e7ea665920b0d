"""Grade Clip: the clip under the playhead graded by the Pix2LUT server, as a LUT on a node of a new version.

The steps (shared/DESIGN.md, "One-click grade, as data"; API-NOTES sections 4-7): check Resolve -> Color page ->
load the clip's base version -> export the frame under the playhead as a still -> read the colour settings ->
``grade`` request -> write the .cube atomically as ``<master LUT folder>/Pix2LUT/<sha256 prefix>.cube`` ->
``RefreshLUTList()`` -> a new local version "Pix2LUT n", loaded -> ``SetLUT`` on the chosen node -> confirmed with
``GetLUT`` -> optionally ``SetCDL`` on another node -> one summary line. The user's versions are never touched.

The still is exported as graded (API-NOTES section 4): the LUT corrects what the viewer shows, so it goes on the
last node: the one labelled Pix2LUT, else the highest-numbered node that holds no LUT; a LUT already on a node is
the user's and is never replaced (``resolve_scripts.luts.choose_lut_node``). Run again on "Pix2LUT 1" and the
script grades the base again (``resolve_scripts.regrade``), so a LUT never lands on top of an earlier one.
"""

import os
import shutil
import tempfile

from resolve_scripts import resolve_access
from resolve_scripts.console import run_menu_action, warn
from resolve_scripts.errors import ScriptError
from resolve_scripts.journal import read_journal
from resolve_scripts.luts import check_node, choose_lut_node, install_lut
from resolve_scripts.regrade import NodeGrade, regrade
from resolve_scripts.stills import Viewer, export_still
from resolve_scripts.transport import OUTPUT_CDL, OUTPUT_CUBE, open_client

SCRIPT_NAME = "Grade Clip"
STILL_NAME = "pix2lut-still.png"


class GradeResult:
    """What a run did: the clip, the version it made, the LUT it set (master-relative), the server's reply."""

    def __init__(self, regraded, node, lut_relpath, reply, cdl_node=None):
        self.clip = regraded.clip
        self.version = regraded.made
        self.previous_version = regraded.previous
        self.base_version = regraded.base
        self.node = node
        self.lut_relpath = lut_relpath
        self.reply = reply
        self.cdl_node = cdl_node

    def summary(self):
        total = (self.reply.header.get("timings_ms") or {}).get("total")
        timing = f" in {total:.0f} ms" if isinstance(total, (int, float)) else ""
        cdl = f", CDL on node {self.cdl_node}" if self.cdl_node else ""
        warnings = "; server warnings: " + "; ".join(self.reply.warnings) if self.reply.warnings else ""
        diagnosis = f" (the shot: {self.reply.diagnosis})" if self.reply.diagnosis else ""
        return (
            f"graded {self.clip!r} with {self.reply.model} ({self.reply.provider}){timing}{diagnosis}: "
            f"version {self.version!r} from {self.base_version!r} (previous {self.previous_version!r} kept), "
            f"node {self.node} LUT {self.lut_relpath}{cdl}{warnings}"
        )


def grade_clip(resolve, settings, client=None, warn=warn):
    """Grade the clip under the playhead; returns a GradeResult. Raises ScriptError (one sentence) on refusal.

    ``client``: a GradeClient to reuse; by default one is opened on ``settings.server`` and closed afterwards.
    ``warn``: called with one sentence for a problem the run works around (an unreadable journal, a LUT node that
    may not be the last).
    """
    _product, version = resolve_access.check_version(resolve)
    project, timeline, item = resolve_access.current_clip(resolve)
    check_cdl_node(settings)
    previous_page = resolve_access.open_color_page(resolve)
    replies = []
    viewer = Viewer(project, timeline)  # so the still is the base version's picture, not a lagging viewer's

    def make_grade():
        graph = resolve_access.node_graph(item, version)
        taken = ()
        if settings.cdl_node is not None:
            check_node(graph, settings.cdl_node, item.GetName())
            taken = (settings.cdl_node,)
        node = choose_lut_node(graph, item.GetName(), settings.node, taken, warn)
        if node == settings.cdl_node:
            raise ScriptError(
                f"Node {node}, labelled Pix2LUT, is also the CDL node (both would grade the picture): set "
                "PIX2LUT_CDL_NODE to another node."
            )
        outputs = [OUTPUT_CUBE, OUTPUT_CDL] if settings.cdl_node is not None else [OUTPUT_CUBE]
        colour = resolve_access.colour_settings(project, timeline)
        reply = ask_for_still(project, item.GetName(), settings, client, "grade", outputs, colour, viewer=viewer)
        replies.append(reply)
        relpath, absolute = install_lut(project, settings.lut_root, reply.cube_text)
        cdl = (settings.cdl_node, reply.cdl) if settings.cdl_node is not None else None
        return NodeGrade([(node, relpath, absolute)], cdl)

    try:
        viewer.look()  # the picture before regrade loads the clip's base version
        journal = read_journal(settings.lut_root, warn)
        run = journal.start_run(SCRIPT_NAME, timeline.GetName())
        regraded = regrade(item, version, journal, run, settings.lut_root, make_grade, warn)
    finally:
        resolve_access.restore_page(resolve, previous_page)
    node, relpath, _absolute = regraded.grade.luts[0]
    return GradeResult(regraded, node, relpath, replies[0], settings.cdl_node)


def check_cdl_node(settings):
    if settings.cdl_node is not None and settings.cdl_node == settings.node:
        raise ScriptError(
            "The CDL node must differ from the LUT node (both would grade the picture): "
            "set PIX2LUT_CDL_NODE to another node."
        )


def ask_for_still(project, clip_name, settings, client, op, outputs, colour, reference_path=None, viewer=None):
    """Export the frame under the playhead and send it (then ``reference_path``, if given) as ``op``.

    Returns the server's GradeReply. The still lives in a temp folder removed afterwards. ``viewer``: the run's
    :class:`resolve_scripts.stills.Viewer`, to wait out a viewer that lags a version load; None: one export.
    """
    temp_dir = tempfile.mkdtemp(prefix="pix2lut-")
    own_client = client is None
    try:
        path = os.path.join(temp_dir, STILL_NAME)
        still = export_still(project, path, clip_name) if viewer is None else viewer.still(path, clip_name)
        if own_client:
            client = open_client(settings)
        stills = [still] if reference_path is None else [still, reference_path]
        return client.lut_request(op, stills, colour, settings.send_path, outputs, settings.model, settings.lut_size)
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
        if own_client and client is not None:
            client.close()


def main(script_globals=None, environ=None, out=None):
    """The menu action: one summary line, or one line saying what stopped it. Returns 0 or 1."""

    def action(resolve, settings, out):
        return [grade_clip(resolve, settings, warn=lambda sentence: warn(sentence, out)).summary()]

    return run_menu_action(action, script_globals, environ, out)
