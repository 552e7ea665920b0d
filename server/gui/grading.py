"""One grade, from the panel's side: ask the server for an image's LUT and CDL, make the after image, export.

No Qt here: the window runs these functions in a worker thread (``server.gui.tasks``). The LUT is written to
``<master LUT folder>/Pix2LUT/<content hash>.cube`` by the Resolve scripts' own ``write_lut``, so a LUT copied
from the panel and one set by Grade Clip land in the same place under the same name.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pix2lut.cdl import Cdl, write_cdl
from pix2lut.cube import format_cube, parse_cube, write_cube
from pix2lut.errors import Pix2LutError
from pix2lut.lut import Lut3D
from pix2lut.processor import LutProcessor
from resolve_scripts.errors import ScriptError
from resolve_scripts.luts import write_lut
from server.client import Client, Frame

GRADE_OP = "grade"
GRADE_TIMEOUT_MS = 30_000  # the client's own default: a 65^3 image2image fit on a slow CPU fits inside
GRADE_RETRIES = 1  # a panel user sees the failure and can press Grade again; three silent tries feel like a hang
OUTPUTS = ["cube", "cdl"]  # the panel exports both


class PanelError(Pix2LutError):
    """Something the panel was asked to do cannot be done; the message is one sentence for the status line."""


@dataclass(frozen=True)
class GradeRequest:
    """What the panel asks for: the image file, the model (None: the server's default), strength, LUT size."""

    image: Path
    model: str | None
    strength: float
    lut_size: int


@dataclass(frozen=True, eq=False)
class Grade:
    """The server's answer to a :class:`GradeRequest`, and the after image it gives the preview."""

    request: GradeRequest
    lut: Lut3D
    cdl: Cdl | None
    model: str
    provider: str
    warnings: tuple[str, ...]
    round_trip_ms: float  # as the panel saw it: transport included
    after: np.ndarray  # the preview through the LUT, float32 (H, W, 3)


def request_grade(address: str, request: GradeRequest, before: np.ndarray,
                  timeout_ms: int = GRADE_TIMEOUT_MS) -> Grade:
    """Send the image file to the server, read back the LUT and CDL, and apply the LUT to ``before``.

    Raises ``server.client.ClientError`` (``ServerReplyError`` with the server's code) or a ``Pix2LutError``.
    """
    options: dict = {"lut_size": request.lut_size, "strength": request.strength, "outputs": OUTPUTS}
    if request.model:
        options["model"] = request.model
    frame = Frame.from_file(request.image)
    started = time.perf_counter()
    with Client(address, timeout_ms=timeout_ms, retries=GRADE_RETRIES) as client:
        reply = client.request(GRADE_OP, [frame], **options)
    round_trip_ms = (time.perf_counter() - started) * 1e3
    header = reply.header
    lut = parse_cube(reply.cube_text, f"the server's reply for {request.image.name}")
    cdl = header.get("cdl")
    return Grade(
        request=request, lut=lut,
        cdl=None if cdl is None else Cdl(cdl["slope"], cdl["offset"], cdl["power"], cdl["saturation"]),
        model=str(header.get("model", "?")), provider=str(header.get("provider", "?")),
        warnings=tuple(header.get("warnings", ())), round_trip_ms=round_trip_ms,
        after=graded_image(lut, before),
    )


def graded_image(lut: Lut3D, pixels: np.ndarray) -> np.ndarray:
    """``pixels`` through ``lut`` (OpenColorIO, tetrahedral: Resolve's recommended interpolation)."""
    return LutProcessor(lut).apply(pixels)


def export_cube(grade: Grade, path: str | Path) -> Path:
    """Write the grade's LUT as a portable ``.cube`` at ``path`` (atomically); raises ``CubeError``."""
    write_cube(grade.lut, path)
    return Path(path)


def export_cdl(grade: Grade, path: str | Path) -> Path:
    """Write the grade's ASC CDL as a ``.cdl`` file (XML, ASC CDL v1.2) at ``path``."""
    if grade.cdl is None:
        raise PanelError("the server sent no CDL with this grade: grade again to get one")
    write_cdl(grade.cdl, path)
    return Path(path)


def copy_to_lut_folder(grade: Grade, lut_root: str | Path) -> Path:
    """Put the LUT where Resolve finds it: ``<lut_root>/Pix2LUT/<content hash>.cube``; returns that path."""
    try:
        _relative, absolute = write_lut(str(lut_root), format_cube(grade.lut))
    except ScriptError as exc:
        raise PanelError(str(exc)) from exc
    return Path(absolute)
