"""The scripts' settings: the config file, PIX2LUT_* variables over it, and where the file lives on each OS."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import pytest

from resolve_scripts.errors import ScriptError
from resolve_scripts.settings import (
    CONFIG_NAME,
    DEFAULT_FRAMES_PER_CLIP,
    FIELDS,
    MASTER_LUT_FOLDERS,
    MAX_FRAMES_PER_CLIP,
    Settings,
    config_dir,
    config_document,
    config_path,
    default_lut_root,
    load_settings,
    parse_tracks,
    read_config,
)
from resolve_scripts.transport import DEFAULT_ADDRESS

HOME = os.path.join(os.sep, "home", "grader")
KNOWN_KEYS = (
    "cdl_node, frames_per_clip, lut_root, lut_size, model, node, python, reference, retries, scripts_root, "
    "send_path, server, timeout_ms, tracks"
)
# One valid value per key, none of them the default: a round trip that drops or defaults a key is caught.
EVERY_VALUE = {
    "server": "tcp://127.0.0.1:6001",
    "python": "/home/grader/pix2lut/.venv/bin/python",
    "lut_root": "/srv/LUT",
    "scripts_root": "/home/grader/.local/share/pix2lut/scripts",
    "node": 2,
    "cdl_node": 3,
    "send_path": True,
    "timeout_ms": 1234,
    "retries": 5,
    "lut_size": 65,
    "model": "grade-pix",
    "tracks": "1,3",
    "frames_per_clip": 7,
    "reference": "/home/grader/reference.png",
}
# Per key, a JSON value of the wrong type (bool is not an int, though Python's bool subclasses int).
WRONG_TYPE = {
    **{key: 5 for key, (_variable, kind, _default) in FIELDS.items() if kind is str},
    **{key: "2" for key, (_variable, kind, _default) in FIELDS.items() if kind is int},
    "send_path": 1,
}
INT_KEYS_GIVEN_BOOL = [key for key, (_variable, kind, _default) in FIELDS.items() if kind is int]
ON_LINUX = platform.system() not in ("Windows", "Darwin")


def write_config(folder: Path, document: object) -> Path:
    path = folder / CONFIG_NAME
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# -- the file and the variables ----------------------------------------------------------------------------------


def test_no_file_and_no_variables_give_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(environ={}, path=str(tmp_path / CONFIG_NAME))
    assert settings.source is None
    assert settings.server == DEFAULT_ADDRESS
    assert (settings.node, settings.cdl_node, settings.send_path) == (None, None, False)
    assert (settings.timeout_ms, settings.retries, settings.lut_size) == (None, None, None)
    assert (settings.tracks, settings.frames_per_clip, settings.reference) == ("", DEFAULT_FRAMES_PER_CLIP, None)
    assert settings.lut_root == default_lut_root()


def test_the_file_is_read_and_every_variable_overrides_it(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"format": 1, **EVERY_VALUE})
    from_file = load_settings(environ={}, path=str(path))
    assert from_file.source == str(path)
    assert {key: getattr(from_file, key) for key in FIELDS} == EVERY_VALUE

    environ = {
        "PIX2LUT_SERVER": "tcp://10.0.0.2:5555",
        "PIX2LUT_PYTHON": "/opt/python3",
        "PIX2LUT_LUT_ROOT": "/mnt/LUT",
        "PIX2LUT_SCRIPTS_ROOT": "/opt/scripts",
        "PIX2LUT_NODE": "4",
        "PIX2LUT_CDL_NODE": "5",
        "PIX2LUT_SEND_PATH": "off",
        "PIX2LUT_TIMEOUT_MS": "99",
        "PIX2LUT_RETRIES": "1",
        "PIX2LUT_LUT_SIZE": "17",
        "PIX2LUT_MODEL": "grade-lut",
        "PIX2LUT_TRACKS": "2",
        "PIX2LUT_FRAMES_PER_CLIP": "16",
        "PIX2LUT_REFERENCE": "/tmp/ref.png",
    }
    assert sorted(environ) == sorted(variable for variable, _kind, _default in FIELDS.values())
    overridden = load_settings(environ=environ, path=str(path))
    expected = {
        "server": "tcp://10.0.0.2:5555",
        "python": "/opt/python3",
        "lut_root": "/mnt/LUT",
        "scripts_root": "/opt/scripts",
        "node": 4,
        "cdl_node": 5,
        "send_path": False,
        "timeout_ms": 99,
        "retries": 1,
        "lut_size": 17,
        "model": "grade-lut",
        "tracks": "2",
        "frames_per_clip": 16,
        "reference": "/tmp/ref.png",
    }
    assert {key: getattr(overridden, key) for key in FIELDS} == expected
    assert overridden.source == str(path)


def test_an_empty_variable_leaves_the_files_value(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"format": 1, "node": 2, "server": "tcp://127.0.0.1:6001"})
    settings = load_settings(environ={"PIX2LUT_NODE": "", "PIX2LUT_SERVER": ""}, path=str(path))
    assert (settings.node, settings.server) == (2, "tcp://127.0.0.1:6001")


def test_a_null_in_the_file_means_the_default(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"format": 1, **dict.fromkeys(FIELDS)})
    settings = load_settings(environ={}, path=str(path))
    assert {key: getattr(settings, key) for key in FIELDS} == {
        **{key: default for key, (_variable, _kind, default) in FIELDS.items()},
        "lut_root": default_lut_root(),
    }


@pytest.mark.skipif(not ON_LINUX, reason="XDG_CONFIG_HOME is where Linux keeps per-user settings")
def test_the_default_path_follows_the_environment_given(tmp_path: Path) -> None:
    folder = tmp_path / "config" / "pix2lut"
    folder.mkdir(parents=True)
    path = write_config(folder, {"format": 1, "node": 2})
    settings = load_settings(environ={"XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert (settings.source, settings.node) == (str(path), 2)


# -- what is wrong with a file, exactly ----------------------------------------------------------------------


def test_a_file_that_is_not_json_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / CONFIG_NAME
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(json.JSONDecodeError) as parsing:
        json.loads("{not json")
    with pytest.raises(ScriptError) as caught:
        read_config(str(path))
    assert str(caught.value) == (
        f"The Pix2LUT settings file {path} is unreadable ({parsing.value}): run the installer again."
    )


@pytest.mark.parametrize("document", [{"format": 2}, {"server": "tcp://127.0.0.1:1"}, [1], "format"])
def test_a_file_of_another_format_is_one_sentence(tmp_path: Path, document: object) -> None:
    path = write_config(tmp_path, document)
    with pytest.raises(ScriptError) as caught:
        read_config(str(path))
    assert str(caught.value) == (
        f"The Pix2LUT settings file {path} is not format 1: run the installer of this version again."
    )


def test_an_unknown_key_is_named_with_the_known_ones(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"format": 1, "server": "tcp://127.0.0.1:1", "lut-root": "/srv/LUT"})
    with pytest.raises(ScriptError) as caught:
        load_settings(environ={}, path=str(path))
    assert str(caught.value) == (
        f"The Pix2LUT settings file {path} has an unknown setting 'lut-root': known are {KNOWN_KEYS}."
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [*sorted(WRONG_TYPE.items()), *[(key, True) for key in INT_KEYS_GIVEN_BOOL], ("send_path", "yes")],
)
def test_a_value_of_the_wrong_type_is_named(tmp_path: Path, key: str, value: object) -> None:
    kind = FIELDS[key][1].__name__
    path = write_config(tmp_path, {"format": 1, key: value})
    with pytest.raises(ScriptError) as caught:
        read_config(str(path))
    assert str(caught.value) == f"The Pix2LUT settings file {path}: {key!r} must be {kind}, found {value!r}."


def test_every_key_has_a_wrong_type_case() -> None:
    assert sorted(WRONG_TYPE) == sorted(FIELDS)


# -- the variables -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [("1", True), ("true", True), ("YES", True), (" On ", True), ("0", False), ("False", False), ("no", False)]
    + [("OFF", False), (" ", False)],
)
def test_bool_words(tmp_path: Path, word: str, expected: bool) -> None:
    settings = load_settings(environ={"PIX2LUT_SEND_PATH": word}, path=str(tmp_path / CONFIG_NAME))
    assert settings.send_path is expected


@pytest.mark.parametrize("word", ["2", "maybe", "y", "enabled"])
def test_other_bool_words_are_one_sentence(tmp_path: Path, word: str) -> None:
    with pytest.raises(ScriptError) as caught:
        load_settings(environ={"PIX2LUT_SEND_PATH": word}, path=str(tmp_path / CONFIG_NAME))
    assert str(caught.value) == f"PIX2LUT_SEND_PATH must be 1 or 0, found {word!r}: fix it and run again."


@pytest.mark.parametrize("key", INT_KEYS_GIVEN_BOOL)
@pytest.mark.parametrize("raw", ["two", "1.5", "0x10"])
def test_a_whole_number_variable_that_is_not_one_is_one_sentence(tmp_path: Path, key: str, raw: str) -> None:
    variable = FIELDS[key][0]
    with pytest.raises(ScriptError) as caught:
        load_settings(environ={variable: raw}, path=str(tmp_path / CONFIG_NAME))
    assert str(caught.value) == f"{variable} must be a whole number, found {raw!r}: fix it and run again."


@pytest.mark.parametrize("frames", [0, -1, MAX_FRAMES_PER_CLIP + 1])
def test_frames_per_clip_out_of_range(tmp_path: Path, frames: int) -> None:
    expected = (
        f"frames_per_clip must be 1 to {MAX_FRAMES_PER_CLIP}, found {frames}: fix the Pix2LUT settings and run again."
    )
    with pytest.raises(ScriptError) as from_variable:
        load_settings(environ={"PIX2LUT_FRAMES_PER_CLIP": str(frames)}, path=str(tmp_path / CONFIG_NAME))
    assert str(from_variable.value) == expected
    path = write_config(tmp_path, {"format": 1, "frames_per_clip": frames})
    with pytest.raises(ScriptError) as from_file:
        load_settings(environ={}, path=str(path))
    assert str(from_file.value) == expected


@pytest.mark.parametrize("frames", [1, MAX_FRAMES_PER_CLIP])
def test_frames_per_clip_at_the_ends_of_its_range(frames: int) -> None:
    assert Settings({"frames_per_clip": frames}).frames_per_clip == frames


# -- tracks ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tracks"),
    [("", []), (None, []), ("1", [1]), ("1,3", [1, 3]), (" 3 , 1 ,3", [1, 3]), ("2,,4,", [2, 4]), ("10", [10])],
)
def test_parse_tracks(text: str | None, tracks: list[int]) -> None:
    assert parse_tracks(text) == tracks


@pytest.mark.parametrize("text", ["0", "a", "1-2", "-1", "1.5", "1;2", "1,x"])
def test_parse_tracks_refuses_anything_else(text: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_tracks(text)
    assert str(caught.value) == f"PIX2LUT_TRACKS must list video track numbers like 1,2, found {text!r}."


# -- where the file lives ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "environ", "expected"),
    [
        ("Windows", {"APPDATA": r"C:\Users\grader\AppData\Roaming"}, (r"C:\Users\grader\AppData\Roaming", "Pix2LUT")),
        ("Windows", {}, (HOME, "AppData", "Roaming", "Pix2LUT")),
        ("Windows", {"APPDATA": ""}, (HOME, "AppData", "Roaming", "Pix2LUT")),
        ("Darwin", {"XDG_CONFIG_HOME": "/elsewhere"}, (HOME, "Library", "Application Support", "Pix2LUT")),
        ("Linux", {"XDG_CONFIG_HOME": "/srv/config"}, ("/srv/config", "pix2lut")),
        ("Linux", {}, (HOME, ".config", "pix2lut")),
        ("Linux", {"XDG_CONFIG_HOME": ""}, (HOME, ".config", "pix2lut")),
        ("Linux", {"APPDATA": "/not/for/linux"}, (HOME, ".config", "pix2lut")),
        ("FreeBSD", {}, (HOME, ".config", "pix2lut")),
    ],
)
def test_config_dir_per_os(system: str, environ: dict[str, str], expected: tuple[str, ...]) -> None:
    assert config_dir(system=system, environ=environ, home=HOME) == os.path.join(*expected)
    assert config_path(system=system, environ=environ, home=HOME) == os.path.join(*expected, CONFIG_NAME)


@pytest.mark.parametrize("system", ["Darwin", "Windows", "Linux"])
def test_default_lut_root_per_os(system: str) -> None:
    assert default_lut_root(system) == MASTER_LUT_FOLDERS[system]


def test_default_lut_root_elsewhere_is_linuxs() -> None:
    assert default_lut_root("FreeBSD") == "/opt/resolve/LUT"


# -- the document the installer writes -------------------------------------------------------------------------


def test_config_document_round_trips_through_read_config(tmp_path: Path) -> None:
    path = tmp_path / CONFIG_NAME
    path.write_text(config_document(EVERY_VALUE), encoding="utf-8")
    assert read_config(str(path)) == EVERY_VALUE
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == 1
    assert path.read_text(encoding="utf-8").endswith("}\n")


def test_config_document_leaves_out_nones(tmp_path: Path) -> None:
    path = tmp_path / CONFIG_NAME
    path.write_text(config_document({"server": "tcp://127.0.0.1:1", "python": None}), encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == {"format": 1, "server": "tcp://127.0.0.1:1"}


def test_config_document_refuses_unknown_keys() -> None:
    with pytest.raises(ScriptError) as caught:
        config_document({"server": "tcp://127.0.0.1:1", "sever": "x", "lut-root": "/srv"})
    assert str(caught.value) == "unknown Pix2LUT settings: lut-root, sever"


@pytest.mark.parametrize(("key", "value"), [("node", "2"), ("send_path", 1), ("server", 5), ("retries", True)])
def test_config_document_refuses_what_read_config_would(key: str, value: object) -> None:
    kind = FIELDS[key][1].__name__
    with pytest.raises(ScriptError) as caught:
        config_document({key: value})
    assert str(caught.value) == f"Pix2LUT setting {key!r} must be {kind}, found {value!r}"
