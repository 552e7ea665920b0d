"""The photos pairs are made from: listing them, and keeping decoded photos in memory.

A decoded photo is kept at the bit depth of its file (uint8 for the shared JPEGs, a quarter of float32's
memory) and turned back into exactly the float32 values ``pix2lut.imageio.read_image`` gives.
"""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from pathlib import Path

import numpy as np

from pix2lut.imageio import FULL_SCALE, INTEGER_DTYPE, read_image, to_unit_float
from training.errors import DataError

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
IMAGE_SUFFIXES = PHOTO_SUFFIXES + (".tif", ".tiff")  # what folders of pairs and frames may hold
MAX_CACHED_PHOTOS = 1024  # the shared photos (about 600) fit whole: about 300 MB as uint8 per process

_DIGITS = re.compile(r"(\d+)")


def list_photos(root: str | os.PathLike[str]) -> list[Path]:
    """Every ``.jpg``, ``.jpeg`` and ``.png`` under ``root``, recursively, sorted by path.

    Raises
    ------
    DataError
        ``root`` is not a folder or holds no photo.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"photo folder {root} does not exist")
    photos = sorted(p for p in root.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES and p.is_file())
    if not photos:
        raise DataError(f"photo folder {root} holds no {', '.join(PHOTO_SUFFIXES)} files")
    return photos


def list_images(folder: Path) -> list[Path]:
    """The images directly in ``folder`` (not its subfolders), in natural order (frame_2 before frame_10)."""
    if not folder.is_dir():
        raise DataError(f"image folder {folder} does not exist")
    images = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]
    return sorted(images, key=natural_key)


def natural_key(path: Path) -> tuple:
    """Sort key that compares runs of digits as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in _DIGITS.split(path.name))


class PhotoCache:
    """Decoded photos by path, least recently used dropped beyond ``max_photos``."""

    def __init__(self, max_photos: int = MAX_CACHED_PHOTOS) -> None:
        if max_photos < 0:
            raise DataError(f"max_photos must be >= 0, found {max_photos}")
        self.max_photos = max_photos
        self._stored: OrderedDict[Path, tuple[np.ndarray, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._stored)

    def read(self, path: Path) -> np.ndarray:
        """The photo as float32 RGB ``(H, W, 3)``, as ``read_image`` gives it (a fresh array each call)."""
        if path in self._stored:
            self._stored.move_to_end(path)
            return _decoded(*self._stored[path])
        image = read_image(path)
        if image.bit_depth in INTEGER_DTYPE:
            scale = FULL_SCALE[image.bit_depth]
            stored = np.rint(image.pixels * scale).astype(INTEGER_DTYPE[image.bit_depth]), image.bit_depth
        else:
            stored = image.pixels, image.bit_depth
        if self.max_photos:
            self._stored[path] = stored
            while len(self._stored) > self.max_photos:
                self._stored.popitem(last=False)
        return _decoded(*stored)


def _decoded(stored: np.ndarray, bit_depth: int) -> np.ndarray:
    if bit_depth in INTEGER_DTYPE:
        return to_unit_float(stored, bit_depth)
    return stored.copy()
