#!/usr/bin/env bash
# Sets up .venv, starts the inference server with the shipped default models, grades the sample frame through it
# (LUT, CDL and a before/after picture in pix2lut-demo/), and stops the server again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh cpu
address="tcp://127.0.0.1:5555"
mkdir -p pix2lut-demo
.venv/bin/pix2lut serve --bind "$address" --models onnx_models &
server=$!
trap 'kill -INT "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
.venv/bin/pix2lut grade pix2lut/data/sample_frame.jpg --server "$address" --timeout-ms 60000 --retries 1 \
  -o pix2lut-demo/sample_frame.cube --cdl pix2lut-demo/sample_frame.cdl --preview pix2lut-demo/before_after.png
