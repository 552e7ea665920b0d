"""ASC CDL: the ten-number primary grade (slope, offset, power per channel, and saturation).

Follows the ASC Color Decision List specification v1.2 (American Society of Cinematographers, 2012):

    sop = clamp(in * slope + offset) ** power        per channel (the SOP node)
    out = clamp(luma + saturation * (sop - luma))    luma = Rec.709 weights of sop (the Sat node)

The spec requires clamping below 0 before the power; here both clamps are to [0, 1], which is what
DaVinci Resolve does on a display-referred node. A fitted CDL goes to Resolve through
``TimelineItem.SetCDL`` (:func:`cdl_to_resolve`) or a ``.cdl`` file (:func:`write_cdl`).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from pix2lut.colour import REC709_LUMA, luma
from pix2lut.errors import FitError, LutError
from pix2lut.files import write_bytes_atomic

ASC_CDL_NAMESPACE = "urn:ASC:CDL:v1.01"  # ASC CDL v1.2 keeps the v1.01 XML namespace
DECIMALS = 6  # as Resolve writes CDL values; finer than any grading control

# Search bounds of fit_cdl: wider than any plausible grade, narrow enough to keep the power stable.
SLOPE_BOUNDS = (0.0, 4.0)
OFFSET_BOUNDS = (-1.0, 1.0)
POWER_BOUNDS = (0.2, 5.0)
SATURATION_BOUNDS = (0.0, 4.0)

MIN_FIT_SAMPLES = 16  # ten parameters; fewer samples than this cannot pin them down
# Fitting time grows with the samples (about 5 ms per 1000 on a 2-core VM), accuracy hardly does: on a
# grade that is no CDL, a fit to 4096 of 30000 samples differs from the fit to all by 0.07 delta E 2000 on
# average (0.4 at most), against 2.9 for the fit's own error.
MAX_FIT_SAMPLES = 4096
SUBSAMPLE_SEED = 0  # fixed, so the same samples always give the same CDL

# Layout of the parameter vector that fit_cdl optimises.
SLOPE, OFFSET, POWER, SATURATION = slice(0, 3), slice(3, 6), slice(6, 9), 9
N_PARAMETERS = 10


def _channel_values(values: object, name: str) -> np.ndarray:
    array = np.broadcast_to(np.asarray(values, dtype=np.float64), (3,)).copy()
    if not np.all(np.isfinite(array)):
        raise LutError(f"CDL {name} must be finite, found {array.tolist()}")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Cdl:
    """One ASC CDL: ``slope``, ``offset`` and ``power`` of shape ``(3,)`` (red, green, blue) and ``saturation``.

    A scalar given for a per-channel value applies to all three channels.

    Raises
    ------
    LutError
        A value that is not finite, or outside the ranges of ASC CDL v1.2: slope >= 0, power > 0,
        saturation >= 0.
    """

    slope: np.ndarray
    offset: np.ndarray
    power: np.ndarray
    saturation: float = 1.0

    def __post_init__(self) -> None:
        for name in ("slope", "offset", "power"):
            object.__setattr__(self, name, _channel_values(getattr(self, name), name))
        object.__setattr__(self, "saturation", float(self.saturation))
        if np.any(self.slope < 0.0):
            raise LutError(f"CDL slope must be >= 0, found {self.slope.tolist()}")
        if np.any(self.power <= 0.0):
            raise LutError(f"CDL power must be > 0, found {self.power.tolist()}")
        if not (np.isfinite(self.saturation) and self.saturation >= 0.0):
            raise LutError(f"CDL saturation must be finite and >= 0, found {self.saturation}")

    @classmethod
    def identity(cls) -> Cdl:
        """The CDL that changes nothing inside [0, 1]."""
        return cls(slope=np.ones(3), offset=np.zeros(3), power=np.ones(3), saturation=1.0)


def apply_cdl(rgb: np.ndarray, cdl: Cdl) -> np.ndarray:
    """Apply ``cdl`` to RGB of shape ``(..., 3)``; float32 stays float32, anything else becomes float64."""
    rgb = np.asarray(rgb)
    dtype = np.float32 if rgb.dtype == np.float32 else np.float64
    rgb = rgb.astype(dtype, copy=False)
    if rgb.ndim == 0 or rgb.shape[-1] != 3:
        raise LutError(f"apply_cdl needs RGB of shape (..., 3), found {rgb.shape}")
    slope, offset, power = (value.astype(dtype) for value in (cdl.slope, cdl.offset, cdl.power))
    sop = np.clip(rgb * slope + offset, 0.0, 1.0) ** power
    sop_luma = luma(sop)[..., np.newaxis]
    return np.clip(sop_luma + dtype(cdl.saturation) * (sop - sop_luma), 0.0, 1.0)


def fit_cdl(
    source: np.ndarray, target: np.ndarray, weights: np.ndarray | None = None, *, max_samples: int = MAX_FIT_SAMPLES
) -> Cdl:
    """The CDL that best maps ``source`` colours to ``target`` colours, by weighted least squares.

    Parameters
    ----------
    source, target
        Matching RGB samples of shape ``(N, 3)``, e.g. pixels of a frame before and after a grade.
    weights
        Optional ``(N,)`` non-negative weights: each sample's squared error counts this much.
    max_samples
        Above this many samples, a fixed random subset of this many is fitted (same input, same subset).

    Returns
    -------
    Cdl
        Parameters within ``SLOPE_BOUNDS``, ``OFFSET_BOUNDS``, ``POWER_BOUNDS`` and ``SATURATION_BOUNDS``.

    Raises
    ------
    FitError
        Shapes that do not match, fewer than ``MIN_FIT_SAMPLES`` samples, NaN or infinite values,
        negative weights or weights that are all zero, or ``max_samples`` below ``MIN_FIT_SAMPLES``.
    """
    if max_samples < MIN_FIT_SAMPLES:
        raise FitError(f"max_samples must be at least {MIN_FIT_SAMPLES}, found {max_samples}")
    source, target, sqrt_weights = _check_samples(source, target, weights)
    if len(source) > max_samples:
        chosen = np.sort(np.random.default_rng(SUBSAMPLE_SEED).choice(len(source), max_samples, replace=False))
        source, target, sqrt_weights = source[chosen], target[chosen], sqrt_weights[chosen]

    lower, upper = _bounds()
    start = np.clip(_initial_guess(source, target, sqrt_weights**2), lower, upper)
    problem = _CdlProblem(source, target, sqrt_weights)
    # Trust Region Reflective: the least_squares method that keeps every step inside the bounds.
    result = least_squares(problem.residuals, start, jac=problem.jacobian, bounds=(lower, upper), method="trf")
    return _unpack(result.x)


def _check_samples(
    source: np.ndarray, target: np.ndarray, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """float64 source, target and square-rooted weights, or a FitError saying what is wrong."""
    source = np.asarray(source, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if source.ndim != 2 or source.shape[1] != 3 or source.shape != target.shape:
        raise FitError(f"source and target must both have shape (N, 3), found {source.shape} and {target.shape}")
    if len(source) < MIN_FIT_SAMPLES:
        raise FitError(f"a CDL fit needs at least {MIN_FIT_SAMPLES} samples, found {len(source)}")
    if not (np.all(np.isfinite(source)) and np.all(np.isfinite(target))):
        raise FitError("source or target samples hold NaN or infinite values")
    if weights is None:
        return source, target, np.ones(len(source))
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (len(source),):
        raise FitError(f"weights must have shape ({len(source)},), found {weights.shape}")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0.0):
        raise FitError("weights must be finite and >= 0")
    if not np.any(weights > 0.0):
        raise FitError("weights are all zero")
    return source, target, np.sqrt(weights)


def _bounds() -> tuple[np.ndarray, np.ndarray]:
    lower, upper = np.empty(N_PARAMETERS), np.empty(N_PARAMETERS)
    for where, (low, high) in ((SLOPE, SLOPE_BOUNDS), (OFFSET, OFFSET_BOUNDS), (POWER, POWER_BOUNDS)):
        lower[where], upper[where] = low, high
    lower[SATURATION], upper[SATURATION] = SATURATION_BOUNDS
    return lower, upper


def _unpack(params: np.ndarray) -> Cdl:
    return Cdl(params[SLOPE], params[OFFSET], params[POWER], float(params[SATURATION]))


def _initial_guess(source: np.ndarray, target: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Slope and offset from a weighted straight-line fit per channel; power and saturation 1."""
    total = weights.sum()
    mean_source = weights @ source / total  # (3,)
    mean_target = weights @ target / total
    centred = source - mean_source
    variance = weights @ centred**2 / total
    covariance = weights @ (centred * (target - mean_target)) / total
    flat = variance <= np.finfo(np.float64).eps  # a channel with one value has no slope to measure
    slope = np.where(flat, 1.0, covariance / np.where(flat, 1.0, variance))
    params = np.empty(N_PARAMETERS)
    params[SLOPE] = slope
    params[OFFSET] = mean_target - slope * mean_source
    params[POWER] = 1.0
    params[SATURATION] = 1.0
    return params


class _CdlProblem:
    """Weighted residuals of the CDL and their exact Jacobian, sharing one forward pass per parameter vector.

    An analytic Jacobian costs about one evaluation; finite differences would cost eleven.
    """

    def __init__(self, source: np.ndarray, target: np.ndarray, sqrt_weights: np.ndarray) -> None:
        self.source = source  # (N, 3)
        self.target = target  # (N, 3)
        self.sqrt_weights = sqrt_weights[:, np.newaxis]  # (N, 1)
        self.luma_weights = np.asarray(REC709_LUMA)
        self._params: np.ndarray | None = None

    def _forward(self, params: np.ndarray) -> None:
        if self._params is not None and np.array_equal(params, self._params):
            return
        self._params = params.copy()
        slope, offset, power = params[SLOPE], params[OFFSET], params[POWER]
        linear = self.source * slope + offset
        self.sop_inside = (linear > 0.0) & (linear < 1.0)  # where the SOP clamp passes changes through
        self.clamped = np.clip(linear, 0.0, 1.0)
        positive = self.clamped > 0.0
        self.log_clamped = np.log(np.where(positive, self.clamped, 1.0))  # 0 where clamped is 0: no power effect
        self.sop = np.where(positive, np.exp(power * self.log_clamped), 0.0)
        self.sop_luma = self.sop @ self.luma_weights  # (N,)
        self.chroma = self.sop - self.sop_luma[:, np.newaxis]
        unclamped = self.sop_luma[:, np.newaxis] + params[SATURATION] * self.chroma
        self.out_inside = (unclamped >= 0.0) & (unclamped <= 1.0)
        self.out = np.clip(unclamped, 0.0, 1.0)

    def residuals(self, params: np.ndarray) -> np.ndarray:
        self._forward(params)
        return ((self.out - self.target) * self.sqrt_weights).ravel()  # (3N,)

    def jacobian(self, params: np.ndarray) -> np.ndarray:
        self._forward(params)
        power, saturation = params[POWER], params[SATURATION]
        # d sop_k / d (slope_k, offset_k, power_k): each parameter moves its own channel k only.
        safe_clamped = np.where(self.sop_inside, self.clamped, 1.0)
        d_sop_d_linear = np.where(self.sop_inside, power * self.sop / safe_clamped, 0.0)  # (N, 3)
        d_sop = (
            (SLOPE, d_sop_d_linear * self.source),
            (OFFSET, d_sop_d_linear),
            (POWER, self.sop * self.log_clamped),
        )
        # d out_c / d sop_k = saturation * [c == k] + (1 - saturation) * luma_k
        mixing = saturation * np.eye(3) + (1.0 - saturation) * self.luma_weights[np.newaxis, :]  # (c, k)
        scale = self.out_inside * self.sqrt_weights  # (N, 3): no change passes the output clamp

        # Built transposed, so that each parameter's column is one contiguous (N, 3) block: several times
        # faster than filling strided columns of an (N, 3, 10) array.
        jacobian_t = np.empty((N_PARAMETERS, len(self.source), 3))  # (parameter, N, output channel c)
        for where, derivative in d_sop:
            block = jacobian_t[where]  # (channel k, N, c): a view, so out= fills jacobian_t
            for k in range(3):
                np.multiply(scale * mixing[:, k], derivative[:, k : k + 1], out=block[k])
        np.multiply(scale, self.chroma, out=jacobian_t[SATURATION])
        return jacobian_t.reshape(N_PARAMETERS, -1).T  # (3N, 10), rows in the order of residuals()


def _format_values(values: np.ndarray | float) -> str:
    """Space-separated, fixed ``DECIMALS``, '.' as decimal point whatever the locale, no '-0.000000'."""
    return " ".join(f"{round(float(value), DECIMALS) + 0.0:.{DECIMALS}f}" for value in np.atleast_1d(values))


def cdl_to_resolve(cdl: Cdl, node_index: int = 1) -> dict[str, str]:
    """The dictionary DaVinci Resolve's ``TimelineItem.SetCDL`` takes, for colour node ``node_index`` (from 1)."""
    if isinstance(node_index, bool) or not isinstance(node_index, int) or node_index < 1:
        raise LutError(f"node_index must be an integer >= 1 (Resolve counts nodes from 1), found {node_index!r}")
    return {
        "NodeIndex": str(node_index),
        "Slope": _format_values(cdl.slope),
        "Offset": _format_values(cdl.offset),
        "Power": _format_values(cdl.power),
        "Saturation": _format_values(cdl.saturation),
    }


def format_cdl_xml(cdl: Cdl, id: str = "pix2lut") -> str:
    """The text of a ``.cdl`` file (ASC CDL v1.2 XML) holding ``cdl`` as one ColorCorrection named ``id``."""
    decision_list = ET.Element("ColorDecisionList", xmlns=ASC_CDL_NAMESPACE)
    correction = ET.SubElement(ET.SubElement(decision_list, "ColorDecision"), "ColorCorrection", id=id)
    sop_node = ET.SubElement(correction, "SOPNode")
    for tag, values in (("Slope", cdl.slope), ("Offset", cdl.offset), ("Power", cdl.power)):
        ET.SubElement(sop_node, tag).text = _format_values(values)
    ET.SubElement(ET.SubElement(correction, "SatNode"), "Saturation").text = _format_values(cdl.saturation)
    ET.indent(decision_list)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(decision_list, encoding="unicode") + "\n"


def write_cdl(cdl: Cdl, path: str | os.PathLike[str], id: str = "pix2lut") -> None:
    """Write a ``.cdl`` file; it replaces ``path`` in one step, so a reader never sees half a file."""
    name = os.fspath(path)
    try:
        write_bytes_atomic(name, format_cdl_xml(cdl, id).encode("utf-8"))
    except OSError as exc:
        raise LutError(f"{name}: cannot write the CDL file ({exc.strerror})") from exc
