"""The reference a look is taken from: a still file the settings name, or the frame under a timeline marker.

A timeline marker whose name or note holds the word "Reference" marks the reference frame; marker frame ids
count from the timeline start (API-NOTES section 4), the playhead wants absolute timecode.
"""

import os

from resolve_scripts.errors import ScriptError
from resolve_scripts.stills import export_still, move_playhead

REFERENCE_WORD = "reference"  # compared case-insensitively with each marker's name and note
REFERENCE_STILL = "pix2lut-reference.png"
MARK_IT = (
    "mark the reference frame with a timeline marker named Reference, or set the reference setting "
    "(PIX2LUT_REFERENCE) to a still"
)


def reference_still(project, timeline, settings, temp_dir):
    """``(still path, where it came from)`` of the look's reference, or ``(None, None)`` when none is marked."""
    if settings.reference:
        if not os.path.isfile(settings.reference):
            raise ScriptError(f"The reference still {settings.reference} does not exist: fix the reference setting.")
        return settings.reference, f"from the still {settings.reference}"
    markers = timeline.GetMarkers() or {}
    for frame_id in sorted(markers):
        marker = markers[frame_id] or {}
        words = (str(marker.get("name", "")) + " " + str(marker.get("note", ""))).lower()
        if REFERENCE_WORD in words:
            frame = int(timeline.GetStartFrame()) + int(frame_id)
            timecode = move_playhead(timeline, frame)
            path = export_still(project, os.path.join(temp_dir, REFERENCE_STILL), "the reference frame")
            return path, f"from the reference marker at {timecode}"
    return None, None
