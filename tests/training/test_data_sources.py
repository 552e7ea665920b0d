"""What a training run sees: synthetic pairs with real pairs mixed in, and nothing held out."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from pix2lut.cube import write_cube
from pix2lut.imageio import write_image
from pix2lut.lut import Lut3D, identity_table
from training.config import load_config
from training.data.pairs import Pair, SynthesisOptions
from training.data_sources import (
    MixedPairs,
    held_out_looks,
    held_out_real_pairs,
    synthesis_options,
    training_looks,
    training_pairs,
    validation_pairs,
)
from training.errors import ConfigError, DataError

SIZE = 16


def real_pair(seed: int) -> Pair:
    rng = np.random.default_rng(seed)
    source = rng.random((40, 56, 3), dtype=np.float32)
    return Pair(source, source * np.float32(0.8), None, f"real{seed}")


def synthetic(count: int) -> list[Pair]:
    image = np.full((SIZE, SIZE, 3), 0.5, np.float32)
    return [Pair(image, image, None, f"synthetic{i}") for i in range(count)]


def test_real_pairs_come_at_their_share_each_a_fresh_crop() -> None:
    mixed = MixedPairs(synthetic(400), [real_pair(0)], SIZE, real_fraction=0.3, seed=1)
    real = [mixed[i] for i in range(400) if mixed[i].name.startswith("real")]
    assert 0.22 < len(real) / 400 < 0.38
    assert all(pair.source.shape == (SIZE, SIZE, 3) for pair in real)
    distinct = {pair.source.tobytes() for pair in real}
    assert len(distinct) > 0.9 * len(real)  # one real pair, many views of it
    for pair in real:  # source and target cropped alike: the target is still the source's retouch, pixel for pixel
        np.testing.assert_allclose(pair.target, pair.source * 0.8, atol=1e-5)


def test_mixing_is_fixed_by_seed_and_index() -> None:
    first = MixedPairs(synthetic(50), [real_pair(0), real_pair(1)], SIZE, 0.5, seed=2)
    again = MixedPairs(synthetic(50), [real_pair(0), real_pair(1)], SIZE, 0.5, seed=2)
    for index in range(50):
        assert first[index].name == again[index].name
        np.testing.assert_array_equal(first[index].source, again[index].source)


def test_a_real_fraction_out_of_range_is_refused() -> None:
    with pytest.raises(DataError, match=re.escape("data.real_fraction must be in [0, 1], found 1.5")):
        MixedPairs(synthetic(2), [real_pair(0)], SIZE, 1.5, seed=0)


@pytest.mark.parametrize(("fold", "expected"), [(0, {"p0", "p4"}), (1, {"p1", "p5"}), (3, {"p3", "p7"})])
def test_held_out_real_pairs_never_reach_training(tmp_path: Path, fold: int, expected: set[str]) -> None:
    pairs = tmp_path / "pairs"
    (pairs / "input").mkdir(parents=True)
    (pairs / "target").mkdir()
    for index in range(8):
        pair = real_pair(index)
        write_image(pairs / "input" / f"p{index}.png", pair.source)
        write_image(pairs / "target" / f"p{index}.png", pair.target)
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in "abc":  # one in ten photos is held out: the first
        write_image(photos / f"{name}.png", real_pair(9).source)
    config = load_config(None, [f"data.photos={photos}", f"data.real_pairs={pairs}", "data.real_fraction=1.0",
                                "data.crop=16", "data.samples_per_epoch=200", f"data.real_fold={fold}"])
    seen = {pair.name.rsplit("-", 1)[0] for pair in training_pairs(config)}
    held_out = {pair.name for pair in held_out_real_pairs(pairs, fold)}
    assert held_out == expected  # each fold holds out its own quarter: four folds judge every pair once
    assert seen == {f"p{index}" for index in range(8)} - held_out


def test_a_real_fold_outside_the_four_is_refused() -> None:
    with pytest.raises(ConfigError, match="data.real_fold must be 0 to 3, found 4"):
        load_config(None, ["data.real_fold=4"])


def test_training_options_widen_training_and_leave_validation_as_it_was(tmp_path: Path) -> None:
    for index in range(20):  # photos 0 and 10 are held out: validation's
        write_image(tmp_path / f"p{index:02d}.png", real_pair(index).source)
    config = load_config(None, [f"data.photos={tmp_path}", "data.crop=16", "data.samples_per_epoch=60",
                                "data.validation_samples=60", "data.identity_fraction=0.5"])
    kept = [pair.name.endswith("-identity") for pair in training_pairs(config)]
    assert 15 < sum(kept) < 45  # about half of the training pairs are photos left as they are
    assert not any(pair.name.endswith("-identity") for pair in validation_pairs(config))


def test_the_synthesis_options_come_from_the_data_section_and_its_defaults_are_validations() -> None:
    data = load_config(None, ["data.identity_fraction=0.3", "data.min_strength=0.3", "data.cube_look_share=0.75",
                              "data.degradation_share=0.7", "data.degradation_mix=3"]).data
    assert synthesis_options(data) == SynthesisOptions(identity_fraction=0.3, min_strength=0.3, cube_look_share=0.75,
                                                       degradation_share=0.7, degradation_mix=3)
    assert synthesis_options(load_config(None).data) == SynthesisOptions()  # min_strength 1: always full strength


def write_looks(folder: Path, names: list[str], gain: float = 0.9) -> None:
    folder.mkdir()
    for index, name in enumerate(names):
        write_cube(Lut3D(identity_table(5) * np.float32(gain - 0.01 * index)), folder / f"{name}.cube")


LOOKS = ["Kodak__Kodak_Portra_160_2", "Polaroid__Polaroid_PX-680_Cold_3", "CreativePack-1__TealOrange1"]
EXTRA = ["freshluts-jtsemple__springmorning", "rawtherapee-filmsim__Kodak__Kodak_Portra_400_1_-",
         "rawtherapee-filmsim__Polaroid__Polaroid_PX-680_1_--", "picturefx__goldfx_summer_heat"]


def test_looks_of_both_folders_are_split_by_family_and_collection(tmp_path: Path) -> None:
    write_looks(tmp_path / "looks", LOOKS, gain=0.9)
    write_looks(tmp_path / "extra", EXTRA, gain=0.5)
    common = ["data.task=neutralize", f"data.looks={tmp_path / 'looks'}"]
    plain = load_config(None, common)
    extra = load_config(None, common + [f"data.extra_looks={tmp_path / 'extra'}"])

    # Polaroid PX-680 is a held-out family (in both folders), freshluts-jtsemple a held-out collection
    trained = [round(float(look.table[-1, -1, -1, 0]), 2) for look in training_looks(extra)]
    assert trained == [0.88, 0.9, 0.47, 0.49]  # by file name: TealOrange, Portra 160; goldfx, Portra 400
    assert [round(float(look.table[-1, -1, -1, 0]), 2) for look in held_out_looks(extra)] == [0.89, 0.5, 0.48]
    assert len(training_looks(plain)) == 2
    assert training_looks(load_config(None, [f"data.extra_looks={tmp_path / 'extra'}"])) == []  # grade: no looks


def test_a_missing_extra_looks_folder_is_named(tmp_path: Path) -> None:
    config = load_config(None, ["data.task=neutralize", f"data.extra_looks={tmp_path / 'nowhere'}"])
    with pytest.raises(DataError, match="nowhere does not exist"):
        training_looks(config)
