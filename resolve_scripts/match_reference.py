"""Match to Reference: the clip under the playhead matched to a reference (a marked frame, or a still file).

The server's ``match`` op neutralizes the shot, then applies the reference's look (docs/protocol.md). The LUT goes
on the chosen node of a new version, as Grade Clip's does (``resolve_scripts.regrade``): the node labelled Pix2LUT,
else the highest-numbered node that holds no LUT (``resolve_scripts.luts.choose_lut_node``). The shot's still is
exported first, at the playhead; the reference frame after it, and the playhead then goes back. One
:class:`resolve_scripts.stills.Viewer` sees both, so that neither is the picture a lagging viewer showed before a
version load or a move (API-NOTES section 4).
"""

import os
import shutil
import tempfile

from resolve_scripts import resolve_access
from resolve_scripts.console import run_menu_action, warn
from resolve_scripts.errors import ScriptError
from resolve_scripts.frame_requests import STILL_NAME
from resolve_scripts.journal import read_journal
from resolve_scripts.luts import choose_lut_node, install_lut
from resolve_scripts.reference import MARK_IT, reference_still
from resolve_scripts.regrade import NodeGrade, loaded_base, regrade
from resolve_scripts.stills import Viewer, park_playhead
from resolve_scripts.transport import OUTPUT_CUBE, open_client

SCRIPT_NAME = "Match to Reference"


def match_to_reference(resolve, settings, client=None, warn=warn):
    """Match the clip under the playhead; returns the summary line. ScriptError (one sentence) on refusal."""
    _product, version = resolve_access.check_version(resolve)
    project, timeline, item = resolve_access.current_clip(resolve)
    name = item.GetName()
    previous_page = resolve_access.open_color_page(resolve)
    playhead = timeline.GetCurrentTimecode()
    temp_dir = tempfile.mkdtemp(prefix="pix2lut-")
    own_client = client is None
    viewer = Viewer(project, timeline)  # neither still may be the picture from before a version load or a move
    try:
        viewer.look()  # the picture before the clip's base version is loaded
        if own_client:
            client = open_client(settings)
        journal = read_journal(settings.lut_root, warn)
        run = journal.start_run(SCRIPT_NAME, timeline.GetName())
        with loaded_base(item, version, journal, warn) as base:
            grade, source = match_grade(
                item, project=project, timeline=timeline, version=version, settings=settings, client=client,
                viewer=viewer, temp_dir=temp_dir, playhead=playhead, warn=warn,
            )
        regraded = regrade(base, grade, journal=journal, run=run, lut_root=settings.lut_root, warn=warn)
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
        if own_client and client is not None:
            client.close()
        resolve_access.restore_page(resolve, previous_page)
    lut = regraded.grade.lut
    return (
        f"matched {name!r} to the reference {source}: version {regraded.made!r} from {regraded.base!r} "
        f"(previous {regraded.previous!r} kept), node {lut.node} LUT {lut.relpath}"
    )


def match_grade(item, *, project, timeline, version, settings, client, viewer, temp_dir, playhead, warn):
    """``(NodeGrade, where the reference came from)``, the clip's base loaded: the shot's still and the reference
    still (the playhead goes back to ``playhead`` between them and any change) sent as ``match``."""
    name = item.GetName()
    node = choose_lut_node(resolve_access.node_graph(item, version), name, settings.node, warn=warn)
    shot = viewer.still(os.path.join(temp_dir, STILL_NAME), name)
    reference, source = reference_still(project, timeline, settings, temp_dir, viewer)
    park_playhead(timeline, playhead)  # back on the shot before anything is changed
    if reference is None:
        raise ScriptError(f"No reference to match {name!r} to: {MARK_IT}, and run again.")
    colour = resolve_access.colour_settings(project, timeline)
    reply = client.lut_request(
        "match",
        [shot, reference],
        colour=colour,
        send_path=settings.send_path,
        outputs=[OUTPUT_CUBE],
        lut_size=settings.lut_size,
    )
    relpath, absolute = install_lut(project, settings.lut_root, reply.cube_text)
    return NodeGrade([(node, relpath, absolute)], reply=reply), source


def main(script_globals=None, environ=None, out=None):
    """The menu action: one summary line, or one line saying what stopped it. Returns 0 or 1."""

    def action(resolve, settings, out):
        return [match_to_reference(resolve, settings, warn=lambda sentence: warn(sentence, out))]

    return run_menu_action(action, script_globals, environ, out)
