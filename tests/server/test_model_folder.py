"""Tests for server.model_folder: the order the models folder is looked for in, and the error that lists it."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from server import model_folder
from server.manifest import MANIFEST_NAME, ManifestError
from server.model_folder import CHECKOUT_MODELS, MODELS_VARIABLE, find_models, installed_model_folders


def with_manifest(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / MANIFEST_NAME).write_text("{}", encoding="utf-8")
    return folder


def test_the_folder_given_wins_then_the_variable(tmp_path: Path) -> None:
    given, named = tmp_path / "given", with_manifest(tmp_path / "named")
    assert find_models(given, {MODELS_VARIABLE: str(named)}) == given  # taken as is: its manifest's error comes later
    assert find_models(None, {MODELS_VARIABLE: str(named)}) == named


def test_a_checkout_finds_its_own_models() -> None:
    assert (CHECKOUT_MODELS / MANIFEST_NAME).is_file()
    assert find_models(None, {}) == CHECKOUT_MODELS


def test_installed_models_are_under_the_install_schemes_data_path(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert installed_model_folders()[0] == Path(sysconfig.get_path("data")) / "share" / "pix2lut" / "onnx_models"
    installed = with_manifest(tmp_path / "data" / "share" / "pix2lut" / "onnx_models")
    monkeypatch.setattr(model_folder, "CHECKOUT_MODELS", tmp_path / "no-checkout")
    monkeypatch.setattr(model_folder, "installed_model_folders", lambda: [tmp_path / "elsewhere", installed])
    assert find_models(None, {}) == installed


def test_nothing_found_lists_every_place_looked_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    places = [tmp_path / "no-checkout", tmp_path / "scheme", tmp_path / "user-scheme"]
    monkeypatch.setattr(model_folder, "CHECKOUT_MODELS", places[0])
    monkeypatch.setattr(model_folder, "installed_model_folders", lambda: places[1:])
    with pytest.raises(ManifestError) as missing:
        find_models(None, {MODELS_VARIABLE: ""})
    assert str(missing.value) == (
        f"no models found: no --models, no {MODELS_VARIABLE}, and no {MANIFEST_NAME} in "
        f"{', '.join(str(place) for place in places)}; give --models FOLDER (a folder holding manifest.json)"
    )
