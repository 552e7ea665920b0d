"""Real degradations: the inverse of a real pair's retouch, fitted as a LUT, and grade pairs made with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.imageio import write_image
from pix2lut.lut import Lut3D, identity_table
from tests.training.pair_checks import assert_random_convex_blends, gains
from training.basis import library_luts
from training.config import load_config
from training.data.pairs import Pair, SynthesisOptions, SyntheticPairs
from training.data.photos import list_photos
from training.data.retouch import retouch_luts, unretouch_luts
from training.data_sources import training_pairs
from training.errors import ConfigError, DataError

SIZE = 24


def smooth_photo(seed: int, height: int = 60, width: int = 80) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    waves = [0.5 + 0.4 * np.sin(rng.uniform(2, 9) * x + rng.uniform(2, 9) * y + rng.uniform(0, 6)) for _ in range(3)]
    return np.stack(waves, axis=-1).astype(np.float32)


def retouch(image: np.ndarray) -> np.ndarray:
    """A stand-in retoucher: brighter, warmer."""
    return np.clip(image ** np.float32(0.8) * np.array([1.05, 1.0, 0.92], np.float32), 0, 1).astype(np.float32)


def test_the_fitted_lut_takes_the_retouch_back_to_the_input() -> None:
    photo = smooth_photo(0)
    (undo,) = unretouch_luts([Pair(photo, retouch(photo), None, "p")])
    assert np.abs(apply_lut(retouch(photo), undo) - photo).mean() < 0.005
    other = smooth_photo(1)  # and on another photo of the same kind: it is the retouch it learned, not the pixels
    assert np.abs(apply_lut(retouch(other), undo) - other).mean() < 0.01


def test_the_retouch_lut_takes_the_input_to_the_retouch() -> None:
    photo = smooth_photo(0)
    (grade,) = retouch_luts([Pair(photo, retouch(photo), None, "p")], size=17)
    assert grade.size == 17
    assert np.abs(apply_lut(photo, grade) - retouch(photo)).mean() < 0.005
    other = smooth_photo(1)
    assert np.abs(apply_lut(other, grade) - retouch(other)).mean() < 0.01


def test_degraded_grade_pairs_come_at_their_share_with_the_photo_as_target(tmp_path: Path) -> None:
    write_image(tmp_path / "a.png", smooth_photo(2))
    darken = Lut3D(identity_table(17) * 0.6)
    pairs = SyntheticPairs(list_photos(tmp_path), "grade", seed=1, length=200, size=SIZE, degradations=[darken],
                           options=SynthesisOptions(degradation_share=0.5, min_strength=0.0))
    degraded = [pair for pair in pairs if pair.name.endswith("-degraded")]
    assert 0.4 < len(degraded) / len(pairs) < 0.6
    for pair in degraded:
        assert pair.lut is None
        np.testing.assert_allclose(pair.source, pair.target * 0.6, atol=1e-5)  # whole, whatever strength drawn


def test_a_degradation_share_without_degradations_is_refused(tmp_path: Path) -> None:
    write_image(tmp_path / "a.png", smooth_photo(3))
    with pytest.raises(DataError, match="needs degradations"):
        SyntheticPairs(list_photos(tmp_path), "grade", options=SynthesisOptions(degradation_share=0.3))


def test_mixed_degradations_blend_real_ones_at_random_convex_weights(tmp_path: Path) -> None:
    write_image(tmp_path / "a.png", smooth_photo(4))
    darken, dim = Lut3D(identity_table(17) * 0.5), Lut3D(identity_table(17) * 0.9)
    pairs = SyntheticPairs(list_photos(tmp_path), "grade", seed=2, length=60, size=SIZE, degradations=[darken, dim],
                           options=SynthesisOptions(degradation_share=1.0, degradation_mix=2))
    assert_random_convex_blends(gains((pair.target, pair.source) for pair in pairs), 0.5, 0.9)


@pytest.mark.parametrize("mix", [1, 2])
def test_degraded_pairs_blend_mix_different_degradations_and_use_them_all(tmp_path: Path, mix: int) -> None:
    write_image(tmp_path / "a.png", smooth_photo(6))
    degradations = [Lut3D(identity_table(17) * np.where(np.arange(3) == channel, 0.5, 1.0).astype(np.float32))
                    for channel in range(3)]  # degradation i darkens channel i alone
    pairs = SyntheticPairs(list_photos(tmp_path), "grade", seed=3, length=30, size=SIZE, degradations=degradations,
                           options=SynthesisOptions(degradation_share=1.0, degradation_mix=mix))
    seen = set()
    for pair in pairs:
        darkened = np.median(pair.source / np.maximum(pair.target, 1e-3), axis=(0, 1)) < 0.9999  # others exactly 1
        assert darkened.sum() == mix  # made from mix different ones
        seen.update(np.flatnonzero(darkened).tolist())
    assert seen == {0, 1, 2}


def test_a_mix_of_more_degradations_than_there_are_is_refused(tmp_path: Path) -> None:
    write_image(tmp_path / "a.png", smooth_photo(5))
    with pytest.raises(DataError, match="degradation_mix"):
        SyntheticPairs(list_photos(tmp_path), "grade", degradations=[Lut3D(identity_table(17))],
                       options=SynthesisOptions(degradation_share=0.5, degradation_mix=2))


def write_pairs(folder: Path, count: int) -> None:
    (folder / "input").mkdir(parents=True)
    (folder / "target").mkdir()
    for index in range(count):
        photo = smooth_photo(10 + index)
        # held-out pairs (every fourth, from the first) get an absurd retouch no training degradation may copy
        target = 1.0 - photo if index % 4 == 0 else retouch(photo)
        write_image(folder / "input" / f"p{index}.png", photo)
        write_image(folder / "target" / f"p{index}.png", target)


def test_degradations_come_from_the_training_pairs_only(tmp_path: Path) -> None:
    write_pairs(tmp_path / "pairs", 8)
    (tmp_path / "photos").mkdir()
    for index in range(3):
        write_image(tmp_path / "photos" / f"{index}.png", smooth_photo(20 + index))
    config = load_config(None, [f"data.photos={tmp_path / 'photos'}", f"data.real_pairs={tmp_path / 'pairs'}",
                                "data.degradation_share=1.0", f"data.crop={SIZE}", "data.samples_per_epoch=40"])
    degraded = [pair for pair in training_pairs(config) if pair.name.endswith("-degraded")]
    assert len(degraded) == 40
    for pair in degraded:  # an un-retouch of "brighter, warmer" darkens; an inversion's undo would invert
        assert np.corrcoef(pair.source.ravel(), pair.target.ravel())[0, 1] > 0.9


def test_degradations_need_real_pairs(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    write_image(tmp_path / "photos" / "a.png", smooth_photo(4))
    config = load_config(None, [f"data.photos={tmp_path / 'photos'}", "data.degradation_share=0.5"])
    with pytest.raises(DataError, match="needs data.real_pairs"):
        training_pairs(config)


def test_a_grade_library_holds_each_training_pairs_retouch_and_no_held_out_one(tmp_path: Path) -> None:
    write_pairs(tmp_path / "pairs", 8)
    (tmp_path / "photos").mkdir()
    write_image(tmp_path / "photos" / "a.png", smooth_photo(20))
    config = load_config(None, [f"data.photos={tmp_path / 'photos'}", f"data.real_pairs={tmp_path / 'pairs'}",
                                "model.lut_size=17"])
    library = library_luts(config)
    assert len(library) == 6  # 8 pairs, every fourth held out
    photo = smooth_photo(30)
    for grade in library:  # each is "brighter, warmer"; the held-out inversions are not there
        assert np.abs(apply_lut(photo, grade) - retouch(photo)).mean() < 0.03  # an inversion: about 0.5

    without = load_config(None, [f"data.photos={tmp_path / 'photos'}"])
    with pytest.raises(ConfigError, match="set data.real_pairs"):
        library_luts(without)
