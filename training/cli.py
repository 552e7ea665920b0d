"""``python -m training`` (also ``pix2lut-train``): train, evaluate, export, make-pairs.

Each takes a config file (TOML or YAML) and ``--set section.key=value`` overrides; see ``training.config``.
Each subcommand imports what it needs when it runs, so ``--help`` answers without loading torch.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from pix2lut.cli import EXIT_OK, run_handler


def main(argv: list[str] | None = None) -> int:
    return run_handler("pix2lut-train", build_parser().parse_args(argv))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pix2lut-train", description="Train, evaluate and export Pix2LUT models.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="train a model (checkpoints in run.out_dir)")
    _config_options(train)
    train.add_argument("--resume", action="store_true", help="continue from run.out_dir/last.pt")
    train.set_defaults(handler=run_train)

    evaluate = commands.add_parser("evaluate", help="evaluate an exported model through the server's pipeline")
    evaluate.add_argument("--models", type=Path, required=True, help="folder with manifest.json and the model")
    evaluate.add_argument("--model", help="model name (default: the folder's default for --role)")
    evaluate.add_argument("--role", default="grade", choices=["grade", "neutralize", "look"])
    evaluate.add_argument("--pairs", type=Path, help="folder of real pairs: input/ and target/ (or expertC/)")
    evaluate.add_argument("--held-out", action="store_true",
                          help="only the pairs the model's training held out of --pairs (one in four, its "
                               "data.real_fold), as the model cards report")
    evaluate.add_argument("--sequence", type=Path, action="append", default=[], help="a folder of frames (repeat)")
    evaluate.add_argument("--lut-size", type=int, default=33, choices=[17, 33, 65])
    evaluate.add_argument("-o", "--output", type=Path, required=True, help="folder for report.json and the sheet")
    evaluate.set_defaults(handler=run_evaluate)

    export = commands.add_parser("export", help="export a checkpoint to ONNX, with manifest entry and model card")
    export.add_argument("checkpoints", type=Path, nargs="+", metavar="checkpoint",
                        help="one checkpoint, or several runs of one model to export as their ensemble (mean output)")
    export.add_argument("-o", "--output", type=Path, required=True, help="models folder (e.g. onnx_models)")
    export.add_argument("--name", required=True, help="the model's name in the manifest")
    export.add_argument("--metrics", type=Path, help="an evaluation report.json whose summary goes in the card")
    export.add_argument("--default", action="store_true", help="make it the server's default for its role")
    export.set_defaults(handler=run_export)

    make_pairs = commands.add_parser("make-pairs", help="write a synthetic set to disk with a contact sheet")
    _config_options(make_pairs)
    make_pairs.add_argument("--count", type=int, default=32)
    make_pairs.add_argument("-o", "--output", type=Path, required=True)
    make_pairs.set_defaults(handler=run_make_pairs)
    return parser


def _config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML or YAML file")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override one setting, e.g. --set optim.lr=1e-4 (repeatable)")


def run_train(args: argparse.Namespace) -> int:
    from training.config import load_config
    from training.train import train

    config = load_config(args.config, args.overrides)
    checkpoint = train(config, resume=args.resume)
    print(f"checkpoint: {checkpoint}")
    return EXIT_OK


def run_evaluate(args: argparse.Namespace) -> int:
    from training.data.pairs import FrameSequence, RealPairs
    from training.data_sources import held_out_real_pairs
    from training.evaluate import evaluate, held_out_fold, load_model

    model = load_model(args.models, args.model, args.role)
    if args.pairs and args.held_out:
        pairs = held_out_real_pairs(args.pairs, held_out_fold(model))
    else:
        pairs = RealPairs(args.pairs) if args.pairs else []
    sequences = {folder.name: list(FrameSequence(folder)) for folder in args.sequence}
    report = evaluate(model, pairs, sequences, args.lut_size, args.output)
    print(json.dumps({"summary": report.summary(), "sequences": report.sequences}, indent=2))
    print(f"report: {args.output / 'report.json'}")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    from training.export import export

    metrics = None
    if args.metrics:
        summary = json.loads(args.metrics.read_text())["summary"]["model"]
        metrics = {key: round(value, 4) for key, value in summary.items()}
    command = "pix2lut-train " + shlex.join(sys.argv[1:]) if sys.argv else ""
    result = export(args.checkpoints, args.output, args.name, metrics, command, default=args.default)
    print(f"exported {result.onnx_path} (parity {result.max_abs_diff:.1e}); manifest and card in {args.output}")
    return EXIT_OK


def run_make_pairs(args: argparse.Namespace) -> int:
    from training.config import load_config
    from training.data.make_pairs import make_pairs
    from training.data_sources import training_pairs

    config = load_config(args.config, args.overrides)
    written = make_pairs(training_pairs(config), args.output, args.count, config.model.lut_size)
    print(f"wrote {len(written)} files to {args.output}")
    return EXIT_OK
