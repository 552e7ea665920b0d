"""The grading pipeline: frames in, one LUT (and optionally a CDL) out.

decode (``server.frames``, which keeps at most ``FRAME_LONGEST_SIDE`` px of each frame) -> model input (area
resize to the model's size, NCHW) -> inference -> LUT (the model's own for ``image2lut``; fitted by
``pix2lut.fit`` from input and prediction for ``image2image``) -> strength -> CDL -> ``.cube`` text. Every frame
of a request shares one LUT, so a shot graded from several frames cannot flicker. Looks from a reference still:
neutralize the still, then fit the LUT that takes the neutral still back to the reference; matching applies that
look after the shot's own neutralize LUT. The models see the display-referred still; when the node works in
another space, ``finish`` folds the timeline-to-output transform into the LUT (``server.colour_fold``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from pix2lut.apply import apply_lut
from pix2lut.cdl import Cdl, fit_cdl
from pix2lut.fit import FitConfig, fit_lut
from pix2lut.imageio import shrink_to_longest
from pix2lut.lut import Lut3D
from pix2lut.ops import compose, resample, with_strength
from pix2lut.samples import collect_samples
from server.colour_fold import fold, folded_size
from server.colour_settings import ColourPipeline
from server.registry import LoadedModel

IMAGE2IMAGE_SMOOTHNESS = 1e-4  # model predictions are noisier than real grades: fit them ten times smoother
FIT_LONGEST_SIDE = 512  # a reference's look is fitted on this many pixels at most: enough colours, fast
CDL_SAMPLE_SIDE = 128  # the CDL is fitted on a thumbnail's colours: it has only 10 parameters
# The most of a frame any stage reads, so server.frames shrinks every frame to it as soon as it is decoded: the
# look fit reads FIT_LONGEST_SIDE on the long side, the models S x S (64 to 256, or 512 at 2x oversampling, as in
# DESIGN.md), the CDL CDL_SAMPLE_SIDE; a frame up to 2:1 shrunk to this keeps 512 px on its short side too.
FRAME_LONGEST_SIDE = 2 * FIT_LONGEST_SIDE


@dataclass
class Timings:
    """Milliseconds spent per stage, for the reply's ``timings_ms``."""

    stages: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, started: float) -> float:
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + (now - started) * 1e3
        return now


@dataclass(frozen=True)
class GradeResult:
    lut: Lut3D
    cdl: Cdl | None


def model_input(frame: np.ndarray, size: int) -> np.ndarray:
    """A frame as the model sees it: ``(1, 3, size, size)`` float32, area-resized (colour is global: no crop)."""
    thumbnail = cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(thumbnail.transpose(2, 0, 1)[None], dtype=np.float32)


def correction_lut(model: LoadedModel, frames: Sequence[np.ndarray], lut_size: int, timings: Timings) -> Lut3D:
    """The one LUT ``model`` gives for all ``frames`` of a shot.

    ``image2lut``: the mean of the per-frame LUTs (the least-squares LUT closest to all of them);
    ``image2image``: one fit over every (input, prediction) pair.
    """
    size = model.entry.input_size
    started = time.perf_counter()
    inputs = [model_input(frame, size) for frame in frames]
    started = timings.add("resize", started)
    outputs = [model.run(batch) for batch in inputs]
    started = timings.add("inference", started)
    if model.entry.kind == "image2lut":
        table = np.mean([np.clip(output[0], 0.0, 1.0) for output in outputs], axis=0)  # (N, N, N, 3), [r, g, b]
        lut = Lut3D(table)
        lut = lut if lut.size == lut_size else resample(lut, lut_size)
    else:
        pairs = [(batch[0].transpose(1, 2, 0), np.clip(output[0], 0, 1).transpose(1, 2, 0))
                 for batch, output in zip(inputs, outputs)]  # (S, S, 3) each
        lut = fit_lut(collect_samples(pairs), FitConfig(size=lut_size, smoothness=IMAGE2IMAGE_SMOOTHNESS))
    timings.add("fit", started)
    return lut


def look_lut(model: LoadedModel, reference: np.ndarray, lut_size: int, timings: Timings) -> Lut3D:
    """The look of a reference still.

    A ``look`` model (a learned look, or a reference-look model that reads the look off the still) gives it
    directly. With a ``neutralize`` model, the look is the LUT fitted from the neutralized reference back to the
    reference (a look the neutralizer cannot undo comes out as no look at all).
    """
    if model.entry.role == "look":
        return correction_lut(model, [reference], lut_size, timings)
    neutralize = correction_lut(model, [reference], lut_size, timings)
    started = time.perf_counter()
    thumbnail = shrink_to_longest(reference, FIT_LONGEST_SIDE)
    neutral = apply_lut(thumbnail, neutralize)
    lut = fit_lut(collect_samples([(neutral, thumbnail)]), FitConfig(size=lut_size))
    timings.add("fit", started)
    return lut


def match_lut(
    neutralizer: LoadedModel, looker: LoadedModel, shot: np.ndarray, reference: np.ndarray, lut_size: int,
    timings: Timings,
) -> Lut3D:
    """Neutralize the shot, then give it the reference's look (``looker``: see :func:`look_lut`): one LUT."""
    neutralize = correction_lut(neutralizer, [shot], lut_size, timings)
    look = look_lut(looker, reference, lut_size, timings)
    started = time.perf_counter()
    lut = compose(neutralize, look)
    timings.add("fit", started)
    return lut


def finish(
    lut: Lut3D, frames: Sequence[np.ndarray], strength: float, want_cdl: bool, timings: Timings,
    colour: ColourPipeline | None = None,
) -> GradeResult:
    """Apply the strength, fold ``colour``'s transform in, and fit the CDL closest to the node's LUT.

    The strength blends the display-space grade with the identity. The CDL goes on the same node as the LUT, so
    it is fitted to the folded LUT on the frames' colours as the node sees them (``O^-1`` of the stills).
    """
    started = time.perf_counter()
    if strength != 1.0:
        lut = with_strength(lut, strength)
    folding = colour is not None and not colour.is_identity
    if folding:
        lut = fold(lut, colour, folded_size(colour, lut.size))
        started = timings.add("fold", started)
    cdl = None
    if want_cdl:
        colours = np.concatenate(
            [cv2.resize(frame, (CDL_SAMPLE_SIDE, CDL_SAMPLE_SIDE), interpolation=cv2.INTER_AREA).reshape(-1, 3)
             for frame in frames]
        )
        if folding:  # the node sees the frames in the timeline space
            colours = colour.to_timeline(colours)
        cdl = fit_cdl(colours, apply_lut(colours, lut))
        timings.add("cdl", started)
    return GradeResult(lut, cdl)
