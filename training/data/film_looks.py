"""Film looks made from film stock datasheets, as further looks for a neutralizer to learn to read.

The 72 training looks of the shared collection are too few for a model to read a look it never saw from one frame
(``onnx_models/neutralize-library.md``). spectral-film-lut (Jan Lohse, MIT licence) simulates film from the
manufacturers' published curves and spectral sensitivities: a colour negative printed on a print stock, or a
reversal film projected. Each look here is one such rendering of a display-referred sRGB frame, at a random
exposure compensation and scene white balance, baked to a 17^3 ``.cube``. Tried as ``data.extra_looks`` for the
neutralizer: no better on the collection's held-out looks, worse with many (the card has the figures).

spectral-film-lut needs PyQt6 and opencv-python, which must not sit beside this project's PySide6 and headless
OpenCV, so it runs in a venv of its own, from the checkout (this module needs only numpy and the checkout)::

    python -m venv .venv-film && .venv-film/bin/pip install spectral-film-lut==0.18.13
    .venv-film/bin/python -m training.data.film_looks -o runs/film-looks --count 200 --seed 0
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pix2lut.cube import write_cube
from pix2lut.lut import Lut3D
from training.errors import DataError

LUT_SIZE = 17  # as the shared looks
PRINTED_SHARE = 0.8  # the others are reversal films, projected
EXPOSURE_STOPS = 0.6  # exposure compensation drawn in [-this, this]
SCENE_KELVIN = (4800.0, 7000.0)  # scene white balance; the stocks are balanced for 5500 K (daylight) or tungsten
PIP_SPEC = "spectral-film-lut==0.18.13"


@dataclass(frozen=True)
class FilmRecipe:
    """One look: a camera stock, the print stock it is printed on (none for a reversal film), how it is exposed."""

    camera: str
    printed_on: str | None
    exposure_stops: float
    scene_kelvin: float

    @property
    def title(self) -> str:
        stock = f"{self.camera} > {self.printed_on}" if self.printed_on else self.camera
        return f"{stock} (exp {self.exposure_stops:+.2f}, {self.scene_kelvin:.0f} K)"

    @property
    def file_stem(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "_", self.title).strip("_")


def draw_recipes(negatives: Sequence[str], prints: Sequence[str], reversals: Sequence[str], count: int,
                 seed: int) -> list[FilmRecipe]:
    """``count`` random recipes over the named colour stocks, fixed by ``seed``."""
    if not negatives or not prints or not reversals:
        raise DataError("film looks need colour negative, print and reversal stocks")
    rng = np.random.default_rng(seed)
    recipes = []
    for _ in range(count):
        exposure = float(rng.uniform(-EXPOSURE_STOPS, EXPOSURE_STOPS))
        kelvin = float(rng.uniform(*SCENE_KELVIN))
        if rng.random() < PRINTED_SHARE:
            camera, printed_on = negatives[rng.integers(len(negatives))], prints[rng.integers(len(prints))]
        else:
            camera, printed_on = reversals[rng.integers(len(reversals))], None
        recipes.append(FilmRecipe(camera, printed_on, exposure, kelvin))
    return recipes


class FilmRenderer:
    """Bakes recipes through spectral-film-lut; each stock's spectral model is built once (seconds each)."""

    def __init__(self) -> None:
        try:
            import colour
            import spectral_film_lut
            from spectral_film_lut.film_spectral import FilmSpectral
            from spectral_film_lut.utils import create_lut
        except ImportError as error:
            raise DataError(f"film looks need {PIP_SPEC} in a venv of its own (see {__name__}'s docstring): "
                            f"{error}") from None
        self._film_spectral, self._create_lut = FilmSpectral, create_lut
        self._srgb = colour.RGB_COLOURSPACES["sRGB"]
        self.negatives = _colour_stocks(spectral_film_lut.NEGATIVE_FILM)
        self.prints = _colour_stocks(spectral_film_lut.PRINT_FILM)
        self.reversals = _colour_stocks(spectral_film_lut.REVERSAL_FILM)
        self._datasheets = {**self.negatives, **self.prints, **self.reversals}
        self._built: dict[str, object] = {}

    def render(self, recipe: FilmRecipe) -> Lut3D:
        camera = self._stock(recipe.camera)
        printed_on = self._stock(recipe.printed_on, negative=camera) if recipe.printed_on else None
        table = self._create_lut(camera, printed_on, lut_size=LUT_SIZE, cube=False, input_colorspace=self._srgb,
                                 gamma_func="sRGB", exp_comp=recipe.exposure_stops, exp_kelvin=recipe.scene_kelvin)
        table = np.clip(np.nan_to_num(np.asarray(table, np.float32)), 0.0, 1.0)
        return Lut3D(table)

    def _stock(self, name: str, negative: object | None = None) -> object:
        if name not in self._built:
            stock = self._film_spectral(self._datasheets[name])
            if negative is not None and stock.stage == "print" and stock.density_measure == "status_a":
                stock.set_color_checker(negative=negative)  # status A prints are balanced on their negative
            else:
                stock.set_color_checker()
            self._built[name] = stock
        return self._built[name]


def _colour_stocks(stocks: Sequence) -> dict[str, object]:
    """The colour ones of a package list, by name, in its order (the lists repeat some stocks)."""
    return {stock.name: stock for stock in stocks if stock.density_measure != "bw"}


def write_film_looks(folder: Path, count: int, seed: int) -> Iterator[Path]:
    """Render and write ``count`` looks into ``folder``, numbered in draw order; yields each file written."""
    renderer = FilmRenderer()
    # in the package's own order: a pinned version draws the same looks
    recipes = draw_recipes(list(renderer.negatives), list(renderer.prints), list(renderer.reversals), count, seed)
    folder.mkdir(parents=True, exist_ok=True)
    for index, recipe in enumerate(recipes):
        path = folder / f"{index:03d}__{recipe.file_stem}.cube"
        write_cube(renderer.render(recipe), path)
        yield path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.data.film_looks", description=__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", type=Path, required=True, help="folder for the .cube looks")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        for number, path in enumerate(write_film_looks(args.output, args.count, args.seed), start=1):
            print(f"{number}/{args.count} {path.name} ({time.monotonic() - start:.0f} s)", flush=True)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1  # as pix2lut's commands do (pix2lut.cli, not imported: it needs the whole product)
    return 0


if __name__ == "__main__":
    sys.exit(main())
