"""Real, tiny ONNX models for the server's tests, built with ``onnx.helper`` (no torch), and their manifest.

Both kinds compute a known colour transform, so a test can predict every output value:

- ``image2image``: ``clip(x * gain, 0, 1)`` with one gain per channel;
- ``image2lut``: ``identity + (0.5 - mean of each input channel) * offset_gain``: a LUT ``[1, N, N, N, 3]``
  indexed ``[r, g, b]`` that shifts each channel towards mid-grey, so it depends on the frame.

Each file carries the ``pix2lut.kind`` / ``pix2lut.role`` metadata the registry checks, unless told otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from pix2lut.lut import identity_table
from server.manifest import MANIFEST_NAME, manifest_entry_for

OPSET = 17
IR_VERSION = 8  # the IR version that came with opset 17 (ONNX 1.12): every onnxruntime >= 1.18 reads it
DEFAULT_GAIN = (1.1, 1.0, 0.9)
DEFAULT_OFFSET_GAIN = 0.5
MID_GREY = 0.5
INPUT_NAME = "image"
OUTPUT_NAMES = {"image2image": "graded", "image2lut": "lut"}


def make_image2image(
    path: Path,
    size: int = 64,
    gain: Sequence[float] = DEFAULT_GAIN,
    *,
    role: str = "grade",
    metadata: Mapping[str, str] | None = None,
    symbolic: bool = False,
) -> Path:
    """``clip(image * gain, 0, 1)``: float32 ``[1, 3, size, size]`` in and out.

    ``metadata`` replaces the default ``pix2lut.kind`` / ``pix2lut.role`` props (``{}`` for none); ``symbolic``
    declares the batch and spatial dimensions by name instead of by value.
    """
    dims = _image_dims(size, symbolic)
    nodes = [
        helper.make_node("Mul", [INPUT_NAME, "gain"], ["scaled"]),
        helper.make_node("Clip", ["scaled", "zero", "one"], [OUTPUT_NAMES["image2image"]]),
    ]
    initializers = [
        numpy_helper.from_array(np.asarray(gain, dtype=np.float32).reshape(1, 3, 1, 1), "gain"),  # (1, 3, 1, 1)
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one"),
    ]
    output = helper.make_tensor_value_info(OUTPUT_NAMES["image2image"], TensorProto.FLOAT, dims)
    return _save(path, nodes, initializers, dims, output, "image2image", role, metadata)


def make_image2lut(
    path: Path,
    size: int = 64,
    lut_size: int = 17,
    offset_gain: float = DEFAULT_OFFSET_GAIN,
    *,
    role: str = "grade",
    metadata: Mapping[str, str] | None = None,
    symbolic: bool = False,
) -> Path:
    """``identity + (0.5 - channel means) * offset_gain``: float32 ``[1, 3, size, size]`` -> ``[1, N, N, N, 3]``."""
    dims = _image_dims(size, symbolic)
    nodes = [
        helper.make_node("ReduceMean", [INPUT_NAME], ["mean"], axes=[2, 3], keepdims=0),  # (1, 3)
        helper.make_node("Sub", ["mid_grey", "mean"], ["towards_grey"]),
        helper.make_node("Mul", ["towards_grey", "offset_gain"], ["offset"]),
        helper.make_node("Reshape", ["offset", "offset_shape"], ["offset_rgb"]),  # (1, 1, 1, 1, 3)
        helper.make_node("Add", ["identity", "offset_rgb"], [OUTPUT_NAMES["image2lut"]]),  # (1, N, N, N, 3)
    ]
    initializers = [
        numpy_helper.from_array(np.array(MID_GREY, dtype=np.float32), "mid_grey"),
        numpy_helper.from_array(np.array(offset_gain, dtype=np.float32), "offset_gain"),
        numpy_helper.from_array(np.array([-1, 1, 1, 1, 3], dtype=np.int64), "offset_shape"),
        numpy_helper.from_array(identity_table(lut_size)[None], "identity"),  # (1, N, N, N, 3), [r, g, b]
    ]
    batch = dims[0]
    output = helper.make_tensor_value_info(
        OUTPUT_NAMES["image2lut"], TensorProto.FLOAT, [batch, lut_size, lut_size, lut_size, 3]
    )
    return _save(path, nodes, initializers, dims, output, "image2lut", role, metadata)


def expected_image2image(image: np.ndarray, gain: Sequence[float] = DEFAULT_GAIN) -> np.ndarray:
    """What :func:`make_image2image`'s model gives for ``image`` ``(1, 3, S, S)``."""
    return np.clip(image * np.asarray(gain, dtype=np.float32).reshape(1, 3, 1, 1), 0.0, 1.0)


def expected_image2lut(
    image: np.ndarray, lut_size: int = 17, offset_gain: float = DEFAULT_OFFSET_GAIN
) -> np.ndarray:
    """What :func:`make_image2lut`'s model gives for ``image`` ``(1, 3, S, S)``: ``(1, N, N, N, 3)``."""
    offset = (MID_GREY - image.mean(axis=(2, 3))) * offset_gain  # (1, 3)
    return identity_table(lut_size)[None] + offset.reshape(1, 1, 1, 1, 3)


def write_manifest(folder: Path, entries: Sequence[Mapping[str, Any]],
                   defaults: Mapping[str, str] | None = None) -> Path:
    """Write ``folder/manifest.json`` with these entries (and defaults, when given)."""
    document: dict[str, Any] = {"manifest_version": 1}
    if defaults is not None:
        document["defaults"] = dict(defaults)
    document["models"] = [dict(entry) for entry in entries]
    path = Path(folder) / MANIFEST_NAME
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def read_manifest_json(folder: Path) -> dict[str, Any]:
    """The manifest of ``folder`` as plain JSON, an empty one when there is none yet."""
    path = Path(folder) / MANIFEST_NAME
    if not path.exists():
        return {"manifest_version": 1, "models": []}
    return json.loads(path.read_text(encoding="utf-8"))


def add_model(
    folder: Path,
    name: str,
    kind: str,
    role: str,
    *,
    size: int = 64,
    default: bool = False,
    metrics: Mapping[str, float] | None = None,
    **build: Any,
) -> dict[str, Any]:
    """Build ``folder/<name>.onnx`` of ``kind``, hash it and append its entry to the manifest; returns the entry.

    ``default`` makes it the manifest's default for ``role``; ``build`` goes to ``make_image2image`` or
    ``make_image2lut`` (``gain``, ``lut_size``, ``offset_gain``, ``metadata``, ``symbolic``).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.onnx"
    builders = {"image2image": make_image2image, "image2lut": make_image2lut}
    builders[kind](path, size, role=role, **build)
    entry = manifest_entry_for(path, name, kind, role, size, opset=OPSET, metrics=metrics)
    document = read_manifest_json(folder)
    defaults = dict(document.get("defaults", {}))
    if default:
        defaults[role] = name
    write_manifest(folder, document["models"] + [entry], defaults or None)
    return entry


def _image_dims(size: int, symbolic: bool) -> list[int | str]:
    return ["batch", 3, "height", "width"] if symbolic else [1, 3, size, size]


def _save(path: Path, nodes: list[onnx.NodeProto], initializers: list[onnx.TensorProto], input_dims: list[int | str],
          output: onnx.ValueInfoProto, kind: str, role: str, metadata: Mapping[str, str] | None) -> Path:
    image = helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, input_dims)
    graph = helper.make_graph(nodes, f"pix2lut-test-{kind}", [image], [output], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
                              producer_name="pix2lut-tests")
    props = {"pix2lut.kind": kind, "pix2lut.role": role} if metadata is None else dict(metadata)
    helper.set_model_props(model, props)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return Path(path)
