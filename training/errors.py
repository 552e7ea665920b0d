"""The training package's errors, a branch of the one Pix2LUT hierarchy (``pix2lut.errors``).

::

    Pix2LutError
    └── TrainingError
        ├── ConfigError       a config file or override that is malformed or names unknown keys
        ├── DataError         training data that is missing, unmatched or unreadable
        ├── CheckpointError   a checkpoint that cannot be read or does not fit the config
        └── ExportError       an export whose ONNX model does not reproduce the torch model
"""

from __future__ import annotations

from pix2lut.errors import Pix2LutError


class TrainingError(Pix2LutError):
    """Base of every error the training package raises on purpose."""


class ConfigError(TrainingError):
    """A configuration that cannot be used as given."""


class DataError(TrainingError):
    """Training or evaluation data that cannot be used as given."""


class CheckpointError(TrainingError):
    """A checkpoint that cannot be read, or that does not match the configuration."""


class ExportError(TrainingError):
    """An ONNX export that failed, or whose model does not reproduce the torch model."""
