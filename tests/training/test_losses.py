"""Tests for training.losses: values from their definitions, the Lab conversion against pix2lut.colour, and
gradients that stay finite where the formulas switch branches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pix2lut import colour
from pix2lut.lut import identity_table
from training.losses import (
    l1_loss,
    lab_l1,
    lsgan_discriminator_loss,
    lsgan_generator_loss,
    lut_monotonicity,
    lut_smoothness,
    mse_loss,
    srgb_to_lab_torch,
)

# float64 torch against float64 numpy: the same formulas, so only rounding differs.
LAB_ATOL_FLOAT64 = 1e-9
# float32: L* reaches 100, where one float32 ulp is 8e-6 and a few operations add up; observed up to 5e-5.
LAB_ATOL_FLOAT32 = 1e-4
EXACT = {"rtol": 0.0, "atol": 1e-7}
LUT_SIZE = 17
NOISE_RTOL = 0.05  # the mean of about 14,000 squared noisy differences per axis: a few per cent of sampling spread


def test_l1_and_mse_are_the_means():
    prediction = torch.tensor([[0.0, 0.5], [1.0, 0.25]])
    target = torch.tensor([[0.5, 0.5], [0.0, 0.75]])
    torch.testing.assert_close(l1_loss(prediction, target), torch.tensor((0.5 + 0.0 + 1.0 + 0.5) / 4), **EXACT)
    torch.testing.assert_close(mse_loss(prediction, target), torch.tensor((0.25 + 0.0 + 1.0 + 0.25) / 4), **EXACT)


def test_lsgan_losses_vanish_at_their_targets():
    ones = torch.ones(2, 1, 6, 6)
    zeros = torch.zeros(2, 1, 6, 6)
    assert lsgan_generator_loss(ones) == 0.0  # the discriminator calls every fake real
    assert lsgan_discriminator_loss(ones, zeros) == 0.0  # the discriminator is always right


def test_lsgan_losses_values():
    real_scores = torch.full((2, 1, 4, 4), 0.5)
    fake_scores = torch.full((2, 1, 4, 4), 0.25)
    torch.testing.assert_close(lsgan_generator_loss(fake_scores), torch.tensor(0.75**2), **EXACT)
    expected = 0.5 * (0.5**2 + 0.25**2)  # halved, as pix2pix trains D
    torch.testing.assert_close(lsgan_discriminator_loss(real_scores, fake_scores), torch.tensor(expected), **EXACT)


def test_smoothness_of_identity_and_constant_luts():
    identity = torch.from_numpy(identity_table(LUT_SIZE))
    torch.testing.assert_close(lut_smoothness(identity), torch.tensor(1.0 / (LUT_SIZE - 1) ** 2), **EXACT)
    assert lut_smoothness(torch.full((LUT_SIZE, LUT_SIZE, LUT_SIZE, 3), 0.3)) == 0.0


def test_smoothness_takes_a_stack_of_luts_and_punishes_noise():
    identity = torch.from_numpy(identity_table(LUT_SIZE))
    stack = torch.stack([identity, identity])  # (2, N, N, N, 3): e.g. basis LUTs or a batch
    torch.testing.assert_close(lut_smoothness(stack), lut_smoothness(identity), **EXACT)
    noise_std = 0.05
    noisy = identity + noise_std * torch.randn(identity.shape, generator=torch.Generator().manual_seed(0))
    # independent noise adds 2 sigma^2 to each squared difference, on each of the three axes
    expected = 1.0 / (LUT_SIZE - 1) ** 2 + 3 * 2 * noise_std**2
    assert lut_smoothness(noisy).item() == pytest.approx(expected, rel=NOISE_RTOL)


def test_monotonicity_is_zero_for_identity_and_counts_own_axis_decreases():
    identity = torch.from_numpy(identity_table(LUT_SIZE))
    assert lut_monotonicity(identity) == 0.0
    step = 1.0 / (LUT_SIZE - 1)
    # reversing the r axis makes red decrease by one step everywhere along it; green and blue are untouched
    torch.testing.assert_close(lut_monotonicity(identity.flip(0)), torch.tensor(step), **EXACT)
    # reversing r and b: red and blue each decrease along their own axis
    torch.testing.assert_close(lut_monotonicity(identity.flip(0, 2)), torch.tensor(2 * step), **EXACT)


def test_monotonicity_ignores_decreases_along_other_axes():
    identity = torch.from_numpy(identity_table(LUT_SIZE))
    crossed = identity.clone()
    crossed[..., 0] = 1.0 - identity[..., 1]  # red output falls as green input rises: a legitimate colour mix
    crossed[..., 0] += identity[..., 0]  # and still rises with red input
    assert lut_monotonicity(crossed) == 0.0


def lab_test_colours() -> np.ndarray:
    """Random colours plus the places where the formulas switch branches: 0, 1, sRGB's knee, greys."""
    rng = np.random.default_rng(0)
    special = [0.0, 1.0, colour.SRGB_DECODE_THRESHOLD, 0.01, 0.5, 0.999]
    greys = np.repeat(np.array(special)[:, None], 3, axis=1)
    primaries = np.eye(3)
    return np.concatenate([rng.random((500, 3)), greys, primaries, 1.0 - primaries])


@pytest.mark.parametrize(("dtype", "atol"), [(torch.float64, LAB_ATOL_FLOAT64), (torch.float32, LAB_ATOL_FLOAT32)])
def test_srgb_to_lab_torch_matches_pix2lut(dtype, atol):
    rgb = lab_test_colours()
    expected = colour.srgb_to_lab(rgb)
    lab = srgb_to_lab_torch(torch.as_tensor(rgb, dtype=dtype))
    assert lab.dtype == dtype
    np.testing.assert_allclose(lab.numpy(), expected, rtol=0.0, atol=atol)


def test_srgb_to_lab_torch_has_finite_gradients_everywhere():
    rgb = torch.as_tensor(lab_test_colours()).requires_grad_()
    srgb_to_lab_torch(rgb).sum().backward()
    assert torch.isfinite(rgb.grad).all()


def test_srgb_to_lab_torch_rejects_other_shapes():
    with pytest.raises(ValueError, match=r"rgb must have shape \(\.\.\., 3\), found \(2, 4\)"):
        srgb_to_lab_torch(torch.zeros(2, 4))


def test_lab_l1_reads_channels_first_images():
    generator = torch.Generator().manual_seed(0)
    prediction = torch.rand(2, 3, 5, 4, generator=generator)  # (B, 3, H, W)
    target = torch.rand(2, 3, 5, 4, generator=generator)
    assert lab_l1(target, target) == 0.0
    per_pixel = colour.srgb_to_lab(prediction.permute(0, 2, 3, 1).numpy()) - colour.srgb_to_lab(
        target.permute(0, 2, 3, 1).numpy()
    )
    assert lab_l1(prediction, target).item() == pytest.approx(np.abs(per_pixel).mean(), abs=LAB_ATOL_FLOAT32)
