"""Neutralize + Look over a long timeline: what the script costs per clip beyond the server's own work.

A fake Resolve (tests/fakes) with ``--clips`` clips of generated 1080p-wide frames, two labelled nodes each and a
reference marker; a real server in a subprocess; the script run in this process, as Resolve runs it. The table
splits the wall time into the server's time (the sum of the ``total`` each reply reports: decode, inference,
fit, encode), the fake's still exports (standing in for Resolve's own export, which the script cannot speed
up) and the rest: the script itself (playhead moves, files, journal, versions, LUT calls) plus transport.

    python -m bench.timeline [--clips 100] [--models DIR]

Target: the script's own time at most 0.5 s a clip. Without ``--models`` it uses ``onnx_models/`` when that
holds a neutralize model, else the tests' tiny stand-in models (inference then not representative).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.server import start_server, stop_server
from resolve_scripts.progress import ConsoleProgress
from resolve_scripts.settings import Settings
from resolve_scripts.timeline_grade import neutralize_and_look
from resolve_scripts.transport import GradeClient, ZmqTransport
from tests.fakes import FakeClip, FakeResolve, gradient_frames
from tests.server.conftest import make_models

ROOT = Path(__file__).resolve().parents[1]
FRAME_SIZE = (1920, 800)  # a 2.40:1 picture in a 1080p-wide frame
FRAMES_PER_CLIP = 12
REFERENCE_FRAME = 5
TARGET_S_PER_CLIP = 0.5


class TimedClient(GradeClient):
    """The scripts' client, adding up the time each reply says the server spent."""

    def __init__(self, transport) -> None:
        super().__init__(transport)
        self.server_ms = 0.0
        self.requests = 0

    def request(self, op, frames=(), **options):
        header, payloads = super().request(op, frames, **options)
        self.server_ms += float((header.get("timings_ms") or {}).get("total", 0.0))
        self.requests += 1
        return header, payloads


class Quiet(ConsoleProgress):
    def step(self, done: int, total: int, line: str) -> None:
        if done % 25 == 0 or done == total:
            super().step(done, total, line)


def timeline_of(clips: int) -> list[FakeClip]:
    frames = gradient_frames(*FRAME_SIZE, FRAMES_PER_CLIP, seed=0)
    gains = [(1.0 + 0.2 * ((n % 5) - 2) / 2, 1.0, 1.0 - 0.2 * ((n % 3) - 1)) for n in range(clips)]
    return [FakeClip(f"Shot {n + 1:03d}", frames, nodes=("Neutralize", "Look"), gain=gains[n]) for n in range(clips)]


def models_folder(given: Path | None, scratch: Path) -> Path:
    if given:
        return given
    shipped = ROOT / "onnx_models"
    entries = json.loads((shipped / "manifest.json").read_text()).get("models", [])
    if any(entry.get("role") == "neutralize" for entry in entries):
        return shipped
    return make_models(scratch / "models")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=100)
    parser.add_argument("--models", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        models = models_folder(args.models, scratch)
        resolve = FakeResolve.create(scratch / "resolve", clips=timeline_of(args.clips))
        assert resolve.fake_timeline().AddMarker(REFERENCE_FRAME, "Blue", "Reference", "", 1)
        exports = {"s": 0.0, "count": 0}
        project = resolve.fake_project()
        export = project.ExportCurrentFrameAsStill

        def timed_export(path: str) -> bool:  # the fake's own cost, standing in for Resolve's
            started = time.perf_counter()
            try:
                return export(path)
            finally:
                exports["s"] += time.perf_counter() - started
                exports["count"] += 1

        project.ExportCurrentFrameAsStill = timed_export
        process, address = start_server(models, workers=1)
        client = TimedClient(ZmqTransport(address, timeout_ms=60_000, retries=1))
        settings = Settings({"server": address, "lut_root": str(resolve.fake_master_lut_root)})
        try:
            started = time.perf_counter()
            lines = neutralize_and_look(resolve, settings, Quiet(), client=client)
            wall = time.perf_counter() - started
        finally:
            client.close()
            stop_server(process, address)
    server_s = client.server_ms / 1000.0
    script_s = wall - server_s - exports["s"]
    print("\n".join(lines))
    print(f"\nNeutralize + Look, {args.clips} clips of {FRAME_SIZE[0]}x{FRAME_SIZE[1]}, "
          f"{settings.frames_per_clip} stills a clip, models from {models}")
    print(f"{'part':<34} {'total s':>9} {'per clip s':>11}")
    for name, seconds in (("wall", wall), ("server (reported total)", server_s),
                          (f"fake still exports ({exports['count']})", exports["s"]),
                          ("script + transport", script_s)):
        print(f"{name:<34} {seconds:>9.2f} {seconds / args.clips:>11.3f}")
    print(f"target: script + transport <= {TARGET_S_PER_CLIP} s a clip; ratio to target "
          f"{script_s / args.clips / TARGET_S_PER_CLIP:.2f}; {client.requests} requests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
