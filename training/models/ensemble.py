"""Several trained networks as one: the mean of their outputs.

Why: on a training set as small as the real pairs, two seeds of one configuration land up to a dB apart on
held-out pairs; the mean of their LUTs is better than either on average and no longer a coin toss. Applying a
3D LUT is linear in its table, so the mean of the members' LUTs grades a frame exactly as the mean of their
graded frames would; a mean of monotone LUTs stays monotone. The ensemble exports as one ONNX graph with the
members' input and output, so the server runs it as any other model.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class MeanOfModels(nn.Module):
    def __init__(self, members: Sequence[nn.Module]) -> None:
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = nn.ModuleList(members)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.stack([member(image) for member in self.members]).mean(dim=0)
