#!/usr/bin/env bash
# Sets up .venv, starts the inference server with the shipped default models (onnx_models/), grades the sample
# shot through it (a frame 1 EV under, too cool and flat: LUT, CDL and a before/after picture in pix2lut-demo/,
# and the diagnosis printed), and stops the server again.
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
.venv/bin/pix2lut grade pix2lut/data/sample_shot.jpg --server "$address" --timeout-ms 60000 --retries 1 \
  -o pix2lut-demo/sample_shot.cube --cdl pix2lut-demo/sample_shot.cdl --preview pix2lut-demo/before_after.png
echo "run: the grade of the sample shot is in pix2lut-demo/ (sample_shot.cube, sample_shot.cdl, before_after.png)"
