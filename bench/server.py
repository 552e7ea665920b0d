"""Server latency and throughput: ``grade`` on 1080p frames sent as PNG, raw uint8 and raw float16.

For each encoding: p50/p95 end to end, and the stages the server reports (decode, resize, inference, fit,
encode) plus transport (end to end minus the server's own total: serialisation and ZeroMQ both ways). Then
requests per second with 1 and 2 worker processes, several clients at once. All on loopback.

    python -m bench.server [--models DIR] [--requests 40] [--frame PATH]

Without ``--models`` it uses ``onnx_models/`` when that holds models, else tiny stand-in models of the default
input size built like the tests' (so inference time is then not representative; the rest is).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from server.client import Client, Frame
from tests.server.conftest import free_port
from tests.server.model_factory import add_model

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FRAME = ROOT / "pix2lut" / "data" / "sample_frame.jpg"
FRAME_SIZE = (1920, 1080)
STAND_IN_INPUT_SIZE = 256  # the default input size of the image2lut family
SERVER_START_TIMEOUT_MS = 30_000
THROUGHPUT_CLIENTS = 4


def stand_in_models(folder: Path) -> Path:
    add_model(folder, "grade-lut", "image2lut", "grade", size=STAND_IN_INPUT_SIZE, default=True, lut_size=33)
    return folder


def start_server(models: Path, workers: int) -> tuple[subprocess.Popen, str]:
    address = f"tcp://127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [sys.executable, "-m", "pix2lut.cli", "serve", "--bind", address, "--models", str(models),
         "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    with Client(address, timeout_ms=SERVER_START_TIMEOUT_MS, retries=1) as client:
        client.ping()
    return process, address


def stop_server(process: subprocess.Popen, address: str) -> None:
    with Client(address, timeout_ms=5000, retries=1) as client:
        client.request("shutdown")
    process.wait(timeout=30)


def frames_to_send(pixels: np.ndarray) -> dict[str, Frame]:
    uint8 = np.round(pixels * 255).astype(np.uint8)
    return {
        "png": Frame.encoded(cv2.imencode(".png", uint8[:, :, ::-1])[1].tobytes()),
        "raw uint8": Frame.raw(uint8),
        "raw float16": Frame.raw(pixels.astype(np.float16)),
    }


def latency_table(address: str, frames: dict[str, Frame], requests: int) -> None:
    stages = ["decode", "resize", "inference", "fit", "encode"]
    print(f"{'frame':<12} {'MB':>6} {'p50 ms':>8} {'p95 ms':>8} {'transport':>10} "
          + " ".join(f"{s:>9}" for s in stages))
    with Client(address) as client:
        for name, frame in frames.items():
            client.request("grade", [frame])  # warm
            total, transport, per_stage = [], [], {s: [] for s in stages}
            for _ in range(requests):
                started = time.perf_counter()
                reply = client.request("grade", [frame])
                elapsed = (time.perf_counter() - started) * 1e3
                timings = reply.header["timings_ms"]
                total.append(elapsed)
                transport.append(elapsed - timings["total"])
                for stage in stages:
                    per_stage[stage].append(timings.get(stage, 0.0))
            size_mb = len(frame.payload) / 1e6
            p50, p95 = np.percentile(total, [50, 95])
            print(f"{name:<12} {size_mb:>6.1f} {p50:>8.1f} {p95:>8.1f} {statistics.median(transport):>10.2f} "
                  + " ".join(f"{statistics.median(per_stage[s]):>9.1f}" for s in stages))


def throughput(address: str, frame: Frame, requests: int) -> float:
    per_client = max(1, requests // THROUGHPUT_CLIENTS)

    def run() -> None:
        with Client(address) as client:
            for _ in range(per_client):
                client.request("grade", [frame])

    threads = [threading.Thread(target=run) for _ in range(THROUGHPUT_CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return per_client * THROUGHPUT_CLIENTS / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--frame", type=Path, default=DEFAULT_FRAME)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        models = args.models
        if models is None:
            shipped = ROOT / "onnx_models"
            has_models = json.loads((shipped / "manifest.json").read_text()).get("models")
            models = shipped if has_models else stand_in_models(Path(scratch))
        pixels = cv2.cvtColor(cv2.imread(str(args.frame)), cv2.COLOR_BGR2RGB).astype(np.float32) / 255
        pixels = cv2.resize(pixels, FRAME_SIZE, interpolation=cv2.INTER_CUBIC).clip(0, 1)
        frames = frames_to_send(pixels)

        print(f"grade, 1080p frame, models from {models}, {args.requests} requests each, one client\n")
        process, address = start_server(models, workers=1)
        try:
            latency_table(address, frames, args.requests)
            rate_one = throughput(address, frames["raw uint8"], args.requests)
        finally:
            stop_server(process, address)
        process, address = start_server(models, workers=2)
        try:
            rate_two = throughput(address, frames["raw uint8"], args.requests)
        finally:
            stop_server(process, address)
        print(f"\nthroughput, raw uint8, {THROUGHPUT_CLIENTS} clients: 1 worker {rate_one:.1f} req/s, "
              f"2 workers {rate_two:.1f} req/s (x{rate_two / rate_one:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
