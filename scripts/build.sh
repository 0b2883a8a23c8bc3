#!/bin/bash
# Configures and builds vireo in build/ (release with debug info). Extra arguments go to cmake's
# configure step, e.g. scripts/build.sh -DVIREO_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build "$@" >/dev/null
cmake --build build -j"$(nproc)"
