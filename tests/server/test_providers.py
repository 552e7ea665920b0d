"""Tests for server.providers: choosing execution providers (GPU cases with ``available`` given) and options."""

from __future__ import annotations

import os

import onnxruntime
import pytest

from server.errors import ProviderError, ServerError
from server.loop import ServerConfig
from server.providers import PROVIDER_ALIASES, choose_providers, pin_to_device, session_options
from server.registry import ModelRegistry

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
TENSORRT = "TensorrtExecutionProvider"
DIRECTML = "DmlExecutionProvider"
COREML = "CoreMLExecutionProvider"
AZURE = "AzureExecutionProvider"  # in every recent wheel, never an accelerator
CPU_BUILD = [AZURE, CPU]
GPU_BUILD = [CUDA, TENSORRT, AZURE, CPU]  # onnxruntime-gpu's order, not ours


@pytest.mark.parametrize(
    ("available", "chosen"),
    [
        (CPU_BUILD, [CPU]),
        (GPU_BUILD, [TENSORRT, CUDA, CPU]),
        ([CUDA, CPU], [CUDA, CPU]),
        ([DIRECTML, CPU], [DIRECTML, CPU]),
        ([COREML, CPU], [COREML, CPU]),
        ([], [CPU]),
    ],
)
def test_auto_takes_every_accelerator_best_first_then_the_cpu(available: list[str], chosen: list[str]) -> None:
    assert choose_providers("auto", available) == chosen


def test_auto_on_this_machine_ends_with_the_cpu() -> None:
    chosen = choose_providers()

    assert chosen[-1] == CPU
    assert set(chosen) <= set(onnxruntime.get_available_providers())


@pytest.mark.parametrize(
    ("requested", "available", "chosen"),
    [
        ("cpu", CPU_BUILD, [CPU]),
        ("cpu", GPU_BUILD, [CPU]),
        ("cuda", GPU_BUILD, [CUDA, CPU]),
        ("CUDA", GPU_BUILD, [CUDA, CPU]),
        ("tensorrt", GPU_BUILD, [TENSORRT, CPU]),
        ("directml", [DIRECTML, CPU], [DIRECTML, CPU]),
        ("coreml", [COREML, CPU], [COREML, CPU]),
    ],
)
def test_a_named_provider_comes_before_the_cpu(requested: str, available: list[str], chosen: list[str]) -> None:
    assert choose_providers(requested, available) == chosen


def test_unknown_name_lists_the_choices() -> None:
    with pytest.raises(ProviderError) as caught:
        choose_providers("gpu", CPU_BUILD)

    assert str(caught.value) == (
        "unknown execution provider 'gpu'; choose one of auto, cuda, tensorrt, directml, coreml, cpu"
    )


@pytest.mark.parametrize(
    ("requested", "message"),
    [
        ("cuda", ("execution provider 'cuda' (CUDAExecutionProvider) is not available in this onnxruntime; available: "
                 "AzureExecutionProvider, CPUExecutionProvider. It needs the GPU build of onnxruntime "
                 "(pip install pix2lut[gpu]) and an NVIDIA driver")),
        ("directml", ("execution provider 'directml' (DmlExecutionProvider) is not available in this onnxruntime; "
                     "available: AzureExecutionProvider, CPUExecutionProvider. It needs the DirectML build of "
                     "onnxruntime on Windows (pip install pix2lut[directml])")),
    ],
)
def test_an_unavailable_provider_says_which_build_it_needs(requested: str, message: str) -> None:
    with pytest.raises(ProviderError) as caught:
        choose_providers(requested, CPU_BUILD)

    assert str(caught.value) == message


def test_every_alias_names_a_real_provider() -> None:
    assert set(PROVIDER_ALIASES.values()) <= set(onnxruntime.get_all_providers())


def test_session_options() -> None:
    options = session_options(3)

    assert options.graph_optimization_level == onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert options.execution_mode == onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    assert options.intra_op_num_threads == 3
    assert options.inter_op_num_threads == 1
    assert options.log_severity_level == 2  # warning


def test_threads_default_to_the_core_count() -> None:
    assert session_options().intra_op_num_threads == os.cpu_count()


@pytest.mark.parametrize("threads", [0, -2, True, 1.5])
def test_threads_must_be_a_positive_integer(threads: object) -> None:
    with pytest.raises(ProviderError) as caught:
        session_options(threads)  # type: ignore[arg-type]

    assert str(caught.value) == f"threads must be a positive integer, found {threads!r}"


def test_gpu_providers_are_pinned_to_the_workers_device() -> None:
    chosen = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CoreMLExecutionProvider", CPU]
    assert pin_to_device(chosen, 3) == [
        ("TensorrtExecutionProvider", {"device_id": "3"}),
        ("CUDAExecutionProvider", {"device_id": "3"}),
        "CoreMLExecutionProvider",
        CPU,
    ]
    assert pin_to_device([CPU], 1) == [CPU]
    with pytest.raises(ProviderError, match="^device_id must be 0 or more, found -1$"):
        pin_to_device(chosen, -1)


def test_a_pinned_cpu_session_loads_and_runs(models_dir) -> None:
    # onnxruntime takes the (name, options) form; on this machine the CPU provider is what runs
    registry = ModelRegistry.load(models_dir, provider="cpu", threads=1, device_id=1)
    assert registry.models and all(model.provider == CPU for model in registry.models.values())


@pytest.mark.parametrize("field", ["workers", "gpus"])
def test_workers_and_gpus_must_be_positive(field: str) -> None:
    with pytest.raises(ServerError, match=f"^--{field} must be 1 or more, found 0$"):
        ServerConfig(**{field: 0})
