"""Pix2LUT as a user installs it: the wheel built, installed (not editable) into a fresh environment, and used
from a folder outside the checkout, with no options pointing at the models.

The fresh environment takes the wheel alone; its dependencies (numpy, onnxruntime, ...) come from the test's own
environment through a path file, so the test needs no network and the only Pix2LUT it can import is the wheel's.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from server.client import Client, Frame
from tests.server.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SHOT = ROOT / "pix2lut" / "data" / "sample_shot.jpg"
STEP_TIMEOUT_S = 180
SERVER_START_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh environment holding the wheel built from this checkout."""
    dist, env = tmp_path_factory.mktemp("dist"), tmp_path_factory.mktemp("env") / "venv"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
                    str(ROOT)], check=True, timeout=STEP_TIMEOUT_S, cwd=dist)
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    (wheel,) = dist.glob("pix2lut-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, timeout=STEP_TIMEOUT_S)
    packages = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                              check=True, capture_output=True, text=True).stdout.strip()
    (Path(packages) / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    return env / "bin"


def user_environ() -> dict[str, str]:
    """This environment, less what would point the installed package at the checkout."""
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PIX2LUT_MODELS")}


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=False, cwd=cwd, env=user_environ(), capture_output=True, text=True,
                          timeout=STEP_TIMEOUT_S)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    found = run([str(installed / "python"), "-c", "import pix2lut, server; print(pix2lut.__file__, server.__file__)"],
                tmp_path)
    assert found.returncode == 0, found.stderr
    assert str(ROOT) not in found.stdout and str(installed.parent) in found.stdout


def test_the_panels_lookup_finds_the_installed_models(installed: Path, tmp_path: Path) -> None:
    """The panel starts its server with ``find_models(--models)``: with no option, the installed copy."""
    found = run([str(installed / "python"), "-c", "from server.model_folder import find_models; print(find_models())"],
                tmp_path)
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()) == installed.parent / "share" / "pix2lut" / "onnx_models"


def test_grade_local_finds_the_installed_models_from_any_folder(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "shot.jpg").write_bytes(SAMPLE_SHOT.read_bytes())
    graded = run([str(installed / "pix2lut"), "grade", "shot.jpg", "--local", "-o", "shot.cube"], tmp_path)
    assert graded.returncode == 0, graded.stderr
    assert "LUT_3D_SIZE 33" in (tmp_path / "shot.cube").read_text(encoding="ascii")
    version = run([str(installed / "pix2lut"), "--version"], tmp_path)
    assert version.stdout.strip() == "pix2lut 0.1.0"


def test_serve_finds_the_installed_models_and_grades(installed: Path, tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    server = subprocess.Popen([str(installed / "pix2lut"), "serve", "--bind", address], cwd=tmp_path, env=user_environ(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        with Client(address, timeout_ms=SERVER_START_TIMEOUT_MS, retries=1) as client:
            assert client.ping()["version"] == "0.1.0"
            reply = client.request("grade", [Frame.from_file(SAMPLE_SHOT)])
            assert "LUT_3D_SIZE 33" in reply.cube_text
            client.request("shutdown")
        server.wait(timeout=STEP_TIMEOUT_S)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    shipped = json.loads((ROOT / "onnx_models" / "manifest.json").read_text(encoding="utf-8"))["defaults"]["grade"]
    assert reply.header["model"] == shipped  # the shipped default, from the installed copy


def test_the_installer_plans_from_the_installed_package(installed: Path, tmp_path: Path) -> None:
    planned = run([str(installed / "pix2lut-install"), "install", "--dry-run"], tmp_path)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "nothing was changed" in planned.stdout
