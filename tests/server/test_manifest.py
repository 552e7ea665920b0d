"""Tests for server.manifest: reading a valid manifest, writing entries, and every rule's exact error message."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pix2lut.errors import Pix2LutError
from server.errors import ManifestError, ServerError
from server.manifest import MANIFEST_NAME, Manifest, ModelEntry, manifest_entry_for, read_manifest, sha256_of
from tests.server.model_factory import make_image2lut, write_manifest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHA_GRADE = "ab" * 32
SHA_NEUTRAL = "cd" * 32
ENTRY_FIELDS = "name, file, sha256, kind, role, input_size, colour_space, opset, card, training, metrics"

# The brief's example, with a second model so that defaults and duplicates have something to point at.
VALID_DOCUMENT: dict[str, Any] = {
    "manifest_version": 1,
    "defaults": {"grade": "grade-lut", "neutralize": "neutralize-lut"},
    "models": [
        {"name": "grade-lut", "file": "grade-lut.onnx", "sha256": SHA_GRADE, "kind": "image2lut", "role": "grade",
         "input_size": 256, "colour_space": "rec709", "opset": 17, "card": "grade-lut.md",
         "training": {"data": "fivek pairs", "command": "pix2lut-train --config grade.toml"},
         "metrics": {"psnr_db": 24.1}},
        {"name": "neutralize-lut", "file": "neutralize-lut.onnx", "sha256": SHA_NEUTRAL, "kind": "image2image",
         "role": "neutralize", "input_size": 128, "colour_space": "rec709"},
    ],
}


def write_document(folder: Path, document: object) -> Path:
    path = folder / MANIFEST_NAME
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def edited(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document = copy.deepcopy(VALID_DOCUMENT)
    edit(document)
    return document


def set_field(index: int, key: str, value: object) -> Callable[[dict[str, Any]], None]:
    return lambda document: document["models"][index].__setitem__(key, value)


def test_reads_every_field_of_a_valid_manifest(tmp_path: Path) -> None:
    path = write_document(tmp_path, VALID_DOCUMENT)

    manifest = read_manifest(path)

    assert isinstance(manifest, Manifest)
    assert manifest.path == path
    assert manifest.defaults == {"grade": "grade-lut", "neutralize": "neutralize-lut"}
    assert manifest.entries == (
        ModelEntry("grade-lut", "grade-lut.onnx", SHA_GRADE, "image2lut", "grade", 256, "rec709", 17, "grade-lut.md",
                   {"data": "fivek pairs", "command": "pix2lut-train --config grade.toml"}, {"psnr_db": 24.1}),
        ModelEntry("neutralize-lut", "neutralize-lut.onnx", SHA_NEUTRAL, "image2image", "neutralize", 128,
                   "rec709"),
    )


def test_entries_write_back_as_read(tmp_path: Path) -> None:
    manifest = read_manifest(write_document(tmp_path, VALID_DOCUMENT))

    assert [entry.to_json() for entry in manifest.entries] == VALID_DOCUMENT["models"]


def test_defaults_are_optional(tmp_path: Path) -> None:
    manifest = read_manifest(write_document(tmp_path, edited(lambda document: document.pop("defaults"))))

    assert manifest.defaults == {}


def test_upper_case_hashes_are_stored_lower_case(tmp_path: Path) -> None:
    manifest = read_manifest(write_document(tmp_path, edited(set_field(0, "sha256", SHA_GRADE.upper()))))

    assert manifest.entries[0].sha256 == SHA_GRADE


def test_the_shipped_manifest_reads() -> None:
    read_manifest(REPO_ROOT / "onnx_models" / MANIFEST_NAME)


@pytest.mark.parametrize(
    ("edit", "rule"),
    [
        (lambda d: d.pop("manifest_version"), "missing field 'manifest_version'"),
        (lambda d: d.__setitem__("manifest_version", 2), "manifest_version must be 1, found 2"),
        (lambda d: d.__setitem__("manifest_version", True), "manifest_version must be 1, found true"),
        (lambda d: d.pop("models"), "missing field 'models'"),
        (lambda d: d.__setitem__("models", {}), "models must be a list, found {}"),
        (lambda d: d.__setitem__("model", []),
         "unknown field 'model'; the fields are manifest_version, defaults, models"),
        (lambda d: d["models"].__setitem__(0, "grade-lut.onnx"),
         "models[0]: an entry must be a JSON object, found a string"),
        (lambda d: d["models"][0].pop("sha256"), "models[0] 'grade-lut': missing field 'sha256'"),
        (set_field(0, "inputsize", 256), (f"models[0] 'grade-lut': unknown field 'inputsize'; the fields are "
                                         f"{ENTRY_FIELDS}")),
        (set_field(1, "name", "my model"), ("models[1] 'my model': name must start with a letter or digit and hold "
                                           "only letters, digits, '.', '_' or '-', found \"my model\"")),
        (set_field(0, "file", "../grade-lut.onnx"),
         "models[0] 'grade-lut': file must be a file name inside the models folder, found \"../grade-lut.onnx\""),
        (set_field(0, "file", "grade-lut.pt"), "models[0] 'grade-lut': file must end in .onnx, found \"grade-lut.pt\""),
        (set_field(0, "sha256", "abc123"), "models[0] 'grade-lut': sha256 must be 64 hex digits, found \"abc123\""),
        (set_field(0, "kind", "image2video"),
         "models[0] 'grade-lut': kind must be one of image2image, image2lut, found \"image2video\""),
        (set_field(0, "role", "style"),
         "models[0] 'grade-lut': role must be one of grade, neutralize, look, found \"style\""),
        (set_field(0, "input_size", "256"), ("models[0] 'grade-lut': input_size must be a positive integer, "
                                            "found \"256\"")),
        (set_field(0, "input_size", True), "models[0] 'grade-lut': input_size must be a positive integer, found true"),
        (set_field(0, "input_size", 0), "models[0] 'grade-lut': input_size must be a positive integer, found 0"),
        (set_field(0, "colour_space", ""), ("models[0] 'grade-lut': colour_space must be a non-empty string, "
                                           "found \"\"")),
        (set_field(0, "opset", 17.0), "models[0] 'grade-lut': opset must be a positive integer, found 17.0"),
        (set_field(0, "card", "cards/grade-lut.md"), ("models[0] 'grade-lut': card must be a file name inside the "
                                                     "models folder, found \"cards/grade-lut.md\"")),
        (set_field(0, "training", "fivek"), "models[0] 'grade-lut': training must be an object, found \"fivek\""),
        (set_field(0, "metrics", {"psnr_db": "24.1"}),
         "models[0] 'grade-lut': metrics.psnr_db must be a finite number, found \"24.1\""),
        (set_field(1, "name", "grade-lut"), "models[1] 'grade-lut': name already used by models[0]"),
        (lambda d: d.__setitem__("defaults", ["grade-lut"]),
         "defaults must be an object mapping a role to a model name, found [\"grade-lut\"]"),
        (lambda d: d["defaults"].__setitem__("grade", "grade-v2"),
         "defaults.grade: names 'grade-v2', which is not a model of this manifest"),
        (lambda d: d["defaults"].__setitem__("style", "grade-lut"),
         "defaults.style: not a role; roles are grade, neutralize, look"),
        (lambda d: d["defaults"].__setitem__("grade", 0), "defaults.grade: must be a model name (a string), found 0"),
        (lambda d: d["defaults"].__setitem__("neutralize", "grade-lut"),
         "defaults.neutralize: names 'grade-lut', a grade model"),
    ],
)
def test_each_rule_has_its_message(tmp_path: Path, edit: Callable[[dict[str, Any]], None], rule: str) -> None:
    path = write_document(tmp_path, edited(edit))

    with pytest.raises(ManifestError) as caught:
        read_manifest(path)

    assert str(caught.value) == f"{path}: {rule}"


def test_top_level_must_be_an_object(tmp_path: Path) -> None:
    path = write_document(tmp_path, [VALID_DOCUMENT])

    with pytest.raises(ManifestError, match=r": the manifest must be a JSON object, found a list$"):
        read_manifest(path)


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / MANIFEST_NAME
    path.write_text('{"manifest_version": 1,\n "models": [}', encoding="utf-8")

    with pytest.raises(ManifestError) as caught:
        read_manifest(path)

    assert str(caught.value) == f"{path}: not valid JSON: Expecting value (line 2, column 13)"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / MANIFEST_NAME
    path.write_bytes(b'{"manifest_version": 1, "models": [], "x": "\xff"}')

    with pytest.raises(ManifestError) as caught:
        read_manifest(path)

    assert str(caught.value) == f"{path}: not UTF-8 text (byte 44)"


def test_missing_manifest(tmp_path: Path) -> None:
    path = tmp_path / MANIFEST_NAME

    with pytest.raises(ManifestError) as caught:
        read_manifest(path)

    assert str(caught.value) == (
        f"{path}: no such manifest file (the models folder must hold a manifest.json listing its models)"
    )


def test_a_folder_is_not_a_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as caught:
        read_manifest(tmp_path)

    assert str(caught.value) == f"{tmp_path}: is a folder, not a manifest file"


def test_manifest_errors_belong_to_the_hierarchy() -> None:
    assert issubclass(ManifestError, ServerError)
    assert issubclass(ServerError, Pix2LutError)


def test_sha256_streams_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    data = bytes(range(256)) * 41  # not a multiple of the chunk size
    path.write_bytes(data)

    assert sha256_of(path, chunk_bytes=1000) == hashlib.sha256(data).hexdigest()
    assert sha256_of(path) == hashlib.sha256(data).hexdigest()


def test_an_entry_written_for_a_model_reads_back(tmp_path: Path) -> None:
    model = make_image2lut(tmp_path / "grade-lut.onnx", size=32, lut_size=5)

    entry = manifest_entry_for(model, "grade-lut", "image2lut", "grade", 32, opset=17,
                               training={"data": "synthetic", "command": "pytest"}, metrics={"psnr_db": 30.0})
    write_manifest(tmp_path, [entry], {"grade": "grade-lut"})

    assert entry == {
        "name": "grade-lut", "file": "grade-lut.onnx", "sha256": sha256_of(model), "kind": "image2lut",
        "role": "grade", "input_size": 32, "colour_space": "rec709", "opset": 17,
        "training": {"data": "synthetic", "command": "pytest"}, "metrics": {"psnr_db": 30.0},
    }
    assert read_manifest(tmp_path / MANIFEST_NAME).entries[0].to_json() == entry


def test_an_entry_is_checked_when_written(tmp_path: Path) -> None:
    model = make_image2lut(tmp_path / "grade-lut.onnx", size=32, lut_size=5)

    with pytest.raises(ManifestError) as caught:
        manifest_entry_for(model, "grade-lut", "lut", "grade", 32)

    assert str(caught.value) == (
        f"{model}: entry 'grade-lut': kind must be one of image2image, image2lut, found \"lut\""
    )
