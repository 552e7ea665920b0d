"""The local server as the panel sees it: start and stop a ``pix2lut serve`` subprocess, ask it who it is.

The server runs in its own process (a ``QProcess``), so loading models or a long grade never blocks the panel,
and it keeps serving Resolve while the panel is open. Start-up is watched through the protocol itself: a
``ping`` every ``START_POLL_MS`` until the server answers (it binds only once its models are loaded and warm).
Stopping sends ``shutdown`` (the server finishes the request it is on), and kills the process if it does not
exit in ``STOP_TIMEOUT_MS``. A server the panel did not start (already running at the address) is shown and
can be stopped the same way; only the panel's own is stopped when the panel closes.

Every exchange with the server runs in a worker thread (``server.gui.tasks``); the wire protocol has no op
that lists past requests, so the panel records its own (``request_done``) and shows the log of a server it
started, where every client's requests appear.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from server.client import Client, ClientError, ServerReplyError
from server.errors import ManifestError
from server.gui.tasks import TaskRunner
from server.manifest import MANIFEST_NAME, read_manifest

PING_TIMEOUT_MS = 1_000  # a running server answers a ping in well under a millisecond; loopback only
START_POLL_MS = 300  # how often a starting server is pinged
START_POLL_TIMEOUT_MS = 250  # one start-up ping: shorter than the poll interval, so pings never pile up
START_TIMEOUT_MS = 120_000  # models are loaded and warmed before the server binds: large ones on a CPU are slow
STOP_TIMEOUT_MS = 10_000  # a shutdown waits for the request in progress; then the process is killed
EXIT_WAIT_MS = 3_000  # closing the panel: how long to wait for the server to exit before killing it
LOG_LINES_KEPT = 50  # for the sentence that says why a server stopped
CPU_PROVIDER = "CPUExecutionProvider"  # onnxruntime's name; every other provider runs on an accelerator
NO_MODELS = "none"  # what ``ping`` reports as provider when no model is loaded (server.service)


class ServerState(str, Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"


@dataclass(frozen=True)
class ServerInfo:
    """What ``ping`` and ``models`` say about a running server."""

    version: str
    provider: str  # e.g. "CPUExecutionProvider", several joined by ", ", or "none" with no model loaded
    uptime_s: float
    models: tuple[dict[str, Any], ...]  # the ``models`` op's entries: name, kind, role, provider, metrics...

    @property
    def device(self) -> str:
        """GPU or CPU, in words, from the providers the models really got."""
        if self.provider == NO_MODELS:
            return "no model loaded"
        providers = [name.strip() for name in self.provider.split(",")]
        return "CPU" if providers == [CPU_PROVIDER] else "GPU"


@dataclass(frozen=True)
class RequestRecord:
    """One request the panel made: when, which op and model, how long (round trip), and how it ended."""

    at: str  # local time, HH:MM:SS
    op: str
    model: str
    ms: float
    outcome: str  # "ok", or the server's error code, or "no answer"


def outcome_of(error: Exception) -> str:
    if isinstance(error, ServerReplyError):
        return error.code
    return "no answer" if isinstance(error, ClientError) else "failed"


def now() -> str:
    return time.strftime("%H:%M:%S")


def ask_server(address: str, timeout_ms: int = PING_TIMEOUT_MS) -> tuple[ServerInfo, float]:
    """``ping`` then ``models``, in one go; returns the info and the round trip of both in ms."""
    started = time.perf_counter()
    with Client(address, timeout_ms=timeout_ms, retries=1) as client:
        ping = client.ping()
        models = client.models()
    info = ServerInfo(str(ping.get("version", "?")), str(ping.get("provider", "?")), float(ping.get("uptime_s", 0)),
                      tuple(models))
    return info, (time.perf_counter() - started) * 1e3


def shutdown_server(address: str, timeout_ms: int = PING_TIMEOUT_MS) -> float:
    """Ask the server at ``address`` to stop; returns the round trip in ms."""
    started = time.perf_counter()
    with Client(address, timeout_ms=timeout_ms, retries=1) as client:
        client.request("shutdown")
    return (time.perf_counter() - started) * 1e3


def model_card(models_dir: Path, name: str) -> str:
    """The model card of ``name`` from ``models_dir``'s manifest (Markdown), or a sentence saying why there is none."""
    try:
        manifest = read_manifest(Path(models_dir) / MANIFEST_NAME)
    except ManifestError as exc:
        return f"No card: {exc}"
    entry = next((entry for entry in manifest.entries if entry.name == name), None)
    if entry is None:
        return f"No card: {name} is not in {models_dir / MANIFEST_NAME} (the server serves another folder)."
    if entry.card is None:
        return f"No card: the manifest in {models_dir} names no card for {name}."
    try:
        return (Path(models_dir) / entry.card).read_text(encoding="utf-8")
    except OSError as exc:
        return f"No card: cannot read {Path(models_dir) / entry.card} ({exc.strerror})."


def serve_command(address: str, models_dir: Path) -> list[str]:
    """The arguments of ``python`` that run ``pix2lut serve`` with this interpreter (and so this install)."""
    return ["-m", "pix2lut.cli", "serve", "--bind", address, "--models", str(models_dir)]


class LocalServer(QObject):
    """The server at ``address``: started by the panel (``owned``) or found running there."""

    state_changed = Signal(str)  # a ServerState value
    info_changed = Signal(object)  # ServerInfo, or None when no server answers
    log_line = Signal(str)  # one line of the owned server's log
    request_done = Signal(object)  # RequestRecord
    failed = Signal(str)  # one sentence

    def __init__(self, address: str, models_dir: Path, tasks: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.address = address
        self.models_dir = Path(models_dir)
        self.tasks = tasks
        self.state = ServerState.STOPPED
        self.info: ServerInfo | None = None
        self.process: QProcess | None = None
        self._log_tail: list[str] = []
        self._partial_line = ""
        self._ping_in_flight = False
        self._start_deadline = 0.0
        self._poll = QTimer(self)
        self._poll.setInterval(START_POLL_MS)
        self._poll.timeout.connect(self._poll_starting)
        self._stop_timer = QTimer(self)
        self._stop_timer.setSingleShot(True)
        self._stop_timer.timeout.connect(self._kill_after_timeout)

    @property
    def owned(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    @property
    def busy(self) -> bool:
        """Starting or stopping, or waiting for an answer."""
        return self.state in (ServerState.STARTING, ServerState.STOPPING) or self._ping_in_flight

    def refresh(self) -> None:
        """Ask the server at the address who it is (ping + models); no answer means stopped, unless starting."""
        if self._ping_in_flight:
            return
        self._ping_in_flight = True
        self.tasks.submit(lambda: ask_server(self.address), self._answered, self._unanswered)

    def ensure_running(self) -> None:
        """Use the server at the address if one answers; start one otherwise."""
        if self._ping_in_flight or self.state != ServerState.STOPPED:
            return
        self._ping_in_flight = True
        self.tasks.submit(lambda: ask_server(self.address), self._answered, self._start_instead)

    def start(self) -> None:
        """Start ``pix2lut serve`` on the address with the models folder; watch it until it answers."""
        if self.state != ServerState.STOPPED:
            self.failed.emit(f"the server at {self.address} is {self.state.value}: stop it first")
            return
        if self.process is not None:
            self.process.deleteLater()  # the previous run's, finished
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self.process.readyReadStandardOutput.connect(self._read_log)
        self.process.finished.connect(self._exited)
        self.process.errorOccurred.connect(self._process_error)
        self._log_tail.clear()
        self._start_deadline = time.monotonic() + START_TIMEOUT_MS / 1e3
        self._set_state(ServerState.STARTING)
        self.log_line.emit(f"$ {sys.executable} {' '.join(serve_command(self.address, self.models_dir))}")
        self.process.start(sys.executable, serve_command(self.address, self.models_dir))
        self._poll.start()

    def stop(self) -> None:
        """Send ``shutdown``; the process (when the panel owns it) is killed if it has not exited in time."""
        if self.state not in (ServerState.RUNNING, ServerState.STARTING):
            return
        self._poll.stop()
        self._set_state(ServerState.STOPPING)
        if self.owned:
            self._stop_timer.start(STOP_TIMEOUT_MS)
        self.tasks.submit(lambda: shutdown_server(self.address), self._shutdown_answered, self._shutdown_unanswered)

    def stop_now(self) -> None:
        """At exit, blocking: stop the server the panel started (shutdown, then kill); leave others running."""
        self._poll.stop()
        self._stop_timer.stop()
        if not self.owned:
            return
        try:
            shutdown_server(self.address)
        except ClientError:
            pass  # not answering: killed below
        if not self.process.waitForFinished(EXIT_WAIT_MS):
            self.process.kill()
            self.process.waitForFinished(EXIT_WAIT_MS)

    # -- answers, on the UI thread

    def _answered(self, result: tuple[ServerInfo, float]) -> None:
        self._ping_in_flight = False
        info, ms = result
        if self.state == ServerState.STOPPING:
            return
        self._poll.stop()
        self.info = info
        self.request_done.emit(RequestRecord(now(), "ping+models", "-", ms, "ok"))
        self._set_state(ServerState.RUNNING)
        self.info_changed.emit(info)

    def _unanswered(self, error: Exception) -> None:
        self._ping_in_flight = False
        if self.state == ServerState.STARTING:
            return  # not up yet: the poll goes on
        if self.state == ServerState.RUNNING and self.owned:  # alive, just busy (one request at a time)
            self.failed.emit(f"the server did not answer within {PING_TIMEOUT_MS} ms (busy with a long request?): "
                             f"{error}")
            return
        if self.state == ServerState.RUNNING:
            self.failed.emit(f"the server at {self.address} stopped answering: {error}")
        self.info = None
        self._set_state(ServerState.STOPPED)
        self.info_changed.emit(None)

    def _start_instead(self, _error: Exception) -> None:
        self._ping_in_flight = False
        self.start()

    def _poll_starting(self) -> None:
        if self.state != ServerState.STARTING:
            self._poll.stop()
            return
        if time.monotonic() > self._start_deadline:
            self._poll.stop()
            self.failed.emit(f"the server did not answer within {START_TIMEOUT_MS // 1000} s: stopping it "
                             f"(last log line: {self._last_log_line()})")
            self.stop()
            return
        if not self._ping_in_flight:
            self._ping_in_flight = True
            self.tasks.submit(lambda: ask_server(self.address, START_POLL_TIMEOUT_MS), self._answered,
                              self._unanswered)

    def _shutdown_answered(self, ms: float) -> None:
        self.request_done.emit(RequestRecord(now(), "shutdown", "-", ms, "ok"))
        if not self.owned:
            self._stopped()

    def _shutdown_unanswered(self, error: Exception) -> None:
        self.request_done.emit(RequestRecord(now(), "shutdown", "-", 0.0, outcome_of(error)))
        if self.owned:
            self.process.kill()  # it did not take the shutdown: the exit handler reports
        else:
            self.failed.emit(f"the server at {self.address} did not stop: {error}")
            self.refresh()

    def _kill_after_timeout(self) -> None:
        if self.owned:
            self.log_line.emit(f"(no exit {STOP_TIMEOUT_MS // 1000} s after shutdown: killing the server)")
            self.process.kill()

    def _read_log(self) -> None:
        text = self._partial_line + bytes(self.process.readAllStandardOutput()).decode("utf-8", "replace")
        *lines, self._partial_line = text.split("\n")
        for line in lines:
            self._read_log_line(line)

    def _read_log_line(self, line: str) -> None:
        line = line.rstrip("\r")
        self._log_tail = (self._log_tail + [line])[-LOG_LINES_KEPT:]
        self.log_line.emit(line)

    def _exited(self, exit_code: int, status: QProcess.ExitStatus) -> None:
        self._stop_timer.stop()
        self._poll.stop()
        self._read_log()
        if self._partial_line:
            self._read_log_line(self._partial_line)
            self._partial_line = ""
        unexpected = self.state in (ServerState.STARTING, ServerState.RUNNING)
        if unexpected:
            self.failed.emit(f"the server exited (code {exit_code}): {self._last_log_line()}")
        self._stopped()
        if unexpected:
            self.refresh()  # e.g. it could not bind because another server holds the address: show that one

    def _process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.failed.emit(f"cannot start {sys.executable}: {self.process.errorString()}")
            self._stopped()

    def _stopped(self) -> None:
        self._stop_timer.stop()
        self.info = None
        self._set_state(ServerState.STOPPED)
        self.info_changed.emit(None)

    def _set_state(self, state: ServerState) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state.value)

    def _last_log_line(self) -> str:
        meaningful = [line for line in self._log_tail if line.strip()]
        return meaningful[-1] if meaningful else "no log output"
