"""``pix2lut grade`` and ``pix2lut match`` in-process: against the running server and with ``--local``.

The same image must give the same files either way: ``--local`` runs the server's own service in this process.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.cdl import ASC_CDL_NAMESPACE
from pix2lut.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main
from pix2lut.cube import parse_cube, read_cube
from pix2lut.imageio import read_image, write_image
from pix2lut.lut import identity_table
from server.client import Frame
from server.pipeline import model_input
from tests.server.conftest import free_port
from tests.server.model_factory import expected_image2lut

HEIGHT, WIDTH = 45, 80
MODEL_INPUT_SIZE = 64  # model_factory's default input size
FACTORY_LUT_SIZE = 17  # the size of the factory's image2lut output: asked for as is, it comes back unresampled
CUBE_ATOL = 1e-6  # the .cube keeps 6 decimals
CDL_ATOL = 1e-6  # the .cdl keeps 6 decimals
PREVIEW_ATOL = 1 / 255  # the preview is 8-bit: rounding, plus float noise at a code value's midpoint
LOADED_MODELS = "grade-lut, grade-pix, neutralize-lut"  # conftest.make_models
MODES = ["remote", "local"]
LOOK_REGRADE_MAE = 0.01  # the look, put back on the neutralized reference, gives the reference (a fitted LUT)


def frame(seed: int) -> np.ndarray:
    """A smooth, non-flat RGB frame ``(HEIGHT, WIDTH, 3)`` in [0, 1], different for each seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    base = np.stack([x / WIDTH, y / HEIGHT, 0.5 + 0.4 * np.sin(x / 7.0)], axis=-1)
    return np.clip(base * rng.uniform(0.5, 0.9, 3) + rng.uniform(0, 0.1, 3), 0, 1).astype(np.float32)


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    """``pix2lut argv`` in-process: its exit code, stdout and stderr."""
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def read_cdl_values(path: Path) -> dict[str, list[float]]:
    """Slope, offset, power and saturation of a one-correction ``.cdl`` file, by ASC CDL v1.2's element names."""
    root = ET.parse(path).getroot()
    namespace = {"cdl": ASC_CDL_NAMESPACE}
    return {name.lower(): [float(v) for v in root.find(f".//cdl:{name}", namespace).text.split()]
            for name in ("Slope", "Offset", "Power", "Saturation")}


@pytest.fixture
def shot(tmp_path: Path) -> Path:
    path = tmp_path / "shot.png"
    write_image(path, frame(1))
    return path


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    path = tmp_path / "reference.png"
    write_image(path, frame(2))
    return path


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest, server, models_dir: Path) -> list[str]:
    """Where the request goes: the session's server, or the pipeline in this process."""
    if request.param == "remote":
        return ["--server", server.address]
    return ["--local", "--models", str(models_dir)]


def test_grade_writes_the_models_lut_beside_the_image(capsys, shot, mode):
    code, out, err = run(capsys, "grade", shot, "--lut-size", FACTORY_LUT_SIZE, *mode)
    cube = shot.with_suffix(".cube")
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith(f"wrote {cube} (17^3, model grade-lut on CPUExecutionProvider; ms: ")
    assert "warning: colour settings not given: assumed Rec.709 timeline and output\n" in out
    expected = expected_image2lut(model_input(read_image(shot).pixels, MODEL_INPUT_SIZE))[0]
    np.testing.assert_allclose(read_cube(cube).table, np.clip(expected, 0, 1), atol=CUBE_ATOL)


def test_output_option_puts_the_cube_there_and_nothing_beside_the_image(capsys, shot, mode, tmp_path):
    output = tmp_path / "elsewhere" / "graded.cube"
    output.parent.mkdir()
    code, out, _ = run(capsys, "grade", shot, "-o", output, *mode)
    assert code == EXIT_OK
    assert out.startswith(f"wrote {output} (33^3, ")
    assert read_cube(output).size == 33
    assert not shot.with_suffix(".cube").exists()


def test_cdl_file_holds_the_cdl_of_the_reply(capsys, server, shot, mode, tmp_path):
    cdl_path = tmp_path / "shot.cdl"
    code, out, _ = run(capsys, "grade", shot, "--cdl", cdl_path, *mode)
    assert code == EXIT_OK
    assert f"wrote {cdl_path}\n" in out
    with server.client() as client:
        expected = client.request("grade", [Frame.from_file(shot)], outputs=["cdl"]).header["cdl"]
    written = read_cdl_values(cdl_path)
    for name in ("slope", "offset", "power"):
        np.testing.assert_allclose(written[name], expected[name], atol=CDL_ATOL, err_msg=name)
    np.testing.assert_allclose(written["saturation"], [expected["saturation"]], atol=CDL_ATOL)


def test_preview_is_the_input_beside_the_graded_input(capsys, shot, mode, tmp_path):
    preview = tmp_path / "preview.png"
    code, out, _ = run(capsys, "grade", shot, "--preview", preview, *mode)
    assert code == EXIT_OK
    assert out.endswith(f"wrote {preview} (before | after)\n")
    before = read_image(shot).pixels
    written = read_image(preview)
    assert written.bit_depth == 8
    assert written.pixels.shape == (HEIGHT, 2 * WIDTH, 3)
    np.testing.assert_array_equal(written.pixels[:, :WIDTH], before)
    graded = apply_lut(before, read_cube(shot.with_suffix(".cube")))
    np.testing.assert_allclose(written.pixels[:, WIDTH:], graded, atol=PREVIEW_ATOL)
    assert np.abs(written.pixels[:, WIDTH:] - before).max() > 10 * PREVIEW_ATOL  # the grade does show


def test_strength_zero_writes_the_identity(capsys, shot, mode):
    code, _, _ = run(capsys, "grade", shot, "--strength", 0, "--lut-size", 17, *mode)
    assert code == EXIT_OK
    np.testing.assert_allclose(read_cube(shot.with_suffix(".cube")).table, identity_table(17), atol=CUBE_ATOL)


def test_remote_and_local_write_the_same_cube(capsys, server, models_dir, shot, tmp_path):
    remote, local = tmp_path / "remote.cube", tmp_path / "local.cube"
    assert run(capsys, "grade", shot, "-o", remote, "--server", server.address)[0] == EXIT_OK
    assert run(capsys, "grade", shot, "-o", local, "--local", "--models", models_dir)[0] == EXIT_OK
    assert remote.read_text() == local.read_text()
    assert parse_cube(remote.read_text()).size == 33


def test_match_writes_the_cube_beside_the_shot(capsys, shot, reference, mode):
    code, out, err = run(capsys, "match", shot, reference, "--lut-size", 17, *mode)
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith(f"wrote {shot.with_suffix('.cube')} (17^3, model neutralize-lut on ")
    assert read_cube(shot.with_suffix(".cube")).size == 17
    assert not reference.with_suffix(".cube").exists()


def test_neutralize_writes_one_lut_for_the_frames_of_a_shot(capsys, shot, reference, mode):
    """The neutralize op from the command line: one LUT for all frames, the mean of the per-frame ones."""
    code, out, err = run(capsys, "neutralize", shot, reference, "--lut-size", FACTORY_LUT_SIZE, *mode)
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith(f"wrote {shot.with_suffix('.cube')} (17^3, model neutralize-lut on ")
    per_frame = [np.clip(expected_image2lut(model_input(read_image(path).pixels, MODEL_INPUT_SIZE))[0], 0, 1)
                 for path in (shot, reference)]
    np.testing.assert_allclose(read_cube(shot.with_suffix(".cube")).table, np.mean(per_frame, axis=0),
                               atol=CUBE_ATOL)


def test_look_writes_the_references_look(capsys, reference, mode, tmp_path):
    output = tmp_path / "look.cube"
    code, out, err = run(capsys, "look", reference, "-o", output, "--lut-size", 17, *mode)
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith(f"wrote {output} (17^3, model neutralize-lut on ")
    neutralize = tmp_path / "neutralize.cube"
    assert run(capsys, "neutralize", reference, "-o", neutralize, "--lut-size", 17, *mode)[0] == EXIT_OK
    pixels = read_image(reference).pixels
    regraded = apply_lut(apply_lut(pixels, read_cube(neutralize)), read_cube(output))  # neutral, then the look
    assert np.abs(regraded - pixels).mean() < LOOK_REGRADE_MAE


def test_unknown_model_is_one_line_with_the_servers_code(capsys, shot, mode):
    code, out, err = run(capsys, "grade", shot, "--model", "nope", *mode)
    assert (code, out) == (EXIT_FAILURE, "")
    assert err == ("pix2lut grade: server refused the request (unknown_model): unknown model 'nope'; "
                   f"loaded models: {LOADED_MODELS}\n")
    assert not shot.with_suffix(".cube").exists()


def test_missing_image_is_one_line_naming_it(capsys, tmp_path, mode):
    missing = tmp_path / "missing.png"
    code, out, err = run(capsys, "grade", missing, *mode)
    assert (code, out) == (EXIT_FAILURE, "")
    assert str(missing) in err and err.count("\n") == 1


def test_a_server_that_is_not_running_is_one_line_naming_its_address(capsys, shot):
    address = f"tcp://127.0.0.1:{free_port()}"
    code, out, err = run(capsys, "grade", shot, "--server", address, "--timeout-ms", 200)
    assert (code, out) == (EXIT_FAILURE, "")
    assert err.startswith(f"pix2lut grade: no answer from {address} after ")
    assert err.count("\n") == 1
    assert not shot.with_suffix(".cube").exists()


def test_output_in_a_missing_folder_is_one_line_naming_it(capsys, shot, tmp_path, mode):
    output = tmp_path / "no_such_folder" / "graded.cube"
    code, out, err = run(capsys, "grade", shot, "-o", output, *mode)
    assert (code, out) == (EXIT_FAILURE, "")
    assert str(output) in err and err.count("\n") == 1


DWG_TIMELINE = ("--colour", "colorScienceMode=davinciYRGBColorManagedv2",
                "--colour", "colorSpaceTimeline=DaVinci WG/Intermediate",
                "--colour", "colorSpaceOutput=Rec.709 Gamma 2.4")


@pytest.mark.parametrize("op", ["grade", "match"])
def test_colour_settings_fold_the_lut_for_the_timeline_space(capsys, shot, reference, mode, op):
    images = [shot] if op == "grade" else [shot, reference]
    code, out, err = run(capsys, op, *images, *DWG_TIMELINE, *mode)
    assert (code, err) == (EXIT_OK, "")
    assert "colour pipeline: DaVinci WG/Intermediate -> Rec.709 Gamma 2.4\n" in out
    assert read_cube(shot.with_suffix(".cube")).size == 65  # raised: a fold over a log space needs it


def test_a_colour_setting_resolve_does_not_have_is_a_usage_error(capsys, shot):
    with pytest.raises(SystemExit) as exited:
        run(capsys, "grade", shot, "--colour", "colourSpace=Rec.709")
    assert exited.value.code == EXIT_USAGE
    assert "'colourSpace=Rec.709': expected KEY=VALUE with KEY one of colorScienceMode, " in capsys.readouterr().err


def test_an_unsupported_colour_setting_is_one_line_naming_it(capsys, shot, mode):
    code, out, err = run(capsys, "grade", shot, "--colour", "colorScienceMode=acescct", "--colour",
                         "colorSpaceOutput=P3-D65", *mode)
    assert (code, out) == (EXIT_FAILURE, "")
    assert err == ("pix2lut grade: server refused the request (colour_unsupported): colorSpaceOutput 'P3-D65' with "
                   "colour science 'acescct' is not supported; supported: Rec.709 (the ACES 1.x Rec.709 output "
                   "transform)\n")
