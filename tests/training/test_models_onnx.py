"""Export parity: both model kinds go through ``torch.onnx.export`` and onnxruntime reproduces torch.

Two exporters, both checked so the export command can choose with facts:

- the TorchScript exporter (``dynamo=False``) writes opset 17 for both kinds; torch 2.13 marks it deprecated;
- the torch.export-based one (``dynamo=True``, torch's default) builds opset 18; asked for 17 it converts the
  image2image graph down but cannot convert image2lut's ReduceMean (the global pooling), so here it is asked
  for 18 directly.
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from training.models import ModelConfig, build_model

PARITY_ATOL = 1e-4  # float32 graph against float32 torch; observed differences stay below 1e-6
INPUT_NAME = "image"  # the server's input contract: float32 [1, 3, S, S] RGB in [0, 1]
OUTPUT_NAMES = {"image2image": "graded", "image2lut": "lut"}  # as the server's test models name them
EXPORTERS = {"torchscript": (False, 17), "dynamo": (True, 18)}  # name: (dynamo flag, opset it writes)
CONFIGS = {
    "image2image": ModelConfig("image2image"),
    "image2lut": ModelConfig("image2lut", input_size=64, lut_size=17),
    # the shipped models' form: colour histograms and an MLP head beside the CNN
    "image2lut+stats": ModelConfig("image2lut", input_size=128, lut_size=17, basis_luts=4, colour_stats=True,
                                   head_hidden=16, dropout=0.0),
    # a library neutralizer's form: a softmax blend of a fixed basis
    "image2lut+softmax": ModelConfig("image2lut", input_size=64, lut_size=17, basis_luts=6, basis_init="library",
                                     blend="softmax", train_basis=False),
    # the white-box grade: a colourist's controls baked into the LUT inside the graph
    "image2lut+parametric": ModelConfig("image2lut", input_size=64, lut_size=17, lut_head="parametric",
                                        colour_stats=True, head_hidden=16, dropout=0.0),
}


def exportable(kind: str) -> torch.nn.Module:
    """An eval-mode model whose output depends visibly on its input (random basis LUTs and blend weights)."""
    torch.manual_seed(0)
    model = build_model(CONFIGS[kind]).eval()
    if CONFIGS[kind].lut_head == "parametric":
        with torch.no_grad():
            model.head.weight.normal_(0.0, 0.3)  # controls well away from zero, different for each image
    elif CONFIGS[kind].kind == "image2lut":
        with torch.no_grad():
            model.basis.uniform_(0.0, 1.0)
            model.head.weight.normal_()
    return model


# The TorchScript exporter warns that it is deprecated, that InstanceNorm's statistics are per-image (as
# intended) and that torch's own shape checks are traced as constants (the input shape is fixed anyway); the
# dynamo exporter warns about pytree internals. None of that concerns the result, which the test checks.
@pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::torch.jit.TracerWarning"
)
@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("kind", CONFIGS)
def test_onnxruntime_reproduces_torch(tmp_path, kind, exporter):
    dynamo, opset = EXPORTERS[exporter]
    config = CONFIGS[kind]
    model = exportable(kind)
    example = torch.rand(1, 3, config.input_size, config.input_size)  # (1, 3, S, S)
    path = tmp_path / f"{kind}.onnx"

    torch.onnx.export(
        model,
        (example,),
        str(path),
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAMES[config.kind]],
        opset_version=opset,
        dynamo=dynamo,
        verbose=False,
    )

    assert {entry.version for entry in onnx.load(str(path)).opset_import if entry.domain == ""} == {opset}
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [node.name for node in session.get_inputs()] == [INPUT_NAME]
    assert [node.name for node in session.get_outputs()] == [OUTPUT_NAMES[config.kind]]
    images = [example, torch.rand(1, 3, config.input_size, config.input_size)]  # a second image, unseen at export
    outputs = []
    for image in images:
        (output,) = session.run(None, {INPUT_NAME: image.numpy()})
        with torch.no_grad():
            expected = model(image).numpy()
        assert output.dtype == np.float32
        assert output.shape == expected.shape
        np.testing.assert_allclose(output, expected, rtol=0.0, atol=PARITY_ATOL)
        outputs.append(output)
    assert not np.allclose(outputs[0], outputs[1], atol=PARITY_ATOL)  # the graph did not freeze one answer
    if config.kind == "image2lut":
        assert outputs[0].shape == (1, config.lut_size, config.lut_size, config.lut_size, 3)  # [1, N, N, N, 3]
