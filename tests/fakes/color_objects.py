"""Colour groups and the Gallery: the shared pre/post-clip grade, and the stills route (a fallback only).

API-NOTES section 4: ``GrabStill`` + ``ExportStills`` need the Gallery panel open on the Color page (observed:
otherwise False), and leave stills in the album. Section 6: colour groups offer pre-clip and post-clip graphs
for a shared look.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tests.fakes.grading import Graph
from tests.fakes.rendering import GradeNode, new_nodes, write_still
from tests.fakes.session import FakeLimitation, ResolveObject, Session, api

if TYPE_CHECKING:
    from tests.fakes.project_objects import Project
    from tests.fakes.timeline_objects import Timeline, TimelineItem

GALLERY_STILL_FORMATS = ("dpx", "cin", "tif", "jpg", "png", "ppm", "bmp", "xpm", "drx")  # ExportStills' format
DEFAULT_ALBUM_NAME = "Stills 1"


class ColorGroup(ResolveObject):
    """A colour group: its clips share a pre-clip graph (before their own nodes) and a post-clip graph (after)."""

    api_class = "ColorGroup"

    def __init__(self, session: Session, project: Project, name: str) -> None:
        super().__init__(session)
        self._project = project
        self._name = name
        self._pre_nodes = new_nodes([""])
        self._post_nodes = new_nodes([""])

    @api()
    def GetName(self) -> str:
        return self._name

    @api()
    def SetName(self, groupName: str) -> bool:
        if not isinstance(groupName, str) or not groupName:
            return self._refuse(f"a group name must be a non-empty string, found {groupName!r}")
        if any(group._name == groupName for group in self._project._groups if group is not self):
            return self._refuse(f"a colour group named {groupName!r} exists")
        self._name = groupName
        return True

    @api()
    def GetClipsInTimeline(self, timeline: Timeline | None = None) -> list[TimelineItem]:
        timeline = timeline or self._project._current_timeline
        if timeline is None:
            return []
        return [item for item in timeline._all_items() if item._group is self]

    @api(since=(19, 0))
    def GetPreClipNodeGraph(self) -> Graph:
        return Graph(self._session, self._project._luts, lambda: self._pre_nodes)

    @api(since=(19, 0))
    def GetPostClipNodeGraph(self) -> Graph:
        return Graph(self._session, self._project._luts, lambda: self._post_nodes)

    def fake_pre_clip_nodes(self) -> list[GradeNode]:
        return [node.copy() for node in self._pre_nodes]

    def fake_post_clip_nodes(self) -> list[GradeNode]:
        return [node.copy() for node in self._post_nodes]


class GalleryStill(ResolveObject):
    """A still in an album: the graded picture at the moment it was grabbed."""

    api_class = "GalleryStill"

    def __init__(self, session: Session, pixels: np.ndarray, label: str) -> None:
        super().__init__(session)
        self._pixels = pixels
        self._label = label

    def fake_pixels(self) -> np.ndarray:
        return self._pixels.copy()


class GalleryStillAlbum(ResolveObject):
    api_class = "GalleryStillAlbum"

    def __init__(self, session: Session, name: str) -> None:
        super().__init__(session)
        self._name = name
        self._stills: list[GalleryStill] = []

    @api()
    def GetStills(self) -> list[GalleryStill]:
        return list(self._stills)

    @api()
    def GetLabel(self, galleryStill: GalleryStill) -> str | None:
        if galleryStill not in self._stills:
            return self._refuse("the still is not in this album", None)
        return galleryStill._label

    @api()
    def SetLabel(self, galleryStill: GalleryStill, label: str) -> bool:
        if galleryStill not in self._stills or not isinstance(label, str):
            return self._refuse(f"cannot label {galleryStill!r} with {label!r}")
        galleryStill._label = label
        return True

    @api()
    def ExportStills(self, galleryStill: list[GalleryStill], folderPath: str, filePrefix: str, format: str) -> bool:
        """Writes ``<folderPath>/<filePrefix>_<n>.<format>``, n the still's place in the album (the fake's naming)."""
        if not self._session.gallery_open:
            return self._refuse("the Gallery panel is closed")
        if not isinstance(galleryStill, list) or not all(still in self._stills for still in galleryStill):
            return self._refuse("ExportStills takes a list of stills of this album")
        if not isinstance(folderPath, str) or not Path(folderPath).is_dir():
            return self._refuse(f"no folder {folderPath!r}")
        if format not in GALLERY_STILL_FORMATS or not isinstance(filePrefix, str):
            return self._refuse(f"format must be one of {', '.join(GALLERY_STILL_FORMATS)}, found {format!r}")
        if format == "drx":
            raise FakeLimitation("the fake writes no DRX grade files")
        for still in galleryStill:
            number = self._stills.index(still) + 1
            write_still(Path(folderPath) / f"{filePrefix}_{number}.{format}", still._pixels)
        return True

    @api()
    def DeleteStills(self, galleryStill: list[GalleryStill]) -> bool:
        if not isinstance(galleryStill, list) or not all(still in self._stills for still in galleryStill):
            return self._refuse("DeleteStills takes a list of stills of this album")
        self._stills = [still for still in self._stills if still not in galleryStill]
        return True


class Gallery(ResolveObject):
    api_class = "Gallery"

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._albums = [GalleryStillAlbum(session, DEFAULT_ALBUM_NAME)]
        self._current = self._albums[0]

    @api()
    def GetCurrentStillAlbum(self) -> GalleryStillAlbum:
        return self._current

    @api()
    def SetCurrentStillAlbum(self, galleryStillAlbum: GalleryStillAlbum) -> bool:
        if galleryStillAlbum not in self._albums:
            return self._refuse("not an album of this gallery")
        self._current = galleryStillAlbum
        return True

    @api()
    def GetGalleryStillAlbums(self) -> list[GalleryStillAlbum]:
        return list(self._albums)

    @api()
    def GetAlbumName(self, galleryStillAlbum: GalleryStillAlbum) -> str | None:
        if galleryStillAlbum not in self._albums:
            return self._refuse("not an album of this gallery", None)
        return galleryStillAlbum._name

    @api()
    def SetAlbumName(self, galleryStillAlbum: GalleryStillAlbum, albumName: str) -> bool:
        if galleryStillAlbum not in self._albums or not isinstance(albumName, str) or not albumName:
            return self._refuse(f"cannot name {galleryStillAlbum!r} {albumName!r}")
        galleryStillAlbum._name = albumName
        return True

    @api()
    def CreateGalleryStillAlbum(self) -> GalleryStillAlbum:
        album = GalleryStillAlbum(self._session, f"Stills {len(self._albums) + 1}")
        self._albums.append(album)
        return album
