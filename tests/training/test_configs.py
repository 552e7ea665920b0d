"""Every configuration in training/configs reads as a valid run: the cards quote them as the exact commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.config import load_config
from training.models.config import build_model

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "training" / "configs").glob("*.toml"))


def test_the_shipped_configurations_are_there() -> None:
    assert {path.stem for path in CONFIGS} >= {"grade-lut", "neutralize-lut"}


@pytest.mark.parametrize("path", CONFIGS, ids=[path.stem for path in CONFIGS])
def test_each_configuration_loads_and_builds_its_model(path: Path) -> None:
    config = load_config(path)
    assert config.run.out_dir == f"runs/{path.stem}"  # each run writes where its card says
    assert build_model(config.model) is not None
