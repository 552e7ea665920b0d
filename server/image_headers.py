"""The width and height an encoded image declares, read from its header without decoding it.

A few kilobytes can declare a 40-megapixel image (a decompression bomb), and OpenCV allocates what a header
declares before it decodes a single pixel. OpenCV has no header-only read, so the server reads the size of every
format it accepts here, each as its spec lays it out, and checks it against the pixel limits before decoding:

- PNG: the IHDR chunk, which comes first (PNG 3rd edition, 5.6 and 11.2.1).
- JPEG: the first start-of-frame segment, SOF0 to SOF15 but DHT, JPG and DAC (ITU-T T.81, B.1.1.2 and B.2.2).
- TIFF and BigTIFF: ImageWidth (256) and ImageLength (257) of the first IFD, the page OpenCV decodes (TIFF 6.0,
  section 2; BigTIFF: 8-byte offsets and counts, 20-byte entries).
- OpenEXR: the ``dataWindow`` attribute of the first header (OpenEXR file layout, "Header Attributes").

Anything else is refused: a size that cannot be checked before decoding cannot be allowed.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pix2lut.errors import ImageError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IHDR_LENGTH = 13
JPEG_SOI = b"\xff\xd8"
JPEG_MARKER_PREFIX = 0xFF
JPEG_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # DHT, JPG and DAC share the range
JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7: no length follows
JPEG_SOS, JPEG_EOI = 0xDA, 0xD9  # image data or its end before any frame header: no size declared
JPEG_MIN_SEGMENT_LENGTH = 2  # the length counts its own two bytes
TIFF_SIGNATURES = {  # first four bytes -> (byte order, BigTIFF)
    b"II*\x00": ("<", False), b"MM\x00*": (">", False), b"II+\x00": ("<", True), b"MM\x00+": (">", True),
}
TIFF_IMAGE_WIDTH, TIFF_IMAGE_LENGTH = 256, 257
TIFF_INTEGER_TYPES = {3: "H", 4: "I", 16: "Q"}  # SHORT, LONG, LONG8 (BigTIFF) -> struct format
EXR_MAGIC = b"\x76\x2f\x31\x01"
EXR_FIRST_ATTRIBUTE = 8  # after the magic number and the version field
EXR_MAX_NAME_BYTES = 256  # names and type names are at most 255 bytes with the long-names flag, plus the NUL


@dataclass(frozen=True)
class DeclaredSize:
    """What an image's header says it holds."""

    format_name: str
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


def declared_size(data: bytes | bytearray | memoryview, name: str) -> DeclaredSize:
    """The size an encoded image declares, from its header alone.

    ``name`` is used only in error messages.

    Raises
    ------
    ImageError
        Not one of the formats above, or a header that is cut short, malformed, or declares no pixels.
    """
    data = memoryview(data)
    start = bytes(data[:4])
    if bytes(data[: len(PNG_SIGNATURE)]) == PNG_SIGNATURE:
        format_name, reader = "PNG", _png_size
    elif start[:2] == JPEG_SOI:
        format_name, reader = "JPEG", _jpeg_size
    elif start in TIFF_SIGNATURES:
        format_name, reader = "TIFF", _tiff_size
    elif start == EXR_MAGIC:
        format_name, reader = "OpenEXR", _exr_size
    else:
        raise ImageError(
            f"{name}: not a PNG, JPEG, TIFF or OpenEXR file (it starts with {start!r}): the server reads the size "
            "an image declares before decoding it, and does so for these formats only"
        )
    try:
        width, height = reader(data, name)
    except (IndexError, struct.error) as exc:
        raise ImageError(f"{name}: the {format_name} header is cut short ({len(data)} bytes)") from exc
    if width < 1 or height < 1:
        raise ImageError(f"{name}: the {format_name} header declares {width}x{height} pixels")
    return DeclaredSize(format_name, width, height)


def _png_size(data: memoryview, name: str) -> tuple[int, int]:
    length, chunk_type, width, height = struct.unpack_from(">I4sII", data, len(PNG_SIGNATURE))
    if chunk_type != b"IHDR" or length != PNG_IHDR_LENGTH:
        raise ImageError(f"{name}: the PNG does not start with its IHDR chunk (found {chunk_type!r})")
    return width, height


def _jpeg_size(data: memoryview, name: str) -> tuple[int, int]:
    offset = len(JPEG_SOI)
    while True:  # each step moves forward: markers are skipped, segments are at least 2 bytes long
        if data[offset] != JPEG_MARKER_PREFIX:
            raise ImageError(f"{name}: the JPEG has no marker at byte {offset}")
        while data[offset] == JPEG_MARKER_PREFIX:  # any number of 0xFF fill bytes may precede a marker
            offset += 1
        marker = data[offset]
        offset += 1
        if marker in JPEG_STANDALONE_MARKERS:
            continue
        if marker in (JPEG_SOS, JPEG_EOI):
            raise ImageError(f"{name}: the JPEG reaches its image data before a frame header (SOF)")
        (length,) = struct.unpack_from(">H", data, offset)
        if length < JPEG_MIN_SEGMENT_LENGTH:
            raise ImageError(f"{name}: the JPEG segment at byte {offset} has length {length}")
        if marker in JPEG_SOF_MARKERS:
            _precision, height, width = struct.unpack_from(">BHH", data, offset + 2)
            if height == 0:  # the height comes later, in a DNL segment, which OpenCV's libjpeg does not read
                raise ImageError(f"{name}: the JPEG frame header declares its height later (DNL), not supported")
            return width, height
        offset += length


def _tiff_size(data: memoryview, name: str) -> tuple[int, int]:
    order, big = TIFF_SIGNATURES[bytes(data[:4])]
    offset_format, count_format, entry_bytes = ("Q", "Q", 20) if big else ("I", "H", 12)
    first_ifd_at = 8 if big else 4  # BigTIFF: offset size (2 bytes) and a zero (2 bytes) come first
    (ifd,) = struct.unpack_from(order + offset_format, data, first_ifd_at)
    (entries,) = struct.unpack_from(order + count_format, data, ifd)
    first_entry = ifd + struct.calcsize(count_format)
    found: dict[int, int] = {}
    for index in range(entries):  # a count larger than the data ends in struct.error: cut short
        entry = first_entry + index * entry_bytes
        tag, field_type, count = struct.unpack_from(order + "HH" + offset_format, data, entry)
        if tag not in (TIFF_IMAGE_WIDTH, TIFF_IMAGE_LENGTH):
            continue
        value_format = TIFF_INTEGER_TYPES.get(field_type)
        if value_format is None or count != 1:
            raise ImageError(f"{name}: the TIFF tag {tag} has type {field_type} and count {count}, not one integer")
        value_at = entry + 4 + struct.calcsize(offset_format)  # the value sits left-justified in the value field
        (found[tag],) = struct.unpack_from(order + value_format, data, value_at)
        if len(found) == 2:
            return found[TIFF_IMAGE_WIDTH], found[TIFF_IMAGE_LENGTH]
    raise ImageError(f"{name}: the TIFF's first image has no ImageWidth and ImageLength tags")


def _exr_size(data: memoryview, name: str) -> tuple[int, int]:
    offset = EXR_FIRST_ATTRIBUTE
    while data[offset] != 0:  # the header ends with an empty attribute name
        attribute, offset = _c_string(data, offset, name)
        attribute_type, offset = _c_string(data, offset, name)
        (size,) = struct.unpack_from("<i", data, offset)
        offset += 4
        if size < 0:
            raise ImageError(f"{name}: the OpenEXR attribute {attribute!r} has size {size}")
        if attribute == "dataWindow" and attribute_type == "box2i":
            x_min, y_min, x_max, y_max = struct.unpack_from("<4i", data, offset)
            return x_max - x_min + 1, y_max - y_min + 1
        offset += size
    raise ImageError(f"{name}: the OpenEXR header has no dataWindow")


def _c_string(data: memoryview, offset: int, name: str) -> tuple[str, int]:
    """The NUL-terminated name at ``offset`` and the offset after it."""
    window = bytes(data[offset : offset + EXR_MAX_NAME_BYTES])
    end = window.find(b"\x00")
    if end < 0:
        if len(window) < EXR_MAX_NAME_BYTES:
            raise IndexError("cut short")
        raise ImageError(f"{name}: the OpenEXR header has a name longer than {EXR_MAX_NAME_BYTES - 1} bytes")
    return window[:end].decode("latin-1"), offset + end + 1

