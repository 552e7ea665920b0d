"""Checkpoints: model and optimiser state, the step, and the whole configuration that made them."""

from __future__ import annotations

import io
from pathlib import Path

import torch

from pix2lut.files import write_bytes_atomic
from training.config import TrainConfig, config_from_dict
from training.errors import CheckpointError


def save_checkpoint(path: Path, config: TrainConfig, generator, discriminator, optimiser_g, optimiser_d,
                    step: int) -> None:
    """Written atomically: an interrupted save never leaves a broken ``last.pt`` behind."""
    state = {
        "step": step,
        "config": config.to_dict(),
        "generator": generator.state_dict(),
        "optimiser_g": optimiser_g.state_dict(),
        "discriminator": discriminator.state_dict() if discriminator is not None else None,
        "optimiser_d": optimiser_d.state_dict() if optimiser_d is not None else None,
    }
    buffer = io.BytesIO()
    torch.save(state, buffer)
    write_bytes_atomic(path, buffer.getvalue())


def load_checkpoint(path: Path, config: TrainConfig, generator, discriminator=None, optimiser_g=None,
                    optimiser_d=None) -> int:
    """Restore the states in place; returns the step to continue from."""
    state = read_checkpoint(path)
    saved = config_from_dict(state["config"], str(path))
    if saved.model != config.model:
        raise CheckpointError(f"{path} holds a model configured as {saved.model}, not {config.model}")
    generator.load_state_dict(state["generator"])
    if optimiser_g is not None:
        optimiser_g.load_state_dict(state["optimiser_g"])
    if discriminator is not None and state["discriminator"] is not None:
        discriminator.load_state_dict(state["discriminator"])
        if optimiser_d is not None:
            optimiser_d.load_state_dict(state["optimiser_d"])
    return int(state["step"])


def read_checkpoint(path: Path) -> dict:
    try:
        # weights_only: a checkpoint is data, never code to run
        return torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, ValueError) as exc:
        raise CheckpointError(f"{path}: not a readable checkpoint ({exc})") from exc
