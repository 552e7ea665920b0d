"""Image-adaptive 3D LUT (Zeng, Cai, Li, Cao and Zhang, "Learning Image-adaptive 3D Lookup Tables for High
Performance Photo Enhancement in Real-time", IEEE TPAMI 2020).

A small CNN looks at a thumbnail and predicts K weights; the output LUT is the weighted sum of K learned basis
LUTs. The network's output is the LUT itself, ``(B, N, N, N, 3)`` indexed ``[r, g, b]`` exactly as
:mod:`pix2lut.lut` defines it, so the exported ONNX graph needs no fitting on the server.
:func:`apply_lut_torch` applies such LUTs to images, differentiably, for training.

Departures from the paper, each for a stated reason:

- global average pooling and a linear layer replace the paper's 8x8 convolution, so any thumbnail size works;
- the linear layer starts with the identity's weight at 1 and small random weights (instead of an arbitrary
  random blend), so the untrained model already returns nearly the identity LUT;
- optionally (``colour_stats``) the head also sees the thumbnail's global colour statistics: a joint RGB
  histogram and per-channel cumulative histograms (:class:`ColourStatistics`). A look or a cast is mostly a change
  of exactly these, and the backbone's InstanceNorm normalises each feature map's mean and spread away;
- optionally (``head_hidden``) the head is a two-layer MLP instead of one linear layer;
- optionally (``blend = "softmax"``) the weights are a softmax, so the LUT is a convex blend of the basis: with a
  library basis (the identity and the inverses of known looks, :mod:`training.basis`) the model then names a
  look, or a part of one, rather than regressing a LUT; ``train_basis = False`` keeps such a basis as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from pix2lut.lut import identity_table

IMAGE_CHANNELS = 3
KERNEL_SIZE = 3  # Zeng et al. 2020, table 1: 3x3 convolutions with stride 2
STRIDE = 2
PADDING = 1
LEAKY_SLOPE = 0.2  # Zeng et al. 2020: LeakyReLU after every convolution
BLENDS = ("linear", "softmax")
IDENTITY_BASIS = 0  # index of the basis LUT that starts as the identity (the others start at zero)
# The identity basis's weight starts nearly constant, so the untrained model returns the identity LUT to within a
# few 1e-3 (with a softmax blend, the identity's bias of 1 gives it e / (e + K - 1) of the weight: an untrained
# library model starts near the library's mean instead); the other (zero) bases get weights of the size a default
# layer gives, so that their gradient, which is their weight times the LUT's gradient, lets them learn from the
# first step (with tiny weights they crawl).
HEAD_INIT_STD = 1e-3
ADAPTIVE_HEAD_INIT_STD = 0.1
STATS_SIDE = 64  # the statistics are taken on a 64 x 64 average-pooled thumbnail: 4,096 pixels
HISTOGRAM_BINS = 8  # per axis of the joint RGB histogram: 512 bins
CDF_LEVELS = 16  # per-channel cumulative histogram at 1/16 .. 15/16


class ColourStatistics(nn.Module):
    """Global colour statistics of ``(B, 3, S, S)`` images in [0, 1]: ``(B, features)``, no learned parameters.

    - the joint RGB histogram, ``HISTOGRAM_BINS^3`` bin fractions, square-rooted (so that small bins count);
    - per channel, the fraction of pixels at or below each of ``CDF_LEVELS - 1`` levels (the cumulative histogram).

    Exported, it is built from comparisons and means only: plain Equal/LessOrEqual/ReduceMean nodes; in torch the
    histogram is counted instead (:func:`histogram_by_counting`), with the same result.
    """

    def __init__(self, input_size: int, side: int = STATS_SIDE, bins: int = HISTOGRAM_BINS) -> None:
        super().__init__()
        self.pool = max(input_size // side, 1)
        self.bins = bins
        self.register_buffer("levels", torch.arange(1, CDF_LEVELS, dtype=torch.float32) / CDF_LEVELS, persistent=False)

    @property
    def features(self) -> int:
        return self.bins**3 + IMAGE_CHANNELS * (CDF_LEVELS - 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        small = F.avg_pool2d(image.clamp(0.0, 1.0), self.pool) if self.pool > 1 else image.clamp(0.0, 1.0)
        pixels = small.flatten(2)  # (B, 3, P)
        index = torch.clamp(torch.floor(pixels * self.bins), max=self.bins - 1)  # (B, 3, P) bin per channel
        flat = (index[:, 0] * self.bins + index[:, 1]) * self.bins + index[:, 2]  # (B, P), red slowest
        count = histogram_by_comparison if torch.onnx.is_in_onnx_export() else histogram_by_counting
        histogram = count(flat, self.bins)  # (B, bins^3)
        below = (pixels.unsqueeze(-1) <= self.levels).float().mean(dim=2)  # (B, 3, CDF_LEVELS - 1)
        return torch.cat([histogram.sqrt(), below.flatten(1)], dim=1)


def histogram_by_comparison(flat: torch.Tensor, bins: int) -> torch.Tensor:
    """Bin fractions of ``(B, P)`` bin ids in ``[0, bins^3)``: ``(B, bins^3)``, by one comparison per pixel and bin.

    How the exported graph computes the histogram: plain Equal/ReduceMean nodes, which every onnxruntime provider
    runs. In torch it materialises ``(B, P, bins^3)`` values, two thirds of a training step.
    """
    bin_ids = torch.arange(bins**3, dtype=flat.dtype, device=flat.device)
    return (flat.unsqueeze(-1) == bin_ids).float().mean(dim=1)


def histogram_by_counting(flat: torch.Tensor, bins: int) -> torch.Tensor:
    """The same fractions as :func:`histogram_by_comparison`, counted by ``scatter_add``: how training computes
    them. The counts are whole numbers either way, so the two agree exactly."""
    counts = torch.zeros(flat.shape[0], bins**3, dtype=flat.dtype, device=flat.device)
    return counts.scatter_add_(1, flat.long(), torch.ones_like(flat)) / flat.shape[1]


def backbone(widths: Sequence[int]) -> nn.Sequential:
    """Zeng et al.'s CNN: one 3x3 stride-2 convolution and LeakyReLU per width, InstanceNorm after all but the last."""
    layers: list[nn.Module] = []
    in_channels = IMAGE_CHANNELS
    for index, width in enumerate(widths):
        layers += [nn.Conv2d(in_channels, width, KERNEL_SIZE, STRIDE, PADDING), nn.LeakyReLU(LEAKY_SLOPE)]
        if index < len(widths) - 1:
            layers.append(nn.InstanceNorm2d(width, affine=True))
        in_channels = width
    return nn.Sequential(*layers)


def initial_basis(lut_size: int, basis_luts: int) -> torch.Tensor:
    """Zeng et al.'s initial basis: ``(K, N, N, N, 3)``, the first the identity LUT, the others zero."""
    basis = torch.zeros(basis_luts, lut_size, lut_size, lut_size, IMAGE_CHANNELS)
    basis[IDENTITY_BASIS] = torch.from_numpy(identity_table(lut_size))  # [r, g, b] order, as pix2lut.lut
    return basis


class Image2Lut(nn.Module):
    """Thumbnail ``(B, 3, S, S)`` in [0, 1] -> blended LUT ``(B, N, N, N, 3)`` indexed ``[r, g, b]``.

    The LUT is not clipped: training needs gradients at every node, and the server clips to [0, 1].

    Parameters
    ----------
    lut_size
        N, nodes per axis of each basis LUT.
    basis_luts
        K, the number of basis LUTs the CNN weighs.
    backbone_widths
        Channels of each 3x3 stride-2 block; InstanceNorm after all but the last, as Zeng et al.
    dropout
        Dropout on the pooled features before the linear layer (Zeng et al.: 0.5).
    input_size
        The thumbnail side the model is fed (only the colour statistics need it).
    colour_stats
        Whether the head also sees :class:`ColourStatistics` of the thumbnail.
    head_hidden
        Width of the MLP head's hidden layer; 0: one linear layer, as Zeng et al.
    blend
        ``"linear"``: the head's outputs weigh the basis as they are (Zeng et al.); ``"softmax"``: their softmax
        does, so the LUT stays inside the basis's convex hull.
    train_basis
        Whether the basis LUTs learn; a fixed library basis does not.
    """

    def __init__(
        self,
        lut_size: int,
        basis_luts: int,
        backbone_widths: Sequence[int],
        dropout: float,
        input_size: int = 256,
        colour_stats: bool = False,
        head_hidden: int = 0,
        blend: str = "linear",
        train_basis: bool = True,
    ) -> None:
        super().__init__()
        if blend not in BLENDS:
            raise ValueError(f"blend must be one of {', '.join(BLENDS)}, found {blend!r}")
        self.lut_size = lut_size
        self.blend = blend
        self.backbone = backbone(backbone_widths)
        in_channels = backbone_widths[-1]
        self.dropout = nn.Dropout(dropout)
        self.statistics = ColourStatistics(input_size) if colour_stats else None
        features = in_channels + (self.statistics.features if self.statistics is not None else 0)
        self.hidden = (
            nn.Sequential(nn.Linear(features, head_hidden), nn.LeakyReLU(LEAKY_SLOPE)) if head_hidden else nn.Identity()
        )
        self.basis_luts = basis_luts
        self.head = nn.Linear(head_hidden or features, basis_luts)
        nn.init.normal_(self.head.weight, 0.0, ADAPTIVE_HEAD_INIT_STD)
        with torch.no_grad():
            self.head.weight[IDENTITY_BASIS].normal_(0.0, HEAD_INIT_STD)
            self.head.bias.copy_(F.one_hot(torch.tensor(IDENTITY_BASIS), basis_luts).float())
        self.basis = nn.Parameter(initial_basis(lut_size, basis_luts), requires_grad=train_basis)  # (K, N, N, N, 3)

    def scores(self, image: torch.Tensor) -> torch.Tensor:
        """The head's raw outputs: ``(B, 3, S, S)`` -> one score per basis LUT, ``(B, K)``."""
        features = self.backbone(image)  # (B, C, S / 2^depth, S / 2^depth)
        pooled = features.mean(dim=(2, 3))  # (B, C): global average pooling
        if self.statistics is not None:
            pooled = torch.cat([pooled, self.statistics(image)], dim=1)  # (B, C + statistics)
        return self.head(self.hidden(self.dropout(pooled)))  # (B, K)

    def blend_weights(self, image: torch.Tensor) -> torch.Tensor:
        """The weights alone: ``(B, 3, S, S)`` -> one weight per basis LUT, ``(B, K)``."""
        scores = self.scores(image)
        return scores if self.blend == "linear" else torch.softmax(scores, dim=1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        weights = self.blend_weights(image)  # (B, K)
        return torch.einsum("nk,krgbc->nrgbc", weights, self.basis)  # (B, N, N, N, 3), [r, g, b] kept


def apply_lut_torch(images: torch.Tensor, luts: torch.Tensor) -> torch.Tensor:
    """Trilinear application of one LUT per image, differentiable in both; inputs are clamped to [0, 1].

    The same maths as ``pix2lut.apply.apply_lut(..., interp="trilinear")`` on unit-domain LUTs.

    Parameters
    ----------
    images
        ``(B, 3, H, W)`` RGB.
    luts
        ``(B, N, N, N, 3)`` indexed ``[r, g, b]``, as :mod:`pix2lut.lut`.

    Returns
    -------
    ``(B, 3, H, W)``: each pixel mapped through its image's LUT.
    """
    if images.ndim != 4 or images.shape[1] != IMAGE_CHANNELS:
        raise ValueError(f"images must have shape (B, 3, H, W), found {tuple(images.shape)}")
    if luts.ndim != 5 or luts.shape[-1] != IMAGE_CHANNELS or not luts.shape[1] == luts.shape[2] == luts.shape[3]:
        raise ValueError(f"luts must have shape (B, N, N, N, 3), found {tuple(luts.shape)}")
    if luts.shape[0] != images.shape[0]:
        raise ValueError(f"one LUT per image: {images.shape[0]} images but {luts.shape[0]} LUTs")
    # grid_sample reads a volume (B, C, D, H, W) at grid points whose last axis is (x, y, z) = (W, H, D) index
    # order, and with align_corners=True maps -1 and 1 onto the first and last node. So the LUT becomes a volume
    # with D = r, H = g, W = b (channels first: (B, 3, N_r, N_g, N_b)), and each pixel's (r, g, b) in [0, 1]
    # becomes the point (x, y, z) = (b, g, r) * 2 - 1.
    volume = luts.permute(0, 4, 1, 2, 3)  # (B, 3, N, N, N), D/H/W = r/g/b
    rgb = images.clamp(0.0, 1.0).permute(0, 2, 3, 1)  # (B, H, W, 3), last axis (r, g, b)
    grid = rgb.flip(-1).unsqueeze(1) * 2.0 - 1.0  # (B, 1, H, W, 3), last axis (b, g, r) = (x, y, z)
    mapped = F.grid_sample(volume, grid, mode="bilinear", padding_mode="border", align_corners=True)
    return mapped.squeeze(2)  # (B, 3, 1, H, W) -> (B, 3, H, W)
