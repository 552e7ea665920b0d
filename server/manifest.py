"""The model manifest, ``onnx_models/manifest.json``: which ONNX files the server may load, and what each one is.

::

    {"manifest_version": 1,
     "defaults": {"grade": "grade-lut", "neutralize": "neutralize-library"},
     "models": [{"name": "grade-lut", "file": "grade-lut.onnx", "sha256": "<64 hex digits>",
                 "kind": "image2lut", "role": "grade", "input_size": 256, "colour_space": "rec709",
                 "opset": 17, "card": "grade-lut.md",
                 "training": {"data": "...", "command": "..."}, "metrics": {"psnr_db": 24.1}}]}

``kind``: ``image2image`` (the model predicts the graded image; the server fits a LUT to it) or ``image2lut`` (the
model outputs the LUT). ``role``: ``grade``, ``neutralize`` or ``look``. ``opset``, ``card``, ``training`` and
``metrics`` are optional, and so is ``defaults`` (role -> model name). The I/O contract each kind must meet is in
``server.registry``. Every rule is checked on reading: a malformed manifest raises :class:`ManifestError` naming
the file, the entry and the rule, and unknown fields are errors too, so a typo cannot silently drop a setting.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.errors import ManifestError

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
KINDS = ("image2image", "image2lut")
ROLES = ("grade", "neutralize", "look")
ONNX_SUFFIX = ".onnx"
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # names travel in the wire protocol and in log lines
SHA256_PATTERN = re.compile(r"[0-9a-fA-F]{64}")
HASH_CHUNK_BYTES = 1 << 20  # stream the file: models can be hundreds of MB

_TOP_LEVEL_FIELDS = ("manifest_version", "defaults", "models")
_REQUIRED_FIELDS = ("name", "file", "sha256", "kind", "role", "input_size", "colour_space")
_OPTIONAL_FIELDS = ("opset", "card", "training", "metrics")


@dataclass(frozen=True)
class ModelEntry:
    """One model of the manifest; ``file`` (and ``card``) are file names inside the models folder."""

    name: str
    file: str
    sha256: str  # lowercase hex
    kind: str  # one of KINDS
    role: str  # one of ROLES
    input_size: int  # S of the model's (1, 3, S, S) input, pixels
    colour_space: str  # of the frames the model was trained on, e.g. "rec709"
    opset: int | None = None
    card: str | None = None
    training: Mapping[str, Any] | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The entry as the manifest stores it: fields in the documented order, absent optionals left out."""
        entry: dict[str, Any] = {
            "name": self.name, "file": self.file, "sha256": self.sha256, "kind": self.kind, "role": self.role,
            "input_size": self.input_size, "colour_space": self.colour_space,
        }
        optional = {"opset": self.opset, "card": self.card, "training": self.training,
                    "metrics": dict(self.metrics) if self.metrics else None}
        entry.update({key: value for key, value in optional.items() if value is not None})
        return entry


@dataclass(frozen=True)
class Manifest:
    """A read manifest: its ``entries`` in file order, and ``defaults`` mapping a role to a model name."""

    path: Path
    entries: tuple[ModelEntry, ...]
    defaults: Mapping[str, str]


def read_manifest(path: Path | str) -> Manifest:
    """Read and check a manifest file.

    Raises
    ------
    ManifestError
        The file is missing or unreadable, is not JSON, or breaks a rule; the message names the file, the entry
        (``models[1] 'grade-lut'``) and the rule.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise ManifestError(f"{path}: no such manifest file (the models folder must hold a {MANIFEST_NAME} "
                            "listing its models)") from exc
    except IsADirectoryError as exc:
        raise ManifestError(f"{path}: is a folder, not a manifest file") from exc
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the manifest: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    except RecursionError as exc:  # json's decoder recurses once per nested list or object
        raise ManifestError(f"{path}: not valid JSON: lists or objects nested too deeply to read") from exc
    return _parse_manifest(document, path)


def sha256_of(path: Path | str, chunk_bytes: int = HASH_CHUNK_BYTES) -> str:
    """The SHA-256 of a file's bytes, lowercase hex, read in chunks of ``chunk_bytes``."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_entry_for(
    path: Path | str,
    name: str,
    kind: str,
    role: str,
    input_size: int,
    *,
    colour_space: str = "rec709",  # DESIGN.md "Colour": models work on display-referred Rec.709 frames
    opset: int | None = None,
    card: str | None = None,
    training: Mapping[str, Any] | None = None,
    metrics: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The manifest entry for the model file at ``path`` (hashed here), checked by the reader's own rules.

    Raises
    ------
    ManifestError
        An argument breaks a manifest rule; the message names ``path``.
    """
    path = Path(path)
    raw = {
        "name": name, "file": path.name, "sha256": sha256_of(path), "kind": kind, "role": role,
        "input_size": input_size, "colour_space": colour_space, "opset": opset, "card": card,
        "training": None if training is None else dict(training),
        "metrics": None if metrics is None else dict(metrics),
    }
    raw = {key: value for key, value in raw.items() if value is not None}
    return _parse_entry(raw, f"{path}: entry '{name}'").to_json()


def _parse_manifest(document: object, path: Path) -> Manifest:
    if not isinstance(document, dict):
        raise ManifestError(f"{path}: the manifest must be a JSON object, found {_json_type(document)}")
    _check_known_fields(document, _TOP_LEVEL_FIELDS, f"{path}")
    for key in ("manifest_version", "models"):
        if key not in document:
            raise ManifestError(f"{path}: missing field '{key}'")
    version = document["manifest_version"]
    if version != MANIFEST_VERSION or isinstance(version, bool):
        raise ManifestError(f"{path}: manifest_version must be {MANIFEST_VERSION}, found {_shown(version)}")
    models = document["models"]
    if not isinstance(models, list):
        raise ManifestError(f"{path}: models must be a list, found {_shown(models)}")

    entries: list[ModelEntry] = []
    index_of: dict[str, int] = {}
    for index, raw in enumerate(models):
        label = f"models[{index}]"
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            label += f" '{raw['name']}'"
        entry = _parse_entry(raw, f"{path}: {label}")
        if entry.name in index_of:
            raise ManifestError(f"{path}: {label}: name already used by models[{index_of[entry.name]}]")
        index_of[entry.name] = index
        entries.append(entry)

    defaults = _parse_defaults(document.get("defaults", {}), {entry.name: entry for entry in entries}, path)
    return Manifest(path, tuple(entries), defaults)


def _parse_entry(raw: object, where: str) -> ModelEntry:
    if not isinstance(raw, dict):
        raise ManifestError(f"{where}: an entry must be a JSON object, found {_json_type(raw)}")
    _check_known_fields(raw, _REQUIRED_FIELDS + _OPTIONAL_FIELDS, where)
    for key in _REQUIRED_FIELDS:
        if key not in raw:
            raise ManifestError(f"{where}: missing field '{key}'")

    name = _string(raw, "name", where)
    if not NAME_PATTERN.fullmatch(name):
        raise ManifestError(f"{where}: name must start with a letter or digit and hold only letters, digits, "
                            f"'.', '_' or '-', found {_shown(name)}")
    file = _file_name(raw, "file", where)
    if not file.endswith(ONNX_SUFFIX):
        raise ManifestError(f"{where}: file must end in {ONNX_SUFFIX}, found {_shown(file)}")
    sha256 = _string(raw, "sha256", where)
    if not SHA256_PATTERN.fullmatch(sha256):
        raise ManifestError(f"{where}: sha256 must be 64 hex digits, found {_shown(sha256)}")
    kind = _choice(raw, "kind", KINDS, where)
    role = _choice(raw, "role", ROLES, where)
    input_size = _positive_int(raw, "input_size", where)
    colour_space = _string(raw, "colour_space", where)

    opset = _positive_int(raw, "opset", where) if "opset" in raw else None
    card = _file_name(raw, "card", where) if "card" in raw else None
    training = _object(raw, "training", where) if "training" in raw else None
    metrics = _metrics(raw, where) if "metrics" in raw else {}
    return ModelEntry(name, file, sha256.lower(), kind, role, input_size, colour_space, opset, card, training,
                      metrics)


def _parse_defaults(raw: object, entries: Mapping[str, ModelEntry], path: Path) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ManifestError(f"{path}: defaults must be an object mapping a role to a model name, found {_shown(raw)}")
    defaults: dict[str, str] = {}
    for role, name in raw.items():
        where = f"{path}: defaults.{role}"
        if role not in ROLES:
            raise ManifestError(f"{where}: not a role; roles are {', '.join(ROLES)}")
        if not isinstance(name, str):
            raise ManifestError(f"{where}: must be a model name (a string), found {_shown(name)}")
        if name not in entries:
            raise ManifestError(f"{where}: names '{name}', which is not a model of this manifest")
        if entries[name].role != role:
            raise ManifestError(f"{where}: names '{name}', a {entries[name].role} model")
        defaults[role] = name
    return defaults


def _check_known_fields(raw: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    unknown = [key for key in raw if key not in known]
    if unknown:
        raise ManifestError(f"{where}: unknown field '{unknown[0]}'; the fields are {', '.join(known)}")


def _string(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value:
        raise ManifestError(f"{where}: {key} must be a non-empty string, found {_shown(value)}")
    return value


def _file_name(raw: Mapping[str, Any], key: str, where: str) -> str:
    """A bare file name: entries may not point outside the models folder."""
    value = _string(raw, key, where)
    if "/" in value or "\\" in value or value in (".", ".."):
        raise ManifestError(f"{where}: {key} must be a file name inside the models folder, found {_shown(value)}")
    return value


def _choice(raw: Mapping[str, Any], key: str, choices: tuple[str, ...], where: str) -> str:
    value = raw[key]
    if value not in choices or not isinstance(value, str):
        raise ManifestError(f"{where}: {key} must be one of {', '.join(choices)}, found {_shown(value)}")
    return value


def _positive_int(raw: Mapping[str, Any], key: str, where: str) -> int:
    value = raw[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ManifestError(f"{where}: {key} must be a positive integer, found {_shown(value)}")
    return value


def _object(raw: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = raw[key]
    if not isinstance(value, dict):
        raise ManifestError(f"{where}: {key} must be an object, found {_shown(value)}")
    return value


def _metrics(raw: Mapping[str, Any], where: str) -> dict[str, float]:
    metrics = _object(raw, "metrics", where)
    for key, value in metrics.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise ManifestError(f"{where}: metrics.{key} must be a finite number, found {_shown(value)}")
    return metrics


def _shown(value: object) -> str:
    """A value as it reads in the JSON file, cut short: ``"256"`` is a string, ``256`` a number."""
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return "an object"
