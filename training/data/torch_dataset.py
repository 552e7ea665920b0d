"""The torch ``Dataset`` over any sequence of pairs, and the seeding of ``DataLoader`` workers.

Randomness: sample ``index`` of epoch ``epoch`` is cropped and flipped with ``np.random.default_rng([seed, epoch,
index])``, so what a sample looks like depends neither on the worker that makes it nor on the order of requests.
Call :meth:`PairDataset.set_epoch` before each epoch for fresh crops (as with ``DistributedSampler.set_epoch``;
with ``persistent_workers`` the workers keep the epoch they were started with). :func:`worker_init_fn` also seeds
numpy's and Python's global generators per worker, for any code that draws from them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from pix2lut.lut import Lut3D
from pix2lut.ops import resample
from training.data.augment import MIN_SCALE, center_crop, random_crop, random_flip
from training.data.pairs import Pair
from training.errors import DataError

NUMPY_SEED_MODULUS = 2**32  # np.random.seed takes seeds below 2^32; torch's per-worker seeds are 64-bit


class PairDataset(Dataset):
    """Pairs as tensors: ``{"source", "target", "seen": (3, S, S), "lut": (N, N, N, 3), "has_lut": ()}``.

    ``source``, ``target`` and ``seen`` (the image the model predicts from: ``Pair.seen``) are float32 in [0, 1],
    cropped alike: a random square at a random scale and a random horizontal flip when ``augment``, else the
    centred square, resized to ``size``. ``lut`` is present when
    ``lut_size`` is given: the pair's LUT resampled to ``lut_size``, indexed ``[r, g, b]`` as ``Lut3D.table``,
    or zeros where the pair has none; ``has_lut`` (a bool tensor) says which, so batches of mixed pairs collate.
    """

    def __init__(
        self,
        pairs: Sequence[Pair],
        size: int,
        lut_size: int | None,
        *,
        seed: int = 0,
        augment: bool = True,
        min_scale: float = MIN_SCALE,
    ) -> None:
        if size < 1:
            raise DataError(f"PairDataset size must be at least 1 pixel, found {size}")
        if seed < 0:
            raise DataError(f"PairDataset seed must be >= 0, found {seed}")
        self.pairs = pairs
        self.size = size
        self.lut_size = lut_size
        self.seed = seed
        self.augment = augment
        self.min_scale = min_scale
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Crops of a new epoch: sample ``index`` then uses the generator seeded ``[seed, epoch, index]``."""
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        pair = self.pairs[index]
        images = [pair.source, pair.target, pair.seen]
        if self.augment:
            rng = np.random.default_rng([self.seed, self.epoch, index])
            source, target, seen = random_flip(random_crop(images, rng, self.size, self.min_scale), rng)
        else:
            source, target, seen = center_crop(images, self.size)
        sample = {"source": _chw(source), "target": _chw(target), "seen": _chw(seen),
                  "has_lut": torch.tensor(pair.lut is not None)}
        if self.lut_size is not None:
            sample["lut"] = torch.from_numpy(self._lut_table(pair.lut))  # (N, N, N, 3), [r, g, b]
        return sample

    def _lut_table(self, lut: Lut3D | None) -> np.ndarray:
        if lut is None:
            return np.zeros((self.lut_size,) * 3 + (3,), dtype=np.float32)
        if lut.size != self.lut_size or not lut.is_unit_domain:
            lut = resample(lut, self.lut_size)
        return np.ascontiguousarray(lut.table, dtype=np.float32)


def worker_init_fn(worker_id: int) -> None:
    """Seed numpy's and Python's global generators from the worker's torch seed (base seed + ``worker_id``).

    The base seed comes from the ``DataLoader``'s ``generator``: give it one seeded explicitly.
    """
    seed = torch.initial_seed() % NUMPY_SEED_MODULUS  # inside a worker, torch has set base_seed + worker_id
    np.random.seed(seed)
    random.seed(seed)


def _chw(image: np.ndarray) -> torch.Tensor:
    """``(H, W, 3)`` float array to a float32 ``(3, H, W)`` tensor."""
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1), dtype=np.float32))
