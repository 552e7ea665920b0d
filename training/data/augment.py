"""Spatial augmentation of aligned images: a random square crop at a random scale, and a horizontal flip.

Colour is never augmented: it is the label. Every function takes the images of one pair together and moves
them alike, and draws its randomness from the ``np.random.Generator`` it is given, so a seed fixes the result.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from training.errors import DataError

MIN_SCALE = 0.5  # the smallest crop side, as a fraction of the image's shorter side
FLIP_PROBABILITY = 0.5


def random_crop(
    images: Sequence[np.ndarray], rng: np.random.Generator, size: int, min_scale: float = MIN_SCALE
) -> list[np.ndarray]:
    """One random square crop of ``images`` (all ``(H, W, C)`` of one size), resized to ``size`` x ``size``.

    The crop side is ``scale * min(H, W)`` with ``scale`` uniform in ``[min_scale, 1]``; its place is uniform.
    """
    height, width = _common_shape(images)
    _check_size(size)
    if not 0.0 < min_scale <= 1.0:
        raise DataError(f"min_scale must be in (0, 1], found {min_scale}")
    side = max(1, round(rng.uniform(min_scale, 1.0) * min(height, width)))
    top = int(rng.integers(0, height - side + 1))
    left = int(rng.integers(0, width - side + 1))
    return [resize_square(image[top : top + side, left : left + side], size) for image in images]


def center_crop(images: Sequence[np.ndarray], size: int) -> list[np.ndarray]:
    """The largest centred square of ``images``, resized to ``size`` x ``size``."""
    height, width = _common_shape(images)
    _check_size(size)
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return [resize_square(image[top : top + side, left : left + side], size) for image in images]


def random_flip(images: Sequence[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """All of ``images`` mirrored left to right, or none, with probability ``FLIP_PROBABILITY``."""
    if rng.random() < FLIP_PROBABILITY:
        return [np.ascontiguousarray(image[:, ::-1]) for image in images]
    return list(images)


def resize_square(image: np.ndarray, size: int) -> np.ndarray:
    """``image`` resized to ``size`` x ``size``: area averaging to shrink, bilinear to enlarge (no overshoot)."""
    if image.shape[0] == image.shape[1] == size:
        return np.ascontiguousarray(image)
    shrinking = image.shape[0] > size
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(image), (size, size), interpolation=interpolation)


def _common_shape(images: Sequence[np.ndarray]) -> tuple[int, int]:
    if not images:
        raise DataError("no images to augment")
    shapes = {image.shape[:2] for image in images}
    if len(shapes) != 1:
        raise DataError(f"images of one pair must share height and width, found {sorted(shapes)}")
    return shapes.pop()


def _check_size(size: int) -> None:
    if size < 1:
        raise DataError(f"crop size must be at least 1 pixel, found {size}")
