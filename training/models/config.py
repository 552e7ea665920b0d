"""Model configuration: one frozen dataclass per model, the table that builds a model from it, parameter counts.

A ``ModelConfig`` is saved into every checkpoint and into the ONNX metadata (``to_dict`` / ``from_dict``), so
every artefact says how its network was built. Two kinds, as in DESIGN.md (section Models):

- ``image2image``: the pix2pix U-Net generator (:mod:`training.models.unet`), trained against the conditional
  PatchGAN discriminator (:mod:`training.models.patchgan`); the server fits a LUT to its prediction.
- ``image2lut``: the image-adaptive 3D LUT of Zeng et al. 2020 (:mod:`training.models.image2lut`): a small CNN
  weighs learned basis LUTs; the network's output is the LUT itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from torch import nn

from training.errors import ConfigError
from training.models.image2lut import BLENDS, Image2Lut
from training.models.parametric import ParametricGrade
from training.models.patchgan import DEFAULT_WIDTHS as DEFAULT_DISCRIMINATOR_WIDTHS
from training.models.patchgan import PatchGAN
from training.models.unet import UNetGenerator
from training.retired import without_retired

ModelKind = Literal["image2image", "image2lut"]
MODEL_KINDS: tuple[ModelKind, ...] = ("image2image", "image2lut")

# The sizes DESIGN.md names: 64/128/256 px for the pix2pix family (the original AI_color_grade_lut notebooks),
# a 256 px thumbnail for the image-adaptive LUT (Zeng et al. 2020 resize every input to 256 x 256).
IMAGE2IMAGE_INPUT_SIZES = (64, 128, 256)
BASIS_INITS = ("zeros", "principal", "library")
LUT_HEADS = ("basis", "parametric")
DEFAULT_INPUT_SIZES: dict[str, int] = {"image2image": 64, "image2lut": 256}

# The original AI_color_grade_lut 64 px generator (64pix2pix.ipynb): six 4x4 stride-2 down blocks, mirrored up.
DEFAULT_UNET_WIDTHS = (16, 32, 64, 128, 128, 128)
# Its 128 px sibling (128pix2pix.ipynb: seven blocks, 2x2 bottleneck, dropout in the two innermost up blocks).
AI_COLOR_GRADE_LUT_128_WIDTHS = (32, 64, 128, 256, 256, 256, 512)
# 0.5 as in pix2pix (Isola et al. 2017); the 64 px original drops out in its innermost up block only (Isola: 3 of 8).
DEFAULT_DROPOUT = 0.5
DEFAULT_DROPOUT_BLOCKS = 1

# Zeng et al. 2020: 33^3 basis LUTs, K = 3, and a five-block 3x3 stride-2 CNN of these widths.
LUT_SIZES = (17, 33)
DEFAULT_LUT_SIZE = 33
DEFAULT_BASIS_LUTS = 3
DEFAULT_BACKBONE_WIDTHS = (16, 32, 64, 128, 128)


@dataclass(frozen=True)
class ModelConfig:
    """How to build one network; fields that do not belong to ``kind`` are ignored by it.

    ``input_size`` (square, pixels) defaults to the kind's size in ``DEFAULT_INPUT_SIZES``.
    """

    kind: ModelKind = "image2lut"  # the Pix2LUT family: the LUT comes straight out of the network
    input_size: int | None = None
    # image2image: the U-Net (one down block per width, mirrored up) and its discriminator
    widths: tuple[int, ...] = DEFAULT_UNET_WIDTHS
    dropout: float = DEFAULT_DROPOUT
    dropout_blocks: int = DEFAULT_DROPOUT_BLOCKS
    discriminator_widths: tuple[int, ...] = DEFAULT_DISCRIMINATOR_WIDTHS
    # image2lut: basis LUTs of lut_size^3 nodes, weighed by a CNN of backbone_widths (dropout applies as well)
    lut_size: int = DEFAULT_LUT_SIZE
    basis_luts: int = DEFAULT_BASIS_LUTS
    backbone_widths: tuple[int, ...] = DEFAULT_BACKBONE_WIDTHS
    colour_stats: bool = False  # the head also sees the thumbnail's colour histograms
    head_hidden: int = 0  # hidden width of an MLP head; 0: Zeng et al.'s single linear layer
    # the basis LUTs start as: "zeros" (the identity and zeros, Zeng et al.) or "principal" (the identity and the
    # principal directions of the task's training LUTs: training.basis) or "library" (the identity and each
    # training look's fitted inverse for neutralize, the look itself for look tasks, each training real pair's
    # retouch for grade: basis_luts = 1 + the looks, or 1 + the training real pairs)
    basis_init: str = "zeros"
    blend: str = "linear"  # how the head's outputs weigh the basis: as they are, or "softmax" (a convex blend)
    train_basis: bool = True  # False keeps the starting basis (a library of known inverses) as it is
    # what the head gives: "basis" (weights over basis LUTs, Zeng et al.) or "parametric" (a colourist's controls,
    # baked into the LUT: training.models.parametric; the basis_* and blend fields do not apply)
    lut_head: str = "basis"

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise ConfigError(f"Unknown model kind {self.kind!r}: use one of {', '.join(MODEL_KINDS)}")
        for name in ("widths", "discriminator_widths", "backbone_widths"):
            widths = tuple(getattr(self, name))
            if not widths or any(int(width) != width or width < 1 for width in widths):
                raise ConfigError(f"{name} must be a non-empty tuple of positive integers, found {widths}")
            object.__setattr__(self, name, tuple(int(width) for width in widths))
        if self.input_size is None:
            object.__setattr__(self, "input_size", DEFAULT_INPUT_SIZES[self.kind])
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), found {self.dropout}")
        _CHECKS[self.kind](self)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (tuples become lists), for checkpoints and ONNX metadata."""
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ModelConfig:
        """The inverse of :meth:`to_dict`; unknown keys are an error, not silently dropped, and retired ones are
        dropped only where they hold their old default (:mod:`training.retired`)."""
        values = without_retired("model", values, "model config")
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"Unknown model config keys {unknown}: known keys are {sorted(known)}")
        return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in values.items()})


def _check_image2image(config: ModelConfig) -> None:
    if config.input_size not in IMAGE2IMAGE_INPUT_SIZES:
        raise ConfigError(
            f"image2image input_size must be one of {', '.join(map(str, IMAGE2IMAGE_INPUT_SIZES))}, "
            f"found {config.input_size}"
        )
    scale = 2 ** len(config.widths)  # each down block halves the image
    if config.input_size % scale:
        raise ConfigError(
            f"input_size {config.input_size} must be a multiple of 2^{len(config.widths)} = {scale} "
            f"for {len(config.widths)} down blocks (widths {config.widths})"
        )
    if not 0 <= config.dropout_blocks <= len(config.widths) - 1:
        raise ConfigError(
            f"dropout_blocks must be in 0..{len(config.widths) - 1} (the up blocks), found {config.dropout_blocks}"
        )
    patches = PatchGAN.patches_per_side(config.input_size, len(config.discriminator_widths))
    if patches < 1:
        raise ConfigError(
            f"a {len(config.discriminator_widths)}-layer PatchGAN has no output patch on a {config.input_size} px "
            f"input: use fewer discriminator_widths"
        )


def _check_image2lut(config: ModelConfig) -> None:
    if config.lut_head not in LUT_HEADS:
        raise ConfigError(f"lut_head must be one of {', '.join(LUT_HEADS)}, found {config.lut_head!r}")
    if config.lut_head == "parametric" and (config.basis_init != "zeros" or not config.head_hidden):
        raise ConfigError("a parametric head predicts controls, not basis weights: keep basis_init = \"zeros\" and "
                          "give head_hidden a width")
    if config.lut_size not in LUT_SIZES:
        raise ConfigError(f"lut_size must be one of {', '.join(map(str, LUT_SIZES))}, found {config.lut_size}")
    if config.basis_luts < 1:
        raise ConfigError(f"basis_luts must be at least 1, found {config.basis_luts}")
    if config.basis_init not in BASIS_INITS:
        raise ConfigError(f"basis_init must be one of {', '.join(BASIS_INITS)}, found {config.basis_init!r}")
    if config.blend not in BLENDS:
        raise ConfigError(f"blend must be one of {', '.join(BLENDS)}, found {config.blend!r}")
    if not config.train_basis and config.basis_init == "zeros":
        raise ConfigError("train_basis = false keeps the basis as it starts: give it a basis_init other than zeros")
    if config.head_hidden < 0:
        raise ConfigError(f"head_hidden must be 0 (a linear head) or a width, found {config.head_hidden}")
    scale = 2 ** len(config.backbone_widths)  # each backbone block halves the image
    if config.input_size < scale or config.input_size % scale:
        raise ConfigError(
            f"input_size {config.input_size} must be a positive multiple of 2^{len(config.backbone_widths)} = "
            f"{scale} for {len(config.backbone_widths)} backbone blocks (backbone_widths {config.backbone_widths})"
        )


_CHECKS: dict[str, Callable[[ModelConfig], None]] = {"image2image": _check_image2image, "image2lut": _check_image2lut}


def _build_unet(config: ModelConfig) -> nn.Module:
    return UNetGenerator(widths=config.widths, dropout=config.dropout, dropout_blocks=config.dropout_blocks)


def _build_image2lut(config: ModelConfig) -> nn.Module:
    if config.lut_head == "parametric":
        return ParametricGrade(lut_size=config.lut_size, backbone_widths=config.backbone_widths,
                               input_size=config.input_size, head_hidden=config.head_hidden, dropout=config.dropout)
    return Image2Lut(
        lut_size=config.lut_size,
        basis_luts=config.basis_luts,
        backbone_widths=config.backbone_widths,
        dropout=config.dropout,
        input_size=config.input_size,
        colour_stats=config.colour_stats,
        head_hidden=config.head_hidden,
        blend=config.blend,
        train_basis=config.train_basis,
    )


_BUILDERS: dict[str, Callable[[ModelConfig], nn.Module]] = {"image2image": _build_unet, "image2lut": _build_image2lut}


def build_model(config: ModelConfig) -> nn.Module:
    """The network ``config`` describes: ``UNetGenerator`` for image2image, ``Image2Lut`` for image2lut."""
    return _BUILDERS[config.kind](config)


def build_discriminator(config: ModelConfig) -> PatchGAN:
    """The conditional PatchGAN that trains an image2image generator."""
    if config.kind != "image2image":
        raise ConfigError(f"only image2image models train against a discriminator, found kind {config.kind!r}")
    return PatchGAN(widths=config.discriminator_widths)


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of scalar parameters in ``model`` (all of them, or only those with ``requires_grad``)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
