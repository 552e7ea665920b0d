"""Where the project's shared training data lies: ``../shared/data`` beside the checkout (CI puts it there)."""

import os
from pathlib import Path

SHARED_DATA = Path(os.environ.get("PIX2LUT_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
