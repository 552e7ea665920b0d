"""``pix2lut demo``: the LUT engine end to end on the shipped sample frame, with a before/after picture.

A colourist's grade is stood in for by an ASC CDL (warm, lifted, contrasty); the engine fits the 33^3 LUT that
reproduces it from the frame pair alone, writes it as .cube, and applies it back.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from pix2lut.cdl import Cdl, apply_cdl
from pix2lut.cube import read_cube, write_cube
from pix2lut.fit import FitConfig, fit_lut
from pix2lut.fit_report import fit_report
from pix2lut.imageio import read_image, write_image
from pix2lut.processor import LutProcessor
from pix2lut.samples import collect_samples

SAMPLE_FRAME = Path(__file__).parent / "data" / "sample_frame.jpg"
DEMO_GRADE = Cdl(slope=(1.08, 1.0, 0.9), offset=(0.02, 0.01, 0.0), power=(0.95, 1.0, 1.1), saturation=1.15)


def add_parser(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo", help="fit and apply a LUT on the shipped sample frame")
    demo.add_argument("-o", "--output", type=Path, default=Path("pix2lut-demo"), help="folder for the results")
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    args.output.mkdir(parents=True, exist_ok=True)
    frame = read_image(SAMPLE_FRAME).pixels
    graded = apply_cdl(frame, DEMO_GRADE)

    started = time.perf_counter()
    samples = collect_samples([(frame, graded)])
    lut = fit_lut(samples, FitConfig(size=33))
    fitted_ms = (time.perf_counter() - started) * 1e3
    cube_path = args.output / "grade.cube"
    write_cube(lut, cube_path)
    result = LutProcessor(read_cube(cube_path)).apply(frame)

    before_after = np.concatenate([frame, result], axis=1)
    write_image(args.output / "before_after.png", before_after)
    report = fit_report(samples, lut)
    print(f"sample frame {SAMPLE_FRAME.name}: 33^3 LUT fitted in {fitted_ms:.0f} ms -> {cube_path}")
    print(f"mean CIEDE2000 to the grade: untouched {report.delta_e_untouched:.2f}, LUT {report.delta_e_lut:.2f}")
    print(f"before | after -> {args.output / 'before_after.png'}")
    return 0
