"""Tests for server.registry: real onnxruntime sessions on the factory's tiny ONNX files, every refusal reason."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import pytest

from server import registry as registry_module
from server.errors import ManifestError, ModelRunError, ProviderError, UnknownModelError
from server.manifest import MANIFEST_NAME, manifest_entry_for, sha256_of
from server.registry import LoadedModel, ModelRegistry
from tests.server.model_factory import (
    add_model,
    expected_image2image,
    expected_image2lut,
    make_image2image,
    make_image2lut,
    read_manifest_json,
    write_manifest,
)

ATOL = 1e-6  # float32 arithmetic on values in [0, 1]: a few ulps
SIZE = 32  # model input side, pixels: small keeps every session fast
LUT_SIZE = 5
GAIN = (1.2, 1.0, 0.8)
OFFSET_GAIN = 0.25
CPU = "CPUExecutionProvider"
LOGGER = "pix2lut.server"
LOADED_LINE = r"loaded model '{name}' \({kind}, {role}, {size} px\) on CPUExecutionProvider, warm-up \d+ ms"


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    """A grade image2lut model (the default) and a neutralize image2image one."""
    add_model(tmp_path, "grade", "image2lut", "grade", size=SIZE, default=True, lut_size=LUT_SIZE,
              offset_gain=OFFSET_GAIN, metrics={"psnr_db": 31.5})
    add_model(tmp_path, "neutralize", "image2image", "neutralize", size=SIZE, gain=GAIN)
    return tmp_path


@pytest.fixture
def frame() -> np.ndarray:
    return np.random.default_rng(7).random((1, 3, SIZE, SIZE), dtype=np.float32)


def load(models_dir: Path, caplog: pytest.LogCaptureFixture) -> ModelRegistry:
    caplog.set_level(logging.INFO, logger=LOGGER)
    return ModelRegistry.load(models_dir)


def set_entry(models_dir: Path, name: str, key: str, value: object) -> None:
    document = read_manifest_json(models_dir)
    for entry in document["models"]:
        if entry["name"] == name:
            entry[key] = value
    (models_dir / MANIFEST_NAME).write_text(json.dumps(document), encoding="utf-8")


def log_lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == level]


def test_loads_both_kinds_and_runs_them_as_predicted(models_dir: Path, frame: np.ndarray,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    registry = load(models_dir, caplog)

    assert list(registry.models) == ["grade", "neutralize"]
    assert registry.refused == {}
    grade, neutralize = registry.get("grade"), registry.get("neutralize")
    assert isinstance(grade, LoadedModel)
    assert grade.provider == neutralize.provider == CPU
    assert (grade.input_name, grade.output_name) == ("image", "lut")
    assert grade.output_shape == (1, LUT_SIZE, LUT_SIZE, LUT_SIZE, 3)
    assert (grade.lut_size, neutralize.lut_size) == (LUT_SIZE, None)
    lut = grade.run(frame)
    graded = neutralize.run(frame)
    assert lut.dtype == graded.dtype == np.float32
    np.testing.assert_allclose(lut, expected_image2lut(frame, LUT_SIZE, OFFSET_GAIN), atol=ATOL)
    np.testing.assert_allclose(graded, expected_image2image(frame, GAIN), atol=ATOL)


def test_logs_each_loaded_model_with_its_warm_up_time(models_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    load(models_dir, caplog)

    infos = log_lines(caplog, logging.INFO)
    assert len(infos) == 2
    assert re.fullmatch(LOADED_LINE.format(name="grade", kind="image2lut", role="grade", size=SIZE), infos[0])
    assert re.fullmatch(
        LOADED_LINE.format(name="neutralize", kind="image2image", role="neutralize", size=SIZE), infos[1]
    )
    assert log_lines(caplog, logging.WARNING) == []


def test_a_changed_file_is_refused_and_the_others_still_served(models_dir: Path, frame: np.ndarray,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    listed = sha256_of(models_dir / "grade.onnx")
    make_image2lut(models_dir / "grade.onnx", SIZE, LUT_SIZE, offset_gain=0.9)  # retrained, manifest not updated
    actual = sha256_of(models_dir / "grade.onnx")

    registry = load(models_dir, caplog)

    reason = f"sha256 of grade.onnx is {actual}, the manifest says {listed} (file changed or corrupted)"
    assert registry.refused == {"grade": reason}
    assert log_lines(caplog, logging.ERROR) == [f"refused model 'grade': {reason}"]
    assert list(registry.models) == ["neutralize"]
    np.testing.assert_allclose(registry.get("neutralize").run(frame), expected_image2image(frame, GAIN), atol=ATOL)


def test_a_file_onnxruntime_cannot_load_is_refused(models_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = models_dir / "neutralize.onnx"
    corrupted = bytearray(path.read_bytes())
    corrupted[:16] = b"\xff" * 16  # not a protobuf any more
    path.write_bytes(bytes(corrupted))
    set_entry(models_dir, "neutralize", "sha256", sha256_of(path))  # the hash matches: onnxruntime must object

    registry = load(models_dir, caplog)

    assert list(registry.models) == ["grade"]
    assert registry.refused["neutralize"].startswith("onnxruntime cannot load neutralize.onnx: ")
    assert log_lines(caplog, logging.ERROR) == [f"refused model 'neutralize': {registry.refused['neutralize']}"]


def test_a_missing_file_is_refused(models_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    (models_dir / "neutralize.onnx").unlink()

    registry = load(models_dir, caplog)

    assert registry.refused == {"neutralize": f"neutralize.onnx not found in {models_dir}"}
    assert list(registry.models) == ["grade"]


def test_an_input_size_other_than_the_manifest_is_refused(models_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    set_entry(models_dir, "neutralize", "input_size", 64)

    registry = load(models_dir, caplog)

    assert registry.refused == {
        "neutralize": "input 'image' is tensor(float) [1, 3, 32, 32]; the contract is float32 [1, 3, 64, 64] "
                      "(the manifest's input_size is 64)"
    }


def test_an_image_where_a_lut_is_due_is_refused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    make_image2image(tmp_path / "mislabelled.onnx", SIZE, metadata={})  # no metadata to give it away
    entry = manifest_entry_for(tmp_path / "mislabelled.onnx", "mislabelled", "image2lut", "grade", SIZE)
    write_manifest(tmp_path, [entry])

    registry = load(tmp_path, caplog)

    assert registry.refused == {
        "mislabelled": "output 'graded' is tensor(float) [1, 3, 32, 32]; an image2lut model must give float32 "
                       "[1, N, N, N, 3] with N in 2..65"
    }
    assert log_lines(caplog, logging.WARNING) == [f"no model loaded from {tmp_path}"]


def test_metadata_contradicting_the_manifest_is_refused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    add_model(tmp_path, "grade", "image2lut", "grade", size=SIZE, lut_size=LUT_SIZE,
              metadata={"pix2lut.kind": "image2lut", "pix2lut.role": "look"})

    registry = load(tmp_path, caplog)

    assert registry.refused == {"grade": "its ONNX metadata says pix2lut.role 'look', the manifest says 'grade'"}


def test_models_without_metadata_are_checked_by_shape_alone(tmp_path: Path, frame: np.ndarray,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    add_model(tmp_path, "plain", "image2image", "look", size=SIZE, gain=GAIN, metadata={})

    registry = load(tmp_path, caplog)

    np.testing.assert_allclose(registry.get("plain").run(frame), expected_image2image(frame, GAIN), atol=ATOL)


@pytest.mark.parametrize("kind", ["image2image", "image2lut"])
def test_symbolic_dimensions_are_checked_on_the_warm_up_run(tmp_path: Path, kind: str,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    entry = add_model(tmp_path, "dynamic", kind, "grade", size=48, symbolic=True)

    registry = load(tmp_path, caplog)

    model = registry.get("dynamic")
    assert model.session.get_inputs()[0].shape == ["batch", 3, "height", "width"]
    assert model.input_shape == (1, 3, 48, 48)
    assert model.run(np.full((1, 3, 48, 48), 0.5, dtype=np.float32)).shape == model.output_shape
    assert entry["input_size"] == 48


def test_run_checks_its_input(models_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    model = load(models_dir, caplog).get("grade")

    with pytest.raises(ModelRunError) as caught:
        model.run(np.zeros((1, 3, SIZE, SIZE), dtype=np.float64))
    assert str(caught.value) == "model 'grade' takes float32 [1, 3, 32, 32], found float64 [1, 3, 32, 32]"
    with pytest.raises(ModelRunError) as caught:
        model.run(np.zeros((3, SIZE, SIZE), dtype=np.float32))
    assert str(caught.value) == "model 'grade' takes float32 [1, 3, 32, 32], found float32 [3, 32, 32]"


def test_get_names_the_loaded_models(models_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    registry = load(models_dir, caplog)

    with pytest.raises(UnknownModelError) as caught:
        registry.get("look")

    assert str(caught.value) == "unknown model 'look'; loaded models: grade, neutralize"


def test_get_says_why_a_model_was_refused(models_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    (models_dir / "grade.onnx").unlink()
    registry = load(models_dir, caplog)

    with pytest.raises(UnknownModelError) as caught:
        registry.get("grade")

    assert str(caught.value) == f"model 'grade' was refused at start-up: grade.onnx not found in {models_dir}"


def test_default_for_takes_the_manifest_default(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    add_model(tmp_path, "grade-a", "image2image", "grade", size=SIZE)
    add_model(tmp_path, "grade-b", "image2lut", "grade", size=SIZE, lut_size=LUT_SIZE, default=True)

    registry = load(tmp_path, caplog)

    assert registry.default_for("grade").entry.name == "grade-b"


def test_default_for_without_defaults_takes_the_first_of_the_role(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    add_model(tmp_path, "look-a", "image2image", "look", size=SIZE)
    add_model(tmp_path, "grade-a", "image2image", "grade", size=SIZE)
    add_model(tmp_path, "grade-b", "image2lut", "grade", size=SIZE, lut_size=LUT_SIZE)

    registry = load(tmp_path, caplog)

    assert registry.manifest.defaults == {}
    assert registry.default_for("grade").entry.name == "grade-a"
    assert registry.default_for("look").entry.name == "look-a"


def test_a_refused_default_is_replaced_and_the_log_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    add_model(tmp_path, "grade-a", "image2image", "grade", size=SIZE)
    add_model(tmp_path, "grade-b", "image2lut", "grade", size=SIZE, lut_size=LUT_SIZE, default=True)
    (tmp_path / "grade-b.onnx").unlink()

    registry = load(tmp_path, caplog)

    assert registry.default_for("grade").entry.name == "grade-a"
    assert log_lines(caplog, logging.WARNING) == [
        "the default grade model 'grade-b' was refused; 'grade-a' serves grade requests instead"
    ]


def test_default_for_a_role_with_no_loaded_model_lists_the_refused(models_dir: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    (models_dir / "neutralize.onnx").unlink()
    registry = load(models_dir, caplog)

    with pytest.raises(UnknownModelError) as caught:
        registry.default_for("neutralize")
    assert str(caught.value) == (
        f"no neutralize model is loaded; refused: 'neutralize': neutralize.onnx not found in {models_dir}"
    )
    with pytest.raises(UnknownModelError) as caught:
        registry.default_for("look")
    assert str(caught.value) == f"no look model is loaded: {models_dir / MANIFEST_NAME} lists none"
    with pytest.raises(UnknownModelError) as caught:
        registry.default_for("style")
    assert str(caught.value) == "unknown role 'style'; roles are grade, neutralize, look"


def test_describe(models_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    registry = load(models_dir, caplog)

    assert registry.describe() == [
        {"name": "grade", "kind": "image2lut", "role": "grade", "input_size": SIZE, "colour_space": "rec709",
         "provider": CPU, "default": True, "metrics": {"psnr_db": 31.5}},
        {"name": "neutralize", "kind": "image2image", "role": "neutralize", "input_size": SIZE,
         "colour_space": "rec709", "provider": CPU, "default": True, "metrics": {}},
    ]
    json.dumps(registry.describe())  # it goes on the wire as is


def test_describe_marks_only_the_default(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    add_model(tmp_path, "grade-a", "image2image", "grade", size=SIZE)
    add_model(tmp_path, "grade-b", "image2image", "grade", size=SIZE, default=True)

    registry = load(tmp_path, caplog)

    assert [(model["name"], model["default"]) for model in registry.describe()] == [
        ("grade-a", False), ("grade-b", True),
    ]


@pytest.mark.filterwarnings("ignore:Specified provider 'CUDAExecutionProvider' is not in available provider names")
def test_a_gpu_asked_for_but_not_started_is_logged(models_dir: Path, caplog: pytest.LogCaptureFixture,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # As on a GPU build whose GPU does not work: onnxruntime is asked for CUDA and quietly runs on the CPU.
    monkeypatch.setattr(registry_module, "choose_providers", lambda requested: ["CUDAExecutionProvider", CPU])

    registry = load(models_dir, caplog)

    assert registry.get("grade").provider == CPU
    assert log_lines(caplog, logging.WARNING) == [
        f"model '{name}' runs on CPUExecutionProvider: CUDAExecutionProvider was asked for but did not start "
        "(a GPU build of onnxruntime without a working GPU falls back to the CPU)"
        for name in ("grade", "neutralize")
    ]


def test_a_malformed_manifest_stops_the_load(models_dir: Path) -> None:
    set_entry(models_dir, "grade", "kind", "image2video")

    with pytest.raises(ManifestError, match=r"models\[0\] 'grade': kind must be one of image2image, image2lut"):
        ModelRegistry.load(models_dir)


def test_a_missing_manifest_stops_the_load(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no such manifest file"):
        ModelRegistry.load(tmp_path)


def test_an_unavailable_provider_stops_the_load(models_dir: Path) -> None:
    with pytest.raises(ProviderError, match="unknown execution provider 'gpu'"):
        ModelRegistry.load(models_dir, provider="gpu")


def test_an_empty_manifest_serves_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_manifest(tmp_path, [])

    registry = load(tmp_path, caplog)

    assert (registry.models, registry.refused, registry.describe()) == ({}, {}, [])
    assert log_lines(caplog, logging.WARNING) == [f"no model loaded from {tmp_path}"]
