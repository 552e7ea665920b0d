"""Images between numpy and Qt: the float RGB the LUT engine works on, the 8-bit QImage the panel paints.

Pixels are float32 ``(height, width, 3)`` RGB in [0, 1] (``pix2lut.imageio``'s layout); a QImage is
``Format_RGB888``, rows padded to 4 bytes, so conversions go row by row through ``bytesPerLine``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

from pix2lut.errors import ImageError
from pix2lut.imageio import read_image, shrink_to_longest

PREVIEW_LONGEST_SIDE = 1600  # enough for a panel on a 4K screen; keeps the LUT apply well under 0.1 s
CHANNELS = 3  # RGB
WHITE_8BIT = 255


def load_preview(path: str | Path, longest_side: int = PREVIEW_LONGEST_SIDE) -> np.ndarray:
    """The image at ``path`` as float32 RGB in [0, 1], area-downscaled to at most ``longest_side`` pixels.

    Raises ``pix2lut.errors.ImageError`` when the file cannot be read or decoded.
    """
    pixels = np.clip(read_image(path).pixels, 0.0, 1.0)  # float files may exceed [0, 1]: shown display-referred
    return np.ascontiguousarray(shrink_to_longest(pixels, longest_side), dtype=np.float32)


def to_8bit(pixels: np.ndarray) -> np.ndarray:
    """Float RGB in [0, 1] -> uint8, rounded; uint8 passes through."""
    if pixels.dtype == np.uint8:
        return pixels
    return np.round(np.clip(pixels, 0.0, 1.0) * WHITE_8BIT).astype(np.uint8)


def to_qimage(pixels: np.ndarray) -> QImage:
    """RGB pixels ``(height, width, 3)`` (float in [0, 1] or uint8) as a QImage that owns its memory."""
    rgb = np.ascontiguousarray(to_8bit(pixels))
    if rgb.ndim != 3 or rgb.shape[2] != CHANNELS:
        raise ImageError(f"to_qimage needs RGB pixels of shape (height, width, 3), found {rgb.shape}")
    height, width = rgb.shape[:2]
    # QImage only borrows the buffer: copy() so the image outlives the numpy array
    return QImage(rgb.data, width, height, width * CHANNELS, QImage.Format.Format_RGB888).copy()


def from_qimage(image: QImage) -> np.ndarray:
    """A QImage (any format) as uint8 RGB ``(height, width, 3)``: what a rendered widget really shows."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    height, width = rgb.height(), rgb.width()
    rows = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=rgb.sizeInBytes()).reshape(height, -1)
    return rows[:, : width * CHANNELS].reshape(height, width, CHANNELS).copy()
