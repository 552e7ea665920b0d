"""Fold the timeline-to-output transform into a grade: the LUT a node in the timeline space needs.

A grade ``L`` is found on the still, which is in the output space; the node sees timeline-space colours ``t``.
The node's LUT is ``node(t) = O^-1(L(O(t)))`` (``O``: ``server.colour_settings.ColourPipeline``), sampled on a
lattice over the timeline space and clipped to [0, 1], the cube's range. Its accuracy on pictures' colours (mean
and 99th percentile CIEDE2000 after ``O``) is measured by ``bench/colour_fold.py``, which chose each pipeline's
``min_lut_size`` (``server.colour_settings.FOLDED_LOG_LUT_SIZE``); no 1D shaper was needed.
"""

from __future__ import annotations

from pix2lut.apply import apply_lut
from pix2lut.lut import Lut3D, identity_table
from server.colour_settings import ColourPipeline


def fold(lut: Lut3D, pipeline: ColourPipeline, size: int) -> Lut3D:
    """The node LUT ``O^-1 . L . O`` of ``size``^3 over the timeline space; ``lut`` itself for the identity."""
    if pipeline.is_identity:
        return lut
    lattice = identity_table(size)  # (size, size, size, 3) indexed [r, g, b]: timeline-space colours
    graded = apply_lut(pipeline.to_output(lattice), lut)
    return Lut3D(pipeline.to_timeline(graded))


def folded_size(pipeline: ColourPipeline, requested: int) -> int:
    """The size to fold at: the requested one, raised to the pipeline's ``min_lut_size`` to be accurate."""
    return max(requested, pipeline.min_lut_size)
