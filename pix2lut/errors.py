"""The one exception hierarchy of Pix2LUT.

::

    Pix2LutError
    ├── CubeError            a .cube file that cannot be read or written (names the file and line)
    ├── ImageError           an image that cannot be read, written or used (names the file)
    ├── LutError             a LUT or LUT operation with invalid arguments (size, shape, strength)
    └── FitError             samples from which no LUT or CDL can be fitted

Each message says where, the rule, and what was found, e.g.
``grade.cube:7: LUT_3D_SIZE 33 needs 35937 rows, found 35936``.
"""

from __future__ import annotations


class Pix2LutError(Exception):
    """Base of every error Pix2LUT raises on purpose."""


class CubeError(Pix2LutError):
    """A .cube file that does not follow the format."""

    def __init__(self, message: str, source: str = "<text>", line: int | None = None) -> None:
        self.source = source
        self.line = line
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")


class ImageError(Pix2LutError):
    """An image that cannot be decoded, encoded or used as given."""


class LutError(Pix2LutError):
    """Invalid LUT data or arguments to a LUT operation."""


class FitError(Pix2LutError):
    """Samples from which nothing sensible can be fitted."""
