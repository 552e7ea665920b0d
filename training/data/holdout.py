"""What no model trains on: whole look families, whole look collections, whole photo collections.

Holding out one file in ten predicts unseen data badly: the looks of a film stock come at several strengths and
variants (Fuji Superia 400 at ``_1_-``, ``_2``, ``_3_plus``; Polaroid 690 ``Cold`` and ``Warm``), so a held-out
variant has a trained sibling, and the held-out figures promised about twice what unseen looks gave. Here a look
belongs to a *family* (a film product line with all its speeds, variants and strengths; a creative look with its
numbered siblings) and a *collection* (who made it). A look is held out when its whole collection is
(``HELD_OUT_COLLECTIONS``: authors no run ever sees) or its whole family is (a stable hash of the family's name:
about one family in ``FAMILY_HOLD_OUT_EVERY``). Photos: the whole Kodak suite, and one in ten of the others.

The names are the shared collections' own (``../shared/data/looks*/``):

- ``rawtherapee-filmsim__Fuji__Fuji_Superia_400_3_plus``, or in ``looks/`` ``Fuji__Fuji_Superia_400_2``:
  collection ``rawtherapee-filmsim``, family ``Fuji_Superia`` (maker and product line);
  ``CreativePack-1__TealOrange2``: family ``CreativePack-1_TealOrange``;
- ``picturefx__goldfx_summer_heat``: collection ``picturefx``, family ``picturefx_goldfx`` (the sub-pack);
- ``freshluts-alexjordan__green_day_01``: collection ``freshluts-alexjordan``, family
  ``freshluts-alexjordan_green_day``.

Any other name is a family of its own in the collection ``other``, held out by the same hash.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

FAMILY_HOLD_OUT_EVERY = 4  # about one look family in four is never trained on
# whole authors never trained on: unseen collections, as a user's own LUT pack would be (19 looks)
HELD_OUT_COLLECTIONS = ("freshluts-jtsemple", "freshluts-ohadperetz")
HELD_OUT_PHOTO_COLLECTIONS = ("kodak24",)  # a whole photo set never trained on
PHOTO_HOLD_OUT_EVERY = 10  # and one photo in ten of the other sets

RAWTHERAPEE = "rawtherapee-filmsim"
RAWTHERAPEE_MAKERS = ("Agfa", "Fuji", "Kodak", "Lomography", "Polaroid", "CreativePack-1")
_TRAILING_NUMBER = re.compile(r"[_-]?\d+[a-z]?$")
_SEPARATOR = "__"

T = TypeVar("T")


def look_collection(path: Path | str) -> str:
    """Who made the look at ``path``: ``rawtherapee-filmsim``, ``picturefx``, ``freshluts-<author>`` or ``other``."""
    parts = Path(path).stem.split(_SEPARATOR)
    if parts[0] in RAWTHERAPEE_MAKERS:
        return RAWTHERAPEE
    if len(parts) > 1 and (parts[0] in (RAWTHERAPEE, "picturefx") or parts[0].startswith("freshluts-")):
        return parts[0]
    return "other"


def look_family(path: Path | str) -> str:
    """The family of the look at ``path`` (see the module docstring): its siblings share it."""
    parts = Path(path).stem.split(_SEPARATOR)
    collection = look_collection(path)
    name = parts[-1]
    if collection == RAWTHERAPEE:
        maker = parts[-2]
        if maker == "CreativePack-1":
            return f"{maker}_{_TRAILING_NUMBER.sub('', name)}"
        product = name.split("_")[1] if name.count("_") >= 1 else name
        return f"{maker}_{product}"
    if collection == "picturefx":
        return f"picturefx_{name.split('_')[0]}"
    if collection.startswith("freshluts-"):
        return f"{collection}_{_TRAILING_NUMBER.sub('', name)}"
    return Path(path).stem


def is_held_out_look(path: Path | str) -> bool:
    """Whether no run trains on the look at ``path``: its collection or its family is held out."""
    if look_collection(path) in HELD_OUT_COLLECTIONS:
        return True
    return zlib.crc32(look_family(path).encode("utf-8")) % FAMILY_HOLD_OUT_EVERY == 0


def split_looks(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """(training, held out) looks of ``paths``, each keeping the order it had."""
    return _partition(paths, [is_held_out_look(path) for path in paths])


def split_photos(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """(training, held out) photos: a held-out collection's photos, then one in ten of the rest (the folder right
    under the photo root names the collection)."""
    held = [path.parent.name in HELD_OUT_PHOTO_COLLECTIONS for path in paths]
    rest = [index for index, held_out in enumerate(held) if not held_out]
    for count, index in enumerate(rest):
        held[index] = count % PHOTO_HOLD_OUT_EVERY == 0
    return _partition(paths, held)


def _partition(items: Sequence[T], held: Sequence[bool]) -> tuple[list[T], list[T]]:
    training = [item for item, held_out in zip(items, held, strict=True) if not held_out]
    return training, [item for item, held_out in zip(items, held, strict=True) if held_out]
