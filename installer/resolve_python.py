"""Which Python Resolve runs the menu scripts with, and what the scripts will use there: pyzmq, or the bridge.

Resolve does not use the project's virtualenv (API-NOTES section 1, *observed*):
- macOS: ``$PYTHON3HOME/bin/python3`` when PYTHON3HOME is set, else ``/usr/local/bin/python3`` (python.org's);
- Windows (fusionscript): ``FUSION_PYTHON3_HOME``, else ``PYTHONHOME``, else the highest Python 3 registered
  under ``Software\\Python\\PythonCore`` (PEP 514; a 32-bit one cannot load into 64-bit Resolve);
- Linux: Resolve loads the system's Python: ``$PYTHONHOME/bin/python3`` when set, else ``/usr/bin/python3``.

The chosen interpreter is run once with a tiny probe that prints its version and whether it imports ``zmq``;
without pyzmq the scripts start ``python -m resolve_scripts.bridge`` with the project's Python instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from installer.context import COMMAND_NOT_FOUND, LINUX, MACOS, Context

PROBE_TIMEOUT_S = 15.0  # a cold interpreter start on a busy machine; far more means something is wrong
MIN_VERSION = (3, 6)  # the oldest Python Resolve runs scripts with (resolve_scripts is Python 3.6 syntax)
MACOS_DEFAULT = "/usr/local/bin/python3"
LINUX_DEFAULT = "/usr/bin/python3"
WINDOWS_HOMES = ("FUSION_PYTHON3_HOME", "PYTHONHOME")  # fusionscript's order
PEP514_KEY = r"Software\Python\PythonCore"
# The probe runs in Resolve's Python, which may be as old as 3.6: no f-strings past 3.6, nothing outside stdlib.
PROBE = """
import json, sys
info = {"version": "%d.%d.%d" % tuple(sys.version_info[:3]), "bits": 64 if sys.maxsize > 2 ** 32 else 32}
try:
    import zmq
    info["zmq"] = zmq.pyzmq_version()
except Exception:  # ImportError, or a broken pyzmq build: either way the scripts cannot use it
    info["zmq"] = None
print(json.dumps(info))
"""
WINDOWS_HINT = "install 64-bit Python 3 from python.org for all users, or set FUSION_PYTHON3_HOME to one"
HINTS = {
    MACOS: "install Python 3 from python.org (it provides /usr/local/bin/python3), or set PYTHON3HOME to one",
    LINUX: "install your distribution's python3 package",
}


@dataclass(frozen=True)
class PythonChoice:
    """The interpreter Resolve will use (None: it finds none) and the rule that picked it."""

    executable: str | None
    because: str


@dataclass(frozen=True)
class PythonReport:
    """The probe's answer: ``version`` and ``zmq`` (pyzmq's version or None); ``problem`` when it did not run."""

    choice: PythonChoice
    version: str | None = None
    bits: int | None = None
    zmq: str | None = None
    problem: str | None = None

    @property
    def usable(self) -> bool:
        return self.problem is None


def choose_python(ctx: Context) -> PythonChoice:
    """The interpreter Resolve will run the scripts with on ``ctx``'s machine, by the rules above."""
    if ctx.system == MACOS:
        home = ctx.environ.get("PYTHON3HOME")
        if home:
            return PythonChoice(ctx.join(home, "bin/python3"), "PYTHON3HOME is set")
        return PythonChoice(ctx.system_path(MACOS_DEFAULT), "macOS: PYTHON3HOME is not set")
    if ctx.system == LINUX:
        home = ctx.environ.get("PYTHONHOME")
        if home:
            return PythonChoice(ctx.join(home, "bin/python3"), "PYTHONHOME is set")
        return PythonChoice(ctx.system_path(LINUX_DEFAULT), "the system's Python")
    for variable in WINDOWS_HOMES:
        home = ctx.environ.get(variable)
        if home:
            return PythonChoice(ctx.join(home, "python.exe"), f"{variable} is set")
    registered = (ctx.registered_pythons or read_windows_registry)()
    candidates = [(_version_key(tag), exe) for tag, exe in registered if _version_key(tag) and not tag.endswith("-32")]
    if not candidates:
        return PythonChoice(None, f"no 64-bit Python 3 is registered under {PEP514_KEY}")
    key, exe = max(candidates)
    return PythonChoice(exe, f"the highest registered Python ({key[0]}.{key[1]})")


def probe_python(ctx: Context, choice: PythonChoice | None = None) -> PythonReport:
    """Run the chosen interpreter once; its version and whether it has pyzmq, or the problem."""
    choice = choice or choose_python(ctx)
    if choice.executable is None:
        return PythonReport(choice, problem="none found")
    result = ctx.run([choice.executable, "-c", PROBE], PROBE_TIMEOUT_S)
    if result.returncode == COMMAND_NOT_FOUND:
        return PythonReport(choice, problem="no such program exists")
    if not result.ok:
        return PythonReport(choice, problem=f"it does not run ({result.detail()})")
    try:
        info = json.loads(result.stdout.strip().splitlines()[-1])
        version, bits, zmq = str(info["version"]), int(info["bits"]), info["zmq"]
    except (IndexError, KeyError, TypeError, ValueError):
        return PythonReport(choice, problem=f"its answer does not read ({result.stdout.strip()[:80]!r})")
    numbers = tuple(int(part) for part in version.split(".")[:2])
    if numbers < MIN_VERSION:
        problem = f"it is Python {version}, older than {MIN_VERSION[0]}.{MIN_VERSION[1]}"
        return PythonReport(choice, version, bits, zmq, problem)
    if bits != 64:
        return PythonReport(choice, version, bits, zmq, f"it is a {bits}-bit Python; Resolve needs 64-bit")
    return PythonReport(choice, version, bits, zmq)


def report_line(ctx: Context, report: PythonReport, bridge_python: str) -> tuple[bool, str]:
    """``(ok, one sentence)``: which Python Resolve uses, and what the scripts will use in it."""
    choice = report.choice
    where = f"Resolve's Python ({choice.because}) is {choice.executable}"
    if choice.executable is None:
        return False, f"Resolve finds no Python ({choice.because}): {HINTS.get(ctx.system, WINDOWS_HINT)}."
    if not report.usable:
        return False, f"{where}, but {report.problem}: {HINTS.get(ctx.system, WINDOWS_HINT)}."
    if report.zmq:
        return True, f"{where} ({report.version}) with pyzmq {report.zmq}: the scripts talk to the server directly."
    return True, (
        f"{where} ({report.version}) without pyzmq: the scripts reach the server through the bridge "
        f"({bridge_python} -m resolve_scripts.bridge)."
    )


def read_windows_registry() -> list[tuple[str, str]]:
    """``(tag, python.exe)`` of the Pythons registered per PEP 514, this user's and the machine's (64-bit view)."""
    import winreg  # Windows only; tests pass ``Context.registered_pythons`` instead

    found: list[tuple[str, str]] = []
    hives = ((winreg.HKEY_CURRENT_USER, 0), (winreg.HKEY_LOCAL_MACHINE, winreg.KEY_WOW64_64KEY))
    for hive, view in hives:
        try:
            core = winreg.OpenKey(hive, PEP514_KEY, 0, winreg.KEY_READ | view)
        except OSError:
            continue
        with core:
            index = 0
            while True:
                try:
                    tag = winreg.EnumKey(core, index)
                except OSError:
                    break
                index += 1
                try:
                    with winreg.OpenKey(core, tag + r"\InstallPath", 0, winreg.KEY_READ | view) as install:
                        try:
                            exe = winreg.QueryValueEx(install, "ExecutablePath")[0]
                        except OSError:
                            exe = str(winreg.QueryValueEx(install, "")[0]).rstrip("\\") + r"\python.exe"
                except OSError:
                    continue
                found.append((tag, exe))
    return found


def _version_key(tag: str) -> tuple[int, int] | None:
    match = re.match(r"(\d+)\.(\d+)", tag)
    if match is None or match.group(1) != "3":
        return None
    return int(match.group(1)), int(match.group(2))
