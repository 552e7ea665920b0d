"""The socket side of the server: one explicit loop, and N worker processes behind libzmq's proxy.

One process (``workers == 1``): a ROUTER socket, a poll loop, ``Service.handle`` for each message.
Several: the main process binds the ROUTER front end and a DEALER back end on loopback and runs
``zmq.proxy_steerable`` between them; each worker process loads its own models (one per GPU) and runs the same
loop on a DEALER socket connected to the back end. A ``shutdown`` reaching a worker stops the proxy through its
control socket, which ends every worker.

Binding anything but loopback requires CURVE keys (``zmq.auth``): clients must then hold a certificate whose
public key lies in the configured folder, and everyone else is rejected by the authenticator.
"""

from __future__ import annotations

import ipaddress
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator

from pix2lut.protocol import Limits
from server.errors import ServerError
from server.frames import limit_decoder_pixels
from server.registry import ModelRegistry
from server.service import Service, ServiceConfig

LOG = logging.getLogger("pix2lut.server")
POLL_INTERVAL_MS = 250  # how often the loop looks up from the socket (Ctrl-C is noticed this fast)
SERVER_SECRET_KEY = "server.key_secret"  # zmq.auth.create_certificates' naming
TERMINATE = b"TERMINATE"  # zmq.proxy_steerable's stop command
LINGER_MS = 1000  # how long a closing socket may still deliver its last replies
MEMORY_GUARD_FACTOR = 2  # zmq.MAXMSGSIZE as a multiple of the payload limit
SHUTDOWN_GRACE_S = 0.2  # between a worker's shutdown reply and its stop command to the proxy


@dataclass(frozen=True)
class ServerConfig:
    """Everything ``pix2lut serve`` was asked for; built by the CLI."""

    bind: str = "tcp://127.0.0.1:5555"
    models_dir: Path = Path("onnx_models")
    workers: int = 1
    gpus: int = 1  # with several, worker i runs its models on GPU i mod gpus
    provider: str = "auto"
    threads: int | None = None
    curve_keys: Path | None = None  # folder with server.key_secret and the allowed clients' *.key
    allowed_roots: tuple[Path, ...] = ()
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        for name in ("workers", "gpus"):
            if getattr(self, name) < 1:
                raise ServerError(f"--{name} must be 1 or more, found {getattr(self, name)}")


def is_loopback_endpoint(endpoint: str) -> bool:
    """True for tcp on 127.0.0.0/8, ::1 or localhost, and for ipc/inproc (same machine by construction)."""
    parts = urlsplit(endpoint)
    if parts.scheme in ("ipc", "inproc"):
        return True
    host = (parts.hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # '*', an interface name or a host name: reachable from elsewhere


def serve(config: ServerConfig) -> int:
    """Run the server until ``shutdown`` or Ctrl-C; returns the exit code."""
    if not is_loopback_endpoint(config.bind) and config.curve_keys is None:
        raise ServerError(
            f"refusing to bind {config.bind} without encryption: anything but loopback needs CURVE keys "
            "(--curve-keys FOLDER, see docs/protocol.md)"
        )
    limit_decoder_pixels(config.limits)
    context = zmq.Context.instance()
    authenticator = _start_authenticator(context, config.curve_keys) if config.curve_keys else None
    try:
        with _stopped_by_signals():
            if config.workers <= 1:
                return _serve_in_process(context, config)
            return _serve_with_workers(context, config)
    finally:
        if authenticator is not None:
            authenticator.stop()


@contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGINT and SIGTERM stop the server as Ctrl-C does. A script that starts it in the background gets it with
    SIGINT ignored (non-interactive shells do that to background jobs), and service managers stop with SIGTERM;
    without this, the first would be unstoppable but by kill -9 and the second would skip the clean shutdown.
    Only the main thread may set handlers: a server run in another thread (as the tests do) keeps the process's."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        signal.signal(signum, signal.default_int_handler)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _serve_in_process(context: zmq.Context, config: ServerConfig) -> int:
    service = _build_service(config)
    socket = _bound_socket(context, config)
    LOG.info("serving on %s (%d model(s), %s)", config.bind, len(service.registry.models), service.provider_summary())
    try:
        _answer_until_stopped(socket, service, peer_check=True, bind_is_loopback=is_loopback_endpoint(config.bind))
    except KeyboardInterrupt:
        LOG.info("interrupted: stopping")
    finally:
        socket.close(linger=LINGER_MS)
    return 0


def _serve_with_workers(context: zmq.Context, config: ServerConfig) -> int:
    frontend = _bound_socket(context, config)
    backend = context.socket(zmq.DEALER)
    backend.bind("tcp://127.0.0.1:*")
    control = context.socket(zmq.REP)  # libzmq answers each control command, so REP (or PAIR)
    control.bind("tcp://127.0.0.1:*")
    endpoints = (backend.getsockopt_string(zmq.LAST_ENDPOINT), control.getsockopt_string(zmq.LAST_ENDPOINT))
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited sockets or sessions
    workers = [spawn.Process(target=_worker_main, args=(config, *endpoints, index), daemon=True)
               for index in range(config.workers)]
    for worker in workers:
        worker.start()
    LOG.info("serving on %s with %d worker processes", config.bind, config.workers)
    try:
        zmq.proxy_steerable(frontend, backend, None, control)
    except KeyboardInterrupt:
        LOG.info("interrupted: stopping")
    finally:
        for socket in (frontend, backend, control):
            socket.close(linger=LINGER_MS)
        for worker in workers:
            worker.join(timeout=LINGER_MS / 1e3)
            if worker.is_alive():
                worker.terminate()
    return 0


def _worker_main(config: ServerConfig, backend: str, control: str, index: int) -> None:
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s worker {index} %(message)s")
    limit_decoder_pixels(config.limits)
    context = zmq.Context()
    service = _build_service(config, device_id=index % max(1, config.gpus))
    socket = context.socket(zmq.DEALER)
    socket.connect(backend)
    stopper = context.socket(zmq.REQ)
    stopper.connect(control)
    try:
        # behind the proxy the peer's address is not known: trust the bind address alone
        _answer_until_stopped(socket, service, peer_check=False, bind_is_loopback=is_loopback_endpoint(config.bind))
        time.sleep(SHUTDOWN_GRACE_S)  # let the proxy pass the shutdown reply on before it stops
        stopper.send(TERMINATE)
        stopper.poll(LINGER_MS)
    except KeyboardInterrupt:
        pass
    finally:
        socket.close(linger=LINGER_MS)
        stopper.close(linger=LINGER_MS)
        context.term()


def _answer_until_stopped(socket: zmq.Socket, service: Service, peer_check: bool, bind_is_loopback: bool) -> None:
    """Receive, answer, repeat, until a ``shutdown`` is answered."""
    poller = zmq.Poller()
    poller.register(socket, zmq.POLLIN)
    while True:
        if not poller.poll(POLL_INTERVAL_MS):
            continue
        frames = socket.recv_multipart(copy=False)
        envelope, body = _split_envelope(frames)
        loopback = bind_is_loopback or (peer_check and _peer_is_loopback(frames[-1]))
        reply = service.handle([frame.buffer for frame in body], loopback)
        socket.send_multipart(envelope + reply.parts(), copy=False)
        if reply.stop:
            LOG.info("shutdown requested: stopping")
            return


def _split_envelope(frames: list[zmq.Frame]) -> tuple[list[bytes], list[zmq.Frame]]:
    """The routing frames to send back (identity, and a REQ client's empty delimiter) and the message itself."""
    identity = [frames[0].bytes]
    if len(frames) > 1 and len(frames[1]) == 0:
        return identity + [b""], frames[2:]
    return identity, frames[1:]


def _peer_is_loopback(frame: zmq.Frame) -> bool:
    try:
        address = frame.get("Peer-Address")
    except zmq.ZMQError:
        return False  # no address to check: not provably local
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _build_service(config: ServerConfig, device_id: int = 0) -> Service:
    # workers share the cores: each gets its part, so N workers do not fight over every core
    threads = config.threads or max(1, (os.cpu_count() or 1) // max(1, config.workers))
    registry = ModelRegistry.load(config.models_dir, provider=config.provider, threads=threads, device_id=device_id)
    return Service(registry, ServiceConfig(limits=config.limits, allowed_roots=config.allowed_roots))


def _bound_socket(context: zmq.Context, config: ServerConfig) -> zmq.Socket:
    socket = context.socket(zmq.ROUTER)
    socket.setsockopt(zmq.ROUTER_MANDATORY, 0)  # a client that left is not an error: its reply is dropped
    # a memory guard only: libzmq drops a larger message part silently (the peer is disconnected), so the real
    # limits are checked by the protocol, which answers too_large for anything between them and this
    socket.setsockopt(zmq.MAXMSGSIZE, MEMORY_GUARD_FACTOR * config.limits.payload_bytes)
    if config.curve_keys is not None:
        public, secret = zmq.auth.load_certificate(os.fspath(config.curve_keys / SERVER_SECRET_KEY))
        socket.curve_publickey, socket.curve_secretkey = public, secret
        socket.curve_server = True
    try:
        socket.bind(config.bind)
    except zmq.ZMQError as exc:
        socket.close(linger=0)
        raise ServerError(f"cannot bind {config.bind}: {exc.strerror} (is another server running there?)") from exc
    return socket


def _start_authenticator(context: zmq.Context, keys: Path) -> ThreadAuthenticator:
    """Only clients whose public key is in ``keys`` get in (zmq.auth's ZAP handler)."""
    if not (keys / SERVER_SECRET_KEY).is_file():
        raise ServerError(f"{keys} holds no {SERVER_SECRET_KEY}: create keys with zmq.auth.create_certificates")
    authenticator = ThreadAuthenticator(context)
    authenticator.start()
    authenticator.configure_curve(domain="*", location=os.fspath(keys))
    return authenticator
