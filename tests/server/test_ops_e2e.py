"""Every op end to end: a real client, real sockets on loopback, a real server running real ONNX models."""

from __future__ import annotations

import cv2
import numpy as np
import PyOpenColorIO as ocio
import pytest

from pix2lut.apply import apply_lut
from pix2lut.cdl import fit_cdl
from pix2lut.cube import parse_cube
from pix2lut.diagnosis import diagnose
from pix2lut.lut import identity_table
from server.client import Frame, ServerReplyError
from server.pipeline import CDL_SAMPLE_SIDE, model_input
from tests.server.model_factory import DEFAULT_GAIN, expected_image2lut

CUBE_ATOL = 1e-6  # the .cube keeps 6 decimals
OCIO_ATOL = 1e-5
CDL_ATOL = 2e-3  # the same fit on the .cube's 6-decimal table: rounding moves the parameters by far less


def sample_frame(seed: int = 0, height: int = 90, width: int = 160) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x / width, y / height, 0.5 + 0.4 * np.sin(x / 9.0)], axis=-1)
    return np.clip(base * rng.uniform(0.5, 0.9, 3) + rng.uniform(0, 0.1, 3), 0, 1).astype(np.float32)


def png_bytes(pixels: np.ndarray, bit_depth: int = 8) -> bytes:
    scale, dtype = (255, np.uint8) if bit_depth == 8 else (65535, np.uint16)
    encoded = np.round(pixels[:, :, ::-1] * scale).astype(dtype)
    return cv2.imencode(".png", encoded)[1].tobytes()


def expected_lut_of(frame: np.ndarray) -> np.ndarray:
    """What the factory's image2lut model answers for ``frame`` (17^3, [r, g, b])."""
    return expected_image2lut(model_input(frame, 64))[0]


def test_ping_reports_version_and_provider(server):
    with server.client() as client:
        header = client.ping()
    assert header["ok"] and header["protocol"] == 1
    assert header["provider"] == "CPUExecutionProvider"
    assert header["models"] == 3


def test_models_lists_each_model_with_its_role_and_default(server):
    with server.client() as client:
        models = {model["name"]: model for model in client.models()}
    assert set(models) == {"grade-lut", "grade-pix", "neutralize-lut"}
    assert models["grade-lut"]["default"] and models["neutralize-lut"]["default"]
    assert not models["grade-pix"]["default"]
    assert models["grade-pix"]["kind"] == "image2image"
    assert models["grade-lut"]["metrics"] == {"psnr_db": 24.0}


def test_grade_returns_the_models_lut_as_a_cube(server):
    frame = sample_frame(1)
    with server.client() as client:
        reply = client.request("grade", [Frame.raw(frame)], lut_size=17)
    lut = parse_cube(reply.cube_text)
    np.testing.assert_allclose(lut.table, np.clip(expected_lut_of(frame), 0, 1), atol=CUBE_ATOL)
    assert reply.header["model"] == "grade-lut"
    assert reply.header["lut_size"] == 17
    assert set(reply.header["timings_ms"]) >= {"decode", "inference", "fit", "encode"}
    assert reply.header["warnings"] == ["colour settings not given: assumed Rec.709 timeline and output"]


@pytest.mark.parametrize("encoding", ["png8", "png16", "uint8", "uint16", "float16", "float32"])
def test_every_frame_encoding_gives_the_same_lut(server, encoding):
    frame = sample_frame(2)
    frames = {
        "png8": lambda: Frame.encoded(png_bytes(frame, 8)),
        "png16": lambda: Frame.encoded(png_bytes(frame, 16)),
        "uint8": lambda: Frame.raw(np.round(frame * 255).astype(np.uint8)),
        "uint16": lambda: Frame.raw(np.round(frame * 65535).astype(np.uint16)),
        "float16": lambda: Frame.raw(frame.astype(np.float16)),
        "float32": lambda: Frame.raw(frame),
    }
    with server.client() as client:
        table = parse_cube(client.request("grade", [frames[encoding]()], lut_size=17).cube_text).table
    quantisation = 2.0 / 255  # an 8-bit frame moves the channel means by up to this
    np.testing.assert_allclose(table, np.clip(expected_lut_of(frame), 0, 1), atol=quantisation)


def test_the_cube_reads_in_opencolorio_as_it_does_in_pix2lut(server, tmp_path):
    with server.client() as client:
        text = client.request("grade", [Frame.raw(sample_frame(3))]).cube_text
    path = tmp_path / "grade.cube"
    path.write_text(text)
    processor = ocio.Config.CreateRaw().getProcessor(
        ocio.FileTransform(src=str(path), interpolation=ocio.INTERP_TETRAHEDRAL)
    ).getDefaultCPUProcessor()
    colours = np.random.default_rng(4).random((1000, 3)).astype(np.float32)
    through_ocio = colours.copy()
    processor.applyRGB(through_ocio)
    np.testing.assert_allclose(through_ocio, apply_lut(colours, parse_cube(text)), atol=OCIO_ATOL)


def test_image2image_model_lut_is_fitted_to_its_prediction(server):
    frame = sample_frame(5)
    with server.client() as client:
        lut = parse_cube(client.request("grade", [Frame.raw(frame)], model="grade-pix").cube_text)
    graded = apply_lut(frame, lut)
    np.testing.assert_allclose(graded, np.clip(frame * np.float32(DEFAULT_GAIN), 0, 1), atol=0.02)


def test_grade_clip_gives_one_lut_for_all_frames_of_a_shot(server):
    frames = [sample_frame(seed) for seed in (6, 7, 8)]
    with server.client() as client:
        clip = parse_cube(client.request("grade_clip", [Frame.raw(f) for f in frames], lut_size=17).cube_text)
    expected = np.mean([np.clip(expected_lut_of(f), 0, 1) for f in frames], axis=0)
    np.testing.assert_allclose(clip.table, expected, atol=CUBE_ATOL)


def test_neutralize_uses_the_neutralize_model(server):
    with server.client() as client:
        reply = client.request("neutralize", [Frame.raw(sample_frame(9))])
    assert reply.header["model"] == "neutralize-lut"


def test_look_from_a_reference_still_is_a_lut_that_regrades_its_neutral_version(server):
    reference = sample_frame(10)
    with server.client() as client:
        look = parse_cube(client.request("look", [Frame.raw(reference)], lut_size=33).cube_text)
        neutralize = parse_cube(client.request("neutralize", [Frame.raw(reference)], lut_size=33).cube_text)
    regraded = apply_lut(apply_lut(reference, neutralize), look)
    assert np.abs(regraded - reference).mean() < 0.01


def test_match_neutralizes_the_shot_then_applies_the_references_look(server):
    shot, reference = sample_frame(11), sample_frame(12)
    with server.client() as client:
        reply = client.request("match", [Frame.raw(shot), Frame.raw(reference)], lut_size=17)
    assert reply.header["model"] == "neutralize-lut"
    assert parse_cube(reply.cube_text).size == 17


def test_match_fits_its_cdl_on_the_shots_colours_not_the_references(server):
    """The match LUT goes on the shot: its CDL is the one closest to that LUT on the shot's colours alone."""
    shot = sample_frame(11)
    reference = np.clip(sample_frame(12)[:, :, ::-1] * np.float32(0.3) + np.float32(0.6), 0, 1)  # other colours
    with server.client() as client:
        reply = client.request("match", [Frame.raw(shot), Frame.raw(reference)], lut_size=17, outputs=["cube", "cdl"])
    lut = parse_cube(reply.cube_text)
    colours = cv2.resize(shot, (CDL_SAMPLE_SIDE, CDL_SAMPLE_SIDE), interpolation=cv2.INTER_AREA).reshape(-1, 3)
    expected = fit_cdl(colours, apply_lut(colours, lut))
    for key in ("slope", "offset", "power"):
        np.testing.assert_allclose(reply.header["cdl"][key], getattr(expected, key), rtol=0.0, atol=CDL_ATOL)
    assert reply.header["cdl"]["saturation"] == pytest.approx(expected.saturation, abs=CDL_ATOL)


def test_strength_zero_gives_the_identity(server):
    with server.client() as client:
        lut = parse_cube(client.request("grade", [Frame.raw(sample_frame(13))], strength=0.0, lut_size=17).cube_text)
    np.testing.assert_allclose(lut.table, identity_table(17), atol=CUBE_ATOL)


def test_cdl_output_comes_in_the_header(server):
    with server.client() as client:
        reply = client.request("grade", [Frame.raw(sample_frame(14))], outputs=["cdl"])
    assert reply.payloads == []
    assert set(reply.header["cdl"]) == {"slope", "offset", "power", "saturation"}


@pytest.mark.parametrize("size", [17, 33, 65])
def test_each_lut_size(server, size):
    with server.client() as client:
        assert parse_cube(client.request("grade", [Frame.raw(sample_frame(15))], lut_size=size).cube_text).size == size


def test_path_frame_inside_an_allowed_root_is_read(server, allowed_root):
    path = allowed_root / "still.png"
    path.write_bytes(png_bytes(sample_frame(16)))
    with server.client() as client:
        reply = client.request("grade", [Frame.path(path)])
    assert reply.header["ok"]


@pytest.mark.parametrize(
    ("options", "frames", "code"),
    [
        ({"model": "nope"}, 1, "unknown_model"),
        ({"model": "neutralize-lut"}, 1, "unknown_model"),  # a neutralize model cannot grade
        ({"colour": {"colorScienceMode": "davinciYRGB", "colorSpaceTimeline": "DaVinci WG/Intermediate",
                     "colorSpaceOutput": "Rec.709 Gamma 2.4"}}, 1, "colour_unsupported"),
        ({"colour": {"colorScienceMode": "acescct", "colorSpaceOutput": "P3-D65"}}, 1, "colour_unsupported"),
        ({"lut_size": 20}, 1, "bad_request"),
        ({}, 0, "bad_request"),
    ],
)
def test_refusals_come_back_as_coded_errors(server, options, frames, code):
    with server.client() as client, pytest.raises(ServerReplyError) as refused:
        client.request("grade", [Frame.raw(sample_frame(17))] * frames, **options)
    assert refused.value.code == code


def test_path_outside_the_allowed_roots_is_forbidden(server, tmp_path):
    path = tmp_path / "elsewhere.png"
    path.write_bytes(png_bytes(sample_frame(18)))
    with server.client() as client, pytest.raises(ServerReplyError) as refused:
        client.request("grade", [Frame.path(path)])
    assert refused.value.code == "forbidden"


def test_a_flat_frame_cannot_be_fitted(server):
    flat = np.full((32, 32, 3), 0.4, dtype=np.float32)
    with server.client() as client, pytest.raises(ServerReplyError) as refused:
        client.request("grade", [Frame.raw(flat)], model="grade-pix")
    assert refused.value.code == "fit_failed"


def test_a_correction_says_what_it_found_wrong_with_the_shot_and_a_look_says_nothing(server):
    dark = sample_frame(1) * np.float32(0.4)  # the factory's model lifts every channel towards mid grey
    with server.client() as client:
        graded = client.request("grade", [Frame.raw(dark)])
        neutralized = client.request("neutralize", [Frame.raw(dark)])
        look = client.request("look", [Frame.raw(dark)])
    diagnosis = graded.header["diagnosis"]
    assert diagnosis["exposure_ev"] < -0.5 and diagnosis["summary"].startswith("-")
    again = diagnose(parse_cube(graded.cube_text)).to_dict()  # read off the very LUT the reply carries
    assert again["summary"] == diagnosis["summary"]
    assert again["exposure_ev"] == pytest.approx(diagnosis["exposure_ev"], abs=0.01)
    assert "diagnosis" in neutralized.header
    assert "diagnosis" not in look.header


def test_the_diagnosis_is_of_the_shot_whatever_the_strength(server):
    dark = sample_frame(2) * np.float32(0.4)
    with server.client() as client:
        whole = client.request("grade", [Frame.raw(dark)])
        half = client.request("grade", [Frame.raw(dark)], strength=0.5)
    assert half.header["diagnosis"] == whole.header["diagnosis"]
    assert half.cube_text != whole.cube_text  # while the LUT itself is half as strong
