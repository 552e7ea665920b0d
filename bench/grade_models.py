"""Every grade model in a models folder side by side, on the grade checks of ``bench.quality``.

One row per model: its held-out FiveK pairs against expert C (the pairs of its ``data.real_fold``: mean, spread
between pairs, CIEDE2000), random detunings of held-out photos, a good photo against itself, LUT jitter per frame
on the frame sequences un-retouched, and inference time; then doing nothing and one fixed LUT on each fold's
pairs. When the folder holds one model per fold (a cross-validation: ``--set data.real_fold=1`` ... ``3``), every
real pair has been judged by a model that never saw it, and the last lines give the means over all of them.
For choosing between runs of one configuration (seeds), their ensembles (``python -m training export A/last.pt
B/last.pt ...``) and configurations, every figure measured the same way in one process.

    python -m bench.grade_models [--models onnx_models] [--photos 12]
"""

from __future__ import annotations

import statistics

from bench.quality import (
    FIVEK,
    held_out_photos,
    inference_ms,
    jitter_figures,
    models_and_photos_arguments,
    real_pair_baselines,
    real_pair_scores,
    synthetic_scores,
)
from server.registry import ModelRegistry
from training.config import REAL_HOLD_OUT_EVERY
from training.data_sources import held_out_real_pairs
from training.evaluate import held_out_fold

Scores = list[tuple[float, float]]  # (PSNR, CIEDE2000) per pair


def main(argv: list[str] | None = None) -> int:
    args = models_and_photos_arguments(__doc__.splitlines()[0], argv)
    registry = ModelRegistry.load(args.models, threads=2)
    graders = {name: model for name, model in registry.models.items() if model.entry.role == "grade"}
    if not graders:
        print(f"no grade model in {args.models}")
        return 1
    photos = held_out_photos(args.photos)
    print(f"grade models in {args.models}: each on the FiveK pairs its training held out (fold), against expert C; "
          f"{len(photos)} held-out photos; jitter: mean |LUT change| per frame, shots un-retouched")
    print(f"{'model':<24} {'fold':>4} {'FiveK dB':>8} {'min-max':>11} {'dE00':>6} {'detuned dB':>10} {'kept dB':>8} "
          f"{'jitter':>8} {'ms':>6}")
    real_by_fold: dict[int, dict[str, Scores]] = {}
    for name, model in graders.items():
        fold = held_out_fold(model)
        real = real_pair_scores(model, held_out_real_pairs(FIVEK, fold))
        real_by_fold.setdefault(fold, {})[name] = real
        _, detuned, kept = synthetic_scores(model, photos)
        jitters = [figure["per_frame_jitter"] for (_, label), figures in jitter_figures(model).items()
                   if label != "as it is" for figure in figures]
        each = [score[0] for score in real]
        print(f"{name:<24} {fold:>4} {statistics.fmean(each):>8.2f} {min(each):>5.1f}-{max(each):<5.1f} "
              f"{_mean_de(real):>6.2f} {statistics.fmean(detuned):>10.2f} {statistics.fmean(kept):>8.2f} "
              f"{statistics.fmean(jitters):>8.5f} {inference_ms(model):>6.1f}", flush=True)

    baselines = {fold: real_pair_baselines(fold) for fold in sorted(real_by_fold)}
    print(f"\n{'baseline':<32} {'fold':>4} {'FiveK dB':>8} {'min-max':>11} {'dE00':>6}")
    for fold, methods in baselines.items():
        for method, scores in methods.items():
            each = [score[0] for score in scores]
            print(f"{method:<32} {fold:>4} {statistics.fmean(each):>8.2f} {min(each):>5.1f}-{max(each):<5.1f} "
                  f"{_mean_de(scores):>6.2f}")

    if sorted(real_by_fold) == list(range(REAL_HOLD_OUT_EVERY)) and all(len(m) == 1 for m in real_by_fold.values()):
        everyone = {"models (each pair by the fold that held it out)":
                    [score for fold in real_by_fold for score in next(iter(real_by_fold[fold].values()))]}
        for method in baselines[0]:
            everyone[method] = [score for fold in baselines for score in baselines[fold][method]]
        pairs = len(everyone["doing nothing"])
        print(f"\ncross-validated over all {pairs} pairs ({REAL_HOLD_OUT_EVERY} folds)")
        for method, scores in everyone.items():
            print(f"{method:<48} {statistics.fmean(s[0] for s in scores):>8.2f} dB {_mean_de(scores):>6.2f} dE00")
    return 0


def _mean_de(scores: Scores) -> float:
    return statistics.fmean(score[1] for score in scores)


if __name__ == "__main__":
    raise SystemExit(main())
