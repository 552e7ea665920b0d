"""The size each accepted format declares, read from files OpenCV writes, and the headers that are refused."""

from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest

from pix2lut.errors import ImageError
from server.image_headers import DeclaredSize, declared_size

WIDTH, HEIGHT = 37, 21  # odd sizes, width != height, so a swapped pair shows


def encoded(suffix: str, dtype=np.uint8, channels: int = 3, params: tuple[int, ...] = ()) -> bytes:
    pixels = np.random.default_rng(0).integers(0, 200, (HEIGHT, WIDTH, channels)).astype(dtype)
    return cv2.imencode(suffix, pixels, list(params))[1].tobytes()


def bigtiff(order: str, width: int, height: int) -> bytes:
    """A BigTIFF header: version 43, 8-byte offsets, one IFD with LONG8 width and SHORT height."""
    magic = b"II+\x00" if order == "<" else b"MM\x00+"
    entries = (struct.pack(order + "HHQQ", 256, 16, 1, width)
               + struct.pack(order + "HHQ", 257, 3, 1) + struct.pack(order + "H", height) + bytes(6))
    return magic + struct.pack(order + "HHQ", 8, 0, 16) + struct.pack(order + "Q", 2) + entries + bytes(8)


def exr_header(width: int, height: int) -> bytes:
    """An OpenEXR header as the spec lays it out: attributes (name, type, size, value), sorted, then a NUL."""
    def attribute(name: str, kind: str, value: bytes) -> bytes:
        return name.encode() + b"\x00" + kind.encode() + b"\x00" + struct.pack("<i", len(value)) + value
    channels = b"".join(name + b"\x00" + struct.pack("<iB3xii", 2, 0, 1, 1) for name in (b"B", b"G", b"R")) + b"\x00"
    window = struct.pack("<4i", 10, 20, 10 + width - 1, 20 + height - 1)
    return (b"\x76\x2f\x31\x01" + struct.pack("<I", 2) + attribute("channels", "chlist", channels)
            + attribute("compression", "compression", b"\x00") + attribute("dataWindow", "box2i", window)
            + attribute("displayWindow", "box2i", window) + b"\x00")


@pytest.mark.parametrize(("format_name", "make"), [
    ("PNG", lambda: encoded(".png")),
    ("PNG", lambda: encoded(".png", np.uint16, 4)),
    ("JPEG", lambda: encoded(".jpg")),
    ("JPEG", lambda: encoded(".jpg", params=(cv2.IMWRITE_JPEG_PROGRESSIVE, 1))),
    ("JPEG", lambda: encoded(".jpg", channels=1)),
    ("TIFF", lambda: encoded(".tif")),
    ("TIFF", lambda: encoded(".tif", np.uint16)),
    ("TIFF", lambda: encoded(".tif", np.float32)),
    ("TIFF", lambda: bigtiff("<", WIDTH, HEIGHT)),
    ("TIFF", lambda: bigtiff(">", WIDTH, HEIGHT)),
    ("OpenEXR", lambda: exr_header(WIDTH, HEIGHT)),
])
def test_declared_size_of_each_accepted_format(format_name, make):
    assert declared_size(make(), "still") == DeclaredSize(format_name, WIDTH, HEIGHT)


def test_declared_size_reads_a_jpeg_after_large_metadata_segments():
    jpeg = encoded(".jpg")
    app = b"\xff\xe1" + struct.pack(">H", 65535) + bytes(65533)  # an APP1 (EXIF) segment at its largest
    padded = jpeg[:2] + app * 3 + b"\xff\xff" + jpeg[2:]  # and fill bytes before the next marker
    assert declared_size(padded, "still") == DeclaredSize("JPEG", WIDTH, HEIGHT)


def test_declared_size_of_a_big_endian_tiff():
    entries = struct.pack(">HHHH", 256, 3, 0, 1) + struct.pack(">HH", WIDTH, 0) + \
        struct.pack(">HHII", 257, 4, 1, HEIGHT)
    tiff = b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", 2) + entries + bytes(4)
    assert declared_size(tiff, "still") == DeclaredSize("TIFF", WIDTH, HEIGHT)


@pytest.mark.parametrize(("data", "message"), [
    (encoded(".bmp"), "still: not a PNG, JPEG, TIFF or OpenEXR file (it starts with b'BM"),
    (encoded(".webp"), "still: not a PNG, JPEG, TIFF or OpenEXR file (it starts with b'RIFF'"),
    (b"", "still: not a PNG, JPEG, TIFF or OpenEXR file (it starts with b'')"),
    (encoded(".png")[:20], "still: the PNG header is cut short (20 bytes)"),
    (encoded(".jpg")[:100], "still: the JPEG header is cut short (100 bytes)"),
    (encoded(".tif")[:6], "still: the TIFF header is cut short (6 bytes)"),
    (exr_header(WIDTH, HEIGHT)[:60], "still: the OpenEXR header is cut short (60 bytes)"),
    (b"\x89PNG\r\n\x1a\n" + struct.pack(">I4s", 13, b"IDAT") + bytes(17),
     "still: the PNG does not start with its IHDR chunk (found b'IDAT')"),
    (b"\xff\xd8\xff\xda\x00\x08" + bytes(8), "still: the JPEG reaches its image data before a frame header (SOF)"),
    (b"\xff\xd8\xff\xe0\x00\x01" + bytes(8), "still: the JPEG segment at byte 4 has length 1"),
    (b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x00\x00\x10\x03" + bytes(9),
     "still: the JPEG frame header declares its height later (DNL), not supported"),
    (b"II*\x00\x08\x00\x00\x00\x00\x00" + bytes(4),
     "still: the TIFF's first image has no ImageWidth and ImageLength tags"),
    (b"II*\x00\x08\x00\x00\x00\x01\x00" + struct.pack("<HHII", 256, 5, 1, 8) + bytes(4),
     "still: the TIFF tag 256 has type 5 and count 1, not one integer"),
    (b"II*\x00\x08\x00\x00\x00\x01\x00" + struct.pack("<HHII", 256, 3, 1, 0) + bytes(4) + bytes(12),
     "still: the TIFF's first image has no ImageWidth and ImageLength tags"),
    (b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", 0, 5) + bytes(9),
     "still: the PNG header declares 0x5 pixels"),
    (b"\x76\x2f\x31\x01" + bytes(4) + b"a\x00b\x00" + struct.pack("<i", -5) + bytes(8),
     "still: the OpenEXR attribute 'a' has size -5"),
    (b"\x76\x2f\x31\x01" + bytes(4) + b"\x00", "still: the OpenEXR header has no dataWindow"),
])
def test_refused_headers_say_why(data, message):
    with pytest.raises(ImageError) as refused:
        declared_size(data, "still")
    assert str(refused.value).startswith(message)


def test_a_tiff_ifd_count_beyond_the_data_is_cut_short_not_a_long_loop():
    tiff = b"II+\x00" + struct.pack("<HHQQ", 8, 0, 16, 2**63)
    with pytest.raises(ImageError, match="the TIFF header is cut short"):
        declared_size(tiff, "still")
