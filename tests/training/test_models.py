"""Tests for training.models: configs, shapes and ranges, parameter counts, LUT application, a few real
optimiser steps per model kind.

Training-step tests use tiny widths so the whole file runs in seconds on a CPU.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from pix2lut.apply import apply_lut
from pix2lut.lut import Lut3D, identity_table
from training.errors import ConfigError
from training.losses import l1_loss, lsgan_discriminator_loss, lsgan_generator_loss, lut_smoothness
from training.models import (
    Image2Lut,
    ModelConfig,
    PatchGAN,
    UNetGenerator,
    apply_lut_torch,
    build_discriminator,
    build_model,
    count_parameters,
)
from training.models.config import IMAGE2IMAGE_INPUT_SIZES, LUT_SIZES

# float32 grid_sample against pix2lut's float32 trilinear reference: both scale to lattice units and sum eight
# weighted corners; observed differences stay near 3e-7, a wrong axis order is off by 0.1 or more.
APPLY_ATOL = 1e-5
# Measured: 1,830,707 for the original 64 px widths (the TensorFlow notebook's count differs by a BatchNorm we
# leave out at the 1x1 bottleneck and a bias it leaves out); 2,768,705 for the 70x70 PatchGAN.
UNET_64PX_PARAMETERS = 1_830_707
PATCHGAN_70_PARAMETERS = 2_768_705
# Zeng et al.: about 0.6M at N = 33, K = 3; measured 569,324: 323,433 in the basis, the rest in the CNN.
IMAGE2LUT_33_PARAMETERS = 569_324
PARAMETER_RTOL = 0.01  # so a changed layer shows, while a renamed or re-biased one does not need a new number
# Untrained image2lut: bias 1 on the identity basis, head weights of std 1e-3, so the LUT starts within
# a few 1e-3 of the identity; measured 3e-4 (N = 33) to 5e-3 (N = 17).
UNTRAINED_LUT_ATOL = 2e-2
# enough for a clear drop: measured ratios 0.58 (U-Net, L1), 0.64 (with PatchGAN), 0.43 (image2lut)
IMAGE2IMAGE_TRAIN_STEPS = 60  # pix2pix's N(0, 0.02) initialisation starts slowly
IMAGE2LUT_TRAIN_STEPS = 30
LEARNING_RATE = 1e-3  # Adam
TRAINED_LOSS_RATIO = 0.8  # after the training steps the loss must have dropped by at least a fifth
TINY_UNET = {"kind": "image2image", "widths": (4, 8, 16), "dropout": 0.0, "discriminator_widths": (4, 8)}
TINY_IMAGE2LUT = {
    "kind": "image2lut",
    "input_size": 32,
    "lut_size": 17,
    "backbone_widths": (4, 8, 8, 8, 8),
    "dropout": 0.0,
}
L1_WEIGHT = 100.0  # pix2pix: lambda = 100 on the L1 term next to the GAN term
SMOOTHNESS_WEIGHT = 1e-4  # Zeng et al. 2020, section 4.2: lambda_s = 1e-4


def graded(images: torch.Tensor) -> torch.Tensor:
    """The synthetic grade the training tests learn: warmer, with a little more contrast in the mid-tones."""
    gain = torch.tensor([1.1, 1.0, 0.85]).view(1, 3, 1, 1)
    return (images**1.2 * gain).clamp(0.0, 1.0)


def smooth_images(batch: int, size: int, generator: torch.Generator) -> torch.Tensor:
    """Random images with some spatial structure (upsampled noise), ``(B, 3, size, size)`` in [0, 1]."""
    coarse = torch.rand(batch, 3, size // 8, size // 8, generator=generator)
    return torch.nn.functional.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)


# ---------------------------------------------------------------------------------------------------------------
# Configuration


def test_config_defaults_follow_the_kind():
    assert ModelConfig().kind == "image2lut"  # the Pix2LUT family
    assert ModelConfig("image2image").input_size == 64
    assert ModelConfig("image2lut").input_size == 256
    assert ModelConfig("image2lut").lut_size == 33
    assert ModelConfig("image2lut").basis_luts == 3


@pytest.mark.parametrize("kind", ["image2image", "image2lut"])
def test_config_round_trips_through_json(kind):
    config = ModelConfig(kind, dropout=0.25)
    assert ModelConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"kind": "gan"}, "Unknown model kind 'gan': use one of image2image, image2lut"),
        ({"kind": "image2image", "input_size": 96}, "image2image input_size must be one of 64, 128, 256, found 96"),
        (
            {"kind": "image2image", "widths": (8,) * 7},
            "input_size 64 must be a multiple of 2^7 = 128 for 7 down blocks (widths (8, 8, 8, 8, 8, 8, 8))",
        ),
        ({"kind": "image2lut", "lut_size": 65}, "lut_size must be one of 17, 33, found 65"),
        ({"kind": "image2lut", "basis_luts": 0}, "basis_luts must be at least 1, found 0"),
        ({"kind": "image2lut", "dropout": 1.0}, "dropout must be in [0, 1), found 1.0"),
        (
            {"kind": "image2lut", "backbone_widths": ()},
            "backbone_widths must be a non-empty tuple of positive integers, found ()",
        ),
        ({"kind": "image2lut", "blend": "max"}, "blend must be one of linear, softmax, found 'max'"),
        (
            {"kind": "image2lut", "train_basis": False},
            "train_basis = false keeps the basis as it starts: give it a basis_init other than zeros",
        ),
    ],
)
def test_config_rejects_what_cannot_be_built(values, message):
    with pytest.raises(ConfigError) as caught:
        ModelConfig(**values)
    assert str(caught.value) == message


def test_config_from_dict_rejects_unknown_keys():
    with pytest.raises(ConfigError, match=r"Unknown model config keys \['depth'\]"):
        ModelConfig.from_dict({"kind": "image2lut", "depth": 5})


def test_config_from_dict_drops_a_retired_key_at_its_old_default_and_refuses_it_otherwise():
    saved = {**ModelConfig("image2lut").to_dict(), "residual_luts": 0}  # as configs saved before it was retired
    assert ModelConfig.from_dict(saved) == ModelConfig("image2lut")
    with pytest.raises(ConfigError) as caught:
        ModelConfig.from_dict({**saved, "residual_luts": 16})
    assert str(caught.value) == ("model config: model.residual_luts = 16 was retired (it did not help: see "
                                 "docs/models.md); only an older Pix2LUT reads a configuration that sets it")


def test_only_image2image_has_a_discriminator():
    with pytest.raises(ConfigError, match="only image2image models train against a discriminator"):
        build_discriminator(ModelConfig("image2lut"))


# ---------------------------------------------------------------------------------------------------------------
# Shapes, ranges and sizes


@pytest.mark.parametrize("input_size", IMAGE2IMAGE_INPUT_SIZES)
def test_unet_maps_images_to_images_in_unit_range(input_size):
    torch.manual_seed(0)
    config = ModelConfig("image2image", input_size=input_size)
    model = build_model(config).eval()
    images = torch.rand(2, 3, input_size, input_size)
    with torch.no_grad():
        prediction = model(images)
    assert isinstance(model, UNetGenerator)
    assert prediction.shape == images.shape
    assert prediction.dtype == torch.float32
    assert 0.0 <= prediction.min() and prediction.max() <= 1.0


def test_patchgan_default_is_the_70x70_one():
    assert PatchGAN().widths == ModelConfig("image2image").discriminator_widths == (64, 128, 256, 512)


@pytest.mark.parametrize("input_size", IMAGE2IMAGE_INPUT_SIZES)
def test_patchgan_scores_one_value_per_patch(input_size):
    config = ModelConfig("image2image", input_size=input_size)
    discriminator = build_discriminator(config).eval()
    images = torch.rand(2, 3, input_size, input_size)
    with torch.no_grad():
        scores = discriminator(images, images)
    patches = PatchGAN.patches_per_side(input_size, len(config.discriminator_widths))
    assert scores.shape == (2, 1, patches, patches)
    assert patches == input_size // 8 - 2  # three halvings, then two 4x4 stride-1 layers lose a pixel each


@pytest.mark.parametrize("lut_size", LUT_SIZES)
@pytest.mark.parametrize("input_size", [64, 256])
def test_image2lut_starts_near_the_identity_lut(lut_size, input_size):
    torch.manual_seed(0)
    model = build_model(ModelConfig("image2lut", lut_size=lut_size, input_size=input_size)).eval()
    with torch.no_grad():
        luts = model(torch.rand(2, 3, input_size, input_size))
    assert isinstance(model, Image2Lut)
    assert luts.shape == (2, lut_size, lut_size, lut_size, 3)
    assert luts.dtype == torch.float32
    identity = torch.from_numpy(identity_table(lut_size))
    assert torch.allclose(luts, identity.expand_as(luts), atol=UNTRAINED_LUT_ATOL)


def test_image2lut_basis_is_identity_then_zeros():
    model = build_model(ModelConfig("image2lut", lut_size=17, basis_luts=4))
    assert model.basis.shape == (4, 17, 17, 17, 3)
    np.testing.assert_array_equal(model.basis[0].detach().numpy(), identity_table(17))
    assert not model.basis[1:].any()


def test_image2lut_output_is_the_weighted_basis():
    torch.manual_seed(0)
    model = build_model(ModelConfig("image2lut", lut_size=17, input_size=64)).eval()
    with torch.no_grad():
        model.basis.normal_()
        images = torch.rand(2, 3, 64, 64)
        weights = model.blend_weights(images)  # (2, K)
        luts = model(images)
    for index in range(2):
        expected = sum(weights[index, k] * model.basis[k] for k in range(model.basis.shape[0]))
        torch.testing.assert_close(luts[index], expected)


LIBRARY = {"basis_init": "library", "blend": "softmax", "train_basis": False}


def test_a_softmax_blend_is_convex_and_a_fixed_basis_stays_as_it_is_through_training_steps():
    torch.manual_seed(1)
    model = build_model(ModelConfig(**{**TINY_IMAGE2LUT, **LIBRARY})).train()
    with torch.no_grad():
        model.basis.uniform_(0.0, 1.0)  # a stand-in library: any basis the model must not change
    library = model.basis.detach().clone()
    optimiser = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    sources = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    first_loss = None
    for _ in range(IMAGE2LUT_TRAIN_STEPS):
        loss = l1_loss(apply_lut_torch(sources, model(sources)), graded(sources))
        first_loss = first_loss if first_loss is not None else loss.item()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    assert loss.item() < first_loss  # the head learnt
    torch.testing.assert_close(model.basis, library, rtol=0, atol=0)  # the library did not
    with torch.no_grad():
        weights = model.blend_weights(sources)
        luts = model(sources)
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(4))
    assert weights.min() >= 0
    low, high = library.amin(dim=0), library.amax(dim=0)  # a convex blend stays between the basis's extremes
    assert bool(((luts >= low - 1e-6) & (luts <= high + 1e-6)).all())


def test_parameter_counts(capsys):
    unet = count_parameters(build_model(ModelConfig("image2image")))
    patchgan = count_parameters(build_discriminator(ModelConfig("image2image")))
    image2lut_model = build_model(ModelConfig("image2lut"))
    image2lut = count_parameters(image2lut_model)
    with capsys.disabled():
        print(f"\nparameters: U-Net 64 px {unet:,}, PatchGAN 70x70 {patchgan:,}, image2lut N=33 K=3 {image2lut:,}")
    assert unet == pytest.approx(UNET_64PX_PARAMETERS, rel=PARAMETER_RTOL)
    assert patchgan == pytest.approx(PATCHGAN_70_PARAMETERS, rel=PARAMETER_RTOL)
    assert image2lut == pytest.approx(IMAGE2LUT_33_PARAMETERS, rel=PARAMETER_RTOL)
    assert image2lut_model.basis.numel() == 3 * 33**3 * 3  # K tables of N^3 RGB nodes


def test_count_parameters_can_skip_frozen_ones():
    model = build_model(ModelConfig(**TINY_IMAGE2LUT))
    model.basis.requires_grad_(False)
    assert count_parameters(model) - count_parameters(model, trainable_only=True) == model.basis.numel()


# ---------------------------------------------------------------------------------------------------------------
# apply_lut_torch against the numpy reference


@pytest.mark.parametrize("lut_size", [2, 5, 17, 33])
def test_apply_lut_torch_matches_pix2lut_trilinear(lut_size):
    rng = np.random.default_rng(lut_size)
    tables = rng.random((2, lut_size, lut_size, lut_size, 3), dtype=np.float32)  # (B, N, N, N, 3), [r, g, b]
    pixels = rng.random((2, 12, 10, 3), dtype=np.float32)  # (B, H, W, 3)
    pixels[:, 0, :3] = [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1.0, 0.0, 0.5]]  # corners and faces of the cube
    pixels[:, 1, :2] = [[-0.2, 0.5, 1.3], [2.0, -1.0, 0.25]]  # outside the domain: both clamp
    images = torch.from_numpy(pixels).permute(0, 3, 1, 2)  # (B, 3, H, W)

    mapped = apply_lut_torch(images, torch.from_numpy(tables)).permute(0, 2, 3, 1).numpy()  # (B, H, W, 3)

    for index in range(2):
        expected = apply_lut(pixels[index], Lut3D(tables[index]), interp="trilinear")
        np.testing.assert_allclose(mapped[index], expected, rtol=0.0, atol=APPLY_ATOL)


def test_apply_lut_torch_identity_returns_the_image():
    images = torch.rand(2, 3, 8, 8)
    identity = torch.from_numpy(identity_table(17)).expand(2, -1, -1, -1, -1)
    torch.testing.assert_close(apply_lut_torch(images, identity), images, rtol=0.0, atol=APPLY_ATOL)


def test_apply_lut_torch_is_differentiable_in_lut_and_image():
    torch.manual_seed(0)
    images = (0.05 + 0.9 * torch.rand(1, 3, 3, 3, dtype=torch.float64)).requires_grad_()  # off the lattice nodes
    luts = torch.rand(1, 3, 3, 3, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(apply_lut_torch, (images, luts))


@pytest.mark.parametrize(
    ("images_shape", "luts_shape", "message"),
    [
        ((2, 4, 8, 8), (2, 5, 5, 5, 3), "images must have shape (B, 3, H, W), found (2, 4, 8, 8)"),
        ((2, 3, 8, 8), (2, 5, 5, 4, 3), "luts must have shape (B, N, N, N, 3), found (2, 5, 5, 4, 3)"),
        ((2, 3, 8, 8), (1, 5, 5, 5, 3), "one LUT per image: 2 images but 1 LUTs"),
    ],
)
def test_apply_lut_torch_rejects_bad_shapes(images_shape, luts_shape, message):
    with pytest.raises(ValueError) as caught:
        apply_lut_torch(torch.zeros(images_shape), torch.zeros(luts_shape))
    assert str(caught.value) == message


# ---------------------------------------------------------------------------------------------------------------
# A few real optimiser steps lower the loss


def test_unet_learns_a_colour_transform_with_l1():
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = build_model(ModelConfig(**TINY_UNET)).train()
    optimiser = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    sources = smooth_images(4, 64, generator)  # (4, 3, 64, 64)
    targets = graded(sources)

    losses = []
    for _ in range(IMAGE2IMAGE_TRAIN_STEPS):
        loss = l1_loss(model(sources), targets)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < TRAINED_LOSS_RATIO * losses[0], losses


def test_pix2pix_steps_with_patchgan_lower_the_l1_term():
    generator_rng = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    config = ModelConfig(**TINY_UNET)
    model = build_model(config).train()
    discriminator = build_discriminator(config).train()
    optimiser_g = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    optimiser_d = torch.optim.Adam(discriminator.parameters(), lr=LEARNING_RATE)
    sources = smooth_images(4, 64, generator_rng)
    targets = graded(sources)

    l1_terms = []
    for _ in range(IMAGE2IMAGE_TRAIN_STEPS):
        # 1. discriminator: real pairs towards 1, generated pairs (detached) towards 0
        fakes = model(sources)
        loss_d = lsgan_discriminator_loss(discriminator(sources, targets), discriminator(sources, fakes.detach()))
        optimiser_d.zero_grad()
        loss_d.backward()
        optimiser_d.step()
        # 2. generator: fool the discriminator and stay close to the target
        l1_term = l1_loss(fakes, targets)
        loss_g = lsgan_generator_loss(discriminator(sources, fakes)) + L1_WEIGHT * l1_term
        optimiser_g.zero_grad()
        loss_g.backward()
        optimiser_g.step()
        assert torch.isfinite(loss_d) and torch.isfinite(loss_g)
        l1_terms.append(l1_term.item())
    assert l1_terms[-1] < TRAINED_LOSS_RATIO * l1_terms[0], l1_terms


def test_image2lut_learns_a_colour_transform_through_its_lut():
    generator = torch.Generator().manual_seed(2)
    torch.manual_seed(2)
    model = build_model(ModelConfig(**TINY_IMAGE2LUT)).train()
    optimiser = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    sources = torch.rand(4, 3, 32, 32, generator=generator)  # every colour of the cube, not only smooth ones
    targets = graded(sources)

    losses = []
    for _ in range(IMAGE2LUT_TRAIN_STEPS):
        luts = model(sources)  # (4, 17, 17, 17, 3)
        l1_term = l1_loss(apply_lut_torch(sources, luts), targets)
        loss = l1_term + SMOOTHNESS_WEIGHT * lut_smoothness(model.basis)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(l1_term.item())
    assert losses[-1] < TRAINED_LOSS_RATIO * losses[0], losses
    assert model.basis.grad[1:].abs().sum() > 0  # the zero-initialised basis LUTs learn too


def test_colour_stats_and_mlp_head_still_start_near_the_identity():
    model = build_model(ModelConfig("image2lut", input_size=128, lut_size=17, basis_luts=8, colour_stats=True,
                                    head_hidden=32, dropout=0.0)).eval()
    with torch.no_grad():
        lut = model(torch.rand(2, 3, 128, 128, generator=torch.Generator().manual_seed(0)))
    np.testing.assert_allclose(lut.numpy(), np.broadcast_to(identity_table(17), lut.shape), atol=0.05)
    with pytest.raises(ConfigError, match="head_hidden must be 0"):
        ModelConfig("image2lut", head_hidden=-1)
