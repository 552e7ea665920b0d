"""One request in, one reply out: the protocol's ops on top of the registry and the pipeline.

Transport-free (the socket loop lives in ``server.loop``), so every op can be called directly. Whatever goes
wrong inside a request becomes one coded error reply; only the loop decides when the server stops.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import pix2lut
from pix2lut.cube import format_cube
from pix2lut.diagnosis import diagnose
from pix2lut.errors import FitError, ImageError, LutError
from pix2lut.protocol import (
    PROTOCOL_VERSION,
    ErrorCode,
    Limits,
    Op,
    Output,
    ProtocolError,
    Request,
    encode_header,
    error_reply,
    parse_request,
    request_id,
    success_reply,
)
from server import pipeline
from server.colour_settings import colour_pipeline
from server.errors import ModelRunError, UnknownModelError
from server.frames import decode_frames
from server.registry import LoadedModel, ModelRegistry

LOG = logging.getLogger("pix2lut.server")
# the roles whose models an op accepts, preferred first: a look model gives a reference's look directly, a
# neutralizer through a fit (see pipeline.look_lut)
ROLES_OF_OP = {Op.GRADE: ("grade",), Op.GRADE_CLIP: ("grade",), Op.NEUTRALIZE: ("neutralize",),
               Op.LOOK: ("look", "neutralize"), Op.MATCH: ("neutralize",)}
# the ops whose LUT corrects the frame it was made from, so it says what was wrong with it (pix2lut.diagnosis)
DIAGNOSED_OPS = (Op.GRADE, Op.GRADE_CLIP, Op.NEUTRALIZE)


@dataclass(frozen=True)
class ServiceConfig:
    limits: Limits = field(default_factory=Limits)
    allowed_roots: tuple[Path, ...] = ()


@dataclass
class Reply:
    """A reply header and its payloads; ``stop`` asks the loop to shut down after sending it."""

    header: dict[str, Any]
    payloads: list[bytes] = field(default_factory=list)
    stop: bool = False
    frame_sizes: str = "-"  # for the request's log line

    def parts(self) -> list[bytes]:
        return [encode_header(self.header), *self.payloads]


class Service:
    def __init__(self, registry: ModelRegistry, config: ServiceConfig = ServiceConfig()) -> None:
        self.registry = registry
        self.config = config
        self.started = time.monotonic()

    def handle(self, parts: Sequence[bytes | memoryview], peer_is_loopback: bool) -> Reply:
        """Answer one request; never raises."""
        started = time.perf_counter()
        op, model_name, size = "?", "-", "-"
        try:
            request = parse_request(parts, self.config.limits)
            op = request.op.value
            reply = self._dispatch(request, peer_is_loopback)
            model_name, size = reply.header.get("model", "-"), reply.frame_sizes
            if "timings_ms" in reply.header:  # the whole time in the server, so clients can tell transport apart
                reply.header["timings_ms"]["total"] = round((time.perf_counter() - started) * 1e3, 2)
            outcome = "ok"
        except ProtocolError as exc:
            reply = Reply(error_reply(request_id(parts[0]) if parts else None, exc.code, str(exc)))
            outcome = exc.code.value
        except Exception as exc:  # the server survives anything: report it, log the traceback, go on
            LOG.exception("internal error in %s", op)
            message = f"internal error ({type(exc).__name__}): {exc}"
            reply = Reply(error_reply(request_id(parts[0]) if parts else None, ErrorCode.INTERNAL, message))
            outcome = ErrorCode.INTERNAL.value
        elapsed_ms = (time.perf_counter() - started) * 1e3
        LOG.info("%s model=%s size=%s %.1f ms %s", op, model_name, size, elapsed_ms, outcome)
        return reply

    def _dispatch(self, request: Request, peer_is_loopback: bool) -> Reply:
        if request.op == Op.PING:
            return Reply(success_reply(
                request, version=pix2lut.__version__, protocol=PROTOCOL_VERSION, provider=self.provider_summary(),
                models=len(self.registry.models), uptime_s=round(time.monotonic() - self.started, 3),
            ))
        if request.op == Op.MODELS:
            return Reply(success_reply(request, models=self.registry.describe()))
        if request.op == Op.SHUTDOWN:
            if not peer_is_loopback:
                raise ProtocolError(ErrorCode.FORBIDDEN, "shutdown is accepted only from this machine")
            return Reply(success_reply(request), stop=True)
        return self._grade(request, peer_is_loopback)

    def _grade(self, request: Request, peer_is_loopback: bool) -> Reply:
        colour = colour_pipeline(request.colour)  # raises colour_unsupported before any work
        warnings = list(colour.warnings)
        model = self._model(request)
        timings = pipeline.Timings()
        started = time.perf_counter()
        frames = decode_frames(request.frames, self.config.limits, peer_is_loopback, self.config.allowed_roots)
        timings.add("decode", started)
        try:
            if request.op == Op.LOOK:
                lut = pipeline.look_lut(model, frames[0], request.lut_size, timings)
            elif request.op == Op.MATCH:
                lut = pipeline.match_lut(model, self._looker(model), frames[0], frames[1], request.lut_size, timings)
            else:
                lut = pipeline.correction_lut(model, frames, request.lut_size, timings)
            graded = frames[:1] if request.op == Op.MATCH else frames  # match: the LUT goes on the shot alone
            result = pipeline.finish(lut, graded, request.strength, Output.CDL in request.outputs, timings, colour)
        except ModelRunError as exc:
            raise ProtocolError(ErrorCode.MODEL_FAILED, str(exc)) from exc
        except FitError as exc:
            raise ProtocolError(ErrorCode.FIT_FAILED, str(exc)) from exc
        except (ImageError, LutError) as exc:
            raise ProtocolError(ErrorCode.BAD_REQUEST, str(exc)) from exc

        started = time.perf_counter()
        payloads = [format_cube(result.lut).encode("ascii")] if Output.CUBE in request.outputs else []
        timings.add("encode", started)
        if result.lut.size != request.lut_size:
            warnings.append(f"lut_size {request.lut_size} raised to {result.lut.size}: a LUT folded over "
                            f"{colour.timeline} needs it to be accurate")
        header = success_reply(
            request, model=model.entry.name, provider=model.provider, lut_size=result.lut.size,
            colour_pipeline=colour.name, timings_ms={stage: round(ms, 2) for stage, ms in timings.stages.items()},
            warnings=warnings,
        )
        if request.op in DIAGNOSED_OPS:  # of the model's whole correction: the shot's faults, whatever the strength
            header["diagnosis"] = diagnose(lut).to_dict()
        if result.cdl is not None:
            header["cdl"] = {
                "slope": _floats(result.cdl.slope), "offset": _floats(result.cdl.offset),
                "power": _floats(result.cdl.power), "saturation": round(float(result.cdl.saturation), 6),
            }
        sizes = "+".join(f"{frame.shape[1]}x{frame.shape[0]}" for frame in frames)
        return Reply(header, payloads, frame_sizes=sizes)

    def _model(self, request: Request) -> LoadedModel:
        roles = ROLES_OF_OP[request.op]
        role = next((role for role in roles if self.registry.serves(role)), roles[-1])
        try:
            model = self.registry.get(request.model) if request.model else self.registry.default_for(role)
        except UnknownModelError as exc:
            raise ProtocolError(ErrorCode.UNKNOWN_MODEL, str(exc)) from exc
        if model.entry.role not in roles:
            raise ProtocolError(
                ErrorCode.UNKNOWN_MODEL, f"model {model.entry.name!r} is a {model.entry.role} model; {request.op} "
                f"needs a {' or '.join(roles)} model"
            )
        return model

    def _looker(self, neutralizer: LoadedModel) -> LoadedModel:
        """The model that gives the reference's look in a match: the default look model, else the neutralizer."""
        return self.registry.default_for("look") if self.registry.serves("look") else neutralizer

    def provider_summary(self) -> str:
        """The execution providers the loaded models really got, e.g. ``CPUExecutionProvider``."""
        providers = sorted({model.provider for model in self.registry.models.values()})
        return ", ".join(providers) if providers else "none"


def _floats(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]
