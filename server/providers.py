"""onnxruntime execution providers: which ones to ask for, and the session options every model shares.

onnxruntime tries the providers of a session in list order and runs each node on the first that supports it, so
the CPU provider always comes last as the catch-all. Which providers exist depends on the installed wheel:
``onnxruntime`` (CPU; CoreML on macOS), ``onnxruntime-gpu`` (CUDA, TensorRT) or ``onnxruntime-directml``
(DirectML), i.e. the extras ``pix2lut[cpu]``, ``pix2lut[gpu]`` and ``pix2lut[directml]``.
"""

from __future__ import annotations

import os

import onnxruntime

from server.errors import ProviderError

AUTO = "auto"
CPU_PROVIDER = "CPUExecutionProvider"
PROVIDER_ALIASES = {
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "directml": "DmlExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "cpu": CPU_PROVIDER,
}
AUTO_ORDER = ("tensorrt", "cuda", "directml", "coreml")  # fastest first; the CPU provider is always appended
INSTALL_HINTS = {
    "cuda": "the GPU build of onnxruntime (pip install pix2lut[gpu]) and an NVIDIA driver",
    "tensorrt": "the GPU build of onnxruntime (pip install pix2lut[gpu]) and TensorRT",
    "directml": "the DirectML build of onnxruntime on Windows (pip install pix2lut[directml])",
    "coreml": "the macOS build of onnxruntime (pip install pix2lut[cpu] on a Mac)",
}
# Accelerators that take a ``device_id`` provider option: with several GPUs, worker i runs on GPU i mod N.
DEVICE_PROVIDERS = ("TensorrtExecutionProvider", "CUDAExecutionProvider", "DmlExecutionProvider")
ORT_LOG_SEVERITY_WARNING = 2  # onnxruntime severities: 0 verbose, 1 info, 2 warning, 3 error, 4 fatal


def choose_providers(requested: str = AUTO, available: list[str] | None = None) -> list[str]:
    """The provider list for ``onnxruntime.InferenceSession``, the CPU provider last.

    Parameters
    ----------
    requested
        ``"auto"`` (every available accelerator, best first: TensorRT, CUDA, DirectML, CoreML) or one key of
        :data:`PROVIDER_ALIASES`, case-insensitive.
    available
        The providers of the installed onnxruntime; by default ``onnxruntime.get_available_providers()``.

    Raises
    ------
    ProviderError
        ``requested`` is not a known name, or names a provider this onnxruntime build does not have.
    """
    if available is None:
        available = onnxruntime.get_available_providers()
    alias = requested.strip().lower()
    if alias == AUTO:
        accelerators = [PROVIDER_ALIASES[name] for name in AUTO_ORDER if PROVIDER_ALIASES[name] in available]
        return accelerators + [CPU_PROVIDER]
    if alias not in PROVIDER_ALIASES:
        raise ProviderError(
            f"unknown execution provider '{requested}'; choose one of {AUTO}, {', '.join(PROVIDER_ALIASES)}"
        )
    provider = PROVIDER_ALIASES[alias]
    if provider == CPU_PROVIDER:
        return [CPU_PROVIDER]
    if provider not in available:
        raise ProviderError(
            f"execution provider '{alias}' ({provider}) is not available in this onnxruntime; available: "
            f"{', '.join(available) or 'none'}. It needs {INSTALL_HINTS[alias]}"
        )
    return [provider, CPU_PROVIDER]


def pin_to_device(providers: list[str], device_id: int) -> list[str | tuple[str, dict[str, str]]]:
    """``providers`` with ``device_id`` set on each GPU provider (onnxruntime's provider options), for
    ``InferenceSession(providers=...)``; the others (CPU, CoreML) as they are."""
    if device_id < 0:
        raise ProviderError(f"device_id must be 0 or more, found {device_id}")
    return [(name, {"device_id": str(device_id)}) if name in DEVICE_PROVIDERS else name for name in providers]


def session_options(threads: int | None = None) -> onnxruntime.SessionOptions:
    """Options for every model's session: full graph optimisation, one request at a time.

    ``threads`` sets the intra-op thread pool (parallelism inside one operator), by default one per core; the
    inter-op pool stays at 1 because execution is sequential: the server runs one request at a time per process.

    Raises
    ------
    ProviderError
        ``threads`` is given and is not a positive integer.
    """
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ProviderError(f"threads must be a positive integer, found {threads!r}")
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.inter_op_num_threads = 1
    options.log_severity_level = ORT_LOG_SEVERITY_WARNING
    return options
