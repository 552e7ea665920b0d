"""Tests for pix2lut.imageio: round trips per format and depth, channel handling, and every error path."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from pix2lut.errors import ImageError
from pix2lut.imageio import Image, decode_image, read_image, shrink_to_longest, write_image

JPEG_MAX_ERROR = 12 / 255  # worst single-sample error of quality-95 JPEG on a smooth gradient
JPEG_MEAN_ERROR = 2 / 255
HEIGHT, WIDTH = 6, 7


def code_values(bit_depth: int, seed: int) -> np.ndarray:
    """Random integer RGB samples covering the full code range, including 0 and white."""
    full_scale = 2**bit_depth - 1
    values = np.random.default_rng(seed).integers(0, full_scale, size=(HEIGHT, WIDTH, 3), endpoint=True)
    values[0, 0] = 0
    values[0, 1] = full_scale
    return values


def write_with_opencv(path: Path, bgr: np.ndarray) -> None:
    """Write an array exactly as given (BGR, any channel count), to build inputs write_image cannot make."""
    ok, encoded = cv2.imencode(path.suffix, bgr)
    assert ok
    path.write_bytes(encoded.tobytes())


@pytest.mark.parametrize("suffix", [".png", ".tif", ".tiff"])
@pytest.mark.parametrize("bit_depth", [8, 16])
def test_lossless_round_trip_is_exact(tmp_path: Path, suffix: str, bit_depth: int) -> None:
    values = code_values(bit_depth, seed=bit_depth)
    pixels = (values / (2**bit_depth - 1)).astype(np.float32)
    path = tmp_path / f"frame{suffix}"
    write_image(path, pixels, bit_depth=bit_depth)
    image = read_image(path)
    assert image.bit_depth == bit_depth
    assert image.pixels.dtype == np.float32
    assert image.pixels.shape == (HEIGHT, WIDTH, 3)
    np.testing.assert_array_equal(np.rint(image.pixels * (2**bit_depth - 1)), values)


def test_channels_are_rgb_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "red.png"
    pixels = np.zeros((2, 2, 3), dtype=np.float32)
    pixels[..., 0] = 1.0
    write_image(path, pixels)
    np.testing.assert_array_equal(cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_UNCHANGED)[0, 0], [0, 0, 255])
    np.testing.assert_array_equal(read_image(path).pixels[0, 0], [1.0, 0.0, 0.0])


def test_jpeg_round_trip_is_close(tmp_path: Path) -> None:
    ramp = np.linspace(0.0, 1.0, 64, dtype=np.float32)
    pixels = np.stack(np.broadcast_arrays(ramp[np.newaxis, :], ramp[:, np.newaxis], 0.5 * ramp[:, np.newaxis]), axis=-1)
    path = tmp_path / "frame.jpg"
    write_image(path, pixels)
    image = read_image(path)
    assert image.bit_depth == 8
    error = np.abs(image.pixels - pixels)
    assert error.max() <= JPEG_MAX_ERROR
    assert error.mean() <= JPEG_MEAN_ERROR


def test_write_clips_and_rounds(tmp_path: Path) -> None:
    path = tmp_path / "clipped.png"
    pixels = np.array([[[-0.5, 1.5, 0.5], [0.4 / 255, 0.6 / 255, 254.6 / 255]]], dtype=np.float64)
    write_image(path, pixels)
    np.testing.assert_array_equal(np.rint(read_image(path).pixels * 255), [[[0, 255, 128], [0, 1, 255]]])


@pytest.mark.parametrize("bit_depth", [8, 16])
def test_greyscale_becomes_three_equal_channels(tmp_path: Path, bit_depth: int) -> None:
    grey = code_values(bit_depth, seed=3)[..., 0].astype(np.uint8 if bit_depth == 8 else np.uint16)
    path = tmp_path / "grey.png"
    write_with_opencv(path, grey)
    image = read_image(path)
    assert image.bit_depth == bit_depth
    for channel in range(3):
        np.testing.assert_array_equal(np.rint(image.pixels[..., channel] * (2**bit_depth - 1)), grey)


def test_alpha_is_dropped(tmp_path: Path) -> None:
    bgra = np.zeros((3, 4, 4), dtype=np.uint8)
    bgra[..., 0] = 10  # blue
    bgra[..., 1] = 20  # green
    bgra[..., 2] = 30  # red
    bgra[..., 3] = 0  # fully transparent: must not change the colour read back
    path = tmp_path / "rgba.png"
    write_with_opencv(path, bgra)
    image = read_image(path)
    assert image.pixels.shape == (3, 4, 3)
    np.testing.assert_array_equal(np.rint(image.pixels * 255)[0, 0], [30, 20, 10])


def test_float_tiff_reads_as_32_bit_with_values_kept(tmp_path: Path) -> None:
    bgr = np.array([[[0.25, 0.5, 1.5]]], dtype=np.float32)
    path = tmp_path / "float.tif"
    write_with_opencv(path, bgr)
    image = read_image(path)
    assert image.bit_depth == 32
    np.testing.assert_array_equal(image.pixels[0, 0], [1.5, 0.5, 0.25])


SHRINK_ATOL = 1e-6  # float area averages in another order: rounding only


@pytest.mark.parametrize(("suffix", "dtype", "scale"), [(".tif", np.float32, 1.0), (".png", np.uint16, 65535)])
def test_decode_image_shrinks_to_longest_as_decoding_then_shrinking_would(suffix: str, dtype, scale: float) -> None:
    """Float files are shrunk before the float copy (never two full-size copies), integer ones after: same pixels."""
    bgra = (np.random.default_rng(3).random((90, 120, 4)) * scale).astype(dtype)
    ok, encoded = cv2.imencode(suffix, bgra)
    assert ok
    shrunk = decode_image(encoded.tobytes(), longest=40)
    full = decode_image(encoded.tobytes())
    assert shrunk.decoded_size == full.decoded_size == (120, 90)
    assert shrunk.pixels.shape == (30, 40, 3)
    np.testing.assert_allclose(shrunk.pixels, shrink_to_longest(full.pixels, 40), rtol=0.0, atol=SHRINK_ATOL)


def test_decode_image_reads_bytes_like_read_image(tmp_path: Path) -> None:
    path = tmp_path / "frame.png"
    write_image(path, (code_values(16, seed=5) / 65535).astype(np.float32), bit_depth=16)
    from_bytes = decode_image(path.read_bytes())
    from_file = read_image(path)
    assert from_bytes.bit_depth == from_file.bit_depth == 16
    np.testing.assert_array_equal(from_bytes.pixels, from_file.pixels)


def test_non_ascii_path(tmp_path: Path) -> None:
    path = tmp_path / "étalonnage_色彩.png"
    pixels = np.full((2, 3, 3), 0.5, dtype=np.float32)
    write_image(path, pixels)
    assert read_image(path).pixels.shape == (2, 3, 3)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.png"
    with pytest.raises(ImageError) as info:
        read_image(path)
    assert str(info.value) == f"{path}: no such file"


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n this is not the rest of a PNG")
    with pytest.raises(ImageError) as info:
        read_image(path)
    assert str(info.value) == f"{path}: not a readable image (unknown format or corrupt data, 38 bytes)"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(ImageError) as info:
        read_image(path)
    assert str(info.value) == f"{path}: empty file, not an image"


def test_decode_image_names_the_payload() -> None:
    with pytest.raises(ImageError) as info:
        decode_image(b"not an image", name="request 7 source")
    assert str(info.value) == "request 7 source: not a readable image (unknown format or corrupt data, 12 bytes)"


def test_directory_is_not_an_image(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match=r": cannot read the file \("):
        read_image(tmp_path)


def test_unsupported_sample_type(tmp_path: Path) -> None:
    path = tmp_path / "double.tif"
    write_with_opencv(path, np.zeros((2, 2, 3), dtype=np.float64))
    with pytest.raises(ImageError) as info:
        read_image(path)
    assert str(info.value) == (
        f"{path}: unsupported sample type float64; expected 8- or 16-bit integers or 32-bit floats"
    )


def test_jpeg_cannot_hold_16_bits(tmp_path: Path) -> None:
    path = tmp_path / "frame.jpg"
    with pytest.raises(ImageError) as info:
        write_image(path, np.zeros((2, 2, 3)), bit_depth=16)
    assert str(info.value) == f"{path}: JPEG holds 8-bit samples only, asked for 16-bit"
    assert not path.exists()


def test_png_cannot_be_written_as_float(tmp_path: Path) -> None:
    path = tmp_path / "frame.png"
    with pytest.raises(ImageError) as info:
        write_image(path, np.zeros((2, 2, 3)), bit_depth=32)
    assert str(info.value) == f"{path}: PNG holds 8 or 16-bit samples only, asked for 32-bit"


def test_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "frame.bmp"
    with pytest.raises(ImageError) as info:
        write_image(path, np.zeros((2, 2, 3)))
    assert str(info.value) == f"{path}: cannot write .bmp files; use one of .png, .tif, .tiff, .jpg, .jpeg"


@pytest.mark.parametrize(
    ("pixels", "found"),
    [
        (np.zeros((2, 2, 3), dtype=np.uint8), "uint8 (2, 2, 3)"),
        (np.zeros((2, 2), dtype=np.float32), "float32 (2, 2)"),
        (np.zeros((2, 2, 4), dtype=np.float32), "float32 (2, 2, 4)"),
    ],
)
def test_write_rejects_wrong_pixels(tmp_path: Path, pixels: np.ndarray, found: str) -> None:
    path = tmp_path / "frame.png"
    with pytest.raises(ImageError) as info:
        write_image(path, pixels)
    assert str(info.value) == f"{path}: pixels must be float RGB of shape (height, width, 3), found {found}"


def test_write_rejects_nan(tmp_path: Path) -> None:
    path = tmp_path / "frame.png"
    pixels = np.zeros((2, 2, 3))
    pixels[1, 1, 1] = np.nan
    with pytest.raises(ImageError) as info:
        write_image(path, pixels)
    assert str(info.value) == f"{path}: pixels hold NaN or infinite values"


def test_write_into_missing_folder(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "folder" / "frame.png"
    with pytest.raises(ImageError) as info:
        write_image(path, np.zeros((2, 2, 3)))
    assert str(info.value) == f"{path}: cannot write the file (No such file or directory)"


def test_atomic_write_replaces_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "frame.tif"
    write_image(path, np.zeros((4, 4, 3)))
    write_image(path, np.ones((4, 4, 3)), bit_depth=16)
    assert [entry.name for entry in tmp_path.iterdir()] == ["frame.tif"]
    image = read_image(path)
    assert image.bit_depth == 16
    np.testing.assert_array_equal(image.pixels, np.ones((4, 4, 3), dtype=np.float32))


def test_failed_encode_leaves_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "frame.png"
    write_image(path, np.zeros((4, 4, 3)))
    before = path.read_bytes()
    with pytest.raises(ImageError):
        write_image(path, np.full((4, 4, 3), np.inf))
    assert path.read_bytes() == before
    assert [entry.name for entry in tmp_path.iterdir()] == ["frame.png"]


def test_image_checks_its_fields() -> None:
    with pytest.raises(ImageError) as info:
        Image(np.zeros((2, 2, 3), dtype=np.float64), 8)
    assert str(info.value) == "Image pixels must be float32 of shape (height, width, 3), found float64 (2, 2, 3)"
    with pytest.raises(ImageError) as info:
        Image(np.zeros((2, 2, 3), dtype=np.float32), 12)
    assert str(info.value) == "Image bit_depth must be one of 8, 16, 32, found 12"


@pytest.mark.parametrize(("shape", "longest", "expected"), [
    ((300, 600, 3), 150, (75, 150, 3)),  # landscape: the width is the long side
    ((600, 300, 3), 150, (150, 75, 3)),  # portrait
    ((1000, 1, 3), 10, (10, 1, 3)),  # a sliver keeps at least one pixel across
])
def test_shrink_to_longest_keeps_the_aspect(shape: tuple[int, int, int], longest: int,
                                            expected: tuple[int, int, int]) -> None:
    assert shrink_to_longest(np.zeros(shape, np.float32), longest).shape == expected


def test_shrink_to_longest_averages_and_never_enlarges() -> None:
    checker = np.indices((64, 64)).sum(axis=0) % 2  # black and white pixels alternate
    image = np.repeat(checker[:, :, None], 3, axis=2).astype(np.float32)
    assert np.allclose(shrink_to_longest(image, 32), 0.5)  # area averaging: each 2x2 block is half white
    assert shrink_to_longest(image, 100) is image
