"""Pix2LUT's shared core: LUT maths, .cube I/O, colour, fitting. numpy only: no torch, no zmq."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pix2lut")  # the installed distribution's: one source, pyproject.toml
except PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"
