"""The ``pix2lut`` command: LUT engine subcommands here, others added by packages through entry points.

Packages that build on ``pix2lut`` (the server's ``serve``, ``grade``, ``match``) register a function under the
entry-point group ``pix2lut.commands``; it receives the subparsers object and adds its own parser, whose
``handler`` default takes the parsed arguments and returns an exit code. So ``pix2lut`` never imports them.
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path

import cv2
import numpy as np

from pix2lut import __version__, demo
from pix2lut.apply import INTERPOLATIONS, apply_lut
from pix2lut.cdl import write_cdl
from pix2lut.cube import read_cube, write_cube
from pix2lut.errors import Pix2LutError
from pix2lut.figures import AXES, lut_figures
from pix2lut.fit import FitConfig, fit_lut
from pix2lut.fit_report import fit_report
from pix2lut.imageio import read_image, write_image
from pix2lut.lut import RESOLVE_SIZES
from pix2lut.ops import with_strength
from pix2lut.processor import LutProcessor
from pix2lut.samples import collect_samples

COMMAND_GROUP = "pix2lut.commands"
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # exits with EXIT_USAGE on bad usage, as argparse does
    return run_handler("pix2lut", args)


def run_handler(program: str, args: argparse.Namespace) -> int:
    """Run the chosen subcommand: our errors and file errors become one line on stderr and exit code 1."""
    try:
        return args.handler(args)
    except Pix2LutError as exc:
        print(f"{program} {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:  # a file our code did not wrap: still one line, never a traceback
        print(f"{program} {args.command}: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"{program} {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pix2lut", description="AI colour grading for DaVinci Resolve.")
    parser.add_argument("--version", action="version", version=f"pix2lut {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fit = commands.add_parser("fit", help="the LUT that turns SOURCE into TARGET (two aligned images)")
    fit.add_argument("source", type=Path, help="the image before the grade")
    fit.add_argument("target", type=Path, help="the same image after the grade")
    fit.add_argument("-o", "--output", type=Path, required=True, help="the .cube file to write")
    fit.add_argument("--size", type=int, choices=RESOLVE_SIZES, default=FitConfig.size, help="lattice size")
    fit.add_argument("--cdl", type=Path, help="also write the best ASC CDL (.cdl) for the same grade")
    fit.add_argument("--smoothness", type=float, default=FitConfig.smoothness, help="higher: smoother LUT")
    fit.set_defaults(handler=run_fit)

    apply = commands.add_parser("apply", help="apply a .cube LUT to an image (8/16-bit PNG, TIFF, JPEG)")
    apply.add_argument("lut", type=Path)
    apply.add_argument("image", type=Path)
    apply.add_argument("-o", "--output", type=Path, required=True, help="written at the input's bit depth")
    apply.add_argument("--interp", choices=INTERPOLATIONS, default="tetrahedral")
    apply.add_argument("--strength", type=float, default=1.0, help="0 = untouched, 1 = full LUT")
    apply.set_defaults(handler=run_apply)

    info = commands.add_parser("info", help="size, domain, range, smoothness and monotonicity of a .cube")
    info.add_argument("lut", type=Path)
    info.set_defaults(handler=run_info)

    demo.add_parser(commands)
    for command in entry_points(group=COMMAND_GROUP):
        command.load()(commands)
    return parser


def run_fit(args: argparse.Namespace) -> int:
    source = read_image(args.source).pixels
    target = read_image(args.target).pixels
    if source.shape != target.shape:
        # aligned frames at two resolutions (a proxy and a full-size export): compare them at the smaller one
        height, width = min(source.shape[0], target.shape[0]), min(source.shape[1], target.shape[1])
        print(f"note: sizes differ ({_size(source)} and {_size(target)}); both compared at {width}x{height}")
        source = cv2.resize(source, (width, height), interpolation=cv2.INTER_AREA)
        target = cv2.resize(target, (width, height), interpolation=cv2.INTER_AREA)
    started = time.perf_counter()
    samples = collect_samples([(source, target)])
    lut = fit_lut(samples, FitConfig(size=args.size, smoothness=args.smoothness))
    elapsed_ms = (time.perf_counter() - started) * 1e3
    write_cube(lut, args.output)
    report = fit_report(samples, lut)
    if args.cdl:
        write_cdl(report.cdl, args.cdl)
    print(f"wrote {args.output} ({lut.size}^3, fitted in {elapsed_ms:.0f} ms from {report.samples} colour bins, "
          f"{report.coverage:.0%} of the cube covered)")
    print(f"mean CIEDE2000 to the target: untouched {report.delta_e_untouched:.2f}, LUT {report.delta_e_lut:.2f}, "
          f"CDL alone {report.delta_e_cdl:.2f} (the CDL carries {report.cdl_explains:.0%} of the grade)")
    if args.cdl:
        print(f"wrote {args.cdl}")
    return EXIT_OK


def run_apply(args: argparse.Namespace) -> int:
    lut = read_cube(args.lut)
    if args.strength != 1.0:
        lut = with_strength(lut, args.strength)
    image = read_image(args.image)
    # OpenColorIO is the fast path for the portable form; the numpy reference handles domains and shapers
    graded = LutProcessor(lut, args.interp).apply(image.pixels) if lut.is_unit_domain else apply_lut(
        image.pixels, lut, args.interp)
    bit_depth = image.bit_depth if image.bit_depth in (8, 16) else 16
    write_image(args.output, graded, bit_depth=bit_depth)
    print(f"wrote {args.output} ({_size(graded)}, {bit_depth}-bit, {args.interp})")
    return EXIT_OK


def run_info(args: argparse.Namespace) -> int:
    lut = read_cube(args.lut)
    figures = lut_figures(lut)
    rows = [
        ("file", str(args.lut)),
        ("title", lut.title or "-"),
        ("size", f"{lut.size}^3 ({lut.size**3} nodes)"),
        ("domain", f"{_triplet(lut.domain_min)} .. {_triplet(lut.domain_max)}"),
        ("shaper", f"1D, {lut.shaper.size} entries" if lut.shaper else "none"),
        ("output range", f"{_triplet(figures.output_min)} .. {_triplet(figures.output_max)}"),
        ("max change", f"{figures.max_deviation_from_identity:.4f} (largest distance from the identity)"),
        ("smoothness", (f"second difference mean {figures.mean_second_difference:.5f}, "
                        f"max {figures.max_second_difference:.5f}")),
        ("monotonicity", ", ".join(f"{axis} falls at {share:.2%} of steps"
                                   for axis, share in zip(AXES, figures.falling_steps))),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return EXIT_OK


def _size(pixels: np.ndarray) -> str:
    return f"{pixels.shape[1]}x{pixels.shape[0]}"


def _triplet(values: object) -> str:
    return "(" + ", ".join(f"{float(v):.4f}" for v in np.asarray(values).reshape(3)) + ")"


if __name__ == "__main__":
    raise SystemExit(main())
