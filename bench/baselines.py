"""What a model must beat to be worth shipping, run beside it: a classical auto correction and one fixed LUT.

- ``grey_world_levels``: the textbook automatic correction (Buchsbaum's grey world in linear light, then a levels
  stretch of luma between its 0.5th and 99.5th percentiles), what a camera or an editor's "auto" button does;
- ``best_fixed_lut``: one LUT for every shot, fitted on training examples only, its strength (blend with the
  identity) chosen on those same training examples: the average correction, which an adaptive model must beat
  to be worth its adaptivity.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import numpy as np

from pix2lut.apply import apply_lut
from pix2lut.colour import linear_to_srgb, luma, srgb_to_linear
from pix2lut.fit import FitConfig, fit_lut
from pix2lut.lut import Lut3D
from pix2lut.ops import with_strength
from pix2lut.samples import collect_samples
from training.metrics import psnr

LEVELS_PERCENTILES = (0.5, 99.5)  # where the levels stretch puts black and white
MAX_GREY_WORLD_GAIN = 2.0  # one channel at most twice (or half) the others: a grey world on a red wall stays sane
STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)  # the fixed LUT's strengths tried on the training examples
FIXED_LUT_SIZE = 33


def grey_world_levels(image: np.ndarray) -> np.ndarray:
    """``image`` (encoded sRGB, ``(H, W, 3)`` in [0, 1]) white-balanced by grey world and stretched by levels."""
    linear = srgb_to_linear(image)
    means = linear.reshape(-1, 3).mean(axis=0)
    gains = np.clip(means.mean() / np.maximum(means, 1e-6), 1 / MAX_GREY_WORLD_GAIN, MAX_GREY_WORLD_GAIN)
    balanced = np.clip(linear_to_srgb(linear * gains), 0.0, 1.0)
    low, high = np.percentile(luma(balanced), LEVELS_PERCENTILES)
    if high - low < 1e-3:  # a flat frame: nothing to stretch
        return balanced.astype(np.float32)
    return np.clip((balanced - low) / (high - low), 0.0, 1.0).astype(np.float32)


def best_fixed_lut(examples: Sequence[tuple[np.ndarray, np.ndarray]]) -> Lut3D:
    """One LUT fitted on all (input, wanted) ``examples``, at the strength that serves them best on average."""
    lut = fit_lut(collect_samples(list(examples)), FitConfig(size=FIXED_LUT_SIZE))
    scores = {strength: statistics.fmean(psnr(apply_lut(source, with_strength(lut, strength)), target)
                                         for source, target in examples) for strength in STRENGTHS}
    return with_strength(lut, max(scores, key=scores.get))
