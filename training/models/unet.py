"""The pix2pix U-Net generator (Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial
Networks", CVPR; architecture in their appendix 6.1.1), as the original AI_color_grade_lut notebooks built it.

Encoder: one 4x4 stride-2 convolution per entry of ``widths`` (BatchNorm on all but the first and the innermost,
LeakyReLU 0.2), each halving the image. Decoder: the mirror, 4x4 stride-2 transposed convolutions (BatchNorm,
dropout on the innermost blocks, ReLU), each followed by concatenation with the encoder output of the same
resolution (the skip connections), then a last transposed convolution to RGB and a sigmoid, so predictions are
images in [0, 1] like the inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

IMAGE_CHANNELS = 3  # RGB in, RGB out
KERNEL_SIZE = 4  # Isola et al. 2017, appendix 6.1: 4x4 spatial filters with stride 2
STRIDE = 2
PADDING = 1  # with a 4x4 kernel and stride 2: exactly halves (doubles, transposed) an even size
LEAKY_SLOPE = 0.2  # Isola et al. 2017, appendix 6.1: encoder ReLUs are leaky with slope 0.2
INIT_STD = 0.02  # Isola et al. 2017, appendix 6.2: weights from a Gaussian with mean 0 and std 0.02


def init_pix2pix_weights(module: nn.Module) -> None:
    """pix2pix initialisation: N(0, 0.02) for (transposed) convolutions, N(1, 0.02) for BatchNorm scales."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, INIT_STD)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, INIT_STD)
        nn.init.zeros_(module.bias)


def _down_block(in_channels: int, out_channels: int, batch_norm: bool) -> nn.Sequential:
    """Conv 4x4 stride 2 -> (BatchNorm) -> LeakyReLU: halves the image."""
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, KERNEL_SIZE, STRIDE, PADDING, bias=not batch_norm)  # norm has a bias
    ]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.LeakyReLU(LEAKY_SLOPE))
    return nn.Sequential(*layers)


def _up_block(in_channels: int, out_channels: int, dropout: float) -> nn.Sequential:
    """Transposed conv 4x4 stride 2 -> BatchNorm -> (Dropout) -> ReLU: doubles the image."""
    layers: list[nn.Module] = [
        nn.ConvTranspose2d(in_channels, out_channels, KERNEL_SIZE, STRIDE, PADDING, bias=False),
        nn.BatchNorm2d(out_channels),
    ]
    if dropout > 0.0:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class UNetGenerator(nn.Module):
    """pix2pix U-Net: ``(B, 3, H, W)`` in [0, 1] -> ``(B, 3, H, W)`` in [0, 1], H and W multiples of 2^depth.

    Parameters
    ----------
    widths
        Channels of each encoder block, outermost first; the depth is ``len(widths)``.
    dropout
        Dropout probability in the ``dropout_blocks`` innermost decoder blocks (pix2pix's noise source).
    dropout_blocks
        How many decoder blocks, innermost first, drop out.
    """

    def __init__(self, widths: Sequence[int], dropout: float, dropout_blocks: int) -> None:
        super().__init__()
        self.widths = tuple(widths)
        depth = len(self.widths)

        self.down = nn.ModuleList()
        in_channels = IMAGE_CHANNELS
        for index, width in enumerate(self.widths):
            # No norm on the outermost block (pix2pix: C64 has none), nor on the innermost: at 64 px with the
            # default depth it sees a 1x1 image, and BatchNorm cannot train on one value per channel.
            batch_norm = 0 < index < depth - 1
            self.down.append(_down_block(in_channels, width, batch_norm))
            in_channels = width

        # Decoder block j mirrors encoder block depth-2-j; its output is concatenated with that block's output.
        self.up = nn.ModuleList()
        for index, width in enumerate(reversed(self.widths[:-1])):
            self.up.append(_up_block(in_channels, width, dropout if index < dropout_blocks else 0.0))
            in_channels = 2 * width  # up output + skip
        self.to_rgb = nn.ConvTranspose2d(in_channels, IMAGE_CHANNELS, KERNEL_SIZE, STRIDE, PADDING)

        self.apply(init_pix2pix_weights)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = image  # (B, 3, H, W)
        skips = []
        for block in self.down:
            x = block(x)  # (B, widths[i], H / 2^(i+1), W / 2^(i+1))
            skips.append(x)
        skips.pop()  # the innermost output is x itself: the bottleneck has no skip
        for block in self.up:
            x = torch.cat([block(x), skips.pop()], dim=1)  # (B, 2 * width, ...): up output, then the skip
        return torch.sigmoid(self.to_rgb(x))  # (B, 3, H, W) in [0, 1]
