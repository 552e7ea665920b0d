"""Tests for training.data.pairs (and photos): real pairs matched by name, side-by-side pairs split, synthetic
pairs fixed by (seed, index) whose LUT maps source to target, frame sequences in order."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from pix2lut.apply import apply_lut
from pix2lut.cube import write_cube
from pix2lut.imageio import read_image, write_image
from pix2lut.lut import Lut3D, identity_table
from training.data.pairs import (
    FrameSequence,
    Pair,
    RealPairs,
    SideBySidePairs,
    SynthesisOptions,
    SyntheticPairs,
    list_photos,
)
from training.data.photos import PhotoCache
from training.errors import DataError

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
FIVEK_PAIRS = 18  # shared/data/README.md
VTEST_FRAMES, VTEST_SHAPE = 48, (576, 768, 3)

CODE_VALUE_8 = 1.0 / 255.0
# A 33^3 LUT of the exact mapping, applied to the pair's source: the interpolation error of smooth curves, on
# average a fraction of an 8-bit code value (measured up to 1.3e-3 on the shared photos, 3e-4 on these).
LUT_MEAN_ATOL = 2.5e-3
CROP = 24
TASKS = ("grade", "neutralize", "look", "reference_look")


def tiny_photo(seed: int, height: int = 30, width: int = 40) -> np.ndarray:
    """A smooth colourful image in [0.1, 0.9]: sine waves of random direction and phase per channel."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    waves = [np.sin(fx * x + fy * y + phase) for fx, fy, phase in rng.uniform(0.05, 0.3, (3, 3)) * [1, 1, 20]]
    return (0.5 + 0.4 * np.stack(waves, axis=-1)).astype(np.float32)


def as_8bit(image: np.ndarray) -> np.ndarray:
    """What an 8-bit PNG of ``image`` reads back as."""
    return (np.rint(np.clip(image, 0, 1) * 255) / 255).astype(np.float32)


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "photos"
    (folder / "nested").mkdir(parents=True)
    paths = [folder / "a.png", folder / "nested" / "b.png", folder / "c.png"]
    for seed, path in enumerate(paths):
        write_image(path, tiny_photo(seed))
    return list_photos(folder)


def warm_lut(size: int = 9) -> Lut3D:
    return Lut3D(np.clip(identity_table(size) * np.array([1.0, 0.9, 0.75], np.float32) + 0.05, 0.0, 1.0))


def unclipped(image: np.ndarray) -> np.ndarray:
    return np.all((image > 0.0) & (image < 1.0), axis=-1)


# ---------------------------------------------------------------------------------------------------------------
# Pair and list_photos


def test_pair_checks_its_images() -> None:
    image = tiny_photo(0)
    assert Pair(image, image, None, "ok").lut is None
    with pytest.raises(
        DataError, match=r"^pair 'x': source and target differ in shape, \(30, 40, 3\) and \(30, 39, 3\)$"
    ):
        Pair(image, image[:, 1:].copy(), None, "x")
    with pytest.raises(DataError, match=r"^pair 'y': target must be float32 of shape \(H, W, 3\), found float64"):
        Pair(image, image.astype(np.float64), None, "y")


def test_list_photos_finds_jpeg_and_png_recursively_in_order(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    for name in ("z.jpg", "sub/a.PNG", "sub/deeper/m.jpeg", "notes.txt", "sub/look.cube"):
        (tmp_path / name).write_bytes(b"")
    found = [p.relative_to(tmp_path).as_posix() for p in list_photos(tmp_path)]
    assert found == ["sub/a.PNG", "sub/deeper/m.jpeg", "z.jpg"]


def test_list_photos_names_an_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=rf"^photo folder {tmp_path} holds no .jpg, .jpeg, .png files$"):
        list_photos(tmp_path)


# ---------------------------------------------------------------------------------------------------------------
# Real pairs


def write_real_pairs(folder: Path, target_name: str, stems_in: list[str], stems_out: list[str]) -> None:
    (folder / "input").mkdir(parents=True)
    (folder / target_name).mkdir()
    for seed, stem in enumerate(stems_in):
        write_image(folder / "input" / f"{stem}.png", tiny_photo(seed))
    for seed, stem in enumerate(stems_out):
        write_image(folder / target_name / f"{stem}.png", 1.0 - tiny_photo(seed))


@pytest.mark.parametrize("target_name", ["target", "expertC"])
def test_real_pairs_match_input_and_target_by_name(tmp_path: Path, target_name: str) -> None:
    write_real_pairs(tmp_path, target_name, ["b", "a"], ["b", "a"])
    pairs = RealPairs(tmp_path)
    assert len(pairs) == 2 and pairs.names == ["a", "b"]
    pair = pairs[1]
    assert pair.name == "b" and pair.lut is None and pair.source.dtype == np.float32
    np.testing.assert_allclose(pair.source, as_8bit(tiny_photo(0)), atol=1e-6)  # "b" was written with seed 0
    np.testing.assert_allclose(pair.target, as_8bit(1.0 - tiny_photo(0)), atol=1e-6)


def test_real_pairs_match_by_stem_across_formats(tmp_path: Path) -> None:
    write_real_pairs(tmp_path, "target", [], [])
    write_image(tmp_path / "input" / "shot.jpg", tiny_photo(0))
    write_image(tmp_path / "target" / "shot.png", tiny_photo(0))
    assert RealPairs(tmp_path).names == ["shot"]


def test_real_pairs_name_every_unmatched_file(tmp_path: Path) -> None:
    write_real_pairs(tmp_path, "target", ["a", "only_in"], ["a", "only_out"])
    expected = (
        f"{tmp_path}: 2 file(s) without a partner of the same name in the other folder: input/only_in.png, "
        "target/only_out.png (pass allow_unmatched=True to leave them out)"
    )
    with pytest.raises(DataError) as raised:
        RealPairs(tmp_path)
    assert str(raised.value) == expected


def test_real_pairs_can_leave_unmatched_files_out_with_a_warning(tmp_path: Path) -> None:
    write_real_pairs(tmp_path, "expertC", ["a", "only_in"], ["a"])
    with pytest.warns(UserWarning, match=r"1 file\(s\) without a partner .*: input/only_in.png; left out$"):
        pairs = RealPairs(tmp_path, allow_unmatched=True)
    assert pairs.names == ["a"] and pairs.unmatched == ["input/only_in.png"]


def test_real_pairs_refuse_an_unclear_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"a folder of pairs needs input/ and one of target, expertC/$"):
        RealPairs(tmp_path)
    write_real_pairs(tmp_path, "target", ["a"], ["a"])
    (tmp_path / "expertC").mkdir()
    with pytest.raises(DataError, match=r"both target and expertC/ exist; keep one of them$"):
        RealPairs(tmp_path)


def test_real_pairs_of_different_sizes_are_named(tmp_path: Path) -> None:
    write_real_pairs(tmp_path, "target", ["a"], [])
    write_image(tmp_path / "target" / "a.png", tiny_photo(0, 20, 40))
    with pytest.raises(DataError, match=r"a: input is \(30, 40\) pixels, target \(20, 40\)$"):
        RealPairs(tmp_path)[0]


@pytest.mark.skipif(not (SHARED_DATA / "fivek-train").is_dir(), reason="shared/data is not beside the checkout")
def test_real_pairs_read_the_shared_fivek_pairs() -> None:
    pairs = RealPairs(SHARED_DATA / "fivek-train")
    assert len(pairs) == FIVEK_PAIRS
    pair = pairs[0]
    assert pair.source.shape == pair.target.shape and max(pair.source.shape[:2]) == 512  # 512 px long side
    assert np.abs(pair.source - pair.target).mean() > 0.01  # the expert's retouch changed the picture


def test_side_by_side_pairs_take_the_target_left_and_the_input_right(tmp_path: Path) -> None:
    target, source = tiny_photo(1), tiny_photo(2)
    write_image(tmp_path / "pair_001.png", np.concatenate([target, source], axis=1))
    pair = SideBySidePairs(tmp_path)[0]
    assert pair.name == "pair_001" and pair.lut is None
    np.testing.assert_allclose(pair.target, as_8bit(target), atol=1e-6)
    np.testing.assert_allclose(pair.source, as_8bit(source), atol=1e-6)


def test_side_by_side_pairs_need_an_even_width(tmp_path: Path) -> None:
    write_image(tmp_path / "odd.png", tiny_photo(0, 10, 21))
    with pytest.raises(
        DataError, match=r"odd.png: a side-by-side pair must be an even number of pixels wide, found 21$"
    ):
        SideBySidePairs(tmp_path)[0]


# ---------------------------------------------------------------------------------------------------------------
# Synthetic pairs


@pytest.mark.parametrize("task", TASKS)
def test_synthetic_pairs_are_fixed_by_seed_and_index(photos: list[Path], task: str) -> None:
    looks = [warm_lut()]
    first = SyntheticPairs(photos, task, looks, seed=3, length=6, size=CROP)
    again = SyntheticPairs(photos, task, looks, seed=3, length=6, size=CROP)
    other = SyntheticPairs(photos, task, looks, seed=4, length=6, size=CROP)
    for index in range(len(first)):
        a, b = first[index], again[index]
        assert a.name == b.name and a.source.shape == (CROP, CROP, 3)
        np.testing.assert_array_equal(a.source, b.source)
        np.testing.assert_array_equal(a.target, b.target)
        np.testing.assert_array_equal(first[index].source, a.source)  # the same again, from the cache
        assert (a.lut is None) == (b.lut is None)
        if a.lut is not None:
            np.testing.assert_array_equal(a.lut.table, b.lut.table)
    assert any(not np.array_equal(first[i].source, other[i].source) for i in range(len(first)))


def test_grade_pairs_carry_the_exact_inverse_detuning(photos: list[Path]) -> None:
    pairs = SyntheticPairs(photos, "grade", seed=0, length=8, size=CROP, lut_size=33)
    for pair in pairs:
        assert not np.array_equal(pair.source, pair.target)
        inside = unclipped(pair.source)
        restored = apply_lut(pair.source, pair.lut)
        assert np.abs(restored - pair.target)[inside].mean() < LUT_MEAN_ATOL


@pytest.mark.parametrize("task", ["neutralize", "look"])
def test_parametric_look_pairs_carry_their_lut(photos: list[Path], task: str) -> None:
    for pair in SyntheticPairs(photos, task, seed=1, length=6, size=CROP, lut_size=33):
        assert pair.lut is not None and pair.lut.size == 33
        inside = unclipped(pair.source)
        assert np.abs(apply_lut(pair.source, pair.lut) - pair.target)[inside].mean() < LUT_MEAN_ATOL


def test_reference_look_pairs_show_the_model_the_looked_photo(photos: list[Path]) -> None:
    looks = [warm_lut()]
    for styled, reference in zip(
        SyntheticPairs(photos, "look", looks, seed=6, length=6, size=CROP),
        SyntheticPairs(photos, "reference_look", looks, seed=6, length=6, size=CROP),
        strict=True,
    ):
        np.testing.assert_array_equal(reference.source, styled.source)  # the LUT is applied to the neutral photo
        np.testing.assert_array_equal(reference.target, styled.target)
        assert styled.seen is styled.source
        assert reference.seen is reference.target  # and predicted from the looked one


def test_a_condition_of_another_shape_is_refused() -> None:
    image = tiny_photo(0)
    with pytest.raises(DataError, match="differ in shape"):
        Pair(image, image, None, "odd", condition=image[:10])


def test_cube_looks_give_exact_look_pairs_and_unknown_neutralize_luts(photos: list[Path]) -> None:
    look = warm_lut()
    kinds = set()
    for neutralize, styled in zip(
        SyntheticPairs(photos, "neutralize", [look], seed=2, length=12, size=CROP),
        SyntheticPairs(photos, "look", [look], seed=2, length=12, size=CROP),
        strict=True,
    ):
        np.testing.assert_array_equal(neutralize.source, styled.target)  # same draws: the same look on the same crop
        is_cube = styled.lut is look
        kinds.add(is_cube)
        assert (neutralize.lut is None) == is_cube
        if is_cube:
            np.testing.assert_allclose(apply_lut(styled.source, look), styled.target, atol=1e-6)
    assert kinds == {True, False}  # half .cube looks, half parametric


def test_synthetic_pairs_refuse_an_unknown_task(photos: list[Path]) -> None:
    with pytest.raises(DataError, match=r"^Unknown task 'relight': use one of grade, neutralize, look, reference_look$"):
        SyntheticPairs(photos, "relight")  # type: ignore[arg-type]


def test_synthetic_pairs_index_like_a_sequence(photos: list[Path]) -> None:
    pairs = SyntheticPairs(photos, "grade", length=3, size=CROP)
    assert pairs[-1].name == pairs[2].name and len(pairs[1:]) == 2
    with pytest.raises(IndexError):
        pairs[3]


def test_photo_cache_gives_what_read_image_gives(photos: list[Path]) -> None:
    cache = PhotoCache(max_photos=2)
    for path in photos + photos[:1]:
        np.testing.assert_array_equal(cache.read(path), read_image(path).pixels)
    assert len(cache) == 2


@pytest.mark.skipif(not (SHARED_DATA / "photos").is_dir(), reason="shared/data is not beside the checkout")
def test_synthetic_pairs_from_the_shared_photos_and_looks() -> None:
    from training.data.looks import load_looks

    photos = list_photos(SHARED_DATA / "photos")
    looks = load_looks(SHARED_DATA / "looks")
    for task in TASKS:
        for pair in SyntheticPairs(photos, task, looks, seed=0, length=2, size=64):
            assert pair.source.shape == pair.target.shape == (64, 64, 3)
            if pair.lut is not None:
                inside = unclipped(pair.source)
                assert np.abs(apply_lut(pair.source, pair.lut) - pair.target)[inside].mean() < LUT_MEAN_ATOL


# ---------------------------------------------------------------------------------------------------------------
# Frame sequences


def test_frame_sequence_reads_frames_in_natural_order(tmp_path: Path) -> None:
    for number in (10, 2, 1):
        write_image(tmp_path / f"frame_{number}.png", np.full((4, 6, 3), number / 10, np.float32))
    write_cube(Lut3D.identity(2), tmp_path / "not_a_frame.cube")
    frames = FrameSequence(tmp_path)
    assert [p.name for p in frames.paths] == ["frame_1.png", "frame_2.png", "frame_10.png"]
    assert [float(frame[0, 0, 0]) for frame in frames] == pytest.approx([0.1, 0.2, 1.0], abs=CODE_VALUE_8)
    assert frames[0].dtype == np.float32 and frames[0].shape == (4, 6, 3)


@pytest.mark.skipif(not (SHARED_DATA / "frames" / "vtest").is_dir(), reason="shared/data is not beside the checkout")
def test_frame_sequence_reads_the_shared_frames() -> None:
    frames = FrameSequence(SHARED_DATA / "frames" / "vtest")
    assert frames.name == "vtest" and len(frames) == VTEST_FRAMES
    assert frames[-1].shape == VTEST_SHAPE and frames.paths[0].name < frames.paths[1].name


def test_identity_pairs_leave_the_photo_as_it_is(photos: list[Path]) -> None:
    pairs = SyntheticPairs(photos, "grade", seed=3, length=40, size=CROP, lut_size=9,
                           options=SynthesisOptions(identity_fraction=0.5))
    names = [pairs[index].name for index in range(len(pairs))]
    kept = [pairs[index] for index, name in enumerate(names) if name.endswith("-identity")]
    assert 10 <= len(kept) <= 30  # about half of 40
    for pair in kept:
        np.testing.assert_array_equal(pair.source, pair.target)
        np.testing.assert_array_equal(pair.lut.table, identity_table(9))
    detuned = [pairs[index] for index, name in enumerate(names) if not name.endswith("-identity")]
    assert all(not np.array_equal(pair.source, pair.target) for pair in detuned)


def test_random_strengths_blend_cube_looks_towards_the_identity(photos: list[Path]) -> None:
    full = SyntheticPairs(photos, "look", [warm_lut()], seed=5, length=30, size=CROP)
    blended = SyntheticPairs(photos, "look", [warm_lut()], seed=5, length=30, size=CROP,
                             options=SynthesisOptions(min_strength=0.0))
    changes_full = [float(np.abs(full[i].target - full[i].source).mean()) for i in range(len(full))]
    changes_blended = [float(np.abs(blended[i].target - blended[i].source).mean()) for i in range(len(blended))]
    assert np.mean(changes_blended) < 0.8 * np.mean(changes_full)  # the mean strength is about a half


@pytest.mark.parametrize(("options", "message"), [
    ({"identity_fraction": 1.0}, "identity_fraction must be in [0, 1), found 1.0"),
    ({"min_strength": 2.0}, "min_strength must be in [0, strength = 1.0], found 2.0"),
    ({"degradation_share": 1.5}, "degradation_share must be in [0, 1], found 1.5"),
    ({"degradation_mix": 0}, "degradation_mix must be at least 1, found 0"),
])
def test_widening_options_are_checked(photos: list[Path], options: dict, message: str) -> None:
    with pytest.raises(DataError, match=f"^{re.escape(message)}$"):
        SyntheticPairs(photos, "grade", options=SynthesisOptions(**options))


@pytest.mark.parametrize(("share", "cube_pairs"), [(0.0, 0), (1.0, 10)])
def test_cube_look_share_picks_the_kind_of_look(photos: list[Path], share: float, cube_pairs: int) -> None:
    pairs = SyntheticPairs(photos, "neutralize", [warm_lut()], seed=4, length=10, size=CROP,
                           options=SynthesisOptions(cube_look_share=share))
    assert sum(pairs[index].lut is None for index in range(len(pairs))) == cube_pairs  # .cube looks carry no LUT
    with pytest.raises(DataError, match=re.escape("cube_look_share must be in [0, 1], found 1.5")):
        SynthesisOptions(cube_look_share=1.5)


def gain_lut(gain: float, size: int) -> Lut3D:
    return Lut3D((identity_table(size) * gain).astype(np.float32))


def test_neutralize_pairs_take_each_cube_look_whole(photos: list[Path]) -> None:
    look_gains = (0.5, 0.9, 0.7)
    looks = [gain_lut(gain, 17) for gain in look_gains]
    kinds = set()
    for pair in SyntheticPairs(photos, "neutralize", looks, seed=7, length=40, size=CROP, lut_size=17):
        if pair.lut is not None:  # a parametric look: its exact inverse is known
            kinds.add("parametric")
            continue
        gain = np.median(pair.source / np.maximum(pair.target, 1e-3))
        (index,) = [index for index, each in enumerate(look_gains) if abs(gain - each) < 1e-3]  # one, not a blend
        kinds.add(index)
    assert kinds == {0, 1, 2, "parametric"}
