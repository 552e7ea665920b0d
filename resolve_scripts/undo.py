"""Undo: every clip the last Pix2LUT run changed goes back to the version it was on before that run.

The journal (``resolve_scripts.journal``) lists, per run, each clip's version before the run and the one the run
made. Undo loads the former; the Pix2LUT versions stay (nothing is deleted: the user can go back to them from the
clip's Local Versions menu). Undo of a Neutralize + Look run also forgets that timeline's run journal, so the
next run grades the timeline afresh. Run Undo again to go back one more run.
"""

import os

from resolve_scripts import resolve_access
from resolve_scripts.console import run_menu_action, warn
from resolve_scripts.errors import ScriptError
from resolve_scripts.journal import read_journal
from resolve_scripts.regrade import save_journal
from resolve_scripts.timeline_grade import VIDEO, timeline_journal_path


def undo_last_run(resolve, settings, warn=warn):
    """Undo the latest run; returns the summary lines. ScriptError when there is nothing to undo."""
    resolve_access.check_version(resolve)
    project, _timeline = resolve_access.current_timeline(resolve)
    journal = read_journal(settings.lut_root, warn)
    run = journal.last_run()
    if run is None:
        raise ScriptError("Nothing to undo: the Pix2LUT journal records no run.")
    items = clips_by_id(project)
    previous_page = resolve_access.open_color_page(resolve)
    back, missing, refused = [], [], []
    try:
        for clip_id, change in sorted(run["clips"].items(), key=lambda pair: pair[1]["clip"]):
            item = items.get(clip_id)
            if item is None:
                missing.append(change["clip"])
            elif item.LoadVersionByName(change["previous"], resolve_access.LOCAL_VERSION):
                back.append(f"{change['clip']!r}: {change['previous']!r} (was {change['made']!r})")
            else:
                refused.append(f"{change['clip']!r} (Resolve would not load {change['previous']!r})")
    finally:
        resolve_access.restore_page(resolve, previous_page)
    if not refused:
        journal.forget_run(run)
        save_journal(settings.lut_root, journal, warn)
        if run.get("timeline_id"):
            path = timeline_journal_path(settings.lut_root, run["timeline_id"])
            if os.path.isfile(path):
                os.remove(path)
    head = (
        f"undid {run['script']} on {run.get('timeline', '?')!r}: {len(back)} clip(s) back on the version they were on "
        "before (the Pix2LUT versions are kept in each clip's Local Versions)"
    )
    lines = [head, *back]
    if missing:
        lines.append("not on an open timeline, left as they are: " + ", ".join(repr(name) for name in missing))
    if refused:
        lines.append("not undone, run Undo again: " + "; ".join(refused))
    return lines


def clips_by_id(project):
    """Every clip of every timeline of the project, by GetUniqueId()."""
    items = {}
    for index in range(1, (project.GetTimelineCount() or 0) + 1):
        timeline = project.GetTimelineByIndex(index)
        if timeline is None:
            continue
        for track in range(1, (timeline.GetTrackCount(VIDEO) or 0) + 1):
            for item in timeline.GetItemListInTrack(VIDEO, track) or []:
                items[item.GetUniqueId()] = item
    return items


def main(script_globals=None, environ=None, out=None):
    """The menu action: what went back, or one line saying why nothing did. Returns 0 or 1."""

    def action(resolve, settings, out):
        return undo_last_run(resolve, settings, warn=lambda sentence: warn(sentence, out))

    return run_menu_action(action, script_globals, environ, out)
