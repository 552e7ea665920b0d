"""Apply a 3D LUT to pixels: tetrahedral (Resolve's recommended setting) and trilinear interpolation.

Vectorised numpy in float32, tiled so that images of any size run in bounded memory. This is the reference
implementation the tests hold OpenColorIO and ffmpeg against; see ``pix2lut.ocio`` for the fast path.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from pix2lut.errors import LutError
from pix2lut.lut import Lut1D, Lut3D

Interpolation = Literal["tetrahedral", "trilinear"]
INTERPOLATIONS: tuple[Interpolation, ...] = ("tetrahedral", "trilinear")
TILE_PIXELS = 1 << 18  # pixels per tile: about 20 MB of float32 temporaries


def apply_lut(pixels: np.ndarray, lut: Lut3D, interp: Interpolation = "tetrahedral") -> np.ndarray:
    """Return ``pixels`` (shape ``(..., 3)``) mapped through ``lut``, as float32 of the same shape.

    Inputs outside the LUT's domain are clamped to it, and NaN counts as 0, as OpenColorIO and ffmpeg do.
    """
    if interp not in INTERPOLATIONS:
        raise LutError(f"Unknown interpolation {interp!r}: use one of {', '.join(INTERPOLATIONS)}")
    pixels = np.asarray(pixels)
    if pixels.ndim < 1 or pixels.shape[-1] != 3:
        raise LutError(f"pixels must have shape (..., 3), found {pixels.shape}")
    flat = pixels.reshape(-1, 3)
    out = np.empty(flat.shape, dtype=np.float32)
    table = lut.table.reshape(-1, 3)  # row (r * N + g) * N + b, from the [r, g, b] layout
    for start in range(0, flat.shape[0], TILE_PIXELS):
        tile = np.nan_to_num(flat[start : start + TILE_PIXELS].astype(np.float32), copy=False, nan=0.0)
        if lut.shaper is not None:
            tile = _apply_shaper(tile, lut.shaper)
        out[start : start + TILE_PIXELS] = interpolate(table, lut.size, _lattice_coordinates(tile, lut), interp)
    return out.reshape(pixels.shape)


def interpolate(table: np.ndarray, size: int, coords: np.ndarray, interp: Interpolation) -> np.ndarray:
    """Interpolate a flat lattice ``table`` (``(size**3, C)``, row ``(r * size + g) * size + b``) at ``coords``.

    ``coords`` are fractional lattice indices ``(K, 3)`` already inside ``[0, size - 1]``.
    """
    if interp == "tetrahedral":
        return _tetrahedral(table, size, coords)
    return _trilinear(table, size, coords)


def _apply_shaper(rgb: np.ndarray, shaper: Lut1D) -> np.ndarray:
    """Per-channel linear interpolation of the 1D shaper over its own domain."""
    out = np.empty_like(rgb)
    positions = np.linspace(0.0, 1.0, shaper.size)
    for channel in range(3):
        span = shaper.domain_max[channel] - shaper.domain_min[channel]
        unit = (rgb[:, channel] - shaper.domain_min[channel]) / span
        out[:, channel] = np.interp(unit, positions, shaper.table[:, channel])
    return out


def _lattice_coordinates(rgb: np.ndarray, lut: Lut3D) -> np.ndarray:
    """Input colours as fractional lattice indices in ``[0, size - 1]``, clamped to the domain."""
    domain_min = lut.domain_min.astype(np.float32)
    domain_max = lut.domain_max.astype(np.float32)
    scale = ((lut.size - 1) / (lut.domain_max - lut.domain_min)).astype(np.float32)
    coords = (np.clip(rgb, domain_min, domain_max) - domain_min) * scale  # clamp first: 1e30 must not overflow
    return np.clip(coords, 0.0, np.float32(lut.size - 1), out=coords)


def _cell(coords: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Lower corner index of each sample's lattice cell and the fractional position inside it."""
    corner = np.minimum(coords.astype(np.intp), size - 2)
    return corner, coords - corner


def _tetrahedral(table: np.ndarray, size: int, coords: np.ndarray) -> np.ndarray:
    """Tetrahedral interpolation: the cell is split into six tetrahedra along its main diagonal.

    With the fractions sorted ``f1 >= f2 >= f3`` along axes ``a1, a2, a3`` the result is
    ``(1 - f1) c000 + (f1 - f2) c[a1] + (f2 - f3) c[a1 + a2] + f3 c111``.
    """
    corner, frac = _cell(coords, size)
    strides = np.array([size * size, size, 1], dtype=np.intp)  # flat index steps along r, g, b
    base = corner @ strides
    fr, fg, fb = frac[:, 0], frac[:, 1], frac[:, 2]

    # first axis: the largest fraction; last axis: the smallest (ties broken so the two always differ)
    r_first = (fr >= fg) & (fr >= fb)
    first = np.where(r_first, strides[0], np.where(fg >= fb, strides[1], strides[2]))
    b_last = (fb <= fg) & (fb <= fr)
    last = np.where(b_last, strides[2], np.where(fg <= fr, strides[1], strides[0]))

    f1 = np.maximum(np.maximum(fr, fg), fb)
    f3 = np.minimum(np.minimum(fr, fg), fb)
    f2 = fr + fg - f1 - f3 + fb

    all_axes = strides.sum()
    out = (1.0 - f1)[:, None] * table[base]
    out += (f1 - f2)[:, None] * table[base + first]
    out += (f2 - f3)[:, None] * table[base + all_axes - last]
    out += f3[:, None] * table[base + all_axes]
    return out


def _trilinear(table: np.ndarray, size: int, coords: np.ndarray) -> np.ndarray:
    """Trilinear interpolation of the eight corners of each sample's cell."""
    corner, frac = _cell(coords, size)
    strides = np.array([size * size, size, 1], dtype=np.intp)
    base = corner @ strides
    out = np.zeros((coords.shape[0], table.shape[1]), dtype=table.dtype)
    for dr in (0, 1):
        wr = frac[:, 0] if dr else 1.0 - frac[:, 0]
        for dg in (0, 1):
            wg = wr * (frac[:, 1] if dg else 1.0 - frac[:, 1])
            for db in (0, 1):
                weight = wg * (frac[:, 2] if db else 1.0 - frac[:, 2])
                out += weight[:, None] * table[base + dr * strides[0] + dg * strides[1] + db * strides[2]]
    return out
