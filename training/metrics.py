"""Image quality figures of the learned-LUT papers' protocol: PSNR, CIE76 and CIEDE2000 in Lab, SSIM.

PSNR on RGB in [0, 1] (peak 1); CIE76 is the papers' "Delta E" (Zeng et al. 2020 and after); SSIM after Wang et
al. 2004 on luma with their constants (Gaussian window, sigma 1.5, K1 0.01, K2 0.03).
"""

from __future__ import annotations

import cv2
import numpy as np

from pix2lut.colour import delta_e_cie76, delta_e_ciede2000, luma, srgb_to_lab

SSIM_SIGMA = 1.5  # Wang et al. 2004
SSIM_K1, SSIM_K2 = 0.01, 0.03  # Wang et al. 2004, for a dynamic range of 1
MAX_PSNR_DB = 100.0  # identical images: reported as this instead of infinity, so means stay finite


def psnr(prediction: np.ndarray, target: np.ndarray) -> float:
    mse = float(np.mean((prediction.astype(np.float64) - target.astype(np.float64)) ** 2))
    return MAX_PSNR_DB if mse == 0.0 else min(MAX_PSNR_DB, 10.0 * np.log10(1.0 / mse))


def ssim(prediction: np.ndarray, target: np.ndarray) -> float:
    x, y = luma(prediction.astype(np.float64)), luma(target.astype(np.float64))

    def blur(image: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(image, (0, 0), SSIM_SIGMA)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    c1, c2 = SSIM_K1**2, SSIM_K2**2
    index = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    return float(index.mean())


def image_metrics(prediction: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """All four figures for one image pair (RGB float in [0, 1], same shape)."""
    lab_prediction, lab_target = srgb_to_lab(prediction), srgb_to_lab(target)
    return {
        "psnr_db": psnr(prediction, target),
        "delta_e76": float(np.mean(delta_e_cie76(lab_prediction, lab_target))),
        "delta_e00": float(np.mean(delta_e_ciede2000(lab_prediction, lab_target))),
        "ssim": ssim(prediction, target),
    }
