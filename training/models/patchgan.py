"""The conditional PatchGAN discriminator of pix2pix (Isola et al. 2017, section 3.2.2 and appendix 6.1.2).

It sees the source and a candidate image side by side (6 channels) and scores every overlapping patch as real or
fake. With the default widths (C64-C128-C256-C512) each score sees 70x70 input pixels; fewer widths give smaller
patches (three: 34x34), which suits 64 px images. Scores are raw (no sigmoid): the LSGAN losses in
:mod:`training.losses` take them as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from training.models.unet import KERNEL_SIZE, LEAKY_SLOPE, PADDING, STRIDE, init_pix2pix_weights

IMAGE_CHANNELS = 3
CONDITIONED_CHANNELS = 2 * IMAGE_CHANNELS  # source and candidate, concatenated
LAST_STRIDE = 1  # Isola et al.: the last feature layer and the 1-channel output keep the resolution
DEFAULT_WIDTHS = (64, 128, 256, 512)  # the 70x70 PatchGAN: C64-C128-C256-C512


class PatchGAN(nn.Module):
    """``(source, image)``, both ``(B, 3, H, W)`` -> patch scores ``(B, 1, h, w)``.

    All but the last of ``widths`` halve the image; the last feature layer and the output layer are 4x4 stride-1
    convolutions. BatchNorm on every feature layer but the first, LeakyReLU 0.2 after each.
    """

    def __init__(self, widths: Sequence[int] = DEFAULT_WIDTHS) -> None:
        super().__init__()
        self.widths = tuple(widths)
        layers: list[nn.Module] = []
        in_channels = CONDITIONED_CHANNELS
        for index, width in enumerate(self.widths):
            stride = STRIDE if index < len(self.widths) - 1 else LAST_STRIDE
            batch_norm = index > 0
            layers.append(nn.Conv2d(in_channels, width, KERNEL_SIZE, stride, PADDING, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.LeakyReLU(LEAKY_SLOPE))
            in_channels = width
        layers.append(nn.Conv2d(in_channels, 1, KERNEL_SIZE, LAST_STRIDE, PADDING))
        self.layers = nn.Sequential(*layers)
        self.apply(init_pix2pix_weights)

    @staticmethod
    def patches_per_side(input_size: int, depth: int) -> int:
        """Output side ``h`` for an ``input_size`` square input and ``depth`` feature layers (0: too small)."""
        size = input_size
        strides = [STRIDE] * (depth - 1) + [LAST_STRIDE, LAST_STRIDE]  # feature layers, then the output layer
        for stride in strides:
            size = (size + 2 * PADDING - KERNEL_SIZE) // stride + 1
            if size < 1:
                return 0
        return size

    def forward(self, source: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        pair = torch.cat([source, image], dim=1)  # (B, 6, H, W): conditioned on the source
        return self.layers(pair)  # (B, 1, h, w): one raw score per patch
