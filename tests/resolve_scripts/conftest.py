"""What the Resolve-script tests share: a real server with tiny real models, the fake Resolve with six clips of
real pixels, settings and environments that never read the developer's own Pix2LUT config, and menu stubs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from resolve_scripts.menu import entry_by_module, stub_source
from resolve_scripts.settings import Settings
from server.loop import ServerConfig
from tests.fakes import FakeConsole, FakeResolve, six_clip_timeline
from tests.server.conftest import RunningServer, free_port, make_models, start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]
NODE_LABELS = ("Neutralize", "Look")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    models = make_models(tmp_path_factory.mktemp("models"))
    address = f"tcp://127.0.0.1:{free_port()}"
    config = ServerConfig(bind=address, models_dir=models, allowed_roots=(), threads=1)
    running = RunningServer(address, start_server(config), models)
    yield running
    stop_server(running)


@pytest.fixture
def resolve(tmp_path: Path) -> FakeResolve:
    return FakeResolve.create(tmp_path, clips=six_clip_timeline(nodes=NODE_LABELS))


def settings_for(resolve: FakeResolve, server: RunningServer, **values) -> Settings:
    fields = {"server": server.address, "lut_root": str(resolve.fake_master_lut_root), "retries": 1}
    fields.update(values)
    return Settings(fields)


def script_environ(resolve: FakeResolve, **environ: str) -> dict[str, str]:
    """An environment for a script's ``main``: the fake's LUT folder, and a config folder holding no settings file."""
    config_home = resolve.fake_master_lut_root.parent.parent / "empty-config"
    return {"XDG_CONFIG_HOME": str(config_home), "PIX2LUT_LUT_ROOT": str(resolve.fake_master_lut_root), **environ}


def run_main(main: Callable, resolve: FakeResolve, **environ: str) -> tuple[int, list[str]]:
    """Run a script's ``main`` as the menu does, printing to a console that rejects non-ASCII (as Resolve's may);
    ``(exit status, printed lines)``."""
    out = FakeConsole()
    code = main(resolve.fake_script_globals(), environ=script_environ(resolve, **environ), out=out)
    return code, out.getvalue().splitlines()


def write_menu_stub(folder: Path, module: str) -> Path:
    """The installer's stub for ``module`` (importing from this checkout), written into ``folder``."""
    entry = entry_by_module(module)
    path = folder / entry.relative_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(stub_source(entry, ROOT), encoding="utf-8")
    return path


def unreachable_address() -> str:
    return f"tcp://127.0.0.1:{free_port()}"
