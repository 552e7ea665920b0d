"""Path frames: one confined open, regular files only, the payload limits from fstat; real files, links and FIFOs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from pix2lut.protocol import ErrorCode, Limits, ProtocolError
from server import path_frames
from server.client import Client, Frame, ServerReplyError
from server.loop import ServerConfig
from server.path_frames import open_path_frame
from tests.server.conftest import RunningServer, free_port, start_server, stop_server

FIFO_REPLY_TIMEOUT_MS = 5000  # "at once": a server blocked on the FIFO never answers
SPARSE_FILE_BYTES = 1024**3  # a sparse file: no disk used, and 4x the payload limit
LIMITS = Limits()


def still_png(seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    return cv2.imencode(".png", rng.integers(0, 256, (16, 24, 3), dtype=np.uint8))[1].tobytes()


def unresolved(path: Path) -> Frame:
    """A path frame as a client may send it: the path as written, links not resolved (Frame.path resolves)."""
    return Frame({"kind": "path", "path": str(path)}, None)


def refusal(server: RunningServer, path: Path, op: str = "grade", frames: int = 1) -> str:
    """The server's error reply to ``op`` on ``path`` (``frames`` times), as ``code: message``."""
    with server.client() as client, pytest.raises(ServerReplyError) as refused:
        client.request(op, [unresolved(path)] * frames)
    return f"{refused.value.code}: {str(refused.value).split(': ', 1)[1]}"


@pytest.fixture
def folder(allowed_root: Path, request: pytest.FixtureRequest) -> Path:
    """A fresh folder inside the session server's allowed root."""
    made = allowed_root / request.node.name.replace("[", "-").replace("]", "")
    made.mkdir()
    return made


def test_path_frame_of_a_regular_file_inside_the_root_is_graded(server, folder):
    (folder / "still.png").write_bytes(still_png())
    with server.client() as client:
        assert client.request("grade", [unresolved(folder / "still.png")]).header["ok"]


def test_fifo_is_refused_at_once_naming_its_type(tmp_path, models_dir):
    root = tmp_path / "root"
    root.mkdir()
    fifo = root / "still.png"
    os.mkfifo(fifo)
    address = f"tcp://127.0.0.1:{free_port()}"
    # a server of its own: before the fix, reading the FIFO blocked the whole server
    running = RunningServer(address, start_server(ServerConfig(bind=address, models_dir=models_dir,
                                                               allowed_roots=(root,), threads=1)), models_dir)
    try:
        with Client(address, timeout_ms=FIFO_REPLY_TIMEOUT_MS, retries=1) as client:
            with pytest.raises(ServerReplyError) as refused:
                client.request("grade", [unresolved(fifo)])
            assert refused.value.code == "decode_failed"
            assert str(refused.value).endswith(f"frames[0]: {fifo} is a FIFO (named pipe), not a regular file")
            assert client.ping()["ok"]
    finally:
        try:  # a server stuck reading the FIFO gets its end of file, so it can be shut down
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass  # no reader: nothing is stuck
        stop_server(running)


def test_path_of_a_folder_is_refused_naming_its_type(server, folder):
    assert refusal(server, folder) == f"decode_failed: frames[0]: {folder} is a folder, not a regular file"


def test_path_to_a_missing_file_says_which_part_is_missing(server, folder):
    missing = folder / "nowhere" / "still.png"
    assert refusal(server, missing) == (
        f"decode_failed: frames[0]: {missing}: no such file ('{folder.name}/nowhere' is missing)"
    )


def test_sparse_file_above_the_payload_limit_is_too_large_from_fstat(server, folder):
    sparse = folder / "sparse.png"
    with open(sparse, "wb") as file:
        file.truncate(SPARSE_FILE_BYTES)
    assert refusal(server, sparse) == (
        f"too_large: frames[0]: {sparse} is {SPARSE_FILE_BYTES} bytes, the limit for one payload is "
        f"{LIMITS.payload_bytes}"
    )


def test_path_files_above_the_message_limit_in_all_are_too_large(server, folder):
    sparse = folder / "sparse.png"
    with open(sparse, "wb") as file:
        file.truncate(LIMITS.payload_bytes)
    frames = LIMITS.message_bytes // LIMITS.payload_bytes + 1
    assert refusal(server, sparse, "grade_clip", frames) == (
        f"too_large: frames[{frames - 1}]: {sparse} brings the request's payloads and files to "
        f"{frames * LIMITS.payload_bytes} bytes, the limit for a message is {LIMITS.message_bytes}"
    )


def test_path_symlink_loop_is_forbidden_naming_the_link(server, folder, allowed_root):
    (folder / "l1").symlink_to("l2")
    (folder / "l2").symlink_to("l1")
    assert refusal(server, folder / "l1") == (
        f"forbidden: frames[0]: {folder / 'l1'} goes through the symbolic link '{folder.name}/l1' in {allowed_root}: "
        "path frames follow no links below the allowed folders"
    )


@pytest.mark.parametrize("target", ["inside", "outside"])
def test_path_through_a_symlinked_folder_below_the_root_is_forbidden(server, folder, allowed_root, tmp_path, target):
    real = folder / "real" if target == "inside" else tmp_path / "outside"
    real.mkdir()
    (real / "still.png").write_bytes(still_png())
    (folder / "linked").symlink_to(real, target_is_directory=True)
    assert refusal(server, folder / "linked" / "still.png") == (
        f"forbidden: frames[0]: {folder / 'linked' / 'still.png'} goes through the symbolic link "
        f"'{folder.name}/linked' in {allowed_root}: path frames follow no links below the allowed folders"
    )


def test_path_that_is_a_symlink_to_a_file_inside_the_root_is_forbidden(server, folder, allowed_root):
    (folder / "still.png").write_bytes(still_png())
    (folder / "alias.png").symlink_to(folder / "still.png")
    assert refusal(server, folder / "alias.png").startswith(
        f"forbidden: frames[0]: {folder / 'alias.png'} goes through the symbolic link '{folder.name}/alias.png'"
    )


def test_path_climbing_out_of_the_root_with_dotdot_is_forbidden(server, folder, allowed_root):
    climbing = folder / ".." / ".." / "elsewhere.png"
    assert refusal(server, climbing) == f"forbidden: frames[0]: {climbing} is outside the folders this server may read"


def test_path_through_dotdot_that_stays_inside_the_root_is_read(server, folder):
    (folder / "still.png").write_bytes(still_png())
    (folder / "sub").mkdir()
    with server.client() as client:
        assert client.request("grade", [unresolved(folder / "sub" / ".." / "still.png")]).header["ok"]


def test_root_reached_through_a_symlink_is_read_under_either_spelling(tmp_path):
    real_root = tmp_path / "real-root"
    real_root.mkdir()
    (real_root / "still.png").write_bytes(still_png())
    spelt = tmp_path / "root-link"
    spelt.symlink_to(real_root, target_is_directory=True)
    for path in (spelt / "still.png", real_root / "still.png"):
        with open_path_frame("frames[0]", str(path), True, (spelt,)) as opened:
            assert bytes(opened.read()) == still_png()


@pytest.fixture
def without_dir_fd(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As on Windows: no dir_fd, no O_NOFOLLOW."""
    monkeypatch.setattr(path_frames, "CONFINED_WALK", False)
    yield


def test_without_dir_fd_the_fallback_reads_inside_and_refuses_outside_and_fifos(without_dir_fd, tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "still.png").write_bytes(still_png())
    (outside / "still.png").write_bytes(still_png(1))
    (root / "out").symlink_to(outside, target_is_directory=True)
    os.mkfifo(root / "pipe.png")
    with open_path_frame("frames[0]", str(root / "still.png"), True, (root,)) as opened:
        assert bytes(opened.read()) == still_png()
    with pytest.raises(ProtocolError) as refused:
        open_path_frame("frames[0]", str(root / "out" / "still.png"), True, (root,))
    assert refused.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(ProtocolError) as refused:
        open_path_frame("frames[0]", str(root / "pipe.png"), True, (root,))
    assert str(refused.value) == f"frames[0]: {root / 'pipe.png'} is a FIFO (named pipe), not a regular file"
