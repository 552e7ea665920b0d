#!/usr/bin/env bash
# Sets up .venv with the test and training extras, installs ffmpeg (the conformance tests run the real client) and
# the system libraries Qt's offscreen platform links (the panel's tests), runs all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
# library Qt's offscreen platform needs -> the Debian/Ubuntu package that ships it (no ldconfig: not Linux, skip)
qt_libraries=(libEGL.so.1:libegl1 libGL.so.1:libgl1 libxkbcommon.so.0:libxkbcommon0 libfontconfig.so.1:libfontconfig1
              libdbus-1.so.3:libdbus-1-3 libglib-2.0.so.0:libglib2.0-0)
ldconfig_bin="$(command -v ldconfig || echo /sbin/ldconfig)"
if [ -x "$ldconfig_bin" ]; then
  known_libraries="$("$ldconfig_bin" -p 2>/dev/null || true)"  # read once: grep -q would break the pipe
  for entry in "${qt_libraries[@]}"; do
    grep -qF "${entry%%:*}" <<<"$known_libraries" || missing+=("${entry##*:}")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing ${missing[*]} with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test: the tests need ${missing[*]} (ffmpeg for the conformance tests, the others for Qt's offscreen" \
         "platform); install them (apt, brew, winget) and run again" >&2
    exit 1
  fi
fi
bash scripts/setup.sh cpu,test,train
exec .venv/bin/python -m pytest "$@"
