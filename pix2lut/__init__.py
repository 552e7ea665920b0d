"""Pix2LUT's shared core: LUT maths, .cube I/O, colour, fitting. numpy only: no torch, no zmq."""

__version__ = "0.1.0"
