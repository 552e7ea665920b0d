"""How the held-out looks compare with the looks a neutralizer trains on: is a look it fails on out of reach?

A model can only learn to undo looks like the ones it is shown. Each look is measured on the held-out photos of
``bench.quality`` by what it does to them in CIELAB: how far it moves colours, how much it changes chroma and
hue, the colour cast it gives the whole frame, how it lifts the blacks. The table sets each held-out ``.cube``
look beside the spread (5th, 50th, 95th percentile) of the training ``.cube`` looks and of random parametric looks
(``training.data.looks``). For each held-out look, a last column says how far it can be undone at all: its
inverse fitted on half the photos, applied to the other half (PSNR against the neutral photo, beside the looked
input's): a look that maps many colours to one cannot be undone even when known.

    python -m bench.look_coverage [--photos 12] [--parametric 60]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from bench.quality import LOOK_FOLDERS, held_out_photos
from pix2lut.apply import apply_lut
from pix2lut.colour import mean_hue_turn, srgb_to_lab
from pix2lut.fit import FitConfig, fit_lut
from pix2lut.samples import collect_samples
from training.data.looks import Look, apply_look, random_parametric_look, read_looks
from training.data_sources import split_look_folders
from training.metrics import psnr

CHROMATIC = 10.0  # CIELAB chroma above which a colour's hue is well defined
PERCENTILES = (5, 50, 95)
MAX_PIXELS = 200_000  # an even sample of the photos' pixels: plenty for means and percentiles


def descriptors(pixels: np.ndarray, look: Look) -> dict[str, float]:
    """What ``look`` does to ``pixels`` (``(N, 3)`` sRGB), in CIELAB units (ratios for chroma and contrast)."""
    before, after = srgb_to_lab(pixels), srgb_to_lab(apply_look(pixels, look))
    chroma_before, chroma_after = (np.hypot(lab[:, 1], lab[:, 2]) for lab in (before, after))
    shift = (after - before).mean(axis=0)
    return {
        "dE76": float(np.linalg.norm(after - before, axis=1).mean()),
        "chroma x": float(chroma_after.mean() / chroma_before.mean()),
        "hue deg": mean_hue_turn(before, after, CHROMATIC),
        "cast": float(np.hypot(shift[1], shift[2])),
        "contrast x": float(after[:, 0].std() / before[:, 0].std()),
        "black L": float(np.percentile(after[:, 0], 1) - np.percentile(before[:, 0], 1)),
    }


def spread(rows: list[dict[str, float]], key: str) -> str:
    low, mid, high = np.percentile([row[key] for row in rows], PERCENTILES)
    return f"{low:5.1f} {mid:5.1f} {high:5.1f}"


def parametric(pixels: np.ndarray, count: int) -> list[dict[str, float]]:
    rng = np.random.default_rng(0)
    return [descriptors(pixels, random_parametric_look(rng)) for _ in range(count)]


def invertibility(photos: list[np.ndarray], look: Look) -> tuple[float, float]:
    """Mean PSNR of the odd ``photos`` through ``look`` against themselves: as looked, and undone by the LUT fitted
    from looked to neutral on the even ones (the inverse of a known look, on content it was not fitted on)."""
    fitting, testing = photos[::2], photos[1::2]
    inverse = fit_lut(collect_samples([(apply_look(photo, look), photo) for photo in fitting]), FitConfig(size=33))
    looked = [apply_look(photo, look) for photo in testing]
    return (statistics.fmean(psnr(image, photo) for image, photo in zip(looked, testing, strict=True)),
            statistics.fmean(psnr(apply_lut(image, inverse), photo) for image, photo in zip(looked, testing,
                                                                                            strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.look_coverage", description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=12, help="held-out photos to measure on")
    parser.add_argument("--parametric", type=int, default=60, help="random parametric looks")
    args = parser.parse_args(argv)

    photos = held_out_photos(args.photos)
    pixels = np.concatenate([photo.reshape(-1, 3) for photo in photos])
    pixels = pixels[:: max(1, len(pixels) // MAX_PIXELS)]
    training_paths, held_paths = split_look_folders(LOOK_FOLDERS)
    training_looks, held_looks = read_looks(training_paths), read_looks(held_paths)
    held_names = [path.stem for path in held_paths]
    families = {
        "training .cube looks": [descriptors(pixels, look) for look in training_looks],
        "parametric": parametric(pixels, args.parametric),
    }
    keys = list(families["parametric"][0])
    print(f"what each look does to {len(pixels):,} pixels of {args.photos} held-out photos (CIELAB units; chroma and "
          "contrast as ratios)")
    print(f"{'looks (5th / 50th / 95th percentile)':44s}" + "".join(f"{key:>18s}" for key in keys))
    for family, rows in families.items():
        print(f"{family:44s}" + "".join(f"{spread(rows, key):>18s}" for key in keys))
    print(f"\nheld-out .cube looks{'':25s}" + "".join(f"{'':18s}" for _ in keys) + "  looked -> known inverse dB")
    for name, look in zip(held_names, held_looks, strict=True):
        row = descriptors(pixels, look)
        looked, undone = invertibility(photos, look)
        print(f"{name.split('__')[-1][:44]:44s}" + "".join(f"{row[key]:18.1f}" for key in keys)
              + f"  {looked:6.1f} -> {undone:5.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
