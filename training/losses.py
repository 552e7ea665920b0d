"""Training losses: pixel (L1, MSE, CIE Lab), adversarial (LSGAN) and LUT regularisers.

Sources:

- LSGAN: Mao et al. 2017, "Least Squares Generative Adversarial Networks", ICCV (a-b-c = 0-1-1 coding), with
  the discriminator loss halved as pix2pix does (Isola et al. 2017, section 3.3), so D learns slower than G.
- LUT smoothness and monotonicity: Zeng et al. 2020, "Learning Image-adaptive 3D Lookup Tables for High
  Performance Photo Enhancement in Real-time", IEEE TPAMI, section 3.4 (R_s and R_m).
- sRGB -> CIE Lab: the same definitions as :mod:`pix2lut.colour` (IEC 61966-2-1, ITU-R BT.709, CIE 15:2004),
  whose constants are reused here so the two cannot drift apart.

Images are ``(B, 3, H, W)``; LUTs are ``(..., N, N, N, 3)`` indexed ``[r, g, b]`` as :mod:`pix2lut.lut`.
Every loss returns a scalar mean, so its weight in a sum does not depend on batch, image or LUT size.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from pix2lut import colour

REAL_LABEL = 1.0  # LSGAN targets (Mao et al. 2017: b = c = 1 for real, a = 0 for fake)
FAKE_LABEL = 0.0
DISCRIMINATOR_LOSS_SCALE = 0.5  # pix2pix: "we divide the objective by 2 while optimizing D"
LUT_AXES = (-4, -3, -2)  # the r, g, b lattice axes of a (..., N, N, N, 3) table
CHANNEL_AXIS = 1  # of a (B, 3, H, W) image


def l1_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference."""
    return F.l1_loss(prediction, target)


def mse_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared difference."""
    return F.mse_loss(prediction, target)


def lsgan_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """The generator wants the discriminator to score its images as real: ``mean((D(G(x)) - 1)^2)``."""
    return F.mse_loss(fake_scores, torch.full_like(fake_scores, REAL_LABEL))


def lsgan_discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """``0.5 * (mean((D(y) - 1)^2) + mean(D(G(x))^2))``; pass ``fake_scores`` computed on detached images."""
    real = F.mse_loss(real_scores, torch.full_like(real_scores, REAL_LABEL))
    fake = F.mse_loss(fake_scores, torch.full_like(fake_scores, FAKE_LABEL))
    return DISCRIMINATOR_LOSS_SCALE * (real + fake)


def lut_smoothness(luts: torch.Tensor) -> torch.Tensor:
    """Zeng et al.'s smoothness R_s: squared differences between neighbouring nodes along the r, g and b axes.

    The sum over the three axes of the mean squared difference, so the identity LUT of size N scores
    ``1 / (N - 1)^2`` (one channel in three changes by ``1 / (N - 1)`` per step along each axis).
    ``luts``: ``(..., N, N, N, 3)``, e.g. the basis ``(K, N, N, N, 3)`` or a batch of blended LUTs.
    """
    return sum(torch.diff(luts, dim=axis).pow(2).mean() for axis in LUT_AXES)


def lut_monotonicity(luts: torch.Tensor) -> torch.Tensor:
    """Zeng et al.'s monotonicity R_m: how much each output channel decreases along its own input axis.

    Red output along the r axis, green along g, blue along b: ``mean(relu(table[i] - table[i + 1]))`` summed
    over the three channels; zero for any LUT that keeps the order of each channel (the identity included).
    """
    penalty = luts.new_zeros(())
    for channel, axis in enumerate(LUT_AXES):
        # luts[..., channel] drops the last axis, so the lattice axes shift by one: r, g, b = -3, -2, -1
        decrease = -torch.diff(luts[..., channel], dim=axis + 1)
        penalty = penalty + F.relu(decrease).mean()
    return penalty


def srgb_to_lab_torch(rgb: torch.Tensor) -> torch.Tensor:
    """Differentiable sRGB (encoded, [0, 1]) to CIE L*a*b* (D65) on the last axis: ``(..., 3) -> (..., 3)``.

    The maths of :func:`pix2lut.colour.srgb_to_lab`; computed in the input's dtype. Branches are clamped before
    the power functions so that neither branch produces NaN gradients where it is not selected.
    """
    if rgb.shape[-1] != 3:
        raise ValueError(f"rgb must have shape (..., 3), found {tuple(rgb.shape)}")
    # IEC 61966-2-1, section 5.2: decode to linear light
    power_part = ((rgb.clamp(min=colour.SRGB_DECODE_THRESHOLD) + colour.SRGB_OFFSET) / (1.0 + colour.SRGB_OFFSET)).pow(
        colour.SRGB_GAMMA
    )
    linear = torch.where(rgb <= colour.SRGB_DECODE_THRESHOLD, rgb / colour.SRGB_LINEAR_SLOPE, power_part)
    # SMPTE RP 177 matrix, then normalise by the D65 white
    to_xyz = torch.as_tensor(colour.REC709_TO_XYZ, dtype=rgb.dtype, device=rgb.device)
    white = torch.as_tensor(colour.D65_XYZ, dtype=rgb.dtype, device=rgb.device)
    ratio = (linear @ to_xyz.T) / white
    # CIE 15:2004, section 8.2.1: cube root above (6/29)^3, a line below
    delta = colour.CIE_LAB_DELTA
    cube_root = ratio.clamp(min=delta**3).pow(1.0 / 3.0)
    linear_part = ratio / (3.0 * delta**2) + 4.0 / 29.0
    f = torch.where(ratio > delta**3, cube_root, linear_part)
    f_x, f_y, f_z = f.unbind(-1)
    return torch.stack([116.0 * f_y - 16.0, 500.0 * (f_x - f_y), 200.0 * (f_y - f_z)], dim=-1)


def lab_l1(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute L*a*b* difference between two ``(B, 3, H, W)`` sRGB images.

    In Lab units (L* spans 0..100), about 100 times an RGB L1 loss: weigh it accordingly.
    """
    lab_prediction = srgb_to_lab_torch(prediction.movedim(CHANNEL_AXIS, -1))  # (B, H, W, 3)
    lab_target = srgb_to_lab_torch(target.movedim(CHANNEL_AXIS, -1))
    return F.l1_loss(lab_prediction, lab_target)
