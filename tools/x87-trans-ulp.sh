#!/bin/sh
# tools/x87-trans-ulp.sh [CASES] [SEED]: the portable x87 transcendentals against this host's
# x87 over CASES operands per instruction (default one million), printing for each instruction
# how many results are equal, one ulp apart or further, and the flag and C1 differences.
# Needs an x86-64 host and a build in build/ (scripts/build.sh).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
test="$here/build/tests/unit/test_x87_trans"
[ -x "$test" ] || { echo "x87-trans-ulp: $test not built (run scripts/build.sh)" >&2; exit 1; }
VIREO_TRANS_CASES=${1:-1000000} VIREO_TRANS_SEED=${2:-0x2f6b1c9d83e5a047} exec "$test"
