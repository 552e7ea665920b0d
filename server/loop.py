"""The socket side of the server: one explicit loop, and N worker processes behind libzmq's proxy.

One process (``workers == 1``): a ROUTER socket, a poll loop, ``Service.handle`` for each message.
Several: the main process binds the ROUTER front end and a DEALER back end on loopback and runs
``zmq.proxy_steerable`` between them in a thread of its own; each worker process loads its own models (one per
GPU) and runs the same loop on a DEALER socket connected to the back end. The main thread supervises:
- a worker that dies is restarted, after a back-off that grows while it keeps dying (``RESTART_DELAYS_S``);
- a worker that answered ``shutdown`` exits with ``SHUTDOWN_EXIT_CODE``, and the main process stops the rest;
- SIGINT or SIGTERM stop everything at once: the main thread never waits inside libzmq, so the signal is
  handled within ``POLL_INTERVAL_MS`` however busy the proxy is;
- workers end with the main process, however it ends (``kill -9`` included): a thread in each worker waits on
  the pipe multiprocessing keeps open from the main process, and ends the worker when the pipe closes.
On Linux a fork server that imported the server once forks the workers, so a restart costs the models' loading,
not an interpreter start and the imports (seconds); elsewhere each worker is a spawned interpreter.

Binding anything but loopback requires CURVE keys (``zmq.auth``): clients must then hold a certificate whose
public key lies in the configured folder, and everyone else is rejected by the authenticator.
"""

from __future__ import annotations

import ipaddress
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator

from pix2lut.protocol import Limits
from server.endpoints import parse_endpoint
from server.errors import ServerError
from server.frames import limit_decoder_pixels
from server.manifest import MANIFEST_NAME, read_manifest
from server.registry import ModelRegistry
from server.service import Service, ServiceConfig

LOG = logging.getLogger("pix2lut.server")
POLL_INTERVAL_MS = 250  # how often the loop looks up from the socket (Ctrl-C is noticed this fast)
SERVER_SECRET_KEY = "server.key_secret"  # zmq.auth.create_certificates' naming
TERMINATE = b"TERMINATE"  # zmq.proxy_steerable's stop command
LINGER_MS = 1000  # how long a closing socket may still deliver its last replies
MEMORY_GUARD_FACTOR = 2  # zmq.MAXMSGSIZE as a multiple of the payload limit
SHUTDOWN_GRACE_S = 0.2  # between a worker's shutdown reply and the proxy's stop: the reply passes first
SHUTDOWN_EXIT_CODE = 0  # a worker exits with it after answering shutdown (it ignores SIGINT: no Ctrl-C fakes one)
START_FAILED_EXIT_CODE = 1  # a worker that cannot load its models (the reason is logged)
ORPHANED_EXIT_CODE = 2  # a worker whose main process is gone
# fork is safe from a fork server that only imported modules; macOS and Windows spawn a fresh interpreter instead
WORKER_START_METHOD = "forkserver" if sys.platform.startswith("linux") else "spawn"
WORKER_PRELOAD = ["server.loop"]  # what the fork server imports once for every worker it forks
RESTART_DELAYS_S = (0.0, 1.0, 2.0, 5.0, 10.0, 30.0)  # before restarting a worker that died 1, 2, ... times in a row
STABLE_RUN_S = 60.0  # a worker that ran this long before dying is restarted at once: its back-off starts afresh
PROXY_STOP_TIMEOUT_S = 0.5  # the proxy answers TERMINATE at once unless it is stuck sending to no worker at all
WORKER_STOP_TIMEOUT_S = 0.5  # stopping workers get this long to exit on SIGTERM, then they are killed


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
        parse_endpoint(self.bind)  # raises ServerError naming the endpoint and the rule
        for name in ("workers", "gpus"):
            if getattr(self, name) < 1:
                raise ServerError(f"--{name} must be 1 or more, found {getattr(self, name)}")


def is_loopback_endpoint(endpoint: str) -> bool:
    """True for tcp on 127.0.0.0/8, ::1 or localhost, and for ipc/inproc (same machine by construction).

    Raises ServerError for a malformed endpoint (``server.endpoints``)."""
    parsed = parse_endpoint(endpoint)
    if parsed.transport != "tcp":
        return True
    if parsed.host == "localhost":
        return True
    try:
        return ipaddress.ip_address(parsed.host).is_loopback
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
    read_manifest(config.models_dir / MANIFEST_NAME)  # a malformed manifest: one error now, not a crash per worker
    frontend = _bound_socket(context, config)
    backend = context.socket(zmq.DEALER)
    backend.bind("tcp://127.0.0.1:*")
    control = context.socket(zmq.REP)  # libzmq answers each control command, so REP (or PAIR)
    control.bind("tcp://127.0.0.1:*")
    control_endpoint = control.getsockopt_string(zmq.LAST_ENDPOINT)
    workers = [_Worker(index, config, backend.getsockopt_string(zmq.LAST_ENDPOINT))
               for index in range(config.workers)]
    proxy = threading.Thread(target=_run_proxy, args=(frontend, backend, control), name="pix2lut-proxy", daemon=True)
    proxy.start()  # the sockets are the proxy thread's from now on
    try:
        for worker in workers:
            worker.start()
        LOG.info("serving on %s with %d worker processes", config.bind, config.workers)
        _supervise(workers, proxy)
    except KeyboardInterrupt:
        LOG.info("interrupted: stopping")
    finally:
        # the proxy first: with no worker left it could be stuck sending, and never read TERMINATE
        _stop_proxy(context, control_endpoint, proxy)
        _stop_workers(workers)
    return 0


class _Worker:
    """One worker process, restarted when it dies; worker ``index`` runs its models on GPU ``index mod gpus``."""

    def __init__(self, index: int, config: ServerConfig, backend: str) -> None:
        self.index, self.config, self.backend = index, config, backend
        self.process: BaseProcess | None = None
        self.started = 0.0  # time.monotonic() of the last start
        self.deaths = 0  # deaths in a row, each less than STABLE_RUN_S after its start
        self.restart_at: float | None = None  # set while dead

    def start(self) -> None:
        self.process = _worker_processes().Process(
            target=_worker_main, args=(self.config, self.backend, self.index), name=f"pix2lut-worker-{self.index}",
            daemon=True,
        )
        self.process.start()
        self.started, self.restart_at = time.monotonic(), None
        LOG.info("worker %d started (pid %d)", self.index, self.process.pid)

    def died(self, now: float) -> None:
        """Log the death and schedule the restart: at once after a long run, later the more often it dies."""
        if now - self.started >= STABLE_RUN_S:
            self.deaths = 0
        delay = RESTART_DELAYS_S[min(self.deaths, len(RESTART_DELAYS_S) - 1)]
        self.deaths += 1
        LOG.error("worker %d (pid %d) died (%s); restarting it in %.0f s", self.index, self.process.pid,
                  _exit_reason(self.process.exitcode), delay)
        self.process.close()
        self.process, self.restart_at = None, now + delay


def _worker_processes() -> multiprocessing.context.BaseContext:
    """Where workers come from: never a copy of this process, with its sockets, threads and sessions."""
    context = multiprocessing.get_context(WORKER_START_METHOD)
    if WORKER_START_METHOD == "forkserver":
        context.set_forkserver_preload(WORKER_PRELOAD)  # read when the fork server starts, with the first worker
    return context


def _supervise(workers: list[_Worker], proxy: threading.Thread) -> None:
    """Restart the workers that die, until one answers ``shutdown`` or the proxy ends."""
    while proxy.is_alive():
        now = time.monotonic()
        for worker in workers:
            if worker.process is None:
                if now >= worker.restart_at:
                    worker.start()
            elif worker.process.exitcode == SHUTDOWN_EXIT_CODE:
                LOG.info("shutdown requested: stopping")
                time.sleep(SHUTDOWN_GRACE_S)
                return
            elif worker.process.exitcode is not None:
                worker.died(now)
        sentinels = [worker.process.sentinel for worker in workers if worker.process is not None]
        restarts = [worker.restart_at for worker in workers if worker.restart_at is not None]
        timeout = min([POLL_INTERVAL_MS / 1e3, *(at - now for at in restarts)])
        multiprocessing.connection.wait(sentinels, timeout=max(0.0, timeout))  # wakes as soon as a worker ends


def _run_proxy(frontend: zmq.Socket, backend: zmq.Socket, control: zmq.Socket) -> None:
    """libzmq's proxy until TERMINATE reaches ``control``. Signals are blocked in this thread, so they reach the
    main thread, and libzmq never sees them in the middle of a multipart message."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        zmq.proxy_steerable(frontend, backend, None, control)
    finally:
        for socket in (frontend, backend, control):
            socket.close(linger=LINGER_MS)


def _stop_proxy(context: zmq.Context, control: str, proxy: threading.Thread) -> None:
    if proxy.is_alive():
        stopper = context.socket(zmq.REQ)
        stopper.connect(control)
        stopper.send(TERMINATE)
        stopper.poll(PROXY_STOP_TIMEOUT_S * 1e3)
        stopper.close(linger=0)
    proxy.join(timeout=PROXY_STOP_TIMEOUT_S)
    if proxy.is_alive():
        LOG.warning("the proxy did not stop (no worker took its last request); leaving it to the process's exit")


def _stop_workers(workers: list[_Worker]) -> None:
    """SIGTERM to every worker, then SIGKILL to those still there after WORKER_STOP_TIMEOUT_S."""
    processes = [worker.process for worker in workers if worker.process is not None]
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + WORKER_STOP_TIMEOUT_S
    for process in processes:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
        if process.exitcode is None:
            process.kill()
            process.join()


def _exit_reason(exitcode: int) -> str:
    """``killed by SIGKILL`` for multiprocessing's negative exit codes, else ``exit code N``."""
    if exitcode >= 0:
        return f"exit code {exitcode}"
    try:
        return f"killed by {signal.Signals(-exitcode).name}"
    except ValueError:  # a real-time signal has no name
        return f"killed by signal {-exitcode}"


def _worker_main(config: ServerConfig, backend: str, index: int) -> None:
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s worker {index} %(message)s")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the main process stops us
    threading.Thread(target=_exit_with, args=(multiprocessing.parent_process(),), name="pix2lut-orphan-watch",
                     daemon=True).start()
    limit_decoder_pixels(config.limits)
    try:
        service = _build_service(config, device_id=index % max(1, config.gpus))
    except ServerError as exc:
        LOG.error("cannot start: %s", exc)
        sys.exit(START_FAILED_EXIT_CODE)
    context = zmq.Context()
    socket = context.socket(zmq.DEALER)
    socket.connect(backend)
    try:
        # behind the proxy the peer's address is not known: trust the bind address alone
        _answer_until_stopped(socket, service, peer_check=False, bind_is_loopback=is_loopback_endpoint(config.bind))
    finally:
        socket.close(linger=LINGER_MS)  # the shutdown reply leaves before the process does
        context.term()
    sys.exit(SHUTDOWN_EXIT_CODE)


def _exit_with(parent: BaseProcess) -> None:
    """End this worker the moment its main process ends, however it ended and whatever the worker is doing (a
    thread of its own: the loop may be deep in inference). ``parent.join`` waits on multiprocessing's sentinel,
    a pipe from the main process (a handle on Windows) that the system closes when it dies."""
    parent.join()
    os._exit(ORPHANED_EXIT_CODE)  # nothing to save: the proxy, and every client's connection, died with it


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
