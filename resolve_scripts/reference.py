"""The reference a look is taken from: a still file the settings name, or the frame under a timeline marker.

A timeline marker whose name or note holds the word "Reference" marks the reference frame; marker frame ids
count from the timeline start (API-NOTES section 4), the playhead wants absolute timecode. Resolve keys markers by
float frame ids (``{96.0: {...}}``, API-NOTES section 10): the frame is the nearest whole one, never a truncation.
"""

import os

from resolve_scripts.errors import ScriptError
from resolve_scripts.stills import Viewer

REFERENCE_WORD = "reference"  # compared case-insensitively with each marker's name and note
REFERENCE_STILL = "pix2lut-reference.png"
MARK_IT = (
    "mark the reference frame with a timeline marker named Reference, or set the reference setting "
    "(PIX2LUT_REFERENCE) to a still"
)


def reference_still(project, timeline, settings, temp_dir, viewer=None):
    """``(still path, where it came from)`` of the look's reference, or ``(None, None)`` when none is marked.

    ``viewer``: the run's :class:`resolve_scripts.stills.Viewer` (one is made if not given), so that the still
    taken after the move is the reference frame, not the picture the viewer showed before it.
    """
    if settings.reference:
        if not os.path.isfile(settings.reference):
            raise ScriptError(f"The reference still {settings.reference} does not exist: fix the reference setting.")
        return settings.reference, f"from the still {settings.reference}"
    markers = timeline.GetMarkers() or {}
    for frame_id in sorted(markers):
        marker = markers[frame_id] or {}
        words = (str(marker.get("name", "")) + " " + str(marker.get("note", ""))).lower()
        if REFERENCE_WORD in words:
            frame = int(timeline.GetStartFrame()) + round(float(frame_id))
            if viewer is None:
                viewer = Viewer(project, timeline)
            timecode = viewer.move(frame)
            path = viewer.still(os.path.join(temp_dir, REFERENCE_STILL), "the reference frame")
            return path, f"from the reference marker at {timecode}"
    return None, None
