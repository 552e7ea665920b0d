"""Colour samples for LUT and CDL fitting: (source colour, target colour, pixel count) triples.

A 1080p frame has two million pixels but only some tens of thousands of distinct colours at the precision a
33^3 LUT can express. Binning the source colours (``BIN_LEVELS`` per axis) and averaging the targets inside each
bin makes every later step work on those few thousand bins instead of the pixels, and keeps rare colours as
bins of their own (their small counts are weighted up by the fit, not lost to subsampling).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from pix2lut.errors import FitError

BIN_LEVELS = 32  # bins per axis: one per cell of a 33^3 lattice; finer bins cost time and gained nothing
MAX_PIXELS_PER_IMAGE = 1 << 17  # regular subsampling above this: a 1080p frame keeps every 4th pixel of every 4th row


@dataclass(frozen=True, eq=False)
class ColourSamples:
    """Mean source and target colour of each occupied bin, shape ``(K, 3)``, and its pixel count ``(K,)``."""

    source: np.ndarray
    target: np.ndarray
    count: np.ndarray

    def __len__(self) -> int:
        return int(self.count.shape[0])

    @property
    def pixels(self) -> int:
        """Pixels behind the samples (after subsampling)."""
        return int(self.count.sum())


def collect_samples(
    pairs: Iterable[tuple[np.ndarray, np.ndarray]], max_pixels_per_image: int = MAX_PIXELS_PER_IMAGE
) -> ColourSamples:
    """Bin the colours of aligned ``(source, target)`` image pairs (HxWx3, float in [0, 1]) into samples.

    Several pairs (the frames of one shot) pool into one set, so one LUT fits them all.
    """
    keys, sources, targets = [], [], []
    for index, (source, target) in enumerate(pairs):
        source_rgb, target_rgb = _paired_pixels(source, target, index, max_pixels_per_image)
        quantized = np.minimum((source_rgb * BIN_LEVELS).astype(np.int32), BIN_LEVELS - 1)
        keys.append((quantized[:, 0] * BIN_LEVELS + quantized[:, 1]) * BIN_LEVELS + quantized[:, 2])
        sources.append(source_rgb)
        targets.append(target_rgb)
    if not keys:
        raise FitError("No image pairs to fit: give at least one (source, target) pair")
    key = np.concatenate(keys)
    source_rgb = np.concatenate(sources)
    target_rgb = np.concatenate(targets)

    # dense counts over every possible bin (64^3 = 262144) are faster than sorting the keys
    bins = BIN_LEVELS**3
    count = np.bincount(key, minlength=bins)
    occupied = np.flatnonzero(count)
    count = count[occupied].astype(np.float64)
    mean_source = np.stack([np.bincount(key, source_rgb[:, c], bins)[occupied] for c in range(3)], axis=1)
    mean_target = np.stack([np.bincount(key, target_rgb[:, c], bins)[occupied] for c in range(3)], axis=1)
    mean_source /= count[:, None]
    mean_target /= count[:, None]
    return ColourSamples(mean_source, mean_target, count)


def samples_from_colours(source: np.ndarray, target: np.ndarray) -> ColourSamples:
    """Samples from matching colour lists ``(N, 3)``, each with a count of one (no binning)."""
    source = np.asarray(source, dtype=np.float64).reshape(-1, 3)
    target = np.asarray(target, dtype=np.float64).reshape(-1, 3)
    if source.shape != target.shape:
        raise FitError(f"source and target colours must match in shape, found {source.shape} and {target.shape}")
    _check_finite(source, "source colours")
    _check_finite(target, "target colours")
    return ColourSamples(source, target, np.ones(source.shape[0]))


def _paired_pixels(
    source: np.ndarray, target: np.ndarray, index: int, max_pixels: int
) -> tuple[np.ndarray, np.ndarray]:
    """Flat, regularly subsampled float32 pixels of one pair, validated."""
    source = np.asarray(source)
    target = np.asarray(target)
    if source.ndim != 3 or source.shape[2] != 3:
        raise FitError(f"pair {index}: source must be an HxWx3 image, found shape {source.shape}")
    if source.shape != target.shape:
        raise FitError(
            f"pair {index}: source and target must be aligned images of one size, found {source.shape[:2]} and "
            f"{target.shape[:2]}"
        )
    step = max(1, int(np.ceil(np.sqrt(source.shape[0] * source.shape[1] / max_pixels))))
    source_rgb = np.ascontiguousarray(source[::step, ::step], dtype=np.float32).reshape(-1, 3)
    target_rgb = np.ascontiguousarray(target[::step, ::step], dtype=np.float32).reshape(-1, 3)
    _check_finite(source_rgb, f"pair {index}: source")
    _check_finite(target_rgb, f"pair {index}: target")
    return np.clip(source_rgb, 0.0, 1.0), np.clip(target_rgb, 0.0, 1.0)


def _check_finite(values: np.ndarray, what: str) -> None:
    if not np.all(np.isfinite(values)):
        raise FitError(f"{what} hold NaN or infinite values")
