"""A real server on loopback with real (tiny) ONNX models, shared by the server tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.client import Client, ServerReplyError
from server.loop import ServerConfig, serve
from tests.server.model_factory import add_model

SERVER_START_TIMEOUT_MS = 10_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_models(folder: Path) -> Path:
    add_model(folder, "grade-lut", "image2lut", "grade", default=True, metrics={"psnr_db": 24.0})
    add_model(folder, "grade-pix", "image2image", "grade")
    add_model(folder, "neutralize-lut", "image2lut", "neutralize", default=True)
    return folder


@dataclass
class RunningServer:
    address: str
    thread: threading.Thread
    models: Path

    def client(self, **options) -> Client:
        return Client(self.address, **options)


def start_server(config: ServerConfig) -> threading.Thread:
    thread = threading.Thread(target=serve, args=(config,), daemon=True)
    thread.start()
    with Client(config.bind, timeout_ms=SERVER_START_TIMEOUT_MS, retries=1) as client:
        client.ping()
    return thread


def stop_server(running: RunningServer) -> None:
    try:
        with running.client(timeout_ms=2000, retries=1) as client:
            client.request("shutdown")
    except ServerReplyError:
        pass
    running.thread.join(timeout=5)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_models(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def allowed_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("allowed")


@pytest.fixture(scope="session")
def server(models_dir: Path, allowed_root: Path) -> Iterator[RunningServer]:
    address = f"tcp://127.0.0.1:{free_port()}"
    config = ServerConfig(bind=address, models_dir=models_dir, allowed_roots=(allowed_root,), threads=1)
    running = RunningServer(address, start_server(config), models_dir)
    yield running
    stop_server(running)
