"""Tests for training.data.augment: one crop and one flip for all images of a pair, fixed by the generator."""

from __future__ import annotations

import numpy as np
import pytest

from training.data.augment import center_crop, random_crop, random_flip, resize_square
from training.errors import DataError


def ramp(height: int = 30, width: int = 50) -> np.ndarray:
    """An image whose every pixel is different: red follows x, green follows y."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.stack([x / width, y / height, np.full_like(x, 0.5)], axis=-1)


def test_random_crop_moves_all_images_alike_and_has_the_asked_size() -> None:
    source = ramp()
    target = 1.0 - source
    cropped_source, cropped_target = random_crop([source, target], np.random.default_rng(0), size=16)
    assert cropped_source.shape == cropped_target.shape == (16, 16, 3)
    np.testing.assert_allclose(cropped_target, 1.0 - cropped_source, atol=1e-6)


def test_random_crop_is_fixed_by_the_generator() -> None:
    first = random_crop([ramp()], np.random.default_rng(5), size=12)[0]
    again = random_crop([ramp()], np.random.default_rng(5), size=12)[0]
    np.testing.assert_array_equal(first, again)
    others = [random_crop([ramp()], np.random.default_rng(seed), size=12)[0] for seed in range(6, 12)]
    assert any(not np.array_equal(first, other) for other in others)


def test_random_crop_at_full_scale_without_resizing_keeps_pixels() -> None:
    image = ramp(20, 20)
    (cropped,) = random_crop([image], np.random.default_rng(0), size=20, min_scale=1.0)
    np.testing.assert_array_equal(cropped, image)


def test_random_flip_mirrors_all_images_or_none() -> None:
    images = [ramp(), ramp() * 0.5]
    flips = 0
    for seed in range(20):
        flipped = random_flip(images, np.random.default_rng(seed))
        mirrored = [np.array_equal(f, i[:, ::-1]) for f, i in zip(flipped, images, strict=True)]
        kept = [np.array_equal(f, i) for f, i in zip(flipped, images, strict=True)]
        assert all(mirrored) or all(kept)
        flips += all(mirrored)
    assert 0 < flips < 20


def test_center_crop_takes_the_middle_square() -> None:
    image = ramp(10, 30)
    (cropped,) = center_crop([image], size=10)
    np.testing.assert_array_equal(cropped, image[:, 10:20])


def test_resize_square_does_not_overshoot() -> None:
    image = np.zeros((4, 4, 3), np.float32)
    image[:, 2:] = 1.0
    for size in (2, 3, 9):
        resized = resize_square(image, size)
        assert resized.shape == (size, size, 3) and resized.min() >= 0.0 and resized.max() <= 1.0


def test_images_of_different_sizes_are_an_error() -> None:
    with pytest.raises(
        DataError, match=r"^images of one pair must share height and width, found \[\(4, 4\), \(5, 4\)\]$"
    ):
        random_crop([np.zeros((4, 4, 3)), np.zeros((5, 4, 3))], np.random.default_rng(0), size=2)
