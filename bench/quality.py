"""The shipped models against their quality targets, on data no model trained on, in one run.

- grade on real pairs: the FiveK pairs held out of training (expert C retouch), PSNR and CIEDE2000 against
  expert C, beside doing nothing and one fixed LUT fitted on the training pairs (the published DPE figure,
  23.3 dB on the FiveK test set, is quoted, not run);
- grade on synthetic detunings of held-out photos, and on those photos untouched (a good shot should stay);
- neutralize: looks held out of training applied to photos held out of training, PSNR against the neutral photo;
- look transfer from a reference still: a held-out look on one held-out photo is the reference, another photo
  must get that look; CIEDE2000 to the truth (mean, median, worst look), for ours (neutralize + fit, and a
  reference-look model when the manifest has one), doing nothing, color-matcher (MKL) and the original
  AI_color_grade_lut KNN fit in our pipeline's place;
- one LUT per shot: LUT jitter on the frame sequences, per frame and with grade_clip, as they are and
  un-retouched (through each held-out FiveK pair's inverse retouch);
- inference time of each model at its input size (onnxruntime, 2 threads).

    python -m bench.quality [--models onnx_models] [--photos 12]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from pix2lut.apply import apply_lut
from pix2lut.colour import delta_e_ciede2000, srgb_to_lab
from pix2lut.fit import FitConfig, fit_lut
from pix2lut.imageio import read_image, shrink_to_longest
from pix2lut.lut import Lut3D
from pix2lut.samples import collect_samples
from server.pipeline import Timings, correction_lut, look_lut
from server.registry import LoadedModel, ModelRegistry
from training.config import SHARED_DATA
from training.data.detune import apply_detuning, random_detuning
from training.data.looks import load_looks
from training.data.pairs import FrameSequence, Pair, RealPairs
from training.data.photos import list_photos
from training.data.retouch import unretouch_luts
from training.data_sources import REAL_HOLD_OUT_EVERY, held_out_real_pairs, split
from training.evaluate import held_out_fold, sequence_jitter
from training.metrics import psnr

ROOT = Path(__file__).resolve().parents[1]
FIVEK = SHARED_DATA / "fivek-train"  # the real pairs: input and expert C
DPE_PSNR_DB = 23.3  # Chen et al., CVPR 2018, on the FiveK test set (as quoted in the learned-LUT papers)
WORK_SIDE = 512  # photos are evaluated at most this long on their long side
KNN_NEIGHBOURS = 40
LUT_SIZE = 33
INFERENCE_RUNS = 20
SYNTHETIC_SEED = 7
DETUNINGS_PER_PHOTO = 2


def mean_de(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(delta_e_ciede2000(srgb_to_lab(a), srgb_to_lab(b))))


def shrink(image: np.ndarray) -> np.ndarray:
    return shrink_to_longest(image, WORK_SIDE)


def grade_real_pairs(model: LoadedModel) -> None:
    """The held-out FiveK pairs: ours, doing nothing, and one fixed LUT fitted on the training pairs (the expert's
    average grade, the same for every photo: what an adaptive model must beat to be worth its adaptivity)."""
    fold = held_out_fold(model)
    held_out = held_out_real_pairs(FIVEK, fold)
    scores = {**real_pair_baselines(fold), f"pix2lut {model.entry.name}": real_pair_scores(model, held_out)}
    print_table(f"grade, {len(held_out)} held-out FiveK pairs against expert C", scores, 32)
    print(f"{'DPE (published, FiveK test)':<32} {DPE_PSNR_DB:>8.2f} {'-':>7}")


def real_pair_baselines(fold: int = 0) -> dict[str, list[tuple[float, float]]]:
    """Doing nothing and one fixed LUT fitted on the training pairs, on the pairs held out with ``fold``."""
    training, held_out = split(RealPairs(FIVEK), REAL_HOLD_OUT_EVERY, fold)
    fixed = fixed_lut(training)
    return {"doing nothing": expert_scores([pair.source for pair in held_out], held_out),
            "one fixed LUT (training pairs)": expert_scores([apply_lut(p.source, fixed) for p in held_out], held_out)}


def real_pair_scores(model: LoadedModel, pairs: Sequence[Pair]) -> list[tuple[float, float]]:
    """(PSNR, CIEDE2000) against the expert of each pair, graded by ``model``."""
    graded = [apply_lut(p.source, correction_lut(model, [p.source], LUT_SIZE, Timings())) for p in pairs]
    return expert_scores(graded, pairs)


def expert_scores(images: Sequence[np.ndarray], pairs: Sequence[Pair]) -> list[tuple[float, float]]:
    """(PSNR, CIEDE2000) of each image against its pair's target."""
    return [(psnr(image, pair.target), mean_de(image, pair.target)) for image, pair in zip(images, pairs, strict=True)]


def fixed_lut(training: Sequence[Pair]) -> Lut3D:
    """One LUT fitted on all of ``training`` (real pairs): the expert's average grade, the same for every photo."""
    return fit_lut(collect_samples([(shrink(p.source), shrink(p.target)) for p in training]), FitConfig(size=LUT_SIZE))


def print_table(title: str, scores: dict[str, list[tuple[float, float]]], width: int) -> None:
    """``scores``: (PSNR, CIEDE2000) rows by method, printed as their means under ``title``."""
    print(f"\n{title}")
    print(f"{'method':<{width}} {'PSNR dB':>8} {'dE00':>7}")
    for method, rows in scores.items():
        print(f"{method:<{width}} {statistics.fmean(r[0] for r in rows):>8.2f} "
              f"{statistics.fmean(r[1] for r in rows):>7.2f}")


def grade_synthetic(model: LoadedModel, photos: list[np.ndarray]) -> None:
    """Held-out photos detuned at random (the training distribution), and the same photos untouched: a one-click
    grade should undo the first and leave the second nearly alone."""
    none_db, ours_db, kept_db = synthetic_scores(model, photos)
    print(f"\ngrade, {len(none_db)} random detunings of {len(photos)} held-out photos ({model.entry.name})")
    print(f"{'detuned input':<28} {statistics.fmean(none_db):>8.2f} dB")
    print(f"{'pix2lut grade':<28} {statistics.fmean(ours_db):>8.2f} dB")
    print(f"{'well-exposed photo, graded':<28} {statistics.fmean(kept_db):>8.2f} dB against itself (how little it "
          "changes a good shot)")


def synthetic_scores(model: LoadedModel, photos: list[np.ndarray]) -> tuple[list[float], list[float], list[float]]:
    """PSNR against each photo: detuned (``DETUNINGS_PER_PHOTO`` each), those detunings graded, the photo graded."""
    rng = np.random.default_rng(SYNTHETIC_SEED)
    none_db, ours_db, kept_db = [], [], []
    for photo in photos:
        for _ in range(DETUNINGS_PER_PHOTO):
            detuned = apply_detuning(photo, random_detuning(rng))
            graded = apply_lut(detuned, correction_lut(model, [detuned], LUT_SIZE, Timings()))
            none_db.append(psnr(detuned, photo))
            ours_db.append(psnr(graded, photo))
        kept_db.append(psnr(apply_lut(photo, correction_lut(model, [photo], LUT_SIZE, Timings())), photo))
    return none_db, ours_db, kept_db


def look_cases(photos: list[np.ndarray], looks: list) -> Iterator[tuple[np.ndarray, object]]:
    """(photo, look): each photo with two looks, taken in turn, so every look meets several photos."""
    for index, photo in enumerate(photos):
        yield photo, looks[(2 * index) % len(looks)]
        yield photo, looks[(2 * index + 1) % len(looks)]


def spread_sample(items: list, count: int) -> list:
    """``count`` of ``items`` spread evenly over the list (every k-th): a fair few of the training looks."""
    return items[:: max(1, len(items) // count)][:count]


def held_out_photos(count: int) -> list[np.ndarray]:
    """The first ``count`` photos no model trained on, shrunk to the benches' working size."""
    _, held = split(list_photos(SHARED_DATA / "photos"))
    return [shrink(read_image(path).pixels) for path in held[:count]]


def neutralize_scores(model: LoadedModel, photos: list[np.ndarray], looks: list) -> tuple[list[float], list[float]]:
    """PSNR against the neutral photo of each look x photo case: the looked input's, and after ``model``."""
    looked_db, ours_db = [], []
    for photo, look in look_cases(photos, looks):
        looked = apply_lut(photo, look)
        neutral = apply_lut(looked, correction_lut(model, [looked], LUT_SIZE, Timings()))
        looked_db.append(psnr(looked, photo))
        ours_db.append(psnr(neutral, photo))
    return looked_db, ours_db


def neutralize_held_out(model: LoadedModel, photos: list[np.ndarray], looks: list) -> None:
    looked_db, ours_db = neutralize_scores(model, photos, looks)
    gain = statistics.fmean(ours_db) - statistics.fmean(looked_db)
    print(f"\nneutralize, {len(looked_db)} held-out look x photo pairs ({model.entry.name})")
    print(f"{'looked input':<28} {statistics.fmean(looked_db):>8.2f} dB")
    print(f"{'pix2lut neutralize':<28} {statistics.fmean(ours_db):>8.2f} dB   (gain {gain:+.2f} dB; target >= +6)")


def look_transfer(neutralizer: LoadedModel, looker: LoadedModel | None, photos: list[np.ndarray],
                  looks: list) -> None:
    from color_matcher import ColorMatcher
    from sklearn.neighbors import KNeighborsRegressor

    from pix2lut.lut import Lut3D, identity_table

    def knn_look(neutral: np.ndarray, reference: np.ndarray) -> Lut3D:
        model = KNeighborsRegressor(n_neighbors=KNN_NEIGHBOURS, weights="distance")
        model.fit(neutral.reshape(-1, 3), reference.reshape(-1, 3))
        nodes = identity_table(LUT_SIZE).reshape(-1, 3)
        return Lut3D(np.clip(model.predict(nodes), 0, 1).reshape((LUT_SIZE,) * 3 + (3,)))

    scores: dict[str, list[float]] = {"doing nothing": [], "color-matcher (mkl)": [], "KNN fit (original)": [],
                                      "pix2lut, neutralize + fit": []}
    if looker is not None:
        scores[f"pix2lut, {looker.entry.name}"] = []
    matcher = ColorMatcher()
    for index, look in enumerate(looks):
        reference_photo, target_photo = photos[index % len(photos)], photos[(index + 1) % len(photos)]
        reference, truth = apply_lut(reference_photo, look), apply_lut(target_photo, look)
        neutralize = correction_lut(neutralizer, [reference], LUT_SIZE, Timings())
        ours = look_lut(neutralizer, reference, LUT_SIZE, Timings())
        shot_neutral = apply_lut(target_photo, correction_lut(neutralizer, [target_photo], LUT_SIZE, Timings()))
        scores["doing nothing"].append(mean_de(target_photo, truth))
        matched = np.clip(matcher.transfer(src=target_photo.astype(np.float64), ref=reference.astype(np.float64),
                                           method="mkl"), 0, 1)
        scores["color-matcher (mkl)"].append(mean_de(matched, truth))
        knn = knn_look(apply_lut(reference, neutralize), reference)
        scores["KNN fit (original)"].append(mean_de(apply_lut(shot_neutral, knn), truth))
        scores["pix2lut, neutralize + fit"].append(mean_de(apply_lut(shot_neutral, ours), truth))
        if looker is not None:
            look = look_lut(looker, reference, LUT_SIZE, Timings())
            scores[f"pix2lut, {looker.entry.name}"].append(mean_de(apply_lut(shot_neutral, look), truth))
    print(f"\nlook transfer from a reference still, {len(looks)} held-out looks, reference and target of other content")
    print(f"{'method':<28} {'mean':>8} {'median':>8} {'worst':>8}  (CIEDE2000)")
    for method, values in scores.items():
        print(f"{method:<28} {statistics.fmean(values):>8.2f} {statistics.median(values):>8.2f} {max(values):>8.2f}")
    print("(target: pix2lut mean <= 3.0)")


def jitter(model: LoadedModel) -> None:
    """LUT jitter on each shot as it is and un-retouched: through each held-out FiveK pair's inverse retouch, so
    that every frame asks for a correction (a grader that leaves good shots alone does not move on them)."""
    print(f"\none LUT per shot ({model.entry.name}): mean |change| of the LUT between consecutive frames")
    for (sequence, label), figures in jitter_figures(model).items():
        print(f"{sequence:<13} {label:<17} per frame {statistics.fmean(f['per_frame_jitter'] for f in figures):.5f} "
              f"(max {max(f['per_frame_max_jitter'] for f in figures):.5f}), grade_clip "
              f"{max(f['clip_jitter'] for f in figures):.5f}")


def jitter_figures(model: LoadedModel) -> dict[tuple[str, str], list[dict[str, float]]]:
    """``sequence_jitter`` of each frame sequence, by (sequence, "as it is" or "un-retouched xN"): one entry per
    shot, the sequence as it is or through one held-out pair's inverse retouch."""
    undo = unretouch_luts(held_out_real_pairs(FIVEK, held_out_fold(model)))
    figures = {}
    for folder in sorted((SHARED_DATA / "frames").iterdir()):
        frames = [shrink(frame) for frame in FrameSequence(folder)]
        shown = {"as it is": [frames],
                 f"un-retouched x{len(undo)}": [[np.clip(apply_lut(f, lut), 0.0, 1.0) for f in frames] for lut in undo]}
        for label, shots in shown.items():
            figures[folder.name, label] = [sequence_jitter(model, shot, LUT_SIZE) for shot in shots]
    return figures


def inference_times(registry: ModelRegistry) -> None:
    print("\ninference, onnxruntime CPU")
    for name, model in registry.models.items():
        print(f"{name:<28} {model.entry.input_size} px  median {inference_ms(model):6.1f} ms  (target <= 50)")


def inference_ms(model: LoadedModel) -> float:
    """Median time of one run at the model's input size, after one to warm up."""
    size = model.entry.input_size
    image = np.random.default_rng(0).random((1, 3, size, size), dtype=np.float32)
    model.run(image)
    times = []
    for _ in range(INFERENCE_RUNS):
        started = time.perf_counter()
        model.run(image)
        times.append((time.perf_counter() - started) * 1e3)
    return statistics.median(times)


def models_and_photos_arguments(description: str, argv: list[str] | None) -> argparse.Namespace:
    """``--models`` (a models folder, the shipped one by default) and ``--photos``: what the quality benches take."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--models", type=Path, default=ROOT / "onnx_models")
    parser.add_argument("--photos", type=int, default=12, help="held-out photos used")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = models_and_photos_arguments(__doc__.splitlines()[0], argv)
    registry = ModelRegistry.load(args.models, threads=2)
    photos = held_out_photos(args.photos)
    _, held_looks = split(load_looks(SHARED_DATA / "looks"))
    if registry.serves("grade"):
        grade = registry.default_for("grade")
        grade_real_pairs(grade)
        grade_synthetic(grade, photos)
        jitter(grade)
    if registry.serves("neutralize"):
        neutralizer = registry.default_for("neutralize")
        neutralize_held_out(neutralizer, photos, held_looks)
        looker = registry.default_for("look") if registry.serves("look") else None
        look_transfer(neutralizer, looker, photos, held_looks)
    inference_times(registry)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
