"""``python -m installer``: the same as ``pix2lut-install``."""

from installer.cli import main

raise SystemExit(main())
