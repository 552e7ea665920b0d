"""A starting basis for an image2lut model: the principal directions of the LUTs its task asks for, or a library.

Zeng et al. start the basis LUTs at zero (but the identity) and let them learn. For looks that leaves the model
boxed in: measured on a trained reference-look model, the best blend of its 16 learned basis LUTs is still
7.3 CIEDE2000 from a held-out look, while the span of 16 principal directions of the training looks is 3.3 from
it (48 directions: 2.0). So the basis can start from the task's own LUTs instead (``model.basis_init =
"principal"``): the identity first, then the leading principal directions of (LUT - identity) over the training
looks (or detunings) and random parametric ones, each scaled by its spread so that a blend weight of about 1 is a
typical amount of it. The basis keeps training from there.

A library basis (``model.basis_init = "library"``) is the identity and, for each thing the task knows, the LUT it
asks for at full strength: each training look's fitted inverse (neutralize) or the look itself (look,
reference_look), each training real pair's retouch (grade). With a softmax blend the model weighs known looks
instead of regressing a LUT: measured by ``bench.look_naming``, the neutralizer's network names a known look at
full strength well enough to gain +6.4 dB on it, against +2.3 dB for the regressed LUT.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pix2lut.apply import apply_lut
from pix2lut.fit import FitConfig, fit_lut
from pix2lut.lut import Lut3D, identity_table
from pix2lut.ops import resample, with_strength
from pix2lut.samples import collect_samples
from training.config import TrainConfig
from training.data.detune import detuning_lut, random_detuning
from training.data.looks import look_lut, random_parametric_look
from training.data.retouch import retouch_luts
from training.data_sources import training_looks, training_real_pairs
from training.errors import ConfigError

PARAMETRIC_SAMPLES = 256  # random parametric looks (or detunings) beside the .cube looks
INVERSE_FIT_SIZE = 33  # the lattice a .cube look is sampled on to fit its inverse


def starting_basis(config: TrainConfig) -> np.ndarray:
    """The principal or library basis of ``config``'s task, from its training data only (held-out looks and pairs
    never enter)."""
    if config.model.basis_init == "library":
        return library_basis(library_luts(config), config.model.lut_size, config.model.basis_luts)
    luts = task_luts(config.data.task, training_looks(config), config.model.lut_size, config.data.min_strength,
                     config.run.seed)
    return principal_basis(luts, config.model.basis_luts)


def library_luts(config: TrainConfig) -> list[Lut3D]:
    """What ``config``'s task makes of each thing it knows, at full strength: grade, each training real pair's
    retouch; neutralize, each training look's fitted inverse; look and reference_look, each look itself."""
    task, size = config.data.task, config.model.lut_size
    if task == "grade":
        pairs = training_real_pairs(config)
        if not pairs:
            raise ConfigError("a grade library holds the real pairs' retouches: set data.real_pairs")
        return retouch_luts(pairs, size)
    looks = training_looks(config)
    return look_inverses(looks, size) if task == "neutralize" else [resample(look, size) for look in looks]


def library_basis(luts: Sequence[Lut3D], size: int, count: int) -> np.ndarray:
    """``(1 + len(luts), N, N, N, 3)``: the identity, then each of ``luts`` (``size``^3 each), clipped to [0, 1]."""
    if count != 1 + len(luts):
        raise ConfigError(f"a library basis holds the identity and the task's {len(luts)} library LUTs: set "
                          f"model.basis_luts = {1 + len(luts)}, found {count}")
    basis = np.stack([identity_table(size)] + [np.clip(lut.table, 0.0, 1.0) for lut in luts])
    return basis.astype(np.float32)


def principal_basis(luts: np.ndarray, count: int) -> np.ndarray:
    """``(count, N, N, N, 3)``: the identity, then the ``count - 1`` leading principal directions of
    ``luts - identity`` (``luts``: ``(M, N, N, N, 3)``), each scaled by the spread of the LUTs along it."""
    size = luts.shape[1]
    identity = identity_table(size).astype(np.float64)
    offsets = (luts - identity).reshape(len(luts), -1)
    if count - 1 > min(offsets.shape):
        raise ConfigError(f"basis_luts {count}: the task's {len(luts)} LUTs give at most {min(offsets.shape) + 1}")
    _, spreads, directions = np.linalg.svd(offsets, full_matrices=False)  # uncentred: the identity is the origin
    scaled = directions[: count - 1] * (spreads[: count - 1, None] / np.sqrt(len(luts)))
    basis = np.concatenate([identity.reshape(1, -1), scaled]).reshape((count,) + identity.shape)
    return basis.astype(np.float32)


def task_luts(task: str, looks: Sequence[Lut3D], size: int, min_strength: float, seed: int = 0) -> np.ndarray:
    """``(M, N, N, N, 3)``: the LUTs a model of ``task`` must produce, at random strengths in [min_strength, 1].

    grade: inverse random detunings; neutralize: inverse looks (a ``.cube`` look's inverse fitted on a lattice);
    look and reference_look: the looks themselves.
    """
    rng = np.random.default_rng(seed)
    strengths = rng.uniform(min_strength, 1.0, len(looks) + PARAMETRIC_SAMPLES)
    tables = []
    if task == "grade":
        for strength in strengths[len(looks):]:
            tables.append(detuning_lut(random_detuning(rng, strength), size, inverse=True).table)
        return np.stack(tables)
    inverse = task == "neutralize"
    for look, strength in zip(looks, strengths, strict=False):
        blended = with_strength(resample(look, size), strength)
        tables.append((fitted_inverse(blended, size) if inverse else blended).table)
    for strength in strengths[len(looks):]:
        tables.append(look_lut(random_parametric_look(rng, strength), size, inverse=inverse).table)
    return np.clip(np.stack(tables), 0.0, 1.0)


def look_inverses(looks: Sequence[Lut3D], size: int) -> list[Lut3D]:
    """Each look's fitted inverse at ``size``^3, the look first resampled to that size (as a model's LUTs are)."""
    return [fitted_inverse(resample(look, size), size) for look in looks]


def fitted_inverse(look: Lut3D, size: int) -> Lut3D:
    """The LUT that best undoes ``look``: fitted from the look's output on a lattice back to the lattice."""
    lattice = identity_table(INVERSE_FIT_SIZE).reshape(-1, 1, 3).astype(np.float32)  # an (M, 1, 3) "image"
    looked = np.clip(apply_lut(lattice, look), 0.0, 1.0)
    return fit_lut(collect_samples([(looked, lattice)]), FitConfig(size=size))
