"""Film looks: the recipes drawn (fixed by seed, over the stocks named), and a clear error without the package."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from training.data.film_looks import EXPOSURE_STOPS, SCENE_KELVIN, FilmRenderer, draw_recipes, main
from training.errors import DataError

NEGATIVES, PRINTS, REVERSALS = ["Neg A", "Neg B"], ["Print A", "Print B", "Print C"], ["Slide A"]


def test_recipes_are_fixed_by_seed_and_stay_in_their_ranges() -> None:
    recipes = draw_recipes(NEGATIVES, PRINTS, REVERSALS, 400, seed=3)
    assert recipes == draw_recipes(NEGATIVES, PRINTS, REVERSALS, 400, seed=3)
    assert recipes != draw_recipes(NEGATIVES, PRINTS, REVERSALS, 400, seed=4)
    printed = [recipe for recipe in recipes if recipe.printed_on]
    assert 0.72 < len(printed) / 400 < 0.88  # four in five printed, the rest projected
    assert {recipe.camera for recipe in printed} == set(NEGATIVES)
    assert {recipe.printed_on for recipe in printed} == set(PRINTS)
    assert {recipe.camera for recipe in recipes if not recipe.printed_on} == set(REVERSALS)
    assert all(abs(recipe.exposure_stops) <= EXPOSURE_STOPS for recipe in recipes)
    assert all(SCENE_KELVIN[0] <= recipe.scene_kelvin <= SCENE_KELVIN[1] for recipe in recipes)


def test_each_recipe_names_a_file_of_its_own() -> None:
    recipes = draw_recipes(NEGATIVES, PRINTS, REVERSALS, 50, seed=0)
    stems = [recipe.file_stem for recipe in recipes]
    assert len(set(stems)) == 50
    assert all(stem.replace("_", "").isalnum() for stem in stems)
    assert " > " in next(recipe.title for recipe in recipes if recipe.printed_on)


def test_no_stocks_of_a_kind_is_refused() -> None:
    with pytest.raises(DataError, match="negative, print and reversal"):
        draw_recipes(NEGATIVES, PRINTS, [], 3, seed=0)


def test_without_the_package_the_error_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "spectral_film_lut", None)  # an import of it now fails, installed or not
    with pytest.raises(DataError, match=r"spectral-film-lut==\d"):
        FilmRenderer()
    assert main(["-o", str(tmp_path / "looks"), "--count", "2"]) == 1
    assert "venv of its own" in capsys.readouterr().err
    assert not (tmp_path / "looks").exists()  # nothing half made
