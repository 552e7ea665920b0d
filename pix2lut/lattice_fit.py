"""Smoothness-regularised least squares on a 3D lattice, solved coarse to fine.

The problem, for a correction field ``D`` on an ``n^3`` lattice (``C`` channels, here the RGB offsets)::

    minimise  sum_i w_i |D(x_i) - e_i|^2  +  smoothness * (n - 1) * |D2 D|^2  +  ridge / (n - 1)^3 * |D|^2

where ``D(x)`` is trilinear interpolation, ``D2`` the second difference along each axis, and the factors of
``n - 1`` make both penalties approximate integrals over the unit cube, so one setting means the same at every
lattice size. The weights sum to one, so the data term is a weighted mean squared error.

Solving it directly at 33^3 (36k unknowns per channel) with plain conjugate gradients takes seconds, because
smoothness propagates one node per iteration through colours the samples do not cover. Here:

- the data term is *lumped*: each sample's weight is splatted onto its cell's eight nodes, which makes the data
  part diagonal and the whole operator a fixed stencil, applied matrix-free on the lattice array;
- each level starts from the previous, coarser level's answer upsampled, so conjugate gradients only have to
  add detail (multigrid's nested iteration);
- a few refinement passes at the finest level put back the exact trilinear data term (preconditioned
  Richardson with the lumped operator, which converges because lumping only adds to the diagonal).
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse

from pix2lut.apply import interpolate

CG_TOLERANCE = 1e-3  # relative residual at which a level's conjugate gradients stop
COARSE_ITERATIONS = 15  # at most, per coarse level: they carry the smooth part, cheaply
FINEST_ITERATIONS = 5  # at most, at the finest level: only detail is left to add there, at the highest cost
COARSEST_SIZE = 5


def splat(size: int, coords: np.ndarray, weights: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spread weighted samples onto lattice nodes with trilinear weights.

    Returns ``mass`` ``(n, n, n)`` (sum of weights per node) and ``moment`` ``(n, n, n, C)``
    (sum of weight times value), the lumped form of the data term.
    """
    corner = np.minimum(coords.astype(np.intp), size - 2)
    frac = coords - corner
    flat_corner = (corner[:, 0] * size + corner[:, 1]) * size + corner[:, 2]
    nodes = size**3
    mass = np.zeros(nodes)
    moment = np.zeros((nodes, values.shape[1]))
    for dr in (0, 1):
        wr = weights * (frac[:, 0] if dr else 1.0 - frac[:, 0])
        for dg in (0, 1):
            wg = wr * (frac[:, 1] if dg else 1.0 - frac[:, 1])
            for db in (0, 1):
                w = wg * (frac[:, 2] if db else 1.0 - frac[:, 2])
                node = flat_corner + (dr * size + dg) * size + db
                mass += np.bincount(node, w, nodes)
                for channel in range(values.shape[1]):
                    moment[:, channel] += np.bincount(node, w * values[:, channel], nodes)
    return mass.reshape(size, size, size), moment.reshape(size, size, size, -1)


def upsample(field: np.ndarray) -> np.ndarray:
    """Trilinear refinement of an ``(n, n, n, C)`` lattice to ``(2n - 1, 2n - 1, 2n - 1, C)``."""
    for axis in range(3):
        n = field.shape[axis]
        shape = list(field.shape)
        shape[axis] = 2 * n - 1
        fine = np.empty(shape)
        even = [slice(None)] * 4
        odd = [slice(None)] * 4
        even[axis] = slice(0, None, 2)
        odd[axis] = slice(1, None, 2)
        fine[tuple(even)] = field
        fine[tuple(odd)] = 0.5 * (np.take(field, range(n - 1), axis) + np.take(field, range(1, n), axis))
        field = fine
    return field


def coarse_to_fine_sizes(size: int, coarsest: int = COARSEST_SIZE) -> list[int]:
    """Lattice sizes that nest by ``n -> 2n - 1``, ending at ``size`` (e.g. 33 -> [5, 9, 17, 33])."""
    sizes = [size]
    while sizes[-1] > coarsest and (sizes[-1] - 1) % 2 == 0 and (sizes[-1] + 1) // 2 >= coarsest:
        sizes.append((sizes[-1] + 1) // 2)
    return sizes[::-1]


def fit_lattice(
    size: int,
    points: np.ndarray,
    values: np.ndarray,
    weights: np.ndarray,
    smoothness: float,
    ridge: float,
    refinements: int = 0,
) -> np.ndarray:
    """The regularised least-squares field ``(size, size, size, C)`` through ``values`` at ``points`` in [0, 1]^3."""
    weights = weights / weights.sum()
    sizes = coarse_to_fine_sizes(size)
    field = np.zeros((sizes[0],) * 3 + (values.shape[1],))
    for n in sizes:
        if field.shape[0] != n:
            field = upsample(field)
        coords = points * (n - 1)
        operator = _LumpedOperator(n, coords, weights, smoothness * (n - 1), ridge / (n - 1) ** 3)
        finest = n == size
        for _ in range(1 + (refinements if finest else 0)):
            # exact gradient of the objective at `field`; the lumped operator turns it into a step
            fitted = interpolate(field.reshape(-1, values.shape[1]), n, coords, "trilinear")
            _, data_pull = splat(n, coords, weights, values - fitted)
            gradient = data_pull - operator.penalty(field)
            field = field + operator.solve(gradient, FINEST_ITERATIONS if finest else COARSE_ITERATIONS)
    return field


class _LumpedOperator:
    """``diag(mass) + s * D2^T D2 + r * I`` as a sparse matrix, with Jacobi-preconditioned conjugate gradients."""

    def __init__(self, size: int, coords: np.ndarray, weights: np.ndarray, smoothness: float, ridge: float):
        mass, _ = splat(size, coords, weights, np.zeros((coords.shape[0], 0)))
        roughness, diagonal_at = _roughness_matrix(size)
        self.smoothness = smoothness
        self.ridge = ridge
        self.roughness = roughness
        # same sparsity as the cached roughness matrix: only the values change from fit to fit
        data = smoothness * roughness.data
        data[diagonal_at] += mass.reshape(-1) + ridge
        self.matrix = scipy.sparse.csr_matrix((data, roughness.indices, roughness.indptr), shape=roughness.shape)
        self.diagonal = data[diagonal_at][:, None]

    def penalty(self, field: np.ndarray) -> np.ndarray:
        """Gradient of the two penalties (half of it: the objective's factor 2 cancels throughout)."""
        flat = field.reshape(-1, field.shape[-1])
        return (self.smoothness * (self.roughness @ flat) + self.ridge * flat).reshape(field.shape)

    def solve(self, rhs: np.ndarray, max_iterations: int) -> np.ndarray:
        b = rhs.reshape(-1, rhs.shape[-1])
        x = np.zeros_like(b)
        residual = b.copy()
        z = residual / self.diagonal
        direction = z.copy()
        rz = _dot(residual, z)
        stop = CG_TOLERANCE**2 * np.maximum(_dot(b, b), 1e-300)
        for _ in range(max_iterations):
            applied = self.matrix @ direction
            step = rz / np.maximum(_dot(direction, applied), 1e-300)
            x += step * direction
            residual -= step * applied
            if np.all(_dot(residual, residual) <= stop):
                break
            z = residual / self.diagonal
            rz_next = _dot(residual, z)
            direction = z + (rz_next / np.maximum(rz, 1e-300)) * direction
            rz = rz_next
        return x.reshape(rhs.shape)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-channel inner product of two lattice fields ``(..., C) -> (C,)``."""
    return np.einsum("ic,ic->c", a.reshape(-1, a.shape[-1]), b.reshape(-1, b.shape[-1]))


@functools.lru_cache(maxsize=8)
def _roughness_matrix(size: int) -> tuple[scipy.sparse.csr_matrix, np.ndarray]:
    """``D2^T D2`` on the ``size^3`` lattice (C order, b fastest), and where its diagonal sits in ``.data``."""
    second = scipy.sparse.diags([1.0, -2.0, 1.0], [0, 1, 2], shape=(size - 2, size))  # (size - 2, size)
    per_axis = (second.T @ second).tocsr()
    eye = scipy.sparse.identity(size, format="csr")
    matrix = (
        scipy.sparse.kron(scipy.sparse.kron(per_axis, eye), eye)
        + scipy.sparse.kron(scipy.sparse.kron(eye, per_axis), eye)
        + scipy.sparse.kron(scipy.sparse.kron(eye, eye), per_axis)
        + scipy.sparse.identity(size**3)  # stores every diagonal entry, so mass can be added in place
    ).tocsr()
    matrix.sort_indices()
    rows = np.repeat(np.arange(size**3), np.diff(matrix.indptr))
    diagonal_at = np.flatnonzero(matrix.indices == rows)
    matrix.data[diagonal_at] -= 1.0
    return matrix, diagonal_at
