"""Every grade model in a models folder side by side, on the grade checks of ``bench.quality``.

One row per model: the held-out FiveK pairs against expert C (mean, and the spread between pairs), random
detunings of held-out photos, a good photo against itself, LUT jitter per frame on the frame sequences
un-retouched, and inference time. For choosing between runs of one configuration (seeds) and their ensembles
(``python -m training export A/last.pt B/last.pt ...``) with every figure measured the same way, in one process.

    python -m bench.grade_models [--models onnx_models] [--photos 12]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from bench.quality import (
    ROOT,
    held_out_photos,
    held_out_real_pairs,
    inference_ms,
    jitter_figures,
    real_pair_scores,
    synthetic_scores,
)
from server.registry import ModelRegistry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=ROOT / "onnx_models")
    parser.add_argument("--photos", type=int, default=12, help="held-out photos used")
    args = parser.parse_args(argv)
    registry = ModelRegistry.load(args.models, threads=2)
    graders = {name: model for name, model in registry.models.items() if model.entry.role == "grade"}
    if not graders:
        print(f"no grade model in {args.models}")
        return 1
    pairs, photos = held_out_real_pairs(), held_out_photos(args.photos)
    print(f"grade models in {args.models}: {len(pairs)} held-out FiveK pairs against expert C, "
          f"{len(photos)} held-out photos; jitter: mean |LUT change| per frame, shots un-retouched")
    header = (f"{'model':<24} {'FiveK dB':>8} {'min-max':>11} {'dE00':>6} {'detuned dB':>10} {'kept dB':>8} "
              f"{'jitter':>8} {'ms':>6}")
    print(header)
    for name, model in graders.items():
        real = real_pair_scores(model, pairs)
        _, detuned, kept = synthetic_scores(model, photos)
        jitters = [figure["per_frame_jitter"] for (_, label), figures in jitter_figures(model).items()
                   if label != "as it is" for figure in figures]
        each = [score[0] for score in real]
        print(f"{name:<24} {statistics.fmean(each):>8.2f} {min(each):>5.1f}-{max(each):<5.1f} "
              f"{statistics.fmean(s[1] for s in real):>6.2f} {statistics.fmean(detuned):>10.2f} "
              f"{statistics.fmean(kept):>8.2f} {statistics.fmean(jitters):>8.5f} {inference_ms(model):>6.1f}",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
