"""A server with a look model: the look and match ops take a reference's look from it, not from a fit."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from pix2lut.cube import parse_cube
from pix2lut.lut import Lut3D
from pix2lut.ops import compose
from server.client import Frame, ServerReplyError
from server.loop import ServerConfig
from server.pipeline import model_input
from tests.server.conftest import RunningServer, free_port, start_server, stop_server
from tests.server.model_factory import DEFAULT_OFFSET_GAIN, add_model, expected_image2lut
from tests.server.test_ops_e2e import sample_frame

CUBE_ATOL = 1e-6  # the .cube keeps 6 decimals
LOOK_OFFSET_GAIN = -0.8  # the look model pushes a frame's colours away from grey, the neutralizer towards it
SIZE = 64
LUT_SIZE = 17


@pytest.fixture(scope="module")
def look_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("look-models")
    add_model(folder, "grade-lut", "image2lut", "grade", default=True)
    add_model(folder, "neutralize-lut", "image2lut", "neutralize", default=True)
    add_model(folder, "look-lut", "image2lut", "look", default=True, offset_gain=LOOK_OFFSET_GAIN)
    config = ServerConfig(bind=f"tcp://127.0.0.1:{free_port()}", models_dir=folder, threads=1)
    running = RunningServer(config.bind, start_server(config), folder)
    yield running
    stop_server(running)


def look_of(frame: np.ndarray) -> Lut3D:
    return Lut3D(np.clip(expected_image2lut(model_input(frame, SIZE), offset_gain=LOOK_OFFSET_GAIN)[0], 0, 1))


def neutralize_of(frame: np.ndarray) -> Lut3D:
    return Lut3D(np.clip(expected_image2lut(model_input(frame, SIZE), offset_gain=DEFAULT_OFFSET_GAIN)[0], 0, 1))


def test_look_comes_from_the_look_model_seeing_the_reference(look_server):
    reference = sample_frame(20)
    with look_server.client() as client:
        reply = client.request("look", [Frame.raw(reference)], lut_size=LUT_SIZE)
    assert reply.header["model"] == "look-lut"
    np.testing.assert_allclose(parse_cube(reply.cube_text).table, look_of(reference).table, atol=CUBE_ATOL)


def test_look_naming_the_neutralizer_still_fits_the_look_from_it(look_server):
    reference = sample_frame(21)
    with look_server.client() as client:
        fitted = client.request("look", [Frame.raw(reference)], lut_size=LUT_SIZE, model="neutralize-lut")
    assert fitted.header["model"] == "neutralize-lut"
    assert np.abs(parse_cube(fitted.cube_text).table - look_of(reference).table).max() > 0.01


def test_match_neutralizes_the_shot_and_gives_it_the_look_models_look(look_server):
    shot, reference = sample_frame(22), sample_frame(23)
    with look_server.client() as client:
        reply = client.request("match", [Frame.raw(shot), Frame.raw(reference)], lut_size=LUT_SIZE)
    assert reply.header["model"] == "neutralize-lut"
    expected = compose(neutralize_of(shot), look_of(reference))
    np.testing.assert_allclose(parse_cube(reply.cube_text).table, expected.table, atol=CUBE_ATOL)


def test_look_refuses_a_grade_model(look_server):
    with look_server.client() as client, pytest.raises(ServerReplyError) as refused:
        client.request("look", [Frame.raw(sample_frame(24))], model="grade-lut")
    assert refused.value.code == "unknown_model"
    assert "look or neutralize" in str(refused.value)


def test_models_lists_the_look_model_as_the_default_look(look_server):
    with look_server.client() as client:
        models = {model["name"]: model for model in client.models()}
    assert models["look-lut"]["role"] == "look" and models["look-lut"]["default"]


def test_manifest_without_a_look_model_keeps_the_fit(server: RunningServer):
    """The shared server has no look model: its look op names the neutralizer."""
    with server.client() as client:
        reply = client.request("look", [Frame.raw(sample_frame(25))], lut_size=LUT_SIZE)
    assert reply.header["model"] == "neutralize-lut"
