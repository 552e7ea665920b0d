"""How the fake turns a clip's source frame into the picture Resolve would show and export.

The chain, per frame: conform the source to the timeline resolution (scale to fit, centred, black bars: Resolve's
default for mismatched resolutions), then the nodes in order: the colour group's pre-clip nodes, the clip's
nodes (its current version), the group's post-clip nodes, the timeline's nodes. Each enabled node applies its
LUT, then its CDL (ASC CDL v1.2, ``pix2lut.cdl.apply_cdl``). A node whose CDL came as Python lists renders
solid red (API-NOTES section 6). Colour management is not modelled: timeline and output space are taken equal.
Data burn-in, when on, is drawn over the viewer's output (so over every exported still, API-NOTES section 4): a
black box along the bottom with white cells spelling the frame number, as a timecode burn-in would change per frame.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from pix2lut.cdl import Cdl, apply_cdl
from pix2lut.imageio import write_image
from tests.fakes.luts import LutLibrary
from tests.fakes.session import FakeLimitation

SOLID_RED = np.array([1.0, 0.0, 0.0], dtype=np.float32)

# Still formats Resolve exports (API-NOTES section 4: "png, tif, dpx, jpg..."), and the bit depth this fake
# writes for the ones it can write. Resolve's own depths are not documented; 8-bit PNG and JPEG, 16-bit TIFF.
STILL_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".dpx", ".cin", ".exr", ".bmp", ".ppm")
WRITTEN_BIT_DEPTH = {".png": 8, ".jpg": 8, ".jpeg": 8, ".tif": 16, ".tiff": 16}
BURN_IN_BAND = 0.125  # of the picture height: the burn-in box along the bottom
BURN_IN_CELLS = 16  # one leading white cell, then the frame number's low 15 bits, one cell each


@dataclass
class GradeNode:
    """One serial node of a grade: what the scripting API can set and read on it."""

    label: str = ""
    lut: str = ""  # master-relative path, as GetLUT answers; "" for none
    cdl: Cdl | None = None
    cdl_red: bool = False  # SetCDL got Python lists: Resolve takes them and renders the node solid red
    enabled: bool = True

    def copy(self) -> GradeNode:
        return dataclasses.replace(self)

    def reset(self) -> None:
        """What ResetAllGrades does to a node: no corrections, label and place kept."""
        self.lut, self.cdl, self.cdl_red, self.enabled = "", None, False, True


def new_nodes(labels: Iterable[str]) -> list[GradeNode]:
    return [GradeNode(label=label) for label in labels]


def grade_pixels(pixels: np.ndarray, nodes: Iterable[GradeNode], luts: LutLibrary) -> np.ndarray:
    """``pixels`` (float32 ``(..., 3)``) through ``nodes`` in order: each enabled node's LUT, then its CDL."""
    out = np.asarray(pixels, dtype=np.float32)
    for node in nodes:
        if not node.enabled:
            continue
        if node.lut:
            out = luts.apply(node.lut, out)
        if node.cdl_red:
            out = np.broadcast_to(SOLID_RED, out.shape).copy()
        elif node.cdl is not None:
            out = apply_cdl(out, node.cdl)
    return out


def conform(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """``frame`` scaled to fit ``width`` x ``height``, centred on black; unchanged when the size already matches."""
    frame_height, frame_width = frame.shape[:2]
    if (frame_width, frame_height) == (width, height):
        return frame
    scale = min(width / frame_width, height / frame_height)
    fitted_width = max(1, round(frame_width * scale))
    fitted_height = max(1, round(frame_height * scale))
    shrinking = scale < 1.0
    fitted = cv2.resize(
        frame, (fitted_width, fitted_height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    )
    canvas = np.zeros((height, width, 3), dtype=np.float32)
    top, left = (height - fitted_height) // 2, (width - fitted_width) // 2
    canvas[top : top + fitted_height, left : left + fitted_width] = fitted
    return canvas


def burn_in(picture: np.ndarray, frame: int) -> np.ndarray:
    """``picture`` with a data burn-in box along the bottom (module docstring); a new array."""
    out = np.array(picture, dtype=np.float32, copy=True)
    height, width = out.shape[:2]
    top = height - max(1, round(height * BURN_IN_BAND))
    out[top:] = 0.0
    for cell in range(BURN_IN_CELLS):
        if cell == 0 or (frame >> (cell - 1)) & 1:
            left, right = cell * width // BURN_IN_CELLS, (cell + 1) * width // BURN_IN_CELLS
            out[top:, left:right] = 1.0
    return out


def is_still_path(path: object) -> bool:
    return isinstance(path, (str, os.PathLike)) and Path(path).suffix.lower() in STILL_SUFFIXES


def write_still(path: str | os.PathLike[str], pixels: np.ndarray) -> None:
    """Write a graded frame as the still file Resolve would; FakeLimitation for formats the fake cannot write."""
    suffix = Path(path).suffix.lower()
    if suffix not in WRITTEN_BIT_DEPTH:
        raise FakeLimitation(f"{path}: the fake writes {', '.join(WRITTEN_BIT_DEPTH)} stills, not {suffix}")
    write_image(path, np.clip(pixels, 0.0, 1.0), bit_depth=WRITTEN_BIT_DEPTH[suffix])
