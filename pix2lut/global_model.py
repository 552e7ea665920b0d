"""A smooth global colour model: the part of a grade that colours absent from the frame should still get.

Each output channel is a sum of four 1D curves: of red, of green, of blue and of Rec.709 luma, each piecewise
linear on ``CURVE_KNOTS`` knots. That holds per-channel tone curves, channel mixing and saturation (a blend
with luma), which is most of what a global grade does, while needing only the 1D ranges of the frame to be
covered, not the 3D volume. The lattice fit (``pix2lut.fit``) adds what this model cannot express, near the
samples, and falls back to this model far from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse

from pix2lut.colour import REC709_LUMA

CURVE_KNOTS = 9  # knots per curve: enough for S-curves and toe/shoulder shapes, few enough to extrapolate sanely
CURVE_SMOOTHNESS = 1e-3  # second-difference penalty on each curve's knot values (weighted-mean units)
IDENTITY_PULL = 1e-4  # ridge towards "output = input": decides what the frame cannot (its colours
# may lie on a plane, as in a desaturated shot; then the curves of r, g, b and luma cannot be told apart)


@dataclass(frozen=True, eq=False)
class GlobalColourModel:
    """Coefficients of shape ``(4 * CURVE_KNOTS, 3)``: knot values of the r, g, b and luma curves per output."""

    coefficients: np.ndarray

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """Evaluate at colours ``(..., 3)``."""
        flat = np.asarray(rgb, dtype=np.float64).reshape(-1, 3)
        return np.asarray(_features(flat) @ self.coefficients).reshape(np.shape(rgb))


def fit_global_model(source: np.ndarray, target: np.ndarray, weights: np.ndarray) -> GlobalColourModel:
    """Weighted least squares with smooth curves: ``argmin sum w |F(source) c - target|^2 + smoothness``."""
    features = _features(source)  # (K, 4 * knots), sparse: two hats per curve are non-zero
    weighted = (scipy.sparse.diags(weights / weights.sum()) @ features).T.tocsr()
    normal = (weighted @ features).toarray()
    rhs = weighted @ target
    normal += CURVE_SMOOTHNESS * _curve_roughness() + IDENTITY_PULL * np.eye(normal.shape[0])
    rhs += IDENTITY_PULL * _identity_coefficients()
    return GlobalColourModel(np.linalg.solve(normal, rhs))


def _features(rgb: np.ndarray) -> scipy.sparse.csr_matrix:
    """Hat-function weights of each colour's r, g, b and luma on the knots, sparse ``(K, 4 * knots)``."""
    luma = rgb @ np.asarray(REC709_LUMA)
    curves = np.stack([rgb[:, 0], rgb[:, 1], rgb[:, 2], luma], axis=1)  # (K, 4)
    position = np.clip(curves, 0.0, 1.0) * (CURVE_KNOTS - 1)
    lower = np.minimum(position.astype(np.intp), CURVE_KNOTS - 2)
    fraction = position - lower
    column = lower + CURVE_KNOTS * np.arange(4)  # curve c's knots occupy columns c * knots ...
    columns = np.stack([column, column + 1], axis=2).reshape(-1)  # (K * 8,): lower and upper knot of each curve
    values = np.stack([1.0 - fraction, fraction], axis=2).reshape(-1)
    row_starts = np.arange(0, columns.size + 1, 8)
    return scipy.sparse.csr_matrix((values, columns, row_starts), shape=(rgb.shape[0], 4 * CURVE_KNOTS))


def _identity_coefficients() -> np.ndarray:
    """The coefficients of ``output = input``: each channel's own curve is the diagonal, the rest zero."""
    knots = np.linspace(0.0, 1.0, CURVE_KNOTS)
    coefficients = np.zeros((4 * CURVE_KNOTS, 3))
    for channel in range(3):
        coefficients[channel * CURVE_KNOTS : (channel + 1) * CURVE_KNOTS, channel] = knots
    return coefficients


def _curve_roughness() -> np.ndarray:
    """Sum of squared second differences of each curve's knot values, as a quadratic form."""
    second = np.diff(np.eye(CURVE_KNOTS), n=2, axis=0)  # (knots - 2, knots)
    per_curve = second.T @ second * (CURVE_KNOTS - 1) ** 3  # scaled like an integral of f''^2 over [0, 1]
    return np.kron(np.eye(4), per_curve)
