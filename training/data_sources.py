"""The pairs a training run learns from and validates on, as its configuration names them.

Photos and looks are split once, deterministically, by :mod:`training.data.holdout`: whole look families and
collections, a whole photo collection and one photo in ten of the rest are kept out of training, for validation
here and for the held-out evaluation of the shipped models (``bench.quality``). Real pairs are split into
``REAL_HOLD_OUT_EVERY`` folds; when given, they are mixed in at ``data.real_fraction``, a fresh random crop each
time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from training.config import REAL_HOLD_OUT_EVERY, SHARED_DATA, DataConfig, TrainConfig
from training.data.augment import random_crop, random_flip
from training.data.holdout import split_looks, split_photos
from training.data.looks import list_looks, read_looks
from training.data.pairs import Pair, PairSequence, RealPairs, SynthesisOptions, SyntheticPairs
from training.data.photos import list_photos
from training.data.retouch import unretouch_luts
from training.errors import DataError

VALIDATION_SEED_OFFSET = 1_000_003  # validation pairs are drawn from another stream than training pairs


def split(items: Sequence, every: int, fold: int = 0) -> tuple[list, list]:
    """(training, held out): every ``every``-th item, counting from item ``fold``, is held out (the real pairs'
    folds)."""
    if not 0 <= fold < every:
        raise ValueError(f"fold must be 0 to {every - 1}, found {fold}")
    held_out = [item for index, item in enumerate(items) if index % every == fold]
    training = [item for index, item in enumerate(items) if index % every != fold]
    return training, held_out


def training_looks(config: TrainConfig) -> list:
    """The ``.cube`` looks a run may train on (none for grade): those of ``data.looks`` and ``data.extra_looks``
    whose family and collection are not held out."""
    return read_looks(split_look_folders(_look_folders(config))[0])


def held_out_looks(config: TrainConfig) -> list:
    """The ``.cube`` looks no run trains on (none for grade): whole families and collections."""
    return read_looks(split_look_folders(_look_folders(config))[1])


def split_look_folders(folders: Sequence[str | Path]) -> tuple[list[Path], list[Path]]:
    """(training, held out) ``.cube`` files of ``folders`` together, as every run splits them."""
    return split_looks([path for folder in folders if folder for path in list_looks(folder)])


def training_photos(config: TrainConfig) -> list[Path]:
    return split_photos(list_photos(config.data.photos))[0]


def held_out_photos(config: TrainConfig) -> list[Path]:
    return split_photos(list_photos(config.data.photos))[1]


def training_pairs(config: TrainConfig) -> Sequence[Pair]:
    photos = training_photos(config)
    looks = training_looks(config)
    real = training_real_pairs(config)
    degradations = unretouch_luts(real) if config.data.degradation_share and config.data.task == "grade" else []
    if config.data.degradation_share and not degradations:
        raise DataError("data.degradation_share needs data.real_pairs and task grade: the degradations are the "
                        "inverses of the real pairs' retouches")
    synthetic = _synthetic(config, photos, looks, config.run.seed, config.data.samples_per_epoch, training=True,
                           degradations=degradations)
    if not real or config.data.real_fraction <= 0:
        return synthetic
    return MixedPairs(synthetic, real, image_size(config), config.data.real_fraction, config.run.seed)


def training_real_pairs(config: TrainConfig) -> list[Pair]:
    """The real pairs a run may learn from (none without ``data.real_pairs``): all but its held-out ones."""
    if not config.data.real_pairs:
        return []
    return split(RealPairs(config.data.real_pairs), REAL_HOLD_OUT_EVERY, config.data.real_fold)[0]


def held_out_real_pairs(folder: str | Path, fold: int = 0) -> list[Pair]:
    """The real pairs a run of ``data.real_fold`` = ``fold`` never sees (one in ``REAL_HOLD_OUT_EVERY``)."""
    return split(RealPairs(folder), REAL_HOLD_OUT_EVERY, fold)[1]


def validation_pairs(config: TrainConfig) -> Sequence[Pair]:
    return _synthetic(config, held_out_photos(config), held_out_looks(config),
                      config.run.seed + VALIDATION_SEED_OFFSET, config.data.validation_samples)


class MixedPairs(PairSequence):
    """``synthetic`` with a share ``real_fraction`` of its indices answered by a real pair instead.

    Each such index draws a real pair, a random square crop of it (resized to ``size``, random scale) and a random
    flip, so a dozen real pairs give a fresh view every time rather than the same dozen crops. Real pairs are read
    once and kept.
    """

    def __init__(self, synthetic: Sequence[Pair], real: Sequence[Pair], size: int, real_fraction: float,
                 seed: int) -> None:
        if not 0.0 <= real_fraction <= 1.0:
            raise DataError(f"data.real_fraction must be in [0, 1], found {real_fraction}")
        self.synthetic, self.real, self.size = synthetic, real, size
        self.real_fraction, self.seed = real_fraction, seed
        self._read: dict[int, Pair] = {}

    def __len__(self) -> int:
        return len(self.synthetic)

    def _pair(self, index: int) -> Pair:
        rng = np.random.default_rng((self.seed, index, 1))
        if rng.random() >= self.real_fraction:
            return self.synthetic[index]
        chosen = int(rng.integers(len(self.real)))
        if chosen not in self._read:
            self._read[chosen] = self.real[chosen]
        pair = self._read[chosen]
        source, target = random_flip(random_crop([pair.source, pair.target], rng, self.size), rng)
        return Pair(source, target, None, f"{pair.name}-{index}")


def _synthetic(config: TrainConfig, photos: list[Path], looks: list, seed: int, length: int, training: bool = False,
               degradations: Sequence = ()) -> SyntheticPairs:
    """Pairs of ``photos``: with ``training``, as ``config.data`` asks; validation keeps the defaults (full strength,
    never the identity, half the looks parametric, no degradations), so its figures stay comparable whatever the
    training options."""
    if not photos:
        raise DataError(f"{config.data.photos}: no photos to train on")
    options = synthesis_options(config.data) if training else SynthesisOptions()
    return SyntheticPairs(photos, config.data.task, looks, seed=seed, length=length, size=image_size(config),
                          lut_size=config.model.lut_size, degradations=degradations, options=options)


def synthesis_options(data: DataConfig) -> SynthesisOptions:
    """What ``data`` asks of the training pairs; a ``min_strength`` of 1 draws no strength (always full)."""
    return SynthesisOptions(
        identity_fraction=data.identity_fraction,
        min_strength=None if data.min_strength == 1.0 else data.min_strength,
        cube_look_share=data.cube_look_share,
        degradation_share=data.degradation_share,
        degradation_mix=data.degradation_mix,
    )


def image_size(config: TrainConfig) -> int:
    """image2image models see whole frames at their input size, as the server feeds them; image2lut models
    predict from a thumbnail and their LUT is applied to the full training crop."""
    return config.model.input_size if config.model.kind == "image2image" else config.data.crop


def _look_folders(config: TrainConfig) -> tuple[str, ...]:
    """``data.looks`` and ``data.extra_looks``; none for grade, which trains on no looks."""
    return () if config.data.task == "grade" else (config.data.looks, config.data.extra_looks)


def shared_photo_split() -> tuple[list[Path], list[Path]]:
    """(training, held out) photos of ``../shared/data/photos``, as every run splits them."""
    return split_photos(list_photos(SHARED_DATA / "photos"))
