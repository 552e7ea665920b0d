"""Beyond loopback only with CURVE: allowed clients are answered, everyone else gets no connection at all."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import zmq.auth

from server.client import Client, ClientError
from server.errors import ServerError
from server.loop import SERVER_SECRET_KEY, ServerConfig, is_loopback_endpoint, serve
from tests.server.conftest import SERVER_START_TIMEOUT_MS, free_port

REFUSED_TIMEOUT_MS = 500  # a refused client never hears back; this is how long each test waits to be sure
SHUTDOWN_TIMEOUT_MS = 2000
SERVER_STOP_TIMEOUT_S = 5


@dataclass(frozen=True)
class Keys:
    """CURVE key pairs as ``(public, secret)``, made by zmq.auth, and the server's keys folder."""

    server: tuple[bytes, bytes]
    client: tuple[bytes, bytes]
    stranger: tuple[bytes, bytes]
    server_folder: Path


@dataclass
class CurveServer:
    address: str  # where clients connect: loopback, though the server listens on every interface
    thread: threading.Thread
    keys: Keys

    def client(self, keys: tuple[bytes, bytes] | None, **options) -> Client:
        """A client holding the key pair ``keys`` (``None``: no CURVE at all)."""
        curve = None if keys is None else (*keys, self.keys.server[0])
        return Client(self.address, curve=curve, **options)


def make_keys(folder: Path) -> Keys:
    """Certificates as an administrator makes them; only the server's secret and the client's key are installed."""
    made = folder / "made"
    made.mkdir()
    certificates = {name: zmq.auth.create_certificates(made, name) for name in ("server", "client", "stranger")}
    server_folder = folder / "server_keys"
    server_folder.mkdir()
    shutil.copy(certificates["server"][1], server_folder / SERVER_SECRET_KEY)
    shutil.copy(certificates["client"][0], server_folder / "client.key")
    pairs = {name: zmq.auth.load_certificate(secret) for name, (_, secret) in certificates.items()}
    return Keys(pairs["server"], pairs["client"], pairs["stranger"], server_folder)


@pytest.fixture
def curve_server(tmp_path: Path, models_dir: Path) -> Iterator[CurveServer]:
    keys = make_keys(tmp_path)
    port = free_port()
    config = ServerConfig(bind=f"tcp://0.0.0.0:{port}", curve_keys=keys.server_folder, models_dir=models_dir,
                          threads=1)
    thread = threading.Thread(target=serve, args=(config,), daemon=True)
    thread.start()
    running = CurveServer(f"tcp://127.0.0.1:{port}", thread, keys)
    with running.client(keys.client, timeout_ms=SERVER_START_TIMEOUT_MS, retries=1) as client:
        client.ping()
    yield running
    if thread.is_alive():  # a test that failed before its own shutdown
        with running.client(keys.client, timeout_ms=SHUTDOWN_TIMEOUT_MS, retries=1) as client:
            client.request("shutdown")
        thread.join(timeout=SERVER_STOP_TIMEOUT_S)


def refused(server: CurveServer, keys: tuple[bytes, bytes] | None) -> str:
    """The ClientError message a client with ``keys`` ends with (it fails the test if an answer came)."""
    with server.client(keys, timeout_ms=REFUSED_TIMEOUT_MS, retries=1) as client, \
            pytest.raises(ClientError) as raised:
        client.ping()
    return str(raised.value)


def test_only_a_client_whose_key_is_installed_is_answered(curve_server):
    with curve_server.client(curve_server.keys.client) as client:
        assert client.ping()["ok"]

    assert refused(curve_server, None).startswith(f"no answer from {curve_server.address} after 1 tries of 500 ms")
    assert refused(curve_server, curve_server.keys.stranger).startswith(f"no answer from {curve_server.address}")

    with curve_server.client(curve_server.keys.client) as client:
        assert client.models()[0]["name"] == "grade-lut"
        # over 127.0.0.1 the server sees a loopback peer (its Peer-Address), so shutdown is allowed
        assert client.request("shutdown").header["ok"]
    curve_server.thread.join(timeout=SERVER_STOP_TIMEOUT_S)
    assert not curve_server.thread.is_alive()


def test_a_stranger_cannot_shut_the_server_down(curve_server):
    with curve_server.client(curve_server.keys.stranger, timeout_ms=REFUSED_TIMEOUT_MS, retries=1) as client, \
            pytest.raises(ClientError, match="^no answer from"):
        client.request("shutdown")
    assert curve_server.thread.is_alive()
    with curve_server.client(curve_server.keys.client) as client:
        assert client.ping()["ok"]


def test_keys_folder_without_the_servers_secret_is_refused(tmp_path, models_dir):
    bind = f"tcp://0.0.0.0:{free_port()}"
    with pytest.raises(ServerError) as raised:
        serve(ServerConfig(bind=bind, curve_keys=tmp_path, models_dir=models_dir))
    assert str(raised.value) == f"{tmp_path} holds no server.key_secret: create keys with zmq.auth.create_certificates"


@pytest.mark.parametrize("endpoint", [
    "tcp://127.0.0.1:5555", "tcp://127.8.0.1:1", "tcp://[::1]:5", "tcp://localhost:5", "ipc:///tmp/x", "inproc://x",
])
def test_loopback_endpoints(endpoint):
    assert is_loopback_endpoint(endpoint)


@pytest.mark.parametrize("endpoint", ["tcp://0.0.0.0:5", "tcp://*:5", "tcp://192.168.1.2:5", "tcp://eth0:5"])
def test_endpoints_reachable_from_elsewhere(endpoint):
    assert not is_loopback_endpoint(endpoint)
