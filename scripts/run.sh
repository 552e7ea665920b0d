#!/usr/bin/env bash
# Sets up .venv, starts the inference server with the shipped default models (onnx_models/), grades the sample
# frame through it (LUT, CDL and a before/after picture in pix2lut-demo/), and stops the server again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh cpu
port="$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
address="tcp://127.0.0.1:$port"
mkdir -p pix2lut-demo
.venv/bin/pix2lut serve --bind "$address" --models onnx_models &
server=$!
trap 'kill -INT "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
# the first request waits for the server to load its models
.venv/bin/pix2lut grade pix2lut/data/sample_frame.jpg --server "$address" --timeout-ms 60000 --retries 1 \
  -o pix2lut-demo/sample_frame.cube --cdl pix2lut-demo/sample_frame.cdl --preview pix2lut-demo/before_after.png
echo "run: the grade of the sample frame is in pix2lut-demo/ (sample_frame.cube, sample_frame.cdl, before_after.png)"
