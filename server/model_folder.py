"""Where the shipped models are, so that every command finds them with no options, installed or not.

In this order: the folder given (``--models``); the ``PIX2LUT_MODELS`` environment variable; the source
checkout's ``onnx_models/`` when running from one; the installed copy, which the wheel puts under the data path of
the install scheme (``pyproject.toml``, ``data-files``: ``<data>/share/pix2lut/onnx_models``), asked of
:mod:`sysconfig` for the scheme Python installs into by default and for the user scheme (``pip install --user``).
"""

from __future__ import annotations

import os
import sysconfig
from collections.abc import Mapping
from pathlib import Path

from server.manifest import MANIFEST_NAME, ManifestError

MODELS_VARIABLE = "PIX2LUT_MODELS"
CHECKOUT_MODELS = Path(__file__).resolve().parents[1] / "onnx_models"  # only a source checkout has it
INSTALLED_MODELS = ("share", "pix2lut", "onnx_models")  # under the install scheme's data path


def installed_model_folders() -> list[Path]:
    """Where an installed wheel's models are: the default scheme's data path, then the user scheme's."""
    schemes = dict.fromkeys([sysconfig.get_default_scheme(), sysconfig.get_preferred_scheme("user")])
    return [Path(sysconfig.get_path("data", scheme)).joinpath(*INSTALLED_MODELS) for scheme in schemes]


def find_models(given: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The models folder to load (see the module docstring for the order).

    A folder given or named by the variable is taken as it is (its manifest's absence is the manifest's error);
    the others only when they hold a manifest.

    Raises
    ------
    ManifestError
        No folder found: the message lists every place looked at.
    """
    if given is not None:
        return given
    environ = os.environ if environ is None else environ
    if environ.get(MODELS_VARIABLE):
        return Path(environ[MODELS_VARIABLE])
    candidates = [CHECKOUT_MODELS, *installed_model_folders()]
    for folder in candidates:
        if (folder / MANIFEST_NAME).is_file():
            return folder
    looked = ", ".join(str(folder) for folder in candidates)
    raise ManifestError(
        f"no models found: no --models, no {MODELS_VARIABLE}, and no {MANIFEST_NAME} in {looked}; "
        "give --models FOLDER (a folder holding manifest.json)"
    )
