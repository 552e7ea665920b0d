"""Real degradations for synthetic pairs: the inverse of each training pair's retouch, as a LUT.

FiveK inputs are flat, under-processed renditions; well-exposed photos detuned at random are not. Fitting, for
each real pair, the LUT that takes the retouch back to the input gives "what this retoucher undid": applied to a
well-exposed photo, it makes an input that looks like the real ones, with the photo as its target. A dozen real
pairs then stand for a dozen kinds of input over every training photo.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from pix2lut.fit import FitConfig, fit_lut
from pix2lut.lut import Lut3D
from pix2lut.samples import collect_samples
from training.data.pairs import Pair

FIT_SIDE = 256  # pairs are fitted at most this long on their long side: enough colours, fast
FIT_SIZE = 33


def unretouch_luts(pairs: Sequence[Pair], size: int = FIT_SIZE) -> list[Lut3D]:
    """One LUT per pair, fitted from its target (the retouch) back to its source (the input)."""
    return [fit_lut(collect_samples([(_shrunk(pair.target), _shrunk(pair.source))]), FitConfig(size=size))
            for pair in pairs]


def _shrunk(image: np.ndarray) -> np.ndarray:
    scale = min(1.0, FIT_SIDE / max(image.shape[:2]))
    if scale == 1.0:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)
