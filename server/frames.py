"""Turn the frames of a request into float32 RGB pixels in [0, 1], the form the pipeline works on.

Encoded payloads are decoded by OpenCV (through ``pix2lut.imageio``), raw payloads are viewed in place
(``np.frombuffer`` on the message's own buffer: no copy before the conversion to float32), and ``path`` frames
are read from disk only for loopback clients and only inside the configured roots (``server.path_frames``: one
confined open, regular files only).

Nothing is decoded before every limit that guards it is checked: a path frame's file counts as a payload, its
size taken from ``fstat`` before it is read; the size each frame declares (a raw frame's shape, an encoded
image's header, ``server.image_headers``) is checked per frame and summed over the request. Each frame is
shrunk to ``FRAME_LONGEST_SIDE``, the most any stage of the pipeline reads, as soon as it is decoded, so a
request holds one full-size frame at a time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pix2lut.errors import ImageError
from pix2lut.imageio import decode_image, shrink_to_longest
from pix2lut.protocol import ErrorCode, FrameKind, FrameSpec, Limits, ProtocolError
from server.image_headers import declared_size
from server.path_frames import open_path_frame
from server.pipeline import FRAME_LONGEST_SIDE

RAW_DTYPES = {  # protocol name -> little-endian numpy dtype and the full scale of its integers
    "uint8": (np.dtype("<u1"), 255.0),
    "uint16": (np.dtype("<u2"), 65535.0),
    "float16": (np.dtype("<f2"), 1.0),
    "float32": (np.dtype("<f4"), 1.0),
}
FLOAT_BIT_DEPTH = 32  # pix2lut.imageio's depth for float files (EXR, float TIFF)
OPENCV_PIXEL_LIMIT_VARIABLE = "OPENCV_IO_MAX_IMAGE_PIXELS"  # OpenCV refuses to decode larger images
# Formats that may hold float32 samples count their pixels this many times towards the limits: OpenCV decodes
# a float frame through a second full-size buffer (a 40-million-pixel float RGBA TIFF peaked at 1.3 GB), so a
# float frame costs what an integer frame twice its size does.
FLOAT_CAPABLE_FORMAT_WEIGHT = {"TIFF": 2, "OpenEXR": 2}


def limit_decoder_pixels(limits: Limits) -> None:
    """Make OpenCV refuse images above the pixel limit *before* allocating them (a tiny PNG can declare 100k^2).

    OpenCV reads the variable once, at its first decode, so call this at server start-up.
    """
    os.environ[OPENCV_PIXEL_LIMIT_VARIABLE] = str(limits.pixels_per_frame)


def decode_frames(
    frames: Sequence[FrameSpec], limits: Limits, peer_is_loopback: bool, allowed_roots: Sequence[Path]
) -> list[np.ndarray]:
    """Every frame of a request as float32 ``(H, W, 3)`` RGB in [0, 1], at most ``FRAME_LONGEST_SIDE`` px long.

    In three steps, so that each limit is checked before the work it guards:

    1. the files of path frames are opened and, within the payload and message limits (sizes from ``fstat``), read;
    2. the size each frame declares is checked against the pixel limit per frame, their sum against
       ``limits.pixels_per_request``;
    3. the frames are decoded one at a time, each shrunk as soon as it is decoded.

    Raises
    ------
    ProtocolError
        ``decode_failed`` for undecodable data, an unknown format or an unreadable file (not a regular file),
        ``forbidden`` for a path that may not be read, ``too_large`` for a file above the payload or message
        limit or frames declaring more pixels than the limits.
    """
    encoded = _encoded_frames(frames, limits, peer_is_loopback, allowed_roots)
    declared, counted = zip(*(_declared_pixels(frame, encoded.get(index), limits)
                              for index, frame in enumerate(frames)))
    if sum(counted) > limits.pixels_per_request:
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"the frames declare {sum(counted)} pixels in all (float-capable formats counted twice), the limit for "
            f"a request is {limits.pixels_per_request}",
        )
    decoded = []
    for index, frame in enumerate(frames):  # each file's bytes are dropped once decoded
        decoded.append(_decode_frame(index, frame, encoded.pop(index, None), declared[index]))
    return decoded


def _encoded_frames(
    frames: Sequence[FrameSpec], limits: Limits, peer_is_loopback: bool, allowed_roots: Sequence[Path]
) -> dict[int, tuple[str, memoryview]]:
    """Frame index -> (the name for messages, the encoded bytes) of every encoded and path frame."""
    message_bytes = sum(frame.payload.nbytes for frame in frames if frame.payload is not None)
    encoded = {}
    for index, frame in enumerate(frames):
        name = f"frames[{index}]"
        if frame.kind == FrameKind.ENCODED:
            encoded[index] = (name, frame.payload)
        elif frame.kind == FrameKind.PATH:
            with open_path_frame(name, frame.path, peer_is_loopback, allowed_roots) as opened:
                if opened.size > limits.payload_bytes:
                    raise ProtocolError(
                        ErrorCode.TOO_LARGE,
                        f"{name}: {frame.path} is {opened.size} bytes, the limit for one payload is "
                        f"{limits.payload_bytes}",
                    )
                message_bytes += opened.size  # a file counts as the payload it stands for
                if message_bytes > limits.message_bytes:
                    raise ProtocolError(
                        ErrorCode.TOO_LARGE,
                        f"{name}: {frame.path} brings the request's payloads and files to {message_bytes} bytes, "
                        f"the limit for a message is {limits.message_bytes}",
                    )
                try:
                    encoded[index] = (f"{name}: {frame.path}", opened.read())
                except OSError as exc:
                    raise ProtocolError(
                        ErrorCode.DECODE_FAILED, f"{name}: {frame.path}: cannot read it ({exc.strerror})"
                    ) from exc
    return encoded


def _declared_pixels(frame: FrameSpec, encoded: tuple[str, memoryview] | None, limits: Limits) -> tuple[int, int]:
    """The pixels a frame declares, and what they count for against the limits (``FLOAT_CAPABLE_FORMAT_WEIGHT``)."""
    if frame.kind == FrameKind.RAW:
        height, width, _ = frame.shape
        return height * width, height * width  # checked against the per-frame limit with the shape, by pix2lut.protocol
    name, data = encoded
    try:
        size = declared_size(data, name)
    except ImageError as exc:
        raise ProtocolError(ErrorCode.DECODE_FAILED, str(exc)) from exc
    weight = FLOAT_CAPABLE_FORMAT_WEIGHT.get(size.format_name, 1)
    if size.pixels * weight > limits.pixels_per_frame:
        counted = f", counted {weight} times as the format may hold float samples" if weight > 1 else ""
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"{name}: its {size.format_name} header declares {size.width}x{size.height} = {size.pixels} pixels"
            f"{counted}, the limit is {limits.pixels_per_frame}",
        )
    return size.pixels, size.pixels * weight


def _decode_frame(index: int, frame: FrameSpec, encoded: tuple[str, memoryview] | None, declared: int) -> np.ndarray:
    if frame.kind == FrameKind.RAW:
        return shrink_to_longest(_raw_pixels(f"frames[{index}]", frame), FRAME_LONGEST_SIDE)
    name, data = encoded
    try:
        image = decode_image(data, name, longest=FRAME_LONGEST_SIDE)
    except ImageError as exc:
        raise ProtocolError(ErrorCode.DECODE_FAILED, str(exc)) from exc
    pixels = image.pixels
    width, height = image.decoded_size
    if height * width > declared:  # OpenCV read more than the header said: the checks above would not hold
        raise ProtocolError(
            ErrorCode.DECODE_FAILED, f"{name}: decoded {width}x{height} pixels, more than its header declares"
        )
    if image.bit_depth == FLOAT_BIT_DEPTH:  # integer images are in [0, 1] already
        np.clip(pixels, 0.0, 1.0, out=pixels)
    return pixels


def _raw_pixels(name: str, frame: FrameSpec) -> np.ndarray:
    dtype, full_scale = RAW_DTYPES[frame.dtype]
    pixels = np.frombuffer(frame.payload, dtype=dtype).reshape(frame.shape).astype(np.float32)
    if full_scale != 1.0:
        pixels *= np.float32(1.0 / full_scale)  # integers land in [0, 1] already
        return pixels
    if not np.all(np.isfinite(pixels)):
        raise ProtocolError(ErrorCode.DECODE_FAILED, f"{name}: raw {frame.dtype} pixels hold NaN or infinity")
    return np.clip(pixels, 0.0, 1.0, out=pixels)
