#!/usr/bin/env bash
# Sets up .venv and runs the product on the shipped sample frame.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh cpu
.venv/bin/pix2lut demo --output pix2lut-demo
