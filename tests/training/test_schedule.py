"""The learning-rate schedule: constant, or a cosine from lr down to lr / 100 at the last step."""

from __future__ import annotations

import itertools
import math

import pytest

from training.config import OptimConfig, config_from_dict
from training.errors import ConfigError
from training.train import COSINE_FLOOR, learning_rate

LR = 1e-3


def test_constant_is_constant() -> None:
    optim = OptimConfig(lr=LR, steps=100)
    assert {learning_rate(optim, step) for step in range(100)} == {LR}


def test_cosine_falls_from_lr_to_the_floor() -> None:
    optim = OptimConfig(lr=LR, steps=101, lr_schedule="cosine")
    rates = [learning_rate(optim, step) for step in range(101)]
    assert rates[0] == pytest.approx(LR)
    assert rates[50] == pytest.approx(LR * (1 + COSINE_FLOOR) / 2)
    assert rates[-1] == pytest.approx(LR * COSINE_FLOOR)
    assert all(later < earlier for earlier, later in itertools.pairwise(rates))
    assert learning_rate(optim, 500) == pytest.approx(LR * COSINE_FLOOR)  # past the end (a longer resume) stays low
    assert not math.isnan(learning_rate(OptimConfig(lr=LR, steps=1, lr_schedule="cosine"), 0))


def test_an_unknown_schedule_is_refused() -> None:
    with pytest.raises(ConfigError, match="optim.lr_schedule must be one of constant, cosine, found 'step'"):
        config_from_dict({"optim": {"lr_schedule": "step"}})
