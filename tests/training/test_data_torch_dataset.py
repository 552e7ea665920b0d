"""Tests for training.data.torch_dataset: tensor shapes and types, LUTs resampled or zero with has_lut, samples
fixed by (seed, epoch, index) whichever worker makes them, and batches of mixed pairs that collate."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from pix2lut.lut import Lut3D, identity_table
from pix2lut.ops import resample
from training.data.pairs import Pair
from training.data.torch_dataset import PairDataset, worker_init_fn

SIZE = 16
LUT_SIZE = 9


def ramp(height: int = 24, width: int = 32) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.stack([x / width, y / height, np.full_like(x, 0.5)], axis=-1)


def pairs() -> list[Pair]:
    """Two pairs with a LUT (one of another size), one without."""
    warm = Lut3D(np.clip(identity_table(5) * np.array([1.0, 0.9, 0.8], np.float32), 0, 1))
    source = ramp()
    return [
        Pair(source, np.clip(source * [1.0, 0.9, 0.8], 0, 1).astype(np.float32), warm, "warm"),
        Pair(source, source.copy(), Lut3D.identity(LUT_SIZE), "identity"),
        Pair(source, 1.0 - source, None, "unknown"),
    ]


def test_samples_have_the_documented_shapes_and_types() -> None:
    sample = PairDataset(pairs(), SIZE, LUT_SIZE)[0]
    assert set(sample) == {"source", "target", "seen", "lut", "has_lut"}
    assert sample["source"].shape == sample["target"].shape == sample["seen"].shape == (3, SIZE, SIZE)
    assert sample["source"].dtype == sample["target"].dtype == sample["seen"].dtype == torch.float32
    torch.testing.assert_close(sample["seen"], sample["source"])  # a pair without a condition: the model sees its source
    assert sample["lut"].shape == (LUT_SIZE, LUT_SIZE, LUT_SIZE, 3) and sample["lut"].dtype == torch.float32
    assert sample["has_lut"].dtype == torch.bool and bool(sample["has_lut"])


def test_luts_are_resampled_to_lut_size_or_zero_when_unknown() -> None:
    dataset = PairDataset(pairs(), SIZE, LUT_SIZE)
    np.testing.assert_allclose(dataset[0]["lut"].numpy(), resample(pairs()[0].lut, LUT_SIZE).table, atol=1e-6)
    np.testing.assert_array_equal(dataset[1]["lut"].numpy(), identity_table(LUT_SIZE))
    unknown = dataset[2]
    assert not bool(unknown["has_lut"]) and not unknown["lut"].any()


def test_no_lut_key_without_lut_size() -> None:
    sample = PairDataset(pairs(), SIZE, None)[0]
    assert "lut" not in sample and bool(sample["has_lut"])


def test_source_and_target_are_cropped_alike() -> None:
    for index in range(3):
        sample = PairDataset(pairs(), SIZE, LUT_SIZE, seed=index)[2]  # target = 1 - source
        torch.testing.assert_close(sample["target"], 1.0 - sample["source"], atol=1e-6, rtol=0)


def test_samples_are_fixed_by_seed_epoch_and_index() -> None:
    dataset = PairDataset(pairs(), SIZE, LUT_SIZE, seed=1)
    first = dataset[0]["source"]
    torch.testing.assert_close(dataset[0]["source"], first, atol=0, rtol=0)
    torch.testing.assert_close(PairDataset(pairs(), SIZE, LUT_SIZE, seed=1)[0]["source"], first, atol=0, rtol=0)
    others = [PairDataset(pairs(), SIZE, LUT_SIZE, seed=seed)[0]["source"] for seed in range(2, 8)]
    assert any(not torch.equal(first, other) for other in others)
    epochs = []
    for epoch in range(6):
        dataset.set_epoch(epoch)
        epochs.append(dataset[0]["source"])
    assert any(not torch.equal(epochs[0], other) for other in epochs[1:])


def test_without_augmentation_the_centre_square_is_taken() -> None:
    sample = PairDataset(pairs(), 24, LUT_SIZE, augment=False)[2]
    np.testing.assert_array_equal(sample["source"].numpy(), ramp()[:, 4:28].transpose(2, 0, 1))


@pytest.mark.parametrize("workers", [0, 2])
def test_batches_of_mixed_pairs_collate_the_same_with_any_number_of_workers(workers: int) -> None:
    dataset = PairDataset(pairs(), SIZE, LUT_SIZE, seed=4)
    loader = DataLoader(dataset, batch_size=3, num_workers=workers, worker_init_fn=worker_init_fn)
    (batch,) = list(loader)
    assert batch["source"].shape == (3, 3, SIZE, SIZE) and batch["lut"].shape == (3, LUT_SIZE, LUT_SIZE, LUT_SIZE, 3)
    assert batch["has_lut"].tolist() == [True, True, False]
    for index in range(3):
        torch.testing.assert_close(batch["source"][index], dataset[index]["source"], atol=0, rtol=0)


def test_worker_init_fn_seeds_numpy_from_the_torch_seed() -> None:
    torch.manual_seed(1234)
    worker_init_fn(0)
    drawn = np.random.random(3)
    np.random.seed(1234)
    np.testing.assert_array_equal(drawn, np.random.random(3))
