"""The ZeroMQ inference server: protocol, model registry on onnxruntime, grading pipeline, panel."""
