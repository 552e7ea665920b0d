"""A model that outputs NaN or no colours at all (issue 24): refused at start-up, or ``model_failed`` at request time.

Real ONNX files with a matching sha256: every check but the output values passes, as for a model whose
weights went NaN in training.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from pix2lut.lut import identity_table
from server.client import Frame, ServerReplyError
from server.loop import ServerConfig
from server.manifest import manifest_entry_for
from server.registry import ModelRegistry
from tests.server.conftest import RunningServer, free_port, start_server, stop_server
from tests.server.model_factory import INPUT_NAME, IR_VERSION, OPSET, add_model, write_manifest

SIZE = 32  # model input side, pixels
LUT_SIZE = 5
LUT_VALUES = LUT_SIZE**3 * 3  # (1, N, N, N, 3)
NAN_ABOVE_MEAN = 0.5  # the bright-NaN model's output is NaN once a channel's mean passes this
CPU = "CPUExecutionProvider"
LOGGER = "pix2lut.server"


def make_nan_when_bright(path: Path) -> Path:
    """An ``image2lut`` grade model: the identity LUT for frames whose channel means stay at or below 0.5 (the
    black warm-up frame included), NaN everywhere for brighter ones: ``identity + 0 * sqrt(0.5 - mean)``."""
    nodes = [
        helper.make_node("ReduceMean", [INPUT_NAME], ["mean"], axes=[2, 3], keepdims=0),  # (1, 3)
        helper.make_node("Sub", ["limit", "mean"], ["headroom"]),
        helper.make_node("Sqrt", ["headroom"], ["root"]),  # NaN where headroom < 0
        helper.make_node("Mul", ["root", "zero"], ["offset"]),  # 0, or NaN: 0 * NaN is NaN
        helper.make_node("Reshape", ["offset", "offset_shape"], ["offset_rgb"]),  # (1, 1, 1, 1, 3)
        helper.make_node("Add", ["identity", "offset_rgb"], ["lut"]),  # (1, N, N, N, 3)
    ]
    initializers = [
        numpy_helper.from_array(np.array(NAN_ABOVE_MEAN, dtype=np.float32), "limit"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
        numpy_helper.from_array(np.array([-1, 1, 1, 1, 3], dtype=np.int64), "offset_shape"),
        numpy_helper.from_array(identity_table(LUT_SIZE)[None], "identity"),
    ]
    image = helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [1, 3, SIZE, SIZE])
    lut = helper.make_tensor_value_info("lut", TensorProto.FLOAT, [1, LUT_SIZE, LUT_SIZE, LUT_SIZE, 3])
    graph = helper.make_graph(nodes, "pix2lut-test-nan-when-bright", [image], [lut], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION)
    helper.set_model_props(model, {"pix2lut.kind": "image2lut", "pix2lut.role": "grade"})
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == logging.ERROR]


@pytest.fixture
def registry_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=LOGGER)
    return caplog


def test_a_model_with_nan_weights_is_refused_at_start_up_with_the_reason(tmp_path, registry_log):
    add_model(tmp_path, "nan-weights", "image2lut", "grade", size=SIZE, lut_size=LUT_SIZE, offset_gain=float("nan"))
    add_model(tmp_path, "sound", "image2lut", "grade", size=SIZE, lut_size=LUT_SIZE)

    registry = ModelRegistry.load(tmp_path)

    reason = (f"the warm-up run on a black frame gave NaN or infinite values ({LUT_VALUES} of {LUT_VALUES}): "
              "its weights or its export are broken")
    assert registry.refused == {"nan-weights": reason}
    assert list(registry.models) == ["sound"]
    assert refusals(registry_log) == [f"refused model 'nan-weights': {reason}"]


def test_a_model_whose_warm_up_gives_no_colours_is_refused(tmp_path, registry_log):
    # on a black frame: identity + (0.5 - 0) * 1e6, so every value is near 500000
    add_model(tmp_path, "huge", "image2lut", "grade", size=SIZE, lut_size=LUT_SIZE, offset_gain=1e6)

    registry = ModelRegistry.load(tmp_path)

    reason = ("the warm-up run on a black frame gave values from 500000 to 500001, outside [-1, 2]: "
              "its weights or its export are broken")
    assert registry.refused == {"huge": reason}
    assert refusals(registry_log) == [f"refused model 'huge': {reason}"]


@pytest.fixture
def nan_when_bright_server(tmp_path: Path) -> Iterator[RunningServer]:
    path = make_nan_when_bright(tmp_path / "nan-when-bright.onnx")
    write_manifest(tmp_path, [manifest_entry_for(path, "nan-when-bright", "image2lut", "grade", SIZE)])
    address = f"tcp://127.0.0.1:{free_port()}"
    config = ServerConfig(bind=address, models_dir=tmp_path, threads=1)
    running = RunningServer(address, start_server(config), tmp_path)
    yield running
    stop_server(running)


def test_a_nan_output_at_request_time_is_model_failed_not_the_clients_fault(nan_when_bright_server):
    dark = Frame.raw(np.full((8, 8, 3), 0.2, np.float32))
    bright = Frame.raw(np.full((8, 8, 3), 0.8, np.float32))
    with nan_when_bright_server.client(timeout_ms=10_000, retries=1) as client:
        assert client.models()[0]["name"] == "nan-when-bright"  # it passed the warm-up
        assert client.request("grade", [dark], lut_size=17).header["ok"]

        with pytest.raises(ServerReplyError) as raised:
            client.request("grade", [bright], lut_size=17)

        assert raised.value.code == "model_failed"
        assert str(raised.value) == (
            "server refused the request (model_failed): model 'nan-when-bright' gave NaN or infinite values "
            f"({LUT_VALUES} of {LUT_VALUES}) on {CPU}"
        )
        assert client.request("grade", [dark], lut_size=17).header["ok"]  # one bad output costs one reply
