"""The Workspace > Scripts menu: every entry's stub, run the way Resolve runs it, against a real server."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from resolve_scripts.menu import MENU_ENTRIES, MENU_FOLDER, MenuEntry, entries_on_page, entry_by_module, stub_source
from tests.fakes import FakeResolve, FakeUI, MenuScriptNotListed, six_clip_timeline
from tests.resolve_scripts.conftest import NODE_LABELS, ROOT, script_environ, write_menu_stub
from tests.server.conftest import RunningServer

RESOLVE_PYTHON = (3, 6)  # the oldest Python Resolve may run the scripts with
RESOLVE_CATEGORIES = ("Utility", "Edit", "Color", "Deliver", "Comp", "Tool")  # API-NOTES section 8
PREFIX = "Pix2LUT"
NOTHING_TO_UNDO = "Pix2LUT: Nothing to undo: the Pix2LUT journal records no run."
STUB_RUN_TIMEOUT_S = 30


def entry_id(entry: MenuEntry) -> str:
    return entry.title


@pytest.mark.parametrize("entry", MENU_ENTRIES, ids=entry_id)
def test_stub_is_python_36(entry: MenuEntry) -> None:
    source = stub_source(entry, ROOT)
    ast.parse(source, filename=entry.relative_path, feature_version=RESOLVE_PYTHON)
    assert repr(str(ROOT)) in source and f"from {entry.module} import main" in source


@pytest.mark.parametrize("entry", MENU_ENTRIES, ids=entry_id)
def test_entry_runs_a_module_with_main(entry: MenuEntry) -> None:
    module = importlib.import_module(entry.module)
    assert callable(module.main)
    assert entry_by_module(entry.module).module == entry.module
    assert entry.category in RESOLVE_CATEGORIES
    assert Path(entry.relative_path).parts == (entry.category, MENU_FOLDER, entry.title + ".py")


def test_entries_are_distinct() -> None:
    assert len({entry.relative_path for entry in MENU_ENTRIES}) == len(MENU_ENTRIES)
    assert len({(entry.category, entry.module) for entry in MENU_ENTRIES}) == len(MENU_ENTRIES)
    with pytest.raises(KeyError):
        entry_by_module("resolve_scripts.no_such_module")


def test_menu_page_every_action_is_listed_on_the_color_page_and_the_timeline_ones_on_the_edit_page() -> None:
    """Resolve lists Color/ scripts only while the Color page is open: editors on the Edit page see the
    timeline-wide actions too, and Doctor everywhere."""
    titles = {page: {entry.title for entry in entries_on_page(page)} for page in ("color", "edit", "fusion")}
    assert titles["color"] == {"Grade Clip", "Neutralize + Look", "Match to Reference", "Undo", "Doctor"}
    assert titles["edit"] == {"Neutralize + Look", "Undo", "Doctor"}
    assert titles["fusion"] == {"Doctor"}


def test_menu_page_readme_says_where_each_entry_appears() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for entry in MENU_ENTRIES:
        assert f"{entry.category} > {MENU_FOLDER} > {entry.title}" in readme, entry


def run_stub(
    resolve: FakeResolve, folder: Path, module: str, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str]
) -> None:
    """The stub run from Resolve's menu: its environment is the process's own (the stub passes none)."""
    for name in [name for name in os.environ if name.startswith("PIX2LUT_")]:  # the developer's own settings
        monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    resolve.fake_run_menu_script(write_menu_stub(folder, module))


@pytest.mark.parametrize("entry", MENU_ENTRIES, ids=entry_id)
def test_each_stub_runs_from_the_menu(
    tmp_path: Path,
    server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    entry: MenuEntry,
) -> None:
    resolve = FakeResolve.create(tmp_path, clips=six_clip_timeline(nodes=NODE_LABELS), ui_manager=FakeUI())
    item = resolve.fake_timeline().fake_item("Shot 01")

    run_stub(
        resolve, tmp_path / "Scripts", entry.module, monkeypatch, script_environ(resolve, PIX2LUT_SERVER=server.address)
    )

    lines = capsys.readouterr().out.splitlines()
    assert lines, entry.title
    assert all(line.startswith(PREFIX) for line in lines), lines
    expected_first = {
        "Grade Clip": "Pix2LUT: graded 'Shot 01' with grade-lut",
        "Neutralize + Look": "Pix2LUT: 6 clip(s) to grade on 'Timeline 1'; to stop before the next one, create ",
        "Match to Reference": "Pix2LUT: No reference to match 'Shot 01' to: ",
        "Undo": NOTHING_TO_UNDO,
        "Doctor": "Pix2LUT doctor [ok] Settings file: none (defaults and PIX2LUT_ variables).",
    }
    assert lines[0].startswith(expected_first[entry.title]), lines
    if entry.title == "Undo":
        assert lines == [NOTHING_TO_UNDO]
    if entry.title == "Doctor":
        assert all(line.startswith(("Pix2LUT doctor [ok] ", "Pix2LUT doctor [note] ")) for line in lines), lines
    graded = entry.title in ("Grade Clip", "Neutralize + Look")
    assert item.fake_versions() == (["Version 1", "Pix2LUT 1"] if graded else ["Version 1"])
    assert resolve.GetCurrentPage() == "edit"


def run_in_bare_python(stub: Path, run_path_options: str, environ: dict[str, str] | None = None):
    """Run ``stub`` as a menu script in a Python without site-packages (``-I -S``), like Resolve's own."""
    runner = f"import runpy, sys; runpy.run_path(sys.argv[1], {run_path_options}run_name='__main__')"
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", runner, str(stub)],
        check=False,
        cwd=stub.parent,
        capture_output=True,
        text=True,
        timeout=STUB_RUN_TIMEOUT_S,
        env=environ,
    )


def test_a_stub_with_the_wrong_scripts_root_is_one_line(tmp_path: Path) -> None:
    # Resolve's own Python knows nothing of this checkout: run the stub in a Python without site-packages, so
    # resolve_scripts can come from SCRIPTS_ROOT only.
    entry = entry_by_module("resolve_scripts.grade_clip")
    wrong_root = tmp_path / "not-the-scripts"
    wrong_root.mkdir()
    stub = tmp_path / "Grade Clip.py"
    stub.write_text(stub_source(entry, wrong_root), encoding="utf-8")

    done = run_in_bare_python(stub, "init_globals={'resolve': None}, ")

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        (
            f"Pix2LUT: cannot load the scripts from {wrong_root} (No module named 'resolve_scripts'): "
            "run pix2lut-install again."
        )
    ]


def test_a_stub_with_the_right_scripts_root_loads_in_a_bare_python(tmp_path: Path) -> None:
    # The same bare Python finds the scripts through SCRIPTS_ROOT alone (and, given no Resolve, says so).
    stub = tmp_path / "Doctor.py"
    stub.write_text(stub_source(entry_by_module("resolve_scripts.doctor"), ROOT), encoding="utf-8")
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "empty-config"), "PIX2LUT_SERVER": "tcp://127.0.0.1:1"}
    done = run_in_bare_python(stub, "", environ)
    assert done.stderr == ""
    assert "Pix2LUT doctor [problem] Resolve: Cannot reach DaVinci Resolve:" in done.stdout


def test_free_21_1_lists_no_python_stub(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    resolve = FakeResolve.create(tmp_path, edition="free", version=(21, 1, 0), clips=six_clip_timeline())
    for entry in MENU_ENTRIES:
        with pytest.raises(MenuScriptNotListed):
            resolve.fake_run_menu_script(write_menu_stub(tmp_path / "Scripts", entry.module))
    assert capsys.readouterr().out == ""
    assert resolve.fake_timeline().fake_item("Shot 01").fake_versions() == ["Version 1"]
