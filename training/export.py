"""Export a checkpoint to the ONNX file the server runs, with its metadata, manifest entry and model card.

Several checkpoints of one kind, role and input size export as one ensemble: the graph returns the mean of their
outputs (:mod:`training.models.ensemble`); the card says what the members differ in.

The file holds one graph (opset 17), input ``image`` float32 ``[batch, 3, S, S]`` and output ``graded``
(image2image) or ``lut`` (image2lut, ``[batch, N, N, N, 3]`` indexed ``[r, g, b]``): the contract of
``server.registry``. The export is checked against the torch model on onnxruntime (max abs diff <= 1e-4) and
fails loudly otherwise; then the manifest entry (with sha256) and a model card are written beside it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import onnx
import onnxruntime
import torch

from pix2lut.files import write_bytes_atomic
from server.manifest import MANIFEST_NAME, manifest_entry_for
from training.checkpoint import read_checkpoint
from training.config import CHECKOUT, TrainConfig, config_from_dict
from training.errors import ExportError
from training.models.config import build_model
from training.models.ensemble import MeanOfModels

OPSET = 17
PARITY_ATOL = 1e-4
PARITY_SAMPLES = 4  # random inputs checked, plus a smooth gradient image
OUTPUT_NAMES = {"image2image": "graded", "image2lut": "lut"}
# the server role of a task's model: a learned look and a reference-look model both give a frame's look LUT
ROLE_OF_TASK = {"grade": "grade", "neutralize": "neutralize", "look": "look", "reference_look": "look"}
COLOUR_SPACE = "rec709"  # display-referred Rec.709/sRGB-encoded frames, as everywhere in the product
FOLDER_KEYS = (("data", "photos"), ("data", "looks"), ("data", "extra_looks"), ("data", "real_pairs"),
               ("run", "out_dir"))


@dataclass(frozen=True)
class ExportResult:
    onnx_path: Path
    manifest_entry: dict
    max_abs_diff: float


def export(checkpoints: Sequence[Path], out_dir: Path, name: str, metrics: dict | None = None, command: str = "",
           default: bool = False) -> ExportResult:
    """Export one checkpoint, or several as their ensemble (the mean of their outputs)."""
    members = [_load_member(path) for path in checkpoints]
    if not members:
        raise ExportError("export needs at least one checkpoint")
    configs = [member.config for member in members]
    _check_members_agree(checkpoints, configs)
    ensemble = len(members) > 1
    config, step = configs[0], members[0].step
    model = MeanOfModels([member.model for member in members]).eval() if ensemble else members[0].model
    kind, role, size = config.model.kind, ROLE_OF_TASK[config.data.task], config.model.input_size
    shown = [portable_config(each) for each in configs]
    differences = config_differences(shown) if ensemble else None

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.onnx"
    example = torch.rand(1, 3, size, size)
    output_name = OUTPUT_NAMES[kind]
    dynamic = {"image": {0: "batch"}, output_name: {0: "batch"}}
    try:
        torch.onnx.export(model, (example,), str(path), input_names=["image"], output_names=[output_name],
                          opset_version=OPSET, dynamic_axes=dynamic, dynamo=False)
    except Exception as exc:  # the exporter raises many types; all mean the same to the user
        raise ExportError(f"torch.onnx.export failed for {', '.join(map(str, checkpoints))}: {exc}") from exc
    metadata = {"pix2lut.kind": kind, "pix2lut.role": role, "pix2lut.input_size": str(size),
                "pix2lut.colour_space": COLOUR_SPACE, "pix2lut.config": json.dumps(shown[0]),
                "pix2lut.step": str(step)}
    if ensemble:
        metadata["pix2lut.members"] = json.dumps({"count": len(members), "differences": differences})
    _write_metadata(path, metadata)
    max_diff = check_parity(model, path, size)

    training = {"data": training_data_description(configs), "command": command, "steps": step}
    if ensemble:
        training["members"] = len(members)
    entry = manifest_entry_for(path, name, kind, role, size, colour_space=COLOUR_SPACE, opset=OPSET,
                               card=f"{name}.md", training=training, metrics=metrics)
    _update_manifest(out_dir / MANIFEST_NAME, entry, default)
    card = model_card(entry, shown[0], max_diff, differences)
    write_bytes_atomic(out_dir / f"{name}.md", card.encode("utf-8"))
    return ExportResult(path, entry, max_diff)


def portable_config(config: TrainConfig) -> dict:
    """The configuration as a card and the ONNX metadata give it: a folder beside the checkout (the shared data, the
    runs) as the configs write it, relative to the checkout (``../shared/data/photos``), not this machine's path."""
    shown = config.to_dict()
    for section, key in FOLDER_KEYS:
        folder = Path(shown[section][key])
        if shown[section][key] and folder.is_absolute() and folder.is_relative_to(CHECKOUT.parent):
            shown[section][key] = Path(os.path.relpath(folder, CHECKOUT)).as_posix()
    return shown


def config_differences(configs: Sequence[dict]) -> dict[str, list]:
    """The dotted keys whose values differ between configurations, with each one's value in order."""
    flat = [_flatten(config) for config in configs]
    keys = sorted(set().union(*flat))
    return {key: [each.get(key) for each in flat] for key in keys
            if any(each.get(key) != flat[0].get(key) for each in flat[1:])}  # == : 3 and 3.0 are the same setting


class _Member(NamedTuple):
    model: torch.nn.Module
    config: TrainConfig
    step: int


def _load_member(checkpoint: Path) -> _Member:
    state = read_checkpoint(checkpoint)
    config = config_from_dict(state["config"], str(checkpoint))
    model = build_model(config.model)
    model.load_state_dict(state["generator"])
    model.eval()
    return _Member(model, config, int(state["step"]))


def _check_members_agree(checkpoints: Sequence[Path], configs: Sequence[TrainConfig]) -> None:
    """An ensemble's members must take the same input and give the same kind of output for the same role."""
    if len(set(map(Path.resolve, checkpoints))) < len(checkpoints):
        raise ExportError("the same checkpoint is named twice: an ensemble's members must be different runs")
    first = configs[0]
    for checkpoint, config in zip(checkpoints[1:], configs[1:], strict=True):
        for what, mine, theirs in (
            ("kind", config.model.kind, first.model.kind),
            ("role", ROLE_OF_TASK[config.data.task], ROLE_OF_TASK[first.data.task]),
            ("input size", config.model.input_size, first.model.input_size),
            ("real fold", config.data.real_fold, first.data.real_fold),  # else no real pair is unseen by all
            ("LUT size", config.model.lut_size if config.model.kind == "image2lut" else None,
             first.model.lut_size if first.model.kind == "image2lut" else None),
        ):
            if mine != theirs:
                raise ExportError(f"{checkpoint}: {what} {mine} differs from {checkpoints[0]}'s {theirs}; "
                                  "an ensemble's members must agree on kind, role, input size, LUT size and the "
                                  "real pairs they hold out")


def _flatten(config: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in config.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def check_parity(model: torch.nn.Module, path: Path, size: int) -> float:
    """Largest difference between torch and onnxruntime on a few inputs; ExportError above PARITY_ATOL."""
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    generator = torch.Generator().manual_seed(0)
    inputs = [torch.rand(1, 3, size, size, generator=generator) for _ in range(PARITY_SAMPLES)]
    ramp = torch.linspace(0, 1, size)
    inputs.append(torch.stack([ramp[None, :].expand(size, size), ramp[:, None].expand(size, size),
                               1 - ramp[None, :].expand(size, size)])[None])
    worst = 0.0
    for image in inputs:
        with torch.no_grad():
            expected = model(image).numpy()
        got = session.run(None, {"image": image.numpy()})[0]
        worst = max(worst, float(np.abs(got - expected).max()))
    if worst > PARITY_ATOL:
        raise ExportError(f"{path}: onnxruntime differs from torch by {worst:.2e}, more than {PARITY_ATOL:.0e}")
    return worst


def model_card(entry: dict, config: dict, parity: float, differences: dict[str, list] | None = None) -> str:
    """The card's generated part; ``differences``: an ensemble's, by key (see :func:`config_differences`)."""
    lines = [
        f"# {entry['name']}",
        "",
        f"- kind: `{entry['kind']}`, role: `{entry['role']}`, input {entry['input_size']} px, {entry['colour_space']}",
        f"- file: `{entry['file']}` (sha256 `{entry['sha256']}`), opset {entry.get('opset')}",
        f"- training data: {entry.get('training', {}).get('data', '-')}",
        f"- command: `{entry.get('training', {}).get('command') or '-'}`",
        f"- steps: {entry.get('training', {}).get('steps', '-')}",
        f"- export parity (torch vs onnxruntime, max abs diff): {parity:.2e}",
    ]
    if differences is not None:
        members = entry.get("training", {}).get("members", "several")
        varied = "; ".join(f"`{key}` {', '.join(map(str, values))}" for key, values in differences.items())
        lines.append(f"- ensemble of {members} checkpoints, the mean of their outputs; they differ in: {varied or '-'}")
    lines += [
        "",
        "## Metrics",
        "",
    ]
    metrics = entry.get("metrics") or {}
    lines += [f"- {key}: {value}" for key, value in metrics.items()] or ["- not evaluated yet"]
    lines += ["", "## Configuration", ""]
    if differences is not None:
        lines += ["The first member's; the others differ as listed above.", ""]
    lines += ["```json", json.dumps(config, indent=2), "```", ""]
    return "\n".join(lines)


def _write_metadata(path: Path, metadata: dict[str, str]) -> None:
    model = onnx.load(str(path))
    onnx.helper.set_model_props(model, metadata)
    onnx.save(model, str(path))


def _update_manifest(path: Path, entry: dict, default: bool) -> None:
    """Add ``entry``, or replace the model of its name where it stands; ``default`` makes it its role's default."""
    document = json.loads(path.read_text()) if path.exists() else {"manifest_version": 1, "models": []}
    names = [model["name"] for model in document["models"]]
    if entry["name"] in names:
        document["models"][names.index(entry["name"])] = entry
    else:
        document["models"].append(entry)
    if default:
        document["defaults"] = {**document.get("defaults", {}), entry["role"]: entry["name"]}
    write_bytes_atomic(path, (json.dumps(document, indent=2) + "\n").encode("utf-8"))


def training_data_description(configs: Sequence[TrainConfig]) -> str:
    """What the members trained on: one description, or each distinct one with how many members it holds."""
    descriptions = [_data_description(config) for config in configs]
    distinct = list(dict.fromkeys(descriptions))
    if len(distinct) == 1:
        return distinct[0]
    return "; ".join(f"{descriptions.count(each)} of the {len(configs)} members: {each}" for each in distinct)


def _data_description(config: TrainConfig) -> str:
    data = config.data
    parts = [f"task {data.task}", f"photos {Path(data.photos).name}"]
    if data.task != "grade":
        parts.append(f"looks {Path(data.looks).name}")
        if data.extra_looks:
            parts.append(f"extra looks {Path(data.extra_looks).name}")
    fold = f", fold {data.real_fold} held out" if data.real_fold else ""
    if data.real_pairs and data.real_fraction:
        parts.append(f"real pairs {Path(data.real_pairs).name} ({data.real_fraction:.0%}{fold})")
    elif data.real_pairs:
        parts.append(f"real pairs {Path(data.real_pairs).name} (their retouches only{fold})")
    if data.degradation_share:
        blend = f", blends of {data.degradation_mix}" if data.degradation_mix > 1 else ""
        parts.append(f"photos un-retouched by the real pairs' inverse retouches{blend} ({data.degradation_share:.0%} "
                     "of the synthetic pairs not left as they are)")
    return ", ".join(parts)
