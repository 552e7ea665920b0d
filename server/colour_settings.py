"""Resolve's colour settings -> the timeline-to-output transform ``O`` and its inverse, with OpenColorIO.

The still Resolve exports is in the *output* space; a node works in the *timeline* space (Resolve notes, section
7). A grade ``L`` found on the still belongs on the node as ``O^-1 . L . O`` (``server.colour_fold``). This module
turns the protocol's ``colour`` object into that ``O``:

- DaVinci YRGB (not colour managed): Resolve converts nothing between timeline and output, so only equal spaces
  are accepted (the pipeline is the identity); different spaces are refused, as they say the project expects a
  conversion Resolve is not making.
- DaVinci YRGB Color Managed (v1 and v2): timeline ``DaVinci WG/Intermediate``, ``Rec.709 Gamma 2.4``,
  ``Rec.709-A`` or ``sRGB``; output ``Rec.709 Gamma 2.4``, ``Rec.709-A`` or ``sRGB``, in the combined form or as
  separate space and gamma. ``O`` is the colorimetric conversion (gamut matrix and transfer curves) with no tone
  or gamut mapping: Resolve's own mapping is assumed off.
- ACEScct and ACEScc: the timeline is the mode's log space, the output ACES 1.x ``Rec.709`` (the ACES 1.0 SDR
  Video output transform, RRT + ODT, to a Rec.1886 Rec.709 display).

``Rec.709-A`` is Resolve's Rec.709 Gamma 2.4 tagged for Apple's players (it changes how a Mac shows the file, not
the pixel values Resolve writes), so it is graded as Rec.709 Gamma 2.4.

OpenColorIO does the maths with its built-in ACES 1.3 studio config (``OCIO_CONFIG``); processors are built once
per pair of spaces and cached.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import PyOpenColorIO as ocio

from pix2lut.protocol import ErrorCode, ProtocolError

# OpenColorIO's built-in ACES 1.3 studio config: DaVinci Intermediate / Wide Gamut, ACEScc(t), the Rec.709
# texture spaces, and the ACES 1.0 output transforms (the ACES 2.0 configs have no ACES 1.x outputs).
OCIO_CONFIG = "studio-config-v2.2.0_aces-v1.3_ocio-v2.4"

ASSUMED = "colour settings not given: assumed Rec.709 timeline and output"
MANAGED_MODES = ("davinciyrgbcolormanaged", "davinciyrgbcolormanagedv2")
UNMANAGED_MODE = "davinciyrgb"
ACES_MODES = {"acescct": "ACEScct", "acescc": "ACEScc"}  # mode -> OCIO colour space of the timeline
KNOWN_MODES = "davinciYRGB, davinciYRGBColorManaged, davinciYRGBColorManagedv2, acescc, acescct"


@dataclass(frozen=True)
class Space:
    """Where an OCIO transform starts or ends: a colour space, or a display and view (ACES output transforms)."""

    label: str  # the name the docs and messages use
    colour_space: str = ""
    display: str = ""
    view: str = ""
    log: bool = False  # log-encoded: a folded LUT over it needs FOLDED_LOG_LUT_SIZE


# bench/colour_fold.py (24 photos, 6 looks): over a log timeline 33^3 misses the target of issue 25 (mean 0.5,
# p99 2 CIEDE2000) or barely meets it (DaVinci Intermediate about 0.5 / 2.2; ACEScct 0.4 / 1.8, and p99 2.3 on
# 12 of the photos), 65^3 meets it with room (about 0.2 / 1.0) and no shaper; between the Rec.709 gamma spaces
# 33^3 is well inside it (about 0.09 / 0.9)
FOLDED_LOG_LUT_SIZE = 65


REC709_G24 = Space("Rec.709 Gamma 2.4", "Gamma 2.4 Encoded Rec.709")
SRGB = Space("sRGB", "sRGB Encoded Rec.709 (sRGB)")
DAVINCI_WG_INTERMEDIATE = Space("DaVinci WG/Intermediate", "DaVinci Intermediate WideGamut", log=True)
ACES_REC709 = Space("ACES 1.0 SDR Video, Rec.709", display="Rec.1886 Rec.709 - Display", view="ACES 1.0 - SDR Video")

# Resolve's combined names (separateColorSpaceAndGamma off), lower case -> space
COMBINED_OUTPUTS = {"rec.709 gamma 2.4": REC709_G24, "rec.709-a": REC709_G24, "srgb": SRGB}
COMBINED_TIMELINES = {**COMBINED_OUTPUTS, "davinci wg/intermediate": DAVINCI_WG_INTERMEDIATE}
# separate colour space and gamma: (space, gamma), lower case -> space
SEPARATE_OUTPUTS = {
    ("rec.709", "gamma 2.4"): REC709_G24, ("rec.709", "rec.709-a"): REC709_G24, ("rec.709", "srgb"): SRGB,
    ("srgb", "srgb"): SRGB,
}
SEPARATE_TIMELINES = {**SEPARATE_OUTPUTS, ("davinci wide gamut", "davinci intermediate"): DAVINCI_WG_INTERMEDIATE}
SEPARATE_SPACES = {space for space, _ in SEPARATE_TIMELINES}
# the ACES output transforms Resolve names in colorSpaceOutput for an ACES project, lower case
ACES_OUTPUTS = {"rec.709": ACES_REC709, "rec.709 gamma 2.4": ACES_REC709}
SUPPORTED_TIMELINES = ("DaVinci WG/Intermediate (or DaVinci Wide Gamut + DaVinci Intermediate), Rec.709 Gamma 2.4, "
                       "Rec.709-A, sRGB (or Rec.709 + Gamma 2.4 / Rec.709-A / sRGB)")
SUPPORTED_OUTPUTS = "Rec.709 Gamma 2.4, Rec.709-A, sRGB (or Rec.709 + Gamma 2.4 / Rec.709-A / sRGB)"


@dataclass(frozen=True, eq=False)
class ColourPipeline:
    """``O``, timeline to output, and ``O^-1``; ``None`` processors mean the identity.

    ``to_output`` clips to [0, 1], as the exported still is; ``to_timeline`` clips to [0, 1], a LUT's range.
    """

    name: str
    forward: ocio.CPUProcessor | None = None
    inverse: ocio.CPUProcessor | None = None
    warnings: tuple[str, ...] = ()
    min_lut_size: int = 0  # the smallest folded LUT accurate enough on pictures (0: any)
    timeline: str = ""  # the timeline space's label, for messages

    @property
    def is_identity(self) -> bool:
        return self.forward is None

    def to_output(self, rgb: np.ndarray) -> np.ndarray:
        """``O``: timeline-space colours ``(..., 3)`` -> output (display) colours, float32 in [0, 1]."""
        return _apply(self.forward, rgb)

    def to_timeline(self, rgb: np.ndarray) -> np.ndarray:
        """``O^-1``: output colours ``(..., 3)`` -> timeline-space colours, float32 in [0, 1]."""
        return _apply(self.inverse, rgb)


def _apply(processor: ocio.CPUProcessor | None, rgb: np.ndarray) -> np.ndarray:
    out = np.array(rgb, dtype=np.float32, order="C")  # a copy: OCIO works in place
    if processor is not None:
        processor.applyRGB(out.reshape(-1))
    return np.clip(out, 0.0, 1.0, out=out)


def colour_pipeline(colour: dict[str, str]) -> ColourPipeline:
    """The pipeline for the protocol's ``colour`` object.

    Raises
    ------
    ProtocolError
        ``colour_unsupported``, naming the setting and what is supported, for settings it cannot grade right.
    """
    if not colour:
        return ColourPipeline("Rec.709 (assumed)", warnings=(ASSUMED,))
    mode = colour.get("colorScienceMode", "")
    if mode.lower() in ACES_MODES:
        return _aces_pipeline(mode, colour)
    timeline_name = colour.get("colorSpaceTimeline", "")
    output_name = colour.get("colorSpaceOutput", "")
    timeline = (timeline_name, colour.get("colorSpaceTimelineGamma", ""))
    output = (output_name, colour.get("colorSpaceOutputGamma", ""))
    if not (timeline_name and output_name):
        keys = ", ".join(sorted(colour))
        return ColourPipeline("unknown (assumed equal spaces)", warnings=(
            f"colour settings incomplete ({keys}): assumed timeline and output spaces match",))
    if _same_name(timeline, output):  # any space, as long as both sides agree: nothing to fold
        return ColourPipeline(_name(timeline).strip("'"))
    warnings: tuple[str, ...] = ()
    if mode.lower() == UNMANAGED_MODE:
        raise ProtocolError(
            ErrorCode.COLOUR_UNSUPPORTED,
            f"colour science 'davinciYRGB' with timeline space {_name(timeline)} and output space {_name(output)}: "
            "DaVinci YRGB converts nothing between them, so the still does not show what a node sees; set both to "
            "the same space, or use DaVinci YRGB Color Managed",
        )
    if not mode:
        warnings = ("colorScienceMode not given: assumed DaVinci YRGB Color Managed",)
    elif mode.lower() not in MANAGED_MODES:
        raise ProtocolError(
            ErrorCode.COLOUR_UNSUPPORTED, f"colorScienceMode {mode!r} is not supported; supported: {KNOWN_MODES}"
        )
    source = _lookup("colorSpaceTimeline", timeline, COMBINED_TIMELINES, SEPARATE_TIMELINES, SUPPORTED_TIMELINES)
    target = _lookup("colorSpaceOutput", output, COMBINED_OUTPUTS, SEPARATE_OUTPUTS, SUPPORTED_OUTPUTS)
    return _pipeline(source, target, warnings)


def _aces_pipeline(mode: str, colour: dict[str, str]) -> ColourPipeline:
    timeline = Space(ACES_MODES[mode.lower()], ACES_MODES[mode.lower()], log=True)
    timeline_name = colour.get("colorSpaceTimeline", "")
    if timeline_name and timeline_name.lower() != timeline.colour_space.lower():
        raise ProtocolError(
            ErrorCode.COLOUR_UNSUPPORTED,
            f"colorSpaceTimeline {timeline_name!r} with colour science {mode!r}: supported: {timeline.label} "
            "(or none: the mode sets it)",
        )
    output_name = colour.get("colorSpaceOutput", "")
    if not output_name:
        return _pipeline(timeline, ACES_REC709, ("colorSpaceOutput not given: assumed the ACES Rec.709 output",))
    if output_name.lower() not in ACES_OUTPUTS:
        raise ProtocolError(
            ErrorCode.COLOUR_UNSUPPORTED,
            f"colorSpaceOutput {output_name!r} with colour science {mode!r} is not supported; supported: Rec.709 "
            "(the ACES 1.x Rec.709 output transform)",
        )
    return _pipeline(timeline, ACES_OUTPUTS[output_name.lower()], ())


def _lookup(
    key: str, setting: tuple[str, str], combined: dict[str, Space], separate: dict[tuple[str, str], Space],
    supported: str,
) -> Space:
    """A combined name (its gamma key, which Resolve still reports, is ignored) or a separate space and gamma."""
    space, gamma = (part.strip().lower() for part in setting)
    if space in combined:
        return combined[space]
    if space in SEPARATE_SPACES and (space, gamma) in separate:
        return separate[(space, gamma)]
    named = f"{key} {setting[0]!r}" + (f" with {key}Gamma {setting[1]!r}" if space in SEPARATE_SPACES else "")
    raise ProtocolError(ErrorCode.COLOUR_UNSUPPORTED, f"{named} is not supported; supported: {supported}")


def _pipeline(source: Space, target: Space, warnings: tuple[str, ...]) -> ColourPipeline:
    name = f"{source.label} -> {target.label}"
    if source == target:
        return ColourPipeline(name, warnings=warnings)
    forward, inverse = _processors(source, target)
    return ColourPipeline(name, forward, inverse, warnings, FOLDED_LOG_LUT_SIZE if source.log else 0, source.label)


@functools.cache
def _processors(source: Space, target: Space) -> tuple[ocio.CPUProcessor, ocio.CPUProcessor]:
    """``O`` and ``O^-1`` as float32 CPU processors, built once per pair."""
    config = _config()
    if target.display:
        forward = config.getProcessor(source.colour_space, target.display, target.view, ocio.TRANSFORM_DIR_FORWARD)
        inverse = config.getProcessor(source.colour_space, target.display, target.view, ocio.TRANSFORM_DIR_INVERSE)
    else:
        forward = config.getProcessor(source.colour_space, target.colour_space)
        inverse = config.getProcessor(target.colour_space, source.colour_space)
    return forward.getDefaultCPUProcessor(), inverse.getDefaultCPUProcessor()


@functools.lru_cache(maxsize=1)
def _config() -> ocio.Config:
    return ocio.Config.CreateFromBuiltinConfig(OCIO_CONFIG)


def _same_name(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return _effective(a) == _effective(b)


def _effective(setting: tuple[str, str]) -> tuple[str, str]:
    """Space and gamma as compared: a combined name's gamma key is stale (Resolve reports the last separate one)."""
    space, gamma = (part.strip().lower() for part in setting)
    return (space, "") if space in COMBINED_TIMELINES or space not in SEPARATE_SPACES else (space, gamma)


def _name(space: tuple[str, str]) -> str:
    return repr(" / ".join(part for part in space if part))
