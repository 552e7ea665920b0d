"""The run journal of one timeline: the look and each clip as Neutralize + Look does it, so a run that stops is
resumed without redoing a clip or changing the look, and a finished run is not repeated.

One file per timeline, ``<master LUT folder>/Pix2LUT/timelines/<timeline id>.json``, written after every clip::

    {"format": 1, "timeline": "Timeline 1", "look": {"lut": "Pix2LUT/ab12.cube", "source": "marker at ..."},
     "clips": {"<unique id>": {"clip": "Shot 01", "status": "done", "version": "Pix2LUT 1"}}}

Undo of a Neutralize + Look run forgets the timeline's file (:func:`forget_timeline_journal`), so the next run
grades the timeline afresh.
"""

import json
import os

from resolve_scripts.files import safe_name, write_atomically
from resolve_scripts.journal import LUT_SUBFOLDER

TIMELINES_FOLDER = "timelines"
TIMELINE_JOURNAL_FORMAT = 1
DONE, SKIPPED = "done", "skipped"


class TimelineJournal:
    """The per-timeline record of a run (module docstring), written after every clip."""

    def __init__(self, path, timeline_name, data=None):
        self.path = path
        data = data or {}
        self.look = data.get("look")
        self.clips = data.get("clips", {})
        self.timeline_name = timeline_name

    @classmethod
    def load(cls, lut_root, timeline, warn):
        path = timeline_journal_path(lut_root, timeline.GetUniqueId())
        if not os.path.isfile(path):
            return cls(path, timeline.GetName())
        try:
            with open(path, "r", encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            data, problem = None, exc
        else:
            problem = _layout_problem(data)
        if problem:
            warn(f"The run journal {path} is unreadable ({problem}): starting the timeline afresh.")
            return cls(path, timeline.GetName())
        return cls(path, timeline.GetName(), data)

    def keep_look(self, relpath, source):
        """The run's look LUT (master-relative) and where it came from, written at once: a resumed run keeps it."""
        self.look = {"lut": relpath, "source": source}
        self.save()

    def done(self, clip_id):
        entry = self.clips.get(clip_id)
        return entry if isinstance(entry, dict) and entry.get("status") == DONE else None

    def mark(self, clip_id, clip_name, status, version=None, reason=None):
        entry = {"clip": clip_name, "status": status}
        if version:
            entry["version"] = version
        if reason:
            entry["reason"] = reason
        self.clips[clip_id] = entry

    def save(self):
        folder = os.path.dirname(self.path)
        if not os.path.isdir(folder):
            os.makedirs(folder)
        document = {"format": TIMELINE_JOURNAL_FORMAT, "timeline": self.timeline_name, "look": self.look}
        document["clips"] = self.clips
        write_atomically(self.path, (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def _layout_problem(data):
    if not isinstance(data, dict) or data.get("format") != TIMELINE_JOURNAL_FORMAT:
        return f"format {TIMELINE_JOURNAL_FORMAT} expected"
    if not isinstance(data.get("clips", {}), dict):
        return "'clips' must be an object"
    look = data.get("look")
    if look is not None and not (isinstance(look, dict) and isinstance(look.get("lut"), str)):
        return "'look' must be {'lut': path, 'source': text}"
    return None


def timeline_journal_path(lut_root, timeline_id):
    return os.path.join(lut_root, LUT_SUBFOLDER, TIMELINES_FOLDER, safe_name(timeline_id) + ".json")


def forget_timeline_journal(lut_root, timeline_id):
    """Remove the timeline's run journal, if there is one: its next run grades the timeline afresh."""
    path = timeline_journal_path(lut_root, timeline_id)
    if os.path.isfile(path):
        os.remove(path)
