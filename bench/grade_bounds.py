"""Where the grade's error on real pairs comes from: the LUT machinery, the library of known retouches, or
reading the retouch from one frame.

On the FiveK pairs held out of training (expert C), beside the shipped grader, PSNR and CIEDE2000 against the
expert for:

- one fixed LUT fitted on the training pairs (the expert's average grade);
- the nearest training retouch: of the training pairs' retouches (the grade library, ``training.basis``), the one
  that does best on this pair, chosen knowing the truth (what naming the closest known retouch could do at best);
- the best convex blend of the library and the identity, weights fitted on the truth (what a softmax library
  grader could do at best);
- the pair's own retouch fitted as a LUT (what a 17^3 LUT can do at all).

Then the two oracles over every pair, each against a library of all the others (leave one out): four held-out
pairs are few.

    python -m bench.grade_bounds [--models onnx_models]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.optimize import nnls

from bench.quality import LUT_SIZE, ROOT, fixed_lut, mean_de, print_table, shrink
from pix2lut.apply import apply_lut
from pix2lut.lut import Lut3D
from server.pipeline import Timings, correction_lut
from server.registry import LoadedModel, ModelRegistry
from training.config import SHARED_DATA
from training.data.pairs import Pair, RealPairs
from training.data.retouch import retouch_luts
from training.data_sources import REAL_HOLD_OUT_EVERY, split
from training.metrics import psnr

LIBRARY_SIZE = 17  # the shipped models' LUT size
METHOD_WIDTH = 44
SUM_TO_ONE_WEIGHT = 100.0  # how hard the least-squares row that asks the weights to sum to one pulls


def convex_blend(candidates: Sequence[np.ndarray], target: np.ndarray) -> np.ndarray:
    """The blend of ``candidates`` (images) closest to ``target`` with non-negative weights summing to one."""
    columns = np.stack([image.reshape(-1) for image in candidates], axis=1).astype(np.float64)
    rows = np.vstack([columns, np.full((1, len(candidates)), SUM_TO_ONE_WEIGHT)])
    weights, _ = nnls(rows, np.concatenate([target.reshape(-1), [SUM_TO_ONE_WEIGHT]]))
    return (columns @ weights).reshape(target.shape).astype(np.float32)


def oracle_images(source: np.ndarray, target: np.ndarray, library: Sequence[Lut3D]) -> dict[str, np.ndarray]:
    """The nearest library retouch and the best convex blend of the library and the identity, both knowing
    ``target``."""
    graded = [apply_lut(source, lut) for lut in library]
    nearest = max(graded, key=lambda image: psnr(image, target))
    return {"the nearest training retouch (oracle)": nearest,
            "best convex blend of the library (oracle)": convex_blend([source, *graded], target)}


def held_out_bounds(grader: LoadedModel, pairs: list[Pair], retouches: list[Lut3D]) -> None:
    """The held-out pairs, the library the training pairs' retouches (``retouches``: every pair's, in order)."""
    (training, held_out), (library, own) = split(pairs, REAL_HOLD_OUT_EVERY), split(retouches, REAL_HOLD_OUT_EVERY)
    fixed = fixed_lut(training)
    scores: dict[str, list[tuple[float, float]]] = {}
    for pair, own_retouch in zip(held_out, own, strict=True):
        source, target = shrink(pair.source), shrink(pair.target)
        images = {"doing nothing": source, "one fixed LUT (training pairs)": apply_lut(source, fixed),
                  f"pix2lut {grader.entry.name}": apply_lut(source, correction_lut(grader, [source], LUT_SIZE, Timings())),
                  **oracle_images(source, target, library),
                  "the pair's own retouch as a LUT": apply_lut(source, own_retouch)}
        for method, image in images.items():
            scores.setdefault(method, []).append((psnr(image, target), mean_de(image, target)))
    print_table(f"grade, {len(held_out)} held-out FiveK pairs against expert C "
                f"(library: the {len(library)} training pairs' retouches)", scores, METHOD_WIDTH)


def leave_one_out_bounds(pairs: list[Pair], retouches: list[Lut3D]) -> None:
    """Every pair, its library every other pair's retouch."""
    scores: dict[str, list[tuple[float, float]]] = {}
    for index, pair in enumerate(pairs):
        source, target = shrink(pair.source), shrink(pair.target)
        others = retouches[:index] + retouches[index + 1:]
        images = {"doing nothing": source, **oracle_images(source, target, others)}
        for method, image in images.items():
            scores.setdefault(method, []).append((psnr(image, target), mean_de(image, target)))
    print_table(f"every FiveK pair ({len(pairs)}), its library the other {len(pairs) - 1} pairs' retouches", scores,
                METHOD_WIDTH)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=ROOT / "onnx_models")
    args = parser.parse_args(argv)
    grader = ModelRegistry.load(args.models, threads=2).default_for("grade")
    found = RealPairs(SHARED_DATA / "fivek-train")
    pairs = [found[index] for index in range(len(found))]
    retouches = retouch_luts(pairs, LIBRARY_SIZE)  # each pair's, fitted once for both tables
    held_out_bounds(grader, pairs, retouches)
    leave_one_out_bounds(pairs, retouches)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
