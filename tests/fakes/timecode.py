"""SMPTE timecode and frame numbers, as Resolve's timelines write them.

``HH:MM:SS:FF`` counts ``round(fps)`` frames a second. Drop-frame (29.97 and 59.94 fps) writes ``HH:MM:SS;FF``
and skips the frame numbers 00 and 01 (00-03 at 59.94) at the start of every minute except each tenth, so that
the timecode keeps pace with the clock (SMPTE ST 12-1). Frame numbers are absolute: a 24 fps timeline starting
at 01:00:00:00 starts at frame 86400 (API-NOTES section 4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TIMECODE = re.compile(r"(\d{2}):(\d{2}):(\d{2})([:;])(\d{2})")
SECONDS_PER_MINUTE = 60
MINUTES_PER_HOUR = 60
HOURS_PER_DAY = 24
DROP_FRAME_RATES = (30, 60)  # nominal rates of 29.97 and 59.94, the only drop-frame ones
DROPPED_PER_MINUTE = {30: 2, 60: 4}  # SMPTE ST 12-1
MINUTES_KEPT_EVERY = 10  # every tenth minute keeps all its frame numbers


@dataclass(frozen=True)
class TimecodeFormat:
    """How one timeline writes timecode: its frame rate and whether it drops frame numbers."""

    fps: float
    drop_frame: bool = False

    def __post_init__(self) -> None:
        if self.drop_frame and self.nominal not in DROP_FRAME_RATES:
            raise ValueError(f"drop-frame timecode exists at 29.97 and 59.94 fps only, found {self.fps}")

    @property
    def nominal(self) -> int:
        """Frames counted per timecode second: 24 for 23.976, 30 for 29.97."""
        return round(self.fps)

    @property
    def separator(self) -> str:
        return ";" if self.drop_frame else ":"

    def to_frame(self, timecode: object) -> int | None:
        """The frame number of ``timecode``, or None when it is not a valid timecode of this format."""
        match = TIMECODE.fullmatch(timecode) if isinstance(timecode, str) else None
        if match is None or match.group(4) != self.separator:
            return None
        hours, minutes, seconds, frames = (int(match.group(i)) for i in (1, 2, 3, 5))
        if minutes >= MINUTES_PER_HOUR or seconds >= SECONDS_PER_MINUTE or frames >= self.nominal:
            return None
        total = ((hours * MINUTES_PER_HOUR + minutes) * SECONDS_PER_MINUTE + seconds) * self.nominal + frames
        if not self.drop_frame:
            return total
        dropped = DROPPED_PER_MINUTE[self.nominal]
        if seconds == 0 and frames < dropped and minutes % MINUTES_KEPT_EVERY != 0:
            return None  # a skipped number: no frame has it
        all_minutes = hours * MINUTES_PER_HOUR + minutes
        return total - dropped * (all_minutes - all_minutes // MINUTES_KEPT_EVERY)

    def to_timecode(self, frame: int) -> str:
        """The timecode of frame number ``frame`` (wraps at 24 hours, as timecode does)."""
        if self.drop_frame:
            dropped = DROPPED_PER_MINUTE[self.nominal]
            per_minute = self.nominal * SECONDS_PER_MINUTE - dropped
            per_ten_minutes = per_minute * MINUTES_KEPT_EVERY + dropped  # the tenth minute keeps its numbers
            tens, rest = divmod(frame, per_ten_minutes)
            skipped_minutes = (rest - dropped) // per_minute if rest > dropped else 0
            frame += dropped * ((MINUTES_KEPT_EVERY - 1) * tens + skipped_minutes)
        frames = frame % self.nominal
        seconds = frame // self.nominal % SECONDS_PER_MINUTE
        minutes = frame // (self.nominal * SECONDS_PER_MINUTE) % MINUTES_PER_HOUR
        hours = frame // (self.nominal * SECONDS_PER_MINUTE * MINUTES_PER_HOUR) % HOURS_PER_DAY
        return f"{hours:02d}:{minutes:02d}:{seconds:02d}{self.separator}{frames:02d}"
