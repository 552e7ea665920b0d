"""The wire protocol's schema, version 1 (``docs/protocol.md``): parsing and checking requests, building replies.

Transport-free: a request is a list of message parts (bytes), a reply a header dict plus payloads. The server and
the Python client share this module; the Resolve scripts, which cannot import it, mirror the few names they use.
Everything a request declares is checked here, before the server does any work: sizes first, then the JSON,
then each field's type and value, then that the frame descriptors agree with the payloads.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pix2lut.errors import Pix2LutError
from pix2lut.lut import RESOLVE_SIZES

PROTOCOL_VERSION = 1
MAX_ID_CHARS = 128


class Op(StrEnum):
    PING = "ping"
    MODELS = "models"
    GRADE = "grade"
    GRADE_CLIP = "grade_clip"
    NEUTRALIZE = "neutralize"
    LOOK = "look"
    MATCH = "match"
    SHUTDOWN = "shutdown"


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_OP = "unknown_op"
    TOO_LARGE = "too_large"
    DECODE_FAILED = "decode_failed"
    FORBIDDEN = "forbidden"
    UNKNOWN_MODEL = "unknown_model"
    MODEL_FAILED = "model_failed"
    FIT_FAILED = "fit_failed"
    COLOUR_UNSUPPORTED = "colour_unsupported"
    INTERNAL = "internal"


class Output(StrEnum):
    CUBE = "cube"
    CDL = "cdl"


class FrameKind(StrEnum):
    ENCODED = "encoded"
    RAW = "raw"
    PATH = "path"


RAW_DTYPES = {"uint8": 1, "uint16": 2, "float16": 2, "float32": 4}  # name -> bytes per value
MAX_FRAMES = 16
FRAME_COUNTS: dict[Op, tuple[int, int]] = {  # op -> (fewest, most) frames
    Op.PING: (0, 0),
    Op.MODELS: (0, 0),
    Op.SHUTDOWN: (0, 0),
    Op.GRADE: (1, 1),
    Op.GRADE_CLIP: (1, MAX_FRAMES),
    Op.NEUTRALIZE: (1, MAX_FRAMES),
    Op.LOOK: (1, 1),
    Op.MATCH: (2, 2),
}
COLOUR_KEYS = (
    "colorScienceMode",
    "colorSpaceTimeline",
    "colorSpaceTimelineGamma",
    "colorSpaceOutput",
    "colorSpaceOutputGamma",
)
REQUEST_KEYS = {"v", "op", "id", "model", "lut_size", "strength", "outputs", "colour", "frames"}
DEFAULT_LUT_SIZE = 33


@dataclass(frozen=True)
class Limits:
    """What one request may carry; checked before any work (``docs/protocol.md``, Limits)."""

    header_bytes: int = 64 * 1024
    payload_bytes: int = 256 * 1024**2
    message_bytes: int = 1024**3
    pixels_per_frame: int = 40_000_000  # 8K UHD is 33.2 million
    # declared by all frames of a request: 16 4K DCI stills (8.8 million each) or 4 8K UHD ones fit, and the work
    # of decoding is bounded whatever a few kilobytes of PNG declare
    pixels_per_request: int = 4 * 40_000_000
    frames: int = MAX_FRAMES


class ProtocolError(Pix2LutError):
    """A request that breaks the protocol, or a failure to report with a code; becomes one error reply."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True, eq=False)
class FrameSpec:
    """One frame of a request: its descriptor and, for ``encoded`` and ``raw``, its payload."""

    kind: FrameKind
    payload: memoryview | None = None
    dtype: str | None = None
    shape: tuple[int, int, int] | None = None
    path: str | None = None


@dataclass(frozen=True, eq=False)
class Request:
    op: Op
    id: str | int | None = None
    model: str | None = None
    lut_size: int = DEFAULT_LUT_SIZE
    strength: float = 1.0
    outputs: tuple[Output, ...] = (Output.CUBE,)
    colour: dict[str, str] = field(default_factory=dict)
    frames: tuple[FrameSpec, ...] = ()


def parse_request(parts: Sequence[bytes | memoryview], limits: Limits = Limits()) -> Request:
    """Check a request's message parts (header, then payloads) against the protocol and the limits.

    Raises
    ------
    ProtocolError
        With the code and a message naming the field and what was found.
    """
    if not parts:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "empty message: a request starts with a JSON header frame")
    sizes = [memoryview(part).nbytes for part in parts]
    if sizes[0] > limits.header_bytes:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"header is {sizes[0]} bytes, the limit is {limits.header_bytes}")
    if sum(sizes) > limits.message_bytes:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"message is {sum(sizes)} bytes, the limit is {limits.message_bytes}")
    for index, size in enumerate(sizes[1:], start=1):
        if size > limits.payload_bytes:
            raise ProtocolError(
                ErrorCode.TOO_LARGE, f"payload {index} is {size} bytes, the limit is {limits.payload_bytes}"
            )
    if len(parts) - 1 > limits.frames:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"{len(parts) - 1} payloads, the limit is {limits.frames}")

    header = _decode_header(parts[0])
    version = header.get("v")
    if version != PROTOCOL_VERSION or isinstance(version, bool):
        raise ProtocolError(
            ErrorCode.UNSUPPORTED_VERSION, f"protocol version {version!r} is not supported: use {PROTOCOL_VERSION}"
        )
    op = header.get("op")
    if not isinstance(op, str) or op not in {o.value for o in Op}:
        raise ProtocolError(ErrorCode.UNKNOWN_OP, f"unknown op {op!r}: use one of {', '.join(Op)}")
    op = Op(op)
    unknown = sorted(set(header) - REQUEST_KEYS)
    if unknown:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"unknown field(s) {', '.join(map(repr, unknown))} in the header")

    frames = _parse_frames(header.get("frames", []), [memoryview(part) for part in parts[1:]], limits)
    fewest, most = FRAME_COUNTS[op]
    if not fewest <= len(frames) <= most:
        wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"op {op} takes {wanted} frame(s), found {len(frames)}")
    return Request(
        op=op,
        id=_parse_id(header.get("id")),
        model=_optional_string(header, "model"),
        lut_size=_parse_lut_size(header.get("lut_size", DEFAULT_LUT_SIZE)),
        strength=_parse_strength(header.get("strength", 1.0)),
        outputs=_parse_outputs(header.get("outputs", [Output.CUBE.value])),
        colour=_parse_colour(header.get("colour", {})),
        frames=frames,
    )


def request_id(header_part: bytes | memoryview) -> str | int | None:
    """The ``id`` of a request whose header may be broken, for echoing in its error reply; None if unreadable."""
    try:
        header = json.loads(bytes(header_part[: Limits.header_bytes]).decode("utf-8"))
        return _parse_id(header.get("id")) if isinstance(header, dict) else None
    except (ValueError, ProtocolError, RecursionError):
        return None


def encode_header(header: dict[str, Any]) -> bytes:
    """A reply or request header as compact UTF-8 JSON (no NaN: JSON has none)."""
    return json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")


def success_reply(request: Request, **fields: Any) -> dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "id": request.id, "ok": True, "op": request.op.value, **fields}


def error_reply(request_id: str | int | None, code: ErrorCode, message: str) -> dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "id": request_id, "ok": False, "error": {"code": code.value, "message": message}}


def _decode_header(part: bytes | memoryview) -> dict[str, Any]:
    try:
        header = json.loads(bytes(part).decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"header is not UTF-8 text ({exc.reason})") from None
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"header is not valid JSON: {exc}") from None
    if not isinstance(header, dict):
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"header must be a JSON object, found {type(header).__name__}")
    return header


def _parse_frames(descriptors: object, payloads: list[memoryview], limits: Limits) -> tuple[FrameSpec, ...]:
    if not isinstance(descriptors, list):
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"'frames' must be a list, found {type(descriptors).__name__}")
    if len(descriptors) > limits.frames:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"{len(descriptors)} frames, the limit is {limits.frames}")
    frames = []
    remaining = list(payloads)
    for index, descriptor in enumerate(descriptors):
        if not isinstance(descriptor, dict):
            raise ProtocolError(ErrorCode.BAD_REQUEST, f"frames[{index}] must be an object")
        kind = descriptor.get("kind")
        if not isinstance(kind, str) or kind not in {k.value for k in FrameKind}:
            raise ProtocolError(
                ErrorCode.BAD_REQUEST, f"frames[{index}].kind must be one of {', '.join(FrameKind)}, found {kind!r}"
            )
        kind = FrameKind(kind)
        allowed = {"kind"} | ({"dtype", "shape"} if kind == FrameKind.RAW else set())
        allowed |= {"path"} if kind == FrameKind.PATH else set()
        unknown = sorted(set(descriptor) - allowed)
        if unknown:
            raise ProtocolError(
                ErrorCode.BAD_REQUEST, f"frames[{index}] ({kind}) has unknown field(s) {', '.join(map(repr, unknown))}"
            )
        if kind == FrameKind.PATH:
            path = descriptor.get("path")
            if not isinstance(path, str) or not path or "\x00" in path:
                raise ProtocolError(ErrorCode.BAD_REQUEST, f"frames[{index}].path must be a non-empty string")
            frames.append(FrameSpec(kind, path=path))
            continue
        if not remaining:
            raise ProtocolError(ErrorCode.BAD_REQUEST, f"frames[{index}] ({kind}) has no payload: too few payloads")
        payload = remaining.pop(0)
        if kind == FrameKind.ENCODED:
            if payload.nbytes == 0:
                raise ProtocolError(ErrorCode.BAD_REQUEST, f"frames[{index}] (encoded) has an empty payload")
            frames.append(FrameSpec(kind, payload=payload))
        else:
            dtype, shape = _parse_raw(descriptor, index, payload, limits)
            frames.append(FrameSpec(kind, payload=payload, dtype=dtype, shape=shape))
    if remaining:
        raise ProtocolError(
            ErrorCode.BAD_REQUEST, f"{len(remaining)} payload(s) more than the frame descriptors account for"
        )
    return tuple(frames)


def _parse_raw(
    descriptor: dict[str, Any], index: int, payload: memoryview, limits: Limits
) -> tuple[str, tuple[int, int, int]]:
    dtype = descriptor.get("dtype")
    if not isinstance(dtype, str) or dtype not in RAW_DTYPES:
        raise ProtocolError(
            ErrorCode.BAD_REQUEST, f"frames[{index}].dtype must be one of {', '.join(RAW_DTYPES)}, found {dtype!r}"
        )
    shape = descriptor.get("shape")
    if (
        not isinstance(shape, list)
        or len(shape) != 3
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in shape)
        or shape[2] != 3
        or shape[0] < 1
        or shape[1] < 1
    ):
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"frames[{index}].shape must be [height, width, 3], found {shape!r}")
    height, width, _ = shape
    if height * width > limits.pixels_per_frame:
        raise ProtocolError(
            ErrorCode.TOO_LARGE, f"frames[{index}] has {height * width} pixels, the limit is {limits.pixels_per_frame}"
        )
    expected = height * width * 3 * RAW_DTYPES[dtype]
    if payload.nbytes != expected:
        raise ProtocolError(
            ErrorCode.BAD_REQUEST,
            f"frames[{index}]: {dtype} {height}x{width}x3 needs {expected} bytes, the payload has {payload.nbytes}",
        )
    return dtype, (height, width, 3)


def _parse_id(value: object) -> str | int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and len(value) <= MAX_ID_CHARS:
        return value
    raise ProtocolError(ErrorCode.BAD_REQUEST, f"'id' must be a string of at most {MAX_ID_CHARS} characters or an int")


def _optional_string(header: dict[str, Any], key: str) -> str | None:
    value = header.get(key)
    if value is None or (isinstance(value, str) and value):
        return value
    raise ProtocolError(ErrorCode.BAD_REQUEST, f"'{key}' must be a non-empty string, found {value!r}")


def _parse_lut_size(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value in RESOLVE_SIZES:
        return value
    raise ProtocolError(
        ErrorCode.BAD_REQUEST, f"'lut_size' must be one of {', '.join(map(str, RESOLVE_SIZES))}, found {value!r}"
    )


def _parse_strength(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 <= value <= 1:
        return float(value)
    raise ProtocolError(ErrorCode.BAD_REQUEST, f"'strength' must be a number from 0 to 1, found {value!r}")


def _parse_outputs(value: object) -> tuple[Output, ...]:
    choices = [output.value for output in Output]
    if isinstance(value, list) and all(isinstance(v, str) and v in choices for v in value) and value:
        return tuple(dict.fromkeys(Output(v) for v in value))
    raise ProtocolError(
        ErrorCode.BAD_REQUEST, f"'outputs' must be a non-empty list of {', '.join(map(repr, choices))}, found {value!r}"
    )


def _parse_colour(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"'colour' must be an object, found {type(value).__name__}")
    unknown = sorted(set(value) - set(COLOUR_KEYS))
    if unknown:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"'colour' has unknown key(s) {', '.join(map(repr, unknown))}")
    if not all(isinstance(v, str) for v in value.values()):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "'colour' values must be strings, as Resolve reports them")
    return dict(value)
