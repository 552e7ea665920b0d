"""Write pairs to disk, to look at what training sees: ``source/``, ``target/``, ``lut/`` and a contact sheet.

    python -m training.data.make_pairs --task grade --count 16 --out runs/pairs
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from pix2lut.cube import write_cube
from pix2lut.errors import Pix2LutError
from pix2lut.imageio import write_image
from pix2lut.lut import Lut3D
from pix2lut.ops import resample
from training.config import SHARED_DATA
from training.data.looks import load_looks
from training.data.pairs import DEFAULT_CROP, DEFAULT_LUT_SIZE, TASKS, Pair, SyntheticPairs, list_photos
from training.errors import DataError

MIN_INDEX_DIGITS = 4  # NNNN.png
IMAGE_BIT_DEPTH = 16  # keeps synthesized values to 1/65535, so the written LUT still maps source to target
SHEET_COLUMNS = 4  # pairs per row of the contact sheet
THUMBNAIL_SIDE = 160  # pixels: each source and target thumbnail fits a square of this side
GAP = 8  # pixels between pairs on the sheet
SHEET_BACKGROUND = 0.15  # dark grey, so light and dark images both stand out
LABEL_SCALE = 0.4  # OpenCV font scale of the pair number
LABEL_COLOUR = (255, 255, 255)  # white, in 8-bit code values
CODE_WHITE = 255  # the sheet is an 8-bit PNG

EXIT_FAILURE = 1


def make_pairs(
    pairs: Sequence[Pair], out_dir: str | os.PathLike[str], count: int, lut_size: int = DEFAULT_LUT_SIZE
) -> list[Path]:
    """Write the first ``count`` pairs as ``source/NNNN.png``, ``target/NNNN.png`` (16-bit), ``lut/NNNN.cube``
    (where the pair's LUT is known, resampled to ``lut_size``) and ``contact_sheet.png`` (source | target).

    Returns
    -------
    The paths written, pair by pair, the contact sheet last.

    Raises
    ------
    DataError
        ``count`` is not in ``1..len(pairs)``.
    """
    if not 1 <= count <= len(pairs):
        raise DataError(f"count must be in 1..{len(pairs)} (the pairs available), found {count}")
    out_dir = Path(out_dir)
    for folder in ("source", "target", "lut"):
        (out_dir / folder).mkdir(parents=True, exist_ok=True)
    digits = max(MIN_INDEX_DIGITS, len(str(count - 1)))
    written: list[Path] = []
    thumbnails: list[np.ndarray] = []
    for index in tqdm(range(count), desc="pairs", unit="pair"):
        pair = pairs[index]
        stem = f"{index:0{digits}d}"
        for folder, image in (("source", pair.source), ("target", pair.target)):
            path = out_dir / folder / f"{stem}.png"
            write_image(path, image, IMAGE_BIT_DEPTH)
            written.append(path)
        if pair.lut is not None:
            path = out_dir / "lut" / f"{stem}.cube"
            write_cube(_portable(pair.lut, lut_size), path)
            written.append(path)
        thumbnails.append(_pair_thumbnail(pair, stem))
    sheet_path = out_dir / "contact_sheet.png"
    write_image(sheet_path, contact_sheet(thumbnails))
    written.append(sheet_path)
    return written


def contact_sheet(cells: Sequence[np.ndarray], columns: int = SHEET_COLUMNS) -> np.ndarray:
    """Cells of one shape laid out in rows of ``columns``, ``GAP`` pixels apart, on a dark background."""
    if not cells:
        raise DataError("a contact sheet needs at least one cell")
    cell_height, cell_width = cells[0].shape[:2]
    rows = -(-len(cells) // columns)  # ceiling division
    used_columns = min(columns, len(cells))
    height = rows * cell_height + (rows + 1) * GAP
    width = used_columns * cell_width + (used_columns + 1) * GAP
    sheet = np.full((height, width, 3), SHEET_BACKGROUND, dtype=np.float32)
    for number, cell in enumerate(cells):
        row, column = divmod(number, columns)
        top, left = GAP + row * (cell_height + GAP), GAP + column * (cell_width + GAP)
        sheet[top : top + cell_height, left : left + cell_width] = cell
    return sheet


def _pair_thumbnail(pair: Pair, label: str) -> np.ndarray:
    """Source | target, each letterboxed into a ``THUMBNAIL_SIDE`` square, with ``label`` in the corner."""
    cell = np.concatenate([_letterboxed(pair.source), _letterboxed(pair.target)], axis=1)
    code_values = np.rint(cell * CODE_WHITE).astype(np.uint8)  # OpenCV draws text on 8-bit images only
    baseline = THUMBNAIL_SIDE - GAP
    cv2.putText(code_values, label, (GAP // 2, baseline), cv2.FONT_HERSHEY_SIMPLEX, LABEL_SCALE, LABEL_COLOUR, 1,
                cv2.LINE_AA)
    return code_values.astype(np.float32) / np.float32(CODE_WHITE)


def _letterboxed(image: np.ndarray) -> np.ndarray:
    """``image`` scaled to fit a ``THUMBNAIL_SIDE`` square (aspect kept), centred on the sheet background."""
    height, width = image.shape[:2]
    scale = THUMBNAIL_SIDE / max(height, width)
    new_width, new_height = max(1, round(width * scale)), max(1, round(height * scale))
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    resized = cv2.resize(np.ascontiguousarray(image), (new_width, new_height), interpolation=interpolation)
    box = np.full((THUMBNAIL_SIDE, THUMBNAIL_SIDE, 3), SHEET_BACKGROUND, dtype=np.float32)
    top, left = (THUMBNAIL_SIDE - new_height) // 2, (THUMBNAIL_SIDE - new_width) // 2
    box[top : top + new_height, left : left + new_width] = np.clip(resized, 0.0, 1.0)
    return box


def _portable(lut: Lut3D, size: int) -> Lut3D:
    """``lut`` on the unit domain at ``size``, values in [0, 1]: the form ``write_cube`` writes."""
    if lut.size != size or not lut.is_unit_domain:
        lut = resample(lut, size)
    return Lut3D(np.clip(lut.table, 0.0, 1.0))


def main(argv: Sequence[str] | None = None) -> int:
    """Synthesize pairs from photos and write them with :func:`make_pairs`; 1 on failure, 2 for usage."""
    parser = argparse.ArgumentParser(prog="python -m training.data.make_pairs", description=__doc__.split("\n")[0])
    parser.add_argument("--task", choices=TASKS, default="grade")
    parser.add_argument("--photos", type=Path, default=SHARED_DATA / "photos")
    parser.add_argument("--looks", type=Path, default=None, help="folder of .cube looks (neutralize and look tasks)")
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=DEFAULT_CROP)
    parser.add_argument("--lut-size", type=int, default=DEFAULT_LUT_SIZE)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        looks = load_looks(args.looks) if args.looks is not None else []
        pairs = SyntheticPairs(list_photos(args.photos), args.task, looks, seed=args.seed, length=args.count,
                               size=args.size, lut_size=args.lut_size)
        written = make_pairs(pairs, args.out, args.count, args.lut_size)
    except Pix2LutError as exc:
        print(f"make_pairs: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"wrote {len(written)} files to {args.out} (contact sheet: {written[-1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
