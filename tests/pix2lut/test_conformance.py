"""Conformance: a ``.cube`` written by pix2lut is applied by OpenColorIO and by ffmpeg as ``apply_lut`` applies it.

Colourists' tools build on these two clients, so each one applies the written file to the same colours and must
agree with ``apply_lut(pixels, read_cube(path))``: the LUT as written, with its 6-decimal values.

Both clients are required, never skipped: the project's test command installs them (``opencolorio`` from the
``test`` extra, ffmpeg from Debian's package).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.cube import read_cube, write_cube
from pix2lut.lut import Lut3D, identity_table

try:
    import PyOpenColorIO as ocio
except ImportError as exc:
    raise ImportError(
        "OpenColorIO (PyOpenColorIO) is required by the conformance tests: install the test extra with the "
        "README's test command"
    ) from exc

# Float32 maths in all three implementations; observed differences are at most 2.4e-7.
CONFORMANCE_ATOL = 1e-5
SIZES = (17, 33)  # Resolve's export sizes: 33 its default
FRAME_WIDTH, FRAME_HEIGHT = 64, 64  # 4096 colours, one frame
FFMPEG_TIMEOUT_S = 30  # one 64x64 frame takes ~0.1 s; this only stops a hung process
FFMPEG_PIXEL_FORMAT = "gbrpf32le"  # planar float32: planes in the order G, B, R
# A folder name with every character ffmpeg's filter parser treats specially, so that path escaping is tested.
ODD_FOLDER_NAME = "look: v1's, [final]; \\ copy"

# Our interpolation names -> each client's setting for the same interpolation.
OCIO_INTERPOLATION = {"tetrahedral": ocio.INTERP_TETRAHEDRAL, "trilinear": ocio.INTERP_LINEAR}
FFMPEG_INTERPOLATION = {"tetrahedral": "tetrahedral", "trilinear": "trilinear"}


# ---------------------------------------------------------------------------------------------------------------
# The two clients


def apply_with_ocio(path: Path, pixels: np.ndarray, interp: str) -> np.ndarray:
    """OpenColorIO's CPU processor on ``pixels`` ``(N, 3)``: a raw config and one FileTransform."""
    transform = ocio.FileTransform(src=str(path), interpolation=OCIO_INTERPOLATION[interp])
    processor = ocio.Config.CreateRaw().getProcessor(transform).getDefaultCPUProcessor()
    # applyRGB works in place and needs a C-contiguous float32 buffer (float64 or a strided view is refused).
    out = np.array(pixels, dtype=np.float32, order="C")
    processor.applyRGB(out)
    return out


def ffmpeg_executable() -> str:
    executable = shutil.which("ffmpeg")
    if executable is None:
        pytest.fail(
            "ffmpeg not found on PATH: the conformance tests need it (Debian: apt-get install ffmpeg); "
            "run the README's test command, which installs it"
        )
    return executable


def escape_ffmpeg(text: str, specials: str) -> str:
    """Backslash-escape ``specials`` (and the backslash itself) for one level of ffmpeg's filter parser."""
    return "".join(f"\\{char}" if char in specials or char == "\\" else char for char in text)


def lut3d_filter(path: Path, interp: str) -> str:
    """The ``-vf`` argument. ffmpeg unescapes twice (ffmpeg-filters, "Notes on filtergraph escaping"): first the
    graph (``'[],;``), then each option value (``':``). So the path is escaped for the option, then the whole."""
    value = escape_ffmpeg(str(path), "':")
    options = f"file={value}:interp={FFMPEG_INTERPOLATION[interp]}"
    return "lut3d=" + escape_ffmpeg(options, "'[],;")


def apply_with_ffmpeg(path: Path, frame: np.ndarray, interp: str) -> np.ndarray:
    """ffmpeg's lut3d filter on one ``(H, W, 3)`` RGB frame, sent and read back as raw planar float32."""
    height, width, _ = frame.shape
    planes_gbr = np.ascontiguousarray(frame[..., [1, 2, 0]].transpose(2, 0, 1), dtype="<f4")  # (3, H, W)
    raw_video = ["-f", "rawvideo", "-pix_fmt", FFMPEG_PIXEL_FORMAT]
    command = [
        ffmpeg_executable(), "-nostdin", "-v", "error",
        *raw_video, "-s", f"{width}x{height}", "-i", "pipe:0",
        "-vf", lut3d_filter(path, interp),
        *raw_video, "pipe:1",
    ]  # fmt: skip
    frame_bytes = planes_gbr.tobytes()
    result = subprocess.run(command, input=frame_bytes, capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False)
    if result.returncode != 0:
        pytest.fail(f"ffmpeg exited with {result.returncode}: {result.stderr.decode(errors='replace').strip()}")
    expected_bytes = planes_gbr.nbytes
    if len(result.stdout) != expected_bytes:
        pytest.fail(f"ffmpeg returned {len(result.stdout)} bytes, expected one frame of {expected_bytes}")
    green, blue, red = np.frombuffer(result.stdout, dtype="<f4").reshape(3, height, width)
    return np.stack([red, green, blue], axis=-1)


# ---------------------------------------------------------------------------------------------------------------
# Test data


def graded_lut(size: int, seed: int) -> Lut3D:
    """A smooth, nonlinear, channel-mixing LUT like a grade: a random matrix, an S-curve per channel, in [0, 1]."""
    rng = np.random.default_rng(seed)
    mix = np.eye(3) + rng.normal(scale=0.3, size=(3, 3))
    contrast = rng.uniform(3.0, 8.0, size=3)
    mixed = identity_table(size).astype(np.float64) @ mix
    return Lut3D(1.0 / (1.0 + np.exp(-contrast * (mixed - 0.5))))


def sample_frame(size: int, seed: int) -> np.ndarray:
    """A ``(FRAME_HEIGHT, FRAME_WIDTH, 3)`` float32 frame: random colours in [0, 1], the first ones on the
    cube's corners and on lattice nodes, where the clients' cell search has its edge cases."""
    rng = np.random.default_rng(seed)
    colours = rng.random((FRAME_HEIGHT * FRAME_WIDTH, 3))
    corners = np.array(np.meshgrid((0.0, 1.0), (0.0, 1.0), (0.0, 1.0))).reshape(3, -1).T  # (8, 3)
    nodes = rng.integers(0, size, size=(100, 3)) / (size - 1)
    colours[: len(corners) + len(nodes)] = np.concatenate([corners, nodes])
    return colours.reshape(FRAME_HEIGHT, FRAME_WIDTH, 3).astype(np.float32)


@pytest.fixture(scope="module", params=SIZES, ids=lambda size: f"size{size}")
def written_cube(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A graded LUT written by ``write_cube`` into a folder whose name ffmpeg's parser must be told to take."""
    size = request.param
    # A fresh path per LUT: OpenColorIO caches a file by its path for the life of the process (not by its
    # modification time), so a LUT rewritten at the same path would be read stale until ocio.ClearAllCaches().
    folder = tmp_path_factory.mktemp("conformance") / ODD_FOLDER_NAME
    folder.mkdir()
    path = folder / f"graded{size}.cube"
    write_cube(graded_lut(size, seed=size), path)
    return path


# ---------------------------------------------------------------------------------------------------------------
# Agreement


@pytest.mark.parametrize("interp", ["tetrahedral", "trilinear"])
def test_opencolorio_agrees_with_apply_lut(written_cube: Path, interp: str) -> None:
    lut = read_cube(written_cube)
    frame = sample_frame(lut.size, seed=1)
    pixels = frame.reshape(-1, 3)
    np.testing.assert_allclose(
        apply_with_ocio(written_cube, pixels, interp), apply_lut(pixels, lut, interp), rtol=0, atol=CONFORMANCE_ATOL
    )


@pytest.mark.parametrize("interp", ["tetrahedral", "trilinear"])
def test_ffmpeg_agrees_with_apply_lut(written_cube: Path, interp: str) -> None:
    lut = read_cube(written_cube)
    frame = sample_frame(lut.size, seed=2)
    np.testing.assert_allclose(
        apply_with_ffmpeg(written_cube, frame, interp), apply_lut(frame, lut, interp), rtol=0, atol=CONFORMANCE_ATOL
    )


@pytest.mark.parametrize("interp", ["tetrahedral", "trilinear"])
def test_clients_clamp_out_of_range_inputs_like_apply_lut(written_cube: Path, interp: str) -> None:
    """apply_lut's docstring says it clamps as OpenColorIO and ffmpeg do: super-whites and negatives."""
    lut = read_cube(written_cube)
    frame = sample_frame(lut.size, seed=3) * np.float32(3.0) - np.float32(1.0)  # [-1, 2]
    expected = apply_lut(frame, lut, interp)
    ocio_found = apply_with_ocio(written_cube, frame.reshape(-1, 3), interp).reshape(frame.shape)
    np.testing.assert_allclose(ocio_found, expected, rtol=0, atol=CONFORMANCE_ATOL)
    np.testing.assert_allclose(apply_with_ffmpeg(written_cube, frame, interp), expected, rtol=0, atol=CONFORMANCE_ATOL)


def test_clients_see_different_interpolations(written_cube: Path) -> None:
    """The interpolation setting reaches each client: otherwise the agreement above could hide a default."""
    frame = sample_frame(read_cube(written_cube).size, seed=4)
    pixels = frame.reshape(-1, 3)
    ocio_difference = apply_with_ocio(written_cube, pixels, "tetrahedral") - apply_with_ocio(
        written_cube, pixels, "trilinear"
    )
    ffmpeg_difference = apply_with_ffmpeg(written_cube, frame, "tetrahedral") - apply_with_ffmpeg(
        written_cube, frame, "trilinear"
    )
    assert np.abs(ocio_difference).max() > 10 * CONFORMANCE_ATOL
    assert np.abs(ffmpeg_difference).max() > 10 * CONFORMANCE_ATOL


def test_ffmpeg_filter_escaping() -> None:
    assert lut3d_filter(Path("/a/b.cube"), "tetrahedral") == "lut3d=file=/a/b.cube:interp=tetrahedral"
    # ':' -> '\:' for the option, then '\' -> '\\' for the graph; ',' '[' only for the graph.
    assert lut3d_filter(Path("/x:y,[z].cube"), "trilinear") == r"lut3d=file=/x\\:y\,\[z\].cube:interp=trilinear"
