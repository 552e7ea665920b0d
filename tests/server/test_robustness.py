"""The server survives anything a client sends, serves many clients at once, and comes back after a crash."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import cv2
import numpy as np
import pytest
import zmq

from pix2lut.cube import parse_cube
from pix2lut.protocol import ErrorCode
from server.client import Client, Frame, ServerReplyError
from server.pipeline import model_input
from tests.server.conftest import free_port
from tests.server.model_factory import expected_image2lut

FUZZ_MESSAGES = 2000
FUZZ_REPLY_TIMEOUT_MS = 5000
CLIENTS, REQUESTS_PER_CLIENT = 8, 50
RACE_REQUESTS = 1000  # path frames graded while another thread swaps a folder for a link
SWAP_HOLD_S = 0.001  # each state (folder, link) holds this long, so requests meet both and the changes between
CUBE_ATOL = 1e-6
ERROR_CODES = {code.value for code in ErrorCode}


def malformed_messages(count: int, seed: int = 0) -> list[list[bytes]]:
    """Broken requests of every kind the protocol must refuse, deterministically."""
    rng = np.random.default_rng(seed)

    def header(**fields) -> bytes:
        return json.dumps(fields).encode()

    raw = {"kind": "raw", "dtype": "uint8", "shape": [4, 4, 3]}
    makers = [
        lambda: [rng.bytes(int(rng.integers(1, 200)))],  # random bytes
        lambda: [header(v=1, op="grade", frames=[raw])[: int(rng.integers(1, 40))], bytes(48)],  # truncated JSON
        lambda: [json.dumps([[1, 2], "grade", 3.5, None, True][int(rng.integers(5))]).encode()],  # not an object
        lambda: [header(v=str(rng.integers(9)), op="ping")],
        lambda: [header(v=1, op=int(rng.integers(100)))],
        lambda: [header(v=1, op="grade", lut_size=str(rng.integers(64)), frames=[raw]), bytes(48)],
        lambda: [header(v=1, op="grade", strength=float(rng.uniform(1.01, 9)), frames=[raw]), bytes(48)],
        lambda: [header(v=1, op="grade", outputs="cube", frames=[raw]), bytes(48)],
        lambda: [header(v=1, op="grade", colour=[1, 2], frames=[raw]), bytes(48)],
        lambda: [header(v=1, op="grade", frames={"kind": "raw"}), bytes(48)],
        lambda: [header(v=1, op="grade", id=["a"], frames=[raw]), bytes(48)],
        lambda: [header(v=1, op="grade", frames=[raw]), bytes(int(rng.integers(0, 47)))],  # truncated payload
        lambda: [header(v=1, op="grade", frames=[{**raw, "shape": [4, 4, int(rng.integers(4, 9))]}]), bytes(48)],
        lambda: [header(v=1, op="grade", frames=[{**raw, "shape": [int(rng.integers(10**5, 10**6))] * 2 + [3]}]),
                 bytes(48)],  # a huge declared size
        lambda: [header(v=1, op="grade", frames=[{**raw, "dtype": "float64"}]), bytes(96)],
        lambda: [header(v=1, op="grade", frames=[raw, raw]), bytes(48)],  # fewer payloads than frames
        lambda: [header(v=1, op="grade", frames=[raw]), bytes(48), bytes(48)],  # more payloads than frames
        lambda: [header(v=1, op="grade", frames=[{"kind": "encoded"}]), rng.bytes(int(rng.integers(1, 300)))],
        lambda: [header(v=1, op="grade_clip", frames=[raw] * 17)] + [bytes(48)] * 17,  # too many frames
        lambda: [header(v=1, op="teleport")],
        lambda: [header(v=1, op="ping", surprise=True)],
        lambda: [b""],  # an empty header
    ]
    return [makers[i % len(makers)]() for i in range(count)]


def test_fuzz_every_malformed_message_gets_a_coded_error_and_the_server_lives(server):
    context = zmq.Context.instance()
    socket = context.socket(zmq.DEALER)  # a DEALER sends any multipart, envelope or not
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(server.address)
    codes: dict[str, int] = {}
    try:
        for index, message in enumerate(malformed_messages(FUZZ_MESSAGES)):
            socket.send_multipart(message)
            assert socket.poll(FUZZ_REPLY_TIMEOUT_MS), f"no reply to malformed message {index}: {message[:2]!r}"
            reply = socket.recv_multipart()
            reply = reply[1:] if reply[0] == b"" else reply  # a leading empty frame reads as a REQ delimiter
            header = json.loads(reply[0])
            assert header["ok"] is False, f"message {index} was accepted: {message[:2]!r}"
            assert header["error"]["code"] in ERROR_CODES
            codes[header["error"]["code"]] = codes.get(header["error"]["code"], 0) + 1
    finally:
        socket.close()
    assert {"bad_request", "too_large", "unknown_op", "unsupported_version", "decode_failed"} <= set(codes)
    with server.client() as client:
        assert client.ping()["ok"]


def test_many_clients_at_once_each_get_their_own_answers(server):
    failures: list[str] = []

    def one_client(index: int) -> None:
        rng = np.random.default_rng(100 + index)
        with server.client(timeout_ms=30_000) as client:
            for request in range(REQUESTS_PER_CLIENT):
                frame = (rng.random((16, 16, 3)) * rng.uniform(0.2, 1.0, 3)).astype(np.float32)
                table = parse_cube(client.request("grade", [Frame.raw(frame)], lut_size=17).cube_text).table
                expected = np.clip(expected_image2lut(model_input(frame, 64))[0], 0, 1)
                if not np.allclose(table, expected, atol=CUBE_ATOL):
                    failures.append(f"client {index} request {request} got another frame's LUT")

    threads = [threading.Thread(target=one_client, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []


def serve_in_subprocess(address: str, models) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pix2lut.cli", "serve", "--bind", address, "--models", str(models), "--threads", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def test_a_client_retrying_reaches_a_server_killed_and_restarted(models_dir):
    address = f"tcp://127.0.0.1:{free_port()}"
    first = serve_in_subprocess(address, models_dir)
    second = None
    try:
        with Client(address, timeout_ms=10_000, retries=1) as client:
            assert client.ping()["ok"]
        first.kill()
        first.wait(timeout=10)
        outcome: dict[str, object] = {}

        def retrying_client() -> None:
            with Client(address, timeout_ms=1500, retries=8) as client:
                outcome["reply"] = client.request("grade", [Frame.raw(np.random.default_rng(1).random((8, 8, 3))
                                                                      .astype(np.float32))])

        thread = threading.Thread(target=retrying_client)
        thread.start()
        time.sleep(1.0)  # the client's first try times out against the dead server
        second = serve_in_subprocess(address, models_dir)
        thread.join(timeout=30)
        assert outcome["reply"].header["ok"]
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=10)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_a_server_started_in_the_background_by_a_script_stops_cleanly_on_a_signal(models_dir, stop):
    address = f"tcp://127.0.0.1:{free_port()}"
    server = shlex.join([sys.executable, "-m", "pix2lut.cli", "serve", "--bind", address, "--models", str(models_dir),
                         "--threads", "1"])
    # as scripts/run.sh starts it: `server &` in a non-interactive shell, which starts it with SIGINT ignored
    shell = subprocess.Popen(["bash", "-c", f"{server} >/dev/null & echo $!; wait $!"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid = int(shell.stdout.readline())
    try:
        with Client(address, timeout_ms=20_000, retries=1) as client:
            assert client.ping()["ok"]
        os.kill(pid, stop)
        assert shell.wait(timeout=20) == 0  # wait's status is the server's
        assert "interrupted: stopping" in shell.stderr.read()  # the clean way out, not a kill
    finally:
        if shell.poll() is None:
            os.kill(pid, signal.SIGKILL)
            shell.wait(timeout=10)


def test_binding_beyond_loopback_without_keys_is_refused(models_dir):
    result = subprocess.run(
        [sys.executable, "-m", "pix2lut.cli", "serve", "--bind", "tcp://0.0.0.0:5999", "--models", str(models_dir)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 1
    assert "refusing to bind tcp://0.0.0.0:5999 without encryption" in result.stderr


@pytest.mark.parametrize("workers", [2])
def test_several_workers_behind_the_proxy_answer_and_shut_down(models_dir, workers):
    address = f"tcp://127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [sys.executable, "-m", "pix2lut.cli", "serve", "--bind", address, "--models", str(models_dir),
         "--workers", str(workers), "--threads", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        with Client(address, timeout_ms=20_000, retries=1) as client:
            for _ in range(4):
                assert client.request("grade", [Frame.raw(np.full((8, 8, 3), 0.3, np.float32) +
                                                          np.eye(8, dtype=np.float32)[:, :, None] * 0.2)]).header["ok"]
            client.request("shutdown")
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_path_race_swapping_a_folder_for_a_symlink_never_reads_outside_the_root(server, allowed_root, tmp_path):
    """A client that can write inside the root swaps a folder for a link to outside while path frames are graded."""
    folder, parked, outside = allowed_root / "race", allowed_root / "race-parked", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    inside_png = cv2.imencode(".png", np.random.default_rng(7).integers(0, 256, (16, 16, 3), dtype=np.uint8))[1]
    outside_png = cv2.imencode(".png", np.full((16, 16, 3), (40, 200, 90), np.uint8))[1]  # solid: unmistakable
    (folder / "still.png").write_bytes(inside_png.tobytes())
    (outside / "still.png").write_bytes(outside_png.tobytes())
    with server.client() as client:
        inside_cube = client.request("grade", [Frame.encoded(inside_png.tobytes())]).cube_text
        outside_cube = client.request("grade", [Frame.encoded(outside_png.tobytes())]).cube_text
    assert inside_cube != outside_cube

    stop, swaps = threading.Event(), []

    def swap() -> None:
        while not stop.is_set():
            folder.rename(parked)
            folder.symlink_to(outside, target_is_directory=True)
            time.sleep(SWAP_HOLD_S)
            folder.unlink()
            parked.rename(folder)
            time.sleep(SWAP_HOLD_S)
            swaps.append(1)

    outcomes: Counter[str] = Counter()
    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        with server.client() as client:
            path_frame = Frame({"kind": "path", "path": str(folder / "still.png")}, None)  # as sent: not resolved
            for _ in range(RACE_REQUESTS):
                try:
                    cube = client.request("grade", [path_frame]).cube_text
                    outcomes[{inside_cube: "inside", outside_cube: "OUTSIDE"}.get(cube, "other")] += 1
                except ServerReplyError as refused:
                    outcomes[refused.code] += 1
    finally:
        stop.set()
        swapper.join(timeout=30)
    print(f"{RACE_REQUESTS} path frames during {len(swaps)} swaps: {dict(outcomes)}")
    assert outcomes["OUTSIDE"] == 0, outcomes
    assert set(outcomes) <= {"inside", "forbidden", "decode_failed"}, outcomes  # never `internal`
    assert outcomes["inside"] > 0 and len(swaps) > 0
