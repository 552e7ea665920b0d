#!/usr/bin/env bash
# Sets up .venv with the test and training extras, installs ffmpeg (the conformance tests run the real client), runs all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v ffmpeg >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing ffmpeg with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null
  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null
  else
    echo "test: ffmpeg is needed by the conformance tests; install it (apt, brew, winget) and run again" >&2
    exit 1
  fi
fi
bash scripts/setup.sh cpu,test,train
exec .venv/bin/python -m pytest "$@"
