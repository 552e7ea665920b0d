"""The LUT folders as Resolve sees them: discovery on RefreshLUTList, paths relative to the master folder.

API-NOTES section 5: ``SetLUT`` takes a path absolute or relative to the LUT folders, and only for LUTs Resolve
has discovered (``RefreshLUTList`` after writing the file). Observed on live installations, and reproduced here:

- LUTs in the per-user LUT folder fail, even by absolute path; the master folder and its subfolders work;
- ``GetLUT`` answers the path relative to the master folder (forward slashes);
- a LUT is cached by name once loaded: rewriting the file under the same name changes nothing (use content
  hashes for names);
- absolute paths outside the LUT folders fail (one 21.1 report says they worked: code for both).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import numpy as np

from pix2lut.apply import apply_lut
from pix2lut.cube import read_cube
from pix2lut.errors import CubeError
from pix2lut.lut import Lut3D
from pix2lut.processor import LutProcessor
from tests.fakes.session import FakeLimitation

CUBE_SUFFIX = ".cube"
DCTL_SUFFIX = ".dctl"  # listed and applied like a LUT (API-NOTES section 9); may be Studio-only
LUT_SUFFIXES = (CUBE_SUFFIX, DCTL_SUFFIX)


class LutLibrary:
    """The master and per-user LUT folders, what RefreshLUTList last found in them, and the loaded LUTs."""

    def __init__(self, master_root: Path, user_root: Path) -> None:
        self.master_root = Path(master_root).resolve()
        self.user_root = Path(user_root).resolve()
        self._discovered: set[str] = set()  # master-relative paths, '/'-separated
        self._user_discovered: set[str] = set()  # user-folder-relative paths
        self._loaded: dict[str, Lut3D] = {}
        self._processors: dict[str, LutProcessor] = {}

    def refresh(self) -> None:
        """What ``Project.RefreshLUTList()`` does: list every LUT file under both folders."""
        self._discovered = _list_luts(self.master_root)
        self._user_discovered = _list_luts(self.user_root)

    def is_discovered(self, relpath: str) -> bool:
        return relpath in self._discovered

    def locate(self, lut_path: object) -> tuple[str, str]:
        """``(relpath, "")`` for a path ``SetLUT`` accepts, else ``("", why it is refused)``."""
        if not isinstance(lut_path, str) or not lut_path:
            return "", f"the LUT path must be a non-empty string, found {lut_path!r}"
        text = lut_path.replace("\\", "/")
        if os.path.isabs(text):
            absolute = Path(text).resolve()
            if absolute.is_relative_to(self.master_root):
                relpath = absolute.relative_to(self.master_root).as_posix()
            elif absolute.is_relative_to(self.user_root):
                return "", "LUTs in the per-user LUT folder fail, even by absolute path"
            else:
                return "", "absolute path outside the master LUT folder"
        else:
            pure = PurePosixPath(text)
            if ".." in pure.parts:
                return "", "'..' in a relative LUT path"
            relpath = pure.as_posix()
        if relpath in self._discovered:
            return relpath, ""
        if relpath in self._user_discovered:
            return "", "only in the per-user LUT folder, where LUTs fail"
        if (self.master_root / relpath).is_file():
            return "", "not discovered: call RefreshLUTList() after writing the file"
        return "", "no such LUT in the LUT folders"

    def load(self, relpath: str) -> Lut3D:
        """The LUT at master-relative ``relpath``, read once and then kept by name, as Resolve does.

        Raises CubeError for a file that does not read, FakeLimitation for a DCTL (not rendered here).
        """
        if relpath.lower().endswith(DCTL_SUFFIX):
            raise FakeLimitation(f"{relpath}: the fake does not run DCTL programs")
        if relpath not in self._loaded:
            self._loaded[relpath] = read_cube(self.master_root / relpath)
        return self._loaded[relpath]

    def apply(self, relpath: str, pixels: np.ndarray) -> np.ndarray:
        """``pixels`` through the LUT at ``relpath``: tetrahedral, Resolve's recommended interpolation."""
        lut = self.load(relpath)
        if not lut.is_unit_domain:
            return apply_lut(pixels, lut)
        if relpath not in self._processors:
            self._processors[relpath] = LutProcessor(lut)  # build once, apply to every frame
        return self._processors[relpath].apply(pixels)

    def can_load(self, relpath: str) -> str:
        """Why the LUT at ``relpath`` does not load; "" when it does (a DCTL counts as loading: it is only not
        rendered)."""
        if relpath.lower().endswith(DCTL_SUFFIX):
            return ""
        try:
            self.load(relpath)
        except (CubeError, OSError) as exc:
            return f"the LUT does not load: {exc}"
        return ""


def _list_luts(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and path.suffix.lower() in LUT_SUFFIXES
    }
