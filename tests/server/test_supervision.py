"""``pix2lut serve --workers N`` under attack (issue 24): real processes, real ``kill -9``, real sockets.

A killed worker is replaced and the server answers again; killing the main process takes the workers with it;
SIGTERM stops everything quickly however busy the proxy is. Worker processes are found through /proc (Linux).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from server.client import Client, ClientError, Frame
from tests.server.conftest import free_port

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds worker processes in /proc")

WORKERS = 2
START_TIMEOUT_MS = 30_000  # a fresh interpreter importing onnxruntime (fork server or worker), on a busy machine
REPLACED_WITHIN_S = 5.0  # issue 24: a killed worker replaced and answering
WORKERS_GONE_WITHIN_S = 3.0  # issue 24: "workers gone within a few seconds" of the main process's death
STOPPED_WITHIN_S = 2.0  # issue 24: SIGTERM stops the server within 2 s whatever the traffic
TRY_TIMEOUT_MS = 300  # each ping while waiting for a replacement
TRAFFIC_CLIENTS = 4
TRAFFIC_BEFORE_SIGNAL = 40  # replies received before SIGTERM: the proxy is busy when it comes
TRAFFIC_TIMEOUT_S = 20.0
GONE_STATES = ("Z", "X")  # /proc/PID/stat: a zombie (not reaped: the container's init may never) or dead
SPAWNED_WORKER = "spawn_main"  # in a spawned worker's command line (not in the resource tracker's)
FORK_SERVER = "multiprocessing.forkserver"  # in the command line of the fork server that forks workers


@dataclass
class Server:
    process: subprocess.Popen
    address: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def state(pid: int) -> str | None:
    """The process's /proc state letter, None when there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def running(pid: int) -> bool:
    return state(pid) not in (None, *GONE_STATES)


def processes() -> dict[int, tuple[int, str]]:
    """Every running process: pid -> (parent pid, command line)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or not running(int(entry)):
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        found[int(entry)] = (int(stat.rsplit(")", 1)[1].split()[1]), command)
    return found


def descendants_of(pid: int, table: dict[int, tuple[int, str]] | None = None) -> list[int]:
    """The running processes below ``pid``: workers, and multiprocessing's helpers (fork server, tracker)."""
    table = processes() if table is None else table
    found, frontier = [], {pid}
    while frontier:
        frontier = {child for child, (parent, _) in table.items() if parent in frontier}
        found += frontier
    return sorted(found)


def workers_of(pid: int) -> list[int]:
    """The running worker processes of the server ``pid``: spawned interpreters, or forked by a fork server."""
    table = processes()

    def command(process: int) -> str:
        return table[process][1] if process in table else ""

    return [child for child in descendants_of(pid, table)
            if SPAWNED_WORKER in command(child) or FORK_SERVER in command(table[child][0])]


def wait_until(condition, timeout_s: float, step_s: float = 0.02) -> float | None:
    """Seconds until ``condition()`` held, or None if it did not within ``timeout_s``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if condition():
            return time.monotonic() - started
        time.sleep(step_s)
    return None


def kill_quietly(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture
def server(models_dir: Path, tmp_path: Path) -> Iterator[Server]:
    """``pix2lut serve --workers 2`` answering pings; killed with its workers at the end, whatever happened."""
    address = f"tcp://127.0.0.1:{free_port()}"
    log = tmp_path / "server.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "pix2lut.cli", "serve", "--bind", address, "--models", str(models_dir),
             "--workers", str(WORKERS), "--threads", "1"],
            stdout=subprocess.DEVNULL, stderr=stderr,
        )
    below: set[int] = set()  # every process the server started, to be sure none outlives the test
    try:
        with Client(address, timeout_ms=START_TIMEOUT_MS, retries=1) as client:
            assert client.ping()["ok"]
        assert len(workers_of(process.pid)) == WORKERS
        below.update(descendants_of(process.pid))
        yield Server(process, address, log)
    finally:
        below.update(descendants_of(process.pid))
        kill_quietly(process.pid)
        process.wait(timeout=10)
        for pid in below:
            if running(pid):
                kill_quietly(pid)


def ping_once(address: str) -> bool:
    try:
        with Client(address, timeout_ms=TRY_TIMEOUT_MS, retries=1) as client:
            return client.ping()["ok"]
    except ClientError:
        return False


def test_killed_workers_are_replaced_and_answer_within_5_s(server):
    killed = workers_of(server.process.pid)
    for pid in killed:
        os.kill(pid, signal.SIGKILL)

    replaced_after_s = wait_until(lambda: ping_once(server.address), REPLACED_WITHIN_S, step_s=0)

    assert replaced_after_s is not None, (f"no answer within {REPLACED_WITHIN_S} s of kill -9 on every worker; "
                                          f"the server's log:\n{server.log_text()}")
    print(f"killed workers replaced, first answer after {replaced_after_s:.2f} s")
    log = server.log_text()
    for pid in killed:
        assert re.search(rf"worker \d \(pid {pid}\) died \(killed by SIGKILL\); restarting it in 0 s\n", log)
    replacements = workers_of(server.process.pid)
    assert len(replacements) == WORKERS and not set(replacements) & set(killed)
    with Client(server.address, timeout_ms=START_TIMEOUT_MS, retries=1) as client:
        assert client.request("grade", [Frame.raw(np.full((8, 8, 3), 0.3, np.float32))]).header["ok"]

    # a worker that dies again soon after its restart waits before the next one: the back-off
    again = replacements[0]
    os.kill(again, signal.SIGKILL)
    backed_off = rf"worker \d \(pid {again}\) died \(killed by SIGKILL\); restarting it in 1 s\n"
    assert wait_until(lambda: re.search(backed_off, server.log_text()), timeout_s=REPLACED_WITHIN_S) is not None


def test_workers_end_when_the_main_process_is_killed(server):
    below = descendants_of(server.process.pid)  # the workers, and the fork server and tracker where there are some
    assert set(workers_of(server.process.pid)) <= set(below)
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)

    gone_after_s = wait_until(lambda: not any(running(pid) for pid in below), WORKERS_GONE_WITHIN_S)

    assert gone_after_s is not None, f"processes {[pid for pid in below if running(pid)]} outlived the server"
    print(f"workers (and helpers) gone {gone_after_s:.2f} s after kill -9 on the main process")


@pytest.mark.parametrize("run", range(3))  # issue 24 saw SIGTERM ignored 3 times in 5: one lucky run proves little
def test_sigterm_under_traffic_stops_everything_within_2_s(server, run):
    workers, below = workers_of(server.process.pid), descendants_of(server.process.pid)
    stop_traffic = threading.Event()
    replies: list[int] = []
    frame = Frame.raw(np.full((8, 8, 3), 0.3, np.float32))

    def traffic() -> None:
        while not stop_traffic.is_set():
            try:
                with Client(server.address, timeout_ms=1000, retries=1) as client:
                    while not stop_traffic.is_set():
                        client.request("grade", [frame], lut_size=17)
                        replies.append(1)
            except ClientError:
                pass  # the server is gone, or this request was cut off by the stop

    clients = [threading.Thread(target=traffic) for _ in range(TRAFFIC_CLIENTS)]
    for client in clients:
        client.start()
    try:
        assert wait_until(lambda: len(replies) >= TRAFFIC_BEFORE_SIGNAL, TRAFFIC_TIMEOUT_S) is not None
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        try:
            code = server.process.wait(timeout=STOPPED_WITHIN_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {STOPPED_WITHIN_S} s after SIGTERM under traffic "
                        f"({len(replies)} replies so far)")
        stopped_after_s = time.monotonic() - signalled
    finally:
        stop_traffic.set()
        for client in clients:
            client.join(timeout=10)
    print(f"stopped {stopped_after_s:.2f} s after SIGTERM, {len(replies)} replies before")
    assert code == 0
    assert "interrupted: stopping" in server.log_text()
    assert not [pid for pid in workers if running(pid)]
    assert wait_until(lambda: not any(running(pid) for pid in below), WORKERS_GONE_WITHIN_S) is not None
