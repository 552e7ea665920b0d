#!/usr/bin/env bash
# Sets up .venv and runs Pix2LUT on the shipped sample frame. No default model ships yet (see the README's
# status), so this runs the LUT engine end to end: it fits the LUT of a grade from a before/after pair of the
# sample frame and writes pix2lut-demo/grade.cube and pix2lut-demo/before_after.png. Once onnx_models/ holds a
# default grade model, this becomes: start `pix2lut serve`, then `pix2lut grade` the sample frame through it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh cpu
.venv/bin/pix2lut demo --output pix2lut-demo
