"""The server's errors, a branch of the one Pix2LUT hierarchy (``pix2lut.errors``).

::

    Pix2LutError
    └── ServerError
        ├── ManifestError       a manifest.json missing or malformed (names the file, the entry, the rule)
        ├── ModelLoadError      a model file the registry cannot serve (missing, hash mismatch, onnxruntime, I/O)
        ├── ProviderError       an onnxruntime execution provider that is unknown or not in this build
        ├── UnknownModelError   a model name or role with no loaded model behind it
        └── ModelRunError       inference failed, or was given or gave an array outside the model's I/O contract
"""

from __future__ import annotations

from pix2lut.errors import Pix2LutError


class ServerError(Pix2LutError):
    """Base of every error the inference server raises on purpose."""


class ManifestError(ServerError):
    """A model manifest that is missing or does not follow the format."""


class ModelLoadError(ServerError):
    """A model the registry refuses to serve; the message is the reason."""


class ProviderError(ServerError):
    """An execution provider that is unknown, or not available in the installed onnxruntime."""


class UnknownModelError(ServerError):
    """No loaded model answers to this name or role."""


class ModelRunError(ServerError):
    """Inference failed, or its input or output broke the model's I/O contract."""
