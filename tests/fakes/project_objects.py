"""The project level: ProjectManager, Project (settings, LUT list, the still export), MediaPool.

API-NOTES sections 2, 4, 5 and 7: ``GetSetting`` answers "" for an unknown key and a dict of all settings with
no key; ``SetSetting`` takes strings; ``RefreshLUTList`` is what makes new LUT files usable;
``ExportCurrentFrameAsStill`` (18.5+) writes the frame under the playhead as graded, only to a still format, as the
viewer shows it (a lagging viewer's previous picture, data burn-in when on).

Data burn-in: the README documents ``Project.LoadBurnInPreset(presetName)`` (and the Resolve-level preset import
and export) but no getter and no settings key, so by default the fake's ``GetSetting`` says nothing of it; a test
can make it answer under a key of its choosing (``fake_set_burn_in``) to check that scripts read one if it exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from tests.fakes.color_objects import ColorGroup, Gallery, GalleryStill
from tests.fakes.luts import LutLibrary
from tests.fakes.media import FakeTimeline
from tests.fakes.rendering import is_still_path, write_still
from tests.fakes.session import ResolveObject, Session, api
from tests.fakes.timeline_objects import MediaPoolItem, Timeline, TimelineItem

COLOR_SCIENCE_MODES = (  # API-NOTES section 7
    "davinciYRGB",
    "davinciYRGBColorManaged",
    "davinciYRGBColorManagedv2",
    "acescc",
    "acescct",
)
# The settings the product reads (API-NOTES section 7) plus the timeline format, at Resolve's defaults for a
# new project (display-referred Rec.709, no colour management).
PROJECT_SETTING_DEFAULTS = {
    "colorScienceMode": "davinciYRGB",
    "colorSpaceInput": "Rec.709 Gamma 2.4",
    "colorSpaceInputGamma": "Gamma 2.4",
    "colorSpaceTimeline": "Rec.709 Gamma 2.4",
    "colorSpaceTimelineGamma": "Gamma 2.4",
    "colorSpaceOutput": "Rec.709 Gamma 2.4",
    "colorSpaceOutputGamma": "Gamma 2.4",
    "separateColorSpaceAndGamma": "0",
    "videoDataLevels": "Video",
    "colorAcesNodeLUTProcessingSpace": "acesccAp1",
    "timelineFrameRate": "24",
    "timelinePlaybackFrameRate": "24",
    "timelineDropFrameTimecode": "0",
    "timelineResolutionWidth": "1920",
    "timelineResolutionHeight": "1080",
}
FRAME_RATE_KEYS = ("timelineFrameRate", "timelinePlaybackFrameRate", "timelineDropFrameTimecode")
RESOLUTION_KEYS = ("timelineResolutionWidth", "timelineResolutionHeight")
BOOLEAN_KEYS = ("separateColorSpaceAndGamma",)


class ProjectManager(ResolveObject):
    api_class = "ProjectManager"

    def __init__(self, session: Session, project: Project) -> None:
        super().__init__(session)
        self._project = project
        self.fake_saves = 0

    @api(refused=None)
    def GetCurrentProject(self) -> Project:
        return self._project

    @api()
    def SaveProject(self) -> bool:
        self.fake_saves += 1
        return True


class Folder(ResolveObject):
    api_class = "Folder"

    def __init__(self, session: Session, name: str, clips: list[MediaPoolItem]) -> None:
        super().__init__(session)
        self._name = name
        self._clips = clips

    @api()
    def GetName(self) -> str:
        return self._name

    @api()
    def GetClipList(self) -> list[MediaPoolItem]:
        return list(self._clips)

    @api()
    def GetSubFolderList(self) -> list[Folder]:
        return []


class MediaPool(ResolveObject):
    api_class = "MediaPool"

    def __init__(self, session: Session, clips: list[MediaPoolItem]) -> None:
        super().__init__(session)
        self._root = Folder(session, "Master", clips)

    @api()
    def GetRootFolder(self) -> Folder:
        return self._root

    @api()
    def GetCurrentFolder(self) -> Folder:
        return self._root


class Project(ResolveObject):
    api_class = "Project"

    def __init__(
        self,
        session: Session,
        name: str,
        luts: LutLibrary,
        timelines: Sequence[FakeTimeline],
        settings: Mapping[str, str],
    ) -> None:
        super().__init__(session)
        self._name = name
        self._luts = luts
        self._settings = dict(settings)
        self._groups: list[ColorGroup] = []
        self._gallery = Gallery(session)
        self._timelines = [Timeline(session, self, spec) for spec in timelines]
        self._current_timeline = self._timelines[0] if self._timelines else None
        pool_items = [item._media for timeline in self._timelines for item in timeline._all_items() if item._media]
        self._media_pool = MediaPool(session, pool_items)
        self._id = session.new_id()
        self._burn_in = False  # Workspace > Data Burn-In: drawn over every still
        self._burn_in_presets: dict[str, bool] = {}  # user-defined presets: name -> whether it burns anything in
        self._burn_in_key: str | None = None  # a settings key that reports burn-in ("1"/"0"); None: none does

    # -- helpers the other objects use -----------------------------------------------------------------------

    def _setting_problem(self, key: object, value: str, timeline: bool = False) -> str:
        """Why SetSetting refuses ``key = value``; "" when it takes it."""
        if key not in self._settings:
            return f"unknown setting {key!r}"
        if key == "colorScienceMode" and value not in COLOR_SCIENCE_MODES:
            return f"colorScienceMode must be one of {', '.join(COLOR_SCIENCE_MODES)}, found {value!r}"
        if key in FRAME_RATE_KEYS and (timeline or self._timelines):
            return f"{key} cannot change once the project has timelines"
        if key in RESOLUTION_KEYS and not (value.isdigit() and int(value) > 0):
            return f"{key} must be a positive whole number, found {value!r}"
        if key in BOOLEAN_KEYS and value not in ("0", "1"):
            return f"{key} is '0' or '1', found {value!r}"
        return ""

    def _gallery_add(self, pixels: np.ndarray, item: TimelineItem) -> GalleryStill:
        album = self._gallery._current
        still = GalleryStill(self._session, pixels, f"{item._clip.name} {len(album._stills) + 1}")
        album._stills.append(still)
        return still

    # -- the API ---------------------------------------------------------------------------------------------

    @api()
    def GetName(self) -> str:
        return self._name

    @api()
    def GetUniqueId(self) -> str:
        return self._id

    @api()
    def GetMediaPool(self) -> MediaPool:
        return self._media_pool

    @api()
    def GetGallery(self) -> Gallery:
        return self._gallery

    @api(refused=None)
    def GetCurrentTimeline(self) -> Timeline | None:
        return self._current_timeline

    @api()
    def SetCurrentTimeline(self, timeline: Timeline) -> bool:
        if timeline not in self._timelines:
            return self._refuse("not a timeline of this project")
        self._current_timeline = timeline
        return True

    @api()
    def GetTimelineCount(self) -> int:
        return len(self._timelines)

    @api(refused=None)
    def GetTimelineByIndex(self, idx: int) -> Timeline | None:
        if isinstance(idx, bool) or not isinstance(idx, int) or not 1 <= idx <= len(self._timelines):
            return self._refuse(f"timeline index {idx!r} outside 1..{len(self._timelines)} (indices start at 1)", None)
        return self._timelines[idx - 1]

    def _all_settings(self) -> dict[str, str]:
        if self._burn_in_key is None:
            return dict(self._settings)
        return {**self._settings, self._burn_in_key: "1" if self._burn_in else "0"}

    @api()
    def GetSetting(self, settingName: str | None = None) -> dict[str, str] | str:
        settings = self._all_settings()
        if settingName is None:
            return settings
        return settings.get(settingName, "") if isinstance(settingName, str) else ""

    @api()
    def SetSetting(self, settingName: str, settingValue: str) -> bool:
        if not isinstance(settingValue, str):
            return self._refuse(f"setting values are strings, found {settingValue!r}")
        reason = self._setting_problem(settingName, settingValue)
        if reason:
            return self._refuse(reason)
        self._settings[settingName] = settingValue
        return True

    @api()
    def RefreshLUTList(self) -> bool:
        self._luts.refresh()
        return True

    @api(since=(18, 5))
    def ExportCurrentFrameAsStill(self, filePath: str) -> bool:
        if not is_still_path(filePath):
            return self._refuse(f"{filePath!r} does not end in a still format (png, tif, dpx, jpg, ...)")
        if not Path(filePath).parent.is_dir():
            return self._refuse(f"cannot write {filePath!r}: no such folder")
        if self._current_timeline is None:
            return self._refuse("no current timeline")
        write_still(filePath, self._current_timeline._exported_picture())
        return True

    @api()
    def LoadBurnInPreset(self, presetName: str) -> bool:
        if presetName not in self._burn_in_presets:
            return self._refuse(f"no data burn-in preset named {presetName!r}")
        self._burn_in = self._burn_in_presets[presetName]
        return True

    # -- set-up for tests -------------------------------------------------------------------------------------

    def fake_set_burn_in(self, enabled: bool, setting_key: str | None = None) -> None:
        """Turn data burn-in on or off (as Workspace > Data Burn-In would). ``setting_key``: also report it in
        ``GetSetting`` under this key as "1"/"0" (Resolve documents no such key: see the module docstring)."""
        self._burn_in = enabled
        self._burn_in_key = setting_key

    def fake_add_burn_in_preset(self, name: str, burns_in: bool = True) -> None:
        """A user-defined data burn-in preset that ``LoadBurnInPreset`` can load."""
        self._burn_in_presets[name] = burns_in

    @api()
    def GetColorGroupsList(self) -> list[ColorGroup]:
        return list(self._groups)

    @api(refused=None)
    def AddColorGroup(self, groupName: str) -> ColorGroup | None:
        if not isinstance(groupName, str) or not groupName:
            return self._refuse(f"a group name must be a non-empty string, found {groupName!r}", None)
        if any(group._name == groupName for group in self._groups):
            return self._refuse(f"a colour group named {groupName!r} exists", None)
        group = ColorGroup(self._session, self, groupName)
        self._groups.append(group)
        return group

    @api()
    def DeleteColorGroup(self, colorGroup: ColorGroup) -> bool:
        if colorGroup not in self._groups:
            return self._refuse("not a colour group of this project")
        self._groups.remove(colorGroup)
        for timeline in self._timelines:
            for item in timeline._all_items():
                if item._group is colorGroup:
                    item._group = None
        return True
