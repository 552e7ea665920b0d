"""Train a model: read top to bottom.

1. config and seeds (and the process group, when started by torchrun)
2. data: synthetic and real pairs, a fixed validation set
3. model (and for pix2pix with a GAN weight, the PatchGAN discriminator), optimisers
4. resume from the last checkpoint when asked
5. the loop: a step, a log line, validation with a grid PNG and curves, checkpoints (and one on Ctrl-C)

Multi-GPU and multi-machine: ``torchrun --nproc-per-node N -m training train ...`` wraps the model in
DistributedDataParallel (nccl on GPU, gloo on CPU); only rank 0 writes files.
"""

from __future__ import annotations

import csv
import math
import os
import random
import signal
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler
from tqdm import tqdm

from pix2lut.imageio import write_image
from training.basis import starting_basis
from training.checkpoint import load_checkpoint, save_checkpoint
from training.config import OptimConfig, TrainConfig
from training.data.torch_dataset import PairDataset, worker_init_fn
from training.data_sources import image_size, training_pairs, validation_pairs
from training.losses import (
    lab_l1,
    lsgan_discriminator_loss,
    lsgan_generator_loss,
    lut_monotonicity,
    lut_smoothness,
)
from training.metrics import psnr
from training.models.config import build_discriminator, build_model
from training.models.image2lut import apply_lut_torch
from training.plots import plot_curves

CHECKPOINT_NAME = "last.pt"
COSINE_FLOOR = 0.01  # the cosine schedule ends at 1/100 of the learning rate


@dataclass
class Distributed:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def train(config: TrainConfig, resume: bool = False) -> Path:
    """Run the whole training; returns the path of the final checkpoint."""
    # 1. config, seeds, process group
    dist_info = _init_distributed(config)
    device = _device(config.run.device, dist_info)
    _seed_everything(config.run.seed + dist_info.rank)
    out_dir = Path(config.run.out_dir)
    if dist_info.is_main:
        out_dir.mkdir(parents=True, exist_ok=True)

    # 2. data
    # pairs come cropped to the model's size already: a second crop would make their exact LUTs inexact
    size = image_size(config)
    dataset = PairDataset(training_pairs(config), size=size, lut_size=config.model.lut_size, seed=config.run.seed,
                          augment=False)
    sampler = DistributedSampler(dataset, dist_info.world_size, dist_info.rank, seed=config.run.seed) \
        if dist_info.world_size > 1 else None
    loader = DataLoader(dataset, batch_size=config.optim.batch_size, shuffle=sampler is None, sampler=sampler,
                        num_workers=config.data.workers, worker_init_fn=worker_init_fn, drop_last=True,
                        generator=torch.Generator().manual_seed(config.run.seed))
    validation = PairDataset(validation_pairs(config), size=size, lut_size=config.model.lut_size,
                             seed=config.run.seed, augment=False)

    # 3. models and optimisers
    generator = build_model(config.model).to(device)
    discriminator = build_discriminator(config.model).to(device) if _uses_gan(config) else None
    optimiser_g = torch.optim.Adam(generator.parameters(), lr=config.optim.lr,
                                   betas=(config.optim.beta1, config.optim.beta2),
                                   weight_decay=config.optim.weight_decay)
    optimiser_d = torch.optim.Adam(discriminator.parameters(), lr=config.optim.lr,
                                   betas=(config.optim.beta1, config.optim.beta2)) if discriminator else None

    # 4. resume, or start the basis LUTs from the task's own LUTs (principal directions, or a library) when asked
    step = 0
    checkpoint_path = out_dir / CHECKPOINT_NAME
    if config.model.kind == "image2lut" and config.model.basis_init != "zeros" and not (
            resume and checkpoint_path.exists()):
        with torch.no_grad():
            generator.basis.copy_(torch.from_numpy(starting_basis(config)))
    if resume and checkpoint_path.exists():
        step = load_checkpoint(checkpoint_path, config, generator, discriminator, optimiser_g, optimiser_d)
        if dist_info.is_main:
            print(f"resumed from {checkpoint_path} at step {step}")
    if dist_info.world_size > 1:
        generator = DistributedDataParallel(generator)
        if discriminator is not None:
            discriminator = DistributedDataParallel(discriminator)

    # 5. the loop; Ctrl-C (SIGINT) or SIGTERM stop it cleanly after the current step, with a checkpoint
    stop = {"asked": False}
    previous_handlers = {s: signal.signal(s, lambda *_: stop.update(asked=True)) for s in _stop_signals()}
    progress = tqdm(total=config.optim.steps, initial=step, desc="train", unit="step", disable=not dist_info.is_main)
    epoch = 0
    try:
        while step < config.optim.steps and not stop["asked"]:
            dataset.set_epoch(epoch)
            if sampler is not None:
                sampler.set_epoch(epoch)
            for batch in loader:
                for optimiser in filter(None, (optimiser_g, optimiser_d)):
                    for group in optimiser.param_groups:
                        group["lr"] = learning_rate(config.optim, step)
                losses = _step(config, batch, generator, discriminator, optimiser_g, optimiser_d, device)
                step += 1
                progress.update(1)
                if step % config.run.log_every == 0:
                    progress.set_postfix({k: f"{v:.4f}" for k, v in losses.items()})
                    if dist_info.is_main:
                        _append_csv(out_dir / "train_log.csv", {"step": step, **losses})
                if dist_info.is_main and (step % config.run.validate_every == 0 or step == config.optim.steps):
                    _validate(config, _unwrap(generator), validation, device, out_dir, step)
                if dist_info.is_main and step % config.run.checkpoint_every == 0:
                    save_checkpoint(checkpoint_path, config, _unwrap(generator), _unwrap(discriminator),
                                    optimiser_g, optimiser_d, step)
                if step >= config.optim.steps or stop["asked"]:
                    break
            epoch += 1
    finally:
        progress.close()
        for sig, handler in previous_handlers.items():
            signal.signal(sig, handler)
        if dist_info.is_main:
            save_checkpoint(checkpoint_path, config, _unwrap(generator), _unwrap(discriminator),
                            optimiser_g, optimiser_d, step)
            if stop["asked"]:
                print(f"stopped at step {step}; resume with --resume (checkpoint {checkpoint_path})")
        if dist_info.world_size > 1:
            dist.destroy_process_group()
    return checkpoint_path


def learning_rate(optim: OptimConfig, step: int) -> float:
    """The learning rate of step ``step`` (from 0): constant, or a cosine from ``lr`` to ``lr / 100``."""
    if optim.lr_schedule == "constant":
        return optim.lr
    progress = min(step / max(optim.steps - 1, 1), 1.0)
    floor = optim.lr * COSINE_FLOOR
    return floor + 0.5 * (optim.lr - floor) * (1.0 + math.cos(math.pi * progress))


def _step(config, batch, generator, discriminator, optimiser_g, optimiser_d, device) -> dict[str, float]:
    source = batch["source"].to(device)  # (B, 3, S, S)
    target = batch["target"].to(device)
    prediction, lut = _predict(config, generator, source, batch["seen"].to(device))
    losses: dict[str, torch.Tensor] = {"l1": F.l1_loss(prediction, target) * config.optim.l1_weight}
    if config.optim.mse_weight:
        losses["mse"] = F.mse_loss(prediction, target) * config.optim.mse_weight
    if config.optim.lab_weight:
        losses["lab"] = lab_l1(prediction, target) * config.optim.lab_weight
    if lut is not None:
        losses["smooth"] = lut_smoothness(lut) * config.optim.smoothness_weight
        losses["mono"] = lut_monotonicity(lut) * config.optim.monotonicity_weight
        known = batch["has_lut"].to(device)
        if config.optim.lut_weight:  # always logged, 0 for a batch whose pairs have no exact LUT
            losses["lut"] = (F.l1_loss(lut[known], batch["lut"].to(device)[known]) * config.optim.lut_weight
                             if bool(known.any()) else lut.sum() * 0.0)
    if discriminator is not None:
        losses["gan"] = lsgan_generator_loss(discriminator(source, prediction)) * config.optim.gan_weight
    total = sum(losses.values())
    optimiser_g.zero_grad(set_to_none=True)
    total.backward()
    optimiser_g.step()
    if discriminator is not None:
        loss_d = lsgan_discriminator_loss(discriminator(source, target), discriminator(source, prediction.detach()))
        optimiser_d.zero_grad(set_to_none=True)
        loss_d.backward()
        optimiser_d.step()
        losses["disc"] = loss_d
    return {name: float(value.detach()) for name, value in {"total": total, **losses}.items()}


def _predict(config: TrainConfig, generator, source: torch.Tensor,
             seen: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The predicted image, and the predicted LUT for image2lut models (None for image2image).

    An image2lut model predicts its LUT from ``seen`` (the source itself, or a reference-look model's reference)
    and applies it to ``source``.
    """
    if config.model.kind == "image2lut":
        thumbnail = F.interpolate(seen, size=(config.model.input_size,) * 2, mode="area")
        lut = generator(thumbnail)  # (B, N, N, N, 3), [r, g, b]
        return apply_lut_torch(source, lut), lut
    return generator(source), None


@torch.no_grad()
def _validate(config: TrainConfig, generator, validation: PairDataset, device, out_dir: Path, step: int) -> None:
    generator.eval()
    rows, l1s, psnrs = [], [], []
    for index in range(len(validation)):
        sample = validation[index]
        source = sample["source"][None].to(device)
        prediction, _ = _predict(config, generator, source, sample["seen"][None].to(device))
        target = sample["target"][None].to(device)
        l1s.append(float(F.l1_loss(prediction, target)))
        psnrs.append(psnr(prediction[0].cpu().numpy(), target[0].cpu().numpy()))
        if len(rows) < 6:
            rows.append(torch.cat([source, prediction, target], dim=3)[0])  # before | prediction | target
    generator.train()
    _append_csv(out_dir / "validation_log.csv", {"step": step, "l1": float(np.mean(l1s)),
                                                  "psnr_db": float(np.mean(psnrs))})
    grid = torch.cat(rows, dim=1).permute(1, 2, 0).clamp(0, 1).cpu().numpy()
    write_image(out_dir / f"validation_{step:07d}.png", grid)
    plot_curves(out_dir / "train_log.csv", out_dir / "validation_log.csv", out_dir / "curves.png")


def _append_csv(path: Path, row: dict[str, float]) -> None:
    new = not path.exists()
    with path.open("a", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow(row)


def _uses_gan(config: TrainConfig) -> bool:
    return config.model.kind == "image2image" and config.optim.gan_weight > 0


def _unwrap(model):
    return model.module if isinstance(model, DistributedDataParallel) else model


def _init_distributed(config: TrainConfig) -> Distributed:
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return Distributed()
    backend = "nccl" if _wants_cuda(config.run.device) else "gloo"
    dist.init_process_group(backend=backend)
    return Distributed(dist.get_rank(), world_size, int(os.environ.get("LOCAL_RANK", "0")))


def _wants_cuda(device: str) -> bool:
    return device == "cuda" or (device == "auto" and torch.cuda.is_available())


def _device(requested: str, dist_info: Distributed) -> torch.device:
    if _wants_cuda(requested):
        torch.cuda.set_device(dist_info.local_rank)
        return torch.device("cuda", dist_info.local_rank)
    return torch.device("cpu")


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _stop_signals() -> list[int]:
    return [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])

