"""Pairs of images a model learns from, and where they come from.

A :class:`Pair` holds a source image, the target the model should turn it into, and, when it is known, the LUT
that maps one to the other. Each source of pairs is a ``Sequence[Pair]``, read lazily:

- :class:`RealPairs`: a folder with ``input/`` and ``target/`` (or FiveK's ``expertC/``), matched by file name
- :class:`SideBySidePairs`: the original AI_color_grade_lut format, one image per pair, target on the left half
  and input on the right half
- :class:`SyntheticPairs`: photos detuned, given a look, or neutralized, deterministic per (seed, index)

and :class:`FrameSequence` gives the frames of one shot, for temporal checks.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

import numpy as np

from pix2lut.apply import apply_lut
from pix2lut.imageio import read_image
from pix2lut.lut import Lut3D, identity_table
from pix2lut.ops import with_strength
from training.data.augment import MIN_SCALE, random_crop, random_flip
from training.data.detune import apply_detuning, detuning_lut, random_detuning
from training.data.looks import Look, ParametricLook, apply_look, look_lut, random_parametric_look
from training.data.photos import PhotoCache, list_images, list_photos
from training.errors import DataError

__all__ = [
    "FrameSequence",
    "Pair",
    "RealPairs",
    "SideBySidePairs",
    "SynthesisOptions",
    "SyntheticPairs",
    "list_photos",
]

Task = Literal["grade", "neutralize", "look", "reference_look"]
TASKS: tuple[Task, ...] = ("grade", "neutralize", "look", "reference_look")
INPUT_FOLDER = "input"
TARGET_FOLDERS = ("target", "expertC")  # ours, and MIT-Adobe FiveK's expert C retouch as the DPE exports name it
CUBE_LOOK_SHARE = 0.5  # neutralize and look tasks: the share of .cube looks when some are given
DEFAULT_LUT_SIZE = 33  # Resolve's default size
DEFAULT_CROP = 256  # the largest input size of the original AI_color_grade_lut models
MAX_NAMES_SHOWN = 10  # unmatched file names listed in a message


@dataclass(frozen=True, eq=False)
class Pair:
    """A source image, its target, and the LUT from one to the other where it is known exactly.

    ``source`` and ``target`` are float32 ``(H, W, 3)`` RGB in [0, 1] of one shape. ``lut`` maps source to target
    (up to LUT interpolation, and except where making the pair clipped); ``None`` when no exact LUT is known
    (real pairs, the inverse of a ``.cube`` look). ``condition`` is the image the model sees when that is not the
    source: a reference-look model sees the looked photo and learns the LUT that gives the neutral one that look.
    """

    source: np.ndarray
    target: np.ndarray
    lut: Lut3D | None
    name: str
    condition: np.ndarray | None = None

    @property
    def seen(self) -> np.ndarray:
        """The image the model predicts its LUT from."""
        return self.source if self.condition is None else self.condition

    def __post_init__(self) -> None:
        for side in ("source", "target", "condition"):
            image = getattr(self, side)
            if side == "condition" and image is None:
                continue
            if not isinstance(image, np.ndarray) or image.dtype != np.float32 or image.ndim != 3 or image.shape[2] != 3:
                found = f"{getattr(image, 'dtype', type(image).__name__)} {getattr(image, 'shape', '')}"
                raise DataError(f"pair {self.name!r}: {side} must be float32 of shape (H, W, 3), found {found}")
        if self.source.shape != self.target.shape:
            raise DataError(
                f"pair {self.name!r}: source and target differ in shape, {self.source.shape} and {self.target.shape}"
            )
        if self.seen.shape != self.source.shape:
            raise DataError(
                f"pair {self.name!r}: condition and source differ in shape, {self.seen.shape} and {self.source.shape}"
            )


class PairSequence(Sequence[Pair]):
    """A read-only sequence of pairs built one at a time by ``_pair(index)``."""

    def __len__(self) -> int:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> Pair: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Pair]: ...

    def __getitem__(self, index: int | slice) -> Pair | Sequence[Pair]:
        if isinstance(index, slice):
            return [self._pair(i) for i in range(len(self))[index]]
        return self._pair(range(len(self))[index])  # range raises IndexError, and maps negative indices

    def _pair(self, index: int) -> Pair:
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------------------------
# Real pairs


class RealPairs(PairSequence):
    """Before/after pairs from ``folder/input`` and ``folder/target`` (or ``folder/expertC``), matched by file stem.

    A file stem in one folder and not in the other is an error naming each such file, unless
    ``allow_unmatched``: then those files are left out, named in a warning and kept in ``unmatched``.
    """

    def __init__(self, folder: str | os.PathLike[str], allow_unmatched: bool = False) -> None:
        self.folder = Path(folder)
        input_dir = self.folder / INPUT_FOLDER
        target_dirs = [self.folder / name for name in TARGET_FOLDERS if (self.folder / name).is_dir()]
        if not input_dir.is_dir() or not target_dirs:
            raise DataError(
                f"{self.folder}: a folder of pairs needs {INPUT_FOLDER}/ and one of {', '.join(TARGET_FOLDERS)}/"
            )
        if len(target_dirs) > 1:
            raise DataError(f"{self.folder}: both {' and '.join(TARGET_FOLDERS)}/ exist; keep one of them")
        inputs = _by_stem(input_dir)
        targets = _by_stem(target_dirs[0])
        self.unmatched = sorted(
            [str(inputs[s].relative_to(self.folder)) for s in inputs.keys() - targets.keys()]
            + [str(targets[s].relative_to(self.folder)) for s in targets.keys() - inputs.keys()]
        )
        if self.unmatched:
            message = (
                f"{self.folder}: {len(self.unmatched)} file(s) without a partner of the same name in the other "
                f"folder: {_names(self.unmatched)}"
            )
            if not allow_unmatched:
                raise DataError(message + " (pass allow_unmatched=True to leave them out)")
            warnings.warn(message + "; left out", stacklevel=2)
        stems = sorted(inputs.keys() & targets.keys())
        if not stems:
            raise DataError(f"{self.folder}: no input image has a target of the same name")
        self._files = [(stem, inputs[stem], targets[stem]) for stem in stems]

    def __len__(self) -> int:
        return len(self._files)

    @property
    def names(self) -> list[str]:
        return [stem for stem, _, _ in self._files]

    def _pair(self, index: int) -> Pair:
        stem, input_path, target_path = self._files[index]
        source, target = read_image(input_path).pixels, read_image(target_path).pixels
        if source.shape != target.shape:
            raise DataError(f"{self.folder}: {stem}: input is {source.shape[:2]} pixels, target {target.shape[:2]}")
        return Pair(np.clip(source, 0.0, 1.0), np.clip(target, 0.0, 1.0), None, stem)


class SideBySidePairs(PairSequence):
    """AI_color_grade_lut pairs: each image in ``folder`` holds the target on its left half, the input on its right.

    The image must be an even number of pixels wide, so that the halves are equal.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self._paths = list_images(self.folder)
        if not self._paths:
            raise DataError(f"{self.folder}: holds no side-by-side pair images")

    def __len__(self) -> int:
        return len(self._paths)

    def _pair(self, index: int) -> Pair:
        path = self._paths[index]
        pixels = np.clip(read_image(path).pixels, 0.0, 1.0)
        width = pixels.shape[1]
        if width % 2:
            raise DataError(f"{path}: a side-by-side pair must be an even number of pixels wide, found {width}")
        half = width // 2
        target, source = pixels[:, :half], pixels[:, half:]  # target on the left, input on the right
        return Pair(np.ascontiguousarray(source), np.ascontiguousarray(target), None, path.stem)


# ---------------------------------------------------------------------------------------------------------------
# Synthetic pairs


@dataclass(frozen=True)
class SynthesisOptions:
    """How training widens what :class:`SyntheticPairs` draws; the defaults draw validation's plain pairs.

    ``training.data_sources`` builds them once from the ``DataConfig`` fields of the same names.

    Attributes
    ----------
    identity_fraction : in [0, 1), the share of pairs that are the photo unchanged on both sides (a good shot must
        come back as it is).
    min_strength : each detuning's or look's strength is drawn from ``[min_strength, strength]`` (a ``.cube`` look
        blended with the identity); ``None``: always ``strength``.
    cube_look_share : neutralize and look tasks, in [0, 1]: the share of looks taken from the ``.cube`` looks when
        some are given; the others are random parametric looks.
    degradation_share : grade, in [0, 1]: the share of pairs whose source comes from one of the degradations
        instead of a random detuning.
    degradation_mix : each degradation is a blend of this many of them, at random convex weights.
    """

    identity_fraction: float = 0.0
    min_strength: float | None = None
    cube_look_share: float = CUBE_LOOK_SHARE
    degradation_share: float = 0.0
    degradation_mix: int = 1

    def __post_init__(self) -> None:
        if not 0.0 <= self.identity_fraction < 1.0:
            raise DataError(f"identity_fraction must be in [0, 1), found {self.identity_fraction}")
        if not 0.0 <= self.cube_look_share <= 1.0:
            raise DataError(f"cube_look_share must be in [0, 1], found {self.cube_look_share}")
        if not 0.0 <= self.degradation_share <= 1.0:
            raise DataError(f"degradation_share must be in [0, 1], found {self.degradation_share}")
        if self.degradation_mix < 1:
            raise DataError(f"degradation_mix must be at least 1, found {self.degradation_mix}")


class SyntheticPairs(PairSequence):
    """Pairs made from photos; pair ``index`` depends only on ``(seed, index)`` and the arguments.

    Each pair takes a photo, a random square crop of it resized to ``size`` (random scale, random flip), then:

    - ``grade``: target = the photo, source = a random detuning of it, lut = the exact inverse detuning
    - ``neutralize``: target = the photo, source = the photo through a look, lut = the exact inverse for a
      parametric look, ``None`` for a ``.cube`` look
    - ``look``: source = the photo, target = the photo through a look, lut = the look
    - ``reference_look``: as ``look``, and the model sees the target (the reference still) instead of the source

    The look is one of ``looks`` (``.cube`` looks) or a random parametric look, ``options.cube_look_share`` of
    them ``.cube`` looks when ``looks`` are given, always parametric otherwise. LUTs are sampled at ``lut_size``;
    ``.cube`` looks keep their own size.

    For ``grade``, ``options.degradation_share`` of the pairs take their source from one of ``degradations``
    instead of a random detuning: a LUT that makes a photo look like a real input (``training.data.retouch``),
    applied whole (half of one is no real input), lut ``None``. With ``options.degradation_mix`` k > 1, each is a
    blend of k of them at random convex weights: a dozen real pairs then stand for a continuum of inputs between
    them, not twelve points a model can learn one by one.

    ``options`` (:class:`SynthesisOptions`) also widen what training sees in two more ways: some pairs are the
    photo left as it is, and strengths are drawn at random.
    """

    def __init__(
        self,
        photos: Sequence[Path],
        task: Task,
        looks: Sequence[Lut3D] = (),
        seed: int = 0,
        length: int = 1000,
        size: int = DEFAULT_CROP,
        lut_size: int = DEFAULT_LUT_SIZE,
        strength: float = 1.0,
        min_scale: float = MIN_SCALE,
        cache: PhotoCache | None = None,
        degradations: Sequence[Lut3D] = (),
        options: SynthesisOptions = SynthesisOptions(),
    ) -> None:
        if task not in TASKS:
            raise DataError(f"Unknown task {task!r}: use one of {', '.join(TASKS)}")
        if not photos:
            raise DataError("SyntheticPairs needs at least one photo")
        if length < 0 or seed < 0:
            raise DataError(f"length and seed must be >= 0, found length {length}, seed {seed}")
        if options.min_strength is not None and not 0.0 <= options.min_strength <= strength:
            raise DataError(f"min_strength must be in [0, strength = {strength}], found {options.min_strength}")
        if options.degradation_share and not degradations:
            raise DataError(f"degradation_share {options.degradation_share} needs degradations, found none")
        if options.degradation_share and options.degradation_mix > len(degradations):
            raise DataError(f"degradation_mix must be in [1, {len(degradations)}] (the degradations there are), "
                            f"found {options.degradation_mix}")
        self.photos = [Path(p) for p in photos]
        self.task = task
        self.looks = list(looks)
        self.seed = seed
        self.length = length
        self.size = size
        self.lut_size = lut_size
        self.strength = strength
        self.min_scale = min_scale
        self.cache = cache if cache is not None else PhotoCache()
        self.degradations = list(degradations)
        self.options = options

    def __len__(self) -> int:
        return self.length

    def _pair(self, index: int) -> Pair:
        rng = np.random.default_rng([self.seed, index])
        photo_path = self.photos[int(rng.integers(len(self.photos)))]
        (photo,) = random_flip(random_crop([self.cache.read(photo_path)], rng, self.size, self.min_scale), rng)
        photo = np.clip(photo, 0.0, 1.0)
        name = f"{self.task}-{self.seed}-{index:06d}-{photo_path.stem}"
        options = self.options
        if options.identity_fraction and rng.random() < options.identity_fraction:
            return Pair(photo, photo, Lut3D(identity_table(self.lut_size)), name + "-identity")
        strength = self.strength if options.min_strength is None else rng.uniform(options.min_strength, self.strength)
        if self.task == "grade" and options.degradation_share and rng.random() < options.degradation_share:
            degradation = _one_or_blend(rng, self.degradations, options.degradation_mix)
            source = np.clip(apply_lut(photo, degradation), 0.0, 1.0).astype(np.float32)  # whole
            return Pair(source, photo, None, name + "-degraded")
        if self.task == "grade":
            detuning = random_detuning(rng, strength)
            source = apply_detuning(photo, detuning)
            return Pair(source, photo, detuning_lut(detuning, self.lut_size, inverse=True), name)
        look = self._random_look(rng, strength)
        looked = apply_look(photo, look)
        if self.task == "neutralize":
            lut = look_lut(look, self.lut_size, inverse=True) if isinstance(look, ParametricLook) else None
            return Pair(looked, photo, lut, name)
        condition = looked if self.task == "reference_look" else None
        return Pair(photo, looked, self._forward_lut(look), name, condition)

    def _random_look(self, rng: np.random.Generator, strength: float) -> Look:
        if self.looks and rng.random() < self.options.cube_look_share:
            look = self.looks[int(rng.integers(len(self.looks)))]
            return look if strength == 1.0 else with_strength(look, strength)  # partly blended in
        return random_parametric_look(rng, strength)

    def _forward_lut(self, look: Look) -> Lut3D:
        """The look itself: a ``.cube`` look as it is (the target was made with it), a parametric one sampled."""
        if isinstance(look, ParametricLook):
            return look_lut(look, self.lut_size)
        return look


# ---------------------------------------------------------------------------------------------------------------
# Frame sequences


class FrameSequence(Sequence[np.ndarray]):
    """The frames of one shot (the images in ``folder``, in natural order) as float32 RGB ``(H, W, 3)``."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.paths = list_images(self.folder)
        if not self.paths:
            raise DataError(f"{self.folder}: holds no frames")

    @property
    def name(self) -> str:
        return self.folder.name

    def __len__(self) -> int:
        return len(self.paths)

    @overload
    def __getitem__(self, index: int) -> np.ndarray: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[np.ndarray]: ...

    def __getitem__(self, index: int | slice) -> np.ndarray | Sequence[np.ndarray]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        return read_image(self.paths[index]).pixels


def _one_or_blend(rng: np.random.Generator, luts: Sequence[Lut3D], mix: int) -> Lut3D:
    """One of ``luts`` (drawn as runs before blends drew it), or a blend of ``mix`` different ones at random convex
    weights (Dirichlet, all ones: every blend equally likely); blended ones must be of one size, on the unit domain."""
    if mix == 1:
        return luts[int(rng.integers(len(luts)))]
    indices = rng.choice(len(luts), size=mix, replace=False)
    weights = rng.dirichlet(np.ones(mix))
    return Lut3D(sum(w * luts[int(i)].table for w, i in zip(weights, indices, strict=True)))


def _by_stem(folder: Path) -> dict[str, Path]:
    """The images directly in ``folder`` by file stem; two files with one stem are an error."""
    found: dict[str, Path] = {}
    for path in list_images(folder):
        if path.stem in found:
            raise DataError(f"{folder}: {found[path.stem].name} and {path.name} share the name {path.stem!r}")
        found[path.stem] = path
    return found


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES_SHOWN])
    more = len(names) - MAX_NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")
