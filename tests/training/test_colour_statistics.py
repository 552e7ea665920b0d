"""The colour statistics the image-adaptive LUT's head can see: a joint RGB histogram and per-channel CDFs."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from training.models.image2lut import (
    CDF_LEVELS,
    HISTOGRAM_BINS,
    ColourStatistics,
    histogram_by_comparison,
    histogram_by_counting,
)

SIZE = 128
BINS = HISTOGRAM_BINS**3


def constant(rgb: tuple[float, float, float]) -> torch.Tensor:
    return torch.tensor(rgb).view(1, 3, 1, 1).expand(1, 3, SIZE, SIZE).clone()


@pytest.mark.parametrize("rgb", [(0.0, 0.0, 0.0), (1.0, 1.0, 1.0), (0.3, 0.6, 0.9), (0.99, 0.01, 0.5)])
def test_a_flat_colour_fills_exactly_its_bin(rgb: tuple[float, float, float]) -> None:
    features = ColourStatistics(SIZE)(constant(rgb))[0]
    histogram = features[:BINS]
    index = [min(int(value * HISTOGRAM_BINS), HISTOGRAM_BINS - 1) for value in rgb]
    expected_bin = (index[0] * HISTOGRAM_BINS + index[1]) * HISTOGRAM_BINS + index[2]  # red slowest
    assert histogram[expected_bin] == 1.0 and histogram.sum() == 1.0
    cdfs = features[BINS:].view(3, CDF_LEVELS - 1)
    levels = torch.arange(1, CDF_LEVELS) / CDF_LEVELS
    for channel, value in enumerate(rgb):
        assert torch.equal(cdfs[channel], (value <= levels).float())


def test_histogram_is_a_distribution_and_cdfs_rise() -> None:
    images = torch.rand(4, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(0))
    statistics = ColourStatistics(SIZE)
    features = statistics(images)
    assert features.shape == (4, statistics.features)
    torch.testing.assert_close(features[:, :BINS].pow(2).sum(dim=1), torch.ones(4))
    cdfs = features[:, BINS:].view(4, 3, CDF_LEVELS - 1)
    assert torch.all(cdfs.diff(dim=-1) >= 0)


def test_a_look_changes_the_statistics() -> None:
    images = torch.rand(1, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    warmer = (images * torch.tensor([1.2, 1.0, 0.8]).view(1, 3, 1, 1)).clamp(0, 1)
    statistics = ColourStatistics(SIZE)
    assert (statistics(images) - statistics(warmer)).abs().sum() > 1.0


def test_training_counts_the_histogram_exactly_as_the_exported_comparisons() -> None:
    flat = torch.randint(0, BINS, (6, 4096), generator=torch.Generator().manual_seed(2)).float()
    flat[0], flat[1], flat[2, :3000] = 0, BINS - 1, 7  # every pixel in the first bin, in the last, most in one
    assert torch.equal(histogram_by_counting(flat, HISTOGRAM_BINS), histogram_by_comparison(flat, HISTOGRAM_BINS))


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning", "ignore::FutureWarning")
def test_exported_statistics_use_plain_comparisons_and_match_torch(tmp_path) -> None:
    statistics = ColourStatistics(SIZE)
    example = torch.rand(1, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(3))
    path = tmp_path / "statistics.onnx"
    torch.onnx.export(statistics, (example,), str(path), input_names=["image"], opset_version=17, dynamo=False)
    operators = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert "Equal" in operators and not operators & {"ScatterElements", "ScatterND"}
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    unseen = torch.rand(1, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(4))
    exported = session.run(None, {"image": unseen.numpy()})[0]
    # onnxruntime's ReduceMean may round its last bit differently from a division: one float32 ulp at most
    np.testing.assert_allclose(exported, statistics(unseen).numpy(), rtol=2e-7, atol=0)
