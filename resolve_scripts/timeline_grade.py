"""Neutralize + Look: every clip of the timeline's chosen video tracks gets two LUTs in a new version.

The Neutralize node: the clip's own LUT from the server's ``neutralize`` op on a few stills spread over the
clip (one LUT per shot: no flicker inside it). The Look node: one look shared by every clip, from the ``look``
op on a reference still: the frame under a timeline marker named "Reference" (or noted so), or the still file in
the ``reference`` setting. Without a reference the Look node is left as it is.

Only media clips are graded: ``GetItemListInTrack`` also lists titles, generators, adjustment clips, Fusion
compositions and (21.x) transitions, which have no media pool item (API-NOTES section 10); those, disabled clips
and disabled tracks are named in the summary and left alone. A clip under an adjustment clip or a title is graded
as the viewer shows it, under that item (its stills include it), and the summary says so.

The nodes are found on each clip's base version (``resolve_scripts.nodes.find_nodes``): nodes labelled "Neutralize" and "Look" where
they exist, else nodes that hold no LUT (a LUT on a node is the user's, never replaced): the highest-numbered for
the Look, the next below it for Neutralize, as the stills are the picture after all the nodes, so the two belong
last (a warning says when they may not be). Scripts cannot add nodes (API-NOTES section 3), so a clip without two
such nodes is skipped, with the exact steps to fix it. Everything goes into a new version per clip (``resolve_scripts.regrade``).

A journal per timeline (``resolve_scripts.timeline_journal``: ``<master LUT folder>/Pix2LUT/timelines/<timeline
id>.json``) records the look and each
clip as it is done: a run that stops (the server stopped, Resolve refused) is resumed by running the script
again, without redoing a clip or changing the look; a finished run is not repeated (Undo, then run again). To
stop a run on purpose, create an empty file ``STOP`` in ``<master LUT folder>/Pix2LUT/`` (or stop the server)::

    {"format": 1, "timeline": "Timeline 1", "look": {"lut": "Pix2LUT/ab12.cube", "source": "marker at ..."},
     "clips": {"<unique id>": {"clip": "Shot 01", "status": "done", "version": "Pix2LUT 1"}}}
"""

import os
import shutil
import tempfile

from resolve_scripts import resolve_access
from resolve_scripts.console import run_menu_action, warn
from resolve_scripts.errors import ClipSkipped, ResolveRefusal, ScriptError, TransportError
from resolve_scripts.files import safe_name
from resolve_scripts.journal import LUT_SUBFOLDER, read_journal
from resolve_scripts.luts import install_lut, write_lut
from resolve_scripts.nodes import find_nodes, node_order_warning
from resolve_scripts.progress import open_progress
from resolve_scripts.reference import reference_still
from resolve_scripts.regrade import NodeGrade, loaded_base, regrade
from resolve_scripts.resolve_access import VIDEO
from resolve_scripts.settings import parse_tracks
from resolve_scripts.stills import Viewer, park_playhead, sample_frames
from resolve_scripts.timecode import frame_to_timecode, timeline_rate
from resolve_scripts.timeline_journal import DONE, SKIPPED, TimelineJournal
from resolve_scripts.transport import OUTPUT_CUBE, open_client

SCRIPT_NAME = "Neutralize + Look"
STOP_NAME = "STOP"  # an empty file of this name in the Pix2LUT LUT folder stops a run before its next clip
NO_MEDIA = "no media: a title, generator, adjustment clip, Fusion composition or transition"
DISABLED = "disabled"


def stop_file(lut_root):
    """Creating this file stops a running Neutralize + Look before its next clip (any edition, no dialog needed)."""
    return os.path.join(lut_root, LUT_SUBFOLDER, STOP_NAME)


def stop_asked(lut_root):
    """Whether the stop file is there; it is removed, so the next run goes on."""
    path = stop_file(lut_root)
    if not os.path.isfile(path):
        return False
    try:
        os.remove(path)
    except OSError:
        pass  # stop anyway; the user sees the file named in the summary
    return True


class TimelineSummary:
    """What a run did, for the closing lines."""

    def __init__(self, timeline_name):
        self.timeline_name = timeline_name
        self.done, self.already, self.skipped = [], [], []
        self.left = []  # [(what, why)]: items and tracks not graded at all (timeline_items)
        self.under = []  # [(item above, clip)]: clips graded as seen under an item without media
        self.look_line = ""
        self.stopped = None  # why the run stopped early, or None

    def lines(self, total):
        left = total - len(self.done) - len(self.already) - len(self.skipped)
        head = (
            f"Neutralize + Look on {self.timeline_name!r}: {len(self.done)} done, {len(self.already)} already done "
            f"earlier, {len(self.skipped)} skipped, {left} left."
        )
        lines = [head, self.look_line]
        lines += [f"skipped {name!r}: {reason}" for name, reason in self.skipped]
        lines += [f"not graded: {what} ({why})" for what, why in self.left]
        aboves = []
        for above, _clip in self.under:
            if above not in aboves:
                aboves.append(above)
        for above in aboves:
            clips = ", ".join(repr(clip) for other, clip in self.under if other == above)
            lines.append(f"graded under {above!r} (an item without media above them, so in their stills): {clips}")
        if self.stopped:
            lines.append(f"stopped: {self.stopped} Run the script again to go on where it stopped.")
        return [line for line in lines if line]


def neutralize_and_look(resolve, settings, progress, warn=warn, client=None):
    """Run over the timeline (module docstring); returns the summary lines. ScriptError when it cannot start."""
    _product, version = resolve_access.check_version(resolve)
    project, timeline = resolve_access.current_timeline(resolve)
    items, left = timeline_items(timeline, parse_tracks(settings.tracks))
    summary = TimelineSummary(timeline.GetName())
    summary.left = left
    previous_page = resolve_access.open_color_page(resolve)
    playhead = timeline.GetCurrentTimecode()
    own_client = client is None
    temp_dir = tempfile.mkdtemp(prefix="pix2lut-")
    viewer = Viewer(project, timeline)  # no still may be the picture a lagging viewer showed before a move
    try:
        record = TimelineJournal.load(settings.lut_root, timeline, warn)
        journal = read_journal(settings.lut_root, warn)
        run = journal.start_run(SCRIPT_NAME, timeline.GetName(), timeline.GetUniqueId())  # Undo forgets its journal
        colour = resolve_access.colour_settings(project, timeline)
        pending = [item for item in items if not record.done(item.GetUniqueId())]
        summary.already = [item.GetName() for item in items if record.done(item.GetUniqueId())]
        if not pending:
            summary.look_line = "Nothing to do: every clip was done by an earlier run (use Undo to grade it again)."
            return summary.lines(len(items))
        if own_client:
            client = open_client(settings)
        look = shared_look(project, timeline, settings, client, colour, record, temp_dir, viewer)
        summary.look_line = look.line
        progress.note(
            f"{len(pending)} clip(s) to grade on {timeline.GetName()!r}; to stop before the next one, create an empty "
            f"file {stop_file(settings.lut_root)} (or stop the server); run again to go on."
        )
        for index, item in enumerate(pending, start=len(summary.already) + 1):
            name, clip_id = item.GetName(), item.GetUniqueId()
            if stop_asked(settings.lut_root):
                summary.stopped = f"before {name!r}: asked to stop ({stop_file(settings.lut_root)})."
                break
            over = []  # names of the items without media the viewer showed over this clip
            try:
                made = grade_one(
                    project,
                    timeline,
                    item,
                    version=version,
                    settings=settings,
                    client=client,
                    colour=colour,
                    look=look,
                    journal=journal,
                    run=run,
                    temp_dir=temp_dir,
                    warn=warn,
                    over=over,
                    viewer=viewer,
                )
            except TransportError as exc:  # the server stopped or refused: every clip after would fail the same way
                summary.stopped = f"at {name!r}: {exc}"
                progress.step(index, len(items), f"{name}: stopped: {exc}")
                break
            except (ClipSkipped, ResolveRefusal) as exc:  # this clip only: the next may well work
                record.mark(clip_id, name, SKIPPED, reason=str(exc))
                summary.skipped.append((name, str(exc)))
                progress.step(index, len(items), f"{name}: skipped: {exc}")
            else:
                record.mark(clip_id, name, DONE, version=made)
                summary.done.append(name)
                summary.under += [(above, name) for above in over]
                progress.step(index, len(items), f"{name}: {made}")
            finally:
                record.save()
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
        if own_client and client is not None:
            client.close()
        if playhead:
            try:
                park_playhead(timeline, playhead)  # where the user left it
            except ScriptError:
                pass  # the grades are done; a playhead left elsewhere harms nothing
        resolve_access.restore_page(resolve, previous_page)
    return summary.lines(len(items))


class SharedLook:
    """The look LUT node 2 gets (None: no reference, node 2 untouched) and the line that says where it came from."""

    def __init__(self, relpath, absolute, line):
        self.relpath = relpath
        self.absolute = absolute
        self.line = line


def shared_look(project, timeline, settings, client, colour, record, temp_dir, viewer=None):
    """The run's look: the one the journal recorded (a resumed run), else a new one from the reference."""
    if record.look:
        relpath = record.look["lut"]
        absolute = os.path.join(settings.lut_root, *relpath.split("/"))
        if os.path.isfile(absolute):
            return SharedLook(
                relpath, absolute, f"Look: {relpath}, {record.look['source']} (kept from the run before)."
            )
    reference, source = reference_still(project, timeline, settings, temp_dir, viewer)
    if reference is None:
        return SharedLook(
            None,
            None,
            "No look: mark the reference frame with a timeline marker named Reference (or set the reference "
            "setting to a still); node 2 was left as it was.",
        )
    reply = client.lut_request(
        "look", [reference], colour=colour, send_path=settings.send_path, outputs=[OUTPUT_CUBE], lut_size=settings.lut_size
    )
    relpath, absolute = write_lut(settings.lut_root, reply.cube_text)
    record.keep_look(relpath, source)
    return SharedLook(relpath, absolute, f"Look: {relpath}, {source}.")


def grade_one(
    project, timeline, item, *, version, settings, client, colour, look, journal, run, temp_dir, warn, over=None,
    viewer=None,
):
    """One clip: its base's stills -> ``neutralize`` -> node 1, the shared look -> node 2. Returns the new version.

    ``version``: Resolve's version tuple; ``look``: the run's SharedLook; ``journal``, ``run``: the journal and
    this run's entry; ``temp_dir``: where the clip's stills go. ``over``: a list that gets the names of the items
    without media the stills showed over the clip. ``viewer``: the run's :class:`resolve_scripts.stills.Viewer`
    (see :func:`clip_stills`).
    """
    with loaded_base(item, version, journal, warn) as base:
        grade = neutralize_grade(
            item,
            project=project,
            timeline=timeline,
            version=version,
            settings=settings,
            client=client,
            colour=colour,
            look=look,
            temp_dir=temp_dir,
            warn=warn,
            over=over,
            viewer=viewer,
        )
    return regrade(base, grade, journal=journal, run=run, lut_root=settings.lut_root, warn=warn).made


def neutralize_grade(item, *, project, timeline, version, settings, client, colour, look, temp_dir, warn, over, viewer):
    """The clip's NodeGrade, its base loaded: its own neutralize LUT on the Neutralize node, the look's on Look."""
    name = item.GetName()
    graph = resolve_access.node_graph(item, version)
    neutralize_node, look_node = find_nodes(graph, name)
    order = node_order_warning(graph.GetNumNodes() or 0, name, neutralize_node, look_node)
    if order:
        warn(order)
    folder = tempfile.mkdtemp(prefix="clip-", dir=temp_dir)  # this clip's stills, gone once sent
    try:
        stills = clip_stills(project, timeline, item, settings.frames_per_clip, folder, over, viewer)
        reply = client.lut_request(
            "neutralize",
            stills,
            colour=colour,
            send_path=settings.send_path,
            outputs=[OUTPUT_CUBE],
            lut_size=settings.lut_size,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    relpath, absolute = install_lut(project, settings.lut_root, reply.cube_text)
    luts = [(neutralize_node, relpath, absolute)]
    if look.relpath:
        luts.append((look_node, look.relpath, look.absolute))
    return NodeGrade(luts, reply=reply)


def clip_stills(project, timeline, item, count, temp_dir, over=None, viewer=None):
    """Stills of ``count`` frames spread over the clip, as graded by its (base) version.

    Where the viewer shows an item without media over the clip (an adjustment clip, a title: the clip shows
    through), the still is taken as it is and the item's name goes into ``over`` (a list, when given); a media
    clip over it makes the clip ClipSkipped. ``viewer``: the run's :class:`resolve_scripts.stills.Viewer` (one is
    made if not given): the first still is never the picture of the clip before, a lagging viewer's.
    """
    stills = []
    clip_id = item.GetUniqueId()
    if viewer is None:
        viewer = Viewer(project, timeline)
    for frame in sample_frames(item, count):
        viewer.move(frame)
        shown = timeline.GetCurrentVideoItem()
        if shown is None or shown.GetUniqueId() != clip_id:
            if shown is None or shown.GetMediaPoolItem() is not None:
                above = shown.GetName() if shown is not None else "nothing"
                raise ClipSkipped(
                    f"the viewer shows {above!r} over it at {frame_to_timecode(frame, *timeline_rate(timeline))} "
                    "(a clip on a higher track): grade that track's clips, or disable the clip above."
                )
            if over is not None and shown.GetName() not in over:
                over.append(shown.GetName())  # the clip shows through it: graded as seen under it
        path = os.path.join(temp_dir, f"{safe_name(clip_id)}-{frame}.png")
        try:
            stills.append(viewer.still(path, item.GetName()))
        except ResolveRefusal as exc:
            raise ClipSkipped(str(exc))
    return stills


def timeline_items(timeline, tracks):
    """``(clips, left)``: the media clips to grade on ``tracks`` (all video tracks when empty), track by track, in
    timeline order, and ``[(what, why)]`` for what is not graded: items without a media pool item (module
    docstring), disabled clips, disabled tracks (where this Resolve has the calls to tell)."""
    count = timeline.GetTrackCount(VIDEO) or 0
    chosen = tracks or list(range(1, count + 1))
    missing = [track for track in chosen if track > count]
    if missing:
        raise ScriptError(
            f"Timeline {timeline.GetName()!r} has {count} video track(s), so track {missing[0]} does not exist: "
            "fix the tracks setting (PIX2LUT_TRACKS)."
        )
    items, left = [], []
    for track in chosen:
        if not track_enabled(timeline, track):
            left.append((f"video track {track}", DISABLED))
            continue
        listed = timeline.GetItemListInTrack(VIDEO, track)
        if listed is None:
            raise ResolveRefusal(f"Resolve did not list the clips of video track {track}: run again.")
        for item in sorted(listed, key=lambda item: item.GetStart()):
            if item.GetMediaPoolItem() is None:
                left.append((repr(item.GetName()), NO_MEDIA))
            elif not clip_enabled(item):
                left.append((repr(item.GetName()), DISABLED))
            else:
                items.append(item)
    if not items:
        alone = "; ".join(f"{what} ({why})" for what, why in left)
        raise ScriptError(
            f"Timeline {timeline.GetName()!r} has no clips to grade on the chosen video tracks"
            + (f": not graded: {alone}." if alone else ".")
        )
    return items, left


def track_enabled(timeline, track):
    """False only when Resolve says the video track is disabled (GetIsTrackEnabled is in recent READMEs only)."""
    return "GetIsTrackEnabled" not in dir(timeline) or timeline.GetIsTrackEnabled(VIDEO, track) is not False


def clip_enabled(item):
    """False only when Resolve says the clip is disabled (GetClipEnabled is in recent READMEs only)."""
    return "GetClipEnabled" not in dir(item) or item.GetClipEnabled() is not False


def main(script_globals=None, environ=None, out=None):
    """The menu action: progress lines (and a window on Studio), then the summary. Returns 0 or 1."""

    def action(resolve, settings, out):
        progress = open_progress(script_globals, out, resolve)
        try:
            lines = neutralize_and_look(resolve, settings, progress, warn=lambda sentence: warn(sentence, out))
        except ScriptError:
            progress.close()
            raise
        progress.finish(lines)
        return []

    return run_menu_action(action, script_globals, environ, out)
