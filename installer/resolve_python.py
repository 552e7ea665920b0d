"""Which Python Resolve runs the menu scripts with, and what the scripts will use there: pyzmq, or the bridge.

Resolve does not use the project's virtualenv (API-NOTES section 1, *observed*):
- macOS: Resolve starts from launchd, so it sees launchd's environment (``launchctl getenv PYTHON3HOME``), not a
  shell's. When that PYTHON3HOME is set, Resolve uses ``$PYTHON3HOME/bin/python3`` and needs
  ``$PYTHON3HOME/lib/libpython3.X.dylib``: without the library every ``.py`` script silently vanishes from the
  Scripts menu. When it is not set, ``/usr/local/bin/python3`` (python.org's);
- Windows (fusionscript): ``FUSION_PYTHON3_HOME``, else ``PYTHONHOME``, else the highest Python 3 registered
  under ``Software\\Python\\PythonCore`` (PEP 514; a 32-bit one cannot load into 64-bit Resolve). Python 3.13 and
  later are reported to crash Resolve 20.x on ``import DaVinciResolveScript``; 3.10 to 3.12 work;
- Linux: Resolve loads the system's Python: ``$PYTHONHOME/bin/python3`` when set, else ``/usr/bin/python3``.

The chosen interpreter is run once with a tiny probe that prints its version and whether it imports ``zmq``;
without pyzmq the scripts start ``python -m resolve_scripts.bridge`` with the project's Python instead.
"""

from __future__ import annotations

import glob
import json
import os
import re
from dataclasses import dataclass

from installer.context import COMMAND_NOT_FOUND, LINUX, MACOS, Context

PROBE_TIMEOUT_S = 15.0  # a cold interpreter start on a busy machine; far more means something is wrong
MIN_VERSION = (3, 6)  # the oldest Python Resolve runs scripts with (resolve_scripts is Python 3.6 syntax)
MACOS_DEFAULT = "/usr/local/bin/python3"
MACOS_HOME = "PYTHON3HOME"  # read from launchd's environment, which is the one Resolve starts with
LAUNCHCTL_TIMEOUT_S = 10.0  # launchctl answers at once; a hung one is an error
MACOS_LIBPYTHON = "lib/libpython3.*.dylib"  # what Resolve loads from PYTHON3HOME (API-NOTES section 1)
MACOS_FRAMEWORKS = "/Library/Frameworks/Python.framework/Versions"  # python.org's installs: prefixes with the library
MACOS_EXAMPLE_PREFIX = MACOS_FRAMEWORKS + "/3.12"
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
# Python 3.13 and later are reported to crash Resolve 20.x on `import DaVinciResolveScript` (API-NOTES section 1)
WINDOWS_CRASHES_FROM = (3, 13)
WINDOWS_WORKING = ((3, 10), (3, 12))  # the versions reported to work with Resolve 20.x, first and last
WINDOWS_RECOMMENDED = "3.12"
WINDOWS_RECOMMENDED_HOME = r"C:\Program Files\Python312"  # python.org's 3.12 installed for all users
WINDOWS_HINT = (
    f"install 64-bit Python {WINDOWS_RECOMMENDED} from python.org for all users ({WINDOWS_CRASHES_FROM[0]}."
    f"{WINDOWS_CRASHES_FROM[1]} and later are reported to crash Resolve 20.x), or set FUSION_PYTHON3_HOME to one"
)
HINTS = {
    MACOS: (
        "install Python 3 from python.org (it provides /usr/local/bin/python3), or run "
        f"`launchctl setenv {MACOS_HOME} <prefix>` for a prefix that holds lib/libpython3.X.dylib and bin/python3 "
        f"(python.org's, e.g. {MACOS_EXAMPLE_PREFIX}), then restart Resolve"
    ),
    LINUX: "install your distribution's python3 package",
}


@dataclass(frozen=True)
class PythonChoice:
    """The interpreter Resolve will use (None: it finds none) and the rule that picked it; ``problem`` and ``fix``
    when it is known, before running it, that Resolve cannot use it (macOS: PYTHON3HOME without libpython)."""

    executable: str | None
    because: str
    problem: str | None = None
    fix: str | None = None


@dataclass(frozen=True)
class PythonReport:
    """The probe's answer: ``version`` and ``zmq`` (pyzmq's version or None); ``problem`` when Resolve cannot use
    it, ``fix`` when the way out is not the system's usual hint."""

    choice: PythonChoice
    version: str | None = None
    bits: int | None = None
    zmq: str | None = None
    problem: str | None = None
    fix: str | None = None

    @property
    def usable(self) -> bool:
        return self.problem is None


def choose_python(ctx: Context) -> PythonChoice:
    """The interpreter Resolve will run the scripts with on ``ctx``'s machine, by the rules above."""
    if ctx.system == MACOS:
        return _macos_choice(ctx)
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
    if choice.problem is not None:
        return PythonReport(choice, problem=choice.problem, fix=choice.fix)
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
    if ctx.is_windows and numbers >= WINDOWS_CRASHES_FROM:
        problem = (
            f"it is Python {version}, and Python {WINDOWS_CRASHES_FROM[0]}.{WINDOWS_CRASHES_FROM[1]} and later are "
            "reported to crash DaVinci Resolve 20.x on `import DaVinciResolveScript`"
        )
        return PythonReport(choice, version, bits, zmq, problem, _windows_fix(ctx))
    return PythonReport(choice, version, bits, zmq)


def report_line(ctx: Context, report: PythonReport, bridge_python: str) -> tuple[bool, str]:
    """``(ok, one sentence)``: which Python Resolve uses, and what the scripts will use in it."""
    choice = report.choice
    where = f"Resolve's Python ({choice.because}) is {choice.executable}"
    hint = report.fix or HINTS.get(ctx.system, WINDOWS_HINT)
    if choice.executable is None:
        return False, f"Resolve finds no Python ({choice.because}): {hint}."
    if not report.usable:
        return False, f"{where}, but {report.problem}: {hint}."
    if report.zmq:
        return True, f"{where} ({report.version}) with pyzmq {report.zmq}: the scripts talk to the server directly."
    return True, (
        f"{where} ({report.version}) without pyzmq: the scripts reach the server through the bridge "
        f"({bridge_python} -m resolve_scripts.bridge)."
    )


def launchd_getenv(ctx: Context, name: str) -> tuple[str | None, str | None]:
    """``(value, trouble)``: the variable ``name`` in launchd's environment (None: unset), or why it is unknown."""
    result = ctx.run(["launchctl", "getenv", name], LAUNCHCTL_TIMEOUT_S)
    if not result.ok:
        return None, f"`launchctl getenv {name}` failed ({result.detail()})"
    return result.stdout.strip() or None, None


def _macos_choice(ctx: Context) -> PythonChoice:
    """PYTHON3HOME as launchd has it (the shell's is not what Resolve sees), else /usr/local/bin/python3."""
    home, trouble = launchd_getenv(ctx, MACOS_HOME)
    shell = ctx.environ.get(MACOS_HOME)
    unseen = f"; your shell's {MACOS_HOME} {shell} is not seen by Resolve" if shell and shell != home else ""
    if home is None:
        because = f"{trouble}, so {MACOS_HOME} is taken as unset" if trouble else f"launchd has no {MACOS_HOME}"
        return PythonChoice(ctx.system_path(MACOS_DEFAULT), because + unseen)
    executable = ctx.join(home, "bin/python3")
    because = f"launchd's {MACOS_HOME} is {home}{unseen}"
    if glob.glob(ctx.join(glob.escape(home), MACOS_LIBPYTHON)):
        return PythonChoice(executable, because)
    problem = (
        f"{ctx.join(home, 'lib')} holds no libpython3.X.dylib, so Resolve silently leaves every .py script out of "
        "Workspace > Scripts"
    )
    prefix = _framework_prefix(ctx)
    if prefix is None:
        setenv = f"install Python 3 from python.org, then run `launchctl setenv {MACOS_HOME} {MACOS_EXAMPLE_PREFIX}`"
    else:
        setenv = f"run `launchctl setenv {MACOS_HOME} {prefix}`"
    fix = (
        f"{setenv} (python.org's prefix holds lib/libpython3.X.dylib), or `launchctl unsetenv {MACOS_HOME}` to use "
        "/usr/local/bin/python3; then restart Resolve"
    )
    return PythonChoice(executable, because, problem, fix)


def _framework_prefix(ctx: Context) -> str | None:
    """The newest python.org framework Python that Resolve can load (libpython and bin/python3), or None."""
    found = []
    for library in glob.glob(ctx.join(glob.escape(ctx.system_path(MACOS_FRAMEWORKS)), "3.*", MACOS_LIBPYTHON)):
        prefix = ctx.parent(ctx.parent(library))
        key = _version_key(ctx.pure(prefix).name)
        if key is not None and os.path.isfile(ctx.join(prefix, "bin/python3")):
            found.append((key, prefix))
    return max(found)[1] if found else None


def _windows_fix(ctx: Context) -> str:
    """How to make Resolve use a Python that works: a registered one if there is one, else python.org's 3.12."""
    first, last = WINDOWS_WORKING
    registered = (ctx.registered_pythons or read_windows_registry)()
    working = [
        (key, exe)
        for key, exe in ((_version_key(tag), exe) for tag, exe in registered if not tag.endswith("-32"))
        if key is not None and first <= key <= last
    ]
    if working:
        key, exe = max(working)
        return (
            f'make Resolve use your Python {key[0]}.{key[1]} with `setx FUSION_PYTHON3_HOME "{ctx.parent(exe)}"`, '
            "then restart Resolve"
        )
    return (
        f"install 64-bit Python {WINDOWS_RECOMMENDED} from python.org for all users ({first[0]}.{first[1]} to "
        f'{last[0]}.{last[1]} work), run `setx FUSION_PYTHON3_HOME "{WINDOWS_RECOMMENDED_HOME}"`, then restart '
        "Resolve"
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
