"""Can one frame name the look it went through? A look classifier, trained here, against the shipped neutralizer.

The neutralizer regresses a LUT from one frame. This bench asks the question underneath: given a photo it never
saw through one of the training looks, can the same network (the neutralizer's backbone and colour statistics)
say which look it was? It trains that network as a classifier over the training ``.cube`` looks (cross-entropy,
training photos at full strength), then undoes each looked held-out photo with the named look's fitted inverse
(hard) or with the inverses weighted by the classifier's probabilities (soft), on looks it trained on and on the
held-out looks of ``bench.quality``. It trains for a while (3,000 steps: about 17 minutes on 2 CPU cores).

    python -m bench.look_naming [--steps 3000] [--models onnx_models]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from bench.quality import (
    ROOT,
    held_out_looks,
    held_out_photos,
    look_cases,
    neutralize_scores,
    spread_sample,
    training_look_luts,
)
from pix2lut.apply import apply_lut
from pix2lut.lut import Lut3D
from server.registry import ModelRegistry
from training.basis import look_inverses
from training.data.augment import random_crop, random_flip
from training.data.photos import PhotoCache
from training.data_sources import shared_photo_split
from training.metrics import psnr
from training.models.config import DEFAULT_BACKBONE_WIDTHS
from training.models.image2lut import Image2Lut

INPUT_SIZE = 128  # the shipped neutralizer's
INVERSE_SIZE = 17
BATCH = 32
LR = 1e-3
HEAD_HIDDEN = 256


def train_classifier(photos: list[Path], looks: list[Lut3D], steps: int, seed: int = 0) -> Image2Lut:
    """The neutralizer's network with one output per look, trained to name the look of a random crop."""
    model = Image2Lut(INVERSE_SIZE, len(looks), DEFAULT_BACKBONE_WIDTHS, 0.0, INPUT_SIZE, colour_stats=True,
                      head_hidden=HEAD_HIDDEN)
    optimizer = torch.optim.Adam(model.parameters(), LR)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps, LR / 100)
    rng, cache = np.random.default_rng(seed), PhotoCache()
    for _ in tqdm(range(steps), desc="train classifier", unit="step"):
        images, labels = [], []
        for _ in range(BATCH):
            (crop,) = random_flip(random_crop([cache.read(photos[int(rng.integers(len(photos)))])], rng, INPUT_SIZE),
                                  rng)
            label = int(rng.integers(len(looks)))
            images.append(np.clip(apply_lut(np.clip(crop, 0.0, 1.0), looks[label]), 0.0, 1.0))
            labels.append(label)
        batch = torch.from_numpy(np.stack(images).transpose(0, 3, 1, 2).copy()).float()
        loss = F.cross_entropy(model.scores(batch), torch.tensor(labels))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return model.eval()


@torch.no_grad()
def look_probabilities(model: Image2Lut, image: np.ndarray) -> np.ndarray:
    """The classifier's probability for each look, from the frame shrunk to its input size as the server does."""
    frame = torch.from_numpy(image.transpose(2, 0, 1).copy())[None].float()
    thumbnail = F.interpolate(frame, size=(INPUT_SIZE, INPUT_SIZE), mode="area")
    return torch.softmax(model.scores(thumbnail), dim=1)[0].numpy()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.look_naming", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=3000, help="classifier training steps")
    parser.add_argument("--models", type=Path, default=ROOT / "onnx_models")
    parser.add_argument("--photos", type=int, default=12, help="held-out photos used")
    args = parser.parse_args(argv)
    torch.manual_seed(0)

    training_photos, _ = shared_photo_split()
    training_looks, held_looks = training_look_luts(), [look.lut for look in held_out_looks()]
    inverses = np.stack([inverse.table for inverse in look_inverses(training_looks, INVERSE_SIZE)])
    model = train_classifier(training_photos, training_looks, args.steps)
    neutralizer = ModelRegistry.load(args.models, threads=2).default_for("neutralize")
    photos = held_out_photos(args.photos)
    seen_looks = spread_sample(training_looks, len(held_looks))

    print(f"\nnaming the look from one frame ({args.steps} classifier steps), {args.photos} held-out photos: "
          "PSNR dB against the neutral photo")
    width = max(16, len(neutralizer.entry.name) + 2)  # the shipped neutralizer's column, as wide as its name
    print(f"{'looks':<36}{'looked':>8}{neutralizer.entry.name:>{width}}{'named (hard)':>14}{'weighted (soft)':>17}"
          f"{'named right':>13}")
    for name, looks in ((f"{len(seen_looks)} looks it trained on", seen_looks), ("the held-out looks", held_looks)):
        hard, soft, right = [], [], []
        for photo, look in look_cases(photos, looks):
            looked = apply_lut(photo, look)
            probabilities = look_probabilities(model, looked)
            hard.append(psnr(apply_lut(looked, Lut3D(inverses[int(np.argmax(probabilities))])), photo))
            soft.append(psnr(apply_lut(looked, Lut3D(np.tensordot(probabilities, inverses, axes=1))), photo))
            right.append(training_looks[int(np.argmax(probabilities))] is look)
        looked_db, neutral_db = neutralize_scores(neutralizer, photos, looks)
        named = f"{statistics.fmean(right):.0%}" if looks is seen_looks else "-"
        print(f"{name:<36}{statistics.fmean(looked_db):>8.2f}{statistics.fmean(neutral_db):>{width}.2f}"
              f"{statistics.fmean(hard):>14.2f}{statistics.fmean(soft):>17.2f}{named:>13}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
