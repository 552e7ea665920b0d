"""LUT data types: a 3D table with its input domain, and an optional 1D shaper applied before it.

Axis order, stated once for the whole project: ``table[r, g, b]`` is the output RGB for input
``(r, g, b) = domain_min + index / (size - 1) * (domain_max - domain_min)``. The ``.cube`` format stores
rows with red changing fastest (Adobe Cube LUT Specification 1.0), which is the C-order flattening of
``table[b, g, r]``: see ``pix2lut.cube`` for the one place where that transpose happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pix2lut.errors import LutError

MIN_3D_SIZE = 2  # Adobe Cube 1.0: LUT_3D_SIZE range
MAX_3D_SIZE = 256  # Adobe Cube 1.0 and Resolve
MIN_1D_SIZE = 2  # Adobe Cube 1.0: LUT_1D_SIZE range
MAX_1D_SIZE = 65536
RESOLVE_SIZES = (17, 33, 65)  # the sizes Resolve exports; 33 is its default


def _freeze_checked(lut: Lut1D | Lut3D, table: np.ndarray, kind: str, min_size: int, max_size: int) -> None:
    """The checks and conversions both LUT types share: size range, finite values, a valid domain."""
    if not min_size <= table.shape[0] <= max_size:
        raise LutError(f"{kind} LUT size must be in {min_size}..{max_size}, found {table.shape[0]}")
    if not np.all(np.isfinite(table)):
        raise LutError(f"{kind} LUT table holds NaN or infinite values")
    domain_min = _as_domain(lut.domain_min, "domain_min")
    domain_max = _as_domain(lut.domain_max, "domain_max")
    if np.any(domain_max <= domain_min):
        raise LutError(
            f"domain_max must exceed domain_min on every channel, found {domain_min.tolist()} .. {domain_max.tolist()}"
        )
    object.__setattr__(lut, "table", table)
    object.__setattr__(lut, "domain_min", domain_min)
    object.__setattr__(lut, "domain_max", domain_max)


def _as_domain(value: object, name: str) -> np.ndarray:
    domain = np.broadcast_to(np.asarray(value, dtype=np.float64), (3,)).copy()
    if not np.all(np.isfinite(domain)):
        raise LutError(f"{name} must be finite, found {domain.tolist()}")
    return domain


@dataclass(frozen=True, eq=False)
class Lut1D:
    """A per-channel 1D table of shape ``(size, 3)`` over ``[domain_min, domain_max]``."""

    table: np.ndarray
    domain_min: np.ndarray = field(default_factory=lambda: np.zeros(3))
    domain_max: np.ndarray = field(default_factory=lambda: np.ones(3))

    def __post_init__(self) -> None:
        table = np.asarray(self.table, dtype=np.float32)
        if table.ndim != 2 or table.shape[1] != 3:
            raise LutError(f"a 1D LUT table must have shape (size, 3), found {table.shape}")
        _freeze_checked(self, table, "1D", MIN_1D_SIZE, MAX_1D_SIZE)

    @property
    def size(self) -> int:
        return int(self.table.shape[0])


@dataclass(frozen=True, eq=False)
class Lut3D:
    """A 3D LUT: ``table`` of shape ``(size, size, size, 3)`` indexed ``[r, g, b]``, float32.

    ``shaper``, when present, is applied to the input first (the ``LUT_1D_SIZE`` block of a ``.cube``).
    """

    table: np.ndarray
    domain_min: np.ndarray = field(default_factory=lambda: np.zeros(3))
    domain_max: np.ndarray = field(default_factory=lambda: np.ones(3))
    shaper: Lut1D | None = None
    title: str = ""

    def __post_init__(self) -> None:
        table = np.asarray(self.table, dtype=np.float32)
        if table.ndim != 4 or table.shape[3] != 3 or not (table.shape[0] == table.shape[1] == table.shape[2]):
            raise LutError(f"a 3D LUT table must have shape (size, size, size, 3), found {table.shape}")
        _freeze_checked(self, table, "3D", MIN_3D_SIZE, MAX_3D_SIZE)

    @property
    def size(self) -> int:
        return int(self.table.shape[0])

    @property
    def is_unit_domain(self) -> bool:
        """True when the LUT maps [0, 1] inputs without shaper or domain scaling (portable form)."""
        return self.shaper is None and np.all(self.domain_min == 0.0) and np.all(self.domain_max == 1.0)

    @classmethod
    def identity(cls, size: int) -> Lut3D:
        """The LUT that returns its input: node ``[i, j, k]`` holds ``(i, j, k) / (size - 1)``."""
        return cls(identity_table(size))


def identity_table(size: int) -> np.ndarray:
    """Lattice coordinates in [0, 1], shape ``(size, size, size, 3)`` indexed ``[r, g, b]``."""
    if not MIN_3D_SIZE <= size <= MAX_3D_SIZE:
        raise LutError(f"3D LUT size must be in {MIN_3D_SIZE}..{MAX_3D_SIZE}, found {size}")
    axis = np.linspace(0.0, 1.0, size, dtype=np.float32)
    r, g, b = np.meshgrid(axis, axis, axis, indexing="ij")
    return np.stack([r, g, b], axis=-1)


def check_resolve_size(size: int) -> int:
    """Sizes the product writes: the ones Resolve itself exports."""
    if size not in RESOLVE_SIZES:
        raise LutError(f"LUT size must be one of {', '.join(map(str, RESOLVE_SIZES))}, found {size}")
    return size
