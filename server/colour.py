"""Resolve's colour settings: what the server can grade as is, and what it must refuse rather than get wrong.

The still Resolve exports is in the *output* space, while a node works in the *timeline* space (Resolve notes,
section 7). The models work on display-referred Rec.709. When the two spaces are the same, a LUT fitted on the
still is right on the node; when they differ, the transform between them would have to be folded into the LUT,
which this version does not do: it says so instead of answering with a wrong LUT.
"""

from __future__ import annotations

from pix2lut.protocol import ErrorCode, ProtocolError

ACES_MODES = ("acescc", "acescct")
ASSUMED = "colour settings not given: assumed Rec.709 timeline and output"


def colour_warnings(colour: dict[str, str]) -> list[str]:
    """Warnings for the reply; raises ``colour_unsupported`` for settings a LUT cannot be right under."""
    if not colour:
        return [ASSUMED]
    mode = colour.get("colorScienceMode", "")
    if mode.lower() in ACES_MODES:
        raise ProtocolError(
            ErrorCode.COLOUR_UNSUPPORTED,
            f"colour science {mode!r} is not supported: the models grade display-referred Rec.709; "
            "use DaVinci YRGB (or a Rec.709 colour-managed timeline)",
        )
    timeline = (colour.get("colorSpaceTimeline", ""), colour.get("colorSpaceTimelineGamma", ""))
    output = (colour.get("colorSpaceOutput", ""), colour.get("colorSpaceOutputGamma", ""))
    if timeline[0] and output[0]:  # both spaces known (gammas are given only with separate space and gamma)
        if timeline != output:
            raise ProtocolError(
                ErrorCode.COLOUR_UNSUPPORTED,
                f"timeline space {_name(timeline)} differs from output space {_name(output)}: the exported still "
                "is in the output space, so its LUT would be wrong on a node; set both to the same space",
            )
        return []
    return [f"colour settings incomplete ({', '.join(sorted(colour))}): assumed timeline and output spaces match"]


def _name(space: tuple[str, str]) -> str:
    return repr(" / ".join(part for part in space if part))
