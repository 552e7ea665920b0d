"""A Python client for the Pix2LUT server: the Lazy Pirate pattern of the ZeroMQ guide.

A REQ socket sends the request and polls for the reply; on a time-out it is closed (a REQ socket that missed
its reply cannot be reused), a fresh one connects, and the request is sent again, up to ``retries`` times.
Then it gives up with one clear line. An error reply raises :class:`ServerReplyError` carrying the server's code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np
import zmq

from pix2lut.errors import Pix2LutError
from pix2lut.protocol import PROTOCOL_VERSION, encode_header

DEFAULT_ADDRESS = "tcp://127.0.0.1:5555"
REQUEST_TIMEOUT_MS = 30_000  # a 65^3 image2image fit on a slow CPU stays well inside this
REQUEST_RETRIES = 3
RAW_DTYPE_NAMES = {np.dtype("uint8"): "uint8", np.dtype("uint16"): "uint16", np.dtype("float16"): "float16",
                   np.dtype("float32"): "float32"}


class ClientError(Pix2LutError):
    """The server could not be reached, or its answer could not be read."""


class ServerReplyError(ClientError):
    """The server answered with an error; ``code`` is one of ``pix2lut.protocol.ErrorCode``."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"server refused the request ({code}): {message}")


@dataclass(frozen=True)
class Frame:
    """A frame to send: an encoded image file's bytes, raw pixels, or a path the server reads itself."""

    descriptor: dict[str, Any]
    payload: bytes | memoryview | None

    @classmethod
    def encoded(cls, data: bytes) -> Frame:
        return cls({"kind": "encoded"}, data)

    @classmethod
    def from_file(cls, path: str | Path) -> Frame:
        try:
            return cls.encoded(Path(path).read_bytes())
        except OSError as exc:
            raise ClientError(f"{path}: cannot read ({exc.strerror})") from exc

    @classmethod
    def raw(cls, pixels: np.ndarray) -> Frame:
        """RGB pixels ``(H, W, 3)`` of dtype uint8, uint16, float16 or float32, sent without re-encoding."""
        dtype = RAW_DTYPE_NAMES.get(pixels.dtype)
        if dtype is None or pixels.ndim != 3 or pixels.shape[2] != 3:
            raise ClientError(f"raw frames must be (H, W, 3) uint8/uint16/float16/float32, found {pixels.dtype} "
                              f"{pixels.shape}")
        contiguous = np.ascontiguousarray(pixels.astype(pixels.dtype.newbyteorder("<"), copy=False))
        return cls({"kind": "raw", "dtype": dtype, "shape": list(pixels.shape)}, memoryview(contiguous).cast("B"))

    @classmethod
    def path(cls, path: str | Path) -> Frame:
        return cls({"kind": "path", "path": str(Path(path).resolve())}, None)


@dataclass(frozen=True)
class Reply:
    header: dict[str, Any]
    payloads: list[bytes]

    @property
    def cube_text(self) -> str:
        if not self.payloads:
            raise ClientError("the reply holds no .cube (ask for outputs ['cube'])")
        return self.payloads[0].decode("ascii")


class Client:
    """Talks to one server; safe to reuse for many requests, not shared between threads."""

    def __init__(
        self,
        address: str = DEFAULT_ADDRESS,
        timeout_ms: int = REQUEST_TIMEOUT_MS,
        retries: int = REQUEST_RETRIES,
        context: zmq.Context | None = None,
        curve: tuple[bytes, bytes, bytes] | None = None,  # (client public, client secret, server public)
    ) -> None:
        self.address = address
        self.timeout_ms = timeout_ms
        self.retries = retries
        self.context = context or zmq.Context.instance()
        self.curve = curve
        self._socket: zmq.Socket | None = None
        self._next_id = 0

    def request(self, op: str, frames: Sequence[Frame] = (), **options: Any) -> Reply:
        """Send one request and return the successful reply; raises ServerReplyError or ClientError."""
        self._next_id += 1
        header = {"v": PROTOCOL_VERSION, "op": op, "id": self._next_id, **options}
        if frames:
            header["frames"] = [frame.descriptor for frame in frames]
        parts = [encode_header(header), *(frame.payload for frame in frames if frame.payload is not None)]
        for attempt in range(1, self.retries + 1):
            socket = self._connected()
            socket.send_multipart(parts, copy=False)
            if socket.poll(self.timeout_ms, zmq.POLLIN):
                return self._read(socket.recv_multipart(), self._next_id)
            self._discard()  # Lazy Pirate: a REQ socket that lost its reply is closed, not reused
        raise ClientError(f"no answer from {self.address} after {self.retries} tries of {self.timeout_ms} ms: "
                          "is `pix2lut serve` running there?")

    def ping(self) -> dict[str, Any]:
        return self.request("ping").header

    def models(self) -> list[dict[str, Any]]:
        return self.request("models").header["models"]

    def close(self) -> None:
        self._discard()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connected(self) -> zmq.Socket:
        if self._socket is None:
            socket = self.context.socket(zmq.REQ)
            socket.setsockopt(zmq.LINGER, 0)
            if self.curve is not None:
                socket.curve_publickey, socket.curve_secretkey, socket.curve_serverkey = self.curve
            socket.connect(self.address)
            self._socket = socket
        return self._socket

    def _discard(self) -> None:
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None

    @staticmethod
    def _read(parts: list[bytes], expected_id: int) -> Reply:
        try:
            header = json.loads(parts[0].decode("utf-8"))
        except (UnicodeDecodeError, ValueError, IndexError) as exc:
            raise ClientError(f"unreadable reply header: {exc}") from exc
        if not isinstance(header, dict):
            raise ClientError("unreadable reply header: not a JSON object")
        if not header.get("ok"):
            error = header.get("error") or {}
            raise ServerReplyError(str(error.get("code", "unknown")), str(error.get("message", "no message")))
        if header.get("id") != expected_id:
            raise ClientError(f"reply to request {header.get('id')!r} arrived for request {expected_id}")
        return Reply(header, parts[1:])
