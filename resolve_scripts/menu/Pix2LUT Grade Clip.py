"""Workspace > Scripts > Pix2LUT Grade Clip: grade the clip under the playhead (resolve_scripts/grade_clip.py).

The installer copies this file into Resolve's Scripts/Color folder and sets PIX2LUT_SCRIPTS_ROOT to the folder
that holds ``resolve_scripts``; run from the source tree, that folder is found next to this file.
"""

import os
import sys

SCRIPTS_ROOT_ENV = "PIX2LUT_SCRIPTS_ROOT"


def _scripts_root():
    root = os.environ.get(SCRIPTS_ROOT_ENV)
    if root:
        return root
    try:
        here = os.path.abspath(__file__)
    except NameError:  # some Resolve versions run menu scripts without __file__
        return None
    return os.path.dirname(os.path.dirname(os.path.dirname(here)))  # .../resolve_scripts/menu/this.py


_root = _scripts_root()
if _root and _root not in sys.path:
    sys.path.insert(0, _root)
try:
    from resolve_scripts.grade_clip import main
except ImportError as exc:
    print(
        f"Pix2LUT: cannot find the Pix2LUT scripts ({exc}): "
        f"set {SCRIPTS_ROOT_ENV} to the folder holding resolve_scripts, or run the Pix2LUT installer again."
    )
else:
    main(globals())
