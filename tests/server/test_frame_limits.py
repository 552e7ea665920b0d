"""Decompression bombs: what frames declare is checked before decoding, and decoded frames are shrunk at once."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from pix2lut.protocol import FrameKind, FrameSpec, Limits
from server.client import Frame, ServerReplyError
from server.frames import decode_frames
from server.pipeline import FRAME_LONGEST_SIDE

LIMITS = Limits()
BOMB_SIDE = 6000  # the bomb: about 150 KB of PNG declaring 6000x6000
BOMB_FRAMES = 8
PEAK_MEMORY_LIMIT_BYTES = 1024**3  # beyond the message itself, for the largest request the limits allow
WORST_PNG_SIZE = (6400, 6250)  # (width, height): 40 million pixels, the per-frame limit
PNG_RGBA16 = (16, 6)  # bit depth, colour type: the most bytes per pixel a PNG decodes to
MEMORY_CHECK_TIMEOUT_S = 300


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int, height: int, bit_depth: int = 8, colour_type: int = 2) -> bytes:
    """A valid PNG of black pixels: megapixels declared in kilobytes, compressed row by row (little memory here)."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    row = bytes(1 + width * channels * bit_depth // 8)  # filter type 0, then the samples
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def jpeg_header(width: int, height: int) -> bytes:
    """SOI, then a baseline frame header (SOF0) for three components, and nothing to decode."""
    components = b"".join(bytes((index, 0x11, 0)) for index in (1, 2, 3))
    return b"\xff\xd8\xff\xc0" + struct.pack(">HBHHB", 8 + len(components), 8, height, width, 3) + components


def tiff_header(width: int, height: int) -> bytes:
    """A little-endian TIFF whose first IFD declares the size and nothing more."""
    entries = [struct.pack("<HHII", 256, 4, 1, width), struct.pack("<HHII", 257, 4, 1, height)]
    return b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(entries)) + b"".join(entries) + bytes(4)


def test_bomb_frames_declaring_more_pixels_than_a_request_may_hold_are_too_large(server):
    bomb = bomb_png(BOMB_SIDE, BOMB_SIDE)
    assert len(bomb) < 200_000
    with server.client(timeout_ms=120_000, retries=1) as client, pytest.raises(ServerReplyError) as refused:
        client.request("grade_clip", [Frame.encoded(bomb)] * BOMB_FRAMES)
    assert refused.value.code == "too_large"
    assert str(refused.value).endswith(
        f"the frames declare {BOMB_FRAMES * BOMB_SIDE**2} pixels in all (float-capable formats counted twice), "
        f"the limit for a request is {LIMITS.pixels_per_request}"
    )


@pytest.mark.parametrize(("format_name", "encode", "counted"), [
    ("PNG", lambda: bomb_png(7000, 7000)[:64], ""),  # the header alone: nothing is decoded
    ("JPEG", lambda: jpeg_header(7000, 7000), ""),
    ("TIFF", lambda: tiff_header(7000, 7000), ", counted 2 times as the format may hold float samples"),
])
def test_bomb_frame_declaring_more_than_the_pixel_limit_is_too_large_before_decoding(server, format_name, encode,
                                                                                      counted):
    with server.client() as client, pytest.raises(ServerReplyError) as refused:
        client.request("grade", [Frame.encoded(encode())])
    assert refused.value.code == "too_large"
    assert str(refused.value).endswith(
        f"frames[0]: its {format_name} header declares 7000x7000 = 49000000 pixels{counted}, the limit is "
        f"{LIMITS.pixels_per_frame}"
    )


def test_float_tiff_counts_twice_so_its_decoder_stays_within_the_memory_of_an_integer_frame(server):
    """A float TIFF at 30 million pixels (under the per-frame limit, over it counted twice) is too large."""
    with server.client() as client, pytest.raises(ServerReplyError) as refused:
        client.request("grade", [Frame.encoded(tiff_header(6000, 5000))])
    assert refused.value.code == "too_large"
    assert "declares 6000x5000 = 30000000 pixels, counted 2 times" in str(refused.value)


def test_format_whose_size_cannot_be_read_before_decoding_is_refused(server):
    bmp = cv2.imencode(".bmp", np.zeros((8, 8, 3), np.uint8))[1].tobytes()
    with server.client() as client, pytest.raises(ServerReplyError) as refused:
        client.request("grade", [Frame.encoded(bmp)])
    assert refused.value.code == "decode_failed"
    assert "frames[0]: not a PNG, JPEG, TIFF or OpenEXR file (it starts with b'BM" in str(refused.value)


@pytest.mark.parametrize("kind", ["encoded", "raw"])
def test_decoded_frames_are_shrunk_to_what_the_pipeline_reads(kind):
    pixels = np.random.default_rng(0).integers(0, 256, (1500, 3000, 3), dtype=np.uint8)
    if kind == "encoded":
        frame = FrameSpec(FrameKind.ENCODED, payload=memoryview(cv2.imencode(".png", pixels)[1]))
    else:
        frame = FrameSpec(FrameKind.RAW, payload=memoryview(pixels).cast("B"), dtype="uint8", shape=pixels.shape)
    (decoded,) = decode_frames([frame], LIMITS, True, ())
    assert decoded.shape == (FRAME_LONGEST_SIDE // 2, FRAME_LONGEST_SIDE, 3)
    assert decoded.dtype == np.float32


MEMORY_CHECK = """
import json, sys, time
from pathlib import Path
from pix2lut.protocol import FrameKind, FrameSpec, Limits
from server.frames import decode_frames

def peak_rss_bytes():  # VmHWM: this process's own peak (ru_maxrss starts from the parent's size at exec)
    line = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024

payload = memoryview(Path(sys.argv[1]).read_bytes())
frames = [FrameSpec(FrameKind.ENCODED, payload=payload)] * int(sys.argv[2])
before = peak_rss_bytes()  # the message is in already
started = time.perf_counter()
decoded = decode_frames(frames, Limits(), True, ())
seconds = time.perf_counter() - started
print(json.dumps({"peak_bytes": peak_rss_bytes() - before, "seconds": seconds, "shape": decoded[0].shape}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak RSS is read from /proc (Linux)")
def test_bomb_peak_memory_of_the_largest_request_the_limits_allow_stays_below_1_gib(tmp_path):
    """Frames at the pixel limit, as many as a request may declare, in the PNG that decodes to the most bytes."""
    width, height = WORST_PNG_SIZE
    assert width * height == LIMITS.pixels_per_frame
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png(width, height, *PNG_RGBA16))
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_CHECK, str(bomb), str(LIMITS.pixels_per_request // LIMITS.pixels_per_frame)],
        capture_output=True, text=True, timeout=MEMORY_CHECK_TIMEOUT_S, check=True, cwd=Path(__file__).parents[2],
    )
    measured = json.loads(result.stdout)
    print(f"peak beyond the message: {measured['peak_bytes'] / 1024**2:.0f} MiB in {measured['seconds']:.1f} s")
    assert measured["peak_bytes"] < PEAK_MEMORY_LIMIT_BYTES
