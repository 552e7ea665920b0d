"""Timelines, their clips (TimelineItem), markers, and the media pool items behind the clips.

API-NOTES sections 3, 4 and 6: frames are absolute timeline frames (a 24 fps timeline at 01:00:00:00 starts at
frame 86400); ``SetCurrentTimecode`` takes the absolute timecode and refuses one before the start;
``GetCurrentTimecode`` may lag a set for a poll or two; ``GetCurrentVideoItem`` over a gap is None; marker frame
ids are relative to the timeline's (or clip's) start and ``GetMarkers`` keys them as floats (``{96.0: {...}}``, as
the README's example shows); versions are named uniquely per type (0 local, 1 remote). After the playhead moves or
the clip under it loads another version the viewer may show the previous picture for a while (``Quirks``).
``GetEnd``/``GetEndFrame`` are one past the last frame, so ``GetEnd() - GetStart() == GetDuration()``.

Section 10: ``GetItemListInTrack`` lists titles, generators, adjustment clips, Fusion compositions and (21.0+)
transitions besides media clips; their ``GetMediaPoolItem()`` is None. The viewer (and so ``GetCurrentVideoItem``
and the still) shows the top enabled item on an enabled track: an adjustment clip or a title lets the tracks
below show through, graded by the adjustment clip's nodes or drawn over. Version calls on a clip of a timeline
that is not the current one are refused: the Color page works on the current timeline only (the reading that is
harder on scripts; Undo switches timeline first).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pix2lut.cube import write_cube
from pix2lut.lut import Lut3D, identity_table
from tests.fakes.color_objects import ColorGroup, GalleryStill
from tests.fakes.grading import CdlRefused, Graph, NodeOperations, parse_set_cdl, updated_cdl
from tests.fakes.media import ADJUSTMENT, CLIP, TITLE, TRANSITION, FakeClip, FakeTimeline, FrameSource
from tests.fakes.rendering import GradeNode, burn_in, conform, grade_pixels, new_nodes
from tests.fakes.session import FakeLimitation, ResolveObject, Session, api
from tests.fakes.timecode import TimecodeFormat

if TYPE_CHECKING:
    from tests.fakes.project_objects import Project

LOCAL, REMOTE = 0, 1  # versionType
VERSION_TYPES = (LOCAL, REMOTE)
DEFAULT_VERSION_NAME = "Version 1"
VIDEO, AUDIO, SUBTITLE = "video", "audio", "subtitle"
AUDIO_TRACKS = 1  # a new Resolve timeline has one audio track; the fake puts nothing on it
STILL_FRAME_FIRST, STILL_FRAME_MIDDLE = 1, 2  # GrabAllStills' stillFrameSource
SEE_THROUGH = (TITLE, ADJUSTMENT)  # kinds that let the tracks below show
# Clip and track enable calls: the README of 20.x lists them; the first version that has them is not verified.
ENABLE_CALLS_SINCE = (20, 0)
TRANSITIONS_LISTED_SINCE = (21, 0)  # observed: GetItemListInTrack returns transitions on 21.x (section 10)
MARKER_COLORS = (
    "Blue", "Cyan", "Green", "Yellow", "Red", "Pink", "Purple", "Fuchsia",
    "Rose", "Lavender", "Sky", "Mint", "Lemon", "Sand", "Cocoa", "Cream",
)  # fmt: skip

# Values of the resolve.EXPORT_LUT_* constants. Resolve's own numbers are not documented (they are floats);
# these are arbitrary on purpose, so that a script that hard-codes a number instead of reading the constant fails.
EXPORT_LUT_17PTCUBE = 1017.0
EXPORT_LUT_33PTCUBE = 1033.0
EXPORT_LUT_65PTCUBE = 1065.0
EXPORT_LUT_PANASONICVLUT = 1099.0
EXPORT_LUT_SIZES = {EXPORT_LUT_17PTCUBE: 17, EXPORT_LUT_33PTCUBE: 33, EXPORT_LUT_65PTCUBE: 65}
MARKER_FRAME_NOISE = 1e-6  # frames: float noise in a frame id still names a whole frame (see MarkerCalls)


class MarkerCalls(ResolveObject):
    """The marker calls Timeline and TimelineItem share; frame ids are relative to the owner's start.

    Resolve answers frame ids and durations as floats (the README: ``{96.0: {'color': 'Green', 'duration': 1.0,
    ...}}``). A frame id that is a whole frame up to float noise (a frame computed from seconds, 479.99999999999994)
    is kept as given: *not verified* whether Resolve snaps it, and keeping it is the reading harder on scripts.
    """

    _markers: dict[float, dict[str, Any]]

    def _marker_span(self) -> int:
        raise NotImplementedError

    @api()
    def AddMarker(
        self, frameId: float, color: str, name: str, note: str, duration: int, customData: str | None = None
    ) -> bool:
        if isinstance(frameId, bool) or not isinstance(frameId, (int, float)):
            return self._refuse(f"frameId must be a whole number of frames, found {frameId!r}")
        if abs(frameId - round(frameId)) > MARKER_FRAME_NOISE:
            return self._refuse(f"frameId must be a whole number of frames, found {frameId!r}")
        frame = float(frameId)
        if not 0 <= round(frame) < self._marker_span():
            return self._refuse(f"frameId {frameId} outside 0..{self._marker_span() - 1} (relative to the start)")
        if any(round(taken) == round(frame) for taken in self._markers):
            return self._refuse(f"a marker exists at frame {frame}")
        if color not in MARKER_COLORS:
            return self._refuse(f"unknown marker colour {color!r}")
        if not (isinstance(name, str) and isinstance(note, str) and isinstance(customData, (str, type(None)))):
            return self._refuse("name, note and customData must be strings")
        if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1:
            return self._refuse(f"duration must be a whole number of frames >= 1, found {duration!r}")
        self._markers[frame] = {
            "color": color,
            "duration": float(duration),
            "note": note,
            "name": name,
            "customData": customData or "",
        }
        return True

    @api()
    def GetMarkers(self) -> dict[float, dict[str, Any]]:
        return {frame: dict(info) for frame, info in sorted(self._markers.items())}

    @api()
    def GetMarkerByCustomData(self, customData: str) -> dict[str, Any]:
        for info in self._markers.values():
            if info["customData"] == customData:
                return dict(info)
        return {}

    @api()
    def GetMarkerCustomData(self, frameId: int) -> str:
        return self._markers[frameId]["customData"] if frameId in self._markers else ""

    @api()
    def UpdateMarkerCustomData(self, frameId: int, customData: str) -> bool:
        if frameId not in self._markers or not isinstance(customData, str):
            return self._refuse(f"no marker at frame {frameId!r}, or customData {customData!r} is not a string")
        self._markers[frameId]["customData"] = customData
        return True

    @api()
    def DeleteMarkerAtFrame(self, frameNum: int) -> bool:
        if frameNum not in self._markers:
            return self._refuse(f"no marker at frame {frameNum!r}")
        del self._markers[frameNum]
        return True

    @api()
    def DeleteMarkerByCustomData(self, customData: str) -> bool:
        for frame, info in self._markers.items():
            if info["customData"] == customData:
                del self._markers[frame]
                return True
        return self._refuse(f"no marker with customData {customData!r}")

    @api()
    def DeleteMarkersByColor(self, color: str) -> bool:
        if color != "All" and color not in MARKER_COLORS:
            return self._refuse(f"unknown marker colour {color!r}")
        self._markers = {f: info for f, info in self._markers.items() if color != "All" and info["color"] != color}
        return True


class MediaPoolItem(ResolveObject):
    api_class = "MediaPoolItem"

    def __init__(self, session: Session, clip: FakeClip, source: FrameSource) -> None:
        super().__init__(session)
        self._clip = clip
        self._source = source
        self._id = session.new_id()

    @api()
    def GetName(self) -> str:
        return self._clip.name

    @api()
    def GetMediaId(self) -> str:
        return self._id

    @api()
    def GetUniqueId(self) -> str:
        return self._id

    @api()
    def GetClipProperty(self, propertyName: str | None = None) -> dict[str, str] | str:
        width, height = self._source.size()
        properties = {
            "Clip Name": self._clip.name,
            "File Path": self._source.path,
            "FPS": f"{self._clip.fps:g}",
            "Frames": str(len(self._source)),
            "Resolution": f"{width}x{height}",
            "Type": "Video",
        }
        if propertyName is None:
            return properties
        return properties.get(propertyName, "")


class TimelineItem(MarkerCalls, NodeOperations):
    """A clip on a video track, its grade versions, and the pictures it renders."""

    api_class = "TimelineItem"

    def __init__(self, session: Session, timeline: Timeline, clip: FakeClip, source: FrameSource, start: int) -> None:
        super().__init__(session)
        self._timeline = timeline
        self._luts = timeline._project._luts
        self._clip = clip
        self._source = source
        self._start = start
        self._id = session.new_id()
        self._media = MediaPoolItem(session, clip, source) if clip.kind == CLIP else None
        self._enabled = clip.enabled
        self._versions: dict[int, dict[str, list[GradeNode]]] = {
            LOCAL: {DEFAULT_VERSION_NAME: new_nodes(clip.nodes)},
            REMOTE: {},
        }
        self._current = (LOCAL, DEFAULT_VERSION_NAME)
        self._group: ColorGroup | None = None
        self._markers = {}
        self._still_exports: Counter[int] = Counter()  # per frame, for black_first_exports

    # -- placement -------------------------------------------------------------------------------------------

    def _marker_span(self) -> int:
        return len(self._source)

    @property
    def _end(self) -> int:
        return self._start + len(self._source)

    @api()
    def GetName(self) -> str:
        return self._clip.name

    @api()
    def GetStart(self, subframePrecision: bool = False) -> int:
        return self._start

    @api()
    def GetEnd(self, subframePrecision: bool = False) -> int:
        return self._end

    @api()
    def GetDuration(self, subframePrecision: bool = False) -> int:
        return len(self._source)

    @api()
    def GetLeftOffset(self, subframePrecision: bool = False) -> int:
        return 0  # the whole source is on the timeline: no handles

    @api()
    def GetRightOffset(self, subframePrecision: bool = False) -> int:
        return 0

    @api()
    def GetUniqueId(self) -> str:
        return self._id

    @api(refused=None)
    def GetMediaPoolItem(self) -> MediaPoolItem | None:
        return self._media  # None for titles, generators, adjustment clips, Fusion compositions, transitions

    @api(since=ENABLE_CALLS_SINCE)
    def GetClipEnabled(self) -> bool:
        return self._enabled

    @api(since=ENABLE_CALLS_SINCE)
    def SetClipEnabled(self, enabled: bool) -> bool:
        if not isinstance(enabled, bool):
            return self._refuse(f"SetClipEnabled takes a bool, found {enabled!r}")
        self._enabled = enabled
        return True

    @api()
    def GetTrackTypeAndIndex(self) -> list[Any]:
        return [VIDEO, self._clip.track]

    # -- nodes -----------------------------------------------------------------------------------------------

    def _nodes(self) -> list[GradeNode]:
        version_type, name = self._current
        return self._versions[version_type][name]

    @api(since=(19, 0), refused=None)
    def GetNodeGraph(self, layerIdx: int | None = None) -> Graph | None:
        if layerIdx not in (None, 1) or isinstance(layerIdx, bool):
            return self._refuse(f"no node stack layer {layerIdx!r}: the clip has layer 1 only", None)
        return Graph(self._session, self._luts, self._nodes)

    @api()
    def GetNumNodes(self) -> int:
        """Deprecated by Graph.GetNumNodes, still present."""
        return len(self._nodes())

    @api()
    def SetLUT(self, nodeIndex: int, lutPath: str) -> bool:
        """Deprecated by Graph.SetLUT, still present."""
        return self._set_lut(nodeIndex, lutPath)

    @api()
    def GetLUT(self, nodeIndex: int) -> str | None:
        """Deprecated by Graph.GetLUT, still present."""
        return self._get_lut(nodeIndex)

    @api()
    def GetNodeLabel(self, nodeIndex: int) -> str | None:
        """Deprecated by Graph.GetNodeLabel, still present."""
        return self._get_label(nodeIndex)

    @api()
    def SetCDL(self, CDL: dict[str, str]) -> bool:
        nodes = self._nodes()
        try:
            index, values, red = parse_set_cdl(CDL, len(nodes), self._session.quirks.cdl_list_renders_red)
            node = nodes[index - 1]
            cdl = updated_cdl(node.cdl, values) if values else node.cdl
        except CdlRefused as exc:
            return self._refuse(str(exc))
        node.cdl = cdl
        node.cdl_red = red
        return True

    @api()
    def CopyGrades(self, tgtTimelineItems: list[TimelineItem]) -> bool:
        if not isinstance(tgtTimelineItems, list) or not all(isinstance(t, TimelineItem) for t in tgtTimelineItems):
            return self._refuse("CopyGrades takes a list of timeline items")
        for target in tgtTimelineItems:
            if target is not self:
                target._nodes()[:] = [node.copy() for node in self._nodes()]
        return True

    @api()
    def ExportLUT(self, exportType: float, path: str) -> bool:
        """The clip's own nodes (current version) baked into a .cube of the size ``exportType`` names."""
        if exportType == EXPORT_LUT_PANASONICVLUT:
            raise FakeLimitation("the fake writes no Panasonic VLUT files")
        size = EXPORT_LUT_SIZES.get(exportType) if isinstance(exportType, float) else None
        if size is None:
            return self._refuse(f"exportType must be a resolve.EXPORT_LUT_* constant, found {exportType!r}")
        if not isinstance(path, str) or not Path(path).parent.is_dir():
            return self._refuse(f"cannot write {path!r}: no such folder")
        table = grade_pixels(identity_table(size), self._nodes(), self._luts)  # [r, g, b] lattice through the grade
        write_cube(Lut3D(np.clip(table, 0.0, 1.0)), path)
        return True

    # -- versions --------------------------------------------------------------------------------------------

    def _off_timeline(self) -> str:
        """Why a version call on this clip is refused now: its timeline is not the current one ("" when it is)."""
        if self._timeline._project._current_timeline is self._timeline:
            return ""
        return f"the clip is on timeline {self._timeline._spec.name!r}, not the current one (SetCurrentTimeline)"

    def _version_names(self, version_type: object) -> dict[str, list[GradeNode]] | None:
        if isinstance(version_type, bool) or version_type not in VERSION_TYPES:
            return None
        return self._versions[version_type]  # type: ignore[index]

    @api()
    def AddVersion(self, versionName: str, versionType: int) -> bool:
        versions = self._version_names(versionType)
        if versions is None:
            return self._refuse(f"versionType must be 0 (local) or 1 (remote), found {versionType!r}")
        if not isinstance(versionName, str) or not versionName:
            return self._refuse(f"a version name must be a non-empty string, found {versionName!r}")
        if versionName in versions:
            return self._refuse(f"a version named {versionName!r} exists")
        if self._off_timeline():
            return self._refuse(self._off_timeline())
        current = self._nodes()
        if self._session.quirks.add_version_default_grade:
            versions[versionName] = new_nodes([""])  # Resolve's default grade: one node, whatever was current
        elif self._session.quirks.add_version_copies_grade:
            versions[versionName] = [node.copy() for node in current]
        else:
            versions[versionName] = new_nodes(node.label for node in current)
        if self._session.quirks.add_version_switches:
            self._switch_version((versionType, versionName))
        return True

    @api()
    def LoadVersionByName(self, versionName: str, versionType: int) -> bool:
        versions = self._version_names(versionType)
        if versions is None or versionName not in versions:
            return self._refuse(f"no version {versionName!r} of type {versionType!r}")
        if self._off_timeline():
            return self._refuse(self._off_timeline())
        self._switch_version((versionType, versionName))
        return True

    def _switch_version(self, version: tuple[int, str]) -> None:
        if version != self._current and self._timeline._item_at(self._timeline._playhead) is self:
            self._timeline._viewer_will_change()  # the viewer shows this clip: it may lag the new grade
        self._current = version

    @api(refused=None)
    def GetVersionNameList(self, versionType: int) -> list[str] | None:
        versions = self._version_names(versionType)
        if versions is None:
            return self._refuse(f"versionType must be 0 (local) or 1 (remote), found {versionType!r}", None)
        return list(versions)

    @api()
    def GetCurrentVersion(self) -> dict[str, Any]:
        version_type, name = self._current
        return {"versionName": name, "versionType": version_type}

    @api()
    def DeleteVersionByName(self, versionName: str, versionType: int) -> bool:
        versions = self._version_names(versionType)
        if versions is None or versionName not in versions:
            return self._refuse(f"no version {versionName!r} of type {versionType!r}")
        if self._current == (versionType, versionName):
            return self._refuse("the current version cannot be deleted: load another one first")
        if self._off_timeline():
            return self._refuse(self._off_timeline())
        del versions[versionName]
        return True

    @api()
    def RenameVersionByName(self, oldName: str, newName: str, versionType: int) -> bool:
        versions = self._version_names(versionType)
        if versions is None or oldName not in versions:
            return self._refuse(f"no version {oldName!r} of type {versionType!r}")
        if not isinstance(newName, str) or not newName or newName in versions:
            return self._refuse(f"the new name {newName!r} is empty or taken")
        self._versions[versionType] = {newName if name == oldName else name: nodes for name, nodes in versions.items()}
        if self._current == (versionType, oldName):
            self._current = (versionType, newName)
        return True

    # -- colour groups ---------------------------------------------------------------------------------------

    @api(refused=None)
    def GetColorGroup(self) -> ColorGroup | None:
        return self._group

    @api()
    def AssignToColorGroup(self, colorGroup: ColorGroup) -> bool:
        if colorGroup not in self._timeline._project._groups:
            return self._refuse("not a colour group of this project")
        self._group = colorGroup
        return True

    @api()
    def RemoveFromColorGroup(self) -> bool:
        if self._group is None:
            return self._refuse("the clip is in no colour group")
        self._group = None
        return True

    # -- pictures --------------------------------------------------------------------------------------------

    def _graded(self, offset: int) -> np.ndarray:
        """Frame ``offset`` (from the clip's first) through every node that applies to it, in order."""
        return grade_pixels(self._own_picture(offset), self._timeline._nodes, self._luts)

    def _own_picture(self, offset: int) -> np.ndarray:
        """Frame ``offset`` through the group's and the item's own nodes (not the timeline's). An adjustment clip
        grades, and a title draws its non-black pixels over, the picture of the tracks below it."""
        nodes = list(self._nodes())
        if self._group is not None:
            nodes = self._group._pre_nodes + nodes + self._group._post_nodes
        if self._clip.kind not in SEE_THROUGH:
            return grade_pixels(self.fake_source_frame(offset), nodes, self._luts)
        below = self._timeline._picture_below(self, self._start + offset)
        if self._clip.kind == ADJUSTMENT:
            return grade_pixels(below, nodes, self._luts)
        drawn = np.any(self.fake_source_frame(offset) > 0.0, axis=-1, keepdims=True)  # text on black
        return np.where(drawn, grade_pixels(self.fake_source_frame(offset), nodes, self._luts), below)

    def _still(self, offset: int, exported: bool = True) -> np.ndarray:
        """What ExportCurrentFrameAsStill writes: the graded frame, or black while RAW is not decoded yet.

        ``exported``: False to look at the picture without counting an export (the viewer lag's snapshot).
        """
        self._still_exports[offset] += exported
        if self._still_exports[offset] + (not exported) <= self._clip.black_first_exports:
            return np.zeros_like(self.fake_source_frame(offset))
        return self._graded(offset)

    # -- introspection for tests -----------------------------------------------------------------------------

    def fake_nodes(self, version_name: str | None = None, version_type: int = LOCAL) -> list[GradeNode]:
        """Copies of the nodes of a version (the current one by default), in order."""
        if version_name is None:
            return [node.copy() for node in self._nodes()]
        return [node.copy() for node in self._versions[version_type][version_name]]

    def fake_versions(self, version_type: int = LOCAL) -> list[str]:
        return list(self._versions[version_type])

    def fake_set_nodes(self, labels: tuple[str, ...] | list[str]) -> None:
        """Rebuild the current version as serial nodes with these labels, no corrections (as a user would)."""
        self._nodes()[:] = new_nodes(labels)

    def fake_source_frame(self, offset: int = 0) -> np.ndarray:
        """Source frame ``offset`` conformed to the timeline resolution, before any grade."""
        width, height = self._timeline._resolution()
        return conform(self._source.frame(offset), width, height)

    def fake_render(self, offset: int = 0) -> np.ndarray:
        """Frame ``offset`` as graded now (float32, not quantized): what the viewer shows."""
        return self._graded(offset)


class Timeline(MarkerCalls):
    api_class = "Timeline"

    def __init__(self, session: Session, project: Project, spec: FakeTimeline) -> None:
        super().__init__(session)
        self._project = project
        self._spec = spec
        fps = spec.fps if spec.fps is not None else (spec.clips[0].fps if spec.clips else 24.0)
        self._format = TimecodeFormat(fps, spec.drop_frame)
        start = self._format.to_frame(spec.start_timecode)
        if start is None:
            raise ValueError(f"timeline {spec.name!r}: bad start timecode {spec.start_timecode!r}")
        self._start = start
        self._id = session.new_id()
        self._nodes = new_nodes(spec.nodes)
        self._markers = {}
        self._settings: dict[str, str] = {}  # its own, used when useCustomSettings is "1"
        self._custom = False
        self._tracks: dict[int, list[TimelineItem]] = {1: []}
        self._transitions: dict[int, list[TimelineItem]] = {}  # across cuts, apart from the clips they join
        self._disabled_tracks = set(spec.disabled_tracks)
        for clip in spec.clips:
            self._place(clip)
        self._playhead = self._start
        self._reported_playhead = self._start
        self._lag_left = 0
        self._stale_picture: np.ndarray | None = None  # what a lagging viewer still shows (Quirks.viewer_lag_*)
        self._stale_exports_left = 0
        self._stale_until = 0.0  # time.monotonic()
        self._selected: list[TimelineItem] = []

    def _place(self, clip: FakeClip) -> None:
        if clip.track < 1:
            raise ValueError(f"clip {clip.name!r}: tracks count from 1, found {clip.track}")
        for track in range(1, clip.track + 1):
            self._tracks.setdefault(track, [])
        if clip.kind == TRANSITION:
            start = self._start + clip.start_frame  # type: ignore[operator]  # FakeClip requires it
            self._transitions.setdefault(clip.track, []).append(
                TimelineItem(self._session, self, clip, FrameSource(clip), start)
            )
            return
        items = self._tracks[clip.track]
        track_end = items[-1]._end if items else self._start
        start = track_end if clip.start_frame is None else self._start + clip.start_frame
        if start < track_end:
            raise ValueError(f"clip {clip.name!r} at frame {start} overlaps the clip before it (ends at {track_end})")
        items.append(TimelineItem(self._session, self, clip, FrameSource(clip), start))

    def _all_items(self) -> list[TimelineItem]:
        return [item for track in sorted(self._tracks) for item in self._tracks[track]]

    def _end(self) -> int:
        return max((item._end for item in self._all_items()), default=self._start)

    def _marker_span(self) -> int:
        return self._end() - self._start

    def _item_at(self, frame: int, below: int | None = None) -> TimelineItem | None:
        """The top enabled item on an enabled track (below track ``below`` when given) at ``frame``."""
        for track in sorted(self._tracks, reverse=True):  # the top track is what the viewer shows
            if track in self._disabled_tracks or (below is not None and track >= below):
                continue
            for item in self._tracks[track]:
                if item._enabled and item._start <= frame < item._end:
                    return item
        return None

    def _picture_below(self, item: TimelineItem, frame: int) -> np.ndarray:
        """What the tracks under ``item`` show at ``frame`` (black where nothing is), before the timeline's nodes."""
        under = self._item_at(frame, below=item._clip.track)
        if under is None:
            width, height = self._resolution()
            return np.zeros((height, width, 3), dtype=np.float32)
        return under._own_picture(frame - under._start)

    def _effective_settings(self) -> dict[str, str]:
        if self._custom:
            return {**self._settings, "useCustomSettings": "1"}
        return {**self._project._settings, "useCustomSettings": "0"}

    def _resolution(self) -> tuple[int, int]:
        settings = self._effective_settings()
        return int(settings["timelineResolutionWidth"]), int(settings["timelineResolutionHeight"])

    def _picture_at_playhead(self, exported: bool = True) -> np.ndarray:
        """The viewer's output now: the graded frame (black over a gap), with data burn-in when it is on."""
        item = self._item_at(self._playhead)
        if item is None:  # a gap shows black
            width, height = self._resolution()
            picture = np.zeros((height, width, 3), dtype=np.float32)
        else:
            picture = item._still(self._playhead - item._start, exported)
        return burn_in(picture, self._playhead) if self._project._burn_in else picture

    def _viewer_will_change(self) -> None:
        """The playhead is about to move, or the clip under it to load another version: with a viewer lag
        configured, the viewer goes on showing the picture it shows now (API-NOTES section 4)."""
        quirks = self._session.quirks
        if quirks.viewer_lag_exports <= 0 and quirks.viewer_lag_s <= 0:
            return
        if not self._viewer_is_stale():  # already stale: the viewer still shows the older picture
            self._stale_picture = self._picture_at_playhead(exported=False)
        self._stale_exports_left = quirks.viewer_lag_exports
        self._stale_until = time.monotonic() + quirks.viewer_lag_s

    def _viewer_is_stale(self) -> bool:
        if self._stale_picture is not None and (
            self._stale_exports_left > 0 or time.monotonic() < self._stale_until
        ):
            return True
        self._stale_picture = None
        return False

    def _exported_picture(self) -> np.ndarray:
        """What ExportCurrentFrameAsStill writes: the viewer's picture, the previous one while it lags."""
        if self._viewer_is_stale():
            self._stale_exports_left = max(self._stale_exports_left - 1, 0)
            return self._stale_picture
        return self._picture_at_playhead()

    @api()
    def GetName(self) -> str:
        return self._spec.name

    @api()
    def GetUniqueId(self) -> str:
        return self._id

    @api()
    def GetStartFrame(self) -> int:
        return self._start

    @api()
    def GetEndFrame(self) -> int:
        return self._end()

    @api()
    def GetStartTimecode(self) -> str:
        return self._format.to_timecode(self._start)

    @api()
    def GetTrackCount(self, trackType: str) -> int:
        return {VIDEO: len(self._tracks), AUDIO: AUDIO_TRACKS, SUBTITLE: 0}.get(trackType, 0)

    @api(refused=None)
    def GetItemListInTrack(self, trackType: str, index: int) -> list[TimelineItem] | None:
        if trackType == AUDIO and isinstance(index, int) and 1 <= index <= AUDIO_TRACKS:
            return []
        if trackType != VIDEO or isinstance(index, bool) or index not in self._tracks:
            return self._refuse(f"no {trackType!r} track {index!r} (tracks count from 1)", None)
        items = list(self._tracks[index])
        if self._session.at_least(TRANSITIONS_LISTED_SINCE):
            items = sorted(items + self._transitions.get(index, []), key=lambda item: item._start)
        return items

    @api(since=ENABLE_CALLS_SINCE)
    def GetIsTrackEnabled(self, trackType: str, trackIndex: int) -> bool:
        if trackType != VIDEO or isinstance(trackIndex, bool) or trackIndex not in self._tracks:
            return self._refuse(f"no {trackType!r} track {trackIndex!r} (the fake models video tracks)")
        return trackIndex not in self._disabled_tracks

    @api(since=ENABLE_CALLS_SINCE)
    def SetTrackEnable(self, trackType: str, trackIndex: int, enabled: bool) -> bool:
        if trackType != VIDEO or isinstance(trackIndex, bool) or trackIndex not in self._tracks:
            return self._refuse(f"no {trackType!r} track {trackIndex!r} (the fake models video tracks)")
        if not isinstance(enabled, bool):
            return self._refuse(f"SetTrackEnable takes a bool, found {enabled!r}")
        if enabled:
            self._disabled_tracks.discard(trackIndex)
        else:
            self._disabled_tracks.add(trackIndex)
        return True

    @api(refused=None)
    def GetCurrentVideoItem(self) -> TimelineItem | None:
        return self._item_at(self._playhead)

    @api()
    def GetCurrentTimecode(self) -> str:
        if self._lag_left > 0:
            self._lag_left -= 1  # observed: the position lags a set for a poll or two
        else:
            self._reported_playhead = self._playhead
        return self._format.to_timecode(self._reported_playhead)

    @api()
    def SetCurrentTimecode(self, timecode: str) -> bool:
        frame = self._format.to_frame(timecode)
        if frame is None:
            example = self._format.to_timecode(self._start)
            return self._refuse(f"{timecode!r} is not a timecode of this timeline (like {example!r})")
        if frame < self._start:
            return self._refuse(
                f"{timecode} is before the timeline start {self._format.to_timecode(self._start)}: "
                "SetCurrentTimecode takes the absolute timecode"
            )
        if frame >= self._end():
            return self._refuse(f"{timecode} is after the timeline end {self._format.to_timecode(self._end())}")
        if frame != self._playhead:
            self._viewer_will_change()
        self._playhead = frame
        self._lag_left = self._session.quirks.timecode_lag_polls
        return True

    @api(refused=None)
    def GrabStill(self) -> GalleryStill | None:
        if not self._session.gallery_open:
            return self._refuse("the Gallery panel is closed", None)
        item = self._item_at(self._playhead)
        if item is None:
            return self._refuse("no clip under the playhead", None)
        return self._project._gallery_add(item._graded(self._playhead - item._start), item)

    @api(refused=None)
    def GrabAllStills(self, stillFrameSource: int) -> list[GalleryStill] | None:
        if not self._session.gallery_open:
            return self._refuse("the Gallery panel is closed", None)
        if isinstance(stillFrameSource, bool) or stillFrameSource not in (STILL_FRAME_FIRST, STILL_FRAME_MIDDLE):
            return self._refuse(f"stillFrameSource must be 1 (first frame) or 2 (middle), found {stillFrameSource!r}")
        stills = []
        for item in self._all_items():
            offset = 0 if stillFrameSource == STILL_FRAME_FIRST else len(item._source) // 2
            stills.append(self._project._gallery_add(item._graded(offset), item))
        return stills

    @api(since=(21, 0))
    def GetSelectedClips(self) -> list[TimelineItem]:
        return list(self._selected)

    @api(since=(19, 0))
    def GetNodeGraph(self) -> Graph:
        return Graph(self._session, self._project._luts, lambda: self._nodes)

    @api()
    def GetSetting(self, settingName: str | None = None) -> dict[str, str] | str:
        settings = self._effective_settings()
        if self._custom:
            settings.update((key, "") for key in self._spec.blank_custom_settings)
        if settingName is None:
            return settings
        return settings.get(settingName, "") if isinstance(settingName, str) else ""

    @api()
    def SetSetting(self, settingName: str, settingValue: str) -> bool:
        if not isinstance(settingValue, str):
            return self._refuse(f"setting values are strings, found {settingValue!r}")
        if settingName == "useCustomSettings":
            if settingValue not in ("0", "1"):
                return self._refuse(f"useCustomSettings is '0' or '1', found {settingValue!r}")
            if settingValue == "1" and not self._custom:
                self._settings = dict(self._project._settings)
            self._custom = settingValue == "1"
            return True
        if not self._custom:
            return self._refuse("timeline settings apply only with useCustomSettings '1'")
        reason = self._project._setting_problem(settingName, settingValue, timeline=True)
        if reason:
            return self._refuse(reason)
        self._settings[settingName] = settingValue
        return True

    # -- introspection for tests -----------------------------------------------------------------------------

    def fake_items(self, track: int = 1) -> list[TimelineItem]:
        return list(self._tracks.get(track, []))

    def fake_item(self, name: str) -> TimelineItem:
        transitions = [item for track in sorted(self._transitions) for item in self._transitions[track]]
        for item in self._all_items() + transitions:
            if item._clip.name == name:
                return item
        raise KeyError(f"no clip named {name!r} on timeline {self._spec.name!r}")

    def fake_select_clips(self, items: list[TimelineItem]) -> None:
        self._selected = list(items)

    def fake_playhead(self) -> int:
        """The true playhead frame (GetCurrentTimecode may lag it)."""
        return self._playhead

    def fake_nodes(self) -> list[GradeNode]:
        """The timeline graph's nodes (applied after every clip's)."""
        return [node.copy() for node in self._nodes]
