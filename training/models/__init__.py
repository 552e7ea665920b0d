"""The networks Pix2LUT trains: the pix2pix U-Net and its PatchGAN (image2image), the image-adaptive 3D LUT
(image2lut); see :mod:`training.models.config` for how a ``ModelConfig`` builds them."""

from training.models.config import ModelConfig, build_discriminator, build_model, count_parameters
from training.models.image2lut import Image2Lut, apply_lut_torch
from training.models.patchgan import PatchGAN
from training.models.unet import UNetGenerator

__all__ = [
    "Image2Lut",
    "ModelConfig",
    "PatchGAN",
    "UNetGenerator",
    "apply_lut_torch",
    "build_discriminator",
    "build_model",
    "count_parameters",
]
