"""What the fake timelines are made of: clips that carry real pixels, and a ready-made six-shot timeline.

A clip's frames are numpy arrays or image files (read lazily, a few at a time), so the whole chain the product
runs (export the still, grade it, apply the LUT, look again) runs on real pictures. ``six_clip_timeline`` cuts
the shared frame sequences (``../shared/data/frames``, see its README) into six shots, each with its own camera
cast, and falls back to generated gradients where the shared data is absent.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pix2lut.imageio import read_image
from tests.shared_data import SHARED_DATA

SHARED_FRAMES = SHARED_DATA / "frames"  # one folder of numbered frames per sequence
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
FULL_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}
CACHED_FRAMES = 4  # decoded frames kept per clip: enough for a still plus a few neighbours

# One cast per shot of the six-clip timeline: RGB gains a badly balanced camera might have given, so that a
# neutralize step has something to undo and no two shots match before it.
SHOT_CASTS = (
    (1.12, 1.0, 0.86),  # warm (tungsten white balance under daylight)
    (0.88, 0.98, 1.14),  # cool
    (1.0, 1.08, 0.95),  # green (fluorescent)
    (0.72, 0.72, 0.72),  # underexposed
    (1.06, 1.06, 1.06),  # slightly over
    (1.0, 1.0, 1.0),  # neutral
)
SIX_CLIP_FRAMES = 8  # frames per shot: a third of a second at 24 fps, plenty for stills and per-shot fits
GRADIENT_SIZE = (160, 90)  # width, height of generated frames when no shared frames exist

# What a timeline item is (API-NOTES section 10: GetItemListInTrack also returns titles, generators, adjustment
# clips, Fusion compositions and, on 21.x, transitions; none of them has a media pool item).
CLIP = "clip"  # media from the media pool: the only kind with a MediaPoolItem
TITLE = "title"  # drawn over the tracks below: its non-black pixels replace theirs (text on black)
GENERATOR = "generator"  # opaque: its frames hide the tracks below (a solid colour, colour bars)
ADJUSTMENT = "adjustment"  # its own nodes grade the picture of the tracks below; its frames are not shown
FUSION = "fusion"  # a Fusion composition from the Effects library: opaque, like a generator
TRANSITION = "transition"  # across a cut on its track; listed from 21.0, never shown as an item of its own
ITEM_KINDS = (CLIP, TITLE, GENERATOR, ADJUSTMENT, FUSION, TRANSITION)


@dataclass(frozen=True)
class FakeClip:
    """One clip of a fake timeline.

    Attributes
    ----------
    name
        The clip's name (``TimelineItem.GetName()``).
    frames
        The source pixels: a folder of numbered image files, or a sequence of image paths or of arrays
        ``(height, width, 3)`` (uint8, uint16, or float in [0, 1]), one per frame.
    start_frame
        Where the clip starts, in frames from the timeline start; None puts it right after the previous clip on
        its track. A later start leaves a gap.
    fps
        The clip's frame rate (``GetClipProperty("FPS")``).
    track
        The video track, from 1.
    nodes
        Labels of the clip's serial nodes, in order ("" is an unlabelled node). Scripts cannot add nodes
        (API-NOTES section 3), so a test builds them here, as a user would in the UI.
    gain
        RGB gains multiplied into the source pixels (then clipped to [0, 1]): a camera cast.
    black_first_exports
        Camera RAW that the viewer has not decoded yet: this many stills of each newly parked frame come out
        all black (API-NOTES section 4).
    kind
        One of ``ITEM_KINDS``: a media clip (the default), a title, a generator, an adjustment clip, a Fusion
        composition, or a transition (which needs ``start_frame``: it lies across a cut, over the clips).
    enabled
        The clip's enabled switch (``TimelineItem.GetClipEnabled``): a disabled item is not shown.
    """

    name: str
    frames: Sequence[np.ndarray | str | os.PathLike[str]] | str | os.PathLike[str]
    start_frame: int | None = None
    fps: float = 24.0
    track: int = 1
    nodes: tuple[str, ...] = ("",)
    gain: tuple[float, float, float] = (1.0, 1.0, 1.0)
    black_first_exports: int = 0
    kind: str = CLIP
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.kind not in ITEM_KINDS:
            raise ValueError(f"clip {self.name!r}: kind must be one of {', '.join(ITEM_KINDS)}, found {self.kind!r}")
        if self.kind == TRANSITION and self.start_frame is None:
            raise ValueError(f"transition {self.name!r} needs a start_frame (it lies across a cut)")


@dataclass(frozen=True)
class FakeTimeline:
    """One timeline: its clips, its start timecode, and the nodes of its own graph (``Timeline.GetNodeGraph``).

    ``disabled_tracks``: video tracks switched off (``Timeline.GetIsTrackEnabled`` False; nothing on them is shown).
    ``blank_custom_settings``: keys this timeline answers "" for once ``useCustomSettings`` is "1" (API-NOTES
    section 7 does not promise a custom timeline answers every colour key).
    """

    name: str
    clips: Sequence[FakeClip]
    start_timecode: str = "01:00:00:00"
    fps: float | None = None  # None: the first clip's rate
    drop_frame: bool = False
    nodes: tuple[str, ...] = ("",)
    disabled_tracks: tuple[int, ...] = ()
    blank_custom_settings: tuple[str, ...] = ()


class FrameSource:
    """The frames of one clip as float32 RGB in [0, 1], decoded on demand."""

    def __init__(self, clip: FakeClip) -> None:
        frames = clip.frames
        if isinstance(frames, (str, os.PathLike)):
            self.path = os.fspath(frames)
            folder = Path(frames)
            entries: list = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not entries:
                raise ValueError(f"clip {clip.name!r}: no {', '.join(IMAGE_SUFFIXES)} files in {folder}")
        else:
            entries = list(frames)
            self.path = os.fspath(entries[0]) if entries and isinstance(entries[0], (str, os.PathLike)) else ""
            if not entries:
                raise ValueError(f"clip {clip.name!r}: no frames")
        self._entries = entries
        self._gain = np.asarray(clip.gain, dtype=np.float32)
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` (from 0) as a new float32 array ``(height, width, 3)``, the cast applied."""
        if index not in self._cache:
            self._cache[index] = self._decode(self._entries[index])
            if len(self._cache) > CACHED_FRAMES:
                self._cache.popitem(last=False)
        self._cache.move_to_end(index)
        return self._cache[index].copy()

    def size(self) -> tuple[int, int]:
        """(width, height) of the first frame."""
        height, width = self.frame(0).shape[:2]
        return width, height

    def _decode(self, entry: np.ndarray | str | os.PathLike[str]) -> np.ndarray:
        if isinstance(entry, (str, os.PathLike)):
            pixels = read_image(entry).pixels
        else:
            array = np.asarray(entry)
            if array.ndim != 3 or array.shape[2] != 3:
                raise ValueError(f"a frame must have shape (height, width, 3), found {array.shape}")
            scale = FULL_SCALE.get(array.dtype)
            pixels = array.astype(np.float32) / np.float32(scale) if scale else array.astype(np.float32)
        if np.any(self._gain != 1.0):
            pixels = np.clip(pixels * self._gain, 0.0, 1.0)
        return pixels


def gradient_frames(width: int, height: int, count: int, seed: int = 0) -> list[np.ndarray]:
    """``count`` float32 frames of smooth colour ramps that drift a little from frame to frame.

    Every hue and level appears (so a LUT changes something everywhere); ``seed`` picks the hue layout.
    """
    x = np.linspace(0.0, 1.0, width, dtype=np.float32)[np.newaxis, :]
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, np.newaxis]
    phase = np.float32(seed * 0.37)
    frames = []
    for index in range(count):
        drift = np.float32(index * 0.01)
        hue = (x + phase + drift) * np.float32(2.0 * np.pi)
        level = 0.1 + 0.8 * y  # dark at the top, bright at the bottom
        channels = [level * (0.5 + 0.5 * np.cos(hue - shift)) for shift in (0.0, 2.0944, 4.1888)]  # 0, 120, 240 deg
        frames.append(np.clip(np.stack(channels, axis=-1), 0.0, 1.0).astype(np.float32))
    return frames


def effect_item(
    name: str,
    kind: str,
    length: int,
    *,
    track: int = 2,
    start_frame: int | None = None,
    frames: Sequence[np.ndarray] | None = None,
    nodes: tuple[str, ...] = ("",),
    enabled: bool = True,
) -> FakeClip:
    """A title, generator, adjustment clip, Fusion composition or transition ``length`` frames long.

    ``frames``: what it draws (a title's text on black, a generator's colour); black ``GRADIENT_SIZE`` frames by
    default, which an adjustment clip or a transition never shows anyway.
    """
    if frames is None:
        width, height = GRADIENT_SIZE
        frames = [np.zeros((height, width, 3), dtype=np.float32) for _ in range(length)]
    return FakeClip(name, frames, start_frame=start_frame, track=track, nodes=nodes, kind=kind, enabled=enabled)


def shared_sequences(root: Path = SHARED_FRAMES) -> list[list[Path]]:
    """The frame sequences under ``root``, each a sorted list of image files; [] when ``root`` is absent."""
    if not root.is_dir():
        return []
    sequences = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if files:
            sequences.append(files)
    return sequences


def six_clip_timeline(
    frames_root: Path = SHARED_FRAMES,
    frames_per_clip: int = SIX_CLIP_FRAMES,
    nodes: tuple[str, ...] = ("",),
    casts: Sequence[tuple[float, float, float]] = SHOT_CASTS,
) -> list[FakeClip]:
    """Six clips "Shot 01" .. "Shot 06" cut end to end, each with its own cast from ``casts``.

    Shots take consecutive stretches of the shared sequences in turn (sequence 1, 2, 1, 2, ...), so neighbouring
    shots differ in content; without shared frames they are generated gradients of ``GRADIENT_SIZE``.
    """
    if len(casts) != len(SHOT_CASTS):
        raise ValueError(f"six_clip_timeline needs {len(SHOT_CASTS)} casts, found {len(casts)}")
    sequences = shared_sequences(frames_root)
    clips = []
    for shot, cast in enumerate(casts):
        if sequences:
            files = sequences[shot % len(sequences)]
            first = (shot // len(sequences)) * frames_per_clip
            frames: Sequence = files[first : first + frames_per_clip]
            if len(frames) < frames_per_clip:
                raise ValueError(f"{files[0].parent} holds {len(files)} frames, too few for six shots")
        else:
            frames = gradient_frames(*GRADIENT_SIZE, frames_per_clip, seed=shot)
        clips.append(FakeClip(f"Shot {shot + 1:02d}", frames, nodes=nodes, gain=cast))
    return clips
