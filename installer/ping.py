"""One ``ping`` to the Pix2LUT server (docs/protocol.md): a REQ socket, one short wait, no retries."""

from __future__ import annotations

import json

import zmq

from pix2lut.protocol import PROTOCOL_VERSION, Op, encode_header

PING_TIMEOUT_MS = 500  # a local server answers a ping in about a millisecond
PING_ID = "pix2lut-install"


def ping(address: str, timeout_ms: int = PING_TIMEOUT_MS) -> tuple[bool, str]:
    """``(answered, one sentence)`` about the server at ``address``."""
    context = zmq.Context.instance()
    socket = context.socket(zmq.REQ)
    socket.setsockopt(zmq.LINGER, 0)
    try:
        socket.connect(address)
        socket.send(encode_header({"v": PROTOCOL_VERSION, "op": Op.PING.value, "id": PING_ID}))
        if not socket.poll(timeout_ms, zmq.POLLIN):
            return False, (
                f"no Pix2LUT server answered at {address} within {timeout_ms} ms: start it with `pix2lut serve` "
                "(or install with --autostart)."
            )
        parts = socket.recv_multipart()
    except zmq.ZMQError as exc:
        return False, f"cannot ping the Pix2LUT server at {address} ({exc})."
    finally:
        socket.close(0)
    try:
        header = json.loads(parts[0].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False, f"the program at {address} is not a Pix2LUT server (its answer is not JSON)."
    if not isinstance(header, dict) or not header.get("ok"):
        error = header.get("error") if isinstance(header, dict) else None
        return False, f"the Pix2LUT server at {address} refused the ping ({error})."
    return True, (
        f"the Pix2LUT server at {address} answered: version {header.get('version', '?')}, "
        f"{header.get('models', '?')} model(s), {header.get('provider', '?')}."
    )
