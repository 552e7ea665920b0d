"""Which Python Resolve runs the scripts with, and what they use there: real tiny interpreters, launchd's
environment and Windows' registry injected."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import zmq

from installer.cli import main
from installer.context import Context, RunResult
from installer.doctor import run_doctor
from installer.resolve_python import PythonChoice, choose_python, probe_python, report_line
from tests.installer.conftest import Launchd, RecordingRunner, make_machine, write_interpreter

HERE = ".".join(str(part) for part in sys.version_info[:3])
REGISTERED = [
    ("3.9", r"C:\Python39\python.exe"),
    ("3.12", r"C:\Users\ana\AppData\Local\Programs\Python\Python312\python.exe"),
    ("3.13-32", r"C:\Python313-32\python.exe"),  # 32-bit: Resolve cannot load it
    ("2.7", r"C:\Python27\python.exe"),
]


FRAMEWORKS = "Library/Frameworks/Python.framework/Versions"  # python.org's Pythons, under the machine's root


def python_prefix(prefix: Path, version: str, libpython: bool = True, *python_options: str) -> Path:
    """A Python installed at ``prefix``: a real tiny ``bin/python3`` and, with ``libpython``, the library Resolve
    loads (an empty file is enough: only its name is looked at)."""
    write_interpreter(prefix / "bin/python3", *python_options)
    if libpython:
        (prefix / "lib").mkdir(parents=True, exist_ok=True)
        (prefix / f"lib/libpython{version}.dylib").write_bytes(b"")
    return prefix


def probe_answer(version: str, bits: int = 64, zmq_version: str | None = None) -> RunResult:
    return RunResult(0, json.dumps({"version": version, "bits": bits, "zmq": zmq_version}) + "\n", "")


def test_macos_uses_usr_local_bin_python3_with_pyzmq(tmp_path: Path) -> None:
    machine = make_machine(tmp_path, "Darwin")
    ctx = Context("Darwin", {}, str(machine.home), root=str(machine.root), runner=Launchd())  # runs the script
    python = write_interpreter(machine.root / "usr/local/bin/python3")
    report = probe_python(ctx)
    assert (report.version, report.zmq, report.problem) == (HERE, zmq.pyzmq_version(), None)
    assert report_line(ctx, report, "/venv/bin/python") == (
        True,
        (f"Resolve's Python (launchd has no PYTHON3HOME) is {python} ({HERE}) with pyzmq {zmq.pyzmq_version()}: "
        "the scripts talk to the server directly."),
    )


def test_python_found_macos_reads_python3home_from_launchd_not_the_shell(tmp_path: Path) -> None:
    machine = make_machine(tmp_path, "Darwin")
    prefix = python_prefix(machine.root / FRAMEWORKS / "3.11", "3.11", True, "-S")  # no site-packages: no pyzmq
    launchd = Launchd({"PYTHON3HOME": str(prefix)})
    shell = {"PYTHON3HOME": "/opt/homebrew/opt/python@3.13"}  # what `export` did in a terminal: Resolve never sees it
    ctx = Context("Darwin", shell, str(machine.home), root=str(machine.root), runner=launchd)
    assert choose_python(ctx).executable == str(prefix / "bin/python3")
    report = probe_python(ctx)
    assert (report.version, report.zmq, report.usable) == (HERE, None, True)
    assert report_line(ctx, report, "/venv/bin/python") == (
        True,
        (f"Resolve's Python (launchd's PYTHON3HOME is {prefix}; your shell's PYTHON3HOME "
        f"/opt/homebrew/opt/python@3.13 is not seen by Resolve) is {prefix}/bin/python3 ({HERE}) without pyzmq: the "
        "scripts reach the server through the bridge (/venv/bin/python -m resolve_scripts.bridge)."),
    )


def no_launchctl(argv: list[str], timeout_s: float) -> RunResult:
    return RunResult(127, "", f"{argv[0]} not found")


def test_python_found_macos_shell_python3home_alone_leaves_resolve_on_usr_local_bin(tmp_path: Path) -> None:
    machine = make_machine(tmp_path, "Darwin")
    shell = {"PYTHON3HOME": str(python_prefix(machine.root / FRAMEWORKS / "3.12", "3.12"))}
    ctx = Context("Darwin", shell, str(machine.home), root=str(machine.root), runner=RecordingRunner())
    assert choose_python(ctx) == PythonChoice(
        f"{machine.root}/usr/local/bin/python3",
        f"launchd has no PYTHON3HOME; your shell's PYTHON3HOME {shell['PYTHON3HOME']} is not seen by Resolve",
    )
    ctx = Context("Darwin", {}, str(machine.home), root=str(machine.root), runner=no_launchctl)
    assert choose_python(ctx) == PythonChoice(
        f"{machine.root}/usr/local/bin/python3",
        "`launchctl getenv PYTHON3HOME` failed (exit 127: launchctl not found), so PYTHON3HOME is taken as unset",
    )


def test_python_found_macos_prefix_without_libpython_is_a_problem_with_the_launchctl_fix(tmp_path: Path) -> None:
    machine = make_machine(tmp_path, "Darwin")
    brew = python_prefix(tmp_path / "opt/homebrew/opt/python@3.13", "3.13", libpython=False)
    runner = RecordingRunner(launchd={"PYTHON3HOME": str(brew)})
    ctx = Context("Darwin", {}, str(machine.home), root=str(machine.root), runner=runner)
    because = f"Resolve's Python (launchd's PYTHON3HOME is {brew}) is {brew}/bin/python3, but {brew}/lib holds no "
    vanish = "libpython3.X.dylib, so Resolve silently leaves every .py script out of Workspace > Scripts: "
    assert report_line(ctx, probe_python(ctx), "/venv/bin/python") == (
        False,
        (because + vanish + "install Python 3 from python.org, then run `launchctl setenv PYTHON3HOME "
        "/Library/Frameworks/Python.framework/Versions/3.12` (python.org's prefix holds lib/libpython3.X.dylib), "
        "or `launchctl unsetenv PYTHON3HOME` to use /usr/local/bin/python3; then restart Resolve."),
    )
    # with python.org's 3.11 and 3.12 installed, the fix names the newest one that Resolve can load
    python_prefix(machine.root / FRAMEWORKS / "3.11", "3.11")
    framework = python_prefix(machine.root / FRAMEWORKS / "3.12", "3.12")
    python_prefix(machine.root / FRAMEWORKS / "3.13", "3.13", libpython=False)
    assert report_line(ctx, probe_python(ctx), "/venv/bin/python") == (
        False,
        (because + vanish + f"run `launchctl setenv PYTHON3HOME {framework}` (python.org's prefix holds "
        "lib/libpython3.X.dylib), or `launchctl unsetenv PYTHON3HOME` to use /usr/local/bin/python3; then restart "
        "Resolve."),
    )
    assert runner.probed == []  # Resolve will not run it, so neither does the probe


def test_python_found_macos_install_and_doctor_name_launchds_python(tmp_path: Path) -> None:
    machine = make_machine(tmp_path, "Darwin")
    (machine.root / "Library/Application Support/Blackmagic Design/DaVinci Resolve/LUT").mkdir(parents=True)
    brew = python_prefix(tmp_path / "opt/homebrew/opt/python@3.13", "3.13", libpython=False)
    machine.runner.launchd["PYTHON3HOME"] = str(brew)
    line = (f"problem: Resolve's Python (launchd's PYTHON3HOME is {brew}) is {brew}/bin/python3, but {brew}/lib holds "
            "no libpython3.X.dylib, so Resolve silently leaves every .py script out of Workspace > Scripts: install "
            "Python 3 from python.org, then run `launchctl setenv PYTHON3HOME /Library/Frameworks/Python.framework/"
            "Versions/3.12` (python.org's prefix holds lib/libpython3.X.dylib), or `launchctl unsetenv PYTHON3HOME` "
            "to use /usr/local/bin/python3; then restart Resolve.")
    status, lines = machine.run("install")
    assert (status, [text for text in lines if text.startswith("problem:")]) == (0, [line])
    out = io.StringIO()
    assert run_doctor(machine.ctx, out, check_server=False) == 1
    assert [text for text in out.getvalue().splitlines() if text.startswith("problem:")] == [line]


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


def test_python_found_windows_with_no_python_registered_recommends_3_12() -> None:
    runner = RecordingRunner()
    ctx = Context("Windows", {}, r"C:\Users\ana", runner=runner, registered_pythons=lambda: REGISTERED[2:])
    assert report_line(ctx, probe_python(ctx), r"C:\p\python.exe") == (
        False,
        (r"Resolve finds no Python (no 64-bit Python 3 is registered under Software\Python\PythonCore): install "
        "64-bit Python 3.12 from python.org for all users (3.13 and later are reported to crash Resolve 20.x), or set "
        "FUSION_PYTHON3_HOME to one."),
    )
    assert runner.probed == []


PYTHON313 = r"C:\Users\ana\AppData\Local\Programs\Python\Python313\python.exe"
CRASHES = (
    "and Python 3.13 and later are reported to crash DaVinci Resolve 20.x on `import DaVinciResolveScript`: "
)


def test_python_found_windows_3_13_is_named_and_a_registered_3_12_recommended() -> None:
    registered = REGISTERED + [("3.13", PYTHON313)]
    runner = RecordingRunner(python_answer=probe_answer("3.13.1", zmq_version="26.2.0"))
    ctx = Context("Windows", {}, r"C:\Users\ana", runner=runner, registered_pythons=lambda: registered)
    report = probe_python(ctx)
    assert runner.probed == [PYTHON313]  # the highest registered wins, as in Resolve
    assert report_line(ctx, report, r"C:\p\python.exe") == (
        False,
        (rf"Resolve's Python (the highest registered Python (3.13)) is {PYTHON313}, but it is Python 3.13.1, "
        + CRASHES + r'make Resolve use your Python 3.12 with `setx FUSION_PYTHON3_HOME "C:\Users\ana\AppData\Local'
        r'\Programs\Python\Python312"`, then restart Resolve.'),
    )


def test_python_found_windows_3_14_by_fusion_python3_home_without_a_working_one_registered() -> None:
    runner = RecordingRunner(python_answer=probe_answer("3.14.0"))
    ctx = Context("Windows", {"FUSION_PYTHON3_HOME": r"D:\Py314"}, r"C:\Users\ana", runner=runner,
                  registered_pythons=lambda: [("3.9", r"C:\Python39\python.exe")])
    assert report_line(ctx, probe_python(ctx), r"C:\p\python.exe") == (
        False,
        (r"Resolve's Python (FUSION_PYTHON3_HOME is set) is D:\Py314\python.exe, but it is Python 3.14.0, " + CRASHES
        + "install 64-bit Python 3.12 from python.org for all users (3.10 to 3.12 work), run "
        r'`setx FUSION_PYTHON3_HOME "C:\Program Files\Python312"`, then restart Resolve.'),
    )


def test_python_found_windows_install_and_doctor_say_3_13_crashes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # Windows paths are relative here: whatever is read, nothing is there
    registered = [("3.13", PYTHON313)]
    runner = RecordingRunner(python_answer=probe_answer("3.13.1"))
    ctx = Context("Windows", {}, r"C:\Users\ana", runner=runner, registered_pythons=lambda: registered)
    line = (rf"problem: Resolve's Python (the highest registered Python (3.13)) is {PYTHON313}, but it is Python "
            "3.13.1, " + CRASHES + "install 64-bit Python 3.12 from python.org for all users (3.10 to 3.12 work), run "
            r'`setx FUSION_PYTHON3_HOME "C:\Program Files\Python312"`, then restart Resolve.')
    out = io.StringIO()
    assert main(["install", "--dry-run"], context=ctx, out=out) == 0
    assert line in out.getvalue().splitlines()
    out = io.StringIO()
    assert run_doctor(ctx, out, check_server=False) == 1
    assert line in out.getvalue().splitlines()


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
