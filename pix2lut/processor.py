"""Apply a LUT fast with OpenColorIO: build the processor once, apply it to whole images many times.

OpenColorIO's CPU processor is several times faster than the numpy reference in ``pix2lut.apply`` (1080p:
about 0.1 s against 0.8 s here) and agrees with it to 1e-7 (``tests/pix2lut/test_processor.py``). It takes the
table in our layout: flattened in C order from ``[r, g, b]``, blue changing fastest.
"""

from __future__ import annotations

import numpy as np
import PyOpenColorIO as ocio

from pix2lut.apply import Interpolation
from pix2lut.errors import LutError
from pix2lut.lut import Lut3D

OCIO_INTERPOLATION = {"tetrahedral": ocio.INTERP_TETRAHEDRAL, "trilinear": ocio.INTERP_LINEAR}


class LutProcessor:
    """An OpenColorIO CPU processor for one unit-domain LUT (the portable form every .cube we write has)."""

    def __init__(self, lut: Lut3D, interp: Interpolation = "tetrahedral") -> None:
        if not lut.is_unit_domain:
            raise LutError("the OpenColorIO processor takes LUTs on [0, 1] without shaper: resample the LUT first")
        if interp not in OCIO_INTERPOLATION:
            raise LutError(f"Unknown interpolation {interp!r}: use one of {', '.join(OCIO_INTERPOLATION)}")
        transform = ocio.Lut3DTransform(gridSize=lut.size)
        transform.setData(np.ascontiguousarray(lut.table, dtype=np.float32).ravel())
        transform.setInterpolation(OCIO_INTERPOLATION[interp])
        self._cpu = ocio.Config.CreateRaw().getProcessor(transform).getDefaultCPUProcessor()

    def apply(self, pixels: np.ndarray) -> np.ndarray:
        """``pixels`` (``(..., 3)``) through the LUT, as a new float32 array; inputs outside [0, 1] are clamped."""
        pixels = np.asarray(pixels)
        if pixels.ndim < 1 or pixels.shape[-1] != 3:
            raise LutError(f"pixels must have shape (..., 3), found {pixels.shape}")
        out = np.nan_to_num(np.array(pixels, dtype=np.float32, order="C"), nan=0.0)  # a copy OCIO may overwrite
        self._cpu.applyRGB(out.reshape(-1, 3))
        return out
