"""Frame numbers to the timecode ``Timeline.SetCurrentTimecode`` takes (API-NOTES section 4).

The timecode is absolute (a timeline starting at 01:00:00:00 refuses 00:00:10:00) and frame numbers from
``TimelineItem.GetStart()`` are absolute too, so one counts the other. ``HH:MM:SS:FF`` counts ``round(fps)``
frames a second; drop-frame (29.97 and 59.94) writes ``;`` and skips frame numbers 0-1 (0-3 at 59.94) at each
minute but every tenth (SMPTE ST 12-1).
"""

from resolve_scripts.errors import ResolveRefusal

DROPPED_PER_MINUTE = {30: 2, 60: 4}  # SMPTE ST 12-1, by nominal rate
DAY_HOURS = 24


def timeline_rate(timeline):
    """``(nominal frames per second, drop_frame)`` from the timeline's settings."""
    text = timeline.GetSetting("timelineFrameRate") or ""
    try:
        fps = float(text.split()[0])
    except (IndexError, ValueError):
        raise ResolveRefusal(
            f"Resolve gave no usable frame rate for timeline {timeline.GetName()!r} ({text!r}): open the timeline "
            "and run again."
        )
    nominal = round(fps)
    drop = (timeline.GetSetting("timelineDropFrameTimecode") == "1" or "DF" in text) and nominal in DROPPED_PER_MINUTE
    return nominal, drop


def frame_to_timecode(frame, nominal, drop_frame=False):
    """The timecode of absolute frame number ``frame``."""
    if drop_frame:
        dropped = DROPPED_PER_MINUTE[nominal]
        minute = nominal * 60 - dropped  # frames in a minute that drops numbers
        ten_minutes = minute * 10 + dropped
        tens, rest = divmod(frame, ten_minutes)
        frame += dropped * 9 * tens + (dropped * ((rest - dropped) // minute) if rest > dropped else 0)
    seconds, frames = divmod(frame, nominal)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    separator = ";" if drop_frame else ":"
    return f"{hours % DAY_HOURS:02d}:{minutes:02d}:{seconds:02d}{separator}{frames:02d}"
