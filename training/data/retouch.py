"""Real degradations for synthetic pairs: the inverse of each training pair's retouch, as a LUT.

FiveK inputs are flat, under-processed renditions; well-exposed photos detuned at random are not. Fitting, for
each real pair, the LUT that takes the retouch back to the input gives "what this retoucher undid": applied to a
well-exposed photo, it makes an input that looks like the real ones, with the photo as its target. A dozen real
pairs then stand for a dozen kinds of input over every training photo.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pix2lut.fit import FitConfig, fit_lut
from pix2lut.imageio import shrink_to_longest
from pix2lut.lut import Lut3D
from pix2lut.samples import collect_samples
from training.data.pairs import Pair

FIT_SIDE = 256  # pairs are fitted at most this long on their long side: enough colours, fast
FIT_SIZE = 33


def unretouch_luts(pairs: Sequence[Pair], size: int = FIT_SIZE) -> list[Lut3D]:
    """One LUT per pair, fitted from its target (the retouch) back to its source (the input)."""
    return [_fitted(pair.target, pair.source, size) for pair in pairs]


def retouch_luts(pairs: Sequence[Pair], size: int = FIT_SIZE) -> list[Lut3D]:
    """One LUT per pair, fitted from its source (the input) to its target: the retouch itself, as a grade library
    holds it (:mod:`training.basis`)."""
    return [_fitted(pair.source, pair.target, size) for pair in pairs]


def _fitted(source: np.ndarray, target: np.ndarray, size: int) -> Lut3D:
    return fit_lut(collect_samples([(shrink_to_longest(source, FIT_SIDE), shrink_to_longest(target, FIT_SIDE))]),
                   FitConfig(size=size))

