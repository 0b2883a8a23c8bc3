#!/bin/bash
# Runs every vireo test: builds build/ (normal) and build-san/ (AddressSanitizer +
# UndefinedBehaviorSanitizer), runs the whole CTest suite in the first and the unit tests in the
# second. Exits non-zero on any failure. Warnings are errors here.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== build (normal)"
cmake -S . -B build -DVIREO_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
echo "== build (ASan + UBSan)"
cmake -S . -B build-san -DVIREO_WERROR=ON -DVIREO_SANITIZE=ON >/dev/null
cmake --build build-san -j"$jobs"

status=0
echo "== unit tests under ASan + UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-san -L unit --output-on-failure -j"$jobs" || status=1
echo "== all tests"
ctest --test-dir build --output-on-failure -j"$jobs" || status=1
exit $status
