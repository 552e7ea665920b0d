"""RGB helpers shared by the detunings and the looks: the input check and the luma-preserving saturation."""

from __future__ import annotations

import numpy as np

from pix2lut.colour import REC709_LUMA
from training.errors import DataError

LUMA_WEIGHTS = np.asarray(REC709_LUMA)  # ITU-R BT.709-6, item 3.2; they sum to 1


def as_rgb64(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` as float64, checked to be float of shape ``(..., 3)``.

    Raises
    ------
    DataError
        Not a float array whose last axis holds 3 channels.
    """
    rgb = np.asarray(rgb)
    if rgb.ndim == 0 or rgb.shape[-1] != 3 or not np.issubdtype(rgb.dtype, np.floating):
        raise DataError(f"colours must be float of shape (..., 3), found {rgb.dtype} {rgb.shape}")
    return rgb.astype(np.float64)


def rec709_luma(rgb: np.ndarray) -> np.ndarray:
    """Rec.709 luma, shape ``(...)``, float64."""
    return rgb @ LUMA_WEIGHTS


def saturate(rgb: np.ndarray, factor: float) -> np.ndarray:
    """Scale each colour's distance from its Rec.709 luma by ``factor``.

    Luma is unchanged (the weights sum to 1), so ``saturate(saturate(x, f), 1 / f) == x``.
    """
    luma = rec709_luma(rgb)[..., None]
    return luma + factor * (rgb - luma)
