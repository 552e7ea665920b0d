"""Training configuration: frozen dataclasses, read from TOML or YAML, overridden from the command line.

The whole configuration is saved into every checkpoint and into the exported model's metadata, so each
artefact says how it was made.

    [model]            kind, input_size, widths, lut_size, basis_luts  (training.models.config.ModelConfig)
    [data]             task, photos, looks, real_pairs, crop, ...
    [optim]            steps, batch_size, lr, loss weights
    [run]              out_dir, seed, checkpoint/validation cadence, device
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.errors import ConfigError
from training.models.config import ModelConfig
from training.retired import without_retired

TASKS = ("grade", "neutralize", "look", "reference_look")
REAL_HOLD_OUT_EVERY = 4  # real pairs are few (FiveK: 16 here): one in four is kept for evaluation
CHECKOUT = Path(__file__).resolve().parents[1]
SHARED_DATA = CHECKOUT.parent / "shared" / "data"  # ../shared/data beside the checkout


@dataclass(frozen=True)
class DataConfig:
    # grade: undo detunings; neutralize: remove looks; look: apply a look; reference_look: see a looked photo,
    # give a neutral one its look
    task: str = "grade"
    photos: str = str(SHARED_DATA / "photos")
    looks: str = str(SHARED_DATA / "looks")
    # neutralize and look: a second folder of .cube looks (../shared/data/looks-extra), split with ``looks`` by
    # family and collection (training.data.holdout)
    extra_looks: str = ""
    real_pairs: str = ""  # folder with input/ and target/ (or expertC/), mixed in with real_fraction
    real_fraction: float = 0.0
    # which one in REAL_HOLD_OUT_EVERY of the real pairs is held out (pairs fold, fold + 4, ...): 0 for the shipped
    # models; 1 to 3 for cross-validation runs, so that every pair is judged by a model that never saw it
    real_fold: int = 0
    # grade: the share of synthetic pairs whose photo is un-retouched (the inverse of a training real pair's
    # retouch, training.data.retouch) instead of detuned at random
    degradation_share: float = 0.0
    degradation_mix: int = 1  # each degradation blends this many real ones, at random convex weights
    crop: int = 256  # training crop side; the model input for image2lut
    samples_per_epoch: int = 2000
    identity_fraction: float = 0.0  # training pairs whose source is the photo itself: leave a good shot alone
    min_strength: float = 1.0  # training detunings and looks at a random strength in [min_strength, 1]
    cube_look_share: float = 0.5  # neutralize and look: the share of training looks taken from the .cube files
    validation_samples: int = 16
    workers: int = 0  # DataLoader processes


LR_SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class OptimConfig:
    steps: int = 2000
    batch_size: int = 8
    lr: float = 2e-4
    lr_schedule: str = "constant"  # or "cosine": from lr down to lr / 100 at the last step (Loshchilov and Hutter 2017)
    beta1: float = 0.5  # pix2pix's Adam setting
    beta2: float = 0.999
    weight_decay: float = 0.0
    l1_weight: float = 1.0
    gan_weight: float = 0.0  # pix2pix uses 1 with l1_weight 100; 0 trains the generator alone
    lut_weight: float = 1.0  # LUT-level supervision where the pair's exact LUT is known
    smoothness_weight: float = 1e-4  # Zeng et al. 2020
    monotonicity_weight: float = 10.0  # Zeng et al. 2020
    lab_weight: float = 0.0
    mse_weight: float = 0.0  # Zeng et al. 2020 train on MSE: PSNR is an MSE figure, and MSE weighs large errors most


@dataclass(frozen=True)
class RunConfig:
    out_dir: str = "runs/default"
    seed: int = 0
    log_every: int = 10
    validate_every: int = 200
    checkpoint_every: int = 200
    device: str = "auto"  # auto: cuda when available, else cpu


@dataclass(frozen=True)
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    run: RunConfig = field(default_factory=RunConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_config(path: Path | None = None, overrides: list[str] = ()) -> TrainConfig:
    """Defaults, then the file (TOML or YAML), then ``section.key=value`` overrides (values parsed as JSON)."""
    tree: dict[str, dict[str, Any]] = {}
    if path is not None:
        tree = _read_tree(Path(path))
    for override in overrides:
        key, sep, raw = override.partition("=")
        section, dot, name = key.partition(".")
        if not sep or not dot:
            raise ConfigError(f"override {override!r} must look like section.key=value (e.g. optim.lr=1e-4)")
        tree.setdefault(section, {})[name] = _parse_value(raw)
    return config_from_dict(tree, str(path or "overrides"))


def config_from_dict(tree: dict[str, Any], source: str = "config") -> TrainConfig:
    """A TrainConfig from nested dicts (a file, or a checkpoint's saved config); unknown keys are errors, retired
    ones are dropped where they hold their old default (:mod:`training.retired`)."""
    sections = {f.name: f.type for f in dataclasses.fields(TrainConfig)}
    classes = {"model": ModelConfig, "data": DataConfig, "optim": OptimConfig, "run": RunConfig}
    unknown = sorted(set(tree) - set(sections))
    if unknown:
        raise ConfigError(f"{source}: unknown section(s) {', '.join(unknown)}; use {', '.join(sections)}")
    built = {}
    for name, cls in classes.items():
        values = without_retired(name, tree.get(name, {}), source)
        names = {f.name for f in dataclasses.fields(cls)}
        extra = sorted(set(values) - names)
        if extra:
            raise ConfigError(
                f"{source}: unknown key(s) {', '.join(extra)} in [{name}]; use {', '.join(sorted(names))}"
            )
        for f in dataclasses.fields(cls):  # JSON and TOML give lists where the dataclass holds tuples
            if f.name in values and isinstance(values[f.name], list):
                values[f.name] = tuple(values[f.name])
        try:
            built[name] = cls(**values)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: [{name}] {exc}") from exc
    config = TrainConfig(**built)
    if config.data.task not in TASKS:
        raise ConfigError(f"{source}: data.task must be one of {', '.join(TASKS)}, found {config.data.task!r}")
    if config.data.task == "reference_look" and config.model.kind != "image2lut":
        raise ConfigError(f"{source}: data.task reference_look needs model.kind image2lut (it predicts a LUT from one "
                          "image and applies it to another)")
    if not 0 <= config.data.real_fold < REAL_HOLD_OUT_EVERY:
        raise ConfigError(f"{source}: data.real_fold must be 0 to {REAL_HOLD_OUT_EVERY - 1}, found "
                          f"{config.data.real_fold}")
    if config.optim.lr_schedule not in LR_SCHEDULES:
        raise ConfigError(
            f"{source}: optim.lr_schedule must be one of {', '.join(LR_SCHEDULES)}, found {config.optim.lr_schedule!r}"
        )
    return config


def _read_tree(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        if path.suffix.lower() == ".toml":
            return tomllib.loads(text)
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml  # optional: only YAML configs need it

            return yaml.safe_load(text) or {}
    except Exception as exc:  # both parsers' errors name the line
        raise ConfigError(f"{path}: {exc}") from exc
    raise ConfigError(f"{path}: unknown config format {path.suffix!r}; use .toml or .yaml")


def _parse_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # a bare string such as a path
