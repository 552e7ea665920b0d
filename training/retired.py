"""Settings that were tried, did not help and were retired; saved configurations may still hold them.

Every checkpoint and every exported model's metadata holds the whole configuration of its run, so one written
before a setting was retired still names it. Read back, a retired key at the value it had by default (the setting
was off: the run did what runs do now) is dropped; at any other value the artefact was made by something this
Pix2LUT no longer does, and reading it is a ``ConfigError``. What each setting did, and what it gave, is in
docs/models.md and the model cards.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from training.errors import ConfigError

# section -> key -> the value it had by default
RETIRED: dict[str, dict[str, Any]] = {
    "data": {
        "look_mix": 1,  # each .cube look a random blend of this many
        "parametric_boldness": 0.0,  # bolder parametric looks (hue rotation, heavy tints, a faded black)
        "real_detune": 0.0,  # real inputs detuned at random as well
        "leave_own_out": False,  # each sample answered without the library entries it was made from
    },
    "model": {
        "residual_luts": 0,  # learned LUTs beside a softmax blend of a library
    },
}


def without_retired(section: str, values: Mapping[str, Any], source: str) -> dict[str, Any]:
    """``values`` of config ``section`` less its retired keys, each of which must hold its old default.

    Raises
    ------
    ConfigError
        A retired key at another value, named with it: ``runs/x/last.pt: data.look_mix = 3 was retired ...``.
    """
    retired = RETIRED.get(section, {})
    for key in sorted(set(values) & set(retired)):
        if values[key] != retired[key]:
            shown = json.dumps(values[key], default=str)
            raise ConfigError(f"{source}: {section}.{key} = {shown} was retired (it did not help: see docs/models.md); "
                              "only an older Pix2LUT reads a configuration that sets it")
    return {key: value for key, value in values.items() if key not in retired}
