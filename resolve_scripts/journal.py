"""The journal: which version each Pix2LUT version was made from, and what each run changed (for Undo).

One file beside the LUTs, ``<master LUT folder>/Pix2LUT/journal.json``, written atomically after every change::

    {"format": 2,
     "clips": {"<unique id>": {"clip": "Shot 01", "base": "Version 1",
                               "versions": {"Pix2LUT 1": "Version 1", "Pix2LUT 2": "Version 1"}}},
     "runs": [{"script": "Grade Clip", "timeline": "Timeline 1",
               "clips": {"<unique id>": {"clip": "Shot 01", "previous": "Version 1", "made": "Pix2LUT 1"}}}]}

``clips[id].base`` is the user's own version the latest run graded; ``versions`` maps each Pix2LUT version to
the version it was made from. ``runs`` lists the latest runs, oldest first: the version each clip was on before
the run (``previous``) and the one the run made. Format 1 (no ``runs``) is read as well.

Versions are local unless a type says otherwise (API-NOTES section 2: versionType 0 local, 1 remote). The
versions Pix2LUT makes are local; the user's may be remote, and then the entry says so: ``clips[id].base_types``
``{"Pix2LUT 1": 1}`` (the version "Pix2LUT 1" was made from is remote) and a run's ``previous_type: 1``. A key
left out means local, so journals written before these keys read as they always did.
"""

import json
import os

from resolve_scripts.files import write_atomically
from resolve_scripts.resolve_access import LOCAL_VERSION as LOCAL  # a missing versionType is local
from resolve_scripts.resolve_access import is_version_type

LUT_SUBFOLDER = "Pix2LUT"  # our project subfolder of the master LUT folder (API-NOTES section 5)
JOURNAL_NAME = "journal.json"
JOURNAL_FORMAT = 2
READABLE_FORMATS = (1, 2)
MAX_RUNS = 50  # older runs are forgotten: Undo goes back one run at a time


class JournalLayoutError(ValueError):
    """Parsed JSON that is not the journal's layout (module docstring)."""


class Journal:
    """The journal's clips and runs; ``problem``: why the file on disk was unusable, or None."""

    def __init__(self, clips=None, runs=None, problem=None):
        self.clips = clips if clips is not None else {}
        self.runs = runs if runs is not None else []
        self.problem = problem

    def get(self, clip_id):
        """The clip's entry ``{"clip", "base", "versions"}``, or None."""
        return self.clips.get(clip_id)

    def record(self, clip_id, clip_name, base, new_version, base_type=LOCAL):
        """Note that ``new_version`` of the clip was made from ``base`` (a version of ``base_type``)."""
        entry = self.clips.setdefault(clip_id, {"clip": clip_name, "base": base, "versions": {}})
        entry["clip"] = clip_name
        entry["base"] = base
        entry["versions"][new_version] = base
        if base_type != LOCAL:
            entry.setdefault("base_types", {})[new_version] = base_type

    def forget_version(self, clip_id, version_name):
        """Forget that the clip's ``version_name`` was made by Pix2LUT (Resolve refused its LUTs; it is deleted)."""
        entry = self.clips.get(clip_id)
        if entry is not None:
            entry["versions"].pop(version_name, None)
            entry.get("base_types", {}).pop(version_name, None)

    def start_run(self, script, timeline_name, timeline_id=None):
        """A new run (a dict the caller fills with :meth:`record_change`), appended; the oldest beyond MAX_RUNS go.

        ``timeline_id``: the timeline a whole-timeline run graded, so that Undo forgets its run journal too.
        """
        run = {"script": script, "timeline": timeline_name, "clips": {}}
        if timeline_id is not None:
            run["timeline_id"] = timeline_id
        self.runs.append(run)
        del self.runs[:-MAX_RUNS]
        return run

    @staticmethod
    def record_change(run, clip_id, clip_name, previous, made, previous_type=LOCAL):
        """In ``run``: the clip was on ``previous`` (of ``previous_type``) and the run made (and loaded) ``made``."""
        change = {"clip": clip_name, "previous": previous, "made": made}
        if previous_type != LOCAL:
            change["previous_type"] = previous_type
        run["clips"][clip_id] = change

    @staticmethod
    def forget_change(run, clip_id):
        """Take the clip out of ``run``: the version the run made for it is gone, so Undo has nothing to do there."""
        run["clips"].pop(clip_id, None)

    def last_run(self):
        """The latest run that changed a clip, or None."""
        for run in reversed(self.runs):
            if run["clips"]:
                return run
        return None

    def forget_run(self, run):
        self.runs = [other for other in self.runs if other is not run]

    def to_json(self):
        return {"format": JOURNAL_FORMAT, "clips": self.clips, "runs": [run for run in self.runs if run["clips"]]}


def journal_path(lut_root):
    return os.path.join(lut_root, LUT_SUBFOLDER, JOURNAL_NAME)


def read_journal(lut_root, warn):
    """The journal under ``lut_root``; empty when there is none, and empty after one ``warn`` when unusable."""
    path = journal_path(lut_root)
    if not os.path.isfile(path):
        return Journal()
    try:
        with open(path, "r", encoding="utf-8") as handle:
            clips, runs = parse_journal(json.load(handle))
    except (OSError, ValueError) as exc:  # ValueError: not JSON, not UTF-8, or not the journal's layout
        problem = str(exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)
        warn(
            f"The Pix2LUT journal {path} is unreadable ({problem}): it will be rewritten, and the version each "
            "clip was graded from is taken from the version names."
        )
        return Journal(problem=problem)
    return Journal(clips, runs)


def write_journal(lut_root, journal):
    """Write ``journal`` atomically under ``lut_root``; OSError when it cannot be written."""
    text = json.dumps(journal.to_json(), indent=2, sort_keys=True) + "\n"
    write_atomically(journal_path(lut_root), text.encode("utf-8"))


def parse_journal(data):
    """``(clips, runs)`` of a parsed journal, checked; JournalLayoutError naming what is wrong."""
    if not isinstance(data, dict) or data.get("format") not in READABLE_FORMATS:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise JournalLayoutError(f"format {JOURNAL_FORMAT} expected, found {found!r}")
    clips = data.get("clips")
    if not isinstance(clips, dict):
        raise JournalLayoutError(f"'clips' must be an object, found {type(clips).__name__}")
    for clip_id, entry in clips.items():
        versions = entry.get("versions") if isinstance(entry, dict) else None
        if not isinstance(versions, dict) or not isinstance(entry.get("base"), str) or not _names(versions):
            raise JournalLayoutError(
                f"the entry of clip {clip_id!r} is not {{'base': name, 'versions': {{name: name}}}}"
            )
        base_types = entry.get("base_types", {})
        if not isinstance(base_types, dict) or not all(is_version_type(value) for value in base_types.values()):
            raise JournalLayoutError(f"the 'base_types' of clip {clip_id!r} is not {{name: 0 or 1}}")
    runs = data.get("runs", [])
    if not isinstance(runs, list) or not all(_is_run(run) for run in runs):
        raise JournalLayoutError("'runs' must be a list of {'script', 'timeline', 'clips': {id: {previous, made}}}")
    return clips, runs


def _names(mapping):
    return all(isinstance(key, str) and isinstance(value, str) for key, value in mapping.items())


def _is_run(run):
    if not isinstance(run, dict) or not isinstance(run.get("clips"), dict):
        return False
    return all(
        isinstance(change, dict)
        and all(isinstance(change.get(key), str) for key in ("clip", "previous", "made"))
        and is_version_type(change.get("previous_type", LOCAL))
        for change in run["clips"].values()
    )


