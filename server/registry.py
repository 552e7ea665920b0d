"""The model registry: every model of the manifest, checked, loaded into onnxruntime and warmed up once at start-up.

The I/O contract every model must meet (S = the manifest's ``input_size``; a dimension may also be symbolic or
dynamic in the ONNX file, and is then checked on the warm-up run instead):

- one input: float32 ``[1, 3, S, S]``, RGB, values in [0, 1], in the manifest's ``colour_space``;
- one output:
    - ``image2image``: float32 ``[1, 3, S, S]``, the predicted graded image;
    - ``image2lut``: float32 ``[1, N, N, N, 3]``, N in 2..65: a 3D LUT indexed ``[r, g, b]`` exactly like
      ``pix2lut.lut.Lut3D.table`` (``output[0, i, j, k]`` is the output RGB for input ``(i, j, k) / (N - 1)``).

The ONNX metadata keys ``pix2lut.kind`` and ``pix2lut.role``, where present, must agree with the manifest.

The warm-up run, on a black frame, must give finite values within ``WARM_UP_RANGE``: a model with NaN weights
passes every other check. At request time a NaN or infinite output is the model's failure (``model_failed``).

A model that fails any check (file missing, SHA-256 not the manifest's, onnxruntime cannot load it, metadata or
I/O contract broken, warm-up run fails or gives no colours) is refused: logged with the reason, kept in
``refused``, and the others are still served. A malformed manifest, or a provider that cannot be had, stops the
whole load instead.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
from onnxruntime.capi import onnxruntime_pybind11_state as ort_state

from server.errors import ModelLoadError, ModelRunError, UnknownModelError
from server.manifest import MANIFEST_NAME, ROLES, Manifest, ModelEntry, read_manifest, sha256_of
from server.providers import AUTO, CPU_PROVIDER, choose_providers, pin_to_device, session_options

LOG = logging.getLogger("pix2lut.server")
CHANNELS = 3  # RGB
BATCH = 1  # the server sends one frame per run
MIN_LUT_SIZE = 2  # Adobe Cube 1.0: LUT_3D_SIZE range
MAX_LUT_SIZE = 65  # the largest LUT Resolve exports
FLOAT_TENSOR = "tensor(float)"  # onnxruntime's name for float32 tensors
METADATA_KIND = "pix2lut.kind"
METADATA_ROLE = "pix2lut.role"
# the pipeline clips every output to [0, 1]; a model giving a whole range beyond it on a black frame is broken
WARM_UP_RANGE = (-1.0, 2.0)
# What onnxruntime raises when it cannot load or run a model (its pybind exceptions do not share a base class).
ORT_ERRORS = (
    ort_state.Fail, ort_state.InvalidArgument, ort_state.InvalidGraph, ort_state.InvalidProtobuf,
    ort_state.NoSuchFile, ort_state.NoModel, ort_state.NotImplemented, ort_state.RuntimeException,
    ort_state.EPFail, RuntimeError,
)

Dim = int | str | None  # onnxruntime's view of a dimension: fixed, symbolic (dim_param) or unknown


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """A model ready to run: its manifest entry, its session, and the provider that runs it."""

    entry: ModelEntry
    session: onnxruntime.InferenceSession
    provider: str  # the session's first provider, e.g. "CUDAExecutionProvider"
    input_name: str
    output_name: str
    output_shape: tuple[int, ...]  # seen on the warm-up run: (1, 3, S, S) or (1, N, N, N, 3)

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        size = self.entry.input_size
        return (BATCH, CHANNELS, size, size)

    @property
    def lut_size(self) -> int | None:
        """N of an ``image2lut`` model's ``[1, N, N, N, 3]`` output; None for ``image2image``."""
        return self.output_shape[1] if self.entry.kind == "image2lut" else None

    def run(self, image: np.ndarray) -> np.ndarray:
        """One inference: ``image`` float32 ``(1, 3, S, S)`` in [0, 1] -> the output of the I/O contract.

        Raises
        ------
        ModelRunError
            ``image`` is not float32 ``(1, 3, S, S)``, onnxruntime fails, or the output breaks the contract.
        """
        name = self.entry.name
        if not isinstance(image, np.ndarray) or image.dtype != np.float32 or image.shape != self.input_shape:
            found = f"{image.dtype} {list(image.shape)}" if isinstance(image, np.ndarray) else type(image).__name__
            raise ModelRunError(f"model '{name}' takes float32 {list(self.input_shape)}, found {found}")
        try:
            (output,) = self.session.run([self.output_name], {self.input_name: image})
        except ORT_ERRORS as exc:
            raise ModelRunError(f"model '{name}' failed on {self.provider}: {exc}") from exc
        if output.dtype != np.float32 or output.shape != self.output_shape:
            raise ModelRunError(
                f"model '{name}' gave {output.dtype} {list(output.shape)}, expected float32 {list(self.output_shape)}"
            )
        non_finite = _count_non_finite(output)
        if non_finite:
            raise ModelRunError(f"model '{name}' gave NaN or infinite values ({non_finite} of {output.size}) on "
                                f"{self.provider}")
        return output


class ModelRegistry:
    """The models this server serves, by name, and the ones it refused, with the reason."""

    def __init__(self, manifest: Manifest, models: dict[str, LoadedModel], refused: dict[str, str],
                 log: logging.Logger = LOG) -> None:
        self.manifest = manifest
        self.models = models
        self.refused = refused
        self._defaults = _effective_defaults(manifest, models, log)  # role -> name of a loaded model

    @classmethod
    def load(cls, models_dir: Path, provider: str = AUTO, threads: int | None = None,
             log: logging.Logger = LOG, device_id: int = 0) -> ModelRegistry:
        """Load every model of ``models_dir/manifest.json``, refusing (and logging) the ones that fail a check.

        Raises
        ------
        ManifestError
            The manifest is missing or malformed.
        ProviderError
            ``provider`` is unknown or not in this onnxruntime build, or ``threads`` is not positive.

        ``device_id``: the GPU the accelerator providers run on (one per worker process with several GPUs).
        """
        models_dir = Path(models_dir)
        manifest = read_manifest(models_dir / MANIFEST_NAME)
        names = choose_providers(provider)
        providers = pin_to_device(names, device_id)
        options = session_options(threads)
        models: dict[str, LoadedModel] = {}
        refused: dict[str, str] = {}
        for entry in manifest.entries:
            try:
                model, warm_up_ms = _load_model(entry, models_dir, providers, options)
            except ModelLoadError as exc:
                refused[entry.name] = str(exc)
                log.error("refused model '%s': %s", entry.name, exc)
                continue
            models[entry.name] = model
            log.info("loaded model '%s' (%s, %s, %d px) on %s, warm-up %.0f ms", entry.name, entry.kind, entry.role,
                     entry.input_size, model.provider, warm_up_ms)
            if names[0] != CPU_PROVIDER and model.provider == CPU_PROVIDER:
                log.warning("model '%s' runs on %s: %s was asked for but did not start (a GPU build of onnxruntime "
                            "without a working GPU falls back to the CPU)", entry.name, CPU_PROVIDER, names[0])
        if not models:
            log.warning("no model loaded from %s", models_dir)
        return cls(manifest, models, refused, log)

    def get(self, name: str) -> LoadedModel:
        """The loaded model called ``name``; raises UnknownModelError naming the loaded ones."""
        if name in self.models:
            return self.models[name]
        if name in self.refused:
            raise UnknownModelError(f"model '{name}' was refused at start-up: {self.refused[name]}")
        raise UnknownModelError(f"unknown model '{name}'; loaded models: {', '.join(self.models) or 'none'}")

    def default_for(self, role: str) -> LoadedModel:
        """The model serving ``role`` when a request names none: the manifest's default if it loaded, else the
        first loaded model of that role in manifest order.

        Raises
        ------
        UnknownModelError
            ``role`` is not a role, or no model of that role is loaded (the message lists the refused ones).
        """
        if role not in ROLES:
            raise UnknownModelError(f"unknown role '{role}'; roles are {', '.join(ROLES)}")
        if role in self._defaults:
            return self.models[self._defaults[role]]
        refused = [f"'{entry.name}': {self.refused[entry.name]}"
                   for entry in self.manifest.entries if entry.role == role and entry.name in self.refused]
        if refused:
            raise UnknownModelError(f"no {role} model is loaded; refused: {'; '.join(refused)}")
        raise UnknownModelError(f"no {role} model is loaded: {self.manifest.path} lists none")

    def serves(self, role: str) -> bool:
        """Whether a loaded model serves ``role``."""
        return role in self._defaults

    def describe(self) -> list[dict[str, Any]]:
        """The loaded models in manifest order, for the protocol's ``models`` op."""
        return [
            {
                "name": model.entry.name, "kind": model.entry.kind, "role": model.entry.role,
                "input_size": model.entry.input_size, "colour_space": model.entry.colour_space,
                "provider": model.provider, "default": self._defaults.get(model.entry.role) == model.entry.name,
                "metrics": dict(model.entry.metrics),
            }
            for model in self.models.values()
        ]


def _load_model(entry: ModelEntry, models_dir: Path, providers: list,
                options: onnxruntime.SessionOptions) -> tuple[LoadedModel, float]:
    """One model through every check, and its warm-up time in ms; ModelLoadError says why it is refused."""
    path = models_dir / entry.file
    if not path.is_file():
        raise ModelLoadError(f"{entry.file} not found in {models_dir}")
    try:
        digest = sha256_of(path)
    except OSError as exc:
        raise ModelLoadError(f"cannot read {entry.file}: {exc.strerror}") from exc
    if digest != entry.sha256:
        raise ModelLoadError(
            f"sha256 of {entry.file} is {digest}, the manifest says {entry.sha256} (file changed or corrupted)"
        )
    try:
        session = onnxruntime.InferenceSession(str(path), sess_options=options, providers=providers)
    except ORT_ERRORS as exc:
        raise ModelLoadError(f"onnxruntime cannot load {entry.file}: {exc}") from exc

    metadata = session.get_modelmeta().custom_metadata_map
    for key, expected in ((METADATA_KIND, entry.kind), (METADATA_ROLE, entry.role)):
        if key in metadata and metadata[key] != expected:
            raise ModelLoadError(f"its ONNX metadata says {key} '{metadata[key]}', the manifest says '{expected}'")
    input_name, output_name = _check_declared_io(session, entry)

    zeros = np.zeros((BATCH, CHANNELS, entry.input_size, entry.input_size), dtype=np.float32)
    started = time.perf_counter()
    try:
        (output,) = session.run([output_name], {input_name: zeros})
    except ORT_ERRORS as exc:
        raise ModelLoadError(f"the warm-up run failed: {exc}") from exc
    warm_up_ms = (time.perf_counter() - started) * 1e3
    if output.dtype != np.float32 or not _output_shape_ok(output.shape, entry):
        raise ModelLoadError(
            f"the warm-up run gave {output.dtype} {list(output.shape)}; an {entry.kind} model must give float32 "
            f"{_contract_text(entry)}"
        )
    non_finite = _count_non_finite(output)
    if non_finite:
        raise ModelLoadError(f"the warm-up run on a black frame gave NaN or infinite values ({non_finite} of "
                             f"{output.size}): its weights or its export are broken")
    low, high = float(output.min()), float(output.max())
    if low < WARM_UP_RANGE[0] or high > WARM_UP_RANGE[1]:
        raise ModelLoadError(f"the warm-up run on a black frame gave values from {low:.6g} to {high:.6g}, outside "
                             f"[{WARM_UP_RANGE[0]:g}, {WARM_UP_RANGE[1]:g}]: its weights or its export are broken")
    model = LoadedModel(entry, session, session.get_providers()[0], input_name, output_name, tuple(output.shape))
    return model, warm_up_ms


def _count_non_finite(output: np.ndarray) -> int:
    return output.size - int(np.count_nonzero(np.isfinite(output)))


def _check_declared_io(session: onnxruntime.InferenceSession, entry: ModelEntry) -> tuple[str, str]:
    """The input and output names, once their declared types and shapes fit the contract."""
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1:
        raise ModelLoadError(f"a model takes one input, found {len(inputs)}: {', '.join(i.name for i in inputs)}")
    if len(outputs) != 1:
        raise ModelLoadError(f"a model gives one output, found {len(outputs)}: {', '.join(o.name for o in outputs)}")
    (image,), (result,) = inputs, outputs
    size = entry.input_size
    if image.type != FLOAT_TENSOR or not _dims_fit(image.shape, (BATCH, CHANNELS, size, size)):
        raise ModelLoadError(
            f"input '{image.name}' is {_declared_text(image)}; the contract is float32 [1, 3, {size}, {size}] "
            f"(the manifest's input_size is {size})"
        )
    if result.type != FLOAT_TENSOR or not _declared_output_fits(result.shape, entry):
        raise ModelLoadError(
            f"output '{result.name}' is {_declared_text(result)}; an {entry.kind} model must give float32 "
            f"{_contract_text(entry)}"
        )
    return image.name, result.name


def _dims_fit(declared: list[Dim], expected: tuple[int, ...]) -> bool:
    """Same rank, and every fixed dimension equal; symbolic or unknown ones are checked on the warm-up run."""
    return len(declared) == len(expected) and all(
        not isinstance(dim, int) or dim == want for dim, want in zip(declared, expected, strict=True)
    )


def _declared_output_fits(declared: list[Dim], entry: ModelEntry) -> bool:
    size = entry.input_size
    if entry.kind == "image2image":
        return _dims_fit(declared, (BATCH, CHANNELS, size, size))
    # image2lut: (1, N, N, N, 3); the fixed ones among the three N must agree and lie in the LUT size range
    if len(declared) != 5 or not _dims_fit([declared[0], declared[4]], (BATCH, CHANNELS)):
        return False
    lut_sizes = {dim for dim in declared[1:4] if isinstance(dim, int)}
    return len(lut_sizes) <= 1 and all(MIN_LUT_SIZE <= n <= MAX_LUT_SIZE for n in lut_sizes)


def _output_shape_ok(shape: tuple[int, ...], entry: ModelEntry) -> bool:
    size = entry.input_size
    if entry.kind == "image2image":
        return shape == (BATCH, CHANNELS, size, size)
    return (len(shape) == 5 and shape[0] == BATCH and shape[4] == CHANNELS and shape[1] == shape[2] == shape[3]
            and MIN_LUT_SIZE <= shape[1] <= MAX_LUT_SIZE)


def _contract_text(entry: ModelEntry) -> str:
    size = entry.input_size
    if entry.kind == "image2image":
        return f"[1, 3, {size}, {size}]"
    return f"[1, N, N, N, 3] with N in {MIN_LUT_SIZE}..{MAX_LUT_SIZE}"


def _declared_text(node: onnxruntime.NodeArg) -> str:
    """``tensor(float) [1, 3, height, width]``: symbolic dimensions by name, unknown ones as ``?``."""
    dims = ", ".join("?" if dim is None else str(dim) for dim in node.shape)
    return f"{node.type} [{dims}]"


def _effective_defaults(manifest: Manifest, models: dict[str, LoadedModel], log: logging.Logger) -> dict[str, str]:
    """Role -> the loaded model that serves it; says so when the manifest's own default was refused."""
    defaults: dict[str, str] = {}
    for role in ROLES:
        loaded = [name for name, model in models.items() if model.entry.role == role]
        wanted = manifest.defaults.get(role)
        if wanted in models:
            defaults[role] = wanted
        elif loaded:
            defaults[role] = loaded[0]
            if wanted is not None:
                log.warning("the default %s model '%s' was refused; '%s' serves %s requests instead",
                            role, wanted, loaded[0], role)
    return defaults
