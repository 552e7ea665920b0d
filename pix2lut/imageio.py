"""Image files in and out through OpenCV, as float32 RGB in memory.

OpenCV orders channels BGR(A); this module is the one place where that order is turned into RGB and
back. Files are read and written as bytes by Python (``np.fromfile``, ``cv2.imdecode`` / ``cv2.imencode``)
rather than by OpenCV's own file functions, which cannot open non-ASCII paths on Windows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from pix2lut.errors import ImageError
from pix2lut.files import write_bytes_atomic

# Sample types OpenCV decodes to, and the bit depth each one records. Float files (32-bit float TIFF,
# or EXR where the OpenCV build reads it) keep their values as stored.
BIT_DEPTH_BY_DTYPE = {np.dtype(np.uint8): 8, np.dtype(np.uint16): 16, np.dtype(np.float32): 32}
FULL_SCALE = {8: 255.0, 16: 65535.0, 32: 1.0}  # stored value of white
INTEGER_DTYPE = {8: np.uint8, 16: np.uint16}

GREY_CHANNELS = (1, 2)  # grey, grey + alpha
COLOUR_CHANNELS = (3, 4)  # BGR, BGRA
JPEG_QUALITY = 95  # OpenCV's default is 95 as well; named here because it is a choice


@dataclass(frozen=True)
class _Encoder:
    """How one file suffix is written: what the format can hold and the OpenCV encoder flags."""

    format_name: str
    bit_depths: tuple[int, ...]
    params: tuple[int, ...] = ()


ENCODERS = {
    ".png": _Encoder("PNG", (8, 16)),
    ".tif": _Encoder("TIFF", (8, 16)),
    ".tiff": _Encoder("TIFF", (8, 16)),
    ".jpg": _Encoder("JPEG", (8,), (cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY)),
    ".jpeg": _Encoder("JPEG", (8,), (cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY)),
}


@dataclass(frozen=True, eq=False)
class Image:
    """Decoded pixels with the bit depth of the file they came from, so a result can be written back alike.

    ``pixels`` is float32 of shape ``(height, width, 3)``, RGB, in [0, 1] for 8- and 16-bit files;
    ``bit_depth`` is 8, 16, or 32 for float files, whose values may lie outside [0, 1].
    """

    pixels: np.ndarray
    bit_depth: int
    decoded_size: tuple[int, int] | None = None  # (width, height) of the file, which ``pixels`` may be shrunk from

    def __post_init__(self) -> None:
        if self.pixels.dtype != np.float32 or self.pixels.ndim != 3 or self.pixels.shape[2] != 3:
            found = f"{self.pixels.dtype} {self.pixels.shape}"
            raise ImageError(f"Image pixels must be float32 of shape (height, width, 3), found {found}")
        if self.bit_depth not in FULL_SCALE:
            raise ImageError(f"Image bit_depth must be one of 8, 16, 32, found {self.bit_depth!r}")


def read_image(path: str | os.PathLike[str]) -> Image:
    """Read a PNG, TIFF, JPEG (or anything else the OpenCV build decodes) as RGB.

    Greyscale becomes three equal channels and alpha is dropped: a grade has no use for transparency.
    Pixels are taken as stored, without applying an EXIF orientation, so that a frame and its graded
    version line up pixel for pixel whatever their metadata say.

    Raises
    ------
    ImageError
        The file is missing or unreadable, is not an image, or holds a sample type other than 8- or
        16-bit integers or 32-bit floats.
    """
    name = os.fspath(path)
    try:
        data = np.fromfile(name, dtype=np.uint8)
    except FileNotFoundError as exc:
        raise ImageError(f"{name}: no such file") from exc
    except OSError as exc:
        raise ImageError(f"{name}: cannot read the file ({exc.strerror})") from exc
    return _decode(data, name)


def decode_image(data: bytes, name: str = "<bytes>", longest: int | None = None) -> Image:
    """Decode an encoded image held in memory (a PNG, TIFF or JPEG payload), as :func:`read_image` does.

    ``name`` is used only in error messages. ``longest``: shrink to this long side (:func:`shrink_to_longest`)
    before the float copy where that is exact (float files), so a large float frame is never held twice at full
    size; ``decoded_size`` then says what the file held.
    """
    return _decode(np.frombuffer(data, dtype=np.uint8), name, longest)


def _decode(buffer: np.ndarray, name: str, longest: int | None = None) -> Image:
    if buffer.size == 0:
        raise ImageError(f"{name}: empty file, not an image")
    try:
        decoded = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise ImageError(f"{name}: OpenCV failed to decode it ({exc.err})") from exc
    if decoded is None:
        raise ImageError(f"{name}: not a readable image (unknown format or corrupt data, {buffer.size} bytes)")

    bit_depth = BIT_DEPTH_BY_DTYPE.get(decoded.dtype)
    if bit_depth is None:
        raise ImageError(
            f"{name}: unsupported sample type {decoded.dtype}; expected 8- or 16-bit integers or 32-bit floats"
        )
    height, width = decoded.shape[:2]
    if longest is not None and bit_depth not in INTEGER_DTYPE:  # float in, float out: shrinking first is exact
        decoded = shrink_to_longest(decoded, longest)
    pixels = to_unit_float(_to_rgb(decoded, name), bit_depth)
    if bit_depth not in INTEGER_DTYPE and not np.all(np.isfinite(pixels)):  # integers cannot be NaN
        raise ImageError(f"{name}: holds NaN or infinite samples")
    if longest is not None and bit_depth in INTEGER_DTYPE:  # float pixels were shrunk above
        pixels = shrink_to_longest(pixels, longest)
    return Image(pixels, bit_depth, (width, height))


def to_unit_float(samples: np.ndarray, bit_depth: int) -> np.ndarray:
    """Stored samples as float32 with white at 1.0: the one conversion every reader of ours uses."""
    pixels = samples.astype(np.float32)
    if bit_depth in INTEGER_DTYPE:
        pixels *= np.float32(1.0 / FULL_SCALE[bit_depth])
    return pixels


def shrink_to_longest(pixels: np.ndarray, longest: int) -> np.ndarray:
    """``(H, W, C)`` pixels area-downscaled so the long side is at most ``longest``; never enlarged.

    Fits, thumbnails and previews need every pixel's colour, not every pixel: area averaging keeps the colours
    and makes the work (and memory) independent of the frame's resolution.
    """
    scale = longest / max(pixels.shape[:2])
    if scale >= 1.0:
        return pixels
    size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))  # (width, height)
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def _to_rgb(decoded: np.ndarray, name: str) -> np.ndarray:
    """(H, W, 3) RGB view of what cv2.imdecode returned: grey repeated, BGR reversed, alpha dropped."""
    if decoded.ndim == 2:
        decoded = decoded[:, :, np.newaxis]
    channels = decoded.shape[2]
    if channels in GREY_CHANNELS:
        return np.repeat(decoded[:, :, :1], 3, axis=2)
    if channels in COLOUR_CHANNELS:
        return decoded[:, :, 2::-1]  # channels 2, 1, 0: BGR(A) to RGB
    raise ImageError(f"{name}: {channels} channels; expected 1 or 2 (grey, with alpha) or 3 or 4 (colour, with alpha)")


def write_image(path: str | os.PathLike[str], pixels: np.ndarray, bit_depth: int = 8) -> None:
    """Write float RGB in [0, 1] as an 8- or 16-bit PNG, TIFF or (8-bit only) JPEG chosen by the suffix.

    Values are clipped to [0, 1] and rounded to the nearest code value. The file is encoded in memory and
    replaces ``path`` in one step, so a reader never sees half an image and a failed write leaves any
    previous file intact.

    Raises
    ------
    ImageError
        Unknown suffix, a bit depth the format cannot hold, pixels of the wrong shape or type or holding
        NaN, or a failure to encode or write.
    """
    name = os.fspath(path)
    suffix = Path(name).suffix.lower()
    encoder = ENCODERS.get(suffix)
    if encoder is None:
        raise ImageError(f"{name}: cannot write {suffix or 'suffix-less'} files; use one of {', '.join(ENCODERS)}")
    if bit_depth not in encoder.bit_depths:
        depths = " or ".join(str(depth) for depth in encoder.bit_depths)
        raise ImageError(f"{name}: {encoder.format_name} holds {depths}-bit samples only, asked for {bit_depth}-bit")

    pixels = np.asarray(pixels)
    if not np.issubdtype(pixels.dtype, np.floating) or pixels.ndim != 3 or pixels.shape[2] != 3:
        found = f"{pixels.dtype} {pixels.shape}"
        raise ImageError(f"{name}: pixels must be float RGB of shape (height, width, 3), found {found}")
    if not np.all(np.isfinite(pixels)):
        raise ImageError(f"{name}: pixels hold NaN or infinite values")

    code_values = np.rint(np.clip(pixels, 0.0, 1.0) * FULL_SCALE[bit_depth]).astype(INTEGER_DTYPE[bit_depth])
    bgr = np.ascontiguousarray(code_values[:, :, ::-1])  # RGB to OpenCV's BGR
    try:
        ok, encoded = cv2.imencode(suffix, bgr, list(encoder.params))
    except cv2.error as exc:
        raise ImageError(f"{name}: OpenCV failed to encode {encoder.format_name} ({exc.err})") from exc
    if not ok:
        raise ImageError(f"{name}: OpenCV failed to encode {encoder.format_name}")
    try:
        write_bytes_atomic(name, encoded.tobytes())
    except OSError as exc:
        raise ImageError(f"{name}: cannot write the file ({exc.strerror})") from exc
