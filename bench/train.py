"""Training speed on this machine: images per second for each model kind at its default size.

Separately: the model step alone (forward, backward, Adam, on tensors already in memory), and the synthetic data
(a detuned pair per image, as the training reads them), so a run can be planned: a step needs both unless the
DataLoader's workers hide the data time behind the step. Then the joint colour histogram the shipped models'
head sees, as training counts it against the exported graph's comparisons (how training computed it before).

    python -m bench.train [--batch 8] [--steps 10]
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from training.config import SHARED_DATA
from training.data.pairs import SyntheticPairs
from training.data.photos import list_photos
from training.losses import lut_monotonicity, lut_smoothness
from training.models.config import ModelConfig, build_model, count_parameters
from training.models.image2lut import (
    ColourStatistics,
    apply_lut_torch,
    histogram_by_comparison,
    histogram_by_counting,
)

SHIPPED_INPUT = 128
KINDS = {  # name -> (model config, training crop)
    "image2lut 256 (N=33, K=3)": (ModelConfig(kind="image2lut"), 256),
    # the shipped models' form (training/configs/*-library.toml): colour statistics, an MLP head, a fixed library
    "image2lut 128 shipped (K=13)": (ModelConfig(kind="image2lut", input_size=SHIPPED_INPUT, lut_size=17,
                                                 basis_luts=13, colour_stats=True, head_hidden=256, dropout=0.0,
                                                 basis_init="library", blend="softmax", train_basis=False),
                                     SHIPPED_INPUT),
    "image2image 64 (pix2pix)": (ModelConfig(kind="image2image", input_size=64), 64),
    "image2image 128": (ModelConfig(kind="image2image", input_size=128), 128),
}


def step_rate(config: ModelConfig, crop: int, batch: int, steps: int) -> float:
    model = build_model(config)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-4)
    source, target = torch.rand(batch, 3, crop, crop), torch.rand(batch, 3, crop, crop)

    def one_step() -> None:
        if config.kind == "image2lut":
            lut = model(F.interpolate(source, size=(config.input_size,) * 2, mode="area"))
            loss = F.l1_loss(apply_lut_torch(source, lut), target) + lut_smoothness(lut) + lut_monotonicity(lut)
        else:
            loss = F.l1_loss(model(source), target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()

    one_step()  # warm-up
    started = time.perf_counter()
    for _ in range(steps):
        one_step()
    return batch * steps / (time.perf_counter() - started)


def histogram_ms(batch: int, size: int, repeats: int) -> tuple[float, float]:
    """Milliseconds for one batch's joint colour histogram, as training counts it and as the exported graph
    compares (the baseline: how training computed it before)."""
    statistics = ColourStatistics(size)
    pixels = F.avg_pool2d(torch.rand(batch, 3, size, size), statistics.pool).flatten(2)
    index = torch.clamp(torch.floor(pixels * statistics.bins), max=statistics.bins - 1)
    flat = (index[:, 0] * statistics.bins + index[:, 1]) * statistics.bins + index[:, 2]
    times = []
    for count in (histogram_by_counting, histogram_by_comparison):
        count(flat, statistics.bins)  # warm-up
        started = time.perf_counter()
        for _ in range(repeats):
            count(flat, statistics.bins)
        times.append((time.perf_counter() - started) / repeats * 1e3)
    return times[0], times[1]


def data_rate(crop: int, count: int) -> float:
    pairs = SyntheticPairs(list_photos(SHARED_DATA / "photos"), "grade", seed=0, length=count, size=crop)
    pairs[0]  # warm the photo cache with one
    started = time.perf_counter()
    for index in range(1, count):
        pairs[index]
    return (count - 1) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args(argv)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch}\n")
    print(f"{'model':<28} {'params':>10} {'step img/s':>11} {'data img/s':>11} {'s per 1k img':>15}")
    for name, (config, crop) in KINDS.items():
        model_rate = step_rate(config, crop, args.batch, args.steps)
        synthetic_rate = data_rate(crop, 3 * args.batch)
        both = 1.0 / (1.0 / model_rate + 1.0 / synthetic_rate)  # no workers: the two add up
        params = count_parameters(build_model(config))
        print(f"{name:<28} {params:>10,} {model_rate:>11.1f} {synthetic_rate:>11.1f} {1000 / both:>15.0f}")
    counted, compared = histogram_ms(args.batch, SHIPPED_INPUT, args.steps)
    print(f"\njoint colour histogram, batch {args.batch} at {SHIPPED_INPUT} px: counted {counted:.1f} ms, by comparisons "
          f"(the exported graph's way, how training did it before) {compared:.1f} ms (x{compared / counted:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
