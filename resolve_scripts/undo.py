"""Undo: every clip the last Pix2LUT run changed goes back to the version it was on before that run.

The journal (``resolve_scripts.journal``) lists, per run, each clip's version before the run and the one the run
made. Undo loads the former; the Pix2LUT versions stay (nothing is deleted: the user can go back to them from the
clip's Local Versions menu). Undo of a Neutralize + Look run also forgets that timeline's run journal (``resolve_scripts.timeline_journal``), so the
next run grades the timeline afresh. Run Undo again to go back one more run.

The version a clip goes back to may be remote (the journal's ``previous_type``): it is loaded as such. A clip on
another timeline than the current one is changed with its timeline made current (the Color page works on the
current timeline), and the user's timeline is made current again afterwards.
"""

from resolve_scripts import resolve_access
from resolve_scripts.console import run_menu_action, warn
from resolve_scripts.errors import ScriptError
from resolve_scripts.journal import read_journal
from resolve_scripts.regrade import save_journal
from resolve_scripts.resolve_access import VIDEO
from resolve_scripts.timeline_journal import forget_timeline_journal
from resolve_scripts.versions import Version, version_label


def undo_last_run(resolve, settings, warn=warn):
    """Undo the latest run; returns the summary lines. ScriptError when there is nothing to undo."""
    resolve_access.check_version(resolve)
    project, user_timeline = resolve_access.current_timeline(resolve)
    journal = read_journal(settings.lut_root, warn)
    run = journal.last_run()
    if run is None:
        raise ScriptError("Nothing to undo: the Pix2LUT journal records no run.")
    items = clips_by_id(project)
    found = [(clip_id, change) for clip_id, change in run["clips"].items() if clip_id in items]
    missing = sorted(change["clip"] for clip_id, change in run["clips"].items() if clip_id not in items)
    found.sort(key=lambda pair: (items[pair[0]][0], pair[1]["clip"]))  # timeline by timeline, clips by name
    previous_page = resolve_access.open_color_page(resolve)
    back, refused, notes = [], [], []
    shown_id = user_timeline.GetUniqueId()  # the timeline now current
    try:
        for clip_id, change in found:
            _index, timeline, item = items[clip_id]
            if timeline.GetUniqueId() != shown_id:
                if not project.SetCurrentTimeline(timeline):
                    refused.append(f"{change['clip']!r} (Resolve would not open its timeline {timeline.GetName()!r})")
                    continue
                shown_id = timeline.GetUniqueId()
            previous = Version(change["previous"], change.get("previous_type", resolve_access.LOCAL_VERSION))
            if item.LoadVersionByName(previous.name, previous.type):
                back.append(f"{change['clip']!r}: {version_label(previous)} (was {change['made']!r})")
            else:
                refused.append(f"{change['clip']!r} (Resolve would not load {version_label(previous)})")
    finally:
        if shown_id != user_timeline.GetUniqueId() and not project.SetCurrentTimeline(user_timeline):
            notes.append(f"Resolve would not open timeline {user_timeline.GetName()!r} again: open it yourself.")
        resolve_access.restore_page(resolve, previous_page)
    if not refused:
        journal.forget_run(run)
        save_journal(settings.lut_root, journal, warn)
        if run.get("timeline_id"):
            forget_timeline_journal(settings.lut_root, run["timeline_id"])
    head = (
        f"undid {run['script']} on {run.get('timeline', '?')!r}: {len(back)} clip(s) back on the version they were on "
        "before (the Pix2LUT versions are kept in each clip's Local Versions)"
    )
    lines = [head, *back, *notes]
    if missing:
        lines.append("not on an open timeline, left as they are: " + ", ".join(repr(name) for name in missing))
    if refused:
        lines.append("not undone, run Undo again: " + "; ".join(refused))
    return lines


def clips_by_id(project):
    """Every clip of every timeline of the project, by GetUniqueId(): ``(timeline index, timeline, item)``."""
    items = {}
    for index in range(1, (project.GetTimelineCount() or 0) + 1):
        timeline = project.GetTimelineByIndex(index)
        if timeline is None:
            continue
        for track in range(1, (timeline.GetTrackCount(VIDEO) or 0) + 1):
            for item in timeline.GetItemListInTrack(VIDEO, track) or []:
                items[item.GetUniqueId()] = (index, timeline, item)
    return items


def main(script_globals=None, environ=None, out=None):
    """The menu action: what went back, or one line saying why nothing did. Returns 0 or 1."""

    def action(resolve, settings, out):
        return undo_last_run(resolve, settings, warn=lambda sentence: warn(sentence, out))

    return run_menu_action(action, script_globals, environ, out)
