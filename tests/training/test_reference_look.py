"""A reference-look model predicts its LUT from the looked photo and applies it to the neutral one."""

from __future__ import annotations

import numpy as np
import torch

from training.config import TrainConfig
from training.data.pairs import Pair
from training.data.torch_dataset import PairDataset
from training.models.config import ModelConfig, build_model
from training.models.image2lut import apply_lut_torch
from training.train import _predict

SIZE = 32


def config() -> TrainConfig:
    return TrainConfig(model=ModelConfig(kind="image2lut", input_size=SIZE, lut_size=17,
                                         backbone_widths=(4, 4, 8, 8, 8)))


def test_the_lut_comes_from_the_seen_image_and_is_applied_to_the_source() -> None:
    torch.manual_seed(0)
    generator = build_model(config().model).eval()
    source, seen, other_seen = torch.rand(3, 1, 3, SIZE, SIZE).unbind(0)
    with torch.no_grad():
        prediction, lut = _predict(config(), generator, source, seen)
        _, other_lut = _predict(config(), generator, source, other_seen)
        _, lut_of_seen = _predict(config(), generator, seen, seen)
    torch.testing.assert_close(prediction, apply_lut_torch(source, lut))
    torch.testing.assert_close(lut, lut_of_seen)  # what the model sees decides the LUT, not what it is applied to
    assert not torch.allclose(lut, other_lut)


def test_the_dataset_crops_and_flips_the_seen_image_with_the_source() -> None:
    source = np.random.default_rng(0).random((48, 64, 3), dtype=np.float32)
    seen = 1.0 - source  # resizing and flipping are linear: the seen crop must stay 1 - the source crop
    pair = Pair(source, source, None, "p", condition=seen)
    for augment in (True, False):
        dataset = PairDataset([pair], size=SIZE, lut_size=None, seed=1, augment=augment)
        for epoch in range(4):
            dataset.set_epoch(epoch)
            sample = dataset[0]
            torch.testing.assert_close(sample["seen"], 1.0 - sample["source"], atol=1e-5, rtol=0)
