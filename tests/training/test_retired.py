"""Tests for training.retired: configurations saved before a setting was retired still read, resume and export
where the setting was off, and are refused, naming it, where it was on."""

from __future__ import annotations

import json

import pytest
import torch

from training.checkpoint import load_checkpoint, read_checkpoint, save_checkpoint
from training.config import TrainConfig, config_from_dict, load_config
from training.errors import ConfigError
from training.export import export
from training.models.config import build_model

# What every checkpoint and ONNX file saved before the retirement holds beside today's keys (the cards' JSON).
OLD_DEFAULTS = {
    "data": {"look_mix": 1, "parametric_boldness": 0.0, "real_detune": 0.0, "leave_own_out": False},
    "model": {"residual_luts": 0},
}
TINY_MODEL = ["model.input_size=32", "model.lut_size=17", "model.backbone_widths=[4, 4, 8, 8, 8]"]
STEP = 3
PARITY_ATOL = 1e-4  # training.export's own bound


def saved_before_retirement(config: TrainConfig, **changed: dict) -> dict:
    """``config`` as a run saved it before the retirement: the retired keys at their defaults, or as ``changed``."""
    saved = config.to_dict()
    for section, values in OLD_DEFAULTS.items():
        saved[section] = {**saved[section], **values, **changed.get(section, {})}
    return saved


def test_a_config_saved_with_retired_keys_at_their_defaults_reads_as_today() -> None:
    config = load_config(None, ["data.task=neutralize", "model.basis_luts=5"])
    assert config_from_dict(saved_before_retirement(config), "runs/old/last.pt") == config


@pytest.mark.parametrize(("section", "key", "value", "shown"), [
    ("data", "look_mix", 3, "3"),
    ("data", "parametric_boldness", 1.0, "1.0"),
    ("data", "real_detune", 0.3, "0.3"),
    ("data", "leave_own_out", True, "true"),
    ("model", "residual_luts", 16, "16"),
])
def test_a_retired_key_that_was_on_is_refused_by_name(section: str, key: str, value: object, shown: str) -> None:
    saved = saved_before_retirement(TrainConfig(), **{section: {key: value}})
    with pytest.raises(ConfigError) as caught:
        config_from_dict(saved, "runs/old/last.pt")
    assert str(caught.value) == (f"runs/old/last.pt: {section}.{key} = {shown} was retired (it did not help: see "
                                 "docs/models.md); only an older Pix2LUT reads a configuration that sets it")


def test_a_retired_key_on_the_command_line_is_refused_as_well() -> None:
    with pytest.raises(ConfigError, match=r"^overrides: data\.look_mix = 2 was retired"):
        load_config(None, ["data.look_mix=2"])


def test_a_checkpoint_saved_before_the_retirement_resumes_and_exports(tmp_path) -> None:
    config = load_config(None, TINY_MODEL)
    generator = build_model(config.model)
    optimiser = torch.optim.Adam(generator.parameters())
    path = tmp_path / "last.pt"
    save_checkpoint(path, config, generator, None, optimiser, None, STEP)
    state = read_checkpoint(path)
    state["config"] = saved_before_retirement(config)
    torch.save(state, path)

    assert load_checkpoint(path, config, build_model(config.model), None, torch.optim.Adam(generator.parameters())) \
        == STEP
    result = export([path], tmp_path / "models", "old")
    assert result.max_abs_diff <= PARITY_ATOL
    card = (tmp_path / "models" / "old.md").read_text()
    shown = json.loads(card.split("```json\n")[1].split("\n```")[0])
    assert "look_mix" not in shown["data"] and "residual_luts" not in shown["model"]  # as today's runs write it
