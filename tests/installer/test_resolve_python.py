"""Which Python Resolve runs the scripts with, and what they use there: real tiny interpreters, and Windows'
choice from an injected registry."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import zmq

from installer.context import Context, RunResult
from installer.resolve_python import choose_python, probe_python, report_line
from tests.installer.conftest import RecordingRunner, make_machine, write_interpreter

HERE = ".".join(str(part) for part in sys.version_info[:3])
REGISTERED = [
    ("3.9", r"C:\Python39\python.exe"),
    ("3.12", r"C:\Users\ana\AppData\Local\Programs\Python\Python312\python.exe"),
    ("3.13-32", r"C:\Python313-32\python.exe"),  # 32-bit: Resolve cannot load it
    ("2.7", r"C:\Python27\python.exe"),
]


def probe_answer(version: str, bits: int = 64, zmq_version: str | None = None) -> RunResult:
    return RunResult(0, json.dumps({"version": version, "bits": bits, "zmq": zmq_version}) + "\n", "")


def test_macos_uses_usr_local_bin_python3_with_pyzmq(tmp_path: Path) -> None:
    machine = make_machine(tmp_path, "Darwin")
    ctx = Context("Darwin", {}, str(machine.home), root=str(machine.root))  # the real runner: runs the script
    python = write_interpreter(machine.root / "usr/local/bin/python3")
    report = probe_python(ctx)
    assert (report.version, report.zmq, report.problem) == (HERE, zmq.pyzmq_version(), None)
    assert report_line(ctx, report, "/venv/bin/python") == (
        True,
        (f"Resolve's Python (macOS: PYTHON3HOME is not set) is {python} ({HERE}) with pyzmq {zmq.pyzmq_version()}: "
        "the scripts talk to the server directly."),
    )


def test_macos_python3home_without_pyzmq_means_the_bridge(tmp_path: Path) -> None:
    machine = make_machine(tmp_path, "Darwin")
    home = tmp_path / "Python.framework/Versions/3.11"
    python = write_interpreter(home / "bin/python3", "-S")  # no site-packages: no pyzmq
    ctx = Context("Darwin", {"PYTHON3HOME": str(home)}, str(machine.home), root=str(machine.root))
    assert choose_python(ctx).executable == str(python)
    report = probe_python(ctx)
    assert (report.version, report.zmq, report.usable) == (HERE, None, True)
    assert report_line(ctx, report, "/venv/bin/python") == (
        True,
        (f"Resolve's Python (PYTHON3HOME is set) is {python} ({HERE}) without pyzmq: the scripts reach the server "
        "through the bridge (/venv/bin/python -m resolve_scripts.bridge)."),
    )


def test_missing_python_is_a_problem_with_what_to_install(tmp_path: Path) -> None:
    machine = make_machine(tmp_path, "Darwin")
    ctx = Context("Darwin", {}, str(machine.home), root=str(machine.root))
    report = probe_python(ctx)
    assert report_line(ctx, report, "/venv/bin/python") == (
        False,
        (f"Resolve's Python (macOS: PYTHON3HOME is not set) is {machine.root}/usr/local/bin/python3, but no such "
        "program exists: install Python 3 from python.org (it provides /usr/local/bin/python3), or set PYTHON3HOME "
        "to one."),
    )


def test_linux_uses_the_system_python_or_pythonhome(tmp_path: Path) -> None:
    machine = make_machine(tmp_path)
    assert choose_python(machine.ctx).executable == f"{machine.root}/usr/bin/python3"
    ctx = Context("Linux", {"PYTHONHOME": "/opt/python3.10"}, str(machine.home))
    assert choose_python(ctx).executable == "/opt/python3.10/bin/python3"


def test_windows_picks_the_highest_registered_64_bit_python3() -> None:
    runner = RecordingRunner(python_answer=probe_answer("3.12.4", zmq_version="26.0.3"))
    ctx = Context("Windows", {}, r"C:\Users\ana", runner=runner, registered_pythons=lambda: REGISTERED)
    report = probe_python(ctx)
    assert runner.probed == [r"C:\Users\ana\AppData\Local\Programs\Python\Python312\python.exe"]
    assert report_line(ctx, report, r"C:\p\python.exe") == (
        True,
        (r"Resolve's Python (the highest registered Python (3.12)) is "
        r"C:\Users\ana\AppData\Local\Programs\Python\Python312\python.exe (3.12.4) with pyzmq 26.0.3: the scripts "
        "talk to the server directly."),
    )


def test_windows_fusion_python3_home_then_pythonhome_win_over_the_registry() -> None:
    both = {"FUSION_PYTHON3_HOME": r"D:\Py311", "PYTHONHOME": r"D:\Py310"}
    ctx = Context("Windows", both, r"C:\Users\ana", registered_pythons=lambda: REGISTERED)
    assert choose_python(ctx).executable == r"D:\Py311\python.exe"
    ctx = Context("Windows", {"PYTHONHOME": r"D:\Py310"}, r"C:\Users\ana", registered_pythons=lambda: REGISTERED)
    assert (choose_python(ctx).executable, choose_python(ctx).because) == (r"D:\Py310\python.exe", "PYTHONHOME is set")


def test_windows_with_no_python_registered() -> None:
    runner = RecordingRunner()
    ctx = Context("Windows", {}, r"C:\Users\ana", runner=runner, registered_pythons=lambda: REGISTERED[2:])
    assert report_line(ctx, probe_python(ctx), r"C:\p\python.exe") == (
        False,
        (r"Resolve finds no Python (no 64-bit Python 3 is registered under Software\Python\PythonCore): install "
        "64-bit Python 3 from python.org for all users, or set FUSION_PYTHON3_HOME to one."),
    )
    assert runner.probed == []


def test_too_old_or_32_bit_python_is_a_problem(tmp_path: Path) -> None:
    machine = make_machine(tmp_path)
    for answer, problem in [
        (probe_answer("3.5.2"), "it is Python 3.5.2, older than 3.6"),
        (probe_answer("3.8.10", bits=32), "it is a 32-bit Python; Resolve needs 64-bit"),
        (RunResult(0, "Welcome!\n", ""), "its answer does not read ('Welcome!')"),
        (RunResult(1, "", "Fatal Python error: init_fs_encoding\n"),
         "it does not run (exit 1: Fatal Python error: init_fs_encoding)"),
    ]:
        runner = RecordingRunner(python_answer=answer)
        ctx = Context("Linux", {}, str(machine.home), root=str(machine.root), runner=runner)
        report = probe_python(ctx)
        assert (report.usable, report.problem) == (False, problem)
        ok, line = report_line(ctx, report, "/venv/bin/python")
        assert (ok, line) == (
            False,
            (f"Resolve's Python (the system's Python) is {machine.root}/usr/bin/python3, but {problem}: install your "
            "distribution's python3 package."),
        )
