"""The models against their goals, on data no model trained on, beside simple baselines, in one run.

Every ship decision is made on this bench, and each model card quotes it. What is unseen (``training.data.holdout``):
whole look families (a film stock with all its variants) and whole look collections (authors), the whole Kodak
suite and one in ten of the other photos, and the FiveK pairs of the model's own fold (never shown in any form).
Each check gives the mean, how many cases improved, and the worst case, for every model of its role in
``--models`` (so a candidate and the shipped model compare in one process) and for these baselines:

- doing nothing;
- grey world + levels, a classical automatic correction (``bench.baselines``);
- the best single fixed LUT, fitted on training data only, its strength chosen there too.

Checks:
- grade, FiveK pairs held out: PSNR and CIEDE2000 against expert C (the published DPE figure, 23.3 dB on the FiveK
  test set, is quoted, not run);
- grade, visible detunings of held-out photos (exposure off by 0.6 to 1 EV, white balance, contrast): gain over
  the detuned input; one fault at a time (what a model corrects, what it leaves); the photos untouched (a good
  shot should stay as it is: PSNR against itself);
- neutralize: every held-out look on several held-out photos, gain over the looked input, per look;
- look transfer from a reference still of other content: CIEDE2000 to the truth, with color-matcher (MKL) and the
  original AI_color_grade_lut KNN fit;
- one LUT per shot: LUT jitter on the frame sequences, per frame and with grade_clip;
- inference time of each model at its input size (onnxruntime, 2 threads).

    python -m bench.quality [--models onnx_models] [--photos 12] [--looks-per-photo 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.baselines import best_fixed_lut, grey_world_levels
from pix2lut.apply import apply_lut
from pix2lut.colour import delta_e_ciede2000, srgb_to_lab
from pix2lut.imageio import read_image, shrink_to_longest
from pix2lut.lut import Lut3D
from server.pipeline import Timings, correction_lut, look_lut
from server.registry import LoadedModel, ModelRegistry
from training.config import REAL_HOLD_OUT_EVERY, SHARED_DATA
from training.data.detune import Detuning, apply_detuning
from training.data.holdout import HELD_OUT_COLLECTIONS, look_collection, look_family
from training.data.looks import read_looks
from training.data.pairs import FrameSequence, Pair, RealPairs
from training.data.retouch import unretouch_luts
from training.data_sources import held_out_real_pairs, shared_photo_split, split, split_look_folders
from training.evaluate import held_out_fold, sequence_jitter
from training.metrics import psnr

ROOT = Path(__file__).resolve().parents[1]
FIVEK = SHARED_DATA / "fivek-train"  # the real pairs: input and expert C
LOOK_FOLDERS = (SHARED_DATA / "looks", SHARED_DATA / "looks-extra")
DPE_PSNR_DB = 23.3  # Chen et al., CVPR 2018, on the FiveK test set (as quoted in the learned-LUT papers)
FIVEK_TEST_INPUT_DB = 21.5  # the input itself on that test set, same source
WORK_SIDE = 512  # photos are evaluated at most this long on their long side
FIT_SIDE = 128  # the fixed LUTs are fitted on photos this long: enough colours, fast
KNN_NEIGHBOURS = 40
LUT_SIZE = 33
INFERENCE_RUNS = 20
SYNTHETIC_SEED = 7
DETUNINGS_PER_PHOTO = 2
VISIBLE_EXPOSURE_EV = (0.6, 1.0)  # the detuned photos' errors (training.data.detune's units)
VISIBLE_TEMPERATURE_STOPS = (0.15, 0.5)
VISIBLE_TINT_STOPS = 0.15
VISIBLE_CONTRAST = (1.0, 2.0)
FIXED_LUT_PHOTOS = 6  # training photos the neutralize baseline's fixed LUT is fitted on, with every training look
CLEARLY_WORSE_DB = -1.0  # a case this much below the input is a visible step back

Image = np.ndarray
Correction = Callable[[Image], Image]  # a frame in, the corrected frame out


@dataclass(frozen=True)
class Summary:
    """One method on one check: the mean, the share of cases it improved, the worst case (all in dB of gain)."""

    mean: float
    improved: int
    cases: int
    worst: float
    clearly_worse: int

    @classmethod
    def of(cls, gains: Sequence[float]) -> Summary:
        return cls(statistics.fmean(gains), sum(g > 0 for g in gains), len(gains), min(gains),
                   sum(g < CLEARLY_WORSE_DB for g in gains))

    def row(self, label: str, width: int) -> str:
        return (f"{label:<{width}} {self.mean:>+8.2f} {self.improved:>4}/{self.cases:<4} {self.worst:>+8.2f} "
                f"{self.clearly_worse:>6}")


def print_summaries(title: str, rows: dict[str, Summary], width: int = 36) -> None:
    print(f"\n{title}")
    print(f"{'method':<{width}} {'gain dB':>8} {'improved':>9} {'worst':>8} {'<-1 dB':>6}")
    for label, summary in rows.items():
        print(summary.row(label, width))


def mean_de(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(delta_e_ciede2000(srgb_to_lab(a), srgb_to_lab(b))))


def shrink(image: np.ndarray) -> np.ndarray:
    return shrink_to_longest(image, WORK_SIDE)


def by_model(model: LoadedModel) -> Correction:
    """The frame through the LUT ``model`` gives for it, as the server's ``grade`` and ``neutralize`` ops do."""
    return lambda frame: apply_lut(frame, correction_lut(model, [frame], LUT_SIZE, Timings()))


def by_lut(lut: Lut3D) -> Correction:
    return lambda frame: apply_lut(frame, lut)


# ---------------------------------------------------------------------------------------------------------------
# grade


def grade_real_pairs(models: Sequence[LoadedModel]) -> None:
    """The FiveK pairs each model's training held out: gain in PSNR against expert C over the input, and CIEDE2000,
    beside the baselines on the same pairs (those of the first model's fold; the fixed LUT from the others)."""
    fold = held_out_fold(models[0])
    held_out = held_out_real_pairs(FIVEK, fold)
    methods = {**real_pair_baselines(fold), **{f"pix2lut {m.entry.name}": by_model(m) for m in models}}
    rows, de = {}, {}
    inputs = expert_scores([pair.source for pair in held_out], held_out)
    for label, correct in methods.items():
        scores = expert_scores([correct(pair.source) for pair in held_out], held_out)
        rows[label] = Summary.of([s[0] - i[0] for s, i in zip(scores, inputs, strict=True)])
        de[label] = statistics.fmean(s[1] for s in scores)
    none_db = statistics.fmean(score[0] for score in inputs)
    dpe_gain = DPE_PSNR_DB - FIVEK_TEST_INPUT_DB
    print_summaries(f"grade, {len(held_out)} FiveK pairs held out (fold {fold}) against expert C: gain over the input "
                    f"({none_db:.2f} dB); DPE (published, FiveK test) is about {dpe_gain:+.1f} over its input", rows)
    print("mean CIEDE2000: " + ", ".join(f"{label} {value:.2f}" for label, value in de.items()))


def real_pair_baselines(fold: int = 0) -> dict[str, Correction]:
    """Doing nothing, grey world + levels, and the best fixed LUT of the pairs ``fold`` trains on."""
    training, _ = split(RealPairs(FIVEK), REAL_HOLD_OUT_EVERY, fold)
    return {"doing nothing": lambda frame: frame, "grey world + levels": grey_world_levels,
            "best fixed LUT (training pairs)": by_lut(fixed_lut(training))}


def real_pair_scores(model: LoadedModel, pairs: Sequence[Pair]) -> list[tuple[float, float]]:
    """(PSNR, CIEDE2000) against the expert of each pair, graded by ``model``."""
    return expert_scores([by_model(model)(pair.source) for pair in pairs], pairs)


def expert_scores(images: Sequence[np.ndarray], pairs: Sequence[Pair]) -> list[tuple[float, float]]:
    """(PSNR, CIEDE2000) of each image against its pair's target."""
    return [(psnr(image, pair.target), mean_de(image, pair.target)) for image, pair in zip(images, pairs, strict=True)]


def fixed_lut(training: Sequence[Pair]) -> Lut3D:
    """The best single LUT for the training pairs (their mean retouch, at the strength that serves them best)."""
    return best_fixed_lut([(shrink_to_longest(p.source, FIT_SIDE), shrink_to_longest(p.target, FIT_SIDE))
                           for p in training])


def grade_synthetic(models: Sequence[LoadedModel], photos: list[np.ndarray]) -> None:
    """Held-out photos detuned at random, and the same photos untouched: a one-click grade should undo the first
    and leave the second nearly alone."""
    detuned = detuned_photos(photos)
    methods = {"grey world + levels": grey_world_levels, **{f"pix2lut {m.entry.name}": by_model(m) for m in models}}
    rows = {"doing nothing": Summary.of([0.0] * len(detuned))}
    for label, correct in methods.items():
        rows[label] = Summary.of([psnr(correct(bad), photo) - psnr(bad, photo) for photo, bad in detuned])
    before = statistics.fmean(psnr(bad, photo) for photo, bad in detuned)
    print_summaries(f"grade, {len(detuned)} visible detunings of {len(photos)} held-out photos: gain over the detuned "
                    f"input ({before:.2f} dB; goal >= +3)", rows)
    print(f"\ngrade, the {len(photos)} held-out photos as they are: PSNR against themselves (a good shot kept)")
    print(f"{'method':<36} {'mean dB':>8} {'worst dB':>9}")
    for label, correct in methods.items():
        kept = [psnr(correct(photo), photo) for photo in photos]
        print(f"{label:<36} {statistics.fmean(kept):>8.2f} {min(kept):>9.2f}")


# one fault at a time, each clearly visible: what a model corrects and what it leaves (or makes worse)
SINGLE_FAULTS = {
    "under-exposed 0.9 EV": Detuning(exposure=-0.9),
    "over-exposed 0.9 EV": Detuning(exposure=0.9),
    "too warm (0.5 stops R/B)": Detuning(temperature=0.5),
    "too cool (0.5 stops R/B)": Detuning(temperature=-0.5),
    "too green (0.3 stops)": Detuning(tint=-0.3),
    "flat (contrast -2)": Detuning(contrast=-2.0),
    "contrasty (contrast +2)": Detuning(contrast=2.0),
    "dull (saturation x0.6)": Detuning(saturation=0.6),
    "lifted blacks (0.05)": Detuning(black_point=0.05),
}


def grade_by_fault(models: Sequence[LoadedModel], photos: list[np.ndarray]) -> None:
    """Each of ``SINGLE_FAULTS`` on every photo: mean gain and worst case per model, one row per fault."""
    methods = {"grey world + levels": grey_world_levels, **{m.entry.name: by_model(m) for m in models}}
    print(f"\ngrade, one fault at a time on the {len(photos)} held-out photos: mean gain dB (worst)")
    print(f"{'fault':<28}" + "".join(f"{label:>24}" for label in methods))
    for fault, detuning in SINGLE_FAULTS.items():
        cells = []
        for correct in methods.values():
            gains = [psnr(correct(bad), photo) - psnr(bad, photo)
                     for photo, bad in ((photo, apply_detuning(photo, detuning)) for photo in photos)]
            cells.append(f"{statistics.fmean(gains):+.2f} ({min(gains):+.2f})")
        print(f"{fault:<28}" + "".join(f"{cell:>24}" for cell in cells))


def detuned_photos(photos: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(photo, detuned photo): ``DETUNINGS_PER_PHOTO`` visible detunings of each, the same every run."""
    rng = np.random.default_rng(SYNTHETIC_SEED)
    return [(photo, apply_detuning(photo, visible_detuning(rng))) for photo in photos
            for _ in range(DETUNINGS_PER_PHOTO)]


def visible_detuning(rng: np.random.Generator) -> Detuning:
    """A shot that clearly needs a correction: exposure off by 0.6 to 1 EV, a white-balance error, and half the
    time a contrast error (a random detuning of training's kind is often too slight to need one, and a gain in dB
    over an input that is nearly right measures only how little a model touches it)."""
    def signed(low: float, high: float) -> float:
        return float(rng.choice((-1.0, 1.0)) * rng.uniform(low, high))

    return Detuning(exposure=signed(*VISIBLE_EXPOSURE_EV), temperature=signed(*VISIBLE_TEMPERATURE_STOPS),
                    tint=float(rng.uniform(-VISIBLE_TINT_STOPS, VISIBLE_TINT_STOPS)),
                    contrast=signed(*VISIBLE_CONTRAST) if rng.random() < 0.5 else 0.0)


def synthetic_scores(model: LoadedModel, photos: list[np.ndarray]) -> tuple[list[float], list[float], list[float]]:
    """PSNR against each photo: detuned (``DETUNINGS_PER_PHOTO`` each), those detunings graded, the photo graded."""
    correct = by_model(model)
    detuned = detuned_photos(photos)
    return ([psnr(bad, photo) for photo, bad in detuned], [psnr(correct(bad), photo) for photo, bad in detuned],
            [psnr(correct(photo), photo) for photo in photos])


# ---------------------------------------------------------------------------------------------------------------
# neutralize and look transfer


@dataclass(frozen=True)
class HeldOutLook:
    name: str
    lut: Lut3D
    unseen_collection: bool  # its whole collection is held out (else its family is)


def held_out_looks() -> list[HeldOutLook]:
    """Every look of the shared collections no model trains on, with why."""
    _, paths = split_look_folders(LOOK_FOLDERS)
    return [HeldOutLook(path.stem, lut, look_collection(path) in HELD_OUT_COLLECTIONS)
            for path, lut in zip(paths, read_looks(paths), strict=True)]


def training_look_luts() -> list[Lut3D]:
    return read_looks(split_look_folders(LOOK_FOLDERS)[0])


def look_cases(photos: list[np.ndarray], looks: list, per_look: int = 2) -> Iterator[tuple[np.ndarray, object]]:
    """(photo, look): each look on ``per_look`` photos, taken in turn, so the photos are spread over the looks."""
    for index, look in enumerate(looks):
        for offset in range(per_look):
            yield photos[(index * per_look + offset) % len(photos)], look


def neutralize_held_out(models: Sequence[LoadedModel], photos: list[np.ndarray], per_look: int) -> None:
    """Each held-out look on ``per_look`` held-out photos: gain over the looked input, per look (mean over its
    photos), for each neutralizer and the baselines."""
    looks = held_out_looks()
    methods = {"grey world + levels": grey_world_levels,
               "best fixed LUT (training looks)": by_lut(neutralize_fixed_lut()),
               **{f"pix2lut {m.entry.name}": by_model(m) for m in models}}
    gains: dict[str, list[float]] = {label: [] for label in methods}
    for look in looks:
        cases = list(look_cases(photos, [look.lut], per_look))
        looked = [np.clip(apply_lut(photo, look.lut), 0.0, 1.0) for photo, _ in cases]
        before = [psnr(image, photo) for image, (photo, _) in zip(looked, cases, strict=True)]
        for label, correct in methods.items():
            after = [psnr(correct(image), photo) for image, (photo, _) in zip(looked, cases, strict=True)]
            gains[label].append(statistics.fmean(after) - statistics.fmean(before))
    unseen = [look.unseen_collection for look in looks]
    rows = {"doing nothing": Summary.of([0.0] * len(looks))}
    for label, values in gains.items():
        rows[label] = Summary.of(values)
        rows[f"{label}: collections"] = Summary.of([v for v, u in zip(values, unseen, strict=True) if u])
        rows[f"{label}: families"] = Summary.of([v for v, u in zip(values, unseen, strict=True) if not u])
    print_summaries(f"neutralize, {len(looks)} held-out looks ({len({look_family(n.name) for n in looks})} families; "
                    f"\": collections\": the {sum(unseen)} of unseen authors, \": families\": the others) x {per_look} "
                    "held-out photos: gain over the looked input, per look (goal >= +4, none < -1)", rows, 52)
    worst = sorted(zip(gains[list(gains)[-1]], (look.name for look in looks)))[:3]
    print("worst looks for the last model: " + ", ".join(f"{name} {gain:+.2f}" for gain, name in worst))


def neutralize_fixed_lut() -> Lut3D:
    """The best single LUT that undoes the training looks, fitted on a few training photos through every one."""
    photos = [shrink_to_longest(read_image(path).pixels, FIT_SIDE)
              for path in spread_sample(shared_photo_split()[0], FIXED_LUT_PHOTOS)]
    looks = training_look_luts()
    return best_fixed_lut([(np.clip(apply_lut(photo, look), 0.0, 1.0), photo)
                           for index, look in enumerate(looks) for photo in photos[index % 2::2]])


def neutralize_scores(model: LoadedModel, photos: list[np.ndarray], looks: list) -> tuple[list[float], list[float]]:
    """PSNR against the neutral photo of each look x photo case: the looked input's, and after ``model``."""
    looked_db, ours_db = [], []
    for photo, look in look_cases(photos, looks):
        looked = apply_lut(photo, look)
        neutral = apply_lut(looked, correction_lut(model, [looked], LUT_SIZE, Timings()))
        looked_db.append(psnr(looked, photo))
        ours_db.append(psnr(neutral, photo))
    return looked_db, ours_db


def look_transfer(neutralizers: Sequence[LoadedModel], looker: LoadedModel | None, photos: list[np.ndarray],
                  looks: list[Lut3D]) -> None:
    """Each look on one photo is the reference, the next photo must get its look: CIEDE2000 to the truth for each
    neutralizer (neutralize the reference, fit the look, apply it to the neutralized target), the reference-look
    model when there is one, and the baselines (the KNN fit through the first neutralizer)."""
    from color_matcher import ColorMatcher
    from sklearn.neighbors import KNeighborsRegressor

    from pix2lut.lut import identity_table

    def knn_look(neutral: np.ndarray, reference: np.ndarray) -> Lut3D:
        model = KNeighborsRegressor(n_neighbors=KNN_NEIGHBOURS, weights="distance")
        model.fit(neutral.reshape(-1, 3), reference.reshape(-1, 3))
        nodes = identity_table(LUT_SIZE).reshape(-1, 3)
        return Lut3D(np.clip(model.predict(nodes), 0, 1).reshape((LUT_SIZE,) * 3 + (3,)))

    scores: dict[str, list[float]] = {"doing nothing": [], "color-matcher (mkl)": [], "KNN fit (original)": []}
    matcher = ColorMatcher()
    for index, look in enumerate(looks):
        reference_photo, target_photo = photos[index % len(photos)], photos[(index + 1) % len(photos)]
        reference, truth = apply_lut(reference_photo, look), apply_lut(target_photo, look)
        scores["doing nothing"].append(mean_de(target_photo, truth))
        matched = np.clip(matcher.transfer(src=target_photo.astype(np.float64), ref=reference.astype(np.float64),
                                           method="mkl"), 0, 1)
        scores["color-matcher (mkl)"].append(mean_de(matched, truth))
        for number, neutralizer in enumerate(neutralizers):
            shot_neutral = apply_lut(target_photo, correction_lut(neutralizer, [target_photo], LUT_SIZE, Timings()))
            ours = look_lut(neutralizer, reference, LUT_SIZE, Timings())
            scores.setdefault(f"pix2lut, {neutralizer.entry.name} + fit", []).append(
                mean_de(apply_lut(shot_neutral, ours), truth))
            if number == 0:
                neutralize = correction_lut(neutralizer, [reference], LUT_SIZE, Timings())
                knn = knn_look(apply_lut(reference, neutralize), reference)
                scores["KNN fit (original)"].append(mean_de(apply_lut(shot_neutral, knn), truth))
                if looker is not None:
                    given = look_lut(looker, reference, LUT_SIZE, Timings())
                    scores.setdefault(f"pix2lut, {looker.entry.name}", []).append(
                        mean_de(apply_lut(shot_neutral, given), truth))
    baseline = scores["doing nothing"]
    print(f"\nlook transfer from a reference still, {len(looks)} held-out looks, reference and target of other content")
    print(f"{'method':<36} {'mean':>8} {'median':>8} {'worst':>8} {'better':>8}  (CIEDE2000; goal mean <= 5.0)")
    for method, values in scores.items():
        better = sum(v < b for v, b in zip(values, baseline, strict=True))
        print(f"{method:<36} {statistics.fmean(values):>8.2f} {statistics.median(values):>8.2f} {max(values):>8.2f} "
              f"{better:>4}/{len(values):<3}")


# ---------------------------------------------------------------------------------------------------------------
# one LUT per shot, inference time


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


# ---------------------------------------------------------------------------------------------------------------
# photos, arguments, main


def spread_sample(items: list, count: int) -> list:
    """``count`` of ``items`` spread evenly over the list (every k-th)."""
    return items[:: max(1, len(items) // count)][:count]


def held_out_photos(count: int) -> list[np.ndarray]:
    """``count`` photos no model trained on, spread over the held-out ones (the Kodak suite and one in ten of the
    others), shrunk to the benches' working size."""
    _, held = shared_photo_split()
    return [shrink(read_image(path).pixels) for path in spread_sample(held, count)]


def models_and_photos_arguments(description: str, argv: list[str] | None,
                                parser: argparse.ArgumentParser | None = None) -> argparse.Namespace:
    """``--models`` (a models folder, the shipped one by default) and ``--photos``: what the quality benches take."""
    parser = parser or argparse.ArgumentParser(description=description)
    parser.add_argument("--models", type=Path, default=ROOT / "onnx_models")
    parser.add_argument("--photos", type=int, default=12, help="held-out photos used")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--looks-per-photo", type=int, default=3, help="held-out photos each held-out look is seen on")
    parser.add_argument("--skip", nargs="*", default=[], choices=["grade", "neutralize", "transfer", "jitter"],
                        help="checks to leave out")
    args = models_and_photos_arguments("", argv, parser)
    registry = ModelRegistry.load(args.models, threads=2)
    photos = held_out_photos(args.photos)
    role_models = {role: [m for m in registry.models.values() if m.entry.role == role]
                   for role in ("grade", "neutralize")}
    if role_models["grade"] and "grade" not in args.skip:
        grade_real_pairs(role_models["grade"])
        grade_synthetic(role_models["grade"], photos)
        grade_by_fault(role_models["grade"], photos)
    if role_models["grade"] and "jitter" not in args.skip:
        jitter(registry.default_for("grade"))
    if role_models["neutralize"] and "neutralize" not in args.skip:
        neutralize_held_out(role_models["neutralize"], photos, args.looks_per_photo)
    if role_models["neutralize"] and "transfer" not in args.skip:
        looker = registry.default_for("look") if registry.serves("look") else None
        look_transfer(role_models["neutralize"], looker, photos, [look.lut for look in held_out_looks()])
    inference_times(registry)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
