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

from resolve_scripts import resolve_access
from resolve_scripts.console import run_menu_action, warn
from resolve_scripts.errors import ScriptError
from resolve_scripts.frame_requests import ask_for_still
from resolve_scripts.journal import read_journal
from resolve_scripts.luts import check_node, choose_lut_node, install_lut
from resolve_scripts.regrade import NodeGrade, loaded_base, regrade
from resolve_scripts.stills import Viewer
from resolve_scripts.transport import OUTPUT_CDL, OUTPUT_CUBE

SCRIPT_NAME = "Grade Clip"


class GradeResult:
    """What a run did: the clip, the version it made, the LUT it set (master-relative), the server's reply."""

    def __init__(self, regraded, cdl_node=None):
        self.clip = regraded.clip
        self.version = regraded.made
        self.previous_version = regraded.previous
        self.base_version = regraded.base
        self.node = regraded.grade.lut.node
        self.lut_relpath = regraded.grade.lut.relpath
        self.reply = regraded.reply
        self.cdl_node = cdl_node

    def summary(self):
        total = (self.reply.header.get("timings_ms") or {}).get("total")
        timing = f" in {total:.0f} ms" if isinstance(total, (int, float)) else ""
        cdl = f", CDL on node {self.cdl_node}" if self.cdl_node else ""
        warnings = "; server warnings: " + "; ".join(self.reply.warnings) if self.reply.warnings else ""
        diagnosis = f" (the shot: {self.reply.diagnosis})" if self.reply.diagnosis else ""
        colour = f" in {self.reply.colour_pipeline}" if self.reply.colour_pipeline else ""
        return (
            f"graded {self.clip!r} with {self.reply.model} ({self.reply.provider}){timing}{colour}{diagnosis}: "
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
    viewer = Viewer(project, timeline)  # so the still is the base version's picture, not a lagging viewer's
    try:
        viewer.look()  # the picture before the clip's base version is loaded
        journal = read_journal(settings.lut_root, warn)
        run = journal.start_run(SCRIPT_NAME, timeline.GetName())
        with loaded_base(item, version, journal, warn) as base:
            grade = clip_grade(
                item, project=project, timeline=timeline, version=version, settings=settings, client=client,
                viewer=viewer, warn=warn,
            )
        regraded = regrade(base, grade, journal=journal, run=run, lut_root=settings.lut_root, warn=warn)
    finally:
        resolve_access.restore_page(resolve, previous_page)
    return GradeResult(regraded, settings.cdl_node)


def clip_grade(item, *, project, timeline, version, settings, client, viewer, warn):
    """The clip's NodeGrade, its base loaded: the graded still's LUT on the chosen node (and its CDL on the CDL node).

    ``client``: a GradeClient, or None to open one for the request; ``viewer``: the run's Viewer.
    """
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
    reply = ask_for_still(item.GetName(), settings, client, "grade", outputs, colour, viewer=viewer)
    relpath, absolute = install_lut(project, settings.lut_root, reply.cube_text)
    cdl = (settings.cdl_node, reply.cdl) if settings.cdl_node is not None else None
    return NodeGrade([(node, relpath, absolute)], cdl, reply)


def check_cdl_node(settings):
    if settings.cdl_node is not None and settings.cdl_node == settings.node:
        raise ScriptError(
            "The CDL node must differ from the LUT node (both would grade the picture): "
            "set PIX2LUT_CDL_NODE to another node."
        )


def main(script_globals=None, environ=None, out=None):
    """The menu action: one summary line, or one line saying what stopped it. Returns 0 or 1."""

    def action(resolve, settings, out):
        return [grade_clip(resolve, settings, warn=lambda sentence: warn(sentence, out)).summary()]

    return run_menu_action(action, script_globals, environ, out)
