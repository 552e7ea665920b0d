"""Accuracy of the folded node LUT ``O^-1 . L . O`` on pictures' own colours, per colour pipeline and size.

For each pipeline (``server.colour_settings``) and each look ``L`` (creative ``.cube`` looks, the grades the
models make are milder): photos are the display stills; ``T = O^-1(still)`` is the frame the node sees. The exact
result is ``L(O(T))``; the folded LUT's is ``O(node(T))``. Both are compared in CIEDE2000 (Lab from the display
values read as sRGB-encoded, the models' own convention), mean and 99th percentile over all pixels. The target
(issue 25): mean <= 0.5 and p99 <= 2.

    python -m bench.colour_fold [--photos N] [--looks N] [--side 256]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from bench.quality import spread_sample
from pix2lut.apply import apply_lut
from pix2lut.colour import delta_e_ciede2000, srgb_to_lab
from pix2lut.cube import read_cube
from pix2lut.imageio import read_image, shrink_to_longest
from server.colour_fold import fold
from server.colour_settings import colour_pipeline
from training.config import SHARED_DATA

PIPELINES = {  # label -> the protocol's colour object
    "DWG/Intermediate -> Rec.709 G2.4": {"colorScienceMode": "davinciYRGBColorManagedv2",
                                         "colorSpaceTimeline": "DaVinci WG/Intermediate",
                                         "colorSpaceOutput": "Rec.709 Gamma 2.4"},
    "DWG/Intermediate -> sRGB": {"colorScienceMode": "davinciYRGBColorManagedv2",
                                 "colorSpaceTimeline": "DaVinci WG/Intermediate", "colorSpaceOutput": "sRGB"},
    "Rec.709 G2.4 -> sRGB": {"colorScienceMode": "davinciYRGBColorManaged",
                             "colorSpaceTimeline": "Rec.709 Gamma 2.4", "colorSpaceOutput": "sRGB"},
    "sRGB -> Rec.709 G2.4": {"colorScienceMode": "davinciYRGBColorManaged",
                             "colorSpaceTimeline": "sRGB", "colorSpaceOutput": "Rec.709 Gamma 2.4"},
    "ACEScct -> ACES Rec.709": {"colorScienceMode": "acescct", "colorSpaceOutput": "Rec.709"},
    "ACEScc -> ACES Rec.709": {"colorScienceMode": "acescc", "colorSpaceOutput": "Rec.709"},
}
SIZES = (33, 65)
MEAN_TARGET, P99_TARGET = 0.5, 2.0  # issue 25
P99 = 99


def load_photos(count: int, side: int) -> np.ndarray:
    """Pixels ``(K, 3)`` float32 of ``count`` photos from every collection, each shrunk to ``side`` px."""
    paths = sorted((SHARED_DATA / "photos").glob("*/*.jpg")) + sorted((SHARED_DATA / "photos").glob("*/*.png"))
    pixels = [shrink_to_longest(read_image(path).pixels, side).reshape(-1, 3) for path in spread_sample(paths, count)]
    return np.concatenate(pixels).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--looks", type=int, default=6)
    parser.add_argument("--side", type=int, default=256)
    args = parser.parse_args(argv)
    looks_paths = sorted((SHARED_DATA / "looks").glob("*.cube"))
    if not looks_paths:
        print(f"No .cube looks in {SHARED_DATA / 'looks'}", file=sys.stderr)
        return 1
    looks = [read_cube(path) for path in spread_sample(looks_paths, args.looks)]
    stills = load_photos(args.photos, args.side)
    print(f"Folded LUT accuracy: {len(stills)} pixels of {args.photos} photos, {len(looks)} looks; "
          f"target mean <= {MEAN_TARGET}, p{P99} <= {P99_TARGET} CIEDE2000")
    print(f"{'pipeline':34} {'size':>4} {'mean dE':>8} {'p99 dE':>8} {'max dE':>8}  ok  (no 1D shaper)")
    for label, colour in PIPELINES.items():
        pipeline = colour_pipeline(colour)
        frame = pipeline.to_timeline(stills)  # T: what the node sees
        shown = pipeline.to_output(frame)  # O(T), graded exactly by each look: the same for every size
        exact_lab = [srgb_to_lab(apply_lut(shown, look)) for look in looks]
        for size in SIZES:
            error = np.concatenate([
                delta_e_ciede2000(exact, srgb_to_lab(pipeline.to_output(apply_lut(frame, fold(look, pipeline, size)))))
                for look, exact in zip(looks, exact_lab, strict=True)
            ])
            mean, p99 = float(error.mean()), float(np.percentile(error, P99))
            ok = "yes" if mean <= MEAN_TARGET and p99 <= P99_TARGET else "no"
            print(f"{label:34} {size:>4} {mean:8.3f} {p99:8.3f} {float(error.max()):8.2f}  {ok}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
