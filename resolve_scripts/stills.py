"""Stills of the frame under the playhead: exported, checked whole, waited for, checked for undecoded RAW, retried.

``Project.ExportCurrentFrameAsStill`` writes what the viewer shows, as graded (API-NOTES section 4), and:

- can write an all-black image for camera RAW that the viewer has not decoded yet: such a still is exported again,
  a few times, before the script gives up with a sentence saying what to do;
- after the playhead moves or a version loads, can write the *previous* picture: ``GetCurrentTimecode`` reports
  the new position before the viewer has rendered it. A :class:`Viewer` remembers the picture of the last still;
  after a change it exports until two consecutive exports agree and differ from that picture (a move to the same
  timecode, clip and version changed nothing: one export). Past ``SETTLE_TIMEOUT_S`` it refuses in one sentence
  when another clip or version is under the playhead (the old picture would be the wrong shot or grade), and
  takes the picture as it is when only the frame changed inside one clip (static media looks the same on every
  frame; at worst the still is a neighbouring frame of the same shot, under the same grade). A run's first look
  at the viewer, with no picture known yet, takes one that holds over ``SETTLE_POLL_S``; positions are read once
  two ``GetCurrentTimecode`` reads agree (the report lags a set too);
- is read only once it is a whole PNG: every chunk's CRC checks, IEND is there, the image data decompresses to its
  end, and the file is no longer growing.

Two exports agree when their pictures do: the digest covers the PNG's header and decompressed image data, not
ancillary chunks (a timestamp would make equal pictures differ).
"""

import hashlib
import os
import struct
import tempfile
import time
import zlib

from resolve_scripts.errors import ResolveRefusal
from resolve_scripts.timecode import frame_to_timecode, timeline_rate

EXPORT_ATTEMPTS = 4  # one export and three retries of a black still
RETRY_DELAY_S = 0.25  # time for the viewer to decode a RAW frame between attempts
PLAYHEAD_POLLS = 10  # GetCurrentTimecode may lag a SetCurrentTimecode for a poll or two (API-NOTES section 4)
PLAYHEAD_POLL_S = 0.02
# Observed viewer lag after a move or a version load: 0.3 s to 4 s (API-NOTES section 4); read at call time, so
# tests can shrink them.
SETTLE_TIMEOUT_S = 5.0  # the longest Pix2LUT waits for the viewer to show the new picture
SETTLE_POLL_S = 0.2  # between exports while it waits
COMPLETE_TIMEOUT_S = 2.0  # the longest Pix2LUT waits for an exported still to become a whole PNG
COMPLETE_POLL_S = 0.05
VIEWER_STILL = "pix2lut-viewer-"  # prefix of the temporary still that shows what the viewer shows
MIN_FRAMES_WITH_INSIDE = 3  # a first frame, a last frame, and at least one between them
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG colour type -> (channels, colour channels): grey, RGB, grey+alpha, RGBA (ISO/IEC 15948, 11.2.2)
PNG_CHANNELS = {0: (1, 1), 2: (3, 3), 4: (2, 1), 6: (4, 3)}


def export_still(project, path, clip_name, retry_delay_s=RETRY_DELAY_S, before=None, accept_unchanged=False):
    """The frame under the playhead as graded, written to ``path`` (a .png); ResolveRefusal when Resolve will not.

    A still that comes out all black is exported again, up to ``EXPORT_ATTEMPTS`` times in all.

    Parameters
    ----------
    before
        None: nothing changed since the viewer was last seen, one export per attempt. Else the digest of the
        picture from before a move or a version load (:func:`png_digest`, "" when unknown): each attempt exports
        until two consecutive exports agree and differ from ``before`` (:func:`settle`).
    accept_unchanged
        Past ``SETTLE_TIMEOUT_S``, take a picture still equal to ``before`` instead of refusing.
    """
    return _export_still(project, path, clip_name, retry_delay_s, before, accept_unchanged)[0]


def _export_still(project, path, clip_name, retry_delay_s, before, accept_unchanged):
    """:func:`export_still`, returning ``(path, digest of the still)``."""
    check_still_export(project)
    for attempt in range(EXPORT_ATTEMPTS):
        if attempt:
            time.sleep(retry_delay_s)
        if before is None:
            digest = export_once(project, path, clip_name)
        else:
            digest = settle(project, path, clip_name, before, accept_unchanged)
        if not is_black_png(path):
            return path, digest
    raise ResolveRefusal(
        f"Resolve exported an all-black frame of {clip_name!r} {EXPORT_ATTEMPTS} times (camera RAW not decoded "
        "yet, or a black frame): play the clip once in the viewer, park on a picture, and run again."
    )


def check_still_export(project):
    if "ExportCurrentFrameAsStill" not in dir(project):
        raise ResolveRefusal("This Resolve cannot export stills from scripts: Pix2LUT needs Resolve 18.5 or newer.")


def export_once(project, path, clip_name):
    """One export to ``path``, waited for until it is a whole PNG; returns its picture digest."""
    if not project.ExportCurrentFrameAsStill(path):
        raise ResolveRefusal(
            "Resolve would not export the current frame as a still: open the Color page with the "
            "playhead on a clip and run again."
        )
    deadline = time.monotonic() + COMPLETE_TIMEOUT_S
    while True:
        digest = png_digest(path)
        if digest is not None:
            return digest
        if time.monotonic() >= deadline:
            break
        time.sleep(COMPLETE_POLL_S)
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        raise ResolveRefusal(f"Resolve said it exported the still but wrote no file at {path}: run again.")
    raise ResolveRefusal(
        f"Resolve's still of {clip_name!r} at {path} was still not a whole PNG after {COMPLETE_TIMEOUT_S:g} s "
        "(the disk full or slow?): run again."
    )


def settle(project, path, clip_name, before, accept_unchanged=False, confirm=True, patient=False):
    """Export to ``path`` until two consecutive exports agree and differ from ``before`` (None: any picture).

    Returns the digest. ``confirm`` False: the first export that differs from ``before`` will do. Past
    ``SETTLE_TIMEOUT_S``: ResolveRefusal, or with ``accept_unchanged`` the picture ``before`` itself when the
    viewer went on showing it (it is what the viewer shows, as far as can be told). The viewer gets
    ``SETTLE_POLL_S`` between exports while it shows ``before`` or changes; a new picture is confirmed at once,
    unless ``patient`` (nothing known of the picture before: the confirming export waits too).
    """
    timeout_s = SETTLE_TIMEOUT_S
    deadline = time.monotonic() + timeout_s
    previous = None
    while True:
        digest = export_once(project, path, clip_name)
        if digest != before and (digest == previous or not confirm):
            return digest
        if time.monotonic() >= deadline:
            break
        if patient or digest == before or previous is not None:  # the old picture, or one changing: give it time
            time.sleep(SETTLE_POLL_S)
        previous = digest
    if digest == before and accept_unchanged:
        return digest
    if digest == before:
        raise ResolveRefusal(
            f"Resolve's viewer still showed the picture from before the playhead moved to {clip_name!r} (or its "
            f"version loaded) after {timeout_s:g} s, so no still was taken: let the viewer catch up and run again "
            "(a clip that looks exactly like the picture before it: grade it on its own with Grade Clip)."
        )
    raise ResolveRefusal(
        f"The picture of {clip_name!r} kept changing from one export to the next for {timeout_s:g} s, so no still "
        "was taken: stop playback, park the playhead, and run again."
    )


class Viewer:
    """What the viewer showed at the last still Pix2LUT took, to tell a fresh still from a stale one.

    Resolve reports a new playhead position (or version) before the viewer has rendered it (module docstring), so
    every still after a change is taken knowing the picture before it. Use one Viewer per run, and move the
    playhead with :meth:`move`: it first makes sure the picture before the move is known.
    """

    def __init__(self, project, timeline):
        self.project = project
        self.timeline = timeline
        self.position = None  # (timecode, clip id, version) when the picture below was taken; None: not seen yet
        self.digest = None  # that picture, as png_digest gives it

    def look(self):
        """Learn the picture the viewer shows now, before something changes it (a version load, a move)."""
        position = viewer_position(self.timeline)
        if position == self.position:
            return
        check_still_export(self.project)
        handle, path = tempfile.mkstemp(prefix=VIEWER_STILL, suffix=".png")
        os.close(handle)
        try:
            if self.position is None:  # the run's first look: a picture that holds for SETTLE_POLL_S
                digest = settle(self.project, path, "the picture in the viewer", None, patient=True)
            else:  # changed since the last still (a version loaded under the playhead): wait for it to show
                digest = settle(
                    self.project, path, "the picture in the viewer", self.digest, accept_unchanged=True, confirm=False
                )
        except ResolveRefusal:
            digest = ""  # nothing Resolve would export (a gap?): the next still makes do with two agreeing exports
        finally:
            os.remove(path)
        self.position, self.digest = position, digest

    def move(self, frame):
        """Park the playhead on absolute frame ``frame``, the picture before the move known; returns its timecode."""
        self.look()
        return move_playhead(self.timeline, frame)

    def still(self, path, clip_name, retry_delay_s=RETRY_DELAY_S):
        """:func:`export_still` of the frame under the playhead, waiting for the viewer when the position, clip or
        version changed since the last picture seen (refusing past the time limit when the clip or version did)."""
        position = viewer_position(self.timeline)
        if self.position is None or position == self.position:
            _path, digest = _export_still(self.project, path, clip_name, retry_delay_s, None, False)
        else:
            same_shot = position[1:] == self.position[1:]  # only the frame changed, inside one clip and version
            _path, digest = _export_still(self.project, path, clip_name, retry_delay_s, self.digest, same_shot)
        self.position, self.digest = position, digest
        return path


def viewer_position(timeline):
    """``(timecode, clip id, (version type, version name))`` under the playhead: what a change of picture changes."""
    item = timeline.GetCurrentVideoItem()
    timecode = reported_timecode(timeline)
    if item is None:
        return timecode, None, None
    version = item.GetCurrentVersion() or {}
    return timecode, item.GetUniqueId(), (version.get("versionType"), version.get("versionName"))


def reported_timecode(timeline):
    """``GetCurrentTimecode`` once two reads agree: after a set (the user's too) the report may lag for a poll or
    two (API-NOTES section 4), and a lagging report would look like a move that has not happened."""
    timecode = timeline.GetCurrentTimecode()
    for _poll in range(PLAYHEAD_POLLS):
        again = timeline.GetCurrentTimecode()
        if again == timecode:
            break
        timecode = again
        time.sleep(PLAYHEAD_POLL_S)
    return timecode


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


def png_digest(path):
    """SHA-256 of a whole PNG's picture (IHDR, PLTE, the decompressed image data); None for anything else.

    Whole: the signature, chunks whose CRCs check, IEND last, image data that decompresses to the end of its
    zlib stream, and a file that did not grow while it was read (ISO/IEC 15948, 5.3 and 10).
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        size = os.path.getsize(path)
    except OSError:
        return None
    if size != len(data) or not data.startswith(PNG_SIGNATURE):
        return None
    position, digest, decompressor, ended = len(PNG_SIGNATURE), hashlib.sha256(), zlib.decompressobj(), False
    while position + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 8 + length
        if end + 4 > len(data):
            return None
        body = data[position + 8 : end]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[end : end + 4])[0]:
            return None
        try:
            if kind in (b"IHDR", b"PLTE"):
                digest.update(kind + body)
            elif kind == b"IDAT":
                digest.update(decompressor.decompress(body))
        except zlib.error:
            return None
        position = end + 4
        if kind == b"IEND":
            ended = True
            break
    if not ended or not decompressor.eof:
        return None
    return digest.hexdigest()


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
