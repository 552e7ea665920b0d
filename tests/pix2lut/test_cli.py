"""Tests for pix2lut.cli: the fit, apply, info and demo subcommands in-process, exit codes, and the console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from pix2lut import __version__
from pix2lut.apply import apply_lut
from pix2lut.cdl import Cdl, apply_cdl, format_cdl_xml
from pix2lut.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main
from pix2lut.cube import read_cube, write_cube
from pix2lut.demo import SAMPLE_FRAME
from pix2lut.fit import FitConfig, fit_lut
from pix2lut.fit_report import fit_report
from pix2lut.imageio import read_image, write_image
from pix2lut.lut import Lut3D, identity_table
from pix2lut.samples import collect_samples

HEIGHT, WIDTH = 48, 64
GRADE = Lut3D(apply_cdl(identity_table(33), Cdl(slope=(1.1, 1.0, 0.9), offset=0.02, power=(0.9, 1.0, 1.1))))
# a fitted LUT reproduces the frame it was fitted to within half an 8-bit code value on average (measured 2e-4,
# against 0.06 for the untouched frame)
FIT_MEAN_ABS_ERROR = 0.5 / 255
HALF_CODE = {8: 0.5 / 255, 16: 0.5 / 65535}  # write_image rounds to the nearest code value
FLOAT32_ATOL = 1e-6
CONSOLE_SCRIPT = Path(sys.executable).parent / "pix2lut"  # installed next to the interpreter by pip


def gradient_image(seed: int = 0) -> np.ndarray:
    """Random smooth gradients, shape (HEIGHT, WIDTH, 3) in [0.05, 0.95]: a ramp plus a slow wave per channel."""
    rng = np.random.default_rng(seed)
    v, u = np.mgrid[0:HEIGHT, 0:WIDTH] / np.array([HEIGHT - 1, WIDTH - 1])[:, None, None]
    channels = []
    for _ in range(3):
        a, b, frequency_u, frequency_v = rng.uniform(-1.0, 1.0, size=4)
        wave = np.sin(2 * np.pi * (frequency_u * u + frequency_v * v) + rng.uniform(0.0, 2 * np.pi))
        channel = a * u + b * v + 0.5 * wave
        channels.append(0.05 + 0.9 * (channel - channel.min()) / (channel.max() - channel.min()))
    return np.stack(channels, axis=-1).astype(np.float32)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``main(argv)`` in-process: its exit code, stdout and stderr."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def image_pair(tmp_path: Path) -> tuple[Path, Path]:
    """A 16-bit source frame and the same frame through ``GRADE``."""
    source, target = tmp_path / "source.png", tmp_path / "target.png"
    pixels = gradient_image()
    write_image(source, pixels, bit_depth=16)
    write_image(target, apply_lut(read_image(source).pixels, GRADE), bit_depth=16)
    return source, target


@pytest.fixture
def grade_cube(tmp_path: Path) -> Path:
    path = tmp_path / "grade.cube"
    write_cube(GRADE, path)
    return path


# fit


def test_fit_writes_a_cube_that_reproduces_the_target(
    tmp_path: Path, image_pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = image_pair
    output = tmp_path / "fitted.cube"
    code, out, err = run(capsys, "fit", str(source), str(target), "-o", str(output), "--size", "17")
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith(f"wrote {output} (17^3, fitted in ")
    lut = read_cube(output)
    assert lut.size == 17
    reproduced = apply_lut(read_image(source).pixels, lut)
    assert np.mean(np.abs(reproduced - read_image(target).pixels)) < FIT_MEAN_ABS_ERROR


def test_fit_with_cdl_writes_the_reports_cdl(
    tmp_path: Path, image_pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = image_pair
    output, cdl_path = tmp_path / "fitted.cube", tmp_path / "fitted.cdl"
    code, out, err = run(capsys, "fit", str(source), str(target), "-o", str(output), "--cdl", str(cdl_path))
    assert (code, err) == (EXIT_OK, "")
    assert out.splitlines()[-1] == f"wrote {cdl_path}"
    samples = collect_samples([(read_image(source).pixels, read_image(target).pixels)])
    expected = fit_report(samples, fit_lut(samples, FitConfig())).cdl
    assert cdl_path.read_text(encoding="utf-8") == format_cdl_xml(expected)


def test_fit_compares_frames_of_two_sizes_at_the_smaller(
    tmp_path: Path, image_pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = image_pair
    large_target = tmp_path / "target_large.png"
    large = cv2.resize(read_image(target).pixels, (2 * WIDTH, 2 * HEIGHT), interpolation=cv2.INTER_LINEAR)
    write_image(large_target, large, bit_depth=16)
    output = tmp_path / "fitted.cube"
    code, out, err = run(capsys, "fit", str(source), str(large_target), "-o", str(output), "--size", "17")
    assert (code, err) == (EXIT_OK, "")
    expected = f"note: sizes differ ({WIDTH}x{HEIGHT} and {2 * WIDTH}x{2 * HEIGHT}); both compared at {WIDTH}x{HEIGHT}"
    assert out.splitlines()[0] == expected
    assert output.exists()


def test_fit_of_a_flat_frame_fails_with_the_fit_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, target, output = tmp_path / "flat.png", tmp_path / "flat_graded.png", tmp_path / "flat.cube"
    write_image(source, np.full((HEIGHT, WIDTH, 3), 0.5, dtype=np.float32))
    write_image(target, np.full((HEIGHT, WIDTH, 3), 0.6, dtype=np.float32))
    code, out, err = run(capsys, "fit", str(source), str(target), "-o", str(output))
    assert (code, out) == (EXIT_FAILURE, "")
    assert err == (
        "pix2lut fit: Too few distinct colours to fit a LUT: need at least 8, found 1 (is the frame a flat colour?)\n"
    )
    assert not output.exists()


def test_fit_rejects_a_size_resolve_does_not_export(
    tmp_path: Path, image_pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = image_pair
    with pytest.raises(SystemExit) as info:
        main(["fit", str(source), str(target), "-o", str(tmp_path / "x.cube"), "--size", "20"])
    assert info.value.code == EXIT_USAGE
    assert "argument --size: invalid choice: 20" in capsys.readouterr().err


# apply


@pytest.mark.parametrize(
    ("suffix", "bit_depth", "dtype"),
    [(".png", 8, np.uint8), (".png", 16, np.uint16), (".tif", 8, np.uint8), (".tif", 16, np.uint16)],
)
def test_apply_keeps_the_bit_depth_and_matches_apply_lut(
    tmp_path: Path, grade_cube: Path, capsys: pytest.CaptureFixture[str], suffix: str, bit_depth: int, dtype: type
) -> None:
    image, output = tmp_path / f"in{suffix}", tmp_path / f"out{suffix}"
    write_image(image, gradient_image(), bit_depth=bit_depth)
    code, out, err = run(capsys, "apply", str(grade_cube), str(image), "-o", str(output))
    assert (code, err) == (EXIT_OK, "")
    assert out == f"wrote {output} ({WIDTH}x{HEIGHT}, {bit_depth}-bit, tetrahedral)\n"
    assert cv2.imread(str(output), cv2.IMREAD_UNCHANGED).dtype == dtype
    expected = apply_lut(read_image(image).pixels, read_cube(grade_cube))
    np.testing.assert_allclose(read_image(output).pixels, expected, rtol=0, atol=HALF_CODE[bit_depth] + FLOAT32_ATOL)


def test_apply_with_trilinear_matches_apply_lut(
    tmp_path: Path, grade_cube: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image, output = tmp_path / "in.png", tmp_path / "out.png"
    write_image(image, gradient_image(), bit_depth=16)
    code, _, err = run(capsys, "apply", str(grade_cube), str(image), "-o", str(output), "--interp", "trilinear")
    assert (code, err) == (EXIT_OK, "")
    expected = apply_lut(read_image(image).pixels, read_cube(grade_cube), "trilinear")
    np.testing.assert_allclose(read_image(output).pixels, expected, rtol=0, atol=HALF_CODE[16] + FLOAT32_ATOL)


def test_apply_writes_a_float_image_at_16_bits(
    tmp_path: Path, grade_cube: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image, output = tmp_path / "in.tif", tmp_path / "out.tif"
    ok, encoded = cv2.imencode(".tif", np.ascontiguousarray(gradient_image()[:, :, ::-1]))  # float32 BGR
    assert ok
    image.write_bytes(encoded.tobytes())
    code, _, err = run(capsys, "apply", str(grade_cube), str(image), "-o", str(output))
    assert (code, err) == (EXIT_OK, "")
    assert cv2.imread(str(output), cv2.IMREAD_UNCHANGED).dtype == np.uint16


def test_apply_at_strength_zero_gives_back_the_input(
    tmp_path: Path, grade_cube: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image, output = tmp_path / "in.png", tmp_path / "out.png"
    write_image(image, gradient_image(), bit_depth=8)
    code, _, err = run(capsys, "apply", str(grade_cube), str(image), "-o", str(output), "--strength", "0")
    assert (code, err) == (EXIT_OK, "")
    # identity interpolation is off by float32 rounding only, far below half an 8-bit code value
    np.testing.assert_array_equal(
        cv2.imread(str(output), cv2.IMREAD_UNCHANGED), cv2.imread(str(image), cv2.IMREAD_UNCHANGED)
    )


def test_apply_rejects_a_strength_above_one(
    tmp_path: Path, grade_cube: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "in.png"
    write_image(image, gradient_image())
    output = tmp_path / "out.png"
    code, out, err = run(capsys, "apply", str(grade_cube), str(image), "-o", str(output), "--strength", "1.5")
    assert (code, out) == (EXIT_FAILURE, "")
    assert err == "pix2lut apply: strength must be in [0, 1], found 1.5\n"


def test_apply_to_a_missing_image_fails_naming_it(
    tmp_path: Path, grade_cube: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.png"
    code, out, err = run(capsys, "apply", str(grade_cube), str(missing), "-o", str(tmp_path / "out.png"))
    assert (code, out) == (EXIT_FAILURE, "")
    assert err == f"pix2lut apply: {missing}: no such file\n"


def test_apply_of_a_missing_cube_fails_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image, missing = tmp_path / "in.png", tmp_path / "missing.cube"
    write_image(image, gradient_image())
    code, out, err = run(capsys, "apply", str(missing), str(image), "-o", str(tmp_path / "out.png"))
    assert (code, out) == (EXIT_FAILURE, "")
    assert err == f"pix2lut apply: {missing}: cannot read: No such file or directory\n"


# info


def test_info_describes_an_identity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "identity.cube"
    write_cube(Lut3D.identity(5), path)
    code, out, err = run(capsys, "info", str(path))
    assert (code, err) == (EXIT_OK, "")
    assert out.splitlines() == [
        f"file          {path}",
        "title         -",
        "size          5^3 (125 nodes)",
        "domain        (0.0000, 0.0000, 0.0000) .. (1.0000, 1.0000, 1.0000)",
        "shaper        none",
        "output range  (0.0000, 0.0000, 0.0000) .. (1.0000, 1.0000, 1.0000)",
        "max change    0.0000 (largest distance from the identity)",
        "smoothness    second difference mean 0.00000, max 0.00000",
        "monotonicity  red falls at 0.00% of steps, green falls at 0.00% of steps, blue falls at 0.00% of steps",
    ]


def test_info_reports_an_inverted_channel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inverted.cube"
    table = identity_table(5)
    table[..., 0] = 1.0 - table[..., 0]
    write_cube(Lut3D(table), path)
    code, out, err = run(capsys, "info", str(path))
    assert (code, err) == (EXIT_OK, "")
    monotonicity = [line for line in out.splitlines() if line.startswith("monotonicity")]
    assert monotonicity == [
        "monotonicity  red falls at 100.00% of steps, green falls at 0.00% of steps, blue falls at 0.00% of steps"
    ]


def test_info_of_a_malformed_cube_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "malformed.cube"
    path.write_text("LUT_3D_SIZE 2\n0 0 0\n1 x 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n", encoding="ascii")
    code, out, err = run(capsys, "info", str(path))
    assert (code, out) == (EXIT_FAILURE, "")
    assert err == f"pix2lut info: {path}:3: non-numeric value 'x' in a data row\n"


# usage and entry point


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == EXIT_USAGE
    assert "the following arguments are required: COMMAND" in capsys.readouterr().err


def test_version_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == EXIT_OK
    assert capsys.readouterr().out == f"pix2lut {__version__}\n"


@pytest.mark.parametrize(
    "command", [[str(CONSOLE_SCRIPT)], [sys.executable, "-m", "pix2lut.cli"]], ids=["console-script", "module"]
)
def test_entry_point_prints_the_version(command: list[str]) -> None:
    result = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (EXIT_OK, f"pix2lut {__version__}\n", "")


# demo


def test_demo_writes_the_cube_and_a_before_after_picture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "demo"
    code, out, err = run(capsys, "demo", "-o", str(folder))
    assert (code, err) == (EXIT_OK, "")
    assert read_cube(folder / "grade.cube").size == 33
    frame = read_image(SAMPLE_FRAME).pixels
    before_after = read_image(folder / "before_after.png").pixels
    height, width = frame.shape[:2]
    assert before_after.shape == (height, 2 * width, 3)
    np.testing.assert_array_equal(before_after[:, :width], frame)  # 8-bit frame, written back at 8 bits
    assert out.splitlines()[-1] == f"before | after -> {folder / 'before_after.png'}"
