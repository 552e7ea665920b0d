"""The white-box grade: each control does what its name says, the LUT is exactly the controls, and it learns."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pix2lut.colour import linear_to_srgb, srgb_to_linear
from pix2lut.lut import identity_table
from training.errors import ConfigError
from training.models import ModelConfig, build_model
from training.models.image2lut import apply_lut_torch
from training.models.parametric import PARAMETER_NAMES, PARAMETERS, ParametricGrade, correction

ATOL = 1e-5  # float32 maths on values in [0, 1]
SIZE = 64
CONFIG = ModelConfig("image2lut", input_size=SIZE, lut_size=17, lut_head="parametric", colour_stats=True,
                     head_hidden=32, dropout=0.0)


def controls(**values: float) -> torch.Tensor:
    """(1, len(PARAMETERS)): the named controls, the others 0 (no change)."""
    unknown = set(values) - set(PARAMETER_NAMES)
    assert not unknown, unknown
    return torch.tensor([[values.get(name, 0.0) for name in PARAMETER_NAMES]])


def through(rgb: list[list[float]], **values: float) -> np.ndarray:
    return correction(torch.tensor([rgb], dtype=torch.float32), controls(**values))[0].numpy()


def test_zero_controls_are_the_identity() -> None:
    colours = np.random.default_rng(0).random((200, 3)).astype(np.float32)
    np.testing.assert_allclose(through(colours.tolist()), colours, atol=ATOL)


def test_exposure_is_a_gain_in_linear_light_and_temperature_trades_red_for_blue() -> None:
    grey = [[0.4, 0.4, 0.4]]
    brighter = through(grey, exposure=1.0)[0]
    np.testing.assert_allclose(srgb_to_linear(brighter), 2.0 * srgb_to_linear(np.float64(0.4)), atol=1e-4)
    warmer = srgb_to_linear(through(grey, temperature=0.5)[0])
    assert np.log2(warmer[0] / warmer[2]) == pytest.approx(0.5, abs=1e-3)
    assert warmer[1] == pytest.approx(srgb_to_linear(np.float64(0.4)), abs=1e-5)  # green untouched


def test_levels_contrast_and_saturation_keep_their_fixed_points() -> None:
    lifted = through([[0.05, 0.05, 0.05], [1.0, 1.0, 1.0]], black=0.05)
    np.testing.assert_allclose(lifted[:, 0], [0.0, 1.0], atol=ATOL)  # black point to 0, white stays
    ramp = through([[0.0] * 3, [0.25] * 3, [0.5] * 3, [0.75] * 3, [1.0] * 3], contrast=0.9)[:, 0]
    np.testing.assert_allclose(ramp[[0, 2, 4]], [0.0, 0.5, 1.0], atol=ATOL)
    assert ramp[1] < 0.25 and ramp[3] > 0.75  # steeper about mid grey
    flat = through([[0.25] * 3, [0.75] * 3], contrast=-0.9)[:, 0]
    assert 0.25 < flat[0] < flat[1] < 0.75
    grey = through([[0.7, 0.3, 0.2]], saturation=-20.0)[0]  # 2^-20: all the way to luma
    assert np.ptp(grey) < 1e-4


def test_every_control_range_keeps_the_tone_curve_increasing() -> None:
    ramp = [[value] * 3 for value in np.linspace(0.0, 1.0, 101)]
    for name, largest in PARAMETERS:
        for value in (-largest, largest):
            curve = through(ramp, **{name: value})[:, 1]
            assert np.all(np.diff(curve) >= -ATOL), (name, value)


def test_the_untrained_model_returns_nearly_the_identity_lut() -> None:
    torch.manual_seed(0)
    model = build_model(CONFIG).eval()
    assert isinstance(model, ParametricGrade)
    with torch.no_grad():
        lut = model(torch.rand(2, 3, SIZE, SIZE))
    assert lut.shape == (2, 17, 17, 17, 3)
    np.testing.assert_allclose(lut[0].numpy(), identity_table(17), atol=0.02)


def test_the_controls_are_recovered_by_gradient_descent_through_the_lut() -> None:
    """The path the network learns through: image -> controls -> LUT -> applied image, differentiable."""
    torch.manual_seed(0)
    image = torch.rand(1, 3, 32, 32)
    linear = srgb_to_linear(image.numpy().astype(np.float64))
    target = torch.from_numpy(linear_to_srgb(linear * 2.0**-0.7).astype(np.float32))  # 0.7 EV under
    lattice = torch.from_numpy(identity_table(17)).float().reshape(1, -1, 3)
    exposure = torch.zeros(1, 1, requires_grad=True)  # the one control free: the others could share the change
    optimiser = torch.optim.Adam([exposure], lr=0.05)
    others = torch.zeros(1, len(PARAMETERS) - 1)
    for _ in range(200):
        found = torch.cat([exposure, others], dim=1)  # exposure is the first control
        lut = correction(lattice, found).reshape(1, 17, 17, 17, 3)
        loss = torch.nn.functional.mse_loss(apply_lut_torch(image, lut), target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    assert PARAMETER_NAMES[0] == "exposure"
    assert exposure.item() == pytest.approx(-0.7, abs=0.02)
    assert loss.item() < 1e-5


def test_a_parametric_head_refuses_library_settings() -> None:
    with pytest.raises(ConfigError, match="parametric head"):
        ModelConfig("image2lut", lut_head="parametric", basis_init="library", head_hidden=8)
    with pytest.raises(ConfigError, match="lut_head must be one of basis, parametric"):
        ModelConfig("image2lut", lut_head="curves")
