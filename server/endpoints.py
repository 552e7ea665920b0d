"""ZeroMQ endpoints as ``pix2lut serve --bind`` takes them, checked before libzmq sees them.

libzmq reads endpoints leniently where it hurts: ``tcp://127.0.0.1:70000`` binds port 4464 (the number is cut to
16 bits), and Python's ``urlsplit`` raises ValueError on ``tcp://[127.0.0.1]:5555``. So the server reads them
itself, by the transports' man pages (zmq_tcp(7), zmq_ipc(7), zmq_inproc(7)):

- ``tcp://HOST:PORT``: HOST an IPv4 address, an IPv6 address in brackets, a host or interface name, or ``*``
  (every interface); PORT 1-65535, or ``*`` for a free port the system picks;
- ``ipc://PATH`` and ``inproc://NAME``: a non-empty PATH or NAME.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from server.errors import ServerError

TRANSPORTS = ("tcp", "ipc", "inproc")
MIN_PORT, MAX_PORT = 1, 65535  # TCP ports are 16 bits, and 0 is no port (zmq_tcp(7) asks for any with '*')
ANY_PORT = "*"
FORMS = "tcp://HOST:PORT, ipc://PATH or inproc://NAME"


@dataclass(frozen=True)
class Endpoint:
    """A checked endpoint: ``host`` is the tcp address or name (IPv6 without its brackets), or the ipc path or
    inproc name; ``port`` is None for ipc, inproc and tcp's ``*``."""

    transport: str
    host: str
    port: int | None


def parse_endpoint(text: str) -> Endpoint:
    """Read a ZeroMQ endpoint.

    Raises
    ------
    ServerError
        ``text`` is not one of the forms above; the message names it and the rule it breaks.
    """
    transport, separator, address = text.partition("://")
    if not separator or transport not in TRANSPORTS:
        raise ServerError(f"endpoint '{text}' is not {FORMS}")
    if not address:
        raise ServerError(f"endpoint '{text}' is empty after '{transport}://': use {FORMS}")
    if transport != "tcp":
        return Endpoint(transport, address, None)
    host, colon, port = address.rpartition(":")
    if not colon or not host or address.endswith("]"):
        raise ServerError(f"endpoint '{text}' needs a host and a port: tcp://HOST:PORT")
    return Endpoint(transport, _tcp_host(text, host), _tcp_port(text, port))


def _tcp_host(text: str, host: str) -> str:
    if host.startswith("[") or host.endswith("]"):
        inner = host[1:-1] if host.startswith("[") and host.endswith("]") else None
        try:
            ipaddress.IPv6Address(inner or "")
        except ValueError:
            raise ServerError(f"endpoint '{text}': brackets hold an IPv6 address, as in tcp://[::1]:5555; "
                              f"found '{host}'") from None
        return inner
    if ":" in host:
        raise ServerError(f"endpoint '{text}': an IPv6 address goes in brackets, as in tcp://[::1]:5555")
    return host


def _tcp_port(text: str, port: str) -> int | None:
    if port == ANY_PORT:
        return None
    if not (port.isascii() and port.isdigit()):
        raise ServerError(f"endpoint '{text}': the port must be a number from {MIN_PORT} to {MAX_PORT} or "
                          f"'{ANY_PORT}', found '{port}'")
    number = int(port)
    if not MIN_PORT <= number <= MAX_PORT:
        raise ServerError(f"endpoint '{text}': port {number} is outside {MIN_PORT}-{MAX_PORT}")
    return number
