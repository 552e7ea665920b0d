"""The split that predicts unseen data: a look's siblings go where it goes, whole authors stay out."""

from __future__ import annotations

from pathlib import Path

from training.data.holdout import (
    HELD_OUT_COLLECTIONS,
    PHOTO_HOLD_OUT_EVERY,
    is_held_out_look,
    look_collection,
    look_family,
    split_looks,
    split_photos,
)

# names as the shared collections spell them: looks/ (RawTherapee, maker__stock) and looks-extra/
SIBLINGS = [
    ["Fuji__Fuji_Superia_400_2", "rawtherapee-filmsim__Fuji__Fuji_Superia_400_3_plus",
     "rawtherapee-filmsim__Fuji__Fuji_Superia_1600_1_-", "Fuji__Fuji_Superia_HG_1600"],
    ["Polaroid__Polaroid_690_Cold_3", "rawtherapee-filmsim__Polaroid__Polaroid_690_Warm_5_plusplus",
     "rawtherapee-filmsim__Polaroid__Polaroid_690_1_--"],
    ["Kodak__Kodak_Portra_400_NC_2", "rawtherapee-filmsim__Kodak__Kodak_Portra_160_VC_4_plusplus"],
    ["CreativePack-1__TealOrange", "CreativePack-1__TealOrange1", "CreativePack-1__TealOrange3"],
    ["picturefx__goldfx_summer_heat", "picturefx__goldfx_perfect_sunset_05min"],
    ["freshluts-alexjordan__green_day_01", "freshluts-alexjordan__green_day_02"],
    ["freshluts-alexjordan__cross_process_cp_14", "freshluts-alexjordan__cross_process_cp_3"],
]


def test_variants_and_strengths_of_one_stock_or_look_are_one_family() -> None:
    for siblings in SIBLINGS:
        assert len({look_family(name) for name in siblings}) == 1, siblings
    families = [look_family(siblings[0]) for siblings in SIBLINGS]
    assert len(set(families)) == len(families)  # and different stocks are different families


def test_collections_are_named_after_who_made_them() -> None:
    assert look_collection("Fuji__Fuji_Velvia_50.cube") == "rawtherapee-filmsim"
    assert look_collection("rawtherapee-filmsim__Fuji__Fuji_Velvia_50") == "rawtherapee-filmsim"
    assert look_collection("freshluts-berat__western") == "freshluts-berat"
    assert look_collection("picturefx__faux_infrared_color_p2") == "picturefx"
    assert look_collection("my_own_look") == "other"


def test_a_held_out_look_has_no_trained_sibling_and_held_out_authors_are_never_trained_on() -> None:
    names = [name for siblings in SIBLINGS for name in siblings]
    names += [f"{collection}__look_{index}" for collection in HELD_OUT_COLLECTIONS for index in range(5)]
    training, held = split_looks([Path(f"{name}.cube") for name in names])
    assert held and training
    assert not {look_family(p) for p in training} & {look_family(p) for p in held}
    assert all(look_collection(p) not in HELD_OUT_COLLECTIONS for p in training)
    assert sorted(map(str, training + held)) == sorted(f"{name}.cube" for name in names)
    assert all(is_held_out_look(p) for p in held) and not any(is_held_out_look(p) for p in training)


def test_a_held_out_photo_collection_is_held_out_whole_and_one_in_ten_of_the_rest() -> None:
    kodak = [Path("photos/kodak24") / f"kodim{index:02d}.png" for index in range(24)]
    others = [Path("photos/bsds500") / f"{index}.jpg" for index in range(40)]
    training, held = split_photos(sorted(kodak + others))
    assert set(kodak) <= set(held) and not set(kodak) & set(training)
    assert len([p for p in held if p in others]) == len(others) // PHOTO_HOLD_OUT_EVERY
    assert len(training) + len(held) == len(kodak) + len(others)
