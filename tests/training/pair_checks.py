"""Measures shared by the data tests: the gains of random blends of gain LUTs (degradation blends)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

LIT = 0.05  # pixels darker than this carry too little signal for a ratio
UNIFORM = 0.01  # largest spread of one image's gain: a single LUT gain, not a per-pixel one
VARYING = 0.05  # smallest spread of gains across samples: fresh weights every time, not one fixed blend


def gains(images: Iterable[tuple[np.ndarray, np.ndarray]]) -> list[float]:
    """The one gain taking each ``before`` to its ``after``, checked to be the same over the whole image."""
    found = []
    for before, after in images:
        lit = before > LIT
        gain = after[lit] / before[lit]
        assert np.ptp(gain) < UNIFORM
        found.append(float(gain.mean()))
    return found


def assert_random_convex_blends(found: list[float], low: float, high: float) -> None:
    """Every gain between the blended ones, and the weights drawn afresh for each sample."""
    assert low <= min(found) and max(found) <= high
    assert np.std(found) > VARYING
