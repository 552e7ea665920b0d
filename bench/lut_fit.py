"""LUT fit quality and speed: Pix2LUT's fit against the original AI_color_grade_lut KNN fit, in one run.

For each look in ``--looks``: the look is applied to one 1080p source photo; both methods fit a LUT from that
pair; each fitted LUT is then compared with the true look on the source itself (in-sample) and on other photos
(out-of-sample, the colours the source lacks), as mean CIEDE2000. Prints a table and the ratios.

    python -m bench.lut_fit [--looks DIR] [--photos DIR] [--size 33] [--limit N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from pix2lut.apply import apply_lut
from pix2lut.colour import delta_e_ciede2000, srgb_to_lab
from pix2lut.cube import read_cube
from pix2lut.fit import FitConfig, fit_lut
from pix2lut.global_model import fit_global_model
from pix2lut.imageio import read_image
from pix2lut.lattice_fit import fit_lattice
from pix2lut.lut import Lut3D, identity_table
from pix2lut.samples import MAX_PIXELS_PER_IMAGE, collect_samples

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SOURCE_PHOTO = "kodak24/kodim05.jpg"  # a busy, colourful street market: a typical frame to fit from
EVAL_PHOTOS = (  # other content, one from each collection
    "kodak24/kodim23.jpg",
    "bsds500/100075.jpg",
    "urban100/img_001.jpg",
    "sunhays80/img_001.jpg",
    "mcmaster18/1.jpg",
)
FRAME_SIZE = (1920, 1080)  # the fit-time target is for a 1080p pair
KNN_NEIGHBOURS = 40  # as in the original notebooks
EVAL_MAX_PIXELS = 1 << 17  # pixels per photo for the colour-difference means


def knn_fit(source: np.ndarray, target: np.ndarray, size: int) -> Lut3D:
    """The original method: each lattice node is the distance-weighted mean of its k nearest source pixels."""
    from sklearn.neighbors import KNeighborsRegressor

    step = max(1, int(np.ceil(np.sqrt(source.shape[0] * source.shape[1] / MAX_PIXELS_PER_IMAGE))))
    x = source[::step, ::step].reshape(-1, 3)
    y = target[::step, ::step].reshape(-1, 3)
    model = KNeighborsRegressor(n_neighbors=KNN_NEIGHBOURS, weights="distance").fit(x, y)
    nodes = identity_table(size).reshape(-1, 3)
    return Lut3D(np.clip(model.predict(nodes), 0, 1).reshape(size, size, size, 3))


def ours_fit(source: np.ndarray, target: np.ndarray, size: int) -> Lut3D:
    return fit_lut(collect_samples([(source, target)]), FitConfig(size=size))


def curves_only_fit(source: np.ndarray, target: np.ndarray, size: int) -> Lut3D:
    """Ablation: the global curves of the fit, without the lattice correction."""
    samples = collect_samples([(source, target)])
    model = fit_global_model(samples.source, samples.target, samples.count ** FitConfig.count_exponent)
    return Lut3D(np.clip(model(identity_table(size)), 0, 1))


def lattice_only_fit(source: np.ndarray, target: np.ndarray, size: int) -> Lut3D:
    """Ablation: the regularised lattice fit on the offset from identity, without the global curves."""
    samples = collect_samples([(source, target)])
    config = FitConfig(size=size)
    offset = fit_lattice(size, samples.source, samples.target - samples.source,
                         samples.count ** config.count_exponent, config.smoothness, config.ridge)
    return Lut3D(np.clip(identity_table(size) + offset, 0, 1))


METHODS = {"pix2lut": ours_fit, "knn-40": knn_fit, "curves-only": curves_only_fit, "lattice-only": lattice_only_fit}


def mean_ciede2000(fitted: Lut3D, truth: Lut3D, photo: np.ndarray) -> float:
    fitted_lab = srgb_to_lab(apply_lut(photo, fitted))
    return float(np.mean(delta_e_ciede2000(fitted_lab, srgb_to_lab(apply_lut(photo, truth)))))


def load_photo(path: Path) -> np.ndarray:
    pixels = read_image(path).pixels
    step = max(1, int(np.ceil(np.sqrt(pixels.shape[0] * pixels.shape[1] / EVAL_MAX_PIXELS))))
    return np.ascontiguousarray(pixels[::step, ::step])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--looks", type=Path, default=DATA / "looks")
    parser.add_argument("--photos", type=Path, default=DATA / "photos")
    parser.add_argument("--size", type=int, default=33)
    parser.add_argument("--limit", type=int, default=0, help="only the first N looks (0: all)")
    parser.add_argument("--methods", default="pix2lut,knn-40", help="comma-separated, first is the baseline of the "
                        "ratios; any of " + ",".join(METHODS))
    parser.add_argument("--per-look", action="store_true", help="print a row per look")
    args = parser.parse_args(argv)
    methods = [m for m in args.methods.split(",") if m]
    looks = sorted(args.looks.glob("*.cube"))[: args.limit or None]
    if not looks:
        print(f"No .cube looks in {args.looks}", file=sys.stderr)
        return 1

    source_native = read_image(args.photos / SOURCE_PHOTO).pixels
    source_frame = cv2.resize(source_native, FRAME_SIZE, interpolation=cv2.INTER_CUBIC).clip(0, 1)
    source_eval = load_photo(args.photos / SOURCE_PHOTO)
    others = [load_photo(args.photos / name) for name in EVAL_PHOTOS]

    results: dict[str, dict[str, list[float]]] = {m: {"in": [], "out": [], "ms": []} for m in methods}
    for look_path in looks:
        look = read_cube(look_path)
        target_frame = apply_lut(source_frame, look)
        row = [look_path.stem[:38]]
        for method in methods:
            start = time.perf_counter()
            fitted = METHODS[method](source_frame, target_frame, args.size)
            elapsed_ms = (time.perf_counter() - start) * 1e3
            in_sample = mean_ciede2000(fitted, look, source_eval)
            out_sample = statistics.fmean(mean_ciede2000(fitted, look, photo) for photo in others)
            for key, value in (("in", in_sample), ("out", out_sample), ("ms", elapsed_ms)):
                results[method][key].append(value)
            row.append(f"{in_sample:5.2f} {out_sample:5.2f} {elapsed_ms:7.1f}")
        if args.per_look:
            print(" | ".join(row), flush=True)

    print(f"\nLUT fit, {args.size}^3, {len(looks)} looks, source {SOURCE_PHOTO} at {FRAME_SIZE[0]}x{FRAME_SIZE[1]}, "
          f"{len(others)} other photos")
    print(f"{'method':<10} {'in-sample dE00':>15} {'other photos dE00':>18} {'worst look':>11} {'fit ms (median)':>16}")
    for method in methods:
        r = results[method]
        print(f"{method:<10} {statistics.fmean(r['in']):>15.3f} {statistics.fmean(r['out']):>18.3f} "
              f"{max(r['out']):>11.3f} {statistics.median(r['ms']):>16.1f}")
    base = methods[0]
    for other in methods[1:]:
        out_ratio = statistics.fmean(results[other]["out"]) / statistics.fmean(results[base]["out"])
        time_ratio = statistics.median(results[other]["ms"]) / statistics.median(results[base]["ms"])
        print(f"ratio {other} / {base}: other photos dE00 x{out_ratio:.2f}, fit time x{time_ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
