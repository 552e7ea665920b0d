"""``pix2lut serve``, ``pix2lut grade`` and ``pix2lut match``: added to the ``pix2lut`` command by entry point."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from pix2lut.cdl import Cdl, write_cdl
from pix2lut.cube import parse_cube
from pix2lut.files import write_bytes_atomic
from pix2lut.imageio import read_image, write_image
from pix2lut.lut import RESOLVE_SIZES
from pix2lut.processor import LutProcessor
from pix2lut.protocol import COLOUR_KEYS, PROTOCOL_VERSION, encode_header
from server.client import (
    DEFAULT_ADDRESS,
    REQUEST_RETRIES,
    REQUEST_TIMEOUT_MS,
    Client,
    ClientError,
    Frame,
    Reply,
    ServerReplyError,
)
from server.colour_settings import colour_pipeline
from server.endpoints import parse_endpoint
from server.errors import ServerError
from server.loop import ServerConfig, serve
from server.model_folder import find_models
from server.providers import PROVIDER_ALIASES
from server.registry import ModelRegistry
from server.service import Service

MODELS_HELP = "folder with manifest.json (default: $PIX2LUT_MODELS, the checkout's onnx_models, the installed models)"


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Entry point of the ``pix2lut.commands`` group."""
    server = commands.add_parser("serve", help="run the inference server")
    server.add_argument("--bind", type=_endpoint, default=DEFAULT_ADDRESS,
                        help=f"ZeroMQ endpoint (default {DEFAULT_ADDRESS})")
    server.add_argument("--models", type=Path, help=MODELS_HELP)
    server.add_argument("--workers", type=int, default=1, help="model worker processes (one per GPU)")
    server.add_argument("--gpus", type=int, default=1, help="GPUs to spread the workers over: worker i uses GPU i mod N")
    server.add_argument("--provider", default="auto", choices=["auto", *PROVIDER_ALIASES])
    server.add_argument("--threads", type=int, help="onnxruntime threads per model (default: all cores)")
    server.add_argument("--curve-keys", type=Path, help="CURVE key folder; required to bind beyond loopback")
    server.add_argument("--allow-path", type=Path, action="append", default=[],
                        help="a folder whose files loopback clients may send by path (repeatable)")
    server.set_defaults(handler=run_serve)

    grade = commands.add_parser("grade", help="grade an image: its correction LUT (and CDL) from the server")
    grade.add_argument("image", type=Path)
    _add_request_options(grade)
    grade.set_defaults(handler=run_grade)

    match = commands.add_parser("match", help="the LUT that gives IMAGE the look of REFERENCE")
    match.add_argument("image", type=Path)
    match.add_argument("reference", type=Path)
    _add_request_options(match)
    match.set_defaults(handler=run_match)

    neutralize = commands.add_parser(
        "neutralize", help="the LUT that undoes a shot's look: one LUT for one or more frames of one shot")
    neutralize.add_argument("images", type=Path, nargs="+", metavar="image", help="frames of one shot (up to 16)")
    _add_request_options(neutralize)
    neutralize.set_defaults(handler=run_neutralize)

    look = commands.add_parser("look", help="the look of REFERENCE, as a LUT to put on neutral shots")
    look.add_argument("reference", type=Path)
    _add_request_options(look)
    look.set_defaults(handler=run_look)


def _endpoint(text: str) -> str:
    """``--bind``'s type: a bad endpoint is a usage error (argparse's, exit 2), caught before anything binds."""
    try:
        parse_endpoint(text)
    except ServerError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _colour_setting(text: str) -> tuple[str, str]:
    """``--colour``'s type: ``KEY=VALUE`` with one of Resolve's colour keys (``pix2lut.protocol.COLOUR_KEYS``)."""
    key, equals, value = text.partition("=")
    if not equals or key not in COLOUR_KEYS:
        raise argparse.ArgumentTypeError(f"{text!r}: expected KEY=VALUE with KEY one of {', '.join(COLOUR_KEYS)}")
    return key, value


def _add_request_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", type=Path, help="the .cube to write (default: beside the (first) image)")
    parser.add_argument("--model", help="model name (default: the server's default for the job)")
    parser.add_argument("--lut-size", type=int, choices=RESOLVE_SIZES, default=33)
    parser.add_argument("--strength", type=float, default=1.0, help="0 = untouched, 1 = full grade")
    parser.add_argument("--cdl", type=Path, help="also write the ASC CDL (.cdl)")
    parser.add_argument("--preview", type=Path, help="write a before/after image")
    parser.add_argument("--colour", type=_colour_setting, action="append", default=[], metavar="KEY=VALUE",
                        help="one of Resolve's colour settings, as Resolve names it (repeatable), e.g. "
                             "colorSpaceTimeline='DaVinci WG/Intermediate'; see docs/colour.md")
    parser.add_argument("--server", default=DEFAULT_ADDRESS, help="address of a running server")
    parser.add_argument("--timeout-ms", type=int, default=REQUEST_TIMEOUT_MS, help="wait this long for each try")
    parser.add_argument("--retries", type=int, default=REQUEST_RETRIES, help="tries before giving up")
    parser.add_argument("--local", action="store_true", help="run the pipeline in this process, no server")
    parser.add_argument("--models", type=Path, help=f"with --local: {MODELS_HELP}")


def run_serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    config = ServerConfig(
        bind=args.bind, models_dir=find_models(args.models), workers=args.workers, gpus=args.gpus, provider=args.provider,
        threads=args.threads,
        curve_keys=args.curve_keys, allowed_roots=tuple(args.allow_path),
    )
    return serve(config)


def run_grade(args: argparse.Namespace) -> int:
    return _request_and_write(args, "grade", [args.image])


def run_match(args: argparse.Namespace) -> int:
    return _request_and_write(args, "match", [args.image, args.reference])


def run_neutralize(args: argparse.Namespace) -> int:
    return _request_and_write(args, "neutralize", args.images)


def run_look(args: argparse.Namespace) -> int:
    return _request_and_write(args, "look", [args.reference])


def _request_and_write(args: argparse.Namespace, op: str, images: list[Path]) -> int:
    outputs = ["cube", "cdl"] if args.cdl else ["cube"]
    options = {"lut_size": args.lut_size, "strength": args.strength, "outputs": outputs}
    if args.model:
        options["model"] = args.model
    if args.colour:
        options["colour"] = dict(args.colour)
    frames = [Frame.from_file(image) for image in images]
    if args.local:
        reply = _local_request(find_models(args.models), op, frames, options)
    else:
        with Client(args.server, timeout_ms=args.timeout_ms, retries=args.retries) as client:
            reply = client.request(op, frames, **options)
    output = args.output or images[0].with_suffix(".cube")
    try:
        write_bytes_atomic(output, reply.cube_text.encode("ascii"))
    except OSError as exc:
        raise ClientError(f"{output}: cannot write ({exc.strerror})") from exc
    timings = ", ".join(f"{stage} {ms:.0f}" for stage, ms in reply.header.get("timings_ms", {}).items())
    print(f"wrote {output} ({reply.header['lut_size']}^3, model {reply.header['model']} on "
          f"{reply.header['provider']}; ms: {timings})")
    if "diagnosis" in reply.header:
        print(f"the shot: {reply.header['diagnosis']['summary']}")
    if args.colour:
        print(f"colour pipeline: {reply.header['colour_pipeline']}")
    for warning in reply.header.get("warnings", []):
        print(f"warning: {warning}")
    if args.cdl:
        cdl = reply.header["cdl"]
        write_cdl(Cdl(cdl["slope"], cdl["offset"], cdl["power"], cdl["saturation"]), args.cdl)
        print(f"wrote {args.cdl}")
    if args.preview:
        before = read_image(images[0]).pixels
        colour = colour_pipeline(options.get("colour", {}))  # the LUT is for the timeline space: O . LUT . O^-1
        node = LutProcessor(parse_cube(reply.cube_text, str(output)))
        after = node.apply(before) if colour.is_identity else colour.to_output(node.apply(colour.to_timeline(before)))
        write_image(args.preview, np.concatenate([before, after], axis=1))
        print(f"wrote {args.preview} (before | after)")
    return 0


def _local_request(models: Path, op: str, frames: list[Frame], options: dict) -> Reply:
    """The same request through the same service, in this process: what the server would answer."""
    service = Service(ModelRegistry.load(models))
    header = {"v": PROTOCOL_VERSION, "op": op, "id": 1, **options, "frames": [f.descriptor for f in frames]}
    reply = service.handle([encode_header(header), *(f.payload for f in frames)], peer_is_loopback=True)
    if not reply.header["ok"]:
        raise ServerReplyError(reply.header["error"]["code"], reply.header["error"]["message"])
    return Reply(reply.header, reply.payloads)

