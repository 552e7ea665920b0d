"""``python -m training``: the same as ``pix2lut-train``."""

from training.cli import main

raise SystemExit(main())
