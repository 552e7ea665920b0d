"""Stills of the frame under the playhead: exported, checked for the black frame of undecoded RAW, retried.

``Project.ExportCurrentFrameAsStill`` writes the frame as graded (API-NOTES section 4) and can write an
all-black image for camera RAW that the viewer has not decoded yet: such a still is exported again, a few
times, before the script gives up with a sentence saying what to do.
"""

import os
import struct
import time
import zlib

from resolve_scripts.errors import ResolveRefusal
from resolve_scripts.timecode import frame_to_timecode, timeline_rate

EXPORT_ATTEMPTS = 4  # one export and three retries of a black still
RETRY_DELAY_S = 0.25  # time for the viewer to decode a RAW frame between attempts
PLAYHEAD_POLLS = 10  # GetCurrentTimecode may lag a SetCurrentTimecode for a poll or two (API-NOTES section 4)
PLAYHEAD_POLL_S = 0.02
MIN_FRAMES_WITH_INSIDE = 3  # a first frame, a last frame, and at least one between them
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG colour type -> (channels, colour channels): grey, RGB, grey+alpha, RGBA (ISO/IEC 15948, 11.2.2)
PNG_CHANNELS = {0: (1, 1), 2: (3, 3), 4: (2, 1), 6: (4, 3)}


def export_still(project, path, clip_name, retry_delay_s=RETRY_DELAY_S):
    """The frame under the playhead as graded, written to ``path`` (a .png); ResolveRefusal when Resolve will not.

    A still that comes out all black is exported again, up to ``EXPORT_ATTEMPTS`` times in all.
    """
    if "ExportCurrentFrameAsStill" not in dir(project):
        raise ResolveRefusal("This Resolve cannot export stills from scripts: Pix2LUT needs Resolve 18.5 or newer.")
    for attempt in range(EXPORT_ATTEMPTS):
        if attempt:
            time.sleep(retry_delay_s)
        if not project.ExportCurrentFrameAsStill(path):
            raise ResolveRefusal(
                "Resolve would not export the current frame as a still: open the Color page with the "
                "playhead on a clip and run again."
            )
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            raise ResolveRefusal(f"Resolve said it exported the still but wrote no file at {path}: run again.")
        if not is_black_png(path):
            return path
    raise ResolveRefusal(
        f"Resolve exported an all-black frame of {clip_name!r} {EXPORT_ATTEMPTS} times (camera RAW not decoded "
        "yet, or a black frame): play the clip once in the viewer, park on a picture, and run again."
    )


def move_playhead(timeline, frame):
    """Park the playhead on absolute frame ``frame``; returns its timecode."""
    nominal, drop = timeline_rate(timeline)
    return park_playhead(timeline, frame_to_timecode(frame, nominal, drop))


def park_playhead(timeline, timecode):
    """Set the playhead to ``timecode`` and wait until Resolve reports it there (the report may lag a poll or two:
    read too early, it would give the old position). ResolveRefusal when the set is refused."""
    if not timeline.SetCurrentTimecode(timecode):
        raise ResolveRefusal(
            f"Resolve would not move the playhead to {timecode} on {timeline.GetName()!r}: open the Color page "
            "and run again."
        )
    for _poll in range(PLAYHEAD_POLLS):
        if timeline.GetCurrentTimecode() == timecode:
            break
        time.sleep(PLAYHEAD_POLL_S)
    return timecode


def sample_frames(item, count):
    """``count`` absolute frame numbers spread over the clip, away from its first and last frame (fades, cuts)."""
    start, end = int(item.GetStart()), int(item.GetEnd())
    length = max(end - start, 1)
    frames = [start + int(length * (index + 1) / (count + 1)) for index in range(count)]
    # More frames asked than the clip has inside frames would land on its ends: keep to the inside ones.
    first, last = (start + 1, end - 2) if length >= MIN_FRAMES_WITH_INSIDE else (start, end - 1)
    return sorted({min(max(frame, first), last) for frame in frames})


def is_black_png(path):
    """Whether ``path`` is a PNG whose colour samples are all zero. False for anything else.

    An all-zero image stays all-zero under every PNG row filter (each predicts from zero neighbours), so the
    decompressed bytes answer without unfiltering.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return False
    if not data.startswith(PNG_SIGNATURE):
        return False
    position, idat, header = len(PNG_SIGNATURE), [], None
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body[:13])
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        position += 12 + length
    if header is None or header[3] not in PNG_CHANNELS or header[6] != 0:  # palette or interlaced: not checked
        return False
    width, height, bit_depth, colour_type = header[:4]
    channels, colour_channels = PNG_CHANNELS[colour_type]
    sample_bytes = max(bit_depth // 8, 1)
    pixel_bytes = channels * sample_bytes
    row_bytes = (width * channels * bit_depth + 7) // 8
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error:
        return False
    if len(raw) < height * (row_bytes + 1):
        return False
    for row in range(height):
        line = raw[row * (row_bytes + 1) + 1 : (row + 1) * (row_bytes + 1)]
        if line.count(0) == len(line):
            continue
        if colour_channels == channels or bit_depth < 8:
            return False
        for offset in range(colour_channels * sample_bytes):  # colour bytes of each pixel; alpha may be anything
            if line[offset::pixel_bytes].count(0) != width:
                return False
    return True
