"""Turn the frames of a request into float32 RGB pixels in [0, 1], the form the pipeline works on.

Encoded payloads are decoded by OpenCV (through ``pix2lut.imageio``), raw payloads are viewed in place
(``np.frombuffer`` on the message's own buffer: no copy before the conversion to float32), and ``path`` frames
are read from disk only for loopback clients and only inside the configured roots.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pix2lut.errors import ImageError
from pix2lut.imageio import decode_image, read_image
from pix2lut.protocol import ErrorCode, FrameKind, FrameSpec, Limits, ProtocolError

RAW_DTYPES = {  # protocol name -> little-endian numpy dtype and the full scale of its integers
    "uint8": (np.dtype("<u1"), 255.0),
    "uint16": (np.dtype("<u2"), 65535.0),
    "float16": (np.dtype("<f2"), 1.0),
    "float32": (np.dtype("<f4"), 1.0),
}
FLOAT_BIT_DEPTH = 32  # pix2lut.imageio's depth for float files (EXR, float TIFF)
OPENCV_PIXEL_LIMIT_VARIABLE = "OPENCV_IO_MAX_IMAGE_PIXELS"  # OpenCV refuses to decode larger images


def limit_decoder_pixels(limits: Limits) -> None:
    """Make OpenCV refuse images above the pixel limit *before* allocating them (a tiny PNG can declare 100k^2).

    OpenCV reads the variable once, at its first decode, so call this at server start-up.
    """
    os.environ[OPENCV_PIXEL_LIMIT_VARIABLE] = str(limits.pixels_per_frame)


def decode_frames(
    frames: Sequence[FrameSpec], limits: Limits, peer_is_loopback: bool, allowed_roots: Sequence[Path]
) -> list[np.ndarray]:
    """Every frame of a request as float32 ``(H, W, 3)`` RGB in [0, 1].

    Raises
    ------
    ProtocolError
        ``decode_failed`` for undecodable data or unreadable files, ``forbidden`` for a path that may not be read,
        ``too_large`` for an encoded image above the pixel limit.
    """
    return [_decode_frame(index, frame, limits, peer_is_loopback, allowed_roots) for index, frame in enumerate(frames)]


def _decode_frame(
    index: int, frame: FrameSpec, limits: Limits, peer_is_loopback: bool, allowed_roots: Sequence[Path]
) -> np.ndarray:
    name = f"frames[{index}]"
    if frame.kind == FrameKind.RAW:
        dtype, full_scale = RAW_DTYPES[frame.dtype]
        pixels = np.frombuffer(frame.payload, dtype=dtype).reshape(frame.shape).astype(np.float32)
        if full_scale != 1.0:
            pixels *= np.float32(1.0 / full_scale)  # integers land in [0, 1] already
            return pixels
        if not np.all(np.isfinite(pixels)):
            raise ProtocolError(ErrorCode.DECODE_FAILED, f"{name}: raw {frame.dtype} pixels hold NaN or infinity")
        return np.clip(pixels, 0.0, 1.0, out=pixels)
    try:
        if frame.kind == FrameKind.ENCODED:
            image = decode_image(frame.payload, name)
        else:
            image = read_image(_allowed_path(name, frame.path, peer_is_loopback, allowed_roots))
    except ImageError as exc:
        raise ProtocolError(ErrorCode.DECODE_FAILED, str(exc)) from exc
    pixels = image.pixels
    if pixels.shape[0] * pixels.shape[1] > limits.pixels_per_frame:
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"{name} has {pixels.shape[0] * pixels.shape[1]} pixels, the limit is {limits.pixels_per_frame}",
        )
    if image.bit_depth == FLOAT_BIT_DEPTH:  # integer images are in [0, 1] already
        np.clip(pixels, 0.0, 1.0, out=pixels)
    return pixels


def _allowed_path(name: str, path: str, peer_is_loopback: bool, allowed_roots: Sequence[Path]) -> Path:
    if not peer_is_loopback:
        raise ProtocolError(ErrorCode.FORBIDDEN, f"{name}: 'path' frames are accepted only from this machine")
    if not allowed_roots:
        raise ProtocolError(
            ErrorCode.FORBIDDEN, f"{name}: this server reads no paths (start it with --allow-path FOLDER)"
        )
    resolved = Path(path).resolve()  # follows symlinks and '..', so the check below sees the real place
    for root in allowed_roots:
        if resolved.is_relative_to(root.resolve()):
            return resolved
    raise ProtocolError(ErrorCode.FORBIDDEN, f"{name}: {path} is outside the folders this server may read")
