"""Where the neutralize and look-transfer errors come from: the LUT machinery, or reading a look from one frame.

On the held-out looks and photos of ``bench.quality``, beside the shipped neutralizer:

- neutralize with the look known: the LUT fitted to undo the true look (the best a LUT can do), and that LUT
  projected on a principal basis of the training looks (``training.basis``; what a blend of basis LUTs can do);
- neutralize with the nearest look the model trained on: for each held-out look, the one training look whose
  inverse undoes it best, chosen knowing the truth (what naming the closest known look could do at best);
- the neutralizer on looks it trained on, for comparison with the held-out ones;
- the neutralizer shown every photo with the same look at once (the server's one LUT for several frames): what
  more evidence of one look does;
- look transfer with the reference's neutral photo known: the fit from it to the reference, applied to the
  target (the pipeline with a perfect neutralizer), and with the nearest training look, chosen knowing the truth.

When these are far better than the model, the LUT machinery is not what holds the model back.

    python -m bench.look_bounds [--models onnx_models] [--photos 12]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import numpy as np

from bench.quality import (
    LUT_SIZE,
    ROOT,
    held_out_looks,
    held_out_photos,
    look_cases,
    mean_de,
    neutralize_scores,
    spread_sample,
    training_look_luts,
)
from pix2lut.apply import apply_lut
from pix2lut.fit import FitConfig, fit_lut
from pix2lut.lut import Lut3D
from pix2lut.ops import resample
from pix2lut.samples import collect_samples
from server.pipeline import Timings, correction_lut
from server.registry import LoadedModel, ModelRegistry
from training.basis import fitted_inverse, look_inverses, principal_basis, task_luts
from training.metrics import psnr

BASIS_SIZE = 17  # the shipped models' basis LUT size
BASIS_COUNTS = (16, 64)
MIN_STRENGTH = 0.4  # as the neutralize training


def projection(lut: Lut3D, basis: np.ndarray) -> Lut3D:
    """The blend of ``basis`` (``(K, N, N, N, 3)``) closest to ``lut`` (least squares over the table)."""
    matrix = basis.reshape(len(basis), -1).T
    weights, *_ = np.linalg.lstsq(matrix, lut.table.reshape(-1), rcond=None)
    return Lut3D(np.clip((matrix @ weights).reshape(lut.table.shape), 0.0, 1.0))


def nearest_look_scores(photos: list[np.ndarray], held_looks: list, library: list[Lut3D]) -> list[float]:
    """PSNR of each ``look_cases`` case undone by the one inverse in ``library`` that, over all the cases of its
    held-out look, undoes that look best: an oracle's choice, so a bound on what naming a known look can do."""
    by_look: dict[int, list[list[float]]] = {}
    for photo, look in look_cases(photos, held_looks):
        looked = apply_lut(photo, look)
        by_look.setdefault(id(look), []).append([psnr(apply_lut(looked, inverse), photo) for inverse in library])
    scores: list[float] = []
    for case_scores in by_look.values():
        table = np.asarray(case_scores)  # (cases of this look, library)
        scores += table[:, int(np.argmax(table.mean(axis=0)))].tolist()
    return scores


def shared_look_scores(neutralizer: LoadedModel, photos: list[np.ndarray], held_looks: list) -> list[float]:
    """PSNR of each ``look_cases`` case undone by the one LUT the neutralizer gives for every photo through its
    look (``correction_lut`` over all of them): the look read from many frames instead of one."""
    shared: dict[int, Lut3D] = {}
    scores = []
    for photo, look in look_cases(photos, held_looks):
        if id(look) not in shared:
            frames = [apply_lut(other, look) for other in photos]
            shared[id(look)] = correction_lut(neutralizer, frames, LUT_SIZE, Timings())
        scores.append(psnr(apply_lut(apply_lut(photo, look), shared[id(look)]), photo))
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=ROOT / "onnx_models")
    parser.add_argument("--photos", type=int, default=12, help="held-out photos used")
    args = parser.parse_args(argv)
    neutralizer = ModelRegistry.load(args.models, threads=2).default_for("neutralize")
    photos = held_out_photos(args.photos)
    training_looks, held_looks = training_look_luts(), [look.lut for look in held_out_looks()]
    inverses = task_luts("neutralize", training_looks, BASIS_SIZE, MIN_STRENGTH)
    bases = {count: principal_basis(inverses, count) for count in BASIS_COUNTS}

    scores: dict[str, list[float]] = {"looked input": [], f"{neutralizer.entry.name}": [],
                                      "the look known: its fitted inverse": []}
    scores.update({f"  ... on a {count}-LUT principal basis": [] for count in BASIS_COUNTS})
    for photo, look in look_cases(photos, held_looks):
        looked = apply_lut(photo, look)
        inverse = fitted_inverse(resample(look, BASIS_SIZE), BASIS_SIZE)
        figures = [looked, apply_lut(looked, correction_lut(neutralizer, [looked], LUT_SIZE, Timings())),
                   apply_lut(looked, inverse)]
        figures += [apply_lut(looked, projection(inverse, bases[count])) for count in BASIS_COUNTS]
        for values, image in zip(scores.values(), figures, strict=True):
            values.append(psnr(image, photo))
    library = look_inverses(training_looks, BASIS_SIZE)
    scores["the nearest training look's inverse"] = nearest_look_scores(photos, held_looks, library)
    scores[f"{neutralizer.entry.name}, all {len(photos)} photos at once"] = shared_look_scores(neutralizer, photos,
                                                                                            held_looks)
    print(f"neutralize, {len(scores['looked input'])} held-out look x photo pairs: PSNR dB against the neutral photo")
    for method, values in scores.items():
        print(f"{method:<44} {statistics.fmean(values):>8.2f}")
    seen_looks = spread_sample(training_looks, len(held_looks))
    looked_db, neutral_db = neutralize_scores(neutralizer, photos, seen_looks)
    gain = statistics.fmean(neutral_db) - statistics.fmean(looked_db)
    print(f"the same on {len(seen_looks)} looks it trained on: looked {statistics.fmean(looked_db):.2f}, "
          f"{neutralizer.entry.name} {statistics.fmean(neutral_db):.2f} (gain {gain:+.2f} dB)")

    known, nearest, none = [], [], []
    for index, look in enumerate(held_looks):
        reference_photo, target_photo = photos[index % len(photos)], photos[(index + 1) % len(photos)]
        reference, truth = apply_lut(reference_photo, look), apply_lut(target_photo, look)
        fitted = fit_lut(collect_samples([(reference_photo, reference)]), FitConfig(size=LUT_SIZE))
        known.append(mean_de(apply_lut(target_photo, fitted), truth))
        nearest.append(min(mean_de(apply_lut(target_photo, seen), truth) for seen in training_looks))
        none.append(mean_de(target_photo, truth))
    print(f"\nlook transfer, {len(held_looks)} held-out looks: mean CIEDE2000 to the truth")
    print(f"{'doing nothing':<44} {statistics.fmean(none):>8.2f}")
    print(f"{'the reference neutral known (a fit)':<44} {statistics.fmean(known):>8.2f}")
    print(f"{'the nearest training look':<44} {statistics.fmean(nearest):>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
