"""A white-box grade: the few controls a colourist would touch, predicted from a thumbnail, baked into a LUT.

Gibbs' study of one-click correction (seed 001: a classifier of detunings turned into slider fixes) and Exposure
(Hu et al. 2018, seed 004: a sequence of editable filters) point the same way: on unseen footage a correction that
can only move exposure, white balance, levels, mid-tones, contrast and saturation cannot invent a look, so it
cannot get a shot badly wrong, and what it did can be said in words. The network (Zeng et al.'s CNN with the
thumbnail's colour histograms beside it, as :class:`training.models.image2lut.Image2Lut`) predicts
``PARAMETERS``; :func:`correction` applies them, in this order, to encoded sRGB values in [0, 1]:

1. exposure, temperature, tint: per-channel gains in linear light (sRGB decoded, IEC 61966-2-1), as
   ``training.data.detune.Detuning.linear_gains`` defines them;
2. levels: ``black`` goes to 0 and ``2^-white`` to 1 (encoded);
3. mid-tones: the offset power curve of ``training.data.curves.offset_power`` with exponent ``2^-midtones``
   (> 0 brightens the mid-tones);
4. contrast: a blend towards (``contrast`` > 0) or away from (< 0) a fixed S-curve about mid grey;
5. saturation: ``2^saturation`` times each colour's distance from its Rec.709 luma.

The output is the LUT (the same ``(B, N, N, N, 3)`` contract as ``Image2Lut``, so training, export and the server
take it as any image2lut model); :meth:`ParametricGrade.parameters_of` gives the controls themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from pix2lut.colour import (
    REC709_LUMA,
    SRGB_DECODE_THRESHOLD,
    SRGB_ENCODE_THRESHOLD,
    SRGB_GAMMA,
    SRGB_LINEAR_SLOPE,
    SRGB_OFFSET,
)
from pix2lut.lut import identity_table
from training.data.curves import GAMMA_OFFSET as MIDTONE_OFFSET  # the detunings' power curve: a finite slope at 0
from training.models.image2lut import LEAKY_SLOPE, ColourStatistics, backbone

# (name, largest value): each raw output becomes ``largest * tanh(raw)``. Ranges a little wider than the
# detunings training undoes (training.data.detune), so that a full correction sits inside, not at the edge.
PARAMETERS = (
    ("exposure", 2.0),  # stops
    ("temperature", 1.2),  # stops of red against blue; > 0 warms
    ("tint", 0.8),  # stops of magenta against green; > 0 adds magenta
    ("black", 0.1),  # encoded value that becomes black; < 0 lifts black
    ("white", 0.5),  # stops of gain on the encoded values' white point
    ("midtones", 0.8),  # stops of the power curve's exponent; > 0 brightens the mid-tones
    ("contrast", 0.9),  # blend weight of the S-curve; > 0 more contrast
    ("saturation", 1.0),  # stops of saturation
)
PARAMETER_NAMES = tuple(name for name, _ in PARAMETERS)
S_CURVE_STEEPNESS = 4.0  # slope 2.07 at mid grey, 0.14 at the ends: contrast -0.9 keeps the curve increasing
HEAD_INIT_STD = 1e-3  # the untrained model returns nearly the identity


def correction(rgb: torch.Tensor, parameters: torch.Tensor) -> torch.Tensor:
    """``rgb`` ``(B, P, 3)`` encoded sRGB, ``parameters`` ``(B, len(PARAMETERS))`` -> ``(B, P, 3)`` in [0, 1]."""
    exposure, temperature, tint, black, white, midtones, contrast, saturation = (
        parameters[:, index, None, None] for index in range(len(PARAMETERS)))  # each (B, 1, 1)
    # 1. gains in linear light: red and blue against each other (temperature), green against both (tint)
    stops = torch.cat([exposure + temperature / 2 + tint / 3, exposure - 2 * tint / 3,
                       exposure - temperature / 2 + tint / 3], dim=2)  # (B, 1, 3)
    out = encode_srgb(decode_srgb(rgb.clamp(0.0, 1.0)) * exp2(stops))
    # 2. levels
    out = ((out - black) / (exp2(-white) - black)).clamp(0.0, 1.0)
    # 3. mid-tones: offset power curve, fixes 0 and 1
    exponent = exp2(-midtones)
    floor = MIDTONE_OFFSET**exponent
    out = ((out + MIDTONE_OFFSET) ** exponent - floor) / ((1.0 + MIDTONE_OFFSET) ** exponent - floor)
    # 4. contrast: towards or away from an S-curve through 0, mid grey and 1
    s_curve = 0.5 + 0.5 * torch.tanh(S_CURVE_STEEPNESS * (out - 0.5)) / math.tanh(S_CURVE_STEEPNESS / 2)
    out = out + contrast * (s_curve - out)
    # 5. saturation about Rec.709 luma
    luma = (out * out.new_tensor(REC709_LUMA)).sum(dim=2, keepdim=True)
    return (luma + exp2(saturation) * (out - luma)).clamp(0.0, 1.0)


def exp2(x: torch.Tensor) -> torch.Tensor:
    """2^x, as Exp (ONNX opset 17 has no Exp2, and the TorchScript exporter cannot write aten::exp2)."""
    return torch.exp(x * math.log(2.0))


def decode_srgb(encoded: torch.Tensor) -> torch.Tensor:
    """sRGB to linear light for values >= 0 (IEC 61966-2-1, 5.2), differentiable."""
    power = ((encoded.clamp(min=SRGB_DECODE_THRESHOLD) + SRGB_OFFSET) / (1 + SRGB_OFFSET)) ** SRGB_GAMMA
    return torch.where(encoded <= SRGB_DECODE_THRESHOLD, encoded / SRGB_LINEAR_SLOPE, power)


def encode_srgb(linear: torch.Tensor) -> torch.Tensor:
    """Linear light to sRGB for values >= 0 (IEC 61966-2-1, 5.3), differentiable."""
    power = (1 + SRGB_OFFSET) * linear.clamp(min=SRGB_ENCODE_THRESHOLD) ** (1 / SRGB_GAMMA) - SRGB_OFFSET
    return torch.where(linear <= SRGB_ENCODE_THRESHOLD, linear * SRGB_LINEAR_SLOPE, power)


class ParametricGrade(nn.Module):
    """Thumbnail ``(B, 3, S, S)`` in [0, 1] -> the LUT of its predicted correction, ``(B, N, N, N, 3)`` ``[r, g, b]``.

    Parameters
    ----------
    lut_size
        N, nodes per axis of the LUT the correction is baked into.
    backbone_widths
        Channels of each 3x3 stride-2 block (:func:`training.models.image2lut.backbone`).
    input_size
        The thumbnail side the model is fed (the colour statistics need it).
    head_hidden
        Width of the MLP head's hidden layer.
    dropout
        Dropout on the pooled features.
    """

    def __init__(self, lut_size: int, backbone_widths: Sequence[int], input_size: int, head_hidden: int,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.lut_size = lut_size
        self.backbone = backbone(backbone_widths)
        self.statistics = ColourStatistics(input_size)
        self.dropout = nn.Dropout(dropout)
        features = backbone_widths[-1] + self.statistics.features
        self.hidden = nn.Sequential(nn.Linear(features, head_hidden), nn.LeakyReLU(LEAKY_SLOPE))
        self.head = nn.Linear(head_hidden, len(PARAMETERS))
        nn.init.normal_(self.head.weight, 0.0, HEAD_INIT_STD)
        nn.init.zeros_(self.head.bias)
        self.register_buffer("largest", torch.tensor([largest for _, largest in PARAMETERS]), persistent=False)
        lattice = torch.from_numpy(identity_table(lut_size)).float()  # (N, N, N, 3), [r, g, b] as pix2lut.lut
        self.register_buffer("lattice", lattice.reshape(1, -1, 3), persistent=False)  # (1, N^3, 3)

    def parameters_of(self, image: torch.Tensor) -> torch.Tensor:
        """The predicted controls, ``(B, len(PARAMETERS))`` in the units of ``PARAMETERS``."""
        pooled = self.backbone(image).mean(dim=(2, 3))  # (B, C)
        features = torch.cat([pooled, self.statistics(image)], dim=1)
        return self.largest * torch.tanh(self.head(self.hidden(self.dropout(features))))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        parameters = self.parameters_of(image)
        lattice = self.lattice.expand(image.shape[0], -1, -1)  # (B, N^3, 3)
        size = self.lut_size
        return correction(lattice, parameters).reshape(-1, size, size, size, 3)
