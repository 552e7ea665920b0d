"""A small client for the Pix2LUT server's wire protocol (docs/protocol.md), for Resolve's own Python.

Two transports, one interface (``request(header, payloads) -> (reply header, reply payloads)``):

- :class:`ZmqTransport`: pyzmq in this interpreter; a REQ socket and the Lazy Pirate pattern of the ZeroMQ guide
  (poll with a time-out; on a miss close the socket, reconnect, resend; give up with one clear line).
- :class:`BridgeTransport`: for a Resolve Python without pyzmq, one long-lived process of the project's own
  Python (``python -m resolve_scripts.bridge``) that speaks JSON lines over its pipes, payloads in base64, and
  does the ZeroMQ part. One process for the whole run, never one per frame. It would inherit Resolve's
  environment, where ``PYTHONHOME``/``PYTHONPATH`` may point at the Python Resolve runs the scripts with (API-NOTES
  section 1: users set them to make Resolve find one): another Python given them fails to start or imports the
  wrong standard library, so they are dropped; on Windows it starts without a console window.

Mirrors the few protocol constants it needs: this code cannot import ``pix2lut``.
"""

import base64
import hashlib
import json
import os
import platform
import subprocess

from resolve_scripts.errors import ServerError, TransportError

try:
    import zmq
except ImportError:  # Resolve's Python often lacks pyzmq: the bridge takes over
    zmq = None

PROTOCOL_VERSION = 1  # docs/protocol.md, "Request header"
DEFAULT_ADDRESS = "tcp://127.0.0.1:5555"  # the server's default bind
REQUEST_TIMEOUT_MS = 30000  # a 65^3 image2image fit on a slow CPU stays well inside this
REQUEST_RETRIES = 3
BRIDGE_MODULE = "resolve_scripts.bridge"
FRAME_ENCODED, FRAME_PATH = "encoded", "path"  # frame kinds (docs/protocol.md, "Frame descriptors")
OUTPUT_CUBE, OUTPUT_CDL = "cube", "cdl"
BRIDGE_DROPPED_ENVIRONMENT = ("PYTHONHOME", "PYTHONPATH")  # Resolve's Python's, not the bridge Python's
# Windows: start the bridge without a console window (it would flash up over Resolve). subprocess has the name on
# Windows only; the value is the documented process creation flag.
CREATE_NO_WINDOW = getattr(subprocess, "CREATE_NO_WINDOW", 0x08000000)


class ZmqTransport:
    """Talks to one server with pyzmq: REQ socket, Lazy Pirate retries."""

    def __init__(self, address=DEFAULT_ADDRESS, timeout_ms=REQUEST_TIMEOUT_MS, retries=REQUEST_RETRIES):
        if zmq is None:
            raise TransportError(
                "pyzmq is not installed in this Python: install it, or configure the bridge "
                "(PIX2LUT_PYTHON, the project's Python)."
            )
        self.address = address
        self.timeout_ms = timeout_ms
        self.retries = retries
        self._context = zmq.Context.instance()
        self._socket = None

    def request(self, header, payloads=()):
        """Send one request; returns ``(reply header, reply payloads)`` as sent by the server, ok or not."""
        parts = [json.dumps(header, separators=(",", ":")).encode("utf-8")] + [bytes(p) for p in payloads]
        for _attempt in range(self.retries):
            socket = self._connected()
            socket.send_multipart(parts)
            if socket.poll(self.timeout_ms, zmq.POLLIN):
                return read_reply(socket.recv_multipart())
            self._discard()  # Lazy Pirate: a REQ socket that lost its reply is closed, not reused
        raise TransportError(
            f"No answer from the Pix2LUT server at {self.address} after {self.retries} tries of {self.timeout_ms} ms: "
            "start it with `pix2lut serve` and run the script again."
        )

    def close(self):
        self._discard()

    def _connected(self):
        if self._socket is None:
            socket = self._context.socket(zmq.REQ)
            socket.setsockopt(zmq.LINGER, 0)
            socket.connect(self.address)
            self._socket = socket
        return self._socket

    def _discard(self):
        if self._socket is not None:
            self._socket.close(0)
            self._socket = None


class BridgeTransport:
    """The same requests through one long-lived bridge process of the project's Python (JSON lines over pipes)."""

    def __init__(
        self,
        python,
        address=DEFAULT_ADDRESS,
        timeout_ms=REQUEST_TIMEOUT_MS,
        retries=REQUEST_RETRIES,
        package_root=None,
        system=None,
    ):
        self.address = address
        root = package_root or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        command = [python, "-m", BRIDGE_MODULE, address, str(timeout_ms), str(retries)]
        try:
            self._process = subprocess.Popen(
                command,
                cwd=root,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                universal_newlines=True,
                bufsize=1,
                env=bridge_environment(),
                creationflags=bridge_creationflags(system),
            )
        except OSError as exc:
            raise TransportError(
                f"Cannot start the Pix2LUT bridge with {python} ({exc.strerror or exc}): check PIX2LUT_PYTHON."
            )

    def request(self, header, payloads=()):
        line = json.dumps(
            {"header": header, "payloads": [base64.b64encode(bytes(p)).decode("ascii") for p in payloads]}
        )
        try:
            self._process.stdin.write(line + "\n")
            self._process.stdin.flush()
            answer = self._process.stdout.readline()
        except (OSError, ValueError) as exc:
            raise TransportError(f"The Pix2LUT bridge stopped ({exc}): run the script again.")
        if not answer:
            raise TransportError(
                f"The Pix2LUT bridge exited without answering: run `python -m {BRIDGE_MODULE}` by hand to see why."
            )
        message = json.loads(answer)
        if "transport_error" in message:
            raise TransportError(message["transport_error"])
        return message["header"], [base64.b64decode(p) for p in message["payloads"]]

    def close(self):
        if self._process.poll() is None:
            self._process.stdin.close()  # the bridge ends at end of input
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


def bridge_environment(environ=None):
    """``environ`` (default: this process's) without ``BRIDGE_DROPPED_ENVIRONMENT``, for the bridge process.

    Names compare case-insensitively, as Windows compares them.
    """
    environ = os.environ if environ is None else environ
    dropped = {name.upper() for name in BRIDGE_DROPPED_ENVIRONMENT}
    return {name: value for name, value in environ.items() if name.upper() not in dropped}


def bridge_creationflags(system=None):
    """``CREATE_NO_WINDOW`` on Windows (``system``: as ``platform.system()`` names it), else 0."""
    return CREATE_NO_WINDOW if (system or platform.system()) == "Windows" else 0


def open_transport(address=DEFAULT_ADDRESS, python=None, timeout_ms=REQUEST_TIMEOUT_MS, retries=REQUEST_RETRIES):
    """pyzmq in this Python when it has it, else the bridge through ``python`` (the project's interpreter)."""
    if zmq is not None:
        return ZmqTransport(address, timeout_ms, retries)
    if python:
        return BridgeTransport(python, address, timeout_ms, retries)
    raise TransportError(
        "Resolve's Python has no pyzmq and no bridge is configured: set PIX2LUT_PYTHON to the "
        "project's Python (or install pyzmq into Resolve's Python)."
    )


def open_client(settings):
    """A GradeClient on ``settings.server`` (see resolve_scripts.settings), over pyzmq or the bridge."""
    return GradeClient(
        open_transport(
            settings.server,
            settings.python,
            settings.timeout_ms or REQUEST_TIMEOUT_MS,
            settings.retries or REQUEST_RETRIES,
        )
    )


def read_reply(parts):
    """Split a multipart reply into ``(header dict, payloads)``; TransportError when it does not read."""
    try:
        header = json.loads(bytes(parts[0]).decode("utf-8"))
    except (IndexError, UnicodeDecodeError, ValueError) as exc:
        raise TransportError(f"The Pix2LUT server's answer does not read ({exc}): is another program on that port?")
    if not isinstance(header, dict):
        raise TransportError("The Pix2LUT server's answer is not a JSON object: is another program on that port?")
    return header, [bytes(part) for part in parts[1:]]


class GradeReply:
    """What a successful ``grade`` answered: the .cube text, its CDL (or None), and the reply header."""

    def __init__(self, header, cube_text):
        self.header = header
        self.cube_text = cube_text
        self.cdl = header.get("cdl")
        self.model = header.get("model", "?")
        self.provider = header.get("provider", "?")
        self.warnings = list(header.get("warnings") or [])
        diagnosis = header.get("diagnosis")
        self.diagnosis = diagnosis.get("summary") if isinstance(diagnosis, dict) else None  # e.g. "-0.8 EV, ..."
        self.colour_pipeline = header.get("colour_pipeline")  # e.g. "DaVinci WG/Intermediate -> Rec.709 Gamma 2.4"

    @property
    def sha256(self):
        return hashlib.sha256(self.cube_text.encode("ascii")).hexdigest()


class GradeClient:
    """The requests the menu scripts make, over any transport."""

    def __init__(self, transport):
        self.transport = transport
        self._next_id = 0

    def request(self, op, frames=(), **options):
        """``(frames descriptors, payloads)`` in ``frames``; returns the reply ``(header, payloads)``.

        Raises ServerError for an error reply, TransportError for a reply to another request.
        """
        self._next_id += 1
        header = {"v": PROTOCOL_VERSION, "op": op, "id": self._next_id}
        header.update(options)
        payloads = []
        if frames:
            header["frames"] = [descriptor for descriptor, _payload in frames]
            payloads = [payload for _descriptor, payload in frames if payload is not None]
        reply, reply_payloads = self.transport.request(header, payloads)
        if not reply.get("ok"):
            error = reply.get("error") or {}
            raise ServerError(str(error.get("code", "unknown")), str(error.get("message", "no message")))
        if reply.get("id") != self._next_id:
            raise TransportError(
                "The server answered request {!r} while waiting for {}: run the script again.".format(
                    reply.get("id"), self._next_id
                )
            )
        return reply, reply_payloads

    def grade(self, still_path, *, colour=None, send_path=False, outputs=(OUTPUT_CUBE,), model=None, lut_size=None):
        """Grade one still file; the frame goes as bytes, or as a ``path`` when the server may read it."""
        return self.lut_request(
            "grade", [still_path], colour=colour, send_path=send_path, outputs=outputs, model=model, lut_size=lut_size
        )

    def lut_request(
        self, op, still_paths, *, colour=None, send_path=False, outputs=(OUTPUT_CUBE,), model=None, lut_size=None
    ):
        """Any op that answers a LUT (grade, grade_clip, neutralize, look, match) for these stills, in order.

        ``colour``: the colour settings (sent when given); ``send_path``: send the stills as paths, not bytes;
        ``outputs``: what the reply holds (``cube``, ``cdl``); ``model``, ``lut_size``: the server's default when
        None.
        """
        frames = [still_frame(path, send_path) for path in still_paths]
        options = {"outputs": list(outputs)}
        if colour:
            options["colour"] = dict(colour)
        if model:
            options["model"] = model
        if lut_size:
            options["lut_size"] = int(lut_size)
        header, payloads = self.request(op, frames, **options)
        if not payloads:
            raise TransportError(f"The server's {op} reply holds no .cube: update the server and run again.")
        try:
            cube_text = payloads[0].decode("ascii")
        except UnicodeDecodeError:
            raise TransportError("The server's .cube is not ASCII text: update the server and run again.")
        return GradeReply(header, cube_text)

    def ping(self):
        """The server's ``ping`` answer (version, provider, model count)."""
        header, _payloads = self.request("ping")
        return header

    def models(self):
        """The server's models: ``[{name, kind, role, default, ...}]``."""
        header, _payloads = self.request("models")
        return list(header.get("models") or [])

    def close(self):
        self.transport.close()


def still_frame(still_path, send_path=False):
    """``(descriptor, payload)`` of one still: its bytes (default) or its path (server started with --allow-path).

    The path is sent resolved: the server refuses a path through a symbolic link below its allowed root (macOS's
    temporary folders live under /var, a link to /private/var).
    """
    if send_path:
        return {"kind": FRAME_PATH, "path": os.path.realpath(still_path)}, None
    try:
        with open(still_path, "rb") as still:
            return {"kind": FRAME_ENCODED}, still.read()
    except OSError as exc:
        raise TransportError(f"Cannot read the exported still {still_path} ({exc}).")
